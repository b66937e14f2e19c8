"""Beat-synced auto-edit: cut 2..20 clips to the beats of a sound.

Contract and units:

- ``plan(clip_durations, beats, *, length=None, seed=0) -> list[Cut]``. Each
  ``Cut`` takes ``clip`` (index into the clips) from ``start`` to ``end``
  (seconds of that clip) and places it at ``at`` (seconds of the output). The
  first cut is at 0; every later ``at`` is a detected beat time, so cuts land
  on beats exactly (the render rounds them to the nearest frame, at most
  17 ms at 30 fps). Segments span 1, 2 or 4 beats, chosen so that each lasts
  0.4..2.5 s when the tempo allows. A cut on a strong beat (onset strength in
  the top quarter, at least 0.5) gets a transition ("flash": from white, or
  "fade": from black, ``TRANSITION_S`` long, on the new segment, so the cut
  time itself stays on the beat); others are "cut". ``length`` defaults to the
  clips' total length; it is at most the sound's length and ``MAX_LENGTH`` s,
  and the end snaps to a beat.
  ``seed`` re-rolls clip order, segment lengths, in-points and transitions
  (the same seed gives the same plan). Fewer than 2 or more than 20 clips, or
  a clip without length, raise ``MontageError`` (a ValueError with ``field``,
  ``code``, ``message``).
- ``render(clips, sound, cuts, out, *, height=720, timeout=None)``: 9:16
  H.264/AAC MP4 at 30 fps with the sound (from its start) as the only audio.
  Cuts are encoded ``BATCH`` at a time (memory stays bounded with many cuts)
  and the parts joined without re-encoding. A segment longer than what is left
  of its clip holds the clip's last frame.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelbox.media import canvas
from reelbox.media.audio import audio_input
from reelbox.media.beats import Beats
from reelbox.media.errors import gettext_noop
from reelbox.media.ffmpeg import run_ffmpeg, safe_input

MIN_CLIPS, MAX_CLIPS = 2, 20
MAX_LENGTH = 60.0
MIN_SEGMENT, MAX_SEGMENT = 0.4, 2.5
TRANSITION_S = 0.2
TRANSITIONS = ("cut", "flash", "fade")
BATCH = 10


class MontageError(ValueError):
    def __init__(self, field: str, code: str, message: str):
        self.field, self.code, self.message = field, code, message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Cut:
    clip: int
    start: float
    end: float
    at: float
    transition: str = "cut"

    @property
    def length(self) -> float:
        return self.end - self.start


def _check(clip_durations: Sequence[float]) -> None:
    if len(clip_durations) < MIN_CLIPS:
        raise MontageError("clips", "too_few_clips", gettext_noop("Choose at least 2 clips."))
    if len(clip_durations) > MAX_CLIPS:
        raise MontageError("clips", "too_many_clips", gettext_noop("Choose at most 20 clips."))
    for i, seconds in enumerate(clip_durations):
        if not seconds or seconds <= 0:
            raise MontageError(f"clips[{i}]", "empty_clip", gettext_noop("This clip has no length."))


def _step_choices(beats: list[float]) -> list[int]:
    period = (beats[-1] - beats[0]) / max(1, len(beats) - 1)
    fitting = [k for k in (1, 2, 4) if MIN_SEGMENT <= k * period <= MAX_SEGMENT]
    if fitting:
        return fitting
    return [1] if period > MAX_SEGMENT else [max(1, round(1.0 / period))]


def plan(clip_durations: Sequence[float], beats: Beats, *, length: float | None = None, seed: int = 0) -> list[Cut]:
    """Cuts placing the clips on ``beats`` (see the module docstring)."""
    _check(clip_durations)
    rng = random.Random(seed)
    sound_length = beats.duration or MAX_LENGTH
    # By default each clip's footage is used about once: repeating two short clips for a minute looks cheap.
    limit = min(length or sum(clip_durations), sound_length, MAX_LENGTH)
    times = [t for t in beats.times if 0 < t <= limit + 1e-6]
    strength = dict(zip(beats.times, beats.strengths))
    if len(times) < 2:
        raise MontageError("sound", "no_beats", gettext_noop("This sound has no beat to cut to."))
    ranked = sorted(beats.strengths)
    strong = max(0.5, ranked[int(0.75 * (len(ranked) - 1))]) if ranked else 1.0
    steps = _step_choices(times)
    weights = [2 if k == 2 else 1 for k in steps]

    # Boundaries: 0, then beats chosen by stepping 1, 2 or 4 beats at a time.
    bounds = [0.0]
    i = -1
    while True:
        i += rng.choices(steps, weights)[0]
        if i >= len(times):
            break
        if times[i] - bounds[-1] >= MIN_SEGMENT * 0.75:
            bounds.append(times[i])
    if len(bounds) < 2:
        bounds.append(times[-1])

    order = list(range(len(clip_durations)))
    rng.shuffle(order)
    cuts: list[Cut] = []
    for n, (at, until) in enumerate(zip(bounds, bounds[1:])):
        seconds = until - at
        # Next clip in the shuffled round that is long enough; the longest one otherwise.
        pick = next((order[(n + k) % len(order)] for k in range(len(order))
                     if clip_durations[order[(n + k) % len(order)]] >= seconds), None)
        if pick is None:
            pick = max(range(len(clip_durations)), key=lambda c: clip_durations[c])
        room = max(0.0, clip_durations[pick] - seconds)
        start = round(rng.uniform(0, room), 3) if room > 0 else 0.0
        transition = "cut"
        if n > 0 and strength.get(at, 0.0) >= strong:
            transition = rng.choice(("flash", "fade"))
        cuts.append(Cut(clip=pick, start=start, end=round(start + seconds, 4), at=round(at, 4),
                        transition=transition))
    return cuts


def _batch(clips: Sequence[Path], cuts: Sequence[Cut], bounds: Sequence[tuple[int, int]], out: Path, *,
           width: int, height: int, timeout: float, threads: int | None) -> None:
    """Video only: ``cuts`` with their exact frame ranges ``bounds`` (first, end) of the output, into ``out``."""
    fps = canvas.FPS
    args: list[str] = []
    parts: list[str] = []
    for i, (cut, (first, end)) in enumerate(zip(cuts, bounds)):
        args += ["-ss", f"{cut.start:.3f}", "-t", f"{cut.length + 0.5:.3f}", *safe_input(clips[cut.clip])]
        chain = f"[{i}:v]setpts=PTS-STARTPTS,{canvas.cover(width, height, fps=fps)},{canvas.exact_frames(end - first)}"
        if cut.transition == "flash":
            chain += f",fade=t=in:st=0:d={TRANSITION_S}:color=white"
        elif cut.transition == "fade":
            chain += f",fade=t=in:st=0:d={TRANSITION_S}"
        parts.append(f"{chain}[s{i}]")
    parts.append("".join(f"[s{i}]" for i in range(len(cuts))) + f"concat=n={len(cuts)}:v=1:a=0[v]")
    run_ffmpeg(args + ["-filter_complex", ";".join(parts), "-map", "[v]", "-an", *canvas.video_args(fps=fps),
                       *canvas.MP4, str(out)], timeout=timeout, threads=threads)


def render(
    clips: Sequence[Path], sound: Path, cuts: Sequence[Cut], out: Path, *, height: int = 720,
    timeout: float | None = None, threads: int | None = 2,
) -> None:
    """Render ``cuts`` of ``clips`` over ``sound`` into ``out`` (see the module docstring).

    Every cut is an input of its own (seeking straight to its in-point), and each open input holds a
    decoder's buffers (about 25 MB at 1080p), so cuts are encoded ``BATCH`` at a time into video-only
    parts that are then joined without re-encoding and given the sound.
    """
    if not cuts:
        raise MontageError("cuts", "empty", gettext_noop("Nothing to render."))
    width, frame_h = canvas.portrait(height)
    fps = canvas.FPS
    total = cuts[-1].at + cuts[-1].length
    # Frame ranges from rounded cumulative times, so rounding never drifts cuts off their beats.
    marks = [round(c.at * fps) for c in cuts] + [round(total * fps)]
    bounds = [(a, max(b, a + 1)) for a, b in zip(marks, marks[1:])]
    timeout = timeout or 60 + 10 * total
    with tempfile.TemporaryDirectory(prefix="reelbox-montage-") as tmp:
        tmp = Path(tmp)
        parts = []
        for n in range(0, len(cuts), BATCH):
            part = tmp / f"part{n // BATCH:03d}.mp4"
            _batch(clips, cuts[n:n + BATCH], bounds[n:n + BATCH], part, width=width, height=frame_h,
                   timeout=timeout, threads=threads)
            parts.append(part)
        listing = tmp / "parts.txt"
        listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
        frames = sum(b - a for a, b in bounds)
        seconds = frames / fps
        with canvas.partial_output(out) as partial:
            # The concat list and the parts are our own files: no need for the untrusted-input whitelist.
            run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), *audio_input(sound),
                        "-filter_complex", f"[1:a:0]{canvas.exact_audio(seconds)}[a]",
                        "-map", "0:v", "-map", "[a]", "-c:v", "copy", *canvas.audio_args(), *canvas.MP4,
                        "-t", f"{seconds:.3f}", str(partial)], timeout=timeout)
