"""Nudity detection on frames with NudeNet's detector (YOLOv8n, ``320n.onnx`` shipped in the nudenet wheel).

``score`` gives, per frame, each NudeNet class found (``FEMALE_GENITALIA_EXPOSED``, ``FACE_MALE``...) with
its highest confidence; ``summarise`` folds the classes into the labels rules speak of:

- ``nudity_explicit``: exposed genitalia or anus;
- ``nudity_partial``: exposed female breasts or buttocks;
- ``suggestive``: covered genitalia, breasts, buttocks or anus.

Each label's score is its highest over all frames (0.0 when never seen); a detection below
``DETECTION_FLOOR`` (NudeNet's own) does not count.

We run the ONNX model ourselves rather than through ``nudenet.NudeDetector``, for cost: one session per
process, loaded lazily and shared by threads (onnxruntime's ``run`` is thread-safe); one thread and no
spinning, so review beside an encode takes one core at most; all frames in one batch; and frames are
letterboxed to a multiple of 32 on their short side instead of a 320 x 320 square, as Ultralytics'
rectangular inference does (a portrait frame costs 60 % of the square). Pre- and post-processing
otherwise follow NudeNet 3.4: RGB scaled to 0..1, padding black at the bottom and right, per box the
best class, class-agnostic non-maximum suppression at IoU 0.45.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from reelbox.media.frames import Frame
from reelbox.safety.errors import ModelUnavailable

CLASSES = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
    "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
)
LABELS: dict[str, tuple[str, ...]] = {
    "nudity_explicit": ("FEMALE_GENITALIA_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_EXPOSED"),
    "nudity_partial": ("FEMALE_BREAST_EXPOSED", "BUTTOCKS_EXPOSED"),
    "suggestive": ("FEMALE_GENITALIA_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED", "ANUS_COVERED"),
}
INPUT_SIDE = 320
DETECTION_FLOOR = 0.2
NMS_SCORE = 0.25
NMS_IOU = 0.45
THREADS = 1
BATCH = 16  # frames per model call: bounds the activations' memory (~25 MB a frame)

_lock = threading.Lock()
_session = None
_failure: str | None = None


def model_path() -> Path | None:
    """Where the nudenet package keeps its model, found without importing it (None: not installed)."""
    spec = importlib.util.find_spec("nudenet")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "320n.onnx"


def load_failure() -> str | None:
    """Why the model failed to load in this process, if it did."""
    return _failure


def _model():
    """The shared onnxruntime session, loaded on first use."""
    global _session, _failure
    if _session is not None:
        return _session
    with _lock:
        if _session is not None:
            return _session
        try:
            import cv2  # noqa: F401  (resizing and NMS)
            import onnxruntime
        except ImportError as exc:
            package = {"cv2": "opencv-python-headless"}.get(exc.name or "", exc.name or "onnxruntime")
            raise ModelUnavailable(
                f"nudity detection needs the '{package}' package, which comes with nudenet "
                "(pip install 'reelbox[moderation]')") from exc
        path = model_path()
        if path is None or not path.is_file():
            raise ModelUnavailable("nudity detection needs the 'nudenet' package and its 320n.onnx model "
                                   "(pip install 'reelbox[moderation]')")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Spinning threads would burn the core the encoder beside us needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            _session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for a bad or mismatched model
            _failure = f"NudeNet's model could not be loaded: {exc}"
            raise ModelUnavailable(_failure) from exc
        _failure = None
        return _session


def score(frames: list[Frame]) -> list[dict[str, float]]:
    """Per frame, each NudeNet class detected -> its highest confidence (classes not seen are absent)."""
    if not frames:
        return []
    session = _model()
    name = session.get_inputs()[0].name
    results: list[dict[str, float] | None] = [None] * len(frames)
    # Frames of one video share a shape, and a batch needs one shape.
    by_shape: dict[tuple[int, int], list[int]] = {}
    prepared = [_prepare(f.rgb) for f in frames]
    for i, blob in enumerate(prepared):
        by_shape.setdefault(blob.shape[1:], []).append(i)
    for indices in by_shape.values():
        for start in range(0, len(indices), BATCH):
            chunk = indices[start:start + BATCH]
            out = session.run(None, {name: np.stack([prepared[i] for i in chunk])})[0]
            for i, raw in zip(chunk, out):
                results[i] = _detections(raw)
    return [r if r is not None else {} for r in results]


def summarise(per_frame: list[dict[str, float]]) -> dict[str, float]:
    """The labels (``LABELS``) with their highest score over all frames; every label is present."""
    summary = {label: 0.0 for label in LABELS}
    for found in per_frame:
        for label, classes in LABELS.items():
            for cls in classes:
                value = float(found.get(cls, 0.0))
                if value >= DETECTION_FLOOR and value > summary[label]:
                    summary[label] = value
    return summary


def _prepare(rgb: np.ndarray) -> np.ndarray:
    """A frame as the model's input: C x H x W float32 0..1, long side 320, padded to multiples of 32."""
    import cv2

    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError("a frame is an H x W x 3 uint8 RGB array")
    height, width = rgb.shape[:2]
    scale = INPUT_SIDE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    small = cv2.resize(rgb, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad_h, pad_w = -(-new_h // 32) * 32, -(-new_w // 32) * 32
    blob = np.zeros((3, pad_h, pad_w), dtype=np.float32)
    blob[:, :new_h, :new_w] = small.transpose(2, 0, 1) * np.float32(1 / 255)
    return blob


def _detections(raw: np.ndarray) -> dict[str, float]:
    """One frame's model output (4 box + 18 class rows x anchors) -> class -> best score after NMS."""
    import cv2

    scores = raw[4:]
    best_class = scores.argmax(axis=0)
    best = scores[best_class, np.arange(scores.shape[1])]
    keep = np.nonzero(best >= DETECTION_FLOOR)[0]
    if not len(keep):
        return {}
    cx, cy, w, h = raw[0, keep], raw[1, keep], raw[2, keep], raw[3, keep]
    boxes = np.stack([cx - w / 2, cy - h / 2, w, h], axis=1)
    chosen = cv2.dnn.NMSBoxes(boxes.tolist(), best[keep].tolist(), NMS_SCORE, NMS_IOU)
    found: dict[str, float] = {}
    for i in np.asarray(chosen, dtype=np.int64).reshape(-1).tolist():
        cls = CLASSES[int(best_class[keep[i]])]
        found[cls] = max(found.get(cls, 0.0), float(best[keep[i]]))
    return found
