"""Permission-checked reads of the studio: drafts (their owner only), sounds and the videos that use them."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from reelbox.accounts.queries import person
from reelbox.social import queries as social_queries
from reelbox.studio.models import Draft, Remix, Sound
from reelbox.videos import queries as video_queries
from reelbox.videos import storage
from reelbox.videos.models import Video


def access_draft(viewer, public_id: str) -> Draft | None:
    """A draft is its owner's alone: anyone else (staff included) gets None, which reads as 404."""
    if viewer is None or not viewer.is_authenticated:
        return None
    return Draft.objects.filter(public_id=public_id, owner_id=viewer.pk).select_related("sound", "source_video").first()


def drafts_of(viewer) -> QuerySet:
    return Draft.objects.filter(owner_id=viewer.pk).exclude(status=Draft.Status.PUBLISHED).order_by("-updated_at")


def _videos_of(sound: Sound) -> QuerySet:
    return Video.objects.filter(sound_link__sound=sound)


def access_sound(viewer, public_id: str) -> Sound | None:
    """Library tracks are for everyone; an original sound only for those who may watch a video that uses it.

    Otherwise the audio of a private or followers-only video would leak through its sound page.
    """
    sound = Sound.objects.filter(public_id=public_id).select_related("owner").first()
    if sound is None:
        return None
    if sound.kind == Sound.Kind.LIBRARY:
        return sound
    if viewer is not None and viewer.is_authenticated and (viewer.is_staff or viewer.pk == sound.owner_id):
        return sound
    return sound if video_queries.visible_to(viewer, _videos_of(sound)).exists() else None


def sound_videos(viewer, sound: Sound, cursor: str | None, limit: int) -> tuple[list[Video], str | None]:
    """The sound's videos the viewer may see, most watched first; the cursor is an offset."""
    limit = social_queries.clamp(limit)
    offset = social_queries.parse_id(cursor) if cursor else 0
    qs = video_queries.visible_to(viewer, _videos_of(sound))
    if viewer is not None and viewer.is_authenticated:
        qs = qs.exclude(author_id__in=social_queries.hidden_author_ids(viewer.pk))
    rows = list(video_queries.with_media(qs.order_by("-view_count", "-like_count", "-pk"))[offset: offset + limit + 1])
    return rows[:limit], (str(offset + limit) if len(rows) > limit else None)


def library(q: str = "", limit: int = 20) -> list[Sound]:
    qs = Sound.objects.filter(kind=Sound.Kind.LIBRARY)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(artist__icontains=q))
    return list(qs.order_by("-use_count", "title")[: social_queries.clamp(limit)])


def sound_title(sound: Sound) -> str:
    if sound.title:
        return sound.title
    if sound.owner is not None:
        return _("Original sound · %(name)s") % {"name": sound.owner.shown_name}
    return _("Original sound")


def serialize_sound(sound: Sound) -> dict:
    return {
        "id": sound.public_id,
        "title": sound_title(sound),
        "artist": sound.artist,
        "kind": sound.kind,
        "licence": sound.licence,
        "duration": sound.duration,
        "audio_url": storage.url(sound.audio_path),
        "use_count": sound.use_count,
        "owner": person(sound.owner) if sound.owner is not None else None,
        "created_at": sound.created_at.isoformat(),
    }


def video_sound(video: Video) -> Sound | None:
    return Sound.objects.filter(video_links__video=video).select_related("owner").first()


def remix_of(viewer, video: Video) -> dict | None:
    """What a duet or stitch answers, for its page: the original only if the viewer may see it."""
    remix = Remix.objects.filter(video=video).select_related("source_video__author").first()
    if remix is None:
        return None
    source = remix.source_video
    visible = source is not None and video_queries.can_view(viewer, source)
    return {"kind": remix.kind, "video_id": source.public_id if visible else None,
            "author": person(source.author) if visible else None}


def serialize_draft(draft: Draft) -> dict:
    return {
        "id": draft.public_id,
        "kind": draft.kind,
        "status": draft.status,
        # Stored as written (English where it came from a message id): translated for the reader.
        "error": _(draft.error) if draft.error else None,
        "error_code": draft.error_code or None,
        "recipe": draft.recipe,
        "caption": draft.caption,
        "visibility": draft.visibility,
        "duration": draft.duration,
        "has_audio": draft.has_audio,
        "clip_count": len(draft.clips),
        "layout": draft.layout,
        "source_video": draft.source_video.public_id if draft.source_video_id else None,
        "sound": serialize_sound(draft.sound) if draft.sound_id else None,
        "seed": draft.seed,
        "base_url": storage.url(draft.base_path),
        "preview_url": storage.url(draft.preview_path),
        "preview_current": bool(draft.preview_path) and draft.preview_recipe == draft.recipe,
        "cover_url": storage.url(draft.cover_path),
        "publish_at": draft.publish_at.isoformat() if draft.publish_at else None,
        "video_id": draft.result_video.public_id if draft.result_video_id else None,
        "created_at": draft.created_at.isoformat(),
        "updated_at": draft.updated_at.isoformat(),
    }


STICKER_DIR = Path(__file__).resolve().parent.parent / "static" / "studio" / "stickers"


def sticker_files() -> dict[str, Path]:
    """The bundled stickers by id (the file name without .png)."""
    return {p.stem: p for p in sorted(STICKER_DIR.glob("*.png"))}


def look_choices() -> list[dict]:
    """The colour looks the editor offers, labelled in the reader's language."""
    from reelbox.media import edit

    return [{"id": name, "label": _(look.label)} for name, look in edit.LOOKS.items()]
