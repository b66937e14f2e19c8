"""Counts in the reader's locale, short: "1.2K", "1,2 mil", "1.2万", "1.2 लाख" (CLDR's compact-short patterns).

The same output as the browser's ``Intl.NumberFormat(lang, {notation: "compact"})``, which the JavaScript
uses, so a count reads the same whether the server or the page rendered it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
# language -> (decimal separator, [(unit, suffix), ...] ascending). Below the first unit: the plain number.
_COMPACT = {
    "en": (".", [(10**3, "K"), (10**6, "M"), (10**9, "B"), (10**12, "T")]),
    "es": (",", [(10**3, NBSP + "mil"), (10**6, NBSP + "M")]),
    "pt": (",", [(10**3, NBSP + "mil"), (10**6, NBSP + "mi"), (10**9, NBSP + "bi"), (10**12, NBSP + "tri")]),
    "hi": (".", [(10**3, NBSP + "हज़ार"), (10**5, NBSP + "लाख"), (10**7, NBSP + "क॰"), (10**9, NBSP + "अ॰"),
                 (10**11, NBSP + "ख॰")]),
    "id": (",", [(10**3, NBSP + "rb"), (10**6, NBSP + "jt"), (10**9, NBSP + "M"), (10**12, NBSP + "T")]),
    "ar": (".", [(10**3, NBSP + "ألف"), (10**6, NBSP + "مليون"), (10**9, NBSP + "مليار"),
                 (10**12, NBSP + "ترليون")]),
    "zh-hans": (".", [(10**4, "万"), (10**8, "亿"), (10**12, "万亿")]),
    "zh-hant": (".", [(10**4, "萬"), (10**8, "億"), (10**12, "兆")]),
}


def _table(language: str):
    tag = (language or "en").lower().replace("_", "-")
    if tag in _COMPACT:
        return _COMPACT[tag]
    if tag.startswith("zh"):
        return _COMPACT["zh-hant" if tag in ("zh-tw", "zh-hk", "zh-mo") else "zh-hans"]
    return _COMPACT.get(tag.split("-")[0], _COMPACT["en"])


def _rounded(value: Decimal) -> Decimal:
    # One decimal below 10 ("1.2K"), none above ("12K"), halves up like ICU.
    step = Decimal("0.1") if value < 10 else Decimal("1")
    return value.quantize(step, rounding=ROUND_HALF_UP)


def compact(number, language: str = "en") -> str:
    try:
        n = int(number or 0)
    except (TypeError, ValueError):
        return str(number)
    sign, n = ("-" if n < 0 else ""), abs(n)
    decimal, units = _table(language)
    index = max((i for i, (unit, _suffix) in enumerate(units) if n >= unit), default=None)
    if index is None:
        return f"{sign}{n}"
    value = _rounded(Decimal(n) / units[index][0])
    # 999,999 rounds to "1000K": that is "1M".
    if index + 1 < len(units) and value * units[index][0] >= units[index + 1][0]:
        index += 1
        value = _rounded(Decimal(n) / units[index][0])
    chosen = (value, units[index][1])
    value, suffix = chosen
    text = f"{value.normalize():f}".replace(".", decimal)
    return f"{sign}{text}{suffix}"
