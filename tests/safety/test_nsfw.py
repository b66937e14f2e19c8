"""The real NudeNet model on generated pictures, and the folding of its output into labels and outcomes.

Explicit pictures cannot ship with the tests, so positives are exercised from the model's output
onwards: a raw output tensor built with one class at a chosen confidence goes through the same
post-processing, summary and rules as the model's own.
"""

from __future__ import annotations

import numpy as np
import pytest

from reelbox.media import frames as frames_mod
from reelbox.media.frames import Frame
from reelbox.media.generate import make_clip
from reelbox.safety import nsfw, rules

pytestmark = pytest.mark.usefixtures("nudenet_installed")


def flat(rgb: tuple[int, int, int], size=(640, 360)) -> Frame:
    return Frame(0.0, np.full((*size, 3), rgb, dtype=np.uint8))


def noise(seed: int, size=(640, 360)) -> Frame:
    return Frame(0.0, np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8))


# Flat frames, including skin tones (the classic false-positive bait) and black, white, mid-grey.
FLAT = [(0, 0, 0), (255, 255, 255), (128, 128, 128), (224, 172, 105), (241, 194, 125), (141, 85, 36),
        (255, 0, 102)]


def test_flat_frames_pass():
    per_frame = nsfw.score([flat(c) for c in FLAT])
    assert len(per_frame) == len(FLAT)
    summary = nsfw.summarise(per_frame)
    assert set(summary) == {"nudity_explicit", "nudity_partial", "suggestive"}
    assert all(score < 0.3 for score in summary.values()), summary
    assert rules.decide(summary, rules.DEFAULT_RULES).outcome == "approve"


def test_model_runs_on_generated_video_frames(safety_dir):
    clip = make_clip(safety_dir / "nsfw.mp4", duration=2, width=360, height=640, fps=25, grain=8, tone_hz=None,
                     text="hello")
    sampled = frames_mod.sample(clip)
    per_frame = nsfw.score(sampled + [noise(1), noise(2, size=(300, 500))])
    assert len(per_frame) == len(sampled) + 2
    for found in per_frame:
        assert set(found) <= set(nsfw.CLASSES)
        assert all(nsfw.DETECTION_FLOOR <= s <= 1.0 for s in found.values())
    summary = nsfw.summarise(per_frame)
    assert rules.decide(summary, rules.DEFAULT_RULES).outcome == "approve", summary


def test_batching_and_shapes_do_not_change_scores():
    pictures = [noise(3), flat((200, 150, 120)), noise(4, size=(480, 640)), noise(5, size=(33, 17))]
    together = nsfw.score(pictures)
    alone = [nsfw.score([p])[0] for p in pictures]
    for a, b in zip(together, alone):
        assert a.keys() == b.keys()
        assert all(a[k] == pytest.approx(b[k], abs=1e-4) for k in a)
    assert nsfw.score([]) == []


def test_input_is_letterboxed_to_multiples_of_32():
    blob = nsfw._prepare(noise(6, size=(640, 360)).rgb)
    assert blob.shape == (3, 320, 192) and blob.dtype == np.float32
    assert 0.0 <= blob.min() and blob.max() <= 1.0
    assert not blob[:, :, 180:].any()  # black padding on the right
    with pytest.raises(ValueError):
        nsfw._prepare(np.zeros((10, 10), dtype=np.uint8))


def raw_output(detections: list[tuple[str, float, tuple[float, float, float, float]]], anchors=840) -> np.ndarray:
    """A model output (4 box rows + 18 class rows, per anchor) holding these (class, score, box) detections."""
    out = np.zeros((4 + len(nsfw.CLASSES), anchors), dtype=np.float32)
    out[0:4] = np.array([[10], [10], [4], [4]], dtype=np.float32)  # tiny boxes with no score elsewhere
    for i, (cls, score, box) in enumerate(detections):
        out[0:4, i] = box
        out[4 + nsfw.CLASSES.index(cls), i] = score
    return out


def test_postprocessing_keeps_best_class_per_box_and_suppresses_overlaps():
    found = nsfw._detections(raw_output([
        ("FEMALE_GENITALIA_EXPOSED", 0.71, (100, 100, 40, 40)),
        ("FACE_FEMALE", 0.9, (50, 30, 20, 20)),
        # Overlaps the first box almost entirely with a lower score: suppressed (NudeNet's NMS).
        ("BUTTOCKS_EXPOSED", 0.6, (101, 101, 40, 40)),
        ("FEET_EXPOSED", 0.19, (200, 200, 10, 10)),  # below the detection floor
    ]))
    assert found == {"FEMALE_GENITALIA_EXPOSED": pytest.approx(0.71), "FACE_FEMALE": pytest.approx(0.9)}
    assert nsfw._detections(raw_output([])) == {}


@pytest.mark.parametrize(("cls", "score", "outcome"), [
    # The model's scores are float32: 0.7 is stored as 0.69999999, so "at" the threshold is 1e-4 above.
    ("MALE_GENITALIA_EXPOSED", 0.7001, "block"),
    ("ANUS_EXPOSED", 0.6999, "hold"),
    ("FEMALE_GENITALIA_EXPOSED", 0.4001, "hold"),
    ("FEMALE_GENITALIA_EXPOSED", 0.3999, "approve"),
    ("FEMALE_BREAST_EXPOSED", 0.5001, "age_restrict"),
    ("BUTTOCKS_EXPOSED", 0.4999, "approve"),
    ("FEMALE_BREAST_COVERED", 0.8001, "limit"),
    ("FEMALE_BREAST_COVERED", 0.7999, "approve"),
    ("FACE_FEMALE", 0.99, "approve"),
    ("MALE_BREAST_EXPOSED", 0.99, "approve"),
])
def test_high_scores_route_at_the_thresholds(cls, score, outcome):
    """From the model's output tensor to the outcome, at each default threshold and just below it."""
    benign = nsfw._detections(raw_output([("FACE_MALE", 0.8, (10, 10, 8, 8))]))
    hit = nsfw._detections(raw_output([(cls, score, (160, 160, 50, 50))]))
    summary = nsfw.summarise([benign, hit])
    assert rules.decide(summary, rules.DEFAULT_RULES).outcome == outcome


def test_summarise_takes_the_max_over_frames_and_ignores_the_floor():
    summary = nsfw.summarise([
        {"FEMALE_GENITALIA_EXPOSED": 0.3, "FEMALE_BREAST_COVERED": 0.19},
        {"MALE_GENITALIA_EXPOSED": 0.55, "BUTTOCKS_EXPOSED": 0.2},
        {"ANUS_EXPOSED": 0.41, "FACE_MALE": 1.0},
    ])
    assert summary == {"nudity_explicit": 0.55, "nudity_partial": 0.2, "suggestive": 0.0}
    assert nsfw.summarise([]) == {"nudity_explicit": 0.0, "nudity_partial": 0.0, "suggestive": 0.0}
