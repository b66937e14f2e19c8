from __future__ import annotations

from pathlib import Path

import av
import pytest

from reelbox.media import images
from reelbox.media.generate import make_clip


def is_jpeg(path: Path) -> bool:
    data = path.read_bytes()
    return data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


def jpeg_size(path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        return ctx.width, ctx.height


def test_poster_full_size(tmp_path, portrait_clip):
    dest = images.poster(portrait_clip, tmp_path / "poster.jpg", 1.0)
    assert is_jpeg(dest)
    assert jpeg_size(dest) == (1080, 1920)


def test_poster_capped_at_1080(tmp_path):
    clip = make_clip(tmp_path / "big.mp4", duration=0.5, width=2560, height=1440, tone_hz=None, pattern="color")
    dest = images.poster(clip, tmp_path / "poster.jpg", 0.2)
    assert jpeg_size(dest) == (1920, 1080)


def test_poster_is_upright(tmp_path):
    clip = make_clip(tmp_path / "rot.mp4", duration=1, width=640, height=360, rotate=90, tone_hz=None)
    assert jpeg_size(images.poster(clip, tmp_path / "poster.jpg", 0.5)) == (360, 640)


def test_poster_past_the_end_falls_back(tmp_path):
    clip = make_clip(tmp_path / "short.mp4", duration=1, width=320, height=240, tone_hz=None)
    dest = images.poster(clip, tmp_path / "poster.jpg", 30.0)
    assert is_jpeg(dest) and jpeg_size(dest) == (320, 240)
    assert not list(tmp_path.glob("*.part"))


def test_thumbnail_strip(tmp_path, portrait_clip, portrait_info):
    dest = tmp_path / "strip.jpg"
    times = images.thumbnail_strip(portrait_clip, dest)
    assert is_jpeg(dest)
    assert jpeg_size(dest) == (10 * 90, 160)
    assert len(times) == 10
    assert times == sorted(times) and 0 <= times[0] and times[-1] < portrait_info.duration
    steps = [b - a for a, b in zip(times, times[1:])]
    assert steps == pytest.approx([portrait_info.duration / 10] * 9, abs=0.01)


def test_thumbnail_strip_landscape_and_count(tmp_path):
    clip = make_clip(tmp_path / "wide.mp4", duration=1, width=640, height=360, tone_hz=None)
    dest = tmp_path / "strip.jpg"
    times = images.thumbnail_strip(clip, dest, count=4, tile_height=90)
    assert len(times) == 4
    assert jpeg_size(dest) == (4 * 160, 90)
