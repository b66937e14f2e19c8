"""Permission-aware reads for the social graph, likes, bookmarks and comments."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from reelbox.accounts.models import User
from reelbox.accounts import queries as account_queries
from reelbox.core.errors import ApiError
from reelbox.social.models import Block, Bookmark, Comment, CommentLike, Follow, Like, Mute
from reelbox.videos.models import Video

MAX_PAGE = 50


def _uid(user) -> int | None:
    """A user id from an id, a user, or an anonymous user (None)."""
    if user is None:
        return None
    if isinstance(user, int):
        return user
    return user.pk if getattr(user, "is_authenticated", False) else None


def following_ids(user_id: int) -> set[int]:
    """Ids of the accounts ``user_id`` follows (accepted follows only)."""
    return set(Follow.objects.filter(follower_id=user_id, status=Follow.Status.ACCEPTED)
               .values_list("followee_id", flat=True))


def blocked_ids(user_id: int | None) -> set[int]:
    """Accounts with a block between them and ``user_id``, in either direction."""
    if user_id is None:
        return set()
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {b if a == user_id else a for a, b in pairs}


def hidden_author_ids(user_id: int | None) -> set[int]:
    """Authors the viewer must not see: blocked in either direction, and those the viewer muted."""
    if user_id is None:
        return set()
    return blocked_ids(user_id) | set(Mute.objects.filter(muter_id=user_id).values_list("muted_id", flat=True))


def search_people(viewer, q: str, limit: int = 10) -> list[User]:
    """Active accounts whose username starts with, or display name contains, ``q``.

    Nobody with a block between them and the viewer (either way) is found.
    """
    q = (q or "").strip().lstrip("@")
    if not q:
        return []
    qs = User.objects.filter(Q(username__istartswith=q) | Q(display_name__icontains=q), is_active=True)
    uid = _uid(viewer)
    if uid is not None:
        qs = qs.exclude(pk__in=blocked_ids(uid) | {uid})
    return list(qs.order_by("username")[: clamp(limit)])


def is_blocked_between(a, b) -> bool:
    a, b = _uid(a), _uid(b)
    if a is None or b is None or a == b:
        return False
    return Block.objects.filter(Q(blocker_id=a, blocked_id=b) | Q(blocker_id=b, blocked_id=a)).exists()


def is_following(viewer, author) -> bool:
    """An accepted follow from viewer to author."""
    v, a = _uid(viewer), _uid(author)
    if v is None or a is None:
        return False
    return Follow.objects.filter(follower_id=v, followee_id=a, status=Follow.Status.ACCEPTED).exists()


def follow_status(viewer, author) -> str | None:
    """The viewer's follow of ``author``: "accepted", "pending" or None."""
    v, a = _uid(viewer), _uid(author)
    if v is None or a is None:
        return None
    return Follow.objects.filter(follower_id=v, followee_id=a).values_list("status", flat=True).first()


def relation(viewer, user) -> dict | None:
    """What the viewer's buttons on a profile need: follow state, blocked and muted by the viewer."""
    v = _uid(viewer)
    if v is None:
        return None
    return {
        "follow": follow_status(v, user.pk),
        "follows_you": Follow.objects.filter(follower_id=user.pk, followee_id=v,
                                             status=Follow.Status.ACCEPTED).exists(),
        "blocked": Block.objects.filter(blocker_id=v, blocked_id=user.pk).exists(),
        "muted": Mute.objects.filter(muter_id=v, muted_id=user.pk).exists(),
    }


# Lists: keyset pagination on the row id, newest first --------------------------------


def _page(qs, cursor: str | None, limit: int):
    """Rows after ``cursor`` (an id), ``limit`` of them, and the next cursor."""
    if cursor:
        qs = qs.filter(pk__lt=parse_id(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (str(rows[-1].pk) if more and rows else None)


def parse_id(cursor: str) -> int:
    try:
        value = int(cursor)
        if value < 0:
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None


def clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE))


def follow_list(viewer, user, direction: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Followers ("followers") or followed accounts ("following") of ``user``, accepted only.

    The caller has checked that ``viewer`` may see ``user``'s lists. People with
    a block between them and the viewer are left out.
    """
    if direction == "followers":
        qs = Follow.objects.filter(followee_id=user.pk, status=Follow.Status.ACCEPTED).select_related("follower")
        other = "follower"
    else:
        qs = Follow.objects.filter(follower_id=user.pk, status=Follow.Status.ACCEPTED).select_related("followee")
        other = "followee"
    qs = qs.filter(**{f"{other}__is_active": True})
    hidden = blocked_ids(_uid(viewer))
    if hidden:
        qs = qs.exclude(**{f"{other}_id__in": hidden})
    rows, next_cursor = _page(qs, cursor, clamp(limit))
    return [getattr(r, other) for r in rows], next_cursor


def pending_requests(owner, cursor: str | None, limit: int) -> tuple[list, str | None]:
    qs = Follow.objects.filter(followee_id=owner.pk, status=Follow.Status.PENDING,
                               follower__is_active=True).select_related("follower")
    rows, next_cursor = _page(qs, cursor, clamp(limit))
    return [r.follower for r in rows], next_cursor


def bookmarks(viewer, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """The viewer's saved videos that they may still see, newest saved first."""
    from reelbox.videos import queries as video_queries

    visible = video_queries.visible_to(viewer).values("pk")
    qs = Bookmark.objects.filter(user_id=viewer.pk, video_id__in=visible)
    rows, next_cursor = _page(qs, cursor, clamp(limit))
    by_pk = {v.pk: v for v in video_queries.with_media(Video.objects.filter(pk__in=[r.video_id for r in rows]))}
    return [by_pk[r.video_id] for r in rows if r.video_id in by_pk], next_cursor


def video_states(viewer, public_ids: list[str]) -> dict[str, dict]:
    """Per-viewer state of videos (liked, bookmarked, following the author): never in the shared cache."""
    v = _uid(viewer)
    if v is None or not public_ids:
        return {}
    from reelbox.videos import queries as video_queries

    # Only videos the viewer may see: an unknown or hidden id is simply absent.
    rows = video_queries.visible_to(viewer).filter(public_id__in=public_ids).values_list("pk", "public_id", "author_id")
    return _states(v, list(rows))


def video_state(viewer, video: Video) -> dict | None:
    """``video_states`` of one video the caller already checked the viewer may see (``access_video``): one
    video page or status poll then costs two or three small queries, not five."""
    v = _uid(viewer)
    return None if v is None else _states(v, [(video.pk, video.public_id, video.author_id)])[video.public_id]


def _states(v: int, rows: list[tuple[int, str, int]]) -> dict[str, dict]:
    videos = {pk: public_id for pk, public_id, _author in rows}
    authors = {pk: author for pk, _public_id, author in rows}
    liked = set(Like.objects.filter(user_id=v, video_id__in=videos).values_list("video_id", flat=True))
    saved = set(Bookmark.objects.filter(user_id=v, video_id__in=videos).values_list("video_id", flat=True))
    # Nobody follows themselves: an author looking at their own videos needs no follow lookup.
    others = set(authors.values()) - {v}
    follows = dict(Follow.objects.filter(follower_id=v, followee_id__in=others)
                   .values_list("followee_id", "status")) if others else {}
    return {
        public_id: {"liked": pk in liked, "bookmarked": pk in saved, "follow": follows.get(authors[pk]),
                    "is_author": authors[pk] == v}
        for pk, public_id in videos.items()
    }


# Comments ----------------------------------------------------------------------------


def access_comment(viewer, comment_id: int) -> Comment | None:
    """A comment the viewer may see: on a video they may see, by an active author with no block between them."""
    from reelbox.videos import queries as video_queries  # videos.queries imports this module

    comment = Comment.objects.select_related("author", "video", "video__author").filter(pk=comment_id).first()
    if comment is None or not comment.author.is_active:
        return None
    if comment.moderation in HIDDEN_COMMENT_STATES and not _own_or_staff(viewer, comment.author_id):
        return None
    if not video_queries.can_view(viewer, comment.video):
        return None
    if is_blocked_between(viewer, comment.author_id):
        return None
    return comment


# Comments that moderation holds or removed: seen only by their author and staff.
HIDDEN_COMMENT_STATES = ("pending", "held", "blocked", "removed")


def _own_or_staff(viewer, author_id: int) -> bool:
    return viewer is not None and viewer.is_authenticated and (viewer.pk == author_id or viewer.is_staff)


def _visible_comments(viewer, qs):
    qs = qs.filter(author__is_active=True).select_related("author", "video").prefetch_related("mentions__user")
    if not (viewer is not None and viewer.is_authenticated and viewer.is_staff):
        qs = qs.filter(~Q(moderation__in=HIDDEN_COMMENT_STATES) | Q(author_id=_uid(viewer) or 0))
    hidden = blocked_ids(_uid(viewer))
    return qs.exclude(author_id__in=hidden) if hidden else qs


def comments_page(viewer, video, sort: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Top-level comments of a visible video. The pinned one leads the first page.

    ``newest``: by id. ``top``: by likes then id; the cursor carries both, so a
    page costs one index range scan. Likes that change between pages can move a
    comment across the cursor (shown twice or skipped), as in any live ranking.
    """
    limit = clamp(limit)
    qs = _visible_comments(viewer, Comment.objects.filter(video_id=video.pk, parent__isnull=True))
    rows: list = []
    if not cursor:
        rows = list(qs.filter(is_pinned=True))
    qs = qs.filter(is_pinned=False)
    if sort == "top":
        if cursor:
            likes, _sep, last = cursor.partition(".")
            likes, last = parse_id(likes), parse_id(last)
            qs = qs.filter(Q(like_count__lt=likes) | Q(like_count=likes, pk__lt=last))
        page = list(qs.order_by("-like_count", "-pk")[: limit + 1])
        more = len(page) > limit
        page = page[:limit]
        next_cursor = f"{page[-1].like_count}.{page[-1].pk}" if more and page else None
    elif sort == "newest":
        page, next_cursor = _page(qs, cursor, limit)
    else:
        raise ApiError(_("sort: one of top, newest."), "invalid_sort")
    return rows + page, next_cursor


def replies_page(viewer, parent, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Replies to a top-level comment, oldest first (a conversation reads downwards)."""
    qs = _visible_comments(viewer, Comment.objects.filter(parent_id=parent.pk))
    if cursor:
        qs = qs.filter(pk__gt=parse_id(cursor))
    rows = list(qs.order_by("pk")[: clamp(limit) + 1])
    more = len(rows) > clamp(limit)
    rows = rows[: clamp(limit)]
    return rows, (str(rows[-1].pk) if more and rows else None)


def comment_likes(viewer, comments: list) -> set[int]:
    v = _uid(viewer)
    if v is None or not comments:
        return set()
    return set(CommentLike.objects.filter(user_id=v, comment_id__in=[c.pk for c in comments])
               .values_list("comment_id", flat=True))


def serialize_comment(comment, viewer=None, liked: set[int] | None = None) -> dict:
    author = comment.author
    v = _uid(viewer)
    mentions = getattr(comment, "mention_names", None)
    if mentions is None:
        mentions = [m.user.username for m in comment.mentions.all()]
    data = {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        # Plain text: clients must insert it as text, never as HTML.
        "text": comment.text,
        "mentions": mentions,
        "author": account_queries.person(author),
        "like_count": comment.like_count,
        "reply_count": comment.reply_count,
        "is_pinned": comment.is_pinned,
        "created_at": comment.created_at.isoformat(),
        "viewer": None,
    }
    if v is not None:
        video_author = comment.video.author_id
        data["viewer"] = {
            "liked": comment.pk in (liked or set()),
            "can_delete": v == comment.author_id or v == video_author or bool(getattr(viewer, "is_staff", False)),
        }
    return data


def blocked_by(viewer, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Accounts the viewer blocked (to unblock them: their profiles are hidden from the viewer too)."""
    qs = Block.objects.filter(blocker_id=viewer.pk).select_related("blocked")
    rows, next_cursor = _page(qs, cursor, clamp(limit))
    return [r.blocked for r in rows], next_cursor
