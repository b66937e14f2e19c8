"""Hooks: a video saved (created or caption changed), profiles, sounds, caption tracks and sound links.

Indexing is a few indexed writes, done inline; a failure is logged and never breaks the sender.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from reelbox.accounts.models import User
from reelbox.discovery import indexing
from reelbox.discovery.models import SearchDoc, VideoHashtag
from reelbox.videos.signals import video_saved

log = logging.getLogger("reelbox.discovery")


def _safely(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # the write that triggered us must succeed even if the index lags
        log.exception("discovery indexing failed: %s%r", fn.__name__, args[:1])


@receiver(video_saved)
def on_video_saved(video, created: bool = False, **kwargs) -> None:
    _safely(indexing.index_video, video)


@receiver(post_save, sender=User)
def on_user_saved(instance, raw=False, **kwargs) -> None:
    if not raw:
        _safely(indexing.index_user, instance)


@receiver(post_delete, sender=VideoHashtag)
def on_link_deleted(instance, **kwargs) -> None:
    _safely(indexing.on_link_deleted, instance)


@receiver(post_delete, sender=SearchDoc)
def on_doc_deleted(instance, **kwargs) -> None:
    _safely(indexing.on_doc_deleted, instance)


def _connect_optional() -> None:
    sound = indexing._model("studio.Sound")
    if sound is not None:
        post_save.connect(lambda instance, raw=False, **kw: raw or _safely(indexing.index_sound, instance),
                          sender=sound, weak=False, dispatch_uid="discovery-sound")
    for label in ("studio.VideoSound", "captions.CaptionTrack"):
        model = indexing._model(label)
        if model is None:
            continue
        # After commit: inside a video's cascade delete, re-indexing would recreate the rows being deleted.
        handler = (lambda instance, raw=False, **kw: raw or transaction.on_commit(
            lambda pk=instance.video_id: _safely(indexing.reindex_video, pk)))
        post_save.connect(handler, sender=model, weak=False, dispatch_uid=f"discovery-{label}-save")
        post_delete.connect(handler, sender=model, weak=False, dispatch_uid=f"discovery-{label}-delete")


_connect_optional()
