"""Which language a text is in, offline (py3langid ships its model), limited to the languages Reelbox speaks."""

from __future__ import annotations

import functools
import re

from django.conf import settings

# Below this many letters a guess is noise ("ok!", "lol"): leave the language unknown.
MIN_LETTERS = 12
# langid's codes -> our LANGUAGES codes; Chinese is split by script below.
_LANGID_TO_OURS = {"en": "en", "es": "es", "pt": "pt-br", "hi": "hi", "id": "id", "ms": "id", "ar": "ar", "zh": "zh"}
_HANZI = re.compile(r"[\u4e00-\u9fff]")
# Characters that exist only in one of the two scripts (a few very common ones are enough to tell).
_TRADITIONAL_ONLY = set("們這個來時說對會學國們裡麼後於無與為過還開關點體頭電話見氣麵讓從給應場當買賣寫認議覺樂歡")
_SIMPLIFIED_ONLY = set("们这个来时说对会学国里么后于无与为过还开关点体头电话见气面让从给应场当买卖写认议觉乐欢")


def supported() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


@functools.cache
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=sorted(_LANGID_TO_OURS))


def detect(text: str, *, min_confidence: float = 0.7) -> str | None:
    """A LANGUAGES code for ``text``, or None when it is too short or the guess is weak."""
    text = re.sub(r"https?://\S+|[#@][\w.]+", " ", text or "")
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS and not (_HANZI.search(text) and letters >= 4):
        return None
    # Malay and Indonesian are one language to langid's features: their probabilities add up.
    scores: dict[str, float] = {}
    for code, probability in _identifier().rank(text):
        ours = _LANGID_TO_OURS[code]
        scores[ours] = scores.get(ours, 0.0) + float(probability)
    ours, confidence = max(scores.items(), key=lambda kv: kv[1])
    if confidence < min_confidence:
        return None
    if ours == "zh":
        traditional = sum(ch in _TRADITIONAL_ONLY for ch in text)
        simplified = sum(ch in _SIMPLIFIED_ONLY for ch in text)
        ours = "zh-hant" if traditional > simplified else "zh-hans"
    return ours if ours in supported() else None


def normalise(code: str) -> str | None:
    """A LANGUAGES code for a tag like "pt_BR", "zh-Hans", "ES", or None when Reelbox does not offer it."""
    tag = (code or "").strip().replace("_", "-").lower()
    known = supported()
    if tag in known:
        return tag
    aliases = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-sg": "zh-hans", "zh-tw": "zh-hant", "zh-hk": "zh-hant",
               "pt": "pt-br", "en-us": "en", "en-gb": "en"}
    tag = aliases.get(tag, tag.split("-")[0] if tag.split("-")[0] in known else tag)
    return tag if tag in known else None


def name(code: str) -> str:
    """The language's name in the reader's language ("Spanish", "西班牙语")."""
    from django.utils.translation import gettext

    return gettext(dict(settings.LANGUAGES).get(code, code)) if code in supported() else code
