"""Duets and stitches: a new clip combined with someone else's video.

Contract and units (seconds; outputs 9:16 720x1280 30 fps H.264/AAC MP4,
written under a temporary name and renamed):

- ``duet(original, own, out, *, layout="side", original_volume=1.0,
  own_volume=1.0)``: "side" puts the own clip on the left and the original on
  the right (each 360x1280, centre-cropped); "top" puts the original on top
  and the own clip below (each 720x640). The output lasts as long as the own
  clip; a shorter original holds its last frame. Both audio tracks are mixed
  (volumes 0..2); a missing track counts as silence.
- ``stitch(original, start, end, own, out)``: ``original[start:end]`` (at most
  ``MAX_STITCH_S`` = 5 s, at least 0.5 s) followed by the whole own clip.

Bad arguments raise ``reelbox.media.edit.RecipeError`` naming the argument
("layout", "end", ...); bad media ``MediaRejected``; ffmpeg failures ``FFmpegError``.
"""

from __future__ import annotations

from pathlib import Path

from reelbox.media import canvas
from reelbox.media.edit import RecipeError
from reelbox.media.errors import gettext_noop
from reelbox.media.ffmpeg import run_ffmpeg, safe_input
from reelbox.media.probe import probe

HEIGHT = 720
MAX_STITCH_S = 5.0
MIN_STITCH_S = 0.5
LAYOUTS = ("side", "top")
_SLACK = 0.05


def _volume(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 2:
        raise RecipeError(field, "out_of_range", gettext_noop("This value is out of range."), limits=(0, 2))
    return float(value)


def duet(
    original: Path, own: Path, out: Path, *, layout: str = "side", original_volume: float = 1.0,
    own_volume: float = 1.0, timeout: float | None = None, threads: int | None = None,
) -> None:
    if layout not in LAYOUTS:
        raise RecipeError("layout", "unknown_layout", gettext_noop("Unknown layout."))
    original_volume = _volume(original_volume, "original_volume")
    own_volume = _volume(own_volume, "own_volume")
    own_info, original_info = probe(own), probe(original)
    width, height = canvas.portrait(HEIGHT)
    pane = (width // 2 // 2 * 2, height) if layout == "side" else (width, height // 2 // 2 * 2)
    length = own_info.duration
    frames = max(1, round(length * canvas.FPS))
    fit = f"{canvas.cover(*pane)},{canvas.exact_frames(frames)}"
    stack = "hstack" if layout == "side" else "vstack"
    first, second = ("[o]", "[x]") if layout == "side" else ("[x]", "[o]")
    parts = [f"[0:v]setpts=PTS-STARTPTS,{fit}[o]", f"[1:v]setpts=PTS-STARTPTS,{fit}[x]",
             f"{first}{second}{stack}=inputs=2[v]"]
    mix = []
    for index, info, volume, label in ((0, own_info, own_volume, "oa"), (1, original_info, original_volume, "xa")):
        if info.has_audio and volume > 0:
            parts.append(f"[{index}:a:0]volume={volume:g},{canvas.exact_audio(length)}[{label}]")
            mix.append(f"[{label}]")
    if len(mix) == 2:
        parts.append("[oa][xa]amix=inputs=2:duration=first:normalize=0,alimiter=limit=0.97:level=0[a]")
    elif mix:
        parts.append(f"{mix[0]}anull[a]")
    else:
        parts.append(f"{canvas.SILENCE},atrim=end={length:.4f}[a]")
    args = [*safe_input(own), "-t", f"{length + 0.5:.3f}", *safe_input(original)]
    with canvas.partial_output(out) as partial:
        run_ffmpeg(args + ["-filter_complex", ";".join(parts), "-map", "[v]", "-map", "[a]",
                           *canvas.encode_args(), "-t", f"{length:.3f}", str(partial)],
                   timeout=timeout or 60 + 10 * length, threads=threads)


def stitch(
    original: Path, start: float, end: float, own: Path, out: Path, *, timeout: float | None = None,
    threads: int | None = None,
) -> None:
    original_info, own_info = probe(original), probe(own)
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RecipeError(name, "type", gettext_noop("This value must be a number."))
    if not 0 <= start < original_info.duration:
        raise RecipeError("start", "out_of_range", gettext_noop("This value is out of range."))
    end = min(end, original_info.duration) if end <= original_info.duration + _SLACK else end
    if end > original_info.duration:
        raise RecipeError("end", "out_of_range", gettext_noop("This value is out of range."))
    if end - start > MAX_STITCH_S + _SLACK:
        raise RecipeError("end", "too_long", gettext_noop("A stitch takes at most 5 seconds of the original."))
    if end - start < MIN_STITCH_S:
        raise RecipeError("end", "too_short", gettext_noop("A stitch takes at least half a second of the original."))
    width, height = canvas.portrait(HEIGHT)
    clip = end - start
    pieces = ((0, original_info, clip), (1, own_info, own_info.duration))
    parts = []
    for index, info, seconds in pieces:
        frames = max(1, round(seconds * canvas.FPS))
        parts.append(f"[{index}:v]setpts=PTS-STARTPTS,{canvas.cover(width, height)},{canvas.exact_frames(frames)}"
                     f"[v{index}]")
        exact = frames / canvas.FPS  # audio as long as the frames, so the two stay in sync across the join
        source = f"[{index}:a:0]asetpts=PTS-STARTPTS," if info.has_audio else f"{canvas.SILENCE},"
        parts.append(f"{source}{canvas.exact_audio(exact)}[a{index}]")
    parts.append("[v0][a0][v1][a1]concat=n=2:v=1:a=1[v][a]")
    total = sum(max(1, round(s * canvas.FPS)) for _, _, s in pieces) / canvas.FPS
    args = ["-ss", f"{start:.3f}", "-t", f"{clip + 0.5:.3f}", *safe_input(original), *safe_input(own)]
    with canvas.partial_output(out) as partial:
        run_ffmpeg(args + ["-filter_complex", ";".join(parts), "-map", "[v]", "-map", "[a]",
                           *canvas.encode_args(), "-t", f"{total:.3f}", str(partial)],
                   timeout=timeout or 60 + 10 * total, threads=threads)
