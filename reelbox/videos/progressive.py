"""Publishing the first rendition while the whole ladder is still being encoded.

Encoding every rung in one ffmpeg pass is the cheapest way to the full ladder
(the source, often the costliest part to decode, is decoded once), but then
the 720p rung is only complete when all of them are. So the segments ffmpeg
has finished are stored as they appear, under an HLS EVENT playlist that
players poll, and the video turns ready as soon as a viewer who starts from
the beginning can no longer catch up with the encoder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from reelbox.media import ladder
from reelbox.videos import storage

# How far ahead of playback the encoder must stay: players reload a live
# playlist about once per target duration (one segment), and need the next
# segment before they reach it, so two segments.
LEAD_S = 2 * ladder.GOP_SECONDS


def can_start(duration: float, encoded: float, elapsed: float, lead: float = LEAD_S,
              available: float | None = None) -> bool:
    """Whether playback from 0 now stays ``lead`` seconds behind an encoder at ``encoded`` s of media.

    The encoder runs at ``encoded / elapsed`` media seconds per second. Playback
    reaches position x at time x; the encoder reaches it at (x - encoded) /
    speed. Both are linear in x, so checking the two ends of [encoded,
    duration] is enough: enough is encoded now, and the encoder still finishes
    ``lead`` seconds before playback does. ``available``, the media in stored
    segments, must hold the lead too: the encoder is a little ahead of what
    the muxer has cut into segments.
    """
    lead = min(lead, duration)
    if available is not None and available < lead - 0.05:
        return False
    if encoded >= duration:
        return True
    if elapsed <= 0 or encoded < lead:
        return False
    speed = encoded / elapsed
    return (duration - encoded) / speed <= duration - lead


class ProgressivePublisher:
    """Stores a rung's HLS segments as ffmpeg completes them; calls ``on_ready`` once playback may start.

    ``poll`` runs on the encoder's progress callback (the worker's own thread),
    so database work in ``on_ready`` needs no locking.
    """

    def __init__(self, hls_dir: Path, prefix: str, duration: float,
                 on_ready: Callable[[ladder.HlsOutput], None]) -> None:
        self.hls_dir, self.prefix, self.duration = hls_dir, prefix, duration
        self.on_ready = on_ready
        self.started = time.monotonic()
        self.stored = 0
        self.ready = False

    def poll(self, encoded: float) -> None:
        playlist = self.hls_dir / "index.m3u8"
        try:
            # ffmpeg replaces this file by renaming a complete new one over it.
            hls = ladder.read_playlist(playlist)
        except (OSError, ValueError):
            return  # no segment finished yet
        if len(hls.segments) > self.stored:
            for segment in hls.segments[self.stored:]:
                storage.put(segment, f"{self.prefix}/{segment.name}")
            self.stored = len(hls.segments)
            storage.put_text(ladder.media_playlist(hls, ended=False), f"{self.prefix}/{playlist.name}")
        if not self.ready and self.stored and can_start(self.duration, encoded, time.monotonic() - self.started,
                                                        available=sum(hls.durations)):
            self.ready = True
            self.on_ready(hls)
