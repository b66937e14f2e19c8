"""Demo music library: a few tracks synthesised with ffmpeg (no downloads, no third-party music)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

log = logging.getLogger("reelbox.seed")

# (title, artist, beats per minute, root note in Hz): a kick on every beat, a hat between, a two-chord pad.
TRACKS = [
    ("Sunrise Groove", "Reelbox Demo Band", 100, 220.0),
    ("Night Drive", "Reelbox Demo Band", 120, 196.0),
    ("Paper Planes", "The Generators", 90, 261.6),
    ("Lo-fi Rain", "The Generators", 80, 174.6),
]
LICENCE = "CC0 (synthesised by Reelbox)"
SECONDS = 24


def _expression(bpm: int, root: float) -> str:
    beat = 60.0 / bpm
    kick = f"0.8*exp(-18*mod(t,{beat:.4f}))*sin(2*PI*(50+90*exp(-30*mod(t,{beat:.4f})))*mod(t,{beat:.4f}))"
    hat = f"0.08*exp(-60*mod(t+{beat / 2:.4f},{beat:.4f}))*sin(2*PI*7000*t)*sin(2*PI*5300*t)"
    # The pad changes chord every two bars.
    step = f"(1+0.25*mod(floor(t/{8 * beat:.4f}),2))"
    pad = "+".join(f"0.07*sin(2*PI*{root * r:.2f}*{step}*t)" for r in (1.0, 1.26, 1.5))
    return f"{kick}+{hat}+{pad}"


def seed_library() -> int:
    """Add the demo tracks that are missing; returns how many were added."""
    from reelbox.media.ffmpeg import run_ffmpeg
    from reelbox.studio import actions
    from reelbox.studio.models import Sound

    added = 0
    with tempfile.TemporaryDirectory(prefix="reelbox-tracks-") as tmp:
        for title, artist, bpm, root in TRACKS:
            if Sound.objects.filter(kind=Sound.Kind.LIBRARY, title=title).exists():
                continue
            path = Path(tmp) / f"track{added}.m4a"
            run_ffmpeg(["-f", "lavfi", "-i", f"aevalsrc='{_expression(bpm, root)}':s=44100:d={SECONDS}",
                        "-ac", "2", "-c:a", "aac", "-b:a", "128k", "-f", "mp4", str(path)], timeout=120)
            actions.add_library_track(local_path=path, title=title, artist=artist, licence=LICENCE)
            added += 1
    if added:
        log.info("added %d demo music tracks", added)
    return added
