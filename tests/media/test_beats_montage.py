"""Beat detection on a click track of known tempo, and montages cut to the beats."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from reelbox.media import beats, montage
from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.framegrab import frames
from reelbox.media.generate import make_clip, make_music
from reelbox.media.probe import probe

pytest.importorskip("librosa", reason="beat detection needs the 'studio' extra (librosa)")

BPM = 120
FIRST = 0.25
COLOURS = ("#ff0000", "#00c000", "#0000ff")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("montage")


@pytest.fixture(scope="module")
def clicks(work) -> Path:
    return make_music(work / "clicks.m4a", clicks_only=True, bpm=BPM, first_beat=FIRST, duration=8.0)


@pytest.fixture(scope="module")
def clicks_beats(clicks) -> beats.Beats:
    return beats.detect(clicks)


@pytest.fixture(scope="module")
def colour_clips(work) -> list[Path]:
    sizes = ((360, 640), (640, 360), (360, 640))  # a landscape one too: cropped to 9:16
    return [make_clip(work / f"c{i}.mp4", duration=3.0, width=w, height=h, pattern="color", color=colour,
                      tone_hz=None) for i, (colour, (w, h)) in enumerate(zip(COLOURS, sizes))]


def test_detects_a_click_track(clicks_beats):
    truth = FIRST + np.arange(16) * 60 / BPM
    assert clicks_beats.tempo == pytest.approx(BPM, rel=0.05)
    assert len(clicks_beats.times) >= 12
    for t in clicks_beats.times:
        assert np.min(np.abs(truth - t)) <= 0.05, t
    assert len(clicks_beats.strengths) == len(clicks_beats.times)
    assert max(clicks_beats.strengths) == pytest.approx(1.0)
    assert clicks_beats.duration == pytest.approx(8.0, abs=0.1)


def test_music_beats(work):
    song = make_music(work / "song.m4a", seed=4, duration=8.0, bpm=100, first_beat=0.5)
    found = beats.detect(song)
    assert found.tempo == pytest.approx(100, rel=0.05)
    # A synthetic song has as much onset energy off the beat (hi-hat, notes) as on it, so the tracker may
    # lock to either phase; every beat must still sit on a kick or an off-beat.
    onsets = 0.5 + np.arange(26) * 0.3
    assert np.median(np.diff(found.times)) == pytest.approx(0.6, abs=0.03)
    for t in found.times[1:-1]:
        assert np.min(np.abs(onsets - t)) <= 0.05, t


def test_silence_has_no_beats(work):
    silent = work / "silent.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "4", "-c:a", "aac", str(silent)], timeout=60)
    with pytest.raises(beats.SilentAudio) as caught:
        beats.detect(silent)
    assert caught.value.code == "silent_audio" and caught.value.message


def test_missing_librosa_is_a_clear_error(monkeypatch, clicks):
    beats._librosa.cache_clear()
    monkeypatch.setitem(sys.modules, "librosa", None)  # import librosa -> ImportError
    try:
        assert not beats.available()
        with pytest.raises(beats.BeatsUnavailable) as caught:
            beats.detect(clicks)
        assert "studio" in caught.value.message
        beats.warm()  # a no-op rather than a crash
    finally:
        beats._librosa.cache_clear()


def test_plan_refuses_bad_clip_counts(clicks_beats):
    for count, code in ((1, "too_few_clips"), (21, "too_many_clips"), (0, "too_few_clips")):
        with pytest.raises(montage.MontageError) as caught:
            montage.plan([3.0] * count, clicks_beats)
        assert caught.value.code == code and caught.value.field == "clips"
    with pytest.raises(montage.MontageError) as caught:
        montage.plan([3.0, 0.0], clicks_beats)
    assert caught.value.field == "clips[1]"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_plan_cuts_on_beats(clicks_beats, seed):
    durations = [3.0, 2.0, 5.0, 1.5]
    cuts = montage.plan(durations, clicks_beats, seed=seed)
    assert cuts[0].at == 0.0
    for cut, following in zip(cuts, cuts[1:]):
        assert following.at == pytest.approx(cut.at + cut.length, abs=1e-3)  # contiguous
    for cut in cuts[1:]:
        assert min(abs(cut.at - t) for t in clicks_beats.times) < 1e-3  # on a detected beat
    end = cuts[-1].at + cuts[-1].length
    assert min(abs(end - t) for t in clicks_beats.times) < 1e-3
    for cut in cuts:
        assert 0 <= cut.start < cut.end <= durations[cut.clip] + 1e-6
        assert cut.transition in montage.TRANSITIONS
        assert cut.length >= 0.3
    assert len({c.clip for c in cuts}) >= 3  # uses the clips, not one over and over
    assert montage.plan(durations, clicks_beats, seed=seed) == cuts  # a seed is reproducible


def test_reroll_changes_the_plan(clicks_beats):
    plans = {tuple(montage.plan([3.0, 2.0, 5.0], clicks_beats, seed=s)) for s in range(5)}
    assert len(plans) >= 4


def test_transitions_only_on_strong_beats():
    times = [0.5 * i for i in range(1, 17)]
    strengths = [1.0 if i % 4 == 0 else 0.2 for i in range(16)]
    b = beats.Beats(times=times, strengths=strengths, tempo=120.0, duration=8.5)
    strong = {t for t, s in zip(times, strengths) if s == 1.0}
    for seed in range(5):
        cuts = montage.plan([4.0] * 3, b, seed=seed)
        for cut in cuts:
            if cut.transition != "cut":
                assert cut.at in strong
        assert cuts[0].transition == "cut"


def test_length_limits_the_plan(clicks_beats):
    cuts = montage.plan([3.0, 3.0], clicks_beats, length=4.0)
    assert cuts[-1].at + cuts[-1].length <= 4.0 + 1e-6


@pytest.mark.parametrize("batch", [100, 2])  # one part, and several parts joined
def test_render_cuts_land_on_the_beats(colour_clips, clicks, clicks_beats, work, monkeypatch, batch):
    monkeypatch.setattr(montage, "BATCH", batch)
    cuts = montage.plan([3.0] * 3, clicks_beats, seed=7)
    assert 2 * 2 < len(cuts) < 100
    out = work / f"montage{batch}.mp4"
    montage.render(colour_clips, clicks, cuts, out, height=360)
    info = probe(out)
    end = cuts[-1].at + cuts[-1].length
    assert (info.width, info.height) == (360, 640)
    assert info.duration == pytest.approx(end, abs=0.1)
    assert info.has_audio
    # Where the picture changes colour, in the decoded output.
    means = [(t, image.reshape(-1, 3).mean(axis=0)) for t, image in frames(out)]
    changes = []
    for (_, before), (t, after) in zip(means, means[1:]):
        if np.abs(after - before).max() > 40 and (not changes or t - changes[-1] > 0.3):
            changes.append(t)
    expected = [c.at for c in cuts[1:] if cuts[cuts.index(c) - 1].clip != c.clip]
    assert len(changes) == len(expected)
    for seen, at in zip(changes, expected):
        assert abs(seen - at) <= 0.05, (seen, at)
    # Each segment shows its clip's colour.
    for cut in cuts:
        _, colour = min(means, key=lambda m: abs(m[0] - (cut.at + cut.length * 0.75)))
        wanted = np.array([int(COLOURS[cut.clip][i:i + 2], 16) for i in (1, 3, 5)])
        assert np.abs(colour - wanted).max() < 40, (cut, colour)


def test_warm_runs():
    beats.warm()
