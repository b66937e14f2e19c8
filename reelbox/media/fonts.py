"""Fonts for text overlays, from pip-installed packages (no system fonts needed).

Contract:

- ``font_for(text) -> Path``: the font file covering most of ``text`` (Latin,
  Greek, Cyrillic, Arabic, Hebrew, the Indic scripts, Thai, Khmer, ..., CJK,
  symbols and emoji), for callers that can use only one font.
- ``runs(text) -> list[tuple[str, Face]]``: ``text`` split, in logical order,
  into runs each set in one font, for per-character fallback: each character
  takes the first font of ``ORDER`` that has a glyph for it, and a run keeps
  its font while that font covers the next character (spaces, digits and
  punctuation stay with their neighbours). Marks and format characters (ZWJ,
  variation selectors) always stay in the current run.
- ``Face`` is (path, index into a font collection, named variation).

Fonts: manimgx-fonts (Noto Sans and the Noto Sans faces of 19 other scripts,
Noto Sans Symbols, Noto Emoji, monochrome) and manimgx-fonts-cjk (Noto Sans CJK,
variable; the Japanese, Korean or Simplified Chinese face is chosen by the
text: kana -> JP, Hangul -> KR, else SC). Both SIL OFL 1.1, core dependencies.
Coverage comes from each font's cmap (fontTools), read once per process and
only for fonts a text actually needs.
"""

from __future__ import annotations

import functools
import importlib.util
import unicodedata
from dataclasses import dataclass
from pathlib import Path


class FontMissing(RuntimeError):
    """A font package is not installed (a broken install, not bad input)."""


@dataclass(frozen=True)
class Face:
    path: Path
    index: int = 0
    variation: str | None = "Bold"  # bold reads better over video


# Fallback order: Latin first (the most common, and it has the best punctuation), scripts, CJK, symbols, emoji.
_SCRIPTS = ("Arabic", "Hebrew", "Devanagari", "Bengali", "Gujarati", "Gurmukhi", "Tamil", "Telugu", "Kannada",
            "Malayalam", "Oriya", "Sinhala", "Thai", "Lao", "Khmer", "Myanmar", "Armenian", "Georgian", "Ethiopic")
_CJK_INDEX = {"jp": 0, "kr": 1, "sc": 2, "tc": 3, "hk": 4}


@functools.cache
def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FontMissing(f"font package {package!r} is not installed (reinstall reelbox)")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def _file(package: str, name: str) -> Path:
    path = _package_dir(package) / name
    if not path.is_file():
        raise FontMissing(f"{path} is missing from {package!r}")
    return path


def _cjk_region(text: str) -> str:
    for ch in text:
        cp = ord(ch)
        if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF:
            return "jp"
        if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
            return "kr"
    return "sc"


def order(text: str = "") -> list[Face]:
    """The fallback list for ``text`` (its CJK face depends on the text)."""
    faces = [Face(_file("manimgx_fonts", "NotoSans[wght].ttf"))]
    faces += [Face(_file("manimgx_fonts", f"NotoSans{script}[wght].ttf")) for script in _SCRIPTS]
    faces.append(Face(_file("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc"), _CJK_INDEX[_cjk_region(text)]))
    faces.append(Face(_file("manimgx_fonts", "NotoSansSymbols[wght].ttf")))
    faces.append(Face(_file("manimgx_fonts", "NotoEmoji[wght].ttf")))
    return faces


@functools.cache
def coverage(face: Face) -> frozenset[int]:
    """The code points ``face`` has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(str(face.path), fontNumber=face.index, lazy=True) as font:
        return frozenset(font["cmap"].getBestCmap() or {})


def _sticky(ch: str) -> bool:
    # Marks, joiners and variation selectors belong to the character before them.
    return unicodedata.category(ch) in ("Mn", "Me", "Mc", "Cf") or 0xFE00 <= ord(ch) <= 0xFE0F


def runs(text: str) -> list[tuple[str, Face]]:
    """``text`` as (substring, face) runs in logical order (see the module docstring)."""
    faces = order(text)
    result: list[tuple[str, Face]] = []
    current: Face | None = None
    chunk = ""
    for ch in text:
        cp = ord(ch)
        if current is not None and (_sticky(ch) or ch.isspace() or cp in coverage(current)):
            chunk += ch
            continue
        face = next((f for f in faces if cp in coverage(f)), faces[0])
        if current is None:
            current, chunk = face, ch
        elif face == current:
            chunk += ch
        else:
            result.append((chunk, current))
            current, chunk = face, ch
    if chunk:
        result.append((chunk, current or faces[0]))
    return result


def font_for(text: str) -> Path:
    """The single font file covering most characters of ``text``."""
    counts: dict[Face, int] = {}
    for chunk, face in runs(text):
        counts[face] = counts.get(face, 0) + sum(not ch.isspace() for ch in chunk)
    if not counts:
        return order()[0].path
    return max(counts, key=counts.get).path
