"""Every social write: follow, block, mute, like, bookmark, share, comment.

Counters (follower_count, like_count, comment_count...) change only inside the
transaction that inserted or deleted the row they count, by F() expressions,
and only when that insert or delete actually happened (a unique constraint
refuses a duplicate; a delete reports how many rows went). So two racing
likes make one row and one increment, and counts always equal rows.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from reelbox.accounts.models import Audience, User
from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.notifications import actions as notify
from reelbox.social import queries
from reelbox.social.models import Block, Bookmark, Comment, CommentLike, Follow, Like, Mention, Mute, Share
from reelbox.videos import queries as video_queries
from reelbox.videos.models import Video

log = logging.getLogger(__name__)

COMMENT_MAX = 500
MAX_MENTIONS = 10
# Usernames as accounts allows them; the look-behind keeps e-mail addresses out.
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.])@([A-Za-z0-9_.]{3,30})")


def _video_not_found() -> NotFound:
    return NotFound(_("No such video."), "not_found")


def _comment_not_found() -> NotFound:
    return NotFound(_("No such comment."), "not_found")


def _insert(model, **fields) -> bool:
    """Insert one row; False if the unique constraint says it already exists. Call inside a transaction."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction survives the IntegrityError
            model.objects.create(**fields)
    except IntegrityError:
        return False
    return True


# Follows ------------------------------------------------------------------


def _count_follow(follower_id: int, followee_id: int, delta: int) -> None:
    User.objects.filter(pk=follower_id).update(following_count=F("following_count") + delta)
    User.objects.filter(pk=followee_id).update(follower_count=F("follower_count") + delta)


def follow(viewer: User, target: User) -> str:
    """Follow ``target`` (a request if the account is private); idempotent. Returns the follow's status."""
    if viewer.pk == target.pk:
        raise ApiError(_("You cannot follow yourself."), "follow_self")
    status = Follow.Status.PENDING if target.is_private else Follow.Status.ACCEPTED
    with transaction.atomic():
        # Checked inside the write transaction, so a block committed meanwhile is seen.
        if queries.is_blocked_between(viewer, target):
            # Neutral: says neither who blocked whom nor whether anyone did.
            raise PermissionDenied(_("You can't follow this account."), "follow_not_allowed")
        if _insert(Follow, follower_id=viewer.pk, followee_id=target.pk, status=status):
            if status == Follow.Status.ACCEPTED:
                _count_follow(viewer.pk, target.pk, +1)
            notify.after_commit(notify.followed, viewer.pk, target.pk, status)
            return status
    return Follow.objects.filter(follower_id=viewer.pk, followee_id=target.pk).values_list(
        "status", flat=True).first() or status


def _remove_follow(follower_id: int, followee_id: int) -> None:
    """Delete a follow or a request, and uncount it if it was accepted. Call inside a transaction."""
    accepted, _detail = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id,
                                              status=Follow.Status.ACCEPTED).delete()
    if accepted:
        _count_follow(follower_id, followee_id, -1)
    Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()


def unfollow(viewer: User, target: User) -> None:
    """Stop following, or withdraw a request; idempotent."""
    with transaction.atomic():
        _remove_follow(viewer.pk, target.pk)


def remove_follower(owner: User, follower: User) -> None:
    with transaction.atomic():
        _remove_follow(follower.pk, owner.pk)


def approve_request(owner: User, requester: User) -> bool:
    """Accept a pending request; False if there was none."""
    with transaction.atomic():
        changed = Follow.objects.filter(follower_id=requester.pk, followee_id=owner.pk,
                                        status=Follow.Status.PENDING).update(status=Follow.Status.ACCEPTED)
        if changed:
            _count_follow(requester.pk, owner.pk, +1)
            notify.after_commit(notify.follow_approved, owner.pk, requester.pk)
    return bool(changed)


def decline_request(owner: User, requester: User) -> bool:
    deleted, _detail = Follow.objects.filter(follower_id=requester.pk, followee_id=owner.pk,
                                             status=Follow.Status.PENDING).delete()
    return bool(deleted)


# Privacy -------------------------------------------------------------------

PRIVACY_FIELDS = ("is_private", "who_can_comment", "who_can_duet", "who_can_stitch", "who_can_download",
                  "who_can_message")


def update_privacy(user: User, **changes) -> User:
    """Change account privacy. Going public accepts every pending request, as followers would expect."""
    fields = []
    for name, value in changes.items():
        if value is None:
            continue
        if name not in PRIVACY_FIELDS:
            raise ApiError(_("%(field)s: unknown setting.") % {"field": name}, "invalid")
        if name.startswith("who_can_") and value not in Audience.values:
            raise ApiError(_("%(field)s: one of %(choices)s.") % {"field": name, "choices": ", ".join(Audience.values)},
                           "invalid_" + name)
        setattr(user, name, value)
        fields.append(name)
    if not fields:
        return user
    with transaction.atomic():
        user.save(update_fields=fields)
        if "is_private" in fields and not user.is_private:
            for requester_id in list(Follow.objects.filter(followee_id=user.pk, status=Follow.Status.PENDING)
                                     .values_list("follower_id", flat=True)):
                changed = Follow.objects.filter(follower_id=requester_id, followee_id=user.pk,
                                                status=Follow.Status.PENDING).update(status=Follow.Status.ACCEPTED)
                if changed:
                    _count_follow(requester_id, user.pk, +1)
                    notify.after_commit(notify.follow_approved, user.pk, requester_id)
    user.refresh_from_db(fields=["follower_count", "following_count"])
    # The feed caches serialized videos; a private account's must leave it now.
    video_queries.clear_cache()
    return user


# Blocks and mutes -------------------------------------------------------------


def block(viewer: User, target: User) -> None:
    """Block ``target``; idempotent. Follows in both directions (and requests) end with it."""
    if viewer.pk == target.pk:
        raise ApiError(_("You cannot block yourself."), "block_self")
    with transaction.atomic():
        _insert(Block, blocker_id=viewer.pk, blocked_id=target.pk)
        _remove_follow(viewer.pk, target.pk)
        _remove_follow(target.pk, viewer.pk)


def unblock(viewer: User, target: User) -> None:
    Block.objects.filter(blocker_id=viewer.pk, blocked_id=target.pk).delete()


def mute(viewer: User, target: User) -> None:
    if viewer.pk == target.pk:
        raise ApiError(_("You cannot mute yourself."), "mute_self")
    with transaction.atomic():
        _insert(Mute, muter_id=viewer.pk, muted_id=target.pk)


def unmute(viewer: User, target: User) -> None:
    Mute.objects.filter(muter_id=viewer.pk, muted_id=target.pk).delete()


# Likes, bookmarks, shares -------------------------------------------------------


def _visible_video(viewer, public_id: str) -> Video:
    video = video_queries.access_video(viewer, public_id, media=False)
    if video is None or video.status != Video.Status.READY:
        raise _video_not_found()
    return video


def _count_video(pk: int, field: str, delta: int) -> None:
    Video.objects.filter(pk=pk).update(**{field: F(field) + delta})


def like(viewer: User, public_id: str) -> Video:
    video = _visible_video(viewer, public_id)
    with transaction.atomic():
        if _insert(Like, user_id=viewer.pk, video_id=video.pk):
            _count_video(video.pk, "like_count", +1)
            notify.after_commit(notify.video_liked, viewer.pk, video.pk)
    return video


def unlike(viewer: User, public_id: str) -> Video:
    video = _visible_video(viewer, public_id)
    with transaction.atomic():
        deleted, _detail = Like.objects.filter(user_id=viewer.pk, video_id=video.pk).delete()
        if deleted:
            _count_video(video.pk, "like_count", -1)
    return video


def bookmark(viewer: User, public_id: str) -> Video:
    video = _visible_video(viewer, public_id)
    with transaction.atomic():
        _insert(Bookmark, user_id=viewer.pk, video_id=video.pk)
    return video


def unbookmark(viewer: User, public_id: str) -> None:
    # No visibility check: removing a bookmark of a video gone private must still work.
    Bookmark.objects.filter(user_id=viewer.pk, video__public_id=public_id).delete()


def share(viewer, public_id: str, channel: str) -> Video:
    if channel not in Share.Channel.values:
        raise ApiError(_("channel: one of %(choices)s.") % {"choices": ", ".join(Share.Channel.values)},
                       "invalid_channel")
    video = _visible_video(viewer, public_id)
    user_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    with transaction.atomic():
        Share.objects.create(user_id=user_id, video_id=video.pk, channel=channel)
        _count_video(video.pk, "share_count", +1)
    return video


# Comments -----------------------------------------------------------------------


def clean_text(text) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ApiError(_("text: write something."), "invalid_text")
    if len(text) > COMMENT_MAX:
        raise ApiError(_("text: at most %(max)d characters.") % {"max": COMMENT_MAX}, "invalid_text")
    return text


def mentioned_users(text: str, exclude_ids: set[int]) -> list[User]:
    names = []
    for name in MENTION_RE.findall(text):
        name = name.rstrip(".")
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    if not names:
        return []
    names = names[:MAX_MENTIONS]
    match = Q()
    for name in names:
        match |= Q(username__iexact=name)
    users = {u.username.lower(): u for u in User.objects.filter(match, is_active=True)}
    return [users[n.lower()] for n in names if n.lower() in users and users[n.lower()].pk not in exclude_ids]


def on_mentioned(comment_id: int, user_ids: list[int]) -> None:
    """Hook for notifications: runs after the comment's transaction commits."""
    log.debug("comment %s mentions %s", comment_id, user_ids)
    notify.safely(notify.mentioned, comment_id, user_ids)


def create_comment(viewer: User, public_id: str, text: str, parent_id: int | None = None) -> Comment:
    video = video_queries.access_video(viewer, public_id, media=False)
    # Invisible, absent and not-yet-ready videos all answer the same.
    if video is None or video.status != Video.Status.READY:
        raise _video_not_found()
    if not video_queries.interaction_allowed(viewer, video, "comment"):
        raise PermissionDenied(_("Comments are turned off for this video."), "comments_off")
    text = clean_text(text)
    from reelbox.moderation import actions as moderation, review

    moderation.check_comments_open(viewer)  # kill switch and suspensions
    verdict = review.check_text(viewer, text, field_name="text", language=video.language)  # 400 when blocked
    parent = None
    if parent_id is not None:
        parent = queries.access_comment(viewer, parent_id)
        if parent is None or parent.video_id != video.pk:
            raise _comment_not_found()
        # One level deep: a reply to a reply joins its top-level thread.
        if parent.parent_id is not None:
            parent = queries.access_comment(viewer, parent.parent_id)
            if parent is None:
                raise _comment_not_found()
    mentions = mentioned_users(text, exclude_ids=queries.blocked_ids(viewer.pk) | {viewer.pk})
    try:
        with transaction.atomic():
            if parent is not None:
                # Lock the thread: a concurrent delete of the parent must not sweep
                # away this reply uncounted.
                if not list(Comment.objects.select_for_update().filter(pk=parent.pk).values_list("pk")):
                    raise _comment_not_found()
            comment = Comment.objects.create(video_id=video.pk, author=viewer, parent=parent, text=text,
                                             moderation=review.comment_state(verdict))
            review.record_text(verdict, "comment", str(comment.pk), viewer)
            _count_video(video.pk, "comment_count", +1)
            if parent is not None:
                Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            Mention.objects.bulk_create([Mention(comment=comment, user=u) for u in mentions])
            notify.after_commit(notify.commented, comment.pk)
    except IntegrityError:  # the video or the parent went while we wrote
        raise _video_not_found() from None
    if mentions:
        ids = [u.pk for u in mentions]
        transaction.on_commit(lambda: on_mentioned(comment.pk, ids))
    comment.video = video
    comment.mention_names = [u.username for u in mentions]
    return comment


def delete_comment(viewer: User, comment_id: int) -> None:
    """Authors delete their own comments; the video's creator (and staff) any on it."""
    comment = queries.access_comment(viewer, comment_id)
    if comment is None:
        raise _comment_not_found()
    if viewer.pk not in (comment.author_id, comment.video.author_id) and not viewer.is_staff:
        raise PermissionDenied(_("Only its author or the video's creator can delete this comment."), "forbidden")
    with transaction.atomic():
        # Lock order parent -> reply everywhere (see create_comment), so deleting a
        # reply and its thread at once cannot deadlock.
        if comment.parent_id is not None:
            list(Comment.objects.select_for_update().filter(pk=comment.parent_id).values_list("pk"))
        locked = Comment.objects.select_for_update().filter(pk=comment.pk).first()
        if locked is None:
            return  # deleted meanwhile: nothing left to uncount
        replies = Comment.objects.filter(parent_id=locked.pk).delete()[1].get("social.Comment", 0)
        Comment.objects.filter(pk=locked.pk).delete()
        _count_video(locked.video_id, "comment_count", -(1 + replies))
        if locked.parent_id is not None:
            Comment.objects.filter(pk=locked.parent_id).update(reply_count=F("reply_count") - 1)


def set_pinned(viewer: User, comment_id: int, pinned: bool) -> Comment:
    """The video's creator pins one top-level comment (pinning another unpins the first)."""
    comment = queries.access_comment(viewer, comment_id)
    if comment is None:
        raise _comment_not_found()
    if viewer.pk != comment.video.author_id:
        raise PermissionDenied(_("Only the video's creator can pin comments."), "forbidden")
    if comment.parent_id is not None:
        raise ApiError(_("Replies cannot be pinned."), "cannot_pin_reply")
    try:
        with transaction.atomic():
            if pinned:
                Comment.objects.filter(video_id=comment.video_id, is_pinned=True).exclude(pk=comment.pk).update(
                    is_pinned=False)
            Comment.objects.filter(pk=comment.pk).update(is_pinned=pinned)
    except IntegrityError:  # another pin won the race; the unique constraint keeps one
        raise ApiError(_("Another comment was pinned at the same time. Try again."), "pin_conflict",
                       status=409) from None
    comment.is_pinned = pinned
    return comment


def like_comment(viewer: User, comment_id: int) -> Comment:
    comment = queries.access_comment(viewer, comment_id)
    if comment is None:
        raise _comment_not_found()
    with transaction.atomic():
        if _insert(CommentLike, user_id=viewer.pk, comment_id=comment.pk):
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
            notify.after_commit(notify.comment_liked, viewer.pk, comment.pk)
    comment.refresh_from_db(fields=["like_count"])
    return comment


def unlike_comment(viewer: User, comment_id: int) -> Comment:
    comment = queries.access_comment(viewer, comment_id)
    if comment is None:
        raise _comment_not_found()
    with transaction.atomic():
        deleted, _detail = CommentLike.objects.filter(user_id=viewer.pk, comment_id=comment.pk).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") - 1)
    comment.refresh_from_db(fields=["like_count"])
    return comment
