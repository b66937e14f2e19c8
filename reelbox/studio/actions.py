"""Every write of the studio: drafts, their recipes, publishing, sounds and the links between videos.

Files are checked before anything is written, so a refused request leaves neither a row nor a stored file;
rendering (composing, previews, publishing) happens in worker tasks queued on commit.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.media import edit
from reelbox.studio import queries
from reelbox.studio.models import Draft, Remix, Sound, VideoSound
from reelbox.videos import actions as video_actions
from reelbox.videos import queries as video_queries
from reelbox.videos import storage
from reelbox.videos.models import Video

log = logging.getLogger("reelbox.studio")

MIN_MONTAGE_CLIPS = 2
MAX_MONTAGE_CLIPS = 20
MAX_STITCH_S = 5.0
# Drafts in these states have a worker on them: their recipe and files must not change underneath it.
BUSY = (Draft.Status.RENDERING, Draft.Status.PUBLISHING)


class FieldError(ApiError):
    """A 400 that names the offending field (``{"detail", "code", "field"}``)."""

    def __init__(self, field: str, detail: str, code: str, *, status: int = 400):
        super().__init__(detail, code, status=status)
        self.extra = {"field": field}


def recipe_error(exc: edit.RecipeError) -> FieldError:
    message = _(exc.message)  # English from reelbox.media, marked for translation there
    detail = f"{exc.field}: {message}"
    return FieldError(exc.field, detail, exc.code)


def _prefix(draft: Draft) -> str:
    return f"drafts/{draft.public_id}/{secrets.token_urlsafe(12)}"


def _enqueue(task, *args) -> None:
    transaction.on_commit(lambda: task.enqueue(*args))


# Drafts ----------------------------------------------------------------------------------------------------


def _source_video(owner, kind: str, public_id: str | None) -> Video:
    """The video a duet or stitch answers: visible (else 404) and open to remixes (else 403)."""
    if not public_id:
        raise FieldError("source_video", _("source_video: a duet or stitch needs the video it answers."),
                         "source_required")
    video = video_queries.access_video(owner, public_id, media=False)
    if video is None or video.status != Video.Status.READY:
        raise NotFound(_("No such video."), "not_found")
    if not video_queries.interaction_allowed(owner, video, kind):
        detail = (_("The creator does not allow duets with this video.") if kind == Draft.Kind.DUET
                  else _("The creator does not allow stitches with this video."))
        raise PermissionDenied(detail, f"{kind}_not_allowed")
    if not video.source_path:
        raise NotFound(_("No such video."), "not_found")
    return video


def check_remix_allowed(draft: Draft) -> None:
    """A duet or stitch is checked again when published: the original may have been hidden or closed since."""
    if draft.kind not in (Draft.Kind.DUET, Draft.Kind.STITCH):
        return
    if draft.source_video_id is None:
        raise NotFound(_("The original video is no longer available."), "source_gone")
    _source_video(draft.owner, draft.kind, draft.source_video.public_id)


def _check_clip_count(kind: str, count: int) -> None:
    if kind == Draft.Kind.MONTAGE:
        if count < MIN_MONTAGE_CLIPS:
            raise FieldError("files", _("files: an auto-edit needs at least %(min)d clips.") % {
                "min": MIN_MONTAGE_CLIPS}, "too_few_clips")
        if count > MAX_MONTAGE_CLIPS:
            raise FieldError("files", _("files: an auto-edit takes at most %(max)d clips.") % {
                "max": MAX_MONTAGE_CLIPS}, "too_many_clips")
    elif count != 1:
        raise FieldError("files", _("files: upload exactly one clip."), "one_clip")


def _check_stitch_range(start: float, end: float, source: Video) -> None:
    if start < 0 or (source.duration and start >= source.duration):
        raise FieldError("stitch_start", _("stitch_start: must fall within the original video."), "out_of_range")
    if end <= start or end - start > MAX_STITCH_S + 1e-6:
        raise FieldError("stitch_end", _("stitch_end: take between 0 and %(max)d seconds of the original.") % {
            "max": int(MAX_STITCH_S)}, "out_of_range")


def _usable_sound(owner, sound_id: str | None, *, field: str = "sound") -> Sound | None:
    if not sound_id:
        return None
    sound = queries.access_sound(owner, sound_id)
    if sound is None or not sound.audio_path:
        raise FieldError(field, _("%(field)s: no such sound.") % {"field": field}, "unknown_sound")
    return sound


def _check_not_silent(sound: Sound) -> None:
    from reelbox.media import audio

    with storage.local_copy(sound.audio_path) as path:
        silent = audio.is_silent(path)
    if silent:
        raise FieldError("sound", _("sound: this sound is silent, so there are no beats to cut to."), "silent_sound")


def create_draft(owner, *, kind: str, files: list[Path], source_video: str | None = None, layout: str = "side",
                 stitch_start: float = 0.0, stitch_end: float = MAX_STITCH_S, sound: str | None = None,
                 caption: str = "") -> Draft:
    """A new private draft from uploaded clips. Everything is checked before the first byte is stored."""
    if kind not in Draft.Kind.values:
        raise FieldError("kind", _("kind: one of %(choices)s.") % {"choices": ", ".join(Draft.Kind.values)},
                         "invalid_kind")
    source = _source_video(owner, kind, source_video) if kind in (Draft.Kind.DUET, Draft.Kind.STITCH) else None
    if kind == Draft.Kind.DUET and layout not in Draft.Layout.values:
        raise FieldError("layout", _("layout: one of %(choices)s.") % {"choices": ", ".join(Draft.Layout.values)},
                         "invalid_layout")
    if kind == Draft.Kind.STITCH:
        _check_stitch_range(stitch_start, stitch_end, source)
    _check_clip_count(kind, len(files))
    chosen = _usable_sound(owner, sound)
    if kind == Draft.Kind.MONTAGE:
        if chosen is None:
            raise FieldError("sound", _("sound: an auto-edit needs a sound to cut to."), "sound_required")
        _check_not_silent(chosen)
    caption = video_actions.clean_caption(caption)
    with contextlib.ExitStack() as stack:
        checked = [_check_clip(path, stack) for path in files]
        return _create_draft(owner, kind, checked, caption=caption, source=source, layout=layout,
                             stitch_start=stitch_start, stitch_end=stitch_end, sound=chosen)


def _check_clip(path: Path, stack: contextlib.ExitStack):
    """Probe a clip (a 4xx if refused). A browser's MediaRecorder writes WebM without a duration, which the
    probe refuses: such a file is remuxed (streams copied, bounded in time) and probed again."""
    try:
        return path, video_actions.check_media(path)
    except ApiError as exc:
        if exc.code != "undecodable":
            raise
        from reelbox.media.errors import MediaError
        from reelbox.media.ffmpeg import run_ffmpeg, safe_input

        fixed = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=storage.work_dir()))) / "clip.mkv"
        try:
            run_ffmpeg([*safe_input(path), "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-f", "matroska",
                        str(fixed)], timeout=60)
        except MediaError:
            raise exc from None
        return fixed, video_actions.check_media(fixed)


def _create_draft(owner, kind: str, checked: list, *, caption: str, source, layout: str, stitch_start: float,
                  stitch_end: float, sound: Sound | None) -> Draft:
    chosen = sound
    files, infos = [c[0] for c in checked], [c[1] for c in checked]

    draft = Draft(owner=owner, kind=kind, caption=caption, source_video=source, layout=layout,
                  stitch_start=stitch_start, stitch_end=stitch_end, sound=chosen)
    draft.media_prefix = _prefix(draft)
    try:
        for i, (path, info) in enumerate(zip(files, infos, strict=True)):
            suffix = ".mkv" if path.suffix == ".mkv" else ".mp4"
            stored = storage.put(path, f"{draft.media_prefix}/clip{i}{suffix}")
            draft.clips.append({"path": stored, "duration": info.duration, "has_audio": info.has_audio})
        if kind == Draft.Kind.EDIT:
            draft.base_path, draft.duration = draft.clips[0]["path"], infos[0].duration
            draft.has_audio = infos[0].has_audio
            draft.recipe = default_recipe(draft, chosen)
        else:
            draft.status = Draft.Status.RENDERING
        with transaction.atomic():
            draft.save()
            from reelbox.studio.tasks import prepare_draft, prepare_proxy

            # An edit's preview proxy is made while its owner is still editing; a composed clip gets its own
            # once composed.
            _enqueue(prepare_proxy if kind == Draft.Kind.EDIT else prepare_draft, draft.pk)
    except BaseException:
        storage.delete_prefix(draft.media_prefix)
        raise
    log.info("draft %s (%s) created by %s", draft.public_id, kind, owner.pk)
    return draft


def default_recipe(draft: Draft, sound: Sound | None = None) -> dict:
    recipe: dict = {"trim": {"start": 0.0, "end": draft.duration}}
    if sound is not None and draft.kind != Draft.Kind.MONTAGE:
        recipe["sound"] = {"id": sound.public_id, "offset": 0.0, "volume": 1.0}
    try:
        return edit.validate(recipe, duration=draft.duration, has_audio=draft.has_audio,
                             sound_duration=sound.duration if sound is not None and "sound" in recipe else None)
    except edit.RecipeError:  # e.g. a clip shorter than the shortest allowed trim: the user fixes it later
        return recipe


def _editable(draft: Draft) -> None:
    if draft.status == Draft.Status.PUBLISHED:
        raise ApiError(_("This draft is already published."), "published", status=409)
    if draft.status in BUSY:
        raise ApiError(_("This draft is being rendered; try again when it is done."), "busy", status=409)


def validated_recipe(draft: Draft, recipe: dict) -> tuple[dict, Sound | None]:
    """The recipe normalised by ``edit.validate``, with its sound resolved (400 naming the field otherwise)."""
    if not isinstance(recipe, dict):
        raise FieldError("recipe", _("recipe: must be an object."), "invalid")
    sound = None
    wanted = recipe.get("sound")
    if isinstance(wanted, dict) and wanted.get("id"):
        sound = _usable_sound(draft.owner, str(wanted["id"]), field="sound.id")
    try:
        clean = edit.validate(recipe, duration=draft.duration, has_audio=draft.has_audio,
                              sound_duration=sound.duration if sound is not None else None)
    except edit.RecipeError as exc:
        raise recipe_error(exc) from None
    known = queries.sticker_files()
    for i, sticker in enumerate(clean["stickers"]):
        if sticker["id"] not in known:
            raise FieldError(f"stickers[{i}].id", _("stickers[%(i)d].id: unknown sticker.") % {"i": i},
                             "unknown_sticker")
    return clean, sound


def update_draft(draft: Draft, *, recipe: dict | None = None, caption: str | None = None,
                 visibility: str | None = None) -> Draft:
    _editable(draft)
    if draft.status == Draft.Status.RENDERING or not draft.base_path:
        raise ApiError(_("This draft is still being prepared."), "busy", status=409)
    fields = ["updated_at"]
    if recipe is not None:
        draft.recipe, sound = validated_recipe(draft, recipe)
        fields.append("recipe")
        if draft.kind != Draft.Kind.MONTAGE:  # a montage keeps the sound it was cut to
            draft.sound = sound
            fields.append("sound")
    if caption is not None:
        draft.caption = video_actions.clean_caption(caption)
        fields.append("caption")
    if visibility is not None:
        if visibility not in Video.Visibility.values:
            raise FieldError("visibility", _("visibility: one of %(choices)s.") % {
                "choices": ", ".join(Video.Visibility.values)}, "invalid_visibility")
        draft.visibility = visibility
        fields.append("visibility")
    if draft.status == Draft.Status.FAILED:  # an edit after a failed render starts afresh (unscheduled)
        draft.status, draft.error, draft.error_code, draft.publish_at = Draft.Status.DRAFT, "", "", None
        fields += ["status", "error", "error_code", "publish_at"]
    draft.save(update_fields=fields)
    return draft


def _start(draft: Draft, task, status: str = Draft.Status.RENDERING) -> Draft:
    """Move an idle draft to a working state (a conditional update: two clicks queue one job)."""
    with transaction.atomic():
        moved = Draft.objects.filter(pk=draft.pk, status__in=[Draft.Status.DRAFT, Draft.Status.FAILED,
                                                               Draft.Status.SCHEDULED]).update(
            status=status, error="", error_code="", updated_at=timezone.now())
        if not moved:
            draft.refresh_from_db()
            _editable(draft)
            raise ApiError(_("This draft cannot be rendered now."), "busy", status=409)
        _enqueue(task, draft.pk)
    draft.refresh_from_db()
    return draft


def request_preview(draft: Draft) -> Draft:
    from reelbox.studio.tasks import render_preview

    _editable(draft)
    if not draft.base_path:
        raise ApiError(_("This draft is still being prepared."), "busy", status=409)
    return _start(draft, render_preview)


def reroll(draft: Draft) -> Draft:
    """Cut the montage again with another seed; the result replaces the draft's base clip."""
    from reelbox.studio.tasks import prepare_draft

    if draft.kind != Draft.Kind.MONTAGE:
        raise ApiError(_("Only an auto-edit can be re-rolled."), "not_montage")
    _editable(draft)
    Draft.objects.filter(pk=draft.pk).update(seed=F("seed") + 1)
    return _start(draft, prepare_draft)


def publish(draft: Draft, *, publish_at: datetime | None = None, caption: str | None = None,
            visibility: str | None = None) -> Draft:
    """Publish now (rendered by a worker) or at ``publish_at`` (the worker's sweep picks it up)."""
    from reelbox.studio.tasks import publish_draft

    from reelbox.moderation.actions import check_uploads_open

    _editable(draft)
    if not draft.base_path:
        raise ApiError(_("This draft is still being prepared."), "busy", status=409)
    check_uploads_open(draft.owner)  # said now; create_video checks again when a scheduled one is due
    if caption is not None or visibility is not None:
        update_draft(draft, caption=caption, visibility=visibility)
    # The stored recipe was valid when saved; check it again in case its sound went away since.
    validated_recipe(draft, draft.recipe)
    check_remix_allowed(draft)
    if publish_at is not None and timezone.is_naive(publish_at):
        publish_at = timezone.make_aware(publish_at)
    if publish_at is not None and publish_at > timezone.now():
        Draft.objects.filter(pk=draft.pk).update(status=Draft.Status.SCHEDULED, publish_at=publish_at,
                                                 error="", error_code="", updated_at=timezone.now())
        draft.refresh_from_db()
        return draft
    Draft.objects.filter(pk=draft.pk).update(publish_at=None)
    return _start(draft, publish_draft, Draft.Status.PUBLISHING)


def unschedule(draft: Draft) -> Draft:
    Draft.objects.filter(pk=draft.pk, status=Draft.Status.SCHEDULED).update(
        status=Draft.Status.DRAFT, publish_at=None, updated_at=timezone.now())
    draft.refresh_from_db()
    return draft


def publish_due(now: datetime | None = None) -> int:
    """Called by the worker's sweep: start publishing every scheduled draft whose time has come."""
    from reelbox.studio.tasks import publish_draft

    now = now or timezone.now()
    started = 0
    for pk in Draft.objects.filter(status=Draft.Status.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True):
        # Conditional update: with several workers sweeping, exactly one moves each draft.
        with transaction.atomic():
            if Draft.objects.filter(pk=pk, status=Draft.Status.SCHEDULED).update(
                    status=Draft.Status.PUBLISHING, updated_at=timezone.now()):
                _enqueue(publish_draft, pk)
                started += 1
    if started:
        log.info("publishing %d scheduled draft(s)", started)
    return started


def fail_stalled(now: datetime | None = None) -> int:
    """Drafts left rendering or publishing by a worker that died: the owner may try again.

    A render is bounded by its ffmpeg timeout, so one still "working" after twice that is orphaned.
    """
    from reelbox.studio.tasks import render_timeout

    cutoff = (now or timezone.now()) - timedelta(seconds=2 * render_timeout() + 60)
    stalled = Draft.objects.filter(status__in=BUSY, updated_at__lt=cutoff).update(
        status=Draft.Status.FAILED, error_code="interrupted",
        error=gettext_noop("Rendering was interrupted. Try again."), updated_at=timezone.now())
    if stalled:
        log.warning("%d studio render(s) interrupted", stalled)
    return stalled


def sweep() -> None:
    """The worker's periodic sweep: scheduled publishing, then orphaned renders."""
    publish_due()
    fail_stalled()


def delete_draft(draft: Draft) -> None:
    # Its files go on commit (receivers.on_draft_deleted), also when its owner's account is deleted;
    # a worker still rendering it finds the row gone and drops its output.
    draft.delete()


def mark_failed(draft_pk: int, code: str, message: str) -> None:
    """A failed render keeps the draft (and its clips and recipe) with the reason the owner reads."""
    Draft.objects.filter(pk=draft_pk).update(status=Draft.Status.FAILED, error_code=code, error=message,
                                             updated_at=timezone.now())


# Sounds and links ------------------------------------------------------------------------------------------


def link_sound(video: Video, sound: Sound) -> bool:
    """Record that ``video`` uses ``sound``; the use count moves in the same transaction (exact for trends)."""
    with transaction.atomic():
        _row, created = VideoSound.objects.get_or_create(video=video, defaults={"sound": sound})
        if created:
            Sound.objects.filter(pk=sound.pk).update(use_count=F("use_count") + 1)
    return created


def unlink_sound(video_pk: int) -> None:
    with transaction.atomic():
        row = VideoSound.objects.select_for_update().filter(video_id=video_pk).first()
        if row is not None:
            Sound.objects.filter(pk=row.sound_id, use_count__gt=0).update(use_count=F("use_count") - 1)
            row.delete()


def create_sound(*, local_audio: Path, kind: str, title: str = "", artist: str = "", licence: str = "",
                 owner=None, source_video: Video | None = None, duration: float, fingerprint: bytes) -> Sound:
    """Store normalised audio and its row together (a failed insert leaves no file)."""
    sound = Sound(kind=kind, title=title, artist=artist, licence=licence, owner=owner, source_video=source_video,
                  duration=duration, fingerprint=fingerprint)
    prefix = f"sounds/{sound.public_id}/{secrets.token_urlsafe(12)}"
    sound.audio_path = storage.put(local_audio, f"{prefix}/audio{local_audio.suffix or '.m4a'}")
    try:
        sound.save()
    except BaseException:
        storage.delete_prefix(prefix)
        raise
    return sound


def add_library_track(*, local_path: Path, title: str, artist: str = "", licence: str = "") -> Sound:
    """A curated track (admins): loudness-normalised and fingerprinted like every sound."""
    import tempfile

    from reelbox.media import audio
    from reelbox.media.errors import MediaError

    title = (title or "").strip()
    if not title:
        raise FieldError("title", _("title: a track needs a title."), "title_required")
    with tempfile.TemporaryDirectory(dir=storage.work_dir(), prefix="sound-") as tmp:
        out = Path(tmp) / "audio.m4a"
        try:
            info = audio.extract_sound(local_path, out)
        except MediaError as exc:
            raise FieldError("file", _("file: this is not an audio file we can read."), "unreadable_audio") from exc
        if not info.has_audio:
            raise FieldError("file", _("file: this file has no audio."), "no_audio")
        return create_sound(local_audio=out, kind=Sound.Kind.LIBRARY, title=title[:200], artist=artist.strip()[:200],
                            licence=licence.strip()[:200], duration=info.duration, fingerprint=audio.fingerprint(out))


def delete_sound(sound: Sound) -> None:
    sound.delete()  # its audio goes on commit (receivers.on_sound_deleted)


def record_remix(video: Video, source: Video, kind: str) -> Remix:
    remix, _created = Remix.objects.get_or_create(video=video, defaults={"source_video": source, "kind": kind})
    return remix
