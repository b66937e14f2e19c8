"""Validate an upload by its content and read what the pipeline needs.

Everything that can be checked from headers (size, dimensions, duration) is
checked before any frame is decoded: decoding untrusted media is a
denial-of-service surface, so it happens only once the file looks sane, and
then for a single frame.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import av

from reelbox.media.errors import MediaRejected

STILL_CODECS = {"mjpeg", "png", "bmp", "webp", "tiff", "gif", "jpeg2000", "jpegls", "qoi"}
# Byte signatures of video containers: a recognised container that fails to
# open is damaged ("undecodable"), anything else is "not a video".
VIDEO_SIGNATURES = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"), (8, b"AVI "), (0, b"FLV"), (0, b"\x00\x00\x01\xba"),
                    (0, b"\x47"))


@dataclass(frozen=True)
class Limits:
    max_duration_s: float = 600
    max_side: int = 4096
    min_side: int = 64
    max_bytes: int | None = None


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    width: int  # display size, rotation applied
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    fps: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    bitrate: int | None

    @property
    def portrait(self) -> bool:
        return self.height > self.width


def _looks_like_video_container(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(16)
    return any(head[offset:offset + len(sig)] == sig for offset, sig in VIDEO_SIGNATURES)


def _rotation(stream, first_frame) -> int:
    angle = 0.0
    frame_rotation = getattr(first_frame, "rotation", None) if first_frame is not None else None
    if frame_rotation:
        angle = float(frame_rotation)
    else:
        tag = stream.metadata.get("rotate")
        if tag:
            try:
                angle = -float(tag)
            except ValueError:
                angle = 0.0
    # PyAV reports the display matrix angle counter-clockwise; what matters
    # here is only whether width and height swap.
    return int(round(angle / 90.0)) % 4 * 90


def _duration(container, stream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def probe(path: str | os.PathLike, limits: Limits = Limits()) -> ProbeResult:
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("The file is empty.", "empty")
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise MediaRejected("The file is larger than the limit.", "too_large")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        if _looks_like_video_container(path):
            raise MediaRejected("The video container is damaged or incomplete.", "undecodable") from None
        raise MediaRejected("The file is not a video.", "not_video") from None
    with container:
        return _inspect(container, limits)


def _inspect(container, limits: Limits) -> ProbeResult:
    if container.format.name in {"image2", "gif"} or container.format.name.endswith("_pipe"):
        raise MediaRejected("The file is an image, not a video.", "not_video")
    videos = [s for s in container.streams.video if not _is_attached_picture(s)]
    audios = list(container.streams.audio)
    if not videos:
        if audios:
            raise MediaRejected("The file has sound but no picture.", "audio_only")
        raise MediaRejected("The file is not a video.", "not_video")
    stream = videos[0]
    codec = stream.codec_context.name
    if codec in STILL_CODECS and (stream.frames or 0) <= 1:
        raise MediaRejected("The file is an image, not a video.", "not_video")
    coded_w, coded_h = stream.codec_context.width, stream.codec_context.height
    if not coded_w or not coded_h:
        raise MediaRejected("The video has no readable picture size.", "undecodable")
    if max(coded_w, coded_h) > limits.max_side:
        raise MediaRejected("The picture is too large.", "dimensions_too_large")
    if min(coded_w, coded_h) < limits.min_side:
        raise MediaRejected("The picture is too small.", "dimensions_too_small")
    duration = _duration(container, stream)
    if duration is None or not math.isfinite(duration) or duration <= 0:
        raise MediaRejected("The video's duration cannot be read.", "undecodable")
    if duration > limits.max_duration_s:
        raise MediaRejected("The video is too long.", "too_long")
    first = _first_frame(container, stream)
    rotation = _rotation(stream, first)
    width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 30.0
    if not 1 <= fps <= 240:
        fps = 30.0
    return ProbeResult(
        duration=duration, width=width, height=height, coded_width=coded_w, coded_height=coded_h,
        rotation=rotation, fps=fps, video_codec=codec, has_audio=bool(audios),
        audio_codec=audios[0].codec_context.name if audios else None,
        bitrate=container.bit_rate or None,
    )


def _is_attached_picture(stream) -> bool:
    disposition = getattr(stream, "disposition", None)
    try:
        return bool(disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


def _first_frame(container, stream):
    """Decode exactly one picture: proof the stream is real, at bounded cost."""
    try:
        frame = next(iter(container.decode(stream)), None)
    except (av.FFmpegError, ValueError):
        frame = None
    if frame is None:
        raise MediaRejected("No picture in the video could be decoded.", "undecodable")
    return frame
