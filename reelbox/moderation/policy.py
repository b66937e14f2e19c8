"""Moderation policy in one place: what each action does to visibility, strikes, trust and the queue."""

from __future__ import annotations

from datetime import timedelta

from reelbox.moderation.models import SEVERITY
from reelbox.videos.models import Moderation

# Outcome or action -> the content's moderation state.
STATE_FOR = {
    "approve": Moderation.APPROVED,
    "restore": Moderation.APPROVED,
    "hold": Moderation.HELD,
    "age_restrict": Moderation.AGE_RESTRICTED,
    "limit": Moderation.LIMITED,
    "block": Moderation.BLOCKED,
    "remove": Moderation.REMOVED,
}

# DSA "decision_visibility" for each content action.
VISIBILITY_FOR = {
    "hold": "content_disabled",
    "age_restrict": "content_age_restricted",
    "limit": "content_demoted",
    "block": "content_removed",
    "remove": "content_removed",
    "label": "content_labelled",
}

# Strikes accumulate: at this many, an automatic suspension of that many days (None: for good).
STRIKE_POLICY = [(3, 7), (5, 30), (7, None)]

APPEAL_WINDOW = timedelta(days=183)  # the DSA's six months

# Hours to act on a case, by the severity of its category.
def sla(category: str) -> timedelta:
    severity = SEVERITY.get(category, 1)
    if severity >= 10:
        return timedelta(hours=1)
    if severity >= 7:
        return timedelta(hours=4)
    return timedelta(hours=24)


def priority(category: str, report_count: int, reach: int) -> float:
    """Severity first, then how many people reported it, then how far it reached (log-scaled)."""
    import math

    return SEVERITY.get(category, 1) * 10 + min(report_count, 20) * 2 + math.log10(reach + 1)


def suspension_for(strikes: int) -> int | None | bool:
    """Days of suspension that reaching ``strikes`` triggers; None for good; False for nothing."""
    for count, days in STRIKE_POLICY:
        if strikes == count:
            return days
    return False


# Automatic labels -> the report category a case is filed under.
LABEL_CATEGORY = {"nsfw": "sexual", "sexual": "sexual", "nudity": "sexual", "profanity": "harassment",
                  "hate": "hate", "violence": "violence", "spam": "spam", "csam": "child_safety"}


def category_for(labels: dict[str, float]) -> str:
    best, score = "other", -1.0
    for label, value in labels.items():
        category = LABEL_CATEGORY.get(label.split(":")[0], "other")
        if value > score:
            best, score = category, value
    return best
