"""Watched words: whole words vs substrings, regexes, case and Unicode, languages, and hostile patterns."""

from __future__ import annotations

import time

import pytest

from reelbox.safety import words
from reelbox.safety.words import WordList


def labels(entries, text, language=""):
    return WordList(entries).labels(text, language)


def test_plain_words_match_whole_words_only():
    wl = WordList([("ass", False, "watched_word", ""), ("buy followers", False, "spam", "")])
    assert wl.labels("what an ass!") == {"watched_word": 1.0}
    assert wl.labels("ASS") == {"watched_word": 1.0}
    assert wl.labels("first class passage, assassin") == {}
    # Phrases match across any white space, but not inside longer words.
    assert wl.labels("Buy   followers\nnow") == {"spam": 1.0}
    assert wl.labels("buy followersXL") == {}
    assert wl.labels("") == {}


def test_case_folding_and_compatibility_forms():
    wl = WordList([("straße", False, "watched_word", ""), ("scam", False, "spam", "")])
    assert wl.labels("STRASSE") == {"watched_word": 1.0}
    # Full-width letters and a zero-width space inside the word do not disguise it.
    assert wl.labels("ＳＣＡＭ alert") == {"spam": 1.0}
    assert wl.labels("sc\u200bam alert") == {"spam": 1.0}
    assert wl.labels("Scammer") == {}


def test_cjk_words_match_inside_text():
    wl = WordList([("傻瓜", False, "insult", "zh"), ("ばか", False, "insult", "ja"), ("바보", False, "insult", "")])
    assert wl.labels("你真是个傻瓜啊", "zh-hans") == {"insult": 1.0}
    assert wl.labels("あなたはばかです", "ja") == {"insult": 1.0}
    assert wl.labels("너는바보야") == {"insult": 1.0}
    assert wl.labels("你真是个好人") == {}


def test_arabic_with_diacritics_prefixes_and_alef_forms():
    wl = WordList([("كلب", False, "insult", "ar"), ("أحمق", False, "insult", "ar")])
    assert wl.labels("أنت كلب", "ar") == {"insult": 1.0}
    assert wl.labels("أنتَ كَلْبٌ", "ar") == {"insult": 1.0}  # harakat and tanween
    assert wl.labels("يا والكلب", "ar") == {"insult": 1.0}  # attached و + ال
    assert wl.labels("انت احمق", "ar") == {"insult": 1.0}  # written without the hamza
    assert wl.labels("كـــلب", "ar") == {"insult": 1.0}  # tatweel
    assert wl.labels("كلبشة", "ar") == {}  # another word that starts the same


def test_languages_scope_entries():
    wl = WordList([("tonto", False, "insult", "es"), ("idiot", False, "insult", "")])
    assert wl.labels("eres tonto", "es") == {"insult": 1.0}
    assert wl.labels("eres tonto", "es-MX") == {"insult": 1.0}
    assert wl.labels("eres tonto", "") == {"insult": 1.0}  # unknown language: every list applies
    assert wl.labels("eres tonto", "en") == {}
    assert wl.labels("idiot", "es") == {"insult": 1.0}


def test_regexes_with_unicode_properties():
    wl = WordList([
        (r"\bfree\s+v-?bucks\b", True, "spam", ""),
        (r"(?:whats?app|telegram)\W*\+?\d[\d\s-]{7,}", True, "spam", ""),
        (r"\p{Han}{2}币", True, "crypto", "zh"),
    ])
    assert wl.labels("FREE V-Bucks here") == {"spam": 1.0}
    assert wl.labels("WhatsApp: +44 7700 900123") == {"spam": 1.0}
    assert wl.labels("买狗狗币", "zh") == {"crypto": 1.0}
    assert wl.labels("no spam in here") == {}
    [hit] = wl.find("free vbucks")
    assert (hit.pattern, hit.label, hit.matched) == (r"\bfree\s+v-?bucks\b", "spam", "free vbucks")


@pytest.mark.parametrize(("entry", "message"), [
    (("(unclosed", True, "x", ""), r"entry 2 \('\(unclosed'\): invalid regular expression"),
    (("a*", True, "x", ""), r"entry 2 \('a\*'\): the expression matches empty text"),
    (("(a|aa)+$", True, "x", ""), r"entry 2 .*backtracks catastrophically"),
    (("(x+x+)+y", True, "x", ""), r"entry 2 .*backtracks catastrophically"),
    (("   ", False, "x", ""), r"entry 2: the pattern is empty"),
    (("word", False, "", ""), r"entry 2 \('word'\): the label"),
    (("\u200b", False, "x", ""), r"entry 2 .*nothing left to match"),
    (("x" * 501, False, "x", ""), r"entry 2 .*at most 500"),
    (("too", "few"), r"entry 2: expected"),
])
def test_bad_entries_are_refused_naming_the_entry(entry, message):
    with pytest.raises(ValueError, match=message):
        WordList([("fine", False, "ok", ""), entry])


def test_a_slow_regex_is_bounded_at_match_time(monkeypatch):
    # A pattern the probes did not catch (here: probes switched off) still cannot stall matching.
    monkeypatch.setattr(words, "_probes", lambda source: [])
    monkeypatch.setattr(words, "REGEX_TIMEOUT_S", 0.02)
    words._compile_checked.cache_clear()
    wl = WordList([("(a|aa)+$", True, "watched_word", "")])
    started = time.perf_counter()
    hits = wl.find("a" * 60 + "!")
    elapsed = time.perf_counter() - started
    # Fail closed: the timed-out entry counts as a match, and the search stopped early (exhausting
    # this backtracking takes longer than the age of the universe).
    assert [(h.label, h.matched) for h in hits] == [("watched_word", "")]
    assert elapsed < 5
    words._compile_checked.cache_clear()


def test_many_words_and_overlaps():
    wl = WordList([(f"word{i}", False, "watched_word", "") for i in range(2000)]
                  + [("bad", False, "watched_word", ""), ("bad word", False, "blocked_word", "")])
    assert len(wl) == 2002
    assert wl.labels("x word1999 y") == {"watched_word": 1.0}
    assert wl.labels("a bad word") == {"blocked_word": 1.0, "watched_word": 1.0}
