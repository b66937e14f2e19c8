"""Countries (ISO 3166-1 alpha-2, uppercase) from CLDR via Babel: which codes are valid, their names in the
viewer's UI language, and the region a browser's Accept-Language reveals. No database, no request state."""

from __future__ import annotations

import functools
import unicodedata

from babel import Locale, UnknownLocaleError

# CLDR territories with a 2-letter code that are not countries a person lives in: groupings (EU, EZ, UN, QO),
# the unknown region (ZZ), pseudo-locales (XA, XB) and the exceptionally reserved sub-territories of another
# country (Ascension, Clipperton, Sark, Diego Garcia, Ceuta & Melilla, Canary Islands, Tristan da Cunha).
# Deprecated codes (UK, SU, YU, ...) are not in Babel's list at all. Kosovo (XK) stays: CLDR names it a country.
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
# Accept-Language is attacker-sized: only this much of it is parsed.
MAX_HEADER = 1000


@functools.cache
def codes() -> frozenset[str]:
    return frozenset(code for code in Locale.parse("en").territories
                     if len(code) == 2 and code.isascii() and code.isalpha() and code not in NOT_COUNTRIES)


def check(code: str | None) -> str:
    """``normalise``, or a 400 ``invalid_region`` naming what is expected (sign-up, profile, trends API)."""
    normalised = normalise(code)
    if normalised is None:
        from django.utils.translation import gettext as _

        from reelbox.core.errors import ApiError

        raise ApiError(_("region: use a two-letter country code such as BR, or leave it empty."), "invalid_region")
    return normalised


def normalise(code: str | None) -> str | None:
    """The uppercase code, "" for blank (not set), None when it is not a country."""
    code = (code or "").strip()
    if not code:
        return ""
    code = code.upper()
    return code if code in codes() else None


@functools.cache
def _locale(language: str | None) -> Locale:
    """A Django language code ("zh-hans", "pt-br", "en") as a Babel locale ("zh_Hans", "pt_BR"); English when
    Babel does not know it."""
    parts = (language or "en").replace("_", "-").split("-")
    tag = parts[0].lower()
    for sub in parts[1:]:
        if len(sub) == 4 and sub.isalpha():
            tag += "_" + sub.title()
        elif sub:
            tag += "_" + sub.upper()
    for candidate in (tag, parts[0].lower(), "en"):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    raise AssertionError("Babel without English")  # pragma: no cover


def name(code: str, language: str | None) -> str:
    """The country's name in ``language``; the code itself when unknown."""
    return _locale(language).territories.get(code, code) if code else ""


def _sort_key(text: str) -> str:
    # Babel has no collation: accents and case folded away gets "Åland" next to "Albania", which is close
    # enough for a picker (CJK names sort by code point).
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


@functools.cache
def _choices(language: str | None) -> tuple[tuple[str, str], ...]:
    names = _locale(language).territories
    return tuple(sorted(((c, names.get(c, c)) for c in codes()), key=lambda item: (_sort_key(item[1]), item[0])))


def choices(language: str | None) -> list[tuple[str, str]]:
    """Every country as (code, localised name), sorted by the name."""
    return list(_choices(language))


def from_accept_language(header: str | None) -> str:
    """The country of the most preferred language tag that names one ("pt-BR" -> "BR", "zh-Hant-TW" -> "TW"),
    or "". A tag whose region is not a country ("es-419", Latin America) names none."""
    tags = []
    for position, item in enumerate((header or "")[:MAX_HEADER].split(",")[:32]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.strip() and q > 0:
            tags.append((-q, position, tag.strip()))
    for _q, _pos, tag in sorted(tags):
        for sub in tag.replace("_", "-").split("-")[1:]:
            if len(sub) == 4 and sub.isalpha():  # a script ("Hant") comes before the region
                continue
            if len(sub) == 2 and sub.isalpha() or len(sub) == 3 and sub.isdigit():
                return normalise(sub) or ""
            break
    return ""


def of_viewer(user, accept_language: str | None) -> str:
    """The viewer's region: a signed-in person's own setting (blank when they chose "not set"), otherwise the
    browser's Accept-Language."""
    if user is not None and user.is_authenticated:
        return getattr(user, "region", "") or ""
    return from_accept_language(accept_language)
