"""The entry points: a video, a picture, texts; and review without the optional models."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbox.media import hashing
from reelbox.media.generate import make_clip
from reelbox.safety import availability, scan
from reelbox.safety.words import WordList

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def clip(safety_dir) -> Path:
    return make_clip(safety_dir / "scan.mp4", duration=3, width=360, height=640, fps=25, grain=10, tone_hz=None,
                     text="scan me")


@pytest.mark.usefixtures("nudenet_installed")
def test_scan_video_labels_hashes_and_bank_matches(clip):
    require_pdq()
    index = hashing.HashIndex()
    index.add("bank:9", scan.bank_hashes(clip))
    result = scan.scan_video(clip, index=index)
    assert result.unavailable == {}
    assert result.frames == len(result.hashes) >= 2
    assert {"nudity_explicit", "nudity_partial", "suggestive"} <= result.labels.keys()
    assert result.labels["hash_match"] == 1.0
    assert [m.key for m in result.matches] == ["bank:9"]
    assert set(result.timings) == {"decode", "nsfw", "pdq", "match"} and result.seconds > 0
    unbanked = scan.scan_video(clip)
    assert "hash_match" not in unbanked.labels and unbanked.matches == []


@pytest.mark.usefixtures("nudenet_installed")
def test_a_mirrored_copy_matches(clip, tmp_path):
    require_pdq()
    from reelbox.media.ffmpeg import run_ffmpeg

    mirrored = tmp_path / "mirrored.mp4"
    run_ffmpeg(["-i", str(clip), "-vf", "hflip", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "26",
                str(mirrored)], timeout=60)
    index = hashing.HashIndex()
    index.add("bank:3", scan.bank_hashes(clip))
    result = scan.scan_video(mirrored, index=index)
    assert [(m.key, m.mirrored) for m in result.matches] == [("bank:3", True)]
    assert result.labels["hash_match"] == 1.0


def test_bank_hashes_are_dense_and_usable(clip):
    require_pdq()
    hashes = scan.bank_hashes(clip)
    assert len(hashes) >= 11  # four a second over 3 s
    assert all(isinstance(h, bytes) and len(h) == 32 for h in hashes)


@pytest.mark.usefixtures("nudenet_installed")
def test_scan_image(tmp_path):
    require_pdq()
    Image.fromarray(np.full((400, 300, 3), (20, 120, 200), dtype=np.uint8)).save(tmp_path / "avatar.png")
    result = scan.scan_image(tmp_path / "avatar.png")
    assert result.frames == 1 and len(result.hashes) == 1
    assert max(result.labels.values()) < 0.3


@pytest.mark.usefixtures("profanity_installed")
def test_scan_text_merges_classifier_and_watched_words():
    words = WordList([("tonto", False, "insult", "es"), ("promo code", False, "spam", ""),
                      ("fucking", False, "profanity", "")])
    results = scan.scan_text(["nice dance!", "use my promo code", "you fucking idiot"], words)
    assert results[0].keys() == {"profanity"} and results[0]["profanity"] < 0.5
    assert results[1]["spam"] == 1.0
    assert results[2]["profanity"] == 1.0  # the word list's label raises the classifier's score
    # The English classifier does not run on other languages; their word lists do.
    assert scan.scan_text(["eres tonto"], words, language="es") == [{"insult": 1.0}]
    assert scan.scan_text([], words) == []


def require_pdq():
    from tests.safety.conftest import require

    require("pdqhash")


def test_availability_reports_each_detector():
    report = availability()
    assert scan.warm() == report
    assert set(report) == {"nsfw", "pdq", "profanity"}
    assert all(reason is None or isinstance(reason, str) for reason in report.values())


def test_without_the_extra_review_degrades_and_says_why(clip):
    """The optional packages hidden: importing works, detectors name what is missing, scans carry on."""
    code = textwrap.dedent(f"""
        import json, sys
        for name in ("nudenet", "onnxruntime", "cv2", "pdqhash", "profanity_check", "sklearn"):
            sys.modules[name] = None  # makes `import name` fail, as if not installed
        from reelbox.safety import ModelUnavailable, availability, nsfw, scan, text
        from reelbox.media import frames, hashing
        from reelbox.safety.words import WordList
        out = {{"availability": availability()}}
        errors = {{}}
        for name, call in (("nsfw", lambda: nsfw.score(frames.sample({str(clip)!r}))),
                           ("pdq", lambda: hashing.pdq(frames.sample({str(clip)!r}))),
                           ("profanity", lambda: text.profanity(["hi"]))):
            try:
                call()
            except ModelUnavailable as exc:
                errors[name] = str(exc)
        out["errors"] = errors
        result = scan.scan_video({str(clip)!r}, index=hashing.HashIndex())
        out["scan"] = {{"labels": result.labels, "frames": result.frames, "unavailable": result.unavailable}}
        out["text"] = scan.scan_text(["buy followers"], WordList([("buy followers", False, "spam", "")]))
        print(json.dumps(out))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "nudenet" in out["availability"]["nsfw"] and "reelbox[moderation]" in out["availability"]["nsfw"]
    assert "pdqhash" in out["availability"]["pdq"]
    assert "alt-profanity-check" in out["availability"]["profanity"]
    assert "opencv-python-headless" in out["errors"]["nsfw"] or "onnxruntime" in out["errors"]["nsfw"]
    assert "pdqhash" in out["errors"]["pdq"] and "profanity" in out["errors"]["profanity"]
    assert out["scan"]["labels"] == {} and out["scan"]["frames"] >= 2
    assert set(out["scan"]["unavailable"]) == {"nsfw", "pdq"}
    assert out["text"] == [{"spam": 1.0}]
