"""Telling a creator that someone made a duet with, or stitched, their video."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reelbox.notifications import actions as notifications
from reelbox.notifications.models import Verb
from reelbox.studio.models import Remix
from reelbox.videos import queries as video_queries

VERBS = {Remix.Kind.DUET: Verb.DUET, Remix.Kind.STITCH: Verb.STITCH}


def remixed(video) -> bool:
    """Once the remix is watchable, notify the original's creator, once, if they may see it.

    Notifying at publish time would point at a video still processing (or one the creator cannot watch).
    """
    with transaction.atomic():
        remix = (Remix.objects.select_for_update(of=("self",)).select_related("source_video", "video__author")
                 .filter(video=video, notified_at__isnull=True).first())
        if remix is None or remix.source_video is None:
            return False
        Remix.objects.filter(pk=remix.pk).update(notified_at=timezone.now())
    recipient = remix.source_video.author_id
    from reelbox.accounts.models import User

    viewer = User.objects.filter(pk=recipient).first()
    if viewer is None or not video_queries.can_view(viewer, remix.video):
        return False
    notifications.safely(notifications.notify, recipient, remix.video.author_id, VERBS[remix.kind],
                         video_id=remix.video_id)
    return True
