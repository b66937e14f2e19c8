"""Permission-checked reads of videos. Every read path goes through ``access_*``."""

from __future__ import annotations

import json
from collections import namedtuple

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet

from reelbox.accounts.models import Audience
from reelbox.accounts.queries import person, person_of
from reelbox.core.prepared import Prepared
from reelbox.core.ttlcache import TTLCache
from reelbox.social import queries as social_queries
from reelbox.social.models import Follow
from reelbox.videos import audience, storage
from reelbox.videos.messages import rejection_message
from reelbox.videos.models import Moderation, Rendition, Video

# Serialized playable videos, for the feed's hot path. Counts and captions may lag
# by up to half a minute in other processes (this one forgets on change);
# visibility does not depend on this cache: callers pass only ids that a
# permission-checked query returned (For You: its exact copy, reelbox.feed.withheld).
# Long and large enough to hit across a 100k-video catalogue (bench/feed_scale.py:
# For You +12 % throughput with history, +13 % cold, against 5 s / 20k entries).
_serialized = TTLCache(ttl_s=30.0, max_items=50_000)


# Moderation states nobody but the uploader and staff may see (reelbox.moderation sets them).
HIDDEN_MODERATION = (Moderation.PENDING, Moderation.HELD, Moderation.BLOCKED, Moderation.REMOVED)


def _is_owner_or_staff(viewer, video: Video) -> bool:
    return viewer is not None and viewer.is_authenticated and (viewer.pk == video.author_id or viewer.is_staff)


def with_media(qs: QuerySet) -> QuerySet:
    # The sound link belongs to the studio domain; joined here so a feed page costs no query per video.
    return qs.select_related("author", "sound_link__sound__owner").prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.order_by("-height"))
    )


def _ready(qs: QuerySet | None = None) -> QuerySet:
    qs = Video.objects.all() if qs is None else qs
    return qs.filter(status=Video.Status.READY, author__is_active=True).exclude(moderation__in=HIDDEN_MODERATION)


def playable(qs: QuerySet | None = None) -> QuerySet:
    """Videos anyone may watch: ready, public, by an active account that is not private.

    What feeds and every list shown to others start from. Videos for followers
    only, "only me" videos and a private account's videos never pass this;
    blocks and mutes depend on the viewer, so callers exclude
    ``social.queries.hidden_author_ids(viewer)`` on top.
    """
    # Age-restricted videos need a signed-in viewer: out of every feed and list built from this.
    return _ready(qs).filter(visibility=Video.Visibility.PUBLIC, author__is_private=False).exclude(
        moderation=Moderation.AGE_RESTRICTED)


def recommendable(qs: QuerySet | None = None) -> QuerySet:
    """Playable videos that For You may recommend: limited reach keeps a video on its profile only."""
    return playable(qs).exclude(moderation=Moderation.LIMITED)


def _follows_author(viewer, author_id: int) -> bool:
    return social_queries.is_following(viewer, author_id)


def _moderates(viewer) -> bool:
    from reelbox.moderation.queries import is_moderator  # moderation imports this module

    return is_moderator(viewer)


def can_view(viewer, video: Video) -> bool:
    """The one rule for seeing a video (the author must be loaded)."""
    if _is_owner_or_staff(viewer, video):
        return True
    if video.status != Video.Status.READY or not video.author.is_active:
        return False
    if video.moderation in HIDDEN_MODERATION and not _moderates(viewer):
        return False
    if video.moderation == Moderation.AGE_RESTRICTED and (viewer is None or not viewer.is_authenticated):
        return False
    if viewer is not None and viewer.is_authenticated and social_queries.is_blocked_between(viewer, video.author_id):
        return False
    if video.visibility == Video.Visibility.PRIVATE:
        return False
    if video.visibility == Video.Visibility.FOLLOWERS or video.author.is_private:
        return _follows_author(viewer, video.author_id)
    return True


def access_video(viewer, public_id: str, *, media: bool = True) -> Video | None:
    """A video the viewer may see, or None (absent, not ready, blocked, private: all look the same).

    Its author (and staff) see it in any state; others see a ready video by an
    active account with no block between them, public to all, followers-only
    (or on a private account) to accepted followers, "only me" never.
    """
    qs = Video.objects.filter(public_id=public_id)
    # media=False skips the renditions (writes such as a like only need the row and its author).
    video = (with_media(qs) if media else qs.select_related("author")).first()
    if video is None or not can_view(viewer, video):
        return None
    return video


def visible_to(viewer, qs: QuerySet | None = None) -> QuerySet:
    """The videos of ``qs`` the viewer may see, as one query (for lists: bookmarks, profiles)."""
    if viewer is None or not viewer.is_authenticated:
        return playable(qs)
    following = Follow.objects.filter(follower_id=viewer.pk, status=Follow.Status.ACCEPTED).values("followee_id")
    qs = _ready(qs).exclude(author_id__in=list(social_queries.blocked_ids(viewer.pk)))
    return qs.filter(
        Q(author_id=viewer.pk)
        | Q(visibility=Video.Visibility.PUBLIC, author__is_private=False)
        | Q(author_id__in=following, visibility__in=[Video.Visibility.PUBLIC, Video.Visibility.FOLLOWERS])
    )


def access_author_videos(viewer, author) -> QuerySet:
    """An author's videos as the viewer may see them: all to the author, none across a block."""
    qs = Video.objects.filter(author=author)
    if viewer is None or not viewer.is_authenticated or (viewer.pk != author.pk and not viewer.is_staff):
        qs = visible_to(viewer, qs)
    return with_media(qs.order_by("-created_at"))


def interaction_allowed(viewer, video: Video, what: str) -> bool:
    """Whether ``viewer`` may comment on / duet / stitch / download ``video`` (account and video settings).

    ``what`` is one of comment, duet, stitch, download. The video's own switch
    can only narrow the account's audience setting.
    """
    switch = {"comment": video.comments_enabled, "duet": video.allow_duet, "stitch": video.allow_stitch,
              "download": True}[what]
    if not switch:
        return False
    if viewer is not None and viewer.is_authenticated and viewer.pk == video.author_id:
        return True
    audience = getattr(video.author, f"who_can_{what}")
    if audience == Audience.NOBODY:
        return False
    if audience == Audience.FOLLOWERS:
        return _follows_author(viewer, video.author_id)
    return True


def api_status(video: Video) -> str:
    # The API has three states; "uploaded" is an internal detail of "processing".
    return "processing" if video.status == Video.Status.UPLOADED else video.status


def serialize(video: Video) -> dict:
    """A video (with its author, renditions and sound loaded: ``with_media``) as the API shows it."""
    try:
        sound = video.sound_link.sound
    except ObjectDoesNotExist:
        sound = None
    sound_json = sound and {"id": sound.public_id, "title": sound.title,
                            "owner": sound.owner.username if sound.owner_id else None}
    return _video_json(video, person(video.author), list(video.renditions.all()), sound_json)


def _video_json(video, author: dict, renditions: list, sound: dict | None, url=storage.url) -> dict:
    """The one shape of a video in the API, from a Video or a row with the same attribute names (renditions
    likewise, tallest first). The sound is untranslated (this JSON is cached for every reader): an original
    sound has no title, and the player names it after its owner in the reader's language. ``url`` makes
    the media URLs (``storage.url_maker()`` where many videos are serialised)."""
    return {
        "id": video.public_id,
        "status": api_status(video),
        # Translated when read, in the reader's language (the stored text is for logs).
        "error": rejection_message(video.error_code) if video.error_code else None,
        "error_code": video.error_code or None,
        "caption": video.caption,
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
        "poster_url": url(video.poster_path),
        # While the ladder is still encoding, renditions is empty and the HLS
        # playlist of the first rung, still growing, is the way to play.
        "hls_url": url(video.hls_path),
        "renditions": [
            {"height": r.height, "width": r.width_px, "bitrate": r.bitrate, "url": url(r.mp4_path)}
            for r in renditions
        ],
        "author": author,
        "view_count": video.view_count,
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "share_count": video.share_count,
        "visibility": video.visibility,
        "comments_enabled": video.comments_enabled,
        "allow_duet": video.allow_duet,
        "allow_stitch": video.allow_stitch,
        "created_at": video.created_at.isoformat(),
        "language": video.language or None,
        "sound": sound,
    }


# What _video_json reads of a video, and of its author and sound, as plain columns: the feed's cache misses
# are read as rows through prepared SQL, with no model instances (a third of the cost of with_media's).
_ROW_FIELDS = ("pk", "public_id", "status", "error_code", "caption", "duration", "width", "height", "poster_path",
               "hls_path", "view_count", "like_count", "comment_count", "share_count", "visibility",
               "comments_enabled", "allow_duet", "allow_stitch", "created_at", "language")
_Row = namedtuple("_Row", _ROW_FIELDS)
_Rendition = namedtuple("_Rendition", ("height", "width_px", "bitrate", "mp4_path"))
_playable_rows = Prepared(lambda pks: playable().filter(pk__in=pks).values_list(
    *_ROW_FIELDS, "author__username", "author__display_name", "author__avatar", "sound_link__sound__public_id",
    "sound_link__sound__title", "sound_link__sound__owner__username"))
_rendition_rows = Prepared(lambda pks: Rendition.objects.filter(video_id__in=pks).order_by("-height").values_list(
    "video_id", "height", "width_px", "bitrate", "mp4_path"))


def _serialize_playable(pks: list[int]) -> dict[int, dict]:
    """``_video_json`` of those ``pks`` that are playable, from two prepared reads."""
    renditions: dict[int, list] = {}
    for video_id, *fields in _rendition_rows.rows(pks):
        renditions.setdefault(video_id, []).append(_Rendition(*fields))
    out = {}
    n = len(_ROW_FIELDS)
    url = storage.url_maker()
    for row in _playable_rows.rows(pks):
        video = _Row(*row[:n])
        username, display_name, avatar, sound_id, sound_title, sound_owner = row[n:]
        sound = sound_id and {"id": sound_id, "title": sound_title, "owner": sound_owner}
        out[video.pk] = _video_json(video, person_of(username, display_name, avatar),
                                    renditions.get(video.pk, []), sound, url)
    return out


def serialize_many(pks: list[int], visible: QuerySet | None = None) -> list[str]:
    """Playable videos (or those of ``visible``, a permission-checked query) as JSON texts, in the order of
    ``pks``, from cache where possible.

    JSON rather than dicts: encoding is most of a cached feed page's cost, so
    each video is encoded once per cache lifetime, not once per request. The
    cache holds no viewer's state, and callers pass only ids a
    permission-checked query gave them.
    """
    found = _serialized.get_many(pks)
    missing = [pk for pk in pks if pk not in found]
    if missing:
        if visible is None:
            fresh = _serialize_playable(missing)
        else:
            fresh = {video.pk: serialize(video) for video in with_media(visible.filter(pk__in=missing))}
        for pk, data in fresh.items():
            found[pk] = json.dumps(data, ensure_ascii=False)
            _serialized.set(pk, found[pk])
    return [found[pk] for pk in pks if pk in found]


def forget(pk: int) -> None:
    _serialized.delete(pk)
    audience.wrote()


def clear_cache() -> None:
    _serialized.clear()


def serialize_for(viewer, video: Video) -> dict:
    """One video's JSON with the viewer's own state; never cached (see ``serialize_many``)."""
    data = serialize(video)
    if viewer is not None and viewer.is_authenticated:
        data["viewer"] = social_queries.video_state(viewer, video)
        if _is_owner_or_staff(viewer, video) or (video.moderation != Moderation.APPROVED and _moderates(viewer)):
            from reelbox.moderation.queries import moderation_state  # moderation imports this module

            data["moderation"] = moderation_state(video)
    return data


def author_page(viewer, author, cursor: str | None, limit: int) -> tuple[list[Video], str | None]:
    """A page of an author's videos as the viewer may see them; the cursor is the last id seen."""
    limit = social_queries.clamp(limit)
    qs = access_author_videos(viewer, author)
    if cursor:
        qs = qs.filter(pk__lt=social_queries.parse_id(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    return rows[:limit], (str(rows[limit - 1].pk) if len(rows) > limit else None)
