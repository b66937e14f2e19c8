"""PDQ hashes and hash-bank matching: real clips through the real hasher, and the matching rules at their edges."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from reelbox.media import frames, hashing
from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.generate import make_clip
from reelbox.media.hashing import MAX_DISTANCE, HashIndex, Match

needs_pdq = pytest.mark.skipif(
    importlib.util.find_spec("pdqhash") is None and os.environ.get("CI", "").lower() != "true",
    reason="pdqhash is not installed (extra 'moderation')")


def flipped(h: bytes, bits: int, offset: int = 0) -> bytes:
    """``h`` with ``bits`` bits inverted (so at Hamming distance ``bits``)."""
    n = int.from_bytes(h, "big")
    for i in range(bits):
        n ^= 1 << ((offset + i * 7) % 256)
    return n.to_bytes(32, "big")


def random_hash(seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, 32, dtype=np.uint8).tobytes()


# --- hex and CSV -------------------------------------------------------------------------------------


def test_hex_round_trip():
    h = random_hash(1)
    text = hashing.to_hex(h)
    assert len(text) == 64 and text == text.lower()
    assert hashing.from_hex(text) == h
    assert hashing.from_hex("  " + text.upper() + "\n") == h


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64, "0" * 63, "0" * 65, None, 12])
def test_from_hex_refuses(bad):
    with pytest.raises(ValueError):
        hashing.from_hex(bad)


def test_to_hex_refuses_wrong_length():
    with pytest.raises(ValueError):
        hashing.to_hex(b"\x00" * 31)


def test_csv_round_trip_with_header_comments_and_labels():
    a, b = hashing.to_hex(random_hash(2)), hashing.to_hex(random_hash(3))
    text = f"pdq,label\n# exported from elsewhere\n\n{a.upper()},spam ring\n{b}\n"
    rows = hashing.parse_csv(text)
    assert rows == [(a, "spam ring"), (b, "")]
    assert hashing.parse_csv(hashing.to_csv(rows)) == rows
    assert hashing.to_csv([(random_hash(2), "x, with comma")]).startswith(a + ',"x, with comma"')


@pytest.mark.parametrize(("text", "line"), [
    ("{a}\nnot-a-hash,label\n", 2),
    ("# comment\n{a}\n{a},x\n{a}0,too long\n", 4),
    ("{a},label,extra\n", 1),
    ("pdq\n{a}\n\nzz{tail}\n", 4),
])
def test_csv_errors_name_the_line(text, line):
    a = hashing.to_hex(random_hash(4))
    with pytest.raises(ValueError, match=rf"^line {line}: "):
        hashing.parse_csv(text.format(a=a, tail=a[2:]))


# --- the index, on constructed hashes ----------------------------------------------------------------


def test_distance_boundary_31_matches_32_does_not():
    base = random_hash(5)
    index = HashIndex()
    index.add("img", [base], kind="image")
    assert hashing.distance(base, flipped(base, MAX_DISTANCE)) == 31
    [m] = index.match([(flipped(base, 31), 100)])
    assert (m.key, m.kind, m.distance) == ("img", "image", 31)
    assert index.match([(flipped(base, 32), 100)]) == []


def test_quality_below_50_is_discarded():
    base = random_hash(6)
    index = HashIndex()
    index.add("img", [base], kind="image")
    assert index.match([(base, 49)]) == []
    assert index.match([(base, 50)]) == [Match("img", "image", 1.0, 0)]
    # Unusable frames do not count in a video's fraction either.
    index.add("vid", [base], kind="video")
    assert {m.key for m in index.match([(base, 90), (random_hash(7), 10)])} == {"img", "vid"}


def test_video_needs_80_percent_of_query_frames_image_needs_one():
    banked = [random_hash(10 + i) for i in range(5)]
    index = HashIndex()
    index.add("vid", banked, kind="video")
    index.add("still", [banked[0]], kind="image")
    strangers = [random_hash(100 + i) for i in range(5)]
    # 4 of 5 query frames near some banked frame (in any order): 80 % -> match.
    query = [(flipped(banked[3], 10), 100), (flipped(banked[0], 20), 100), (banked[4], 100),
             (flipped(banked[1], 31), 100), (strangers[0], 100)]
    found = {m.key: m for m in index.match(query)}
    assert found["vid"].fraction == pytest.approx(0.8) and found["vid"].distance == 0
    assert found["still"].kind == "image" and found["still"].fraction == pytest.approx(0.2)
    # 3 of 5: 60 % -> no video match; the image still matches through one frame.
    query[2] = (strangers[1], 100)
    assert [m.key for m in index.match(query)] == ["still"]
    assert index.match([(s, 100) for s in strangers]) == []


def test_index_add_remove_and_large_banks(monkeypatch):
    monkeypatch.setattr(hashing, "_PAIRS", 300)  # blocks of 300 banked frames, so 1,000 take four
    index = HashIndex()
    assert index.match([(random_hash(1), 100)]) == []
    many = [random_hash(1000 + i) for i in range(1000)]
    index.add("big", many[:-1], kind="video")
    index.add("last", many[-1:], kind="image")
    assert len(index) == 2 and "big" in index
    # A query frame banked in the second block of distances still counts.
    assert [m.key for m in index.match([(many[-2], 100)])] == ["big"]
    assert [m.key for m in index.match([(many[-1], 100)])] == ["last"]
    index.remove("big")
    assert index.match([(many[-2], 100)]) == [] and len(index) == 1
    with pytest.raises(ValueError):
        index.add("last", [many[0]], kind="video")
    with pytest.raises(ValueError):
        index.add("x", [b"short"])


# --- real frames through the real hasher -------------------------------------------------------------


@pytest.fixture(scope="session")
def bank_clips(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("hashing")
    original = make_clip(tmp / "original.mp4", duration=4, width=360, height=640, fps=25, grain=12,
                         text="Reelbox bank test", tone_hz=None)
    # The copy someone re-uploads: smaller, slightly blurred, re-encoded by another encoder setting
    # (x264's default 10 s keyframe interval, so sampling must decode between keyframes).
    copy = tmp / "copy.mp4"
    run_ffmpeg(["-i", str(original), "-vf", "scale=270:480,gblur=sigma=1", "-c:v", "libx264", "-preset", "fast",
                "-crf", "30", "-pix_fmt", "yuv420p", str(copy)], timeout=120)
    unrelated = make_clip(tmp / "unrelated.mp4", duration=4, width=360, height=640, fps=25, pattern="life",
                          tone_hz=None)
    flat = make_clip(tmp / "flat.mp4", duration=2, width=360, height=640, fps=25, pattern="color",
                     color="#336699", tone_hz=None)
    return {"original": original, "copy": copy, "unrelated": unrelated, "flat": flat}


@needs_pdq
def test_pdq_of_frames_is_32_bytes_with_quality():
    rng = np.random.default_rng(0)
    picture = frames.Frame(0.0, (rng.random((640, 360, 3)) * 255).astype(np.uint8))
    [(h, quality)] = hashing.pdq([picture])
    assert isinstance(h, bytes) and len(h) == 32 and 0 <= quality <= 100
    # Deterministic, and insensitive to a mild brightness change.
    brighter = frames.Frame(0.0, np.clip(picture.rgb.astype(int) + 12, 0, 255).astype(np.uint8))
    assert hashing.pdq([picture])[0][0] == h
    assert hashing.distance(hashing.pdq([brighter])[0][0], h) <= 8


@needs_pdq
def test_reencoded_resized_blurred_copy_matches_and_unrelated_does_not(bank_clips):
    index = HashIndex()
    # As reelbox.safety.scan.bank_hashes banks a video: four frames a second, decoded exactly.
    banked = hashing.pdq(frames.sample(bank_clips["original"], every_s=0.25, slack_s=0))
    index.add("bank:1", [h for h, quality in banked if quality >= hashing.MIN_QUALITY])
    copy_frames = frames.sample(bank_clips["copy"])
    assert len(copy_frames) >= 3  # decoded between the copy's sparse keyframes
    [m] = index.match(hashing.pdq(copy_frames))
    assert m.key == "bank:1" and m.kind == "video" and m.fraction >= hashing.VIDEO_MATCH_FRACTION
    assert m.distance <= MAX_DISTANCE
    assert index.match(hashing.pdq(frames.sample(bank_clips["unrelated"]))) == []


@needs_pdq
def test_image_bank_matches_from_one_frame(bank_clips):
    first = frames.sample(bank_clips["original"])[0]
    index = HashIndex()
    index.add("img:7", [h for h, _ in hashing.pdq([first])], kind="image")
    matches = index.match(hashing.pdq(frames.sample(bank_clips["copy"])))
    assert [(m.key, m.kind) for m in matches] == [("img:7", "image")]
    assert index.match(hashing.pdq(frames.sample(bank_clips["unrelated"]))) == []


@needs_pdq
def test_flat_frames_have_low_quality_and_never_match(bank_clips):
    hashes = hashing.pdq(frames.sample(bank_clips["flat"]))
    assert hashes and all(quality < hashing.MIN_QUALITY for _, quality in hashes)
    index = HashIndex()
    index.add("flat", [h for h, _ in hashes], kind="image")
    assert index.match(hashes) == []


@needs_pdq
def test_mirrored_hashes_are_those_of_the_mirrored_frame(bank_clips):
    frame = frames.sample(bank_clips["original"])[1]
    mirror = frames.Frame(frame.t, np.ascontiguousarray(frame.rgb[:, ::-1]))
    upright, mirrored = hashing.pdq_and_mirrored([frame])
    assert upright == hashing.pdq([frame])
    assert mirrored[0][0] == hashing.pdq([mirror])[0][0]
    assert hashing.distance(upright[0][0], mirrored[0][0]) > 2 * MAX_DISTANCE


def test_match_either_prefers_the_better_orientation():
    a, b = random_hash(20), random_hash(21)
    index = HashIndex()
    index.add("v", [a])
    assert index.match_either([(b, 100)], [(a, 100)]) == [Match("v", "video", 1.0, 0, mirrored=True)]
    assert index.match_either([(a, 100)], [(a, 100)]) == [Match("v", "video", 1.0, 0)]
    assert index.match_either([(b, 100)], [(b, 100)]) == []
