from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from reelbox.accounts.api import PersonOut, visible_profile
from reelbox.accounts import queries as account_queries
from reelbox.accounts.models import User
from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import NotFound
from reelbox.social import actions, queries
from reelbox.videos import queries as video_queries
from reelbox.videos.api import VideoOut
from reelbox.social.models import Share
from reelbox.videos.models import Video

router = Router(tags=["social"])
AUTH = TokenOrSession()


class UserPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None


class FollowOut(Schema):
    # "accepted", "pending" (a request to a private account) or None (not following).
    status: str | None
    follower_count: int
    following_count: int


class LikeOut(Schema):
    liked: bool
    like_count: int


class BookmarkOut(Schema):
    bookmarked: bool


class VideoPage(Schema):
    items: list[VideoOut]
    next_cursor: str | None


class ShareIn(Schema):
    channel: str = "link"
    # channel "message": the conversation to send the video into, and an optional note.
    conversation_id: int | None = None
    text: str = ""


class ShareOut(Schema):
    url: str
    share_count: int


class CommentIn(Schema):
    text: str
    parent_id: int | None = None


class CommentViewer(Schema):
    liked: bool
    can_delete: bool


class CommentOut(Schema):
    id: int
    parent_id: int | None
    text: str
    mentions: list[str]
    author: PersonOut
    like_count: int
    reply_count: int
    is_pinned: bool
    created_at: datetime
    viewer: CommentViewer | None


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class CommentLikeOut(Schema):
    liked: bool
    like_count: int


class PinOut(Schema):
    is_pinned: bool


class RelationOut(Schema):
    blocked: bool
    muted: bool


class VideoStatesOut(Schema):
    states: dict[str, dict]


def _user(username: str) -> User:
    """An active account by name, for writes that need no view of the profile (follow, block, mute)."""
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise NotFound(_("No such user."), "not_found")
    return user


def _follow_out(viewer, target) -> dict:
    target.refresh_from_db(fields=["follower_count", "following_count"])
    return {"status": queries.follow_status(viewer, target), "follower_count": target.follower_count,
            "following_count": target.following_count}


# Follows ---------------------------------------------------------------------------


@router.post("/users/{username}/follow", auth=AUTH, response=FollowOut)
def follow(request, username: str):
    target = _user(username)
    actions.follow(request.auth, target)
    return _follow_out(request.auth, target)


@router.delete("/users/{username}/follow", auth=AUTH, response=FollowOut)
def unfollow(request, username: str):
    target = _user(username)
    actions.unfollow(request.auth, target)
    return _follow_out(request.auth, target)


@router.get("/users", auth=None, response=UserPage)
def search_people(request, q: str = "", limit: int = 10):
    """People by username prefix or display name; no one with a block between them and the viewer."""
    viewer = resolve_user(request)
    ratelimit.hit(request, "api", str(viewer.pk) if viewer.is_authenticated else ratelimit.client_ip(request))
    return {"items": [account_queries.person(u) for u in queries.search_people(viewer, q, limit)], "next_cursor": None}


@router.get("/users/{username}/followers", auth=None, response=UserPage)
def followers(request, username: str, cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    users, next_cursor = queries.follow_list(viewer, visible_profile(viewer, username, content=True), "followers", cursor, limit)
    return {"items": [account_queries.person(u) for u in users], "next_cursor": next_cursor}


@router.get("/users/{username}/following", auth=None, response=UserPage)
def following(request, username: str, cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    users, next_cursor = queries.follow_list(viewer, visible_profile(viewer, username, content=True), "following", cursor, limit)
    return {"items": [account_queries.person(u) for u in users], "next_cursor": next_cursor}


@router.delete("/me/followers/{username}", auth=AUTH, response={204: None})
def remove_follower(request, username: str):
    actions.remove_follower(request.auth, _user(username))
    return Status(204, None)


@router.get("/me/follow-requests", auth=AUTH, response=UserPage)
def follow_requests(request, cursor: str | None = None, limit: int = 20):
    users, next_cursor = queries.pending_requests(request.auth, cursor, limit)
    return {"items": [account_queries.person(u) for u in users], "next_cursor": next_cursor}


@router.post("/me/follow-requests/{username}/approve", auth=AUTH, response={204: None})
def approve(request, username: str):
    if not actions.approve_request(request.auth, _user(username)):
        raise NotFound(_("No such follow request."), "not_found")
    return Status(204, None)


@router.post("/me/follow-requests/{username}/decline", auth=AUTH, response={204: None})
def decline(request, username: str):
    if not actions.decline_request(request.auth, _user(username)):
        raise NotFound(_("No such follow request."), "not_found")
    return Status(204, None)


# Blocks and mutes ------------------------------------------------------------------------


def _relation(viewer, target) -> dict:
    rel = queries.relation(viewer, target)
    return {"blocked": rel["blocked"], "muted": rel["muted"]}


@router.post("/users/{username}/block", auth=AUTH, response=RelationOut)
def block(request, username: str):
    target = _user(username)
    actions.block(request.auth, target)
    return _relation(request.auth, target)


@router.delete("/users/{username}/block", auth=AUTH, response=RelationOut)
def unblock(request, username: str):
    target = _user(username)
    actions.unblock(request.auth, target)
    return _relation(request.auth, target)


@router.post("/users/{username}/mute", auth=AUTH, response=RelationOut)
def mute(request, username: str):
    target = _user(username)
    actions.mute(request.auth, target)
    return _relation(request.auth, target)


@router.delete("/users/{username}/mute", auth=AUTH, response=RelationOut)
def unmute(request, username: str):
    target = _user(username)
    actions.unmute(request.auth, target)
    return _relation(request.auth, target)


# Likes, bookmarks, shares --------------------------------------------------------------------


def _like_out(video: Video, liked: bool) -> dict:
    video.refresh_from_db(fields=["like_count"])
    return {"liked": liked, "like_count": video.like_count}


@router.post("/videos/{video_id}/like", auth=AUTH, response=LikeOut)
def like(request, video_id: str):
    return _like_out(actions.like(request.auth, video_id), True)


@router.delete("/videos/{video_id}/like", auth=AUTH, response=LikeOut)
def unlike(request, video_id: str):
    return _like_out(actions.unlike(request.auth, video_id), False)


@router.post("/videos/{video_id}/bookmark", auth=AUTH, response=BookmarkOut)
def bookmark(request, video_id: str):
    actions.bookmark(request.auth, video_id)
    return {"bookmarked": True}


@router.delete("/videos/{video_id}/bookmark", auth=AUTH, response=BookmarkOut)
def unbookmark(request, video_id: str):
    actions.unbookmark(request.auth, video_id)
    return {"bookmarked": False}


@router.get("/me/bookmarks", auth=AUTH, response=VideoPage)
def my_bookmarks(request, cursor: str | None = None, limit: int = 20):
    videos, next_cursor = queries.bookmarks(request.auth, cursor, limit)
    return {"items": [video_queries.serialize(v) for v in videos], "next_cursor": next_cursor}


@router.post("/videos/{video_id}/share", auth=None, response=ShareOut)
def share(request, video_id: str, payload: ShareIn):
    viewer = resolve_user(request)
    key = str(viewer.pk) if viewer.is_authenticated else ratelimit.client_ip(request)
    ratelimit.hit(request, "share", key)
    if payload.channel == Share.Channel.MESSAGE:
        _share_into_conversation(request, viewer, video_id, payload)
    video = actions.share(viewer, video_id, payload.channel)
    video.refresh_from_db(fields=["share_count"])
    url = request.build_absolute_uri(reverse("videos:detail", args=[video.public_id]))
    return {"url": url, "share_count": video.share_count}


def _share_into_conversation(request, viewer, video_id: str, payload: ShareIn) -> None:
    from reelbox.core.errors import ApiError
    from reelbox.messaging import actions as messaging_actions

    if not viewer.is_authenticated:
        raise ApiError(_("Log in to do this."), "not_authenticated", status=401)
    if payload.conversation_id is None:
        raise ApiError(_("conversation_id: required to share into a message."), "invalid_conversation")
    ratelimit.hit(request, "message", str(viewer.pk))
    messaging_actions.send_message(viewer, payload.conversation_id, payload.text, video_id)


@router.get("/me/video-states", auth=AUTH, response=VideoStatesOut)
def video_states(request, ids: str = ""):
    """The viewer's own state (liked, bookmarked, following the author) for up to 50 videos.

    Kept apart from the video JSON so the feed's serialized videos can be
    shared by every viewer.
    """
    wanted = [i for i in ids.split(",") if i][:50]
    return {"states": queries.video_states(request.auth, wanted)}


# Comments ---------------------------------------------------------------------------------


def _commentable_video(viewer, video_id: str) -> Video:
    video = video_queries.access_video(viewer, video_id, media=False)
    if video is None or video.status != Video.Status.READY:
        raise NotFound(_("No such video."), "not_found")
    return video


def _comment_page(viewer, comments, next_cursor) -> dict:
    liked = queries.comment_likes(viewer, comments)
    return {"items": [queries.serialize_comment(c, viewer, liked) for c in comments], "next_cursor": next_cursor}


@router.get("/videos/{video_id}/comments", auth=None, response=CommentPage)
def comments(request, video_id: str, sort: str = "top", cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    video = _commentable_video(viewer, video_id)
    if not video.comments_enabled and viewer.pk != video.author_id:
        return {"items": [], "next_cursor": None}
    return _comment_page(viewer, *queries.comments_page(viewer, video, sort, cursor, limit))


@router.post("/videos/{video_id}/comments", auth=AUTH, response={201: CommentOut})
def create_comment(request, video_id: str, payload: CommentIn):
    ratelimit.hit(request, "comment", str(request.auth.pk))
    comment = actions.create_comment(request.auth, video_id, payload.text, payload.parent_id)
    return Status(201, queries.serialize_comment(comment, request.auth))


@router.get("/comments/{comment_id}/replies", auth=None, response=CommentPage)
def replies(request, comment_id: int, cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    parent = queries.access_comment(viewer, comment_id)
    if parent is None:
        raise NotFound(_("No such comment."), "not_found")
    return _comment_page(viewer, *queries.replies_page(viewer, parent, cursor, limit))


@router.delete("/comments/{comment_id}", auth=AUTH, response={204: None})
def delete_comment(request, comment_id: int):
    actions.delete_comment(request.auth, comment_id)
    return Status(204, None)


@router.post("/comments/{comment_id}/like", auth=AUTH, response=CommentLikeOut)
def like_comment(request, comment_id: int):
    return {"liked": True, "like_count": actions.like_comment(request.auth, comment_id).like_count}


@router.delete("/comments/{comment_id}/like", auth=AUTH, response=CommentLikeOut)
def unlike_comment(request, comment_id: int):
    return {"liked": False, "like_count": actions.unlike_comment(request.auth, comment_id).like_count}


@router.post("/comments/{comment_id}/pin", auth=AUTH, response=PinOut)
def pin(request, comment_id: int):
    return {"is_pinned": actions.set_pinned(request.auth, comment_id, True).is_pinned}


@router.delete("/comments/{comment_id}/pin", auth=AUTH, response=PinOut)
def unpin(request, comment_id: int):
    return {"is_pinned": actions.set_pinned(request.auth, comment_id, False).is_pinned}


# Privacy ------------------------------------------------------------------------------------


class PrivacyOut(Schema):
    is_private: bool
    who_can_comment: str
    who_can_duet: str
    who_can_stitch: str
    who_can_download: str
    who_can_message: str


class PrivacyIn(Schema):
    is_private: bool | None = None
    who_can_comment: str | None = None
    who_can_duet: str | None = None
    who_can_stitch: str | None = None
    who_can_download: str | None = None
    who_can_message: str | None = None


def privacy_out(user) -> dict:
    return {name: getattr(user, name) for name in actions.PRIVACY_FIELDS}


@router.get("/me/privacy", auth=AUTH, response=PrivacyOut)
def get_privacy(request):
    return privacy_out(request.auth)


@router.patch("/me/privacy", auth=AUTH, response=PrivacyOut)
def update_privacy(request, payload: PrivacyIn):
    return privacy_out(actions.update_privacy(request.auth, **payload.dict(exclude_unset=True)))


@router.get("/me/blocks", auth=AUTH, response=UserPage)
def my_blocks(request, cursor: str | None = None, limit: int = 20):
    users, next_cursor = queries.blocked_by(request.auth, cursor, limit)
    return {"items": [account_queries.person(u) for u in users], "next_cursor": next_cursor}
