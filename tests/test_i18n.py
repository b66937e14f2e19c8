"""Internationalisation: English is the source language; seven catalogues translate it (LOCALES below).

These checks use the standard library only (no gettext tools, no polib), so they run on a machine without
GNU gettext installed:

* every catalogue is complete (no empty or fuzzy entries), keeps every python-format placeholder, has the
  plural forms its language needs, and its compiled .mo matches the .po;
* every string the source marks for translation is in the catalogue, and the catalogue holds nothing
  the source no longer marks (run ``make messages`` after changing a marked string);
* templates contain no user-visible text outside translation tags;
* pages render in each language when the browser or the language switcher asks for it, Arabic right to
  left, and a signed-in person's choice is kept on their account.
"""

from __future__ import annotations

import ast
import io
import re
import struct
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

import reelbox

PACKAGE = Path(reelbox.__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
ZH_DIR = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
ZH_PO = ZH_DIR / "django.po"
ZH_MO = ZH_DIR / "django.mo"
# Catalogue folder -> (Django language code, the Plural-Forms header gettext gives the language).
LOCALES = {
    "zh_Hans": ("zh-hans", "nplurals=1; plural=0;"),
    "zh_Hant": ("zh-hant", "nplurals=1; plural=0;"),
    "es": ("es", "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"),
    "pt_BR": ("pt-br", "nplurals=2; plural=(n > 1);"),
    "hi": ("hi", "nplurals=2; plural=(n != 1);"),
    "id": ("id", "nplurals=1; plural=0;"),
    "ar": ("ar", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && "
                 "n%100<=99 ? 4 : 5;"),
}
REGENERATE = ("make messages (makemessages for every language, scripts/i18n_fill.py fills the catalogues from "
              "scripts/i18n/<locale>.json, then compilemessages); translate what it lists as missing into "
              "scripts/i18n/<locale>.json and run it again")


def po_path(locale: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.po"


def mo_path(locale: str) -> Path:
    return PACKAGE / "locale" / locale / "LC_MESSAGES" / "django.mo"


each_locale = pytest.mark.parametrize("locale", sorted(LOCALES))

# Brand and technical tokens that may appear in templates untranslated.
ALLOWED_TOKENS = ("Reelbox", "@", "+", "·", "#")
LETTER = re.compile(r"[^\W\d_]")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(PACKAGE.parent))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------------
# A small .po reader
# --------------------------------------------------------------------------------------------------

@dataclass
class Entry:
    lineno: int = 0
    path: Path = ZH_PO
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def where(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{_rel(self.path)}:{self.lineno}: msgid {self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str, where: str) -> str:
    def escape(match):
        if match[1] not in _ESCAPES:
            raise ValueError(f"{where}: unknown escape \\{match[1]}")
        return _ESCAPES[match[1]]

    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{where}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", escape, text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries in file order, header (msgid "") included; obsolete (#~) entries are dropped."""
    entries: list[Entry] = []
    entry, target = Entry(), None

    def finish():
        nonlocal entry, target
        if entry.msgid is not None:
            entries.append(entry)
        elif entry.msgstr or entry.msgctxt is not None:
            raise ValueError(f"{path}:{entry.lineno}: entry without msgid")
        entry, target = Entry(), None

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{lineno}"
        if not line:
            finish()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if entry.msgstr:  # a new entry that was not separated by a blank line
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            if entry.msgstr:
                finish()
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{where}: continuation line outside an entry")
            kind, index = target
            value = _unquote(line, where)
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, getattr(entry, kind) + value)
        else:
            match = _KEYWORD.match(line)
            if match is None:
                raise ValueError(f"{where}: cannot parse {raw!r}")
            keyword, index, text = match[1], match[2], _unquote(match[3], where)
            if keyword in ("msgctxt", "msgid") and entry.msgstr:
                finish()
            if keyword == "msgid":
                entry.lineno = lineno
                entry.path = path
            if keyword.startswith("msgstr"):
                number = int(index) if index is not None else 0
                if number in entry.msgstr:
                    raise ValueError(f"{where}: msgstr[{number}] given twice")
                entry.msgstr[number] = text
                target = ("msgstr", number)
            else:
                setattr(entry, keyword, text)
                target = (keyword, None)
    finish()
    return entries


def load_catalogue(path: Path | None = None) -> tuple[Entry, list[Entry]]:
    path = path or ZH_PO
    entries = parse_po(path)
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected exactly one header entry"
    return headers[0], [e for e in entries if e is not headers[0]]


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def nplurals(header: Entry) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_fields(header).get("Plural-Forms", ""))
    assert match, f"{_rel(header.path)}: the header has no Plural-Forms"
    return int(match[1])


# --------------------------------------------------------------------------------------------------
# (a) The catalogue is complete, consistent and compiled
# --------------------------------------------------------------------------------------------------

def test_every_offered_language_has_a_catalogue_and_translation_sources():
    from django.conf import settings

    offered = {code for code, _name in settings.LANGUAGES} - {"en"}
    assert offered == {code for code, _forms in LOCALES.values()}
    for locale in LOCALES:
        assert po_path(locale).exists(), f"{_rel(po_path(locale))} is missing; run: {REGENERATE}"
        assert (PACKAGE.parent / "scripts" / "i18n" / f"{locale}.json").exists()


@each_locale
def test_catalogue_header(locale):
    header, _entries = load_catalogue(po_path(locale))
    fields = header_fields(header)
    assert "fuzzy" not in header.flags, f"{_rel(po_path(locale))}: the header is marked fuzzy"
    assert " ".join(fields.get("Plural-Forms", "").split()) == LOCALES[locale][1]
    assert fields.get("Language") == locale
    assert "charset=UTF-8" in fields.get("Content-Type", "")


@each_locale
def test_catalogue_is_complete(locale):
    header, entries = load_catalogue(po_path(locale))
    forms = nplurals(header)
    assert entries, f"{_rel(po_path(locale))} has no entries"
    problems = []
    for e in entries:
        if "fuzzy" in e.flags:
            problems.append(f"{e.where}: marked fuzzy")
        if e.msgid_plural is None:
            if set(e.msgstr) != {0}:
                problems.append(f"{e.where}: a singular entry must have exactly one msgstr")
            elif not e.msgstr[0]:
                problems.append(f"{e.where}: empty msgstr")
        else:
            if set(e.msgstr) != set(range(forms)):
                problems.append(f"{e.where}: expected msgstr[0..{forms - 1}], found {sorted(e.msgstr)}")
            problems += [f"{e.where}: empty msgstr[{n}]" for n, text in sorted(e.msgstr.items()) if not text]
    assert not problems, (f"Untranslated or fuzzy entries (run: {REGENERATE}):\n" + "\n".join(problems))


_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> tuple[Counter, list[str]]:
    """Named placeholders (as a multiset) and positional ones (in order); %% is not a placeholder."""
    named, positional = Counter(), []
    for match in _FORMAT.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"] is not None:
            named[f"%({match['name']}){match['conv']}"] += 1
        else:
            positional.append(match.group(0))
    return named, positional


@each_locale
def test_catalogue_keeps_python_format_placeholders(locale):
    _header, entries = load_catalogue(po_path(locale))
    problems = []
    for e in entries:
        if "python-format" not in e.flags and "%" not in e.msgid:
            continue
        sources = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        wanted = [placeholders(source) for source in sources]
        for n, text in sorted(e.msgstr.items()):
            if text and placeholders(text) not in wanted:
                named, positional = placeholders(text)
                problems.append(f"{e.where}: msgstr[{n}] has {sorted(named.elements()) + positional}, "
                                f"msgid has {sorted(wanted[-1][0].elements()) + wanted[-1][1]}")
    assert not problems, "Placeholders changed in translation:\n" + "\n".join(problems)


def read_mo(path: Path) -> dict[str, str]:
    """The raw key -> value table of a GNU .mo file (keys: ctxt\\x04msgid[\\x00plural])."""
    data = path.read_bytes()
    (magic,) = struct.unpack("<I", data[:4])
    order = {0x950412DE: "<", 0xDE120495: ">"}.get(magic)
    assert order, f"{_rel(path)} is not a .mo file"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    table = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i:originals + 8 * i + 8])
        tlen, toff = struct.unpack(order + "2I", data[translations + 8 * i:translations + 8 * i + 8])
        table[data[ooff:ooff + olen].decode("utf-8")] = data[toff:toff + tlen].decode("utf-8")
    return table


def _comparable_header(text: str) -> str:
    # Recent msgfmt drops POT-Creation-Date, and makemessages rewrites it on every run.
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("POT-Creation-Date:"))


def expected_mo(header: Entry, entries: list[Entry]) -> dict[str, str]:
    """What msgfmt writes for this .po: translated, non-fuzzy entries plus the header."""
    table = {} if "fuzzy" in header.flags else {"": _comparable_header(header.msgstr.get(0, ""))}
    for e in entries:
        if "fuzzy" in e.flags or not any(e.msgstr.values()):
            continue
        key = (e.msgctxt + "\x04" if e.msgctxt is not None else "") + e.msgid
        if e.msgid_plural is not None:
            key += "\x00" + e.msgid_plural
        table[key] = "\x00".join(e.msgstr[n] for n in sorted(e.msgstr))
    return table


@each_locale
def test_mo_is_compiled_from_the_current_po(locale):
    # Compared by content rather than by mtime: a fresh git checkout gives both files arbitrary mtimes.
    mo, po = mo_path(locale), po_path(locale)
    assert mo.exists(), f"{_rel(mo)} is missing; run: {REGENERATE}"
    compiled = read_mo(mo)
    if "" in compiled:
        compiled[""] = _comparable_header(compiled[""])
    expected = expected_mo(*load_catalogue(po))
    stale = sorted(set(compiled) ^ set(expected)) + sorted(
        k for k in set(compiled) & set(expected) if compiled[k] != expected[k])
    assert not stale, (f"{_rel(mo)} does not match {_rel(po)} (run compilemessages); differing msgids:\n"
                       + "\n".join(repr(k.split("\x00")[0]) for k in stale))


# --------------------------------------------------------------------------------------------------
# (b) The catalogue holds every string the source marks, and nothing else
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Marked:
    msgctxt: str | None
    msgid: str
    msgid_plural: str | None
    where: str


_DJANGO_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)
_QUOTED = r"""(?:"[^"]*"|'[^']*')"""
_TRANSLATE_TAG = re.compile(r"\{%\s*trans(?:late)?\s+(?P<msg>" + _QUOTED + r")(?P<rest>.*?)%\}", re.DOTALL)
_CONTEXT = re.compile(r"\bcontext\s+(?P<ctx>" + _QUOTED + ")")
_BLOCKTRANSLATE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b(?P<args>.*?)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}", re.DOTALL)
_PLURAL_TAG = re.compile(r"\{%\s*plural\s*%\}")
_BLOCK_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_ANY_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_CONSTANT = re.compile(r"""\b_\(\s*(?P<msg>""" + _QUOTED + r""")\s*\)""")


def _lineno(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _blocktranslate_message(body: str, trimmed: bool) -> str:
    """The msgid Django builds from a blocktranslate body: {{ var }} -> %(var)s, literal % -> %%."""
    parts = []
    for i, piece in enumerate(_BLOCK_VAR.split(body)):
        parts.append(f"%({piece})s" if i % 2 else piece.replace("%", "%%"))
    message = "".join(parts)
    return re.sub(r"\s*\n\s*", " ", message.strip()) if trimmed else message


def scan_template(path: Path) -> list[Marked]:
    text = path.read_text(encoding="utf-8")
    # Blank out comments (keeping offsets) so that commented-out markup is not extracted.
    text = _DJANGO_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)
    found = []

    def at(offset):
        return f"{_rel(path)}:{_lineno(text, offset)}"

    for m in _TRANSLATE_TAG.finditer(text):
        context = _CONTEXT.search(m["rest"])
        found.append(Marked(context["ctx"][1:-1] if context else None, m["msg"][1:-1].replace("%", "%%"), None,
                            at(m.start())))
    for m in _BLOCKTRANSLATE.finditer(text):
        context = _CONTEXT.search(m["args"])
        trimmed = "trimmed" in m["args"].split()
        pieces = _PLURAL_TAG.split(m["body"], maxsplit=1)
        singular = _blocktranslate_message(pieces[0], trimmed)
        plural = _blocktranslate_message(pieces[1], trimmed) if len(pieces) > 1 else None
        found.append(Marked(context["ctx"][1:-1] if context else None, singular, plural, at(m.start())))
    for tag in _ANY_TAG.finditer(text):
        for m in _CONSTANT.finditer(tag[0]):
            found.append(Marked(None, m["msg"][1:-1], None, at(tag.start())))
    return found


# name -> (context argument, msgid argument, plural argument), as Django's makemessages passes to xgettext.
_PY_KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
_SKIP_TOKENS = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}


def _literal(tokens: list[tokenize.TokenInfo]) -> str | None:
    """The value of an argument made only of (implicitly concatenated) plain string literals, else None."""
    if not tokens or any(t.type != tokenize.STRING for t in tokens):
        return None  # a variable, an expression, or (Python >= 3.12) an f-string
    value = ""
    for t in tokens:
        prefix = re.match(r"[A-Za-z]*", t.string)[0].lower()
        if "f" in prefix or "b" in prefix:
            return None
        value += ast.literal_eval(t.string)
    return value


def _call_arguments(tokens: list[tokenize.TokenInfo], start: int) -> list[list[tokenize.TokenInfo]]:
    """Arguments of the call whose "(" is just before ``start``, as token lists."""
    args, current, depth = [], [], 0
    for t in tokens[start:]:
        if t.type == tokenize.OP and t.string in "([{":
            depth += 1
        elif t.type == tokenize.OP and t.string in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif t.type == tokenize.OP and t.string == "," and depth == 0:
            args.append(current)
            current = []
            continue
        current.append(t)
    if current:
        args.append(current)
    return args


def scan_python(path: Path) -> list[Marked]:
    source = path.read_text(encoding="utf-8")
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in _SKIP_TOKENS]
    found = []
    for i, t in enumerate(tokens[:-1]):
        if t.type != tokenize.NAME or t.string not in _PY_KEYWORDS or tokens[i + 1].string != "(":
            continue
        if i and tokens[i - 1].string == "def":
            continue
        ctx_arg, msg_arg, plural_arg = _PY_KEYWORDS[t.string]
        args = _call_arguments(tokens, i + 2)

        values = [_literal(a) for a in args]

        def arg(n, values=values):
            return values[n] if n is not None and n < len(values) else None

        msgid = arg(msg_arg)
        if msgid is None or (ctx_arg is not None and arg(ctx_arg) is None):
            continue
        if plural_arg is not None and arg(plural_arg) is None:
            continue
        found.append(Marked(arg(ctx_arg), msgid, arg(plural_arg), f"{_rel(path)}:{t.start[0]}"))
    return found


def marked_in_source() -> list[Marked]:
    """What makemessages would extract for the "django" domain (templates and Python, static/ excluded)."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if not path.is_file() or relative.parts[0] in ("static", "locale") or any(
                part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.suffix in (".html", ".txt"):
            found += scan_template(path)
        elif path.suffix == ".py":
            found += scan_python(path)
    return found


def test_scanner_understands_the_marking_styles(tmp_path):
    template = tmp_path / "t.html"
    template.write_text(
        """{% load i18n %}{% translate "Double" %} {% trans 'Single' %} {% translate "Ctx" context "menu" %}
{# {% translate "Commented" %} #}{% translate "100%" %}
{% blocktranslate with name=user.name %}Hi {{ name }}, 5%{% endblocktranslate %}
{% blocktranslate count counter=n trimmed %}
  {{ counter }} cat
{% plural %}
  {{ counter }} cats
{% endblocktranslate %}{{ _("Constant") }}""", encoding="utf-8")
    module = tmp_path / "m.py"
    module.write_text(
        '''x = _("a") + gettext('b') + gettext_lazy("c" 'd') + gettext_noop(
    "e")
y = ngettext("one", "many", n) + pgettext("ctx", "f") + _(f"skip {x}") + _(variable)
def gettext_noop(message): return message
''', encoding="utf-8")
    got = {(m.msgctxt, m.msgid, m.msgid_plural) for m in scan_template(template) + scan_python(module)}
    assert got == {
        (None, "Double", None), (None, "Single", None), ("menu", "Ctx", None), (None, "100%%", None),
        (None, "Hi %(name)s, 5%%", None), (None, "%(counter)s cat", "%(counter)s cats"), (None, "Constant", None),
        (None, "a", None), (None, "b", None), (None, "cd", None), (None, "e", None), (None, "one", "many"),
        ("ctx", "f", None),
    }


@each_locale
def test_every_marked_string_is_in_the_catalogue(locale):
    _header, entries = load_catalogue(po_path(locale))
    catalogue = {e.key: e for e in entries}
    marked = marked_in_source()
    assert marked, "the scanner found no marked strings at all"
    problems = []
    for m in marked:
        entry = catalogue.get((m.msgctxt, m.msgid))
        context = f" (context {m.msgctxt!r})" if m.msgctxt is not None else ""
        if entry is None:
            problems.append(f"{m.where}: {m.msgid!r}{context} is not in the catalogue")
        elif entry.msgid_plural != m.msgid_plural:
            problems.append(f"{m.where}: {m.msgid!r}{context} has plural {m.msgid_plural!r} in the source, "
                            f"{entry.msgid_plural!r} in the catalogue")
    assert not problems, f"Catalogue out of date; run: {REGENERATE}\n" + "\n".join(problems)


@each_locale
def test_catalogue_has_no_leftover_entries(locale):
    _header, entries = load_catalogue(po_path(locale))
    marked = {(m.msgctxt, m.msgid) for m in marked_in_source()}
    leftover = [e.where for e in entries if e.key not in marked]
    assert not leftover, (f"Entries no longer marked in the source (regenerate with --no-obsolete: {REGENERATE}):\n"
                          + "\n".join(leftover))


# --------------------------------------------------------------------------------------------------
# (c) Templates have no user-visible text outside translation tags
# --------------------------------------------------------------------------------------------------

_SCRIPT_STYLE = re.compile(r"(<(script|style)\b[^>]*>)(.*?)(</\2\s*>)", re.DOTALL | re.IGNORECASE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HTML_TAG = re.compile(r"<[!/?]?[A-Za-z][^>]*>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]\w*);")
# Attributes a person reads or hears; data-i18n-* carry the strings the JavaScript shows.
_TEXT_ATTRIBUTE = re.compile(
    r"""\s(?P<name>placeholder|aria-label|title|alt|data-i18n-[\w-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""",
    re.IGNORECASE)
_ALLOWED = re.compile("|".join(r"\b" + re.escape(t) + r"\b" if t[0].isalnum() else re.escape(t)
                               for t in ALLOWED_TOKENS))


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match[0])


def _has_words(text: str) -> bool:
    return bool(LETTER.search(_ALLOWED.sub(" ", text)))


_BLOCK_START = re.compile(r"\{%\s*block\s+(\w+)\s*%\}")


def attribute_blocks() -> set[str]:
    """Names of {% block %}s that a template places inside an HTML tag, e.g. class="{% block body_class %}".

    A child template's content for such a block is an attribute value, not visible text.
    """
    names = set()
    for path in TEMPLATES.rglob("*.html"):
        text = _DJANGO_COMMENT.sub(_blank, path.read_text(encoding="utf-8"))
        flat = _ANY_TAG.sub(_blank, text)
        for m in _BLOCK_START.finditer(text):
            before = flat[:m.start()]
            if before.rfind("<") > before.rfind(">"):
                names.add(m[1])
    return names


def unmarked_template_text(path: Path, in_attributes: set[str] = frozenset()) -> list[str]:
    text = path.read_text(encoding="utf-8")
    # Every step replaces what it removes with spaces, so offsets (and line numbers) stay put.
    text = _DJANGO_COMMENT.sub(_blank, text)
    for name in in_attributes:
        block = re.compile(r"\{%\s*block\s+" + re.escape(name) + r"\s*%\}.*?\{%\s*endblock\b[^%]*%\}", re.DOTALL)
        text = block.sub(_blank, text)
    text = _BLOCKTRANSLATE.sub(_blank, text)  # translated, including its body text
    text = _ANY_TAG.sub(_blank, text)  # {% ... %} and {{ ... }}
    text = _HTML_COMMENT.sub(_blank, text)
    text = _SCRIPT_STYLE.sub(lambda m: m[1] + re.sub(r"[^\n]", " ", m[3]) + m[4], text)
    found = []
    for m in _TEXT_ATTRIBUTE.finditer(text):
        value = m["dq"] if m["dq"] is not None else m["sq"]
        if _has_words(value):
            found.append(f"{_rel(path)}:{_lineno(text, m.start())}: {m['name']}={value.strip()!r}")
    text = _HTML_TAG.sub(_blank, text)
    text = _ENTITY.sub(_blank, text)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if _has_words(line):
            found.append(f"{_rel(path)}:{lineno}: {' '.join(line.split())!r}")
    return found


def test_template_checker_finds_unmarked_text(tmp_path):
    template = tmp_path / "t.html"
    template.write_text(
        """{% load i18n %}<title>{% block title %}Reelbox{% endblock %}</title>
<p>{% translate "Fine" %} · @{{ user.username }} #1 +</p>{# a comment #}<!-- an HTML comment -->
<p>Oops</p>
<input placeholder="{% translate 'Fine' %}" aria-label="Search" alt="{{ v.caption }}" data-i18n-x="Nope">
<script>const s = "not text";</script><style>p::after { content: "x"; }</style>
<p>{% blocktranslate %}Fine {{ n }}{% endblocktranslate %} Hello {{ name }}&nbsp;</p>
{% block body_class %}classname{% endblock %}{% block main %}Visible{% endblock main %}
""", encoding="utf-8")
    found = unmarked_template_text(template, {"body_class"})
    assert [f.split(":", 2)[1:] for f in found] == [
        ["4", " aria-label='Search'"], ["4", " data-i18n-x='Nope'"],
        ["3", " 'Oops'"], ["6", " 'Hello'"], ["7", " 'Visible'"]]
    assert "body_class" in attribute_blocks()


def test_templates_have_no_unmarked_text():
    templates = sorted(p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix in (".html", ".txt"))
    assert templates
    in_attributes = attribute_blocks()
    found = [line for path in templates for line in unmarked_template_text(path, in_attributes)]
    assert not found, ("User-visible template text not marked for translation (wrap it in {% translate %} "
                       "or {% blocktranslate %}):\n" + "\n".join(found))


# --------------------------------------------------------------------------------------------------
# (d) Pages render in Chinese
# --------------------------------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes outside script/style, and the readable attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        for name, value in attrs:
            if value and (name in ("placeholder", "aria-label", "title", "alt") or name.startswith("data-i18n-")):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


@pytest.mark.django_db
def test_browser_language_picks_chinese(client):
    response = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert response["Content-Language"] == "zh-hans"
    text = visible_text(html)
    for chinese in ("登录", "注册", "用户名", "密码", "首页"):
        assert chinese in text, f"{chinese!r} missing from the Chinese log-in page: {text}"
    assert "Log in" not in text


@pytest.mark.django_db
def test_english_stays_the_default(client):
    html = client.get("/login").content.decode()
    assert '<html lang="en"' in html
    assert "Log in" in visible_text(html) and "登录" not in html


@pytest.mark.django_db
def test_language_switcher_sets_chinese_and_follows_next(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/signup"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/signup", 302)]
    assert client.cookies["django_language"].value == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    text = visible_text(html)
    for chinese in ("注册", "已有账号？", "至少 8 个字符"):
        assert chinese in text, f"{chinese!r} missing from the Chinese sign-up page: {text}"
    assert "Sign up" not in text
    # The choice sticks for later pages.
    assert '<html lang="zh-hans"' in client.get("/login").content.decode()


@pytest.mark.django_db
def test_home_feed_in_chinese_has_no_english_ui(client):
    response = client.get("/", headers={"Accept-Language": "zh-Hans"})
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "推荐" in text and "首页" in text and "登录" in text
    english = [word for word in ("Home", "Log in", "Profile", "For You", "Tap to unmute", "Create")
               if re.search(rf"\b{re.escape(word)}\b", text)]
    assert not english, f"English UI strings on the Chinese home page: {english}\n{text}"


# --------------------------------------------------------------------------------------------------
# (e) Every language: pages, right to left, the account's choice, counts
# --------------------------------------------------------------------------------------------------

# The log-in page's title in each language: rendered means the catalogue is compiled and found.
LOG_IN = {"zh-hans": "登录", "zh-hant": "登入", "es": "Iniciar sesión", "pt-br": "Entrar", "hi": "लॉग इन करें",
          "id": "Masuk", "ar": "تسجيل الدخول"}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(LOG_IN))
def test_every_language_renders_the_log_in_page(client, code):
    response = client.get("/login", headers={"Accept-Language": code})
    html = response.content.decode()
    assert f'<html lang="{code}"' in html
    assert f'dir="{"rtl" if code == "ar" else "ltr"}"' in html
    text = visible_text(html)
    assert LOG_IN[code] in text, text
    assert "Log in" not in text and "Password" not in text


@pytest.mark.django_db
def test_the_picker_keeps_the_choice_on_the_account(client, make_user):
    user = make_user()
    client.login(username=user.username, password=user.raw_password)
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/login"})
    assert response.status_code == 302 and client.cookies["django_language"].value == "ar"
    user.refresh_from_db()
    assert user.language == "ar"
    # Another device (no cookie) gets the account's language, not the browser's.
    from django.test import Client

    other = Client()
    other.login(username=user.username, password=user.raw_password)
    html = other.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    # An unknown language is refused by Django's view and never stored.
    client.post("/i18n/setlang/", {"language": "tlh"})
    user.refresh_from_db()
    assert user.language == "ar"


def test_picker_lists_every_language_in_its_own_script(client, db):
    html = client.get("/login").content.decode()
    for name in ("English", "简体中文", "繁體中文", "español", "Português Brasileiro", "हिंदी", "Bahasa Indonesia",
                 "العربيّة"):
        assert name in html


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["999", "1.2K", "12K", "1.2M", "1.2B"]),
    ("es", ["999", "1,2\u00a0mil", "12\u00a0mil", "1,2\u00a0M", "1235\u00a0M"]),
    ("pt-br", ["999", "1,2\u00a0mil", "12\u00a0mil", "1,2\u00a0mi", "1,2\u00a0bi"]),
    ("hi", ["999", "1.2\u00a0हज़ार", "12\u00a0हज़ार", "12\u00a0लाख", "1.2\u00a0अ॰"]),
    ("id", ["999", "1,2\u00a0rb", "12\u00a0rb", "1,2\u00a0jt", "1,2\u00a0M"]),
    ("ar", ["999", "1.2\u00a0ألف", "12\u00a0ألف", "1.2\u00a0مليون", "1.2\u00a0مليار"]),
    ("zh-hans", ["999", "1234", "1.2万", "123万", "12亿"]),
    ("zh-hant", ["999", "1234", "1.2萬", "123萬", "12億"]),
])
def test_compact_counts_match_the_browsers_intl_numberformat(language, expected):
    # The figures are what Chromium's Intl.NumberFormat(language, {notation: "compact"}) prints, which the
    # JavaScript uses for the same counts.
    from reelbox.core.numbers import compact

    numbers = [999, 1234, 12345, 1234567, 1234567890]
    got = [compact(n, language) for n in numbers]
    assert got == expected
    assert compact(999_999, "en") == "1M" and compact(0, language) == "0"


@pytest.mark.django_db
def test_profile_counts_are_compact_in_the_readers_language(client, make_user):
    from reelbox.videos.models import Video
    from tests.factories import ready_video

    author = make_user()
    video = ready_video(author)
    Video.objects.filter(pk=video.pk).update(view_count=12345)
    html = client.get(f"/@{author.username}", headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "1.2万 次观看" in visible_text(html)
    html = client.get(f"/@{author.username}", headers={"Accept-Language": "es"}).content.decode()
    assert "12\u00a0mil visualizaciones" in html


# --------------------------------------------------------------------------------------------------
# (f) The catalogue filler (scripts/i18n_fill.py) that makes translating new strings mechanical
# --------------------------------------------------------------------------------------------------

def test_i18n_fill_fills_checks_and_lists_what_is_missing(tmp_path, monkeypatch):
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("i18n_fill", PACKAGE.parent / "scripts" / "i18n_fill.py")
    fill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fill)
    folder = tmp_path / "locale" / "ar" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text('''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;\\n"

#, python-format
msgid "Hello %(name)s"
msgstr ""

#, python-format
msgid "%(n)s like"
msgid_plural "%(n)s likes"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""
msgstr[3] ""
msgstr[4] ""
msgstr[5] ""

#, fuzzy
#| msgid "Old"
msgid "New"
msgstr "قديم"

msgctxt "menu"
msgid "Open"
msgstr ""
''', encoding="utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "ar.json").write_text(json.dumps({
        "Hello %(name)s": "مرحبا %(nom)s",  # a wrong placeholder is refused
        "%(n)s like": [f"%(n)s إعجاب {i}" for i in range(6)],
        "menu\u0004Open": "فتح",
    }, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(fill, "LOCALE", tmp_path / "locale")
    monkeypatch.setattr(fill, "SOURCES", sources)
    assert fill.main(["--check", "--missing", str(tmp_path / "missing")]) == 1
    entries = {e.msgid: e for e in parse_po(folder / "django.po")}
    assert entries["%(n)s like"].msgstr[5] == "%(n)s إعجاب 5" and entries["Open"].msgstr[0] == "فتح"
    assert entries["Hello %(name)s"].msgstr[0] == ""
    assert entries["New"].msgstr[0] == "" and "fuzzy" not in entries["New"].flags  # a guess is not a translation
    missing = json.loads((tmp_path / "missing" / "ar.json").read_text(encoding="utf-8"))
    assert set(missing) == {"Hello %(name)s", "New"}
    # Translate the missing file, merge it, and the catalogue is complete.
    missing.update({"Hello %(name)s": "مرحبا %(name)s", "New": "جديد"})
    (tmp_path / "missing" / "ar.json").write_text(json.dumps(missing, ensure_ascii=False), encoding="utf-8")
    assert fill.main(["--check", "--merge", str(tmp_path / "missing" / "ar.json")]) == 0
    assert {e.msgid: e.msgstr[0] for e in parse_po(folder / "django.po")}["Hello %(name)s"] == "مرحبا %(name)s"


def test_i18n_fill_drafts_traditional_chinese_in_taiwan_usage(tmp_path, monkeypatch):
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("i18n_fill", PACKAGE.parent / "scripts" / "i18n_fill.py")
    fill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fill)
    (tmp_path / "zh_Hans.json").write_text(json.dumps({"Follow": "关注", "Video": "视频", "Kept": "简体",
                                                       "%(n)s comments": ["%(n)s 条评论"]}), encoding="utf-8")
    (tmp_path / "zh_Hant.json").write_text(json.dumps({"Kept": "人工翻譯"}), encoding="utf-8")
    monkeypatch.setattr(fill, "SOURCES", tmp_path)
    assert fill.derive_hant() == 3
    hant = json.loads((tmp_path / "zh_Hant.json").read_text(encoding="utf-8"))
    assert hant == {"Follow": "追蹤", "Video": "影片", "Kept": "人工翻譯", "%(n)s comments": ["%(n)s 條留言"]}
