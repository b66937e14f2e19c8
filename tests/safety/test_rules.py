"""Rules: thresholds are inclusive, the most severe outcome wins, trust exempts, untrusted accounts are held."""

from __future__ import annotations

import pytest

from reelbox.safety import rules
from reelbox.safety.rules import OUTCOMES, Rule, decide

RULES = [
    Rule("nudity_explicit", 0.7, "block"),
    Rule("nudity_explicit", 0.4, "hold"),
    Rule("nudity_partial", 0.5, "age_restrict"),
    Rule("profanity", 0.9, "hold", min_trust=3),
    Rule("spam", 1.0, "limit"),
]


def test_outcomes_are_ordered_by_severity():
    # A held video is seen by no one until a person looks, so it outranks the outcomes that stay visible.
    assert OUTCOMES == ("approve", "age_restrict", "limit", "hold", "block")
    assert [rules.severity(o) for o in OUTCOMES] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("score", "outcome"), [
    (0.0, "approve"), (0.399999, "approve"), (0.4, "hold"), (0.699999, "hold"), (0.7, "block"), (1.0, "block"),
])
def test_thresholds_are_inclusive(score, outcome):
    assert decide({"nudity_explicit": score}, RULES).outcome == outcome


def test_most_severe_wins_and_every_match_is_reported():
    d = decide({"nudity_explicit": 0.8, "nudity_partial": 0.9, "spam": 1.0, "unknown": 1.0}, RULES)
    assert d.outcome == "block"
    assert d.matched == [("nudity_explicit", 0.8, "block"), ("nudity_explicit", 0.8, "hold"),
                         ("spam", 1.0, "limit"), ("nudity_partial", 0.9, "age_restrict")]
    # Borderline explicit beside partial nudity goes to a person instead of being shown to adults.
    assert decide({"nudity_explicit": 0.5, "nudity_partial": 0.9}, RULES).outcome == "hold"
    assert d.reasons[0] == "nudity_explicit 0.80 -> block"
    assert decide({}, RULES) == rules.Decision("approve", [])


def test_trusted_accounts_are_exempt_from_rules_with_min_trust():
    assert decide({"profanity": 0.95}, RULES, trust=2).outcome == "hold"
    assert decide({"profanity": 0.95}, RULES, trust=3).outcome == "approve"
    # min_trust exempts only from its own rule.
    assert decide({"nudity_explicit": 0.9}, RULES, trust=100).outcome == "block"


def test_untrusted_accounts_are_held_unless_hold_or_block_applies():
    d = decide({}, RULES, trust=0, hold_untrusted_below=1)
    assert d.outcome == "hold" and d.matched == [("untrusted", 0.0, "hold")]
    assert decide({}, RULES, trust=1, hold_untrusted_below=1).outcome == "approve"
    assert decide({"nudity_explicit": 0.9}, RULES, trust=0, hold_untrusted_below=1).outcome == "block"
    # Limited or age-restricted content from an untrusted account still waits for a person.
    assert decide({"spam": 1.0}, RULES, trust=0, hold_untrusted_below=5).outcome == "hold"
    assert decide({"spam": 1.0}, RULES, trust=5, hold_untrusted_below=5).outcome == "limit"
    assert decide({}, RULES, trust=0).outcome == "approve"


@pytest.mark.parametrize("bad", [
    dict(label="", threshold=0.5, outcome="hold"),
    dict(label="x", threshold=1.5, outcome="hold"),
    dict(label="x", threshold=-0.1, outcome="hold"),
    dict(label="x", threshold=float("nan"), outcome="hold"),
    dict(label="x", threshold=0.5, outcome="delete"),
    dict(label="x", threshold=0.5, outcome="hold", min_trust="2"),
])
def test_bad_rules_are_refused(bad):
    with pytest.raises(ValueError):
        Rule(**bad)


def test_thresholds_from_a_database_are_numbers():
    from decimal import Decimal

    assert Rule("x", Decimal("0.55"), "hold").threshold == 0.55
    with pytest.raises(ValueError):
        Rule("x", "0.5", "hold")


def test_defaults_cover_every_detector_label():
    labels = {r.label for r in rules.DEFAULT_RULES}
    assert {"hash_match", "nudity_explicit", "nudity_partial", "suggestive", "profanity", "watched_word",
            "blocked_word"} <= labels
    assert decide({"hash_match": 1.0}, rules.DEFAULT_RULES).outcome == "block"
    assert decide({"profanity": 0.95}, rules.DEFAULT_RULES).outcome == "hold"
    assert decide({"watched_word": 1.0}, rules.DEFAULT_RULES).outcome == "hold"
    assert decide({"blocked_word": 1.0}, rules.DEFAULT_RULES).outcome == "block"
    assert decide({"nudity_partial": 0.6}, rules.DEFAULT_RULES).outcome == "age_restrict"
