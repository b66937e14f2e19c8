"""Profanity and abuse in English text: the alt-profanity-check classifier (linear SVM on character
n-grams, model shipped in its wheel; about 1,000 texts in 7 ms).

English only: other languages rely on the watched-word lists (``words``). The model is loaded once per
process on first use (it imports scikit-learn, ~0.5 s) and shared by threads; prediction is read-only.
"""

from __future__ import annotations

import threading
import warnings

from reelbox.safety.errors import ModelUnavailable

# Longer texts are cut: the classifier's cost grows with length and a bio or comment is far shorter.
MAX_CHARS = 5000

_lock = threading.Lock()
_predict = None
_failure: str | None = None


def load_failure() -> str | None:
    return _failure


def _model():
    global _predict, _failure
    if _predict is not None:
        return _predict
    with _lock:
        if _predict is not None:
            return _predict
        try:
            with warnings.catch_warnings():
                # The pickled model names the scikit-learn it was made with; alt-profanity-check pins
                # that exact version, so a mismatch warning says nothing we can act on here.
                warnings.simplefilter("ignore")
                from profanity_check import predict_prob
        except ImportError as exc:
            raise ModelUnavailable(
                f"the profanity classifier needs the '{exc.name or 'alt-profanity-check'}' package "
                "(pip install 'reelbox[moderation]')") from exc
        except Exception as exc:  # a model that does not unpickle with the installed scikit-learn
            _failure = f"the profanity classifier could not be loaded: {exc}"
            raise ModelUnavailable(_failure) from exc
        _predict = predict_prob
        return _predict


def profanity(texts: list[str]) -> list[float]:
    """The probability (0..1) that each text is profane or abusive, in order."""
    if not texts:
        return []
    predict = _model()
    return [float(p) for p in predict([(t or "")[:MAX_CHARS] for t in texts])]
