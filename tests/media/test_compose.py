"""Duets and stitches, probed and decoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelbox.media import audio, compose
from reelbox.media.edit import RecipeError
from reelbox.media.framegrab import frame_at
from reelbox.media.generate import make_clip
from reelbox.media.probe import probe


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("compose")


@pytest.fixture(scope="module")
def original(work) -> Path:
    """Red, 440 Hz, 4 s, landscape."""
    return make_clip(work / "original.mp4", duration=4.0, width=640, height=360, pattern="color", color="#ff0000",
                     tone_hz=440)


@pytest.fixture(scope="module")
def own(work) -> Path:
    """Blue, silent, 2.5 s, portrait."""
    return make_clip(work / "own.mp4", duration=2.5, width=360, height=640, pattern="color", color="#0000ff",
                     tone_hz=None)


def _colour(image: np.ndarray, x: int, y: int) -> str:
    r, g, b = image[y, x]
    return "red" if r > 180 and b < 80 else "blue" if b > 180 and r < 80 else f"other({r},{g},{b})"


@pytest.mark.parametrize("layout", ["side", "top"])
def test_duet(original, own, tmp_path, layout):
    out = tmp_path / "duet.mp4"
    compose.duet(original, own, out, layout=layout)
    info = probe(out)
    assert (info.width, info.height) == (720, 1280)
    assert info.duration == pytest.approx(2.5, abs=0.1)  # the own clip's length
    assert info.has_audio and not audio.is_silent(out)  # the original's sound, though the own clip is mute
    image = frame_at(out, 1.0)
    if layout == "side":
        assert (_colour(image, 180, 640), _colour(image, 540, 640)) == ("blue", "red")
    else:
        assert (_colour(image, 360, 320), _colour(image, 360, 960)) == ("red", "blue")


def test_duet_longer_than_the_original_holds_its_last_frame(original, work, tmp_path):
    long_own = make_clip(work / "long.mp4", duration=5.0, width=360, height=640, tone_hz=660)
    out = tmp_path / "duet.mp4"
    compose.duet(original, long_own, out, original_volume=0.5)
    info = probe(out)
    assert info.duration == pytest.approx(5.0, abs=0.1)
    assert _colour(frame_at(out, 4.8), 540, 640) == "red"


def test_duet_muted_original(original, own, tmp_path):
    out = tmp_path / "duet.mp4"
    compose.duet(original, own, out, original_volume=0)
    assert probe(out).has_audio and audio.is_silent(out)


def test_duet_bad_arguments(original, own, tmp_path):
    with pytest.raises(RecipeError) as caught:
        compose.duet(original, own, tmp_path / "x.mp4", layout="diagonal")
    assert caught.value.field == "layout"
    with pytest.raises(RecipeError) as caught:
        compose.duet(original, own, tmp_path / "x.mp4", own_volume=3)
    assert caught.value.field == "own_volume"
    assert not (tmp_path / "x.mp4").exists()


def test_stitch(original, own, tmp_path):
    out = tmp_path / "stitch.mp4"
    compose.stitch(original, 0.5, 3.5, own, out)
    info = probe(out)
    assert (info.width, info.height) == (720, 1280)
    assert info.duration == pytest.approx(3.0 + 2.5, abs=0.1)
    assert info.has_audio
    assert _colour(frame_at(out, 1.0), 360, 640) == "red"
    assert _colour(frame_at(out, 4.5), 360, 640) == "blue"
    # The original's tone plays during its part, then the own clip's silence.
    samples = audio.decode_pcm(out, 8000)
    assert np.abs(samples[: 8000 * 2]).max() > 0.1
    assert np.abs(samples[8000 * 4:]).max() < 0.01


@pytest.mark.parametrize(("start", "end", "field", "code"), [
    (0.0, 5.5, "end", "out_of_range"),  # past the original's 4 s
    (0.0, 0.2, "end", "too_short"),
    (5.0, 6.0, "start", "out_of_range"),
    (-1.0, 1.0, "start", "out_of_range"),
])
def test_stitch_bad_ranges(original, own, tmp_path, start, end, field, code):
    with pytest.raises(RecipeError) as caught:
        compose.stitch(original, start, end, own, tmp_path / "x.mp4")
    assert (caught.value.field, caught.value.code) == (field, code)


def test_stitch_at_most_five_seconds(own, work, tmp_path):
    long_original = make_clip(work / "long_original.mp4", duration=7.0, width=320, height=180)
    with pytest.raises(RecipeError) as caught:
        compose.stitch(long_original, 0.5, 6.0, own, tmp_path / "x.mp4")
    assert (caught.value.field, caught.value.code) == ("end", "too_long")
    compose.stitch(long_original, 1.0, 6.0, own, tmp_path / "ok.mp4")
    assert probe(tmp_path / "ok.mp4").duration == pytest.approx(7.5, abs=0.1)
