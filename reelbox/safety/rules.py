"""Rules: from labels with scores (what the detectors saw) to one outcome, with the reasons.

A ``Rule(label, threshold, outcome, min_trust)`` matches when the content's score for ``label`` is at
least ``threshold``, unless the account's trust is at least ``min_trust`` (trusted accounts are exempt
from that rule; None: the rule applies to everyone). The most severe outcome among the matching rules
wins (``OUTCOMES`` is ordered by severity), and every matching rule is reported.

Outcomes: ``approve``; ``hold`` (hidden from everyone but the uploader and staff until a person
reviews it); ``age_restrict`` (shown to signed-in adults only); ``limit`` (kept out of For You and
search, still on the profile and by link); ``block`` (removed).

Untrusted accounts: with ``hold_untrusted_below=N``, content from an account whose trust is below N is
held when no rule asked for hold or block ("untrusted" is then among the reasons).

Labels come from ``nsfw.summarise`` (``nudity_explicit``, ``nudity_partial``, ``suggestive``), hash
banks (``hash_match``), the text classifier (``profanity``) and watched-word lists (``watched_word``,
``blocked_word`` or any label an admin chooses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# Least to most severe, by how far each keeps content from viewers: a held video is seen by no one until a
# person looks, so it outranks age-restricted and limited ones, which stay visible to some.
OUTCOMES = ("approve", "age_restrict", "limit", "hold", "block")
UNTRUSTED = "untrusted"


@dataclass(frozen=True)
class Rule:
    label: str
    threshold: float
    outcome: str
    min_trust: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError("a rule needs a label")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome {self.outcome!r} is not one of {', '.join(OUTCOMES)}")
        try:
            # Numbers from a database (Decimal, numpy) are welcome; text is not.
            threshold = float(self.threshold) if not isinstance(self.threshold, str | bytes) else math.nan
        except (TypeError, ValueError):
            threshold = math.nan
        if math.isnan(threshold) or not 0 <= threshold <= 1:
            raise ValueError(f"threshold of the {self.label!r} rule must be between 0 and 1")
        object.__setattr__(self, "threshold", threshold)
        if self.min_trust is not None and (isinstance(self.min_trust, bool) or not isinstance(self.min_trust, int)):
            raise ValueError(f"min_trust of the {self.label!r} rule must be a whole number or None")

    def applies(self, labels: dict[str, float], trust: int) -> bool:
        if self.min_trust is not None and trust >= self.min_trust:
            return False
        score = labels.get(self.label)
        return score is not None and not math.isnan(score) and score >= self.threshold


@dataclass(frozen=True)
class Decision:
    outcome: str
    matched: list[tuple[str, float, str]] = field(default_factory=list)  # (label, score, outcome), worst first

    @property
    def reasons(self) -> list[str]:
        return [f"{label} {score:.2f} -> {outcome}" for label, score, outcome in self.matched]


def severity(outcome: str) -> int:
    return OUTCOMES.index(outcome)


def decide(
    labels: dict[str, float], rules: list[Rule], *, trust: int = 0, hold_untrusted_below: int | None = None
) -> Decision:
    """The outcome for content with these label scores, posted by an account with this trust."""
    matched = [(r.label, float(labels[r.label]), r.outcome) for r in rules if r.applies(labels, trust)]
    matched.sort(key=lambda m: (-severity(m[2]), -m[1], m[0]))
    outcome = matched[0][2] if matched else "approve"
    if severity(outcome) < severity("hold") and hold_untrusted_below is not None and trust < hold_untrusted_below:
        outcome = "hold"
        matched.insert(0, (UNTRUSTED, float(trust), "hold"))
    return Decision(outcome, matched)


# Defaults for a general-audience community; every one is editable in the moderation settings.
# A detector is never certain: block automatically only at high confidence, and let a person look at
# the middle band (NudeNet's false positives, such as skin-coloured scenes or swimwear, live there).
DEFAULT_RULES: list[Rule] = [
    Rule("hash_match", 1.0, "block"),
    Rule("nudity_explicit", 0.7, "block"),
    Rule("nudity_explicit", 0.4, "hold"),
    Rule("nudity_partial", 0.5, "age_restrict"),
    Rule("suggestive", 0.8, "limit", min_trust=2),
    Rule("profanity", 0.9, "hold", min_trust=3),
    Rule("blocked_word", 1.0, "block"),
    Rule("watched_word", 1.0, "hold"),
]
