#!/usr/bin/env python3
"""Fill the gettext catalogues from per-language JSON files, so translating new strings is a mechanical step.

    make messages          # makemessages for every language, this script, compilemessages

Translations live in scripts/i18n/<locale>.json: {"msgid": "translation"}, a list of plural forms for a plural
entry (as many as the catalogue's Plural-Forms asks for), and "context\\u0004msgid" keys for msgctxt entries.
The .po files are generated; the JSON files are the source of truth that survives a regeneration.

    scripts/i18n_fill.py                 fill every catalogue; untranslated msgids are listed
    scripts/i18n_fill.py --missing DIR   also write DIR/<locale>.json with the entries still to translate
                                         (translate the values, then --merge the file)
    scripts/i18n_fill.py --merge FILE... add translated files (named <locale>.json) to scripts/i18n/
    scripts/i18n_fill.py --export        write what the .po files already hold into the JSON files
    scripts/i18n_fill.py --derive-hant   add to zh_Hant.json what only zh_Hans.json has, converted with OpenCC
                                         (s2twp, Taiwan phrasing) and Reelbox's own terms (追蹤, 私訊, 留言...)
    scripts/i18n_fill.py --check         exit 1 when a catalogue has an untranslated entry
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "reelbox" / "locale"
SOURCES = Path(__file__).resolve().parent / "i18n"
SOURCE_LANGUAGE = "en"
_FORMAT = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{\w*\}")


def key(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid


def locales() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / "django.po").exists()
                  and p.name != SOURCE_LANGUAGE)


def load(locale: str) -> dict:
    path = SOURCES / f"{locale}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save(locale: str, table: dict) -> None:
    path = SOURCES / f"{locale}.json"
    path.write_text(json.dumps(dict(sorted(table.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match[1]) if match else 2


def problem(entry: polib.POEntry, value, forms: int) -> str | None:
    """Why a translation cannot be used for this entry, or None."""
    if entry.msgid_plural:
        if not isinstance(value, list) or len(value) != forms or not all(value):
            return f"needs a list of {forms} non-empty plural forms"
        texts, sources = value, [entry.msgid, entry.msgid_plural]
    else:
        if not isinstance(value, str) or not value:
            return "needs a non-empty string"
        texts, sources = [value], [entry.msgid]
    wanted = [sorted(set(_FORMAT.findall(s))) for s in sources]
    for text in texts:
        got = sorted(set(_FORMAT.findall(text)))
        # A singular form may drop the count ("one video" for "%(count)s video"), never invent a name.
        if got not in wanted and not set(got) <= set(wanted[-1]):
            return f"placeholders {got} do not match {wanted[-1]}"
    return None


def fill(locale: str, missing_dir: Path | None) -> list[str]:
    path = LOCALE / locale / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path), wrapwidth=79)
    table, forms, missing, todo = load(locale), nplurals(po), [], {}
    for entry in po:
        if entry.obsolete:
            continue
        value = table.get(key(entry))
        why = problem(entry, value, forms) if value is not None else "not translated"
        if why is None:
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(value))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            continue
        if "fuzzy" in entry.flags:
            # makemessages' guess from a similar msgid: often wrong, placeholders included. Untranslated is
            # honest; the guess is gone from the .po but the JSON keeps every real translation.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {n: "" for n in range(forms)} if entry.msgid_plural else {}
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        translated = entry.translated()
        if not translated:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            missing.append(f"{where}:{entry.linenum}: {entry.msgid!r}: {why}")
            todo[key(entry)] = [entry.msgid, entry.msgid_plural] + [""] * (forms - 2) if entry.msgid_plural \
                else entry.msgid
    po.metadata["Language"] = locale
    po.metadata.setdefault("Content-Type", "text/plain; charset=UTF-8")
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    if po.metadata.get("Last-Translator", "").startswith("FULL NAME"):
        po.metadata["Last-Translator"] = "Reelbox <i18n@reelbox.invalid>"
    if po.metadata.get("Language-Team", "").startswith("LANGUAGE"):
        po.metadata["Language-Team"] = locale
    if "fuzzy" in po.metadata_is_fuzzy or po.metadata_is_fuzzy:
        po.metadata_is_fuzzy = []
    po.save()
    if missing_dir and todo:
        missing_dir.mkdir(parents=True, exist_ok=True)
        (missing_dir / f"{locale}.json").write_text(json.dumps(todo, ensure_ascii=False, indent=1) + "\n",
                                                     encoding="utf-8")
    return missing


def export(locale: str) -> None:
    po = polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"))
    table = load(locale)
    for entry in po:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.translated():
            continue
        table[key(entry)] = ([entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
                             if entry.msgid_plural else entry.msgstr)
    save(locale, table)


# OpenCC's Taiwan phrasing leaves a few mainland UI terms; these are the ones Taiwanese apps use.
_HANT_TERMS = [("郵箱", "電子郵件"), ("下劃線", "底線"), ("賬號", "帳號"), ("最多隻能", "最多只能"), ("透過", "通過"),
               ("點贊", "按讚"), ("個贊", "個讚"), ("釋出", "發布"), ("點選", "點按"), ("訪問令牌", "存取權杖"),
               ("畫素", "像素"), ("稽核", "審核"), ("“", "「"), ("”", "」"), ("自動檢測", "自動偵測"), ("識別", "辨識"),
               ("印度尼西亞語", "印尼語"), ("取消拉黑", "解除封鎖"), ("拉黑", "封鎖"), ("關注", "追蹤"), ("私信", "私訊"),
               ("評論", "留言"), ("群聊", "群組"), ("會話", "對話")]


def derive_hant() -> int:
    """Traditional Chinese drafts from Simplified for entries zh_Hant lacks (review them like any translation)."""
    from opencc import OpenCC  # opencc-python-reimplemented, in the test extra

    convert = OpenCC("s2twp").convert

    def hant(text: str) -> str:
        text = convert(text)
        for simplified_usage, taiwan in _HANT_TERMS:
            text = text.replace(simplified_usage, taiwan)
        return text

    hans, table = load("zh_Hans"), load("zh_Hant")
    added = {k: [hant(x) for x in v] if isinstance(v, list) else hant(v) for k, v in hans.items() if k not in table}
    save("zh_Hant", {**table, **added})
    return len(added)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--missing", type=Path, help="write the entries still to translate into this folder")
    parser.add_argument("--merge", nargs="+", type=Path, help="translated <locale>.json files to add")
    parser.add_argument("--export", action="store_true", help="copy the .po translations into the JSON files")
    parser.add_argument("--check", action="store_true", help="exit 1 when an entry is untranslated")
    parser.add_argument("--derive-hant", action="store_true", help="draft zh_Hant from zh_Hans with OpenCC")
    parser.add_argument("locales", nargs="*", help="default: every catalogue but the source language")
    args = parser.parse_args(argv)
    if args.merge:
        for path in args.merge:
            table = load(path.stem)
            table.update({k: v for k, v in json.loads(path.read_text(encoding="utf-8")).items() if v})
            save(path.stem, table)
    if args.derive_hant:
        print(f"{derive_hant()} zh_Hant entries drafted from zh_Hans", file=sys.stderr)
    chosen = args.locales or locales()
    if args.export:
        for locale in chosen:
            export(locale)
        return 0
    missing = [line for locale in chosen for line in fill(locale, args.missing)]
    for line in missing:
        print(line, file=sys.stderr)
    print(f"{len(chosen)} catalogues filled, {len(missing)} entries untranslated", file=sys.stderr)
    return 1 if args.check and missing else 0


if __name__ == "__main__":
    sys.exit(main())
