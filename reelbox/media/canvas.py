"""Filter-graph pieces shared by the studio's renders (edit, duet, stitch, montage).

Every studio output is a 9:16 portrait H.264/AAC MP4: pictures are scaled to
cover the frame and centre-cropped (never letterboxed), audio is 48 kHz
stereo. Outputs are written under a temporary name and renamed, so a failed
render leaves nothing behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FPS = 30
AUDIO_FORMAT = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
SILENCE = "anullsrc=r=48000:cl=stereo"


def portrait(height: int) -> tuple[int, int]:
    """(width, height) of the 9:16 frame whose short side is ``height`` (720 -> 720x1280)."""
    return height, round(height * 16 / 9 / 2) * 2


def cover(width: int, height: int, *, fps: float = FPS, fast: bool = False) -> str:
    """Filters turning any picture into ``width``x``height`` at ``fps``: scale to cover, crop the middle."""
    flags = "fast_bilinear" if fast else "bicubic"
    return (f"fps={fps:g},scale={width}:{height}:force_original_aspect_ratio=increase:flags={flags},"
            f"crop={width}:{height},setsar=1,format=yuv420p")


def exact_frames(frames: int) -> str:
    """Filters making a stream exactly ``frames`` frames long (the last frame held if it is short)."""
    return f"tpad=stop={frames}:stop_mode=clone,trim=end_frame={frames},setpts=PTS-STARTPTS"


def exact_audio(seconds: float) -> str:
    """Filters making an audio stream exactly ``seconds`` long (silence appended if short)."""
    return f"{AUDIO_FORMAT},apad,atrim=end={seconds:.4f},asetpts=PTS-STARTPTS"


def video_args(*, crf: int = 20, preset: str = "veryfast", fps: float = FPS) -> list[str]:
    return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-g", str(round(2 * fps))]


def audio_args(*, kbps: int = 160) -> list[str]:
    return ["-c:a", "aac", "-b:a", f"{kbps}k", "-ar", "48000", "-ac", "2"]


MP4 = ["-movflags", "+faststart", "-f", "mp4"]


def encode_args(*, crf: int = 20, preset: str = "veryfast", audio_kbps: int = 160, fps: float = FPS) -> list[str]:
    return video_args(crf=crf, preset=preset, fps=fps) + audio_args(kbps=audio_kbps) + MP4


@contextmanager
def partial_output(out: os.PathLike | str) -> Iterator[Path]:
    """A temporary name beside ``out``, renamed to ``out`` when the block succeeds, removed otherwise."""
    out = Path(out)
    partial = out.with_name(f".{out.name}.part")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
