"""Every notification write. Called by other domains' actions after their transaction commits.

Nobody is notified of their own doing, across a block (either way), by an
account they muted (mutes hide without telling), or of a type they turned off.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from reelbox.accounts.models import User
from reelbox.core import live
from reelbox.notifications.models import Notification, NotificationActor, NotificationPreference, Verb
from reelbox.social.models import Block, Mute

log = logging.getLogger(__name__)

# Verbs whose events fold into one line per target; comments, replies and
# mentions each carry their own text and stay apart.
GROUPED = {Verb.LIKE, Verb.FOLLOW, Verb.FOLLOW_REQUEST, Verb.MESSAGE}
GROUP_WINDOW = timedelta(hours=24)


def _now_us() -> int:
    return time.time_ns() // 1000


def preferences(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(user_id=user.pk)


def update_preferences(user, **changes) -> NotificationPreference:
    prefs = preferences(user)
    fields = [name for name, value in changes.items() if value is not None and name in Verb.values]
    for name in fields:
        setattr(prefs, name, bool(changes[name]))
    if fields:
        prefs.save()
    return prefs


def _allowed(recipient_id: int, actor_id: int, verb: str) -> bool:
    if recipient_id == actor_id:
        return False
    if not User.objects.filter(pk=recipient_id, is_active=True).exists():
        return False
    if Block.objects.filter(blocker_id__in=[recipient_id, actor_id], blocked_id__in=[recipient_id, actor_id]).exists():
        return False
    if Mute.objects.filter(muter_id=recipient_id, muted_id=actor_id).exists():
        return False
    prefs = NotificationPreference.objects.filter(user_id=recipient_id).values_list(verb, flat=True).first()
    return prefs is None or bool(prefs)


def notify(recipient_id: int, actor_id: int, verb: str, *, video_id: int | None = None,
           comment_id: int | None = None, conversation_id: int | None = None) -> Notification | None:
    """Record one event for ``recipient_id``; returns the (possibly grouped) row, or None if not notified."""
    if not _allowed(recipient_id, actor_id, verb):
        return None
    target = {"video_id": video_id, "comment_id": comment_id, "conversation_id": conversation_id}
    now_us = _now_us()
    try:
        with transaction.atomic():
            row = None
            if verb in GROUPED:
                row = (Notification.objects.select_for_update()
                       .filter(recipient_id=recipient_id, verb=verb, read_at__isnull=True,
                               created_at__gte=timezone.now() - GROUP_WINDOW, **target)
                       .order_by("-sort_us").first())
            if row is None:
                row = Notification.objects.create(recipient_id=recipient_id, actor_id=actor_id, verb=verb,
                                                  sort_us=now_us, **target)
                NotificationActor.objects.create(notification=row, actor_id=actor_id)
            else:
                joined = True
                try:
                    with transaction.atomic():
                        NotificationActor.objects.create(notification=row, actor_id=actor_id)
                except IntegrityError:  # the same person again (unlike, like): just move it up
                    joined = False
                Notification.objects.filter(pk=row.pk).update(
                    actor_id=actor_id, sort_us=now_us, actor_count=F("actor_count") + (1 if joined else 0))
    except IntegrityError:  # the target went away meanwhile
        return None
    transaction.on_commit(lambda: push_count(recipient_id))
    return row


def notify_many(recipient_ids, actor_id: int, verb: str, **target) -> None:
    for recipient_id in recipient_ids:
        notify(recipient_id, actor_id, verb, **target)


def mark_read(user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    changed = qs.update(read_at=timezone.now())
    if changed:
        transaction.on_commit(lambda: push_count(user.pk))
    return changed


def push_count(user_id: int) -> None:
    from reelbox.notifications.queries import unread_count

    live.push([user_id], {"type": "notifications.count", "count": unread_count(user_id)})


def safely(fn, *args, **kwargs) -> None:
    """Run a notification hook without letting its failure reach the write that triggered it."""
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - a lost notification must not fail a like
        log.exception("notification hook %s failed", getattr(fn, "__name__", fn))


def after_commit(fn, *args, **kwargs) -> None:
    transaction.on_commit(lambda: safely(fn, *args, **kwargs))


# Hooks called (after commit) by social.actions -------------------------------------


def video_liked(actor_id: int, video_id: int) -> None:
    from reelbox.videos.models import Video

    author_id = Video.objects.filter(pk=video_id).values_list("author_id", flat=True).first()
    if author_id is not None:
        notify(author_id, actor_id, Verb.LIKE, video_id=video_id)


def comment_liked(actor_id: int, comment_id: int) -> None:
    from reelbox.social.models import Comment

    row = Comment.objects.filter(pk=comment_id).values_list("author_id", "video_id").first()
    if row is not None:
        notify(row[0], actor_id, Verb.LIKE, video_id=row[1], comment_id=comment_id)


def _comment_recipients(comment) -> dict[int, str]:
    """Who hears of a new comment: the parent's author (a reply), the video's creator (a comment)."""
    out = {}
    if comment.parent_id is not None:
        out[comment.parent.author_id] = Verb.REPLY
    out.setdefault(comment.video.author_id, Verb.COMMENT)
    return out


def commented(comment_id: int) -> None:
    from reelbox.social.models import Comment

    comment = Comment.objects.select_related("video", "parent").filter(pk=comment_id).first()
    if comment is None:
        return
    for recipient_id, verb in _comment_recipients(comment).items():
        notify(recipient_id, comment.author_id, verb, video_id=comment.video_id, comment_id=comment.pk)


def mentioned(comment_id: int, user_ids: list[int]) -> None:
    from reelbox.social import queries as social_queries
    from reelbox.social.models import Comment

    comment = Comment.objects.select_related("video", "parent").filter(pk=comment_id).first()
    if comment is None:
        return
    already = _comment_recipients(comment)
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        # A mention in a video the person may not watch tells them nothing they may see.
        if user.pk in already or social_queries.access_comment(user, comment.pk) is None:
            continue
        notify(user.pk, comment.author_id, Verb.MENTION, video_id=comment.video_id, comment_id=comment.pk)


def followed(follower_id: int, followee_id: int, status: str) -> None:
    verb = Verb.FOLLOW if status == "accepted" else Verb.FOLLOW_REQUEST
    notify(followee_id, follower_id, verb)


def follow_approved(owner_id: int, requester_id: int) -> None:
    """The requester hears that ``owner_id`` accepted their follow request."""
    notify(requester_id, owner_id, Verb.FOLLOW_APPROVED)


def messaged(sender_id: int, recipient_ids, conversation_id: int) -> None:
    notify_many(recipient_ids, sender_id, Verb.MESSAGE, conversation_id=conversation_id)
