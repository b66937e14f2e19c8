"""Still images from a video: the poster frame and the scrubbing strip."""

from __future__ import annotations

import os
from pathlib import Path

from reelbox.media.ffmpeg import run_ffmpeg, safe_input
from reelbox.media.probe import Limits, probe

POSTER_MAX_SHORT_SIDE = 1080
JPEG_QUALITY = 3  # ffmpeg's mjpeg -q:v, 2 (best) .. 31
STRIP_MAX_WIDTH = 16000  # stay well inside JPEG's 65535 px limit and browser caps


def poster(src: os.PathLike | str, dest_jpg: os.PathLike | str, at_s: float, *, timeout: float = 120) -> Path:
    """Write the frame at ``at_s`` as a JPEG, upright, short side at most 1080 px.

    Falls back to the first frame when ``at_s`` is past the last one.
    """
    dest = Path(dest_jpg)
    # ffmpeg has turned the frame upright before the filters; the first scale
    # makes pixels square, so iw/ih are then display dimensions, and -2 keeps
    # the aspect ratio with an even size.
    scale = (
        "scale=w='trunc(iw*sar/2)*2':h=ih,setsar=1,"
        f"scale=w='if(lte(iw,ih),min(iw,{POSTER_MAX_SHORT_SIDE}),-2)'"
        f":h='if(lte(iw,ih),-2,min(ih,{POSTER_MAX_SHORT_SIDE}))'"
    )
    for seek in dict.fromkeys((max(0.0, at_s), 0.0)):
        args = ["-ss", f"{seek:.3f}"] + safe_input(src) + ["-map", "0:V:0", "-frames:v", "1", "-vf", scale]
        if _write_jpeg(args, dest, timeout=timeout):
            return dest
    raise FileNotFoundError(f"no frame could be extracted from {src}")


def thumbnail_strip(
    src: os.PathLike | str, dest_jpg: os.PathLike | str, count: int = 10, tile_height: int = 160,
    *, timeout: float = 120,
) -> list[float]:
    """Write a horizontal sprite of ``count`` evenly spaced frames; return their times (s).

    Frame ``i`` is taken at the middle of the ``i``-th of ``count`` equal
    slices of the video, so tile ``i`` covers [i, i+1) * duration / count.
    Each frame is reached by seeking, not by decoding the whole video.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    dest = Path(dest_jpg)
    duration, fps, width, height = _display_info(src)
    tile_w = max(2, round(tile_height * width / height / 2) * 2)
    if tile_w * count > STRIP_MAX_WIDTH:
        raise ValueError(f"a strip of {count} tiles of {tile_w}px is too wide")
    # The last frame starts one frame before the end; never seek past it.
    last = max(0.0, duration - 1.5 / fps)
    times = [min(last, (i + 0.5) * duration / count) for i in range(count)]

    args: list[str] = []
    for t in times:
        args += ["-ss", f"{t:.3f}"] + safe_input(src)
    graph = ";".join(
        f"[{i}:V:0]scale={tile_w}:{tile_height},setsar=1,trim=end_frame=1,setpts=PTS-STARTPTS[t{i}]"
        for i in range(count)
    )
    graph += ";" + "".join(f"[t{i}]" for i in range(count))
    graph += f"hstack=inputs={count}[strip]" if count > 1 else "null[strip]"
    if not _write_jpeg(args + ["-filter_complex", graph, "-map", "[strip]", "-frames:v", "1"], dest, timeout=timeout):
        raise FileNotFoundError(f"no strip could be made from {src}")
    return times


def _write_jpeg(args: list[str], dest: Path, *, timeout: float) -> bool:
    """Whether a JPEG was written: ffmpeg succeeds without output when a seek lands past the end."""
    # Written under a temporary name so a killed run never leaves half a JPEG
    # where a complete one is expected.
    part = dest.with_name(f".{dest.name}.part")
    try:
        run_ffmpeg(
            args + ["-c:v", "mjpeg", "-q:v", str(JPEG_QUALITY), "-pix_fmt", "yuvj420p", "-update", "1",
                    "-f", "image2", str(part)],
            timeout=timeout,
        )
        if part.exists() and part.stat().st_size > 0:
            os.replace(part, dest)
            return True
        return False
    finally:
        part.unlink(missing_ok=True)


def _display_info(src: os.PathLike | str) -> tuple[float, float, int, int]:
    """(duration, fps, display width, display height) of a file that already passed the probe."""
    # The strip needs the same facts the probe computes; a full probe costs
    # one decoded frame and guarantees the same answers (rotation included).
    info = probe(src, Limits(max_duration_s=float("inf"), max_side=1 << 16, min_side=1))
    return info.duration, info.fps, info.width, info.height
