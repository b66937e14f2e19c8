"""The one place that talks to the pure detection engine (reelbox.safety, reelbox.media.hashing).

The engine's models ship in the optional ``moderation`` extra. Without it (or with one detector missing)
review carries on with what is there, and ``availability()`` says what is missing, for the queue page and
the logs; nothing here raises because a model is absent.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("reelbox.moderation")

# One order for the whole domain: the engine's (a held video outranks the visible outcomes).
from reelbox.safety.rules import OUTCOMES as SEVERITY_ORDER  # noqa: E402


_warned: set[str] = set()


def _safety():
    try:
        from reelbox import safety
        from reelbox.safety import rules, scan, words  # noqa: F401
    except ImportError as exc:
        if str(exc) not in _warned:  # once per process, not per upload
            _warned.add(str(exc))
            log.warning("automatic review engine unavailable: %s", exc)
        return None
    return safety


def _hashing():
    try:
        from reelbox.media import hashing
    except ImportError:
        return None
    return hashing


def availability() -> dict[str, str | None]:
    """Detector -> None when it works, else the reason it does not (shown to staff)."""
    safety = _safety()
    if safety is None:
        reason = "the detection engine (reelbox.safety) is not installed"
        return {"nsfw": reason, "pdq": reason, "profanity": reason}
    try:
        return dict(safety.availability())
    except Exception as exc:  # noqa: BLE001 (a broken detector must not break review)
        return {"engine": repr(exc)}


def missing() -> list[str]:
    return [f"{name}: {reason}" for name, reason in availability().items() if reason]


def most_severe(*outcomes: str) -> str:
    return max((o for o in outcomes if o), key=SEVERITY_ORDER.index, default="approve")


def rule_objects(rows) -> list:
    safety = _safety()
    if safety is None:
        return []
    from reelbox.safety import rules

    return [rules.Rule(r.label, r.threshold, r.outcome, min_trust=r.min_trust) for r in rows]


def default_rules() -> list[tuple]:
    safety = _safety()
    if safety is None:
        return []
    from reelbox.safety import rules

    return [(r.label, r.threshold, r.outcome, r.min_trust) for r in rules.DEFAULT_RULES]


def decide(labels: dict[str, float], rule_rows, *, trust: int = 0, hold_untrusted_below: int | None = None):
    """(outcome, matched rules as text) for a label dict."""
    safety = _safety()
    if safety is None:
        if hold_untrusted_below is not None and trust < hold_untrusted_below:
            return "hold", ["untrusted account"]
        return "approve", []
    from reelbox.safety import rules

    result = rules.decide(labels, rule_objects(rule_rows), trust=trust, hold_untrusted_below=hold_untrusted_below)
    return result.outcome, list(result.reasons)


def word_list(rows: tuple[tuple[str, bool, str, str], ...]):
    """A compiled WordList of (pattern, is_regex, label, language) rows, or None."""
    safety = _safety()
    if safety is None or not rows:
        return None
    from reelbox.safety import words

    try:
        return words.WordList(list(rows))
    except ValueError as exc:  # an entry saved before validation existed: review goes on without the list
        log.error("watched words not applied: %s", exc)
        return None


def check_words(entries: list[tuple]) -> None:
    """Raise ValueError naming a bad entry (an invalid regex...)."""
    safety = _safety()
    if safety is None:
        return
    from reelbox.safety import words

    words.WordList(entries)


def scan_text(texts: list[str], words, language: str = "") -> list[dict[str, float]]:
    """``words``: a WordList from ``word_list`` (or None)."""
    safety = _safety()
    if safety is None:
        return [{} for _t in texts]
    from reelbox.safety import scan

    try:
        return [dict(d) for d in scan.scan_text(texts, words=words, language=language or "")]
    except safety.ModelUnavailable as exc:
        log.warning("text review without its classifier: %s", exc)
        return [{} for _t in texts]


def new_index():
    hashing = _hashing()
    return hashing.HashIndex() if hashing is not None else None


def from_hex(text: str):
    return _hashing().from_hex(text)


def to_hex(raw) -> str:
    return _hashing().to_hex(raw)


def parse_csv(text: str) -> list[tuple[str, str]]:
    hashing = _hashing()
    if hashing is None:
        raise ValueError("hash banks need reelbox.media.hashing, which is not installed")
    return hashing.parse_csv(text)


def to_csv(rows: list[tuple[str, str]]) -> str:
    return _hashing().to_csv(rows)


def bank_hashes(path) -> list[str]:
    """Hex PDQ hashes to bank for a video (dense, exact sampling: see reelbox.safety.scan.bank_hashes)."""
    if _safety() is None:
        raise ValueError("hash banks need reelbox.safety, which is not installed")
    from reelbox.safety import scan

    return [_hashing().to_hex(h) for h in scan.bank_hashes(path)]


def min_quality() -> int:
    hashing = _hashing()
    return hashing.MIN_QUALITY if hashing is not None else 50


def scan_video(path, index) -> dict:
    """Labels, frame hashes (hex) and bank matches of one video file. Pure work: safe in a thread."""
    started = time.monotonic()
    safety = _safety()
    if safety is None:
        return {"labels": {}, "hashes": [], "matches": [], "seconds": 0.0, "unavailable": availability()}
    from reelbox.safety import scan

    result = scan.scan_video(path, index=index)
    hashing = _hashing()
    # [hex, quality] per sampled frame: quality decides which frames may match later (bulk, "add to bank").
    hashes = [[hashing.to_hex(h), int(q)] for h, q in (result.hashes or [])]
    # The engine sets hash_match for any match; bank modes (shadow, rollout) decide here whether it counts.
    labels = {k: float(v) for k, v in (result.labels or {}).items() if k != scan.HASH_MATCH}
    return {
        "labels": labels,
        "hashes": hashes,
        "matches": [{"key": m.key, "kind": m.kind, "fraction": float(m.fraction), "distance": int(m.distance)}
                    for m in (result.matches or [])],
        "seconds": time.monotonic() - started,
        "unavailable": dict(result.unavailable or {}),
    }
