"""Background jobs of the studio: composing duets, stitches and montages, previews, publishing, original sounds.

Each job re-reads its draft and works only if the draft is still in the state that queued it (a conditional
update moved it there), so a job run twice, or one whose draft was deleted meanwhile, does nothing harmful.
Outputs are written to temporary files and stored under a new name only when complete; the row is switched to
them in one update, so a failed render leaves the draft as it was, plus the error, and no stray file.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from reelbox.core.errors import ApiError
from reelbox.media import edit, montage
from reelbox.media.errors import FFmpegError, FFmpegTimeout, MediaError
from reelbox.media.probe import probe
from reelbox.studio import actions, notify, queries
from reelbox.studio.models import Draft, Sound, VideoSound
from reelbox.videos import storage
from reelbox.videos.models import Moderation, Video

log = logging.getLogger("reelbox.studio")

PREVIEW_HEIGHT = 360
FINAL_HEIGHT = 720
# Candidate sounds compared with a new upload's audio: the newest ones of a similar length. About 5 ms each
# (measured, 30 s sounds), so this bounds the scan to a few seconds per upload.
MATCH_CANDIDATES = 500
SOUND_LOCK = 0x5EB0_0001  # pg_advisory_xact_lock key of the original-sound "find or create"


def render_timeout() -> float:
    # Generous: a render is one ffmpeg pass over at most MAX_DURATION_S of video.
    return max(120.0, 6.0 * settings.REELBOX["MAX_DURATION_S"])


def _failure(exc: BaseException) -> tuple[str, str]:
    """A stable code and the reason the owner reads, stored untranslated (translated when read)."""
    if isinstance(exc, (edit.RecipeError, montage.MontageError)):
        return exc.code, f"{exc.field}: {_(exc.message)}"
    if isinstance(exc, FFmpegTimeout):
        return "timeout", gettext_noop("Rendering took too long. Try a shorter video or fewer effects.")
    if isinstance(exc, FFmpegError):
        return "render_failed", gettext_noop("Rendering failed. Change the edit and try again.")
    if isinstance(exc, MediaError):  # the media layer's messages are marked for translation there
        return exc.code, exc.message
    if isinstance(exc, ApiError):
        return exc.code, exc.detail
    return "render_failed", gettext_noop("Rendering failed. Change the edit and try again.")


# What a render may raise that is the input's fault or the render's, not a bug: the draft records it.
RENDER_ERRORS = (MediaError, edit.RecipeError, montage.MontageError, ApiError)


def _work_dir():
    return tempfile.TemporaryDirectory(dir=storage.work_dir(), prefix="studio-")


def _idle(draft: Draft) -> str:
    # A preview or re-roll of a scheduled draft leaves it scheduled.
    return Draft.Status.SCHEDULED if draft.publish_at else Draft.Status.DRAFT


def _claim(draft_pk: int, status: str) -> Draft | None:
    return Draft.objects.filter(pk=draft_pk, status=status).select_related("owner", "sound", "source_video").first()


def _store(local: Path, draft: Draft, stem: str) -> str:
    # A fresh name per take: players and browsers never see a half-replaced file, and caches never go stale.
    return storage.put(local, f"{draft.media_prefix}/{stem}-{secrets.token_hex(4)}{local.suffix}")


def _switch(draft_pk: int, from_status: str, old_paths: list[str], new_paths: list[str], **fields) -> bool:
    """Point the draft at its new files if it is still ours; else drop them. Old files go once it committed."""
    with transaction.atomic():
        moved = Draft.objects.filter(pk=draft_pk, status=from_status).update(updated_at=timezone.now(), **fields)
    if moved:
        for path in old_paths:
            if path and path not in new_paths:
                storage.delete(path)
    else:
        for path in new_paths:
            storage.delete(path)
    return bool(moved)


@contextlib.contextmanager
def _sound_file(sound: Sound | None):
    if sound is None or not sound.audio_path:
        yield None
        return
    with storage.local_copy(sound.audio_path) as path:
        yield path


def _recipe_sound(draft: Draft) -> Sound | None:
    wanted = (draft.recipe or {}).get("sound")
    if not wanted:
        return None
    return Sound.objects.filter(public_id=wanted.get("id")).first()


def render_recipe(draft: Draft, out: Path, *, height: int, preview: bool, cover: Path | None = None) -> None:
    """The draft's recipe over its base clip (its proxy for a preview), in one ffmpeg pass, plus the cover."""
    recipe = draft.recipe or {}
    base = draft.proxy_path if preview and draft.proxy_path else draft.base_path
    with storage.local_copy(base) as src, _sound_file(_recipe_sound(draft)) as sound:
        edit.render(src, recipe, out, height=height, sound=sound, stickers=queries.sticker_files(), preview=preview,
                    timeout=render_timeout())
        if cover is not None:
            edit.cover_frame(src, recipe, cover, height=height, stickers=queries.sticker_files())


# Preparing the base clip ------------------------------------------------------------------------------------


@task(queue_name="transcode")
def prepare_proxy(draft_pk: int) -> str:
    return "done" if ensure_proxy(draft_pk) else "skipped"


def ensure_proxy(draft_pk: int) -> str:
    """The draft's preview proxy, made now if missing; "" when it cannot be made (previews use the base clip)."""
    draft = Draft.objects.filter(pk=draft_pk).first()
    if draft is None or draft.proxy_path or not draft.base_path:
        return draft.proxy_path if draft else ""
    with _work_dir() as tmp, storage.local_copy(draft.base_path) as src:
        out = Path(tmp) / "proxy.mp4"
        try:
            edit.make_proxy(src, out)
        except MediaError as exc:
            log.warning("draft %s: no preview proxy: %s", draft.public_id, exc)
            return ""
        stored = _store(out, draft, "proxy")
    # The base may have been re-composed meanwhile: then this proxy is stale and goes.
    if not Draft.objects.filter(pk=draft.pk, base_path=draft.base_path, proxy_path="").update(proxy_path=stored):
        storage.delete(stored)
        return ""
    return stored


@task(queue_name="transcode")
def prepare_draft(draft_pk: int) -> str:
    """Compose a duet or stitch, or cut a montage to its sound's beats: the clip the recipe then edits."""
    draft = _claim(draft_pk, Draft.Status.RENDERING)
    if draft is None:
        return "skipped"
    with _work_dir() as tmp:
        out = Path(tmp) / "base.mp4"
        try:
            _compose(draft, out)
            info = probe(out)
        except RENDER_ERRORS as exc:
            code, message = _failure(exc)
            log.warning("draft %s: composing failed (%s): %s", draft.public_id, code, exc)
            actions.mark_failed(draft.pk, code, message)
            return "failed"
        stored = _store(out, draft, "base")
    clip_paths = {c["path"] for c in draft.clips}
    old = [draft.base_path] if draft.base_path not in clip_paths else []
    draft.duration, draft.has_audio = info.duration, info.has_audio
    recipe = _keep_recipe(draft)
    ok = _switch(draft.pk, Draft.Status.RENDERING, old + [draft.preview_path, draft.cover_path, draft.proxy_path],
                 [stored], base_path=stored, proxy_path="", duration=info.duration, has_audio=info.has_audio, recipe=recipe,
                 status=_idle(draft), preview_path="", preview_recipe=None, cover_path="", error="",
                 error_code="")
    return "done" if ok else "skipped"


def _keep_recipe(draft: Draft) -> dict:
    """After a re-roll the clip's length changes: keep the edit if it still fits, else start from scratch."""
    if draft.recipe:
        recipe = dict(draft.recipe)
        recipe["trim"] = {"start": 0.0, "end": draft.duration}
        try:
            return actions.validated_recipe(draft, recipe)[0]
        except ApiError:
            pass
    return actions.default_recipe(draft, draft.sound)


def _compose(draft: Draft, out: Path) -> None:
    from reelbox.media import compose

    with contextlib.ExitStack() as stack:
        clips = [stack.enter_context(storage.local_copy(c["path"])) for c in draft.clips]
        if draft.kind in (Draft.Kind.DUET, Draft.Kind.STITCH):
            source = draft.source_video
            if source is None or not source.source_path:
                raise ApiError(_("The original video is no longer available."), "source_gone")
            original = stack.enter_context(storage.local_copy(source.source_path))
            if draft.kind == Draft.Kind.DUET:
                compose.duet(original, clips[0], out, layout=draft.layout)
            else:
                compose.stitch(original, draft.stitch_start, draft.stitch_end, clips[0], out)
            return
        from reelbox.media import beats

        if draft.sound is None or not draft.sound.audio_path:
            raise ApiError(_("The sound of this auto-edit is no longer available."), "sound_gone")
        sound = stack.enter_context(storage.local_copy(draft.sound.audio_path))
        found = beats.detect(sound)
        cuts = montage.plan([c["duration"] for c in draft.clips], found, seed=draft.seed)
        montage.render(clips, sound, cuts, out, height=FINAL_HEIGHT)


# Preview and publishing -------------------------------------------------------------------------------------


@task(queue_name="transcode")
def render_preview(draft_pk: int) -> str:
    draft = _claim(draft_pk, Draft.Status.RENDERING)
    if draft is None:
        return "skipped"
    draft.proxy_path = ensure_proxy(draft.pk)
    with _work_dir() as tmp:
        out, cover = Path(tmp) / "preview.mp4", Path(tmp) / "cover.jpg"
        try:
            render_recipe(draft, out, height=PREVIEW_HEIGHT, preview=True, cover=cover)
        except RENDER_ERRORS as exc:
            code, message = _failure(exc)
            log.warning("draft %s: preview failed (%s): %s", draft.public_id, code, exc)
            actions.mark_failed(draft.pk, code, message)
            return "failed"
        preview, cover_path = _store(out, draft, "preview"), _store(cover, draft, "cover")
    ok = _switch(draft.pk, Draft.Status.RENDERING, [draft.preview_path, draft.cover_path], [preview, cover_path],
                 preview_path=preview, cover_path=cover_path, preview_recipe=draft.recipe, status=_idle(draft))
    return "done" if ok else "skipped"


@task(queue_name="transcode")
def publish_draft(draft_pk: int) -> str:
    """Render the recipe at 720p and hand the MP4 to the normal upload pipeline (which transcodes it)."""
    draft = _claim(draft_pk, Draft.Status.PUBLISHING)
    if draft is None:
        return "skipped"
    with _work_dir() as tmp:
        out, cover = Path(tmp) / "final.mp4", Path(tmp) / "cover.jpg"
        try:
            actions.check_remix_allowed(draft)  # again: a scheduled one may be published hours later
            render_recipe(draft, out, height=FINAL_HEIGHT, preview=False, cover=cover)
            video = _create_video(draft, out, cover)
        except RENDER_ERRORS as exc:
            code, message = _failure(exc)
            log.warning("draft %s: publishing failed (%s): %s", draft.public_id, code, exc)
            actions.mark_failed(draft.pk, code, message)
            return "failed"
    if video is None:
        return "skipped"
    log.info("draft %s published as video %s", draft.public_id, video.public_id)
    return video.public_id


def _create_video(draft: Draft, out: Path, cover: Path) -> Video | None:
    from reelbox.videos import actions as video_actions

    video = None
    try:
        with transaction.atomic():
            locked = Draft.objects.select_for_update().filter(pk=draft.pk, status=Draft.Status.PUBLISHING).first()
            if locked is None:  # deleted or unscheduled meanwhile
                return None
            video = video_actions.create_video(author=draft.owner, local_path=out, caption=draft.caption)
            if draft.visibility != video.visibility:
                video_actions.update_video(video, visibility=draft.visibility)
            cover_path = storage.put(cover, f"{video.media_prefix}/cover.jpg")
            sound = draft.sound
            if sound is not None:
                actions.link_sound(video, sound)
            if draft.kind in (Draft.Kind.DUET, Draft.Kind.STITCH) and draft.source_video_id:
                actions.record_remix(video, draft.source_video, draft.kind)
            Draft.objects.filter(pk=draft.pk).update(status=Draft.Status.PUBLISHED, result_video=video,
                                                     cover_path=cover_path, base_path="", preview_path="",
                                                     publish_at=None, error="",
                                                     error_code="", updated_at=timezone.now())
    except BaseException:
        if video is not None:  # create_video stored the file before our transaction rolled back
            storage.delete_prefix(video.media_prefix)
        raise
    # The draft's own files are no longer needed: the video has its copy.
    prefix = draft.media_prefix
    transaction.on_commit(lambda: storage.delete_prefix(prefix))
    return video


# Original sounds --------------------------------------------------------------------------------------------


@task(queue_name="default")
def after_processing(video_pk: int) -> str:
    """Once a video is fully processed: put the studio's cover in place, and find or create its sound."""
    video = Video.objects.filter(pk=video_pk).select_related("author").first()
    if video is None or not video.source_path:
        return "skipped"
    _apply_cover(video)
    notify.remixed(video)
    return extract_sound(video)


def _apply_cover(video: Video) -> None:
    draft = Draft.objects.filter(result_video=video).exclude(cover_path="").first()
    if draft is None or not video.poster_path or not draft.cover_path.startswith(video.media_prefix):
        return
    with storage.local_copy(draft.cover_path) as cover:
        storage.put(cover, video.poster_path)


def extract_sound(video: Video) -> str:
    from reelbox.media import audio

    if VideoSound.objects.filter(video=video).exists():
        return "linked"  # made in the studio with a chosen sound, or already done
    with _work_dir() as tmp, storage.local_copy(video.source_path) as src:
        out = Path(tmp) / "sound.m4a"
        try:
            info = audio.extract_sound(src, out)
        except MediaError as exc:
            log.warning("video %s: no sound extracted: %s", video.public_id, exc)
            return "failed"
        if not info.has_audio or info.silent or info.loudness is None:  # no track, or silence: nothing to reuse
            return "no_audio"
        fingerprint = audio.fingerprint(out)
        newest = Sound.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # The slow scan runs unlocked; only sounds created meanwhile are compared again under the lock.
        match = _same_sound(fingerprint, info.duration)
        with transaction.atomic():
            _lock_sounds()
            if match is None:
                match = _same_sound(fingerprint, info.duration, after_pk=newest)
            if match is None:
                match = actions.create_sound(local_audio=out, kind=Sound.Kind.ORIGINAL, owner=video.author,
                                             source_video=video, duration=info.duration, fingerprint=fingerprint)
            actions.link_sound(video, match)
    return match.public_id


def _lock_sounds() -> None:
    """Serialise "find or create" of original sounds, so the same song processed twice at once makes one sound.

    SQLite's IMMEDIATE transactions already take the write lock; PostgreSQL needs an advisory lock.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SOUND_LOCK])


def _same_sound(fingerprint: bytes, duration: float, after_pk: int = 0) -> Sound | None:
    """The best existing sound at least ``SAME_SOUND`` similar (the same song uploaded again, re-encoded)."""
    from reelbox.media import audio

    if not fingerprint:
        return None
    # Only a sound anyone may already hear is reused: linking a public upload to an original sound whose
    # videos are private would show its owner's name and audio to everyone.
    hearable = Q(kind=Sound.Kind.LIBRARY) | Q(source_video__visibility=Video.Visibility.PUBLIC,
                                                source_video__author__is_private=False,
                                                source_video__moderation=Moderation.APPROVED)
    candidates = (Sound.objects.exclude(fingerprint=b"").filter(hearable)
                  .filter(duration__gte=duration * 0.75 - 1, duration__lte=duration * 1.33 + 1, pk__gt=after_pk)
                  .order_by("-created_at").only("pk", "fingerprint")[:MATCH_CANDIDATES])
    best, best_score = None, 0.0
    for sound in candidates:
        score = audio.similarity(fingerprint, bytes(sound.fingerprint))
        if score >= audio.SAME_SOUND and score > best_score:
            best, best_score = sound, score
    return Sound.objects.filter(pk=best.pk).first() if best is not None else None
