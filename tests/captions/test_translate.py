"""Translation backends (apertium offline, LibreTranslate over HTTP against a fake server), the cache, and the
"Translated from X" caption translation through the API."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reelbox.captions import translate
from reelbox.captions.models import Translation
from tests.captions.conftest import upload
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def _apertium_with(pair: str) -> translate.Apertium:
    backend = translate.Apertium()
    require_service(bool(backend.binary) and pair in backend._modes,
                    f"apertium with the {pair} pair is not installed (apt-get install apertium apertium-eng-spa)")
    return backend


def test_apertium_translates_english_to_spanish_offline():
    backend = _apertium_with("eng-spa")
    assert ("en", "es") in backend.pairs() and ("es", "en") in backend.pairs()
    out = backend.translate("Hello world, this is a test.", "en", "es")
    assert "Hola" in out and "prueba" in out
    with pytest.raises(translate.TranslationUnavailable):
        backend.translate("Hello", "en", "hi")


def test_apertium_pivots_through_spanish_for_portuguese():
    backend = _apertium_with("eng-spa")
    require_service("es-pt_BR" in backend._modes,
                    "apertium's Spanish-Portuguese pair is not installed (apt-get install apertium-es-pt)")
    assert ("en", "pt-br") in backend.pairs() and ("pt-br", "en") in backend.pairs()
    out = backend.translate("Welcome to the beach.", "en", "pt-br")
    assert "praia" in out and "bem-vindo" in out.lower()


class FakeLibreTranslate(BaseHTTPRequestHandler):
    """Enough of LibreTranslate's API: /languages and /translate (upper-cases the text, tags the target)."""

    calls: list[dict] = []

    def do_GET(self):
        if self.path != "/languages":
            self.send_error(404)
            return
        self._json([{"code": "en", "name": "English", "targets": ["es", "ar", "zh"]},
                    {"code": "es", "name": "Spanish", "targets": ["en"]}])

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeLibreTranslate.calls.append(body)
        if self.path != "/translate" or body.get("source") == "xx":
            self.send_error(400)
            return
        self._json({"translatedText": "\n".join(f"[{body['target']}] {line.upper()}"
                                                for line in body["q"].split("\n"))})

    def _json(self, data):
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@pytest.fixture
def libretranslate(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLibreTranslate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLibreTranslate.calls = []
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.REELBOX = {**settings.REELBOX, "TRANSLATE": {"BACKEND": "auto", "URL": url, "API_KEY": "k"}}
    yield url
    server.shutdown()
    server.server_close()


def test_libretranslate_backend_and_the_cache(libretranslate):
    backend = translate.get_translator()
    assert backend.name == "libretranslate"
    assert ("en", "zh-hans") in backend.pairs() and ("es", "en") in backend.pairs()
    first = translate.translate("good morning", "en", "zh-hans")
    assert first.text == "[zh] GOOD MORNING" and not first.cached
    assert FakeLibreTranslate.calls[-1] == {"q": "good morning", "source": "en", "target": "zh", "format": "text",
                                            "api_key": "k"}
    again = translate.translate("good morning", "en", "zh-hans")
    assert again.cached and again.text == first.text and len(FakeLibreTranslate.calls) == 1
    assert Translation.objects.count() == 1
    # Another pair is another entry; an unreachable server is a clear TranslationUnavailable, not a crash.
    assert translate.translate("good morning", "en", "ar").text == "[ar] GOOD MORNING"
    with pytest.raises(translate.TranslationUnavailable):
        translate.LibreTranslate("http://127.0.0.1:9").translate("x", "en", "es")


def test_no_backend_is_reported_not_raised(settings):
    settings.REELBOX = {**settings.REELBOX, "TRANSLATE": {"BACKEND": "none", "URL": "", "API_KEY": ""}}
    assert translate.get_translator().name == "none"
    with pytest.raises(translate.TranslationUnavailable):
        translate.translate("hello", "en", "es")


VTT = "WEBVTT\n\n00:00.000 --> 00:01.500\nGood morning\n\n00:01.500 --> 00:04.000\nSee you tomorrow\n"


def test_caption_track_and_caption_text_translated_through_the_api(auth_api, own_video, api, libretranslate):
    upload(auth_api, own_video, VTT, "en")
    r = api.client.get(f"/api/v1/videos/{own_video.public_id}/captions/en.vtt", {"to": "es"})
    assert r.status_code == 200 and r["X-Translated-From"] == "en" and r["Content-Language"] == "es"
    text = r.content.decode()
    assert "00:00:01.500 --> 00:00:04.000\n[es] SEE YOU TOMORROW" in text and "[es] GOOD MORNING" in text
    assert len(FakeLibreTranslate.calls) == 1  # the whole track in one request

    own_video.language = "en"
    own_video.save()
    r = api.get(f"/api/v1/videos/{own_video.public_id}/translation", to="es",
                headers={"Accept-Language": "es"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["text"] == "[es] A DAY AT THE BEACH WITH FRIENDS AND FAMILY"
    assert body["source_language"] == "en" and body["translated_from"] == "Traducido (original: Inglés)"
    assert api.get(f"/api/v1/videos/{own_video.public_id}/translation", to="es").json()["cached"] is True
    assert api.get(f"/api/v1/videos/{own_video.public_id}/translation", to="tlh").status_code == 400


def test_translation_unavailable_is_a_clear_409(auth_api, own_video, api, settings):
    settings.REELBOX = {**settings.REELBOX, "TRANSLATE": {"BACKEND": "none", "URL": "", "API_KEY": ""}}
    own_video.language = "en"
    own_video.save()
    r = api.get(f"/api/v1/videos/{own_video.public_id}/translation", to="es")
    assert r.status_code == 409 and r.json()["code"] == "translation_unavailable"


@pytest.mark.skipif(not shutil.which("apertium"), reason="apertium is not installed")
def test_apertium_is_the_default_backend_when_installed(settings, auth_api, own_video, api):
    _apertium_with("eng-spa")
    settings.REELBOX = {**settings.REELBOX, "TRANSLATE": {"BACKEND": "auto", "URL": "", "API_KEY": ""}}
    upload(auth_api, own_video, VTT, "en")
    r = api.client.get(f"/api/v1/videos/{own_video.public_id}/captions/en.vtt", {"to": "es"})
    assert r.status_code == 200, r.content
    assert "Buenos días" in r.content.decode() or "Bueno" in r.content.decode()
