"""Background jobs for videos: transcoding and crash recovery.

Jobs are idempotent: each step checks what already exists (a Rendition row is
written only after its files are stored) and does only the missing work, so a
job killed at any point can simply run again.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from reelbox.media import images, ladder
from reelbox.media.probe import ProbeResult, probe
from reelbox.media.errors import FFmpegError, FFmpegTimeout, MediaRejected
from reelbox.videos import actions, signals, storage
from reelbox.videos.messages import rejection_message
from reelbox.videos.models import Rendition, Video
from reelbox.videos.progressive import ProgressivePublisher

log = logging.getLogger("reelbox.videos")

HEARTBEAT_EVERY_S = 5.0


@task(queue_name="transcode")
def transcode_video(video_pk: int) -> str:
    return Transcoder(video_pk).run()


def recover_stalled(stale_s: int | None = None) -> int:
    """Re-queue transcodes whose worker stopped beating (killed, crashed, host lost)."""
    stale_s = stale_s if stale_s is not None else settings.REELBOX["STALE_JOB_S"]
    cutoff = timezone.now() - timedelta(seconds=stale_s)
    stalled = list(
        # A ready video still beats while the rest of its ladder is encoded.
        Video.objects.filter(status__in=[Video.Status.UPLOADED, Video.Status.PROCESSING, Video.Status.READY],
                             heartbeat_at__lt=cutoff)
        .values_list("pk", flat=True)
    )
    if not stalled:
        return 0
    _fail_orphaned_task_rows(stalled)
    _hide_unfinished(Video.objects.filter(pk__in=stalled))
    for pk in stalled:
        # Clear the beat first so the new job may claim the video.
        Video.objects.filter(pk=pk).update(heartbeat_at=None)
        actions.enqueue_transcode(pk)
    log.warning("re-queued %d stalled transcode(s): %s", len(stalled), stalled)
    return len(stalled)


def _hide_unfinished(videos) -> int:
    """Take back videos that died while their first rung was published early: its playlist will never end."""
    return videos.filter(status=Video.Status.READY, renditions__isnull=True).update(status=Video.Status.PROCESSING)


def _fail_orphaned_task_rows(video_pks: list[int]) -> None:
    # The dead worker's task row says RUNNING forever; close it so queue
    # dashboards tell the truth.
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    path = f"{transcode_video.module_path}"
    for row in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=path):
        if row.args_kwargs.get("args", [None])[0] in video_pks:
            DBTaskResult.objects.filter(pk=row.pk).update(status=TaskResultStatus.FAILED, finished_at=timezone.now())


def _probe(video: Video, src: Path) -> ProbeResult:
    """The upload's probe, made before its row was written; the source is probed again for rows without one
    (or from an older version), or if the stored source is not the file that was probed."""
    if video.probe and video.source_size == src.stat().st_size:
        try:
            return ProbeResult(**video.probe)
        except TypeError:
            pass
    return probe(src, actions.limits())


def _poster_time(info) -> float:
    # A second in: past a fade from black, still the opening shot.
    return min(1.0, info.duration / 3)


class Transcoder:
    def __init__(self, video_pk: int):
        self.video_pk = video_pk
        self._last_beat = 0.0
        self._review = None

    def run(self) -> str:
        video = self._claim()
        if video is None:
            return "skipped"
        self._clean_workdirs()
        try:
            with storage.local_copy(video.source_path) as src:
                self._process(video, src)
        except MediaRejected as exc:
            actions.mark_failed(video, exc.code, rejection_message(exc.code))
            return "rejected"
        except FFmpegTimeout as exc:
            log.error("transcode of %s timed out: %s", video.public_id, exc)
            actions.mark_failed(video, "timeout", rejection_message("timeout"))
            return "failed"
        except FFmpegError as exc:
            log.error("transcode of %s failed: %s", video.public_id, getattr(exc, "stderr_tail", exc))
            actions.mark_failed(video, "transcode_failed", rejection_message("transcode_failed"))
            return "failed"
        finally:
            self._clean_workdirs()
        return "done"

    def _claim(self) -> Video | None:
        """Take the video unless a live worker holds it or it is finished."""
        stale = timezone.now() - timedelta(seconds=settings.REELBOX["STALE_JOB_S"])
        with transaction.atomic():
            video = Video.objects.select_for_update().filter(pk=self.video_pk).first()
            if video is None or video.status == Video.Status.FAILED:
                return None
            if video.heartbeat_at is not None and video.heartbeat_at > stale:
                return None
            if video.status == Video.Status.READY and video.hls_path and video.strip_path:
                return None
            video.heartbeat_at = timezone.now()
            video.attempts += 1
            if video.status == Video.Status.UPLOADED or _hide_unfinished(Video.objects.filter(pk=video.pk)):
                video.status = Video.Status.PROCESSING
            video.save(update_fields=["heartbeat_at", "attempts", "status"])
        return video

    def _start_review(self, video: Video, src: Path) -> None:
        """Automatic review (reelbox.moderation) scans in a thread beside the first encode; a pending video
        stays invisible to everyone but its uploader until the verdict is applied."""
        from reelbox.moderation import review

        self._review = review.start(video, src)

    def _finish_review(self) -> None:
        if self._review is not None:
            self._review.finish()
            self._review = None

    def _beat(self, _seconds: float = 0.0) -> None:
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_EVERY_S:
            self._last_beat = now
            actions.beat(self.video_pk)

    def _process(self, video: Video, src: Path) -> None:
        started = time.monotonic()
        info = _probe(video, src)
        rungs = ladder.plan_ladder(info)
        done = set(video.renditions.values_list("height", flat=True))
        passes = self._passes(rungs, [r for r in rungs if r.height not in done])
        self._start_review(video, src)
        for group, parent in passes:
            if parent is None:
                # The first rung is published while it is encoded.
                first = rungs[0] if rungs[0] in group and video.status != Video.Status.READY else None
                self._encode(video, src, info, group, first=first, started=started)
            else:
                with storage.local_copy(video.renditions.get(height=parent.height).mp4_path) as parent_mp4:
                    self._encode(video, parent_mp4, probe(parent_mp4), group)
            log.info("video %s %s stored after %.2fs", video.public_id,
                     ", ".join(f"{r.height}p" for r in group), time.monotonic() - started)
            self._settle(video, rungs[0], info, started)
            self._finish_review()
        if not passes:  # a rerun after the last rendition was stored
            self._settle(video, rungs[0], info, started)
        self._finish_review()
        if not video.strip_path:
            # From the smallest rendition: its tiles are small, and seeking in it decodes a fraction of what
            # seeking in a phone's source does (0.4 s against 3.7 s for the 15 s benchmark clip).
            smallest = video.renditions.order_by("height").first()
            if smallest is None:
                self._strip(video, src)
            else:
                with storage.local_copy(smallest.mp4_path) as small:
                    self._strip(video, small)
        Video.objects.filter(pk=video.pk).update(heartbeat_at=None)
        signals.emit(signals.video_processed, video=video, source=src)
        log.info("video %s ladder done after %.2fs", video.public_id, time.monotonic() - started)

    def _settle(self, video: Video, first, info, started: float) -> None:
        """After a pass: the poster if still missing, the master over every rendition, ready."""
        if not video.poster_path:
            with storage.local_copy(video.renditions.get(height=first.height).mp4_path) as first_mp4:
                self._poster(video, first_mp4, info)
        was_ready = video.status == Video.Status.READY
        self._publish(video)
        if not was_ready:
            log.info("video %s playable after %.2fs", video.public_id, time.monotonic() - started)

    @staticmethod
    def _passes(rungs: list[ladder.Rung], missing: list[ladder.Rung]) -> list[tuple[list, ladder.Rung | None]]:
        """The ffmpeg passes, each with the rung whose finished rendition it encodes from (None: the source).

        REELBOX_TRANSCODE_PASSES (docs/configuration.md, figures in docs/benchmarks.md):
        - ``cascade``: the first rung and any larger one from the source in one pass, then the smaller rungs
          from the first rung's rendition. The source, usually the costliest file to decode, is decoded once,
          and the first pass runs about as fast as playback on two cores, so the first rung can be published
          while it encodes.
        - ``first-alone``: the first rung alone, then the rest from the source: playable soonest, but the
          source is decoded twice.
        - ``one-pass``: every rung from the source at once: no rung is encoded from another, but the first
          one advances only as fast as all of them.
        """
        if not missing:
            return []
        first, mode = rungs[0], settings.REELBOX["TRANSCODE_PASSES"]
        if mode == "first-alone" and first in missing and len(missing) > 1:
            return [([first], None), ([r for r in missing if r is not first], None)]
        if mode != "cascade":
            return [(missing, None)]
        from_source = [r for r in missing if r.height >= first.height]
        smaller = [r for r in missing if r.height < first.height]
        return [(group, parent) for group, parent in ((from_source, None), (smaller, first)) if group]

    def _tempdir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"transcode-{self.video_pk}-", dir=storage.work_dir()))

    def _clean_workdirs(self) -> None:
        # A killed job leaves its work directory behind; the rerun sweeps it.
        for leftover in storage.work_dir().glob(f"transcode-{self.video_pk}-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def _timeout(self, info) -> float:
        # Generous, but bounded: a hostile file must not pin a worker forever.
        return max(120.0, info.duration * 20)

    def _encode(self, video: Video, src: Path, info, rungs: list, *, first=None, started: float = 0.0) -> None:
        tmp = self._tempdir()
        early = None
        if first is not None:
            def on_ready(hls: ladder.HlsOutput) -> None:
                self._publish_early(video, first, info, hls, made_poster=tmp / ladder.POSTER_NAME)
                log.info("video %s playable after %.2fs (%dp, while encoding)", video.public_id,
                         time.monotonic() - started, first.height)

            early = ProgressivePublisher(tmp / f"hls{first.height}", f"{video.media_prefix}/{first.height}",
                                         info.duration, on_ready)

        def on_progress(encoded: float) -> None:
            self._beat()
            if early is not None:
                early.poll(encoded)
            if self._review is not None:
                self._review.poll()

        try:
            outputs = ladder.transcode(
                src, tmp, rungs, info, threads=settings.REELBOX["FFMPEG_THREADS"] or None,
                timeout=self._timeout(info), on_progress=on_progress,
                poster_at=None if video.poster_path else _poster_time(info),
            )
            if not video.poster_path and (tmp / ladder.POSTER_NAME).exists():
                self._poster(video, src, info, made=tmp / ladder.POSTER_NAME)
            for out in outputs:
                self._beat()
                hls_dir = out.hls.playlist.parent
                mp4_name = storage.put(Path(out.path), f"{video.media_prefix}/{out.height}.mp4")
                storage.put_tree(hls_dir, f"{video.media_prefix}/{out.height}")
                playlist = f"{video.media_prefix}/{out.height}/{out.hls.playlist.name}"
                Rendition.objects.update_or_create(
                    video=video, height=out.height,
                    defaults=dict(width_px=out.width, height_px=out.height_px, bitrate=out.bitrate,
                                  peak_bitrate=out.hls.peak_bitrate, codecs=out.codecs, mp4_path=mp4_name,
                                  hls_path=playlist, size=Path(out.path).stat().st_size),
                )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _publish_early(self, video: Video, rung, info, hls: ladder.HlsOutput, made_poster: Path) -> None:
        """Ready on the first rung's growing playlist, with a one-variant master and the poster ffmpeg wrote
        on the way (or, should it not be there yet, one from the first segment)."""
        if not video.poster_path:
            self._poster(video, hls.segments[0], info, made=made_poster)
        width, height = ladder.output_size(info, rung)
        # The encoder's rate cap bounds every segment still to come.
        peak = max(hls.peak_bitrate, (rung.maxrate_kbps + rung.audio_kbps) * 1000)
        self._write_master(video, [ladder.Variant(
            playlist=f"{rung.height}/index.m3u8", width=width, height=height, bitrate=hls.average_bitrate,
            peak_bitrate=peak, codecs=ladder.DEFAULT_CODECS, frame_rate=video.fps)])
        self._mark_ready(video)

    def _poster(self, video: Video, src: Path, info, made: Path | None = None) -> None:
        """Store ``made`` as the poster when it exists, else extract one from ``src``."""
        tmp = self._tempdir()
        try:
            if made is None or not made.exists():
                made = tmp / "poster.jpg"
                images.poster(src, made, _poster_time(info))
            video.poster_path = storage.put(made, f"{video.media_prefix}/poster.jpg")
            Video.objects.filter(pk=video.pk).update(poster_path=video.poster_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _strip(self, video: Video, src: Path) -> None:
        tmp = self._tempdir()
        try:
            images.thumbnail_strip(src, tmp / "strip.jpg")
            video.strip_path = storage.put(tmp / "strip.jpg", f"{video.media_prefix}/strip.jpg")
            Video.objects.filter(pk=video.pk).update(strip_path=video.strip_path)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _publish(self, video: Video) -> None:
        """Write the master playlist over every rendition, and make sure the video is ready."""
        renditions = sorted(video.renditions.all(), key=lambda r: (r.height != ladder.FIRST_HEIGHT, -r.height))
        self._write_master(video, [
            ladder.Variant(playlist=f"{r.height}/{Path(r.hls_path).name}", width=r.width_px, height=r.height_px,
                           bitrate=r.bitrate, peak_bitrate=r.peak_bitrate, codecs=r.codecs or ladder.DEFAULT_CODECS,
                           frame_rate=video.fps)
            for r in renditions
        ])
        self._mark_ready(video)

    def _write_master(self, video: Video, variants: list[ladder.Variant]) -> None:
        video.hls_path = storage.put_text(ladder.master_playlist(variants), f"{video.media_prefix}/master.m3u8")

    def _mark_ready(self, video: Video) -> None:
        fields = {"hls_path": video.hls_path, "status": Video.Status.READY}
        first_time = video.ready_at is None
        if first_time:
            video.ready_at = timezone.now()
            fields["ready_at"] = video.ready_at
        Video.objects.filter(pk=video.pk).update(**fields)
        video.status = Video.Status.READY
        if first_time:
            signals.emit(signals.video_ready, video=video)
