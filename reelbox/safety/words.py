"""Watched words: admin-editable lists of words, phrases and regular expressions that tag text with labels.

An entry is ``(pattern, is_regex, label, language)``. Matching is done on a normalised copy of the text,
so that trivial disguises do not slip through and every script behaves:

- Unicode NFKC (full-width letters, ligatures, compatibility forms fold to plain ones) and case folding
  (``Straße`` = ``STRASSE``);
- invisible format characters (zero-width joiners and spaces, soft hyphens, direction marks) removed;
- Arabic: diacritics (harakat, tanween) and tatweel removed, alef forms (أ إ آ ٱ) to ا, ى to ي, ة to ه;
- runs of white space to one space.

Plain entries are normalised the same way, then:

- words in scripts written with spaces match whole words only (``ass`` does not tag ``class``);
- words containing Chinese, Japanese, Korean, Thai, Lao, Khmer or Myanmar characters, scripts written
  without spaces between words, match anywhere (substring);
- Arabic words also match with the attached prefixes and pronoun suffixes of written Arabic
  (و ف ب ك ل ال ... / ه ها هم ك كم ...), which are not separated by spaces.

Regex entries use the ``regex`` module (Unicode properties such as ``\\p{Han}``), case-insensitively,
on the normalised text. They are checked when the list is built: a pattern that does not compile, that
matches empty text (it would tag everything), or that backtracks catastrophically on probe strings is
refused with a ValueError naming the entry. At match time every search also runs under a timeout; a
search that times out counts as a match (fail closed: text crafted to stall a pattern is suspicious).

Entries with a language apply to texts in that language (``zh`` covers ``zh-hans``) and to texts whose
language is unknown (""); entries without one apply to every text. A label's score is 1.0 when any of its
entries matched. Conventional labels: ``watched_word`` (hold for review) and ``blocked_word`` (block), see
``rules.DEFAULT_RULES``; admins may use any label their rules know.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex

log = logging.getLogger("reelbox.safety")

MAX_PATTERN = 500
MAX_LABEL = 64
MAX_ENTRIES = 20_000
MAX_TEXT = 20_000  # characters of one text that are matched (comments and bios are far shorter)
REGEX_TIMEOUT_S = 0.05
PROBE_TIMEOUT_S = 0.05
PROBE_LENGTH = 256

_NO_SPACE_SCRIPTS = regex.compile(
    r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}]")
_ARABIC = regex.compile(r"\p{Arabic}")
_ARABIC_MARKS = regex.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
_FORMAT = regex.compile(r"\p{Cf}")
_SPACES = regex.compile(r"\s+")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
_ARABIC_PREFIX = r"(?:[وف]?(?:[بكل]?ال|لل|[بكل])?)"
_ARABIC_SUFFIX = r"(?:ه|ها|هم|هما|هن|ك|كم|كما|كن|ي|نا|ني|ات|ون|ين|ان)?"
_FLAGS = regex.IGNORECASE | regex.FULLCASE | regex.UNICODE | regex.V0


def normalise(text: str) -> str:
    """The form both texts and plain entries are compared in (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _FORMAT.sub("", text)
    if _ARABIC.search(text):
        text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FOLD)
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Hit:
    pattern: str  # the entry as the admin wrote it
    label: str
    language: str
    matched: str  # the normalised text that matched ("" when the search timed out)


@dataclass(frozen=True)
class _Group:
    """Plain entries of one label, language and matching mode, searched as one alternation."""

    label: str
    language: str
    compiled: regex.Pattern
    originals: dict[str, str]  # normalised word -> the entry as written


@dataclass(frozen=True)
class _Regex:
    pattern: str
    label: str
    language: str
    compiled: regex.Pattern


class WordList:
    """A compiled list; build it once per change of the lists and share it (matching is thread-safe)."""

    def __init__(self, entries: Iterable[tuple[str, bool, str, str]]):
        plain: dict[tuple[str, str, str], dict[str, str]] = {}
        self._regexes: list[_Regex] = []
        count = 0
        for number, entry in enumerate(entries, 1):
            count = number
            if number > MAX_ENTRIES:
                raise ValueError(f"a word list holds at most {MAX_ENTRIES} entries")
            pattern, is_regex, label, language = _check_entry(number, entry)
            if is_regex:
                self._regexes.append(_Regex(pattern, label, language, _compile_regex(number, pattern)))
                continue
            word = normalise(pattern)
            if not word:
                raise ValueError(f"entry {number} ({pattern!r}): nothing left to match once normalised")
            mode = "anywhere" if _NO_SPACE_SCRIPTS.search(word) else "arabic" if _ARABIC.match(word) else "word"
            plain.setdefault((label, language, mode), {})[word] = pattern
        self._groups = [
            _Group(label, language, _alternation(mode, tuple(sorted(words, key=lambda w: (-len(w), w)))), words)
            for (label, language, mode), words in plain.items()
        ]
        self.size = count

    def find(self, text: str, language: str = "") -> list[Hit]:
        """Every entry that matches ``text`` (plain entries: the longest at each place), in list order."""
        norm = normalise((text or "")[:MAX_TEXT])
        if not norm:
            return []
        wanted = _language(language)
        hits: list[Hit] = []
        for group in self._groups:
            if not _applies(group.language, wanted):
                continue
            seen: set[str] = set()
            for m in group.compiled.finditer(norm):
                word = m.group("w")
                if word not in seen:
                    seen.add(word)
                    hits.append(Hit(group.originals[word], group.label, group.language, m.group(0)))
        for entry in self._regexes:
            if not _applies(entry.language, wanted):
                continue
            try:
                m = entry.compiled.search(norm, timeout=REGEX_TIMEOUT_S)
            except TimeoutError:
                log.warning("watched-word pattern %r timed out on a %d-character text; counted as a match",
                            entry.pattern, len(norm))
                hits.append(Hit(entry.pattern, entry.label, entry.language, ""))
                continue
            if m is not None:
                hits.append(Hit(entry.pattern, entry.label, entry.language, m.group(0)))
        return hits

    def labels(self, text: str, language: str = "") -> dict[str, float]:
        """Label -> 1.0 for every label with a matching entry."""
        return {hit.label: 1.0 for hit in self.find(text, language)}

    def __len__(self) -> int:
        return self.size


def _check_entry(number: int, entry) -> tuple[str, bool, str, str]:
    try:
        pattern, is_regex, label, language = entry
    except (TypeError, ValueError):
        raise ValueError(f"entry {number}: expected (pattern, is_regex, label, language)") from None
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"entry {number}: the pattern is empty")
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"entry {number} ({pattern[:20]!r}...): a pattern has at most {MAX_PATTERN} characters")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL:
        raise ValueError(f"entry {number} ({pattern!r}): the label must be 1-{MAX_LABEL} characters")
    return pattern, bool(is_regex), label.strip(), _language(language or "")


def _language(code: str) -> str:
    return (code or "").strip().replace("_", "-").lower()


def _applies(entry_language: str, text_language: str) -> bool:
    if not entry_language or not text_language:
        return True
    return text_language == entry_language or text_language.startswith(entry_language + "-")


@functools.lru_cache(maxsize=1024)
def _alternation(mode: str, words: tuple[str, ...]) -> regex.Pattern:
    # Words and texts are both case-folded already, so no IGNORECASE (it would slow every comparison).
    body = "|".join(regex.escape(w) for w in words)
    if mode == "anywhere":
        return regex.compile(f"(?P<w>{body})", regex.UNICODE)
    if mode == "arabic":
        return regex.compile(rf"(?<!\w){_ARABIC_PREFIX}(?P<w>{body}){_ARABIC_SUFFIX}(?!\w)", regex.UNICODE)
    return regex.compile(rf"(?<!\w)(?P<w>{body})(?!\w)", regex.UNICODE)


def _compile_regex(number: int, pattern: str) -> regex.Pattern:
    try:
        return _compile_checked(pattern)
    except ValueError as exc:
        raise ValueError(f"entry {number} ({pattern!r}): {exc}") from None


@functools.lru_cache(maxsize=4096)
def _compile_checked(pattern: str) -> regex.Pattern:
    # Only what normalisation removes from texts is removed from the pattern: folding case or NFKC
    # could change what the expression means (\W to \w, full-width brackets to groups).
    source = _FORMAT.sub("", pattern)
    if _ARABIC.search(source):
        source = _ARABIC_MARKS.sub("", source).translate(_ARABIC_FOLD)
    try:
        compiled = regex.compile(source, _FLAGS)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    if compiled.search("") is not None:
        raise ValueError("the expression matches empty text, so it would tag every text")
    for probe in _probes(source):
        try:
            compiled.search(probe, timeout=PROBE_TIMEOUT_S)
        except TimeoutError:
            raise ValueError("the expression backtracks catastrophically (nested repetition?); "
                             "rewrite it without repeated groups of repeats") from None
    return compiled


def _probes(source: str) -> list[str]:
    """Strings on which a catastrophically backtracking pattern shows itself: long runs of one of its own
    characters (or a few common ones), then a character that makes the match fail at the very end."""
    chars = [c for c in dict.fromkeys(normalise(source)) if c.isalnum()][:8] + ["a", "0", " "]
    probes = []
    for ch in dict.fromkeys(chars):
        run = ch * PROBE_LENGTH
        probes += [run + "\x00", run + "!" + run]
    probes.append("ab " * (PROBE_LENGTH // 3) + "\x00")
    return probes
