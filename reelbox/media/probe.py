"""Probe an uploaded file by its content and refuse what we will not process.

The order of checks matters: everything that can be read from the container
header (size, streams, dimensions, duration) is checked before a single frame
is decoded, because decoders are where hostile media does its damage (huge
frames, decompression bombs, decoder bugs). Only a file that passes the
header checks gets its first frames decoded.

Truncated files: an MP4 whose index (moov) is missing, as when a phone-style
file with the index at the end is cut short, cannot be opened at all; if the
bytes still start like a video container it is refused as ``undecodable``
("damaged or incomplete"), otherwise as ``not_video``. A file whose index
survives (fast-start MP4, Matroska with cues) but whose media data is cut
short is also refused as ``undecodable``, even though its first frames decode:
publishing the front part of a video under its full length is worse than
asking the uploader to send it again. Containers without an index (MPEG-TS)
cannot be checked cheaply and pass with the duration ffmpeg estimates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from reelbox.media.errors import MediaRejected
from reelbox.media.ffmpeg import SAFE_FORMATS, SAFE_PROTOCOLS

# Demuxer options: local files and real video containers only (see ffmpeg.py).
OPEN_OPTIONS = {"protocol_whitelist": SAFE_PROTOCOLS, "format_whitelist": SAFE_FORMATS}

# Codecs that usually carry a single picture; one frame of these is a photo
# in a video wrapper, not a video. Motion JPEG from old cameras has many frames
# and passes.
STILL_CODECS = frozenset({"mjpeg", "png", "apng", "bmp", "webp", "gif", "tiff", "jpeg2000", "jpegls", "qoi"})

# How many packets we read looking for the first decodable frame. Bounded so
# a stream of garbage packets cannot keep the probe busy.
MAX_PROBE_PACKETS = 300

# Containers pad durations a little (audio priming, the last frame's length);
# a "60 s" phone clip that measures 60.02 s must not be refused.
DURATION_GRACE_S = 0.5


@dataclass(frozen=True)
class Limits:
    max_duration_s: float = 600
    max_side: int = 4096
    min_side: int = 64
    max_bytes: int | None = None


@dataclass(frozen=True)
class ProbeResult:
    duration: float
    width: int  # display width: square pixels, after rotation
    height: int  # display height: square pixels, after rotation
    coded_width: int
    coded_height: int
    rotation: int  # clockwise degrees a player turns the picture: 0, 90, 180 or 270
    fps: float
    video_codec: str
    has_audio: bool
    audio_codec: str | None
    bitrate: int | None  # overall, bits/s
    container: str = ""  # demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)

    @property
    def is_portrait(self) -> bool:
        return self.height > self.width


def probe(path: os.PathLike | str, limits: Limits = Limits()) -> ProbeResult:
    """Describe the video at ``path`` or raise MediaRejected with a stable code."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("empty")
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise MediaRejected("too_large", detail=f"{size} bytes > {limits.max_bytes}")
    try:
        container = av.open(str(path), options=OPEN_OPTIONS, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        code = "undecodable" if _starts_like_video(path) else "not_video"
        raise MediaRejected(code, detail=f"cannot open: {exc}") from None
    with container:
        return _inspect(container, size, limits)


def _inspect(container: av.container.InputContainer, size: int, limits: Limits) -> ProbeResult:
    videos = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    audios = [s for s in container.streams.audio if s.codec_context.name]
    if not videos:
        # Cover art in an .m4a is a picture stream, so it was excluded above.
        raise MediaRejected("audio_only" if audios else "not_video")
    video = videos[0]
    ctx = video.codec_context
    codec = ctx.name or ""
    width, height = ctx.width, ctx.height
    if not codec or width <= 0 or height <= 0:
        raise MediaRejected("undecodable", detail=f"video stream without codec or size ({codec!r} {width}x{height})")

    # Header checks, before any decoding. Rotation swaps width and height, which
    # changes neither the longest nor the shortest side, so the coded size is
    # enough here.
    if max(width, height) > limits.max_side:
        raise MediaRejected("dimensions_too_large", detail=f"{width}x{height}")
    if min(width, height) < limits.min_side:
        raise MediaRejected("dimensions_too_small", detail=f"{width}x{height}")
    duration = _duration(container, video)
    if duration is None:
        raise MediaRejected("undecodable", detail="unknown duration")
    if duration > limits.max_duration_s + DURATION_GRACE_S:
        raise MediaRejected("too_long", detail=f"{duration:.2f} s")
    if _truncated(container, size):
        raise MediaRejected("undecodable", detail="media data extends past the end of the file")
    still = codec in STILL_CODECS
    if still and video.frames == 1:
        raise MediaRejected("not_video", detail=f"single {codec} picture")

    # Now decode: at least one frame must come out (two for picture codecs).
    frames = _decode_first(container, video, wanted=2 if still else 1)
    if not frames:
        raise MediaRejected("undecodable", detail="no frame could be decoded")
    if still and len(frames) < 2:
        raise MediaRejected("not_video", detail=f"single {codec} picture")

    rotation = _rotation(frames[0].rotation, video.metadata.get("rotate"))
    display_w, display_h = _square_pixels(width, height, video.sample_aspect_ratio)
    if rotation in (90, 270):
        display_w, display_h = display_h, display_w
    bitrate = container.bit_rate or int(size * 8 / duration)
    audio = audios[0] if audios else None
    return ProbeResult(
        duration=duration,
        width=display_w,
        height=display_h,
        coded_width=width,
        coded_height=height,
        rotation=rotation,
        fps=_fps(video, duration),
        video_codec=codec,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        bitrate=bitrate or None,
        container=container.format.name,
    )


def _starts_like_video(path: Path) -> bool:
    """Whether the first bytes are those of a video container (so it is damaged, not foreign)."""
    with path.open("rb") as f:
        head = f.read(12)
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")  # ISO BMFF / QuickTime
        or head[:4] == b"\x1a\x45\xdf\xa3"  # Matroska / WebM (EBML)
        or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")
    )


def _duration(container: av.container.InputContainer, video: av.video.stream.VideoStream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        seconds = float(video.duration * video.time_base)
        if seconds > 0:
            return seconds
    return None


def _truncated(container: av.container.InputContainer, size: int) -> bool:
    """Whether the container's index points at bytes the file does not have."""
    for stream in container.streams:
        if stream.type not in ("video", "audio"):
            continue
        entries = stream.index_entries
        if entries is not None and len(entries) and entries[-1].pos + entries[-1].size > size:
            # The index is in file order for the containers that have one, so
            # the last entry is the one reaching furthest.
            return True
    return False


def _decode_first(
    container: av.container.InputContainer, video: av.video.stream.VideoStream, *, wanted: int
) -> list[av.VideoFrame]:
    frames: list[av.VideoFrame] = []
    packets = 0
    try:
        for packet in container.demux(video):
            packets += 1
            try:
                frames.extend(video.decode(packet))
            except av.error.FFmpegError:
                # A damaged packet; a later keyframe may still decode.
                pass
            if len(frames) >= wanted or packets >= MAX_PROBE_PACKETS:
                break
    except av.error.FFmpegError:
        pass  # demuxing stopped on damaged data; judge what we got
    return frames[:wanted]


def _rotation(frame_rotation: float, rotate_tag: str | None) -> int:
    # PyAV reports the display matrix counter-clockwise; players and the legacy
    # ``rotate`` tag that phones wrote speak clockwise.
    if frame_rotation:
        degrees = -float(frame_rotation)
    else:
        try:
            degrees = float(rotate_tag or 0)
        except ValueError:
            degrees = 0.0
    return int(round(degrees / 90.0)) * 90 % 360


def _square_pixels(width: int, height: int, sar: Fraction | None) -> tuple[int, int]:
    # Anamorphic sources (DV, some camcorders) store non-square pixels; the
    # picture is shown, and our outputs are made, with square ones.
    if not sar or sar == 1 or not 0.25 <= sar <= 4:
        return width, height
    return max(2, round(width * sar / 2) * 2), height


def _fps(video: av.video.stream.VideoStream, duration: float) -> float:
    for rate in (video.average_rate, video.guessed_rate, video.base_rate):
        if rate and 0 < float(rate) <= 1000:
            return float(rate)
    if video.frames and duration > 0:
        return video.frames / duration
    return 30.0
