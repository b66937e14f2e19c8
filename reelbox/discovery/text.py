"""Search text: one tokeniser for every database, so SQLite FTS5 and PostgreSQL index the same terms.

Terms are folded (NFKC, casefold, Latin accents dropped so "cafe" finds "café"); scripts written without
spaces (Han, kana, Thai...) become single characters plus overlapping bigrams, so a part of a sentence is
found. Each term is then spelled in the letters a-p (its UTF-8 bytes as nibbles) before it reaches the
database: both full-text engines keep such a word whole, whatever the script, and nothing a user types
can be read as query syntax. The encoding keeps prefixes, which suggestions as you type rely on.

Pure functions, no Django import.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM = 40
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
_JOINERS = {"\u200c", "\u200d"}
_ASCII_WORD = re.compile(r"[a-z0-9_]+")


def _unspaced(ch: str) -> bool:
    """Characters of scripts written without spaces between words."""
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF  # CJK, kana
            or 0x0E00 <= o <= 0x0EFF or 0x1000 <= o <= 0x109F or 0x1780 <= o <= 0x17FF  # Thai, Lao, Myanmar, Khmer
            or 0xFF66 <= o <= 0xFF9F)


def fold(text: str) -> str:
    """NFKC + casefold, with combining marks dropped after Latin, Greek and Cyrillic letters only: in
    Devanagari or Arabic the marks are part of the spelling."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and out and ord(out[-1]) < 0x0530:
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _is_word(ch: str) -> bool:
    return ch == "_" or ch in _JOINERS or unicodedata.category(ch)[0] in "LMN"


def words(text: str) -> list[str]:
    """Folded words in order; runs of an unspaced script come back as their own words."""
    if text.isascii():  # the common case, without a per-character Unicode lookup
        return [w for w in (m.strip("_") for m in _ASCII_WORD.findall(text.lower())) if w]
    out: list[str] = []
    cur: list[str] = []
    unspaced = False

    def flush() -> None:
        if cur:
            w = "".join(cur).strip("_" + "".join(_JOINERS))
            if w:
                out.append(w)
            cur.clear()

    for ch in fold(text):
        if not _is_word(ch):
            flush()
            continue
        u = _unspaced(ch) or (unspaced and unicodedata.category(ch)[0] == "M")
        if cur and u != unspaced:
            flush()
        unspaced = u
        cur.append(ch)
    flush()
    return out


def is_unspaced(word: str) -> bool:
    return not word.isascii() and any(_unspaced(c) for c in word)


def index_terms(text: str) -> list[str]:
    """Every term a text is found by (readable, not yet encoded)."""
    terms: list[str] = []
    for w in words(text):
        if is_unspaced(w):
            terms.extend(w)
            terms.extend(w[i:i + 2] for i in range(len(w) - 1))
        else:
            terms.append(w[:MAX_TERM])
    return terms


def query_words(query: str) -> list[str]:
    """A query's words, at most MAX_QUERY_TERMS. The query is trimmed first: a 10 KB query costs what a
    short one does."""
    return [w[:MAX_TERM] for w in words((query or "")[:MAX_QUERY_CHARS])][:MAX_QUERY_TERMS]


def word_terms(word: str) -> list[str]:
    """The terms one query word needs, all of them (an unspaced word needs each of its bigrams)."""
    if is_unspaced(word) and len(word) > 1:
        return [word[i:i + 2] for i in range(len(word) - 1)]
    return [word]


def query_terms(query: str) -> list[list[str]]:
    return [word_terms(w) for w in query_words(query)]


_HEX_TO_AP = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def encode(term: str) -> str:
    """A term as letters a-p (two per UTF-8 byte): one plain word for every tokeniser, prefix-preserving."""
    return term.encode("utf-8").hex().translate(_HEX_TO_AP)


def encode_text(text: str) -> str:
    return " ".join(encode(t) for t in index_terms(text))


# ---- typo tolerance -----------------------------------------------------------------------------------


def trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity as pg_trgm defines it: shared / union of padded trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / max(len(ta | tb), 1)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Damerau-Levenshtein (adjacent swaps count once), stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def max_typos(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2
