"""Machine translation behind one interface: Debian's apertium offline, or a self-hosted LibreTranslate server.

Chosen by configuration (REELBOX_TRANSLATE_BACKEND, REELBOX_TRANSLATE_URL); every result is cached in the
Translation table, so a caption is translated once per language pair, whoever asks.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

# Our LANGUAGES codes -> LibreTranslate's codes.
LIBRETRANSLATE_CODES = {"en": "en", "es": "es", "pt-br": "pt", "id": "id", "hi": "hi", "ar": "ar",
                        "zh-hans": "zh", "zh-hant": "zt"}
MAX_CHARS = 20_000
TIMEOUT_S = 30


class TranslationUnavailable(Exception):
    """No backend translates this pair (or none is configured, or it failed)."""


@dataclass(frozen=True)
class Translated:
    text: str
    source_language: str
    target_language: str
    backend: str
    cached: bool


class Translator:
    name = "none"

    def pairs(self) -> set[tuple[str, str]]:
        return set()

    def translate(self, text: str, source: str, target: str) -> str:
        raise TranslationUnavailable(f"no translator for {source} -> {target}")


class Apertium(Translator):
    """Rule-based and offline: `apertium` processes with the language pairs installed via apt.

    Pair packages name their modes with ISO 639-3 codes (eng-spa) or older two-letter ones (es-pt, es-pt_BR);
    a pair missing directly is offered through one pivot language (en -> es -> pt-br) when both halves are
    installed.
    """

    name = "apertium"
    # Our LANGUAGES codes -> the mode codes apertium packages use for them, preferred first.
    CODES = {"en": ("eng", "en", "eng_US"), "es": ("spa", "es"), "pt-br": ("pt_BR", "por", "pt"),
             "id": ("ind", "id"), "hi": ("hin", "hi"), "ar": ("ara", "ar")}

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("apertium")

    @functools.cached_property
    def _modes(self) -> set[str]:
        if not self.binary:
            return set()
        try:
            out = subprocess.run([self.binary, "-l"], capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            return set()
        return {line.strip() for line in out.splitlines() if line.strip()}

    @functools.cached_property
    def _direct(self) -> dict[tuple[str, str], str]:
        """(source, target) -> the installed mode that translates it, the most specific variant first."""
        found: dict[tuple[str, str], str] = {}
        for src, src_codes in self.CODES.items():
            for dst, dst_codes in self.CODES.items():
                if src == dst:
                    continue
                for a in src_codes:
                    mode = next((f"{a}-{b}" for b in dst_codes if f"{a}-{b}" in self._modes), None)
                    if mode:
                        found[(src, dst)] = mode
                        break
        return found

    def _route(self, source: str, target: str) -> list[str] | None:
        if (source, target) in self._direct:
            return [self._direct[(source, target)]]
        for (a, pivot), first in self._direct.items():
            if a == source and (pivot, target) in self._direct:
                return [first, self._direct[(pivot, target)]]
        return None

    def pairs(self) -> set[tuple[str, str]]:
        return {(a, b) for a in self.CODES for b in self.CODES if a != b and self._route(a, b)}

    def translate(self, text: str, source: str, target: str) -> str:
        route = self._route(source, target)
        if route is None:
            raise TranslationUnavailable(f"apertium has no {source} -> {target} pair installed")
        for mode in route:
            text = self._run(mode, text)
        return text

    def _run(self, mode: str, text: str) -> str:
        # -u: no marks on unknown words (a "*" before every word apertium does not know).
        try:
            done = subprocess.run([self.binary, "-u", mode], input=text, capture_output=True, text=True,
                                  timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise TranslationUnavailable(f"apertium failed: {exc}") from exc
        if done.returncode != 0:
            raise TranslationUnavailable(f"apertium failed: {done.stderr.strip()[:200]}")
        return done.stdout.rstrip("\n")


class LibreTranslate(Translator):
    """A self-hosted LibreTranslate server (POST /translate, GET /languages)."""

    name = "libretranslate"

    def __init__(self, url: str, api_key: str = ""):
        self.url = url.rstrip("/")
        self.api_key = api_key

    def _request(self, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.url + path, data=data, method="POST" if data else "GET",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                return json.loads(response.read(2_000_000))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TranslationUnavailable(f"LibreTranslate at {self.url} failed: {exc}") from exc

    def pairs(self) -> set[tuple[str, str]]:
        try:
            languages = self._request("/languages")
        except TranslationUnavailable:
            return set()
        ours = {v: k for k, v in LIBRETRANSLATE_CODES.items()}
        found = set()
        for language in languages if isinstance(languages, list) else []:
            src = ours.get(language.get("code"))
            for code in language.get("targets", []):
                if src and ours.get(code) and ours[code] != src:
                    found.add((src, ours[code]))
        return found

    def translate(self, text: str, source: str, target: str) -> str:
        if source not in LIBRETRANSLATE_CODES or target not in LIBRETRANSLATE_CODES:
            raise TranslationUnavailable(f"LibreTranslate has no {source} -> {target}")
        payload = {"q": text, "source": LIBRETRANSLATE_CODES[source], "target": LIBRETRANSLATE_CODES[target],
                   "format": "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        body = self._request("/translate", payload)
        if not isinstance(body, dict) or not isinstance(body.get("translatedText"), str):
            raise TranslationUnavailable(f"LibreTranslate answered {str(body)[:200]}")
        return body["translatedText"]


def get_translator() -> Translator:
    """The configured backend: LibreTranslate when a URL is set, else apertium when installed, else none."""
    conf = settings.REELBOX["TRANSLATE"]
    backend = conf["BACKEND"]
    if backend == "libretranslate" or (backend == "auto" and conf["URL"]):
        return LibreTranslate(conf["URL"], conf["API_KEY"])
    if backend in ("apertium", "auto") and shutil.which("apertium"):
        return Apertium()
    return Translator()


def translate(text: str, source: str, target: str, translator: Translator | None = None) -> Translated:
    """``text`` in ``target``, from the cache or the backend; raises TranslationUnavailable."""
    from reelbox.captions.models import Translation

    text = text[:MAX_CHARS]
    if source == target or not text.strip():
        return Translated(text, source, target, "none", True)
    digest = hashlib.sha256(text.encode()).hexdigest()
    row = Translation.objects.filter(digest=digest, source_language=source, target_language=target).first()
    if row is not None:
        return Translated(row.text, source, target, row.backend, True)
    translator = translator or get_translator()
    result = translator.translate(text, source, target)
    try:
        with transaction.atomic():
            Translation.objects.create(digest=digest, source_language=source, target_language=target,
                                       backend=translator.name, text=result)
    except IntegrityError:  # another request translated the same text at the same moment
        pass
    return Translated(result, source, target, translator.name, False)
