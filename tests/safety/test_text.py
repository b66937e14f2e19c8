"""The profanity classifier (alt-profanity-check's shipped model) on clean and abusive English."""

from __future__ import annotations

import pytest

from reelbox.safety import text

pytestmark = pytest.mark.usefixtures("profanity_installed")

CLEAN = [
    "What a lovely sunset over the harbour tonight",
    "Thanks for the recipe, I will try it this weekend!",
    "Can you share the name of this song?",
    "",
]
PROFANE = [
    "you are a fucking idiot",
    "shut up you stupid bitch",
    "this is bullshit, what the fuck",
]


def test_clean_sentences_score_low_and_profane_high():
    scores = text.profanity(CLEAN + PROFANE)
    assert len(scores) == len(CLEAN) + len(PROFANE)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert max(scores[: len(CLEAN)]) < 0.5, scores
    assert min(scores[len(CLEAN):]) > 0.9, scores


def test_order_is_kept_and_long_texts_are_cut():
    assert text.profanity([]) == []
    a, b = text.profanity(["you fucking moron", "hello there"])
    assert a > 0.9 > 0.5 > b
    long = "a perfectly polite sentence. " * 2000
    assert text.profanity([long]) == text.profanity([long[: text.MAX_CHARS]])
