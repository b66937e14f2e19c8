"""Frames for automatic review: about one per second of a video, or one still picture, small and upright.

Decoding is the expensive part of reviewing a video (a 1080p phone keyframe costs ~45 ms, every frame
after it ~10 ms more), and review runs beside the first encode, so ``sample`` decodes as little as it can:

- It first demuxes the video stream without decoding (cheap) to learn where the keyframes are.
- Each wanted time (0, ``every_s``, 2 ``every_s``, ...) is served by the nearest keyframe when one lies
  within ``slack_s`` (``every_s`` by default): a keyframe decodes alone, without its predecessors. Phone
  cameras and our encoder put a keyframe every 1-2 s, so a typical upload decodes only its keyframes, a
  few percent of its frames.
- Only where keyframes are sparser (a long GOP, a hostile file with one keyframe) is the stream decoded
  forward from the preceding keyframe up to the wanted time; consecutive wanted times in one GOP share
  that decode, so the worst case is one full decode.
- ``exact`` times (e.g. the poster's) are always decoded to the frame nearest that time, and a
  forward decode stops as soon as its GOP holds no more wanted times.

On bench/transcode.py's 15 s 1080x1920 17 Mbit/s clip (a keyframe every ~2 s) the default takes 10
frames for 0.40 s of CPU; one exact time adds ~0.3 s, and sampling every second exactly costs 1.8 s.
``iter_sample`` yields the frames one by one for callers that want many (banking a video).

The first frame (what the poster and the feed show before playback) is always sampled. Frames are
turned upright (display matrix), scaled so their longer side is at most ``max_side`` (never up) and
returned as RGB arrays. The input is untrusted: only local, real video containers are opened, the coded
size is checked before any decoding, and a deadline and a packet budget bound the work; failures raise
``reelbox.media.errors.MediaRejected``. Nothing here imports Django.
"""

from __future__ import annotations

import bisect
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av
import av.error
import numpy as np

from reelbox.media.errors import MediaRejected, gettext_noop
from reelbox.media.probe import OPEN_OPTIONS

# Bigger than anything the upload probe lets through (4096), small enough that one decoded frame of a
# hostile file cannot exhaust memory.
MAX_CODED_SIDE = 8192
# 10 minutes at 240 fps: a stream with more video packets than this is not a phone video.
MAX_PACKETS = 150_000
DEFAULT_TIMEOUT_S = 120.0
# Checked from the header, before decoding: a small file can declare a huge picture (a decompression bomb).
MAX_IMAGE_PIXELS = 50_000_000

NOT_IMAGE = gettext_noop("This file is not a picture. Upload a JPEG, PNG or WebP image.")


@dataclass(eq=False)
class Frame:
    """One upright RGB picture: ``rgb`` is H x W x 3 uint8; ``t`` its time in the video (s), 0 for a still."""

    t: float
    rgb: np.ndarray = field(repr=False)


def sample(
    path: os.PathLike | str,
    *,
    every_s: float = 1.0,
    max_frames: int = 180,
    max_side: int = 640,
    slack_s: float | None = None,
    exact: Sequence[float] = (),
    timeout: float = DEFAULT_TIMEOUT_S,
    threads: int = 1,
) -> list[Frame]:
    """About one frame per ``every_s`` seconds plus the first, in time order (see the module docstring).

    At most ``max_frames`` (+ ``exact``) frames: a longer video is sampled more sparsely. ``slack_s``
    is how far from a wanted time a keyframe may be and still serve it (0: decode every time exactly).
    ``threads`` caps the decoder's threads; the default, one, keeps review from crowding the encoder it
    runs beside.
    """
    return list(iter_sample(path, every_s=every_s, max_frames=max_frames, max_side=max_side, slack_s=slack_s,
                            exact=exact, timeout=timeout, threads=threads))


def iter_sample(
    path: os.PathLike | str,
    *,
    every_s: float = 1.0,
    max_frames: int = 180,
    max_side: int = 640,
    slack_s: float | None = None,
    exact: Sequence[float] = (),
    timeout: float = DEFAULT_TIMEOUT_S,
    threads: int = 1,
) -> Iterator[Frame]:
    """``sample``, one frame at a time, in time order: for many frames (banking a long video at four a
    second) without holding them all in memory."""
    if every_s <= 0 or max_frames < 1 or max_side < 16:
        raise ValueError("every_s must be positive, max_frames at least 1 and max_side at least 16")
    slack = every_s if slack_s is None else max(0.0, slack_s)
    deadline = time.monotonic() + timeout
    container = _open(path)
    with container:
        stream = _video_stream(container)
        keyframes, last_t = _keyframe_times(container, stream, deadline)
        # Up to the last frame, not the container's end: a time past it would be served by decoding
        # the whole last GOP for the frame a keyframe near the end already shows.
        targets = _targets(last_t if keyframes else _container_duration(container), every_s, max_frames)
        plan = _plan(targets, list(exact), keyframes, slack)
        container.seek(0, stream=stream, backward=True, any_frame=False)
        stream.codec_context.thread_count = max(1, threads)
        if not plan.fills:
            # Keyframes only: no frame is predicted from these, so skipping the deblocking filter
            # (~10 % of decoding) costs nothing but a little softness the downscale removes anyway.
            stream.codec_context.options = {"skip_loop_filter": "all"}
        last = None
        for t, frame in _decode(container, stream, plan, deadline):
            if t != last:  # a frame both a keyframe and the nearest to an exact time comes once
                last = t
                yield Frame(t=t, rgb=_to_rgb(frame, max_side))
    if last is None:
        raise MediaRejected("undecodable", detail="no frame could be decoded")


def image(path: os.PathLike | str, *, max_side: int = 640) -> Frame:
    """A still picture (an uploaded poster or avatar), upright (EXIF) and scaled like ``sample``'s frames."""
    from PIL import Image, ImageOps

    try:
        with Image.open(Path(path)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise MediaRejected("dimensions_too_large", detail=f"{img.width}x{img.height}")
            # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: much cheaper than decoding and shrinking.
            img.draft("RGB", (max_side, max_side))
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
            return Frame(t=0.0, rgb=np.asarray(img, dtype=np.uint8).copy())
    except MediaRejected:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise MediaRejected("not_image", NOT_IMAGE, detail=str(exc)) from None


# Opening a file normally decodes its first frames to fill in stream details (pixel format, reorder
# depth) that sampling does not need before it decodes anyway: ~85 ms for a 1080p phone clip, a tenth of
# the whole review. These options, given to the probing decoders only, skip that.
_PROBE_STREAM_OPTIONS = [{"threads": "1", "skip_frame": "all"}] * 16


def _open(path: os.PathLike | str) -> av.container.InputContainer:
    try:
        try:
            container = av.open(os.fspath(path), options=OPEN_OPTIONS, stream_options=_PROBE_STREAM_OPTIONS,
                                metadata_errors="ignore")
        except ValueError:
            container = None  # containers that learn their streams only while probing (MPEG-TS)
        if container is not None and any(s.codec_context.width <= 0 for s in container.streams.video):
            container.close()  # a format whose picture size only decoding tells
            container = None
        if container is None:
            container = av.open(os.fspath(path), options=OPEN_OPTIONS, metadata_errors="ignore")
        return container
    except av.error.FFmpegError as exc:
        raise MediaRejected("undecodable", detail=f"cannot open: {exc}") from None


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    videos = [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
    if not videos:
        raise MediaRejected("not_video", detail="no video stream")
    stream = videos[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0 or max(width, height) > MAX_CODED_SIDE:
        raise MediaRejected("dimensions_too_large" if width > 0 and height > 0 else "undecodable",
                            detail=f"{width}x{height}")
    return stream


def _container_duration(container: av.container.InputContainer) -> float:
    return container.duration / av.time_base if container.duration and container.duration > 0 else 0.0


def _keyframe_times(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, deadline: float
) -> tuple[list[float], float]:
    """Keyframe times (sorted) and the last frame's time, from packet headers alone."""
    keys: list[float] = []
    last = 0.0
    tb, origin = _clock(stream)
    try:
        for count, packet in enumerate(container.demux(stream), 1):
            if count > MAX_PACKETS:
                raise MediaRejected("too_long", detail=f"more than {MAX_PACKETS} video packets")
            if count % 256 == 0 and time.monotonic() > deadline:
                raise MediaRejected("timeout", detail="demuxing ran past the deadline")
            if packet.pts is None:
                continue
            t = packet.pts * tb - origin
            last = max(last, t)
            if packet.is_keyframe:
                keys.append(t)
    except av.error.FFmpegError:
        pass  # a damaged tail; sample what came before it
    keys.sort()
    return keys, last


def _clock(stream: av.video.stream.VideoStream) -> tuple[float, float]:
    """(seconds per tick, the stream's start in seconds): frame times count from the start of the video,
    whatever the container's clock says there (an MPEG-TS stream may start at 1.4 s)."""
    tb = float(stream.time_base)
    start = stream.start_time * tb if stream.start_time is not None and stream.start_time > 0 else 0.0
    return tb, start


def _targets(duration: float, every_s: float, max_frames: int) -> list[float]:
    count = min(max_frames, int(math.floor(duration / every_s + 1e-9)) + 1)
    step = every_s if count < max_frames else duration / max(1, max_frames - 1)
    return [i * step for i in range(count)]


@dataclass
class _Plan:
    keys: set[float]  # keyframe times decoded on their own
    fills: list[float]  # times decoded exactly, from the preceding keyframe
    starts: set[float]  # keyframes that begin a forward decode
    keyframes: list[float]


def _plan(targets: list[float], exact: list[float], keyframes: list[float], slack: float) -> _Plan:
    plan = _Plan(keys=set(), fills=[], starts=set(), keyframes=keyframes)
    if not keyframes:
        # No keyframe flags (some raw or damaged streams): decode forward from the start.
        plan.fills = sorted(set(targets) | set(exact))
        return plan
    for t, tolerance in [(t, slack) for t in targets] + [(t, 0.0) for t in exact]:
        i = bisect.bisect_left(keyframes, t)
        near = min(keyframes[max(0, i - 1):i + 1], key=lambda k: abs(k - t))
        if abs(near - t) <= tolerance + 1e-6:
            plan.keys.add(near)
        else:
            plan.fills.append(t)
            plan.starts.add(keyframes[max(0, bisect.bisect_right(keyframes, t) - 1)])
    plan.fills.sort()
    return plan


def _decode(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, plan: _Plan, deadline: float
) -> Iterator[tuple[float, av.VideoFrame]]:
    """Feed the decoder only the packets the plan needs; yield the wanted (time, frame) in time order
    (a frame wanted twice comes twice)."""
    tb, origin = _clock(stream)
    picked: list[tuple[float, av.VideoFrame]] = []  # wanted frames not yet handed out
    fills = list(plan.fills)
    prev: tuple[float, av.VideoFrame] | None = None
    feeding = not plan.keyframes  # forward decode in progress

    keys = sorted(plan.keys)
    got_keys: set[int] = set()

    def take(frames: list[av.VideoFrame]) -> None:
        nonlocal prev
        for frame in frames:
            if frame.pts is None:
                continue
            t = frame.pts * tb - origin
            i = bisect.bisect_left(keys, t - 1e-3)
            while fills and t >= fills[0] - 1e-6:
                # Frames leave the decoder in display order: prev and this one bracket the wanted time.
                want = fills.pop(0)
                picked.append((t, frame) if prev is None or abs(t - want) <= abs(prev[0] - want) else prev)
            if i < len(keys) and abs(keys[i] - t) <= 1e-3:
                picked.append((t, frame))
                got_keys.add(i)
            prev = (t, frame)

    try:
        for count, packet in enumerate(container.demux(stream), 1):
            if count > MAX_PACKETS:
                break
            if count % 16 == 0 and time.monotonic() > deadline:
                raise MediaRejected("timeout", detail="decoding frames for review ran past the deadline")
            if packet.size == 0:
                continue
            t = packet.pts * tb - origin if packet.pts is not None else None
            if packet.is_keyframe and t is not None:
                # A forward decode runs from its starting keyframe to the next keyframe: every wanted
                # time before that keyframe has then been fed (some frames may still sit in the
                # decoder's reorder buffer; the next packet fed or the final flush brings them out).
                feeding = t in plan.starts
                if not feeding and t not in plan.keys:
                    continue
            elif not feeding:
                continue
            try:
                take(stream.decode(packet))
            except av.error.FFmpegError:
                pass  # a damaged packet; the next keyframe may still decode
            yield from picked
            picked.clear()
            if not fills and len(got_keys) == len(keys):
                break
            if feeding and t is not None and plan.keyframes:
                # Stop decoding this GOP once no wanted time is left in it.
                after = bisect.bisect_right(plan.keyframes, t)
                next_key = plan.keyframes[after] if after < len(plan.keyframes) else math.inf
                if not fills or fills[0] >= next_key - 1e-6:
                    feeding = False
        take(stream.decode(None))
    except av.error.FFmpegError:
        pass  # demuxing stopped on damaged data; keep what decoded
    yield from picked
    if fills and prev is not None:
        # Wanted times past the last frame: the last frame is the nearest.
        yield prev


def _to_rgb(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    width, height = frame.width, frame.height
    sar = frame.sample_aspect_ratio if hasattr(frame, "sample_aspect_ratio") else None
    if sar and sar != 1 and 0.25 <= sar <= 4:
        width = round(width * sar)  # square pixels, as the picture is shown
    scale = min(1.0, max_side / max(width, height))
    out_w, out_h = max(2, round(width * scale)), max(2, round(height * scale))
    rgb = frame.reformat(width=out_w, height=out_h, format="rgb24", interpolation="BILINEAR").to_ndarray()
    # PyAV reports the display matrix counter-clockwise, np.rot90 turns counter-clockwise too.
    turns = int(round(float(getattr(frame, "rotation", 0) or 0) / 90.0)) % 4
    if turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, k=turns))
    return rgb
