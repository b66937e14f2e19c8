"""Permission-checked reads of videos. Every read path goes through ``access_*``."""

from __future__ import annotations

import json

from django.db.models import Prefetch, QuerySet

from reelbox.core.ttlcache import TTLCache
from reelbox.videos import storage
from reelbox.videos.messages import rejection_message
from reelbox.videos.models import Rendition, Video

# Serialized playable videos, for the feed's hot path. Counts may lag by a few
# seconds; visibility does not depend on this cache (callers pass only ids
# that a permission-checked query returned).
_serialized = TTLCache(ttl_s=5.0, max_items=20_000)


def _is_owner_or_staff(viewer, video: Video) -> bool:
    return viewer is not None and viewer.is_authenticated and (viewer.pk == video.author_id or viewer.is_staff)


def with_media(qs: QuerySet) -> QuerySet:
    return qs.select_related("author").prefetch_related(
        Prefetch("renditions", queryset=Rendition.objects.order_by("-height"))
    )


def playable(qs: QuerySet | None = None) -> QuerySet:
    """Videos anyone may watch. Later domains (privacy, moderation) narrow this."""
    qs = Video.objects.all() if qs is None else qs
    return qs.filter(status=Video.Status.READY, author__is_active=True)


def access_video(viewer, public_id: str) -> Video | None:
    """A video the viewer may see: anyone a ready one, only its author (or staff) one still processing or failed."""
    video = with_media(Video.objects.filter(public_id=public_id)).first()
    if video is None:
        return None
    if video.status == Video.Status.READY and video.author.is_active:
        return video
    return video if _is_owner_or_staff(viewer, video) else None


def access_author_videos(viewer, author) -> QuerySet:
    qs = Video.objects.filter(author=author)
    if viewer is None or not viewer.is_authenticated or (viewer.pk != author.pk and not viewer.is_staff):
        qs = playable(qs)
    return with_media(qs.order_by("-created_at"))


def api_status(video: Video) -> str:
    # The API has three states; "uploaded" is an internal detail of "processing".
    return "processing" if video.status == Video.Status.UPLOADED else video.status


def serialize(video: Video) -> dict:
    renditions = list(video.renditions.all())
    author = video.author
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
        "poster_url": storage.url(video.poster_path),
        # While the ladder is still encoding, renditions is empty and the HLS
        # playlist of the first rung, still growing, is the way to play.
        "hls_url": storage.url(video.hls_path) if video.hls_path else None,
        "renditions": [
            {"height": r.height, "width": r.width_px, "bitrate": r.bitrate, "url": storage.url(r.mp4_path)}
            for r in renditions
        ],
        "author": {
            "username": author.username,
            "display_name": author.shown_name,
            "avatar_url": author.avatar.url if author.avatar else None,
        },
        "view_count": video.view_count,
        "created_at": video.created_at.isoformat(),
    }


def serialize_many(pks: list[int]) -> list[str]:
    """Playable videos as JSON texts, in the order of ``pks``, from cache where possible.

    JSON rather than dicts: encoding is most of a cached feed page's cost, so
    each video is encoded once per cache lifetime, not once per request.
    """
    found = _serialized.get_many(pks)
    missing = [pk for pk in pks if pk not in found]
    if missing:
        for video in with_media(playable().filter(pk__in=missing)):
            found[video.pk] = json.dumps(serialize(video), ensure_ascii=False)
            _serialized.set(video.pk, found[video.pk])
    return [found[pk] for pk in pks if pk in found]


def forget(pk: int) -> None:
    _serialized.delete(pk)


def clear_cache() -> None:
    _serialized.clear()
