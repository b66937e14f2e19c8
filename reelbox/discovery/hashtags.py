"""Hashtags in captions, in any script: pure functions, no Django import.

A hashtag is "#" (or the full-width "＃") followed by letters, combining marks, digits, underscores and the
zero-width joiners some scripts need inside words; punctuation or whitespace ends it. It must hold a letter
("#1" is a ranking, not a tag) and may not follow a word character ("abc#def", "&#39;" are not tags).
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 100
MAX_PER_CAPTION = 30
_HASH = {"#", "\uff03"}
_JOINERS = {"\u200c", "\u200d"}


def _word_char(ch: str) -> bool:
    return ch == "_" or ch in _JOINERS or unicodedata.category(ch)[0] in "LMN"


def normalize(tag: str) -> str:
    """The matching form of a tag: NFKC + casefold (twice NFKC: casefolding can denormalise)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag or "").casefold()).strip("#\uff03")


def parse(text: str) -> list[tuple[str, str]]:
    """The caption's hashtags as (normalised name, display form), first occurrence first, no duplicates."""
    text = unicodedata.normalize("NFC", text or "")
    found: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n and len(found) < MAX_PER_CAPTION:
        ch = text[i]
        if ch not in _HASH or (i > 0 and (_word_char(text[i - 1]) or text[i - 1] == "&")):
            i += 1
            continue
        j = i + 1
        while j < n and _word_char(text[j]):
            j += 1
        word = text[i + 1:j].strip("".join(_JOINERS))
        i = max(j, i + 1)
        if not word or len(word) > MAX_LENGTH or not any(unicodedata.category(c)[0] == "L" for c in word):
            continue
        name = normalize(word)
        if name and name not in found:
            found[name] = word
    return list(found.items())


def names(text: str) -> list[str]:
    return [name for name, _display in parse(text)]


def clean(value: str) -> str | None:
    """A tag typed alone (a challenge's tag, a URL): its normalised name, or None when it is not one tag."""
    value = (value or "").strip()
    if not value.startswith(tuple(_HASH)):
        value = "#" + value
    tags = parse(value)
    return tags[0][0] if len(tags) == 1 and len(tags[0][1]) == len(value) - 1 else None
