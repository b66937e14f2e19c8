"""Each video's language: detected offline from its caption and uploaded tracks, or set by the creator."""

from __future__ import annotations

import pytest

from reelbox.captions import languages
from reelbox.videos import actions as video_actions
from reelbox.videos.models import Video
from tests.captions.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello everyone, welcome to my cooking channel", "en"),
    ("Hola a todos, bienvenidos a mi canal de cocina", "es"),
    ("Olá pessoal, bem-vindos ao meu canal de culinária", "pt-br"),
    ("Halo semuanya, selamat datang di saluran masak saya", "id"),
    ("सभी को नमस्ते, मेरे खाना पकाने के चैनल में आपका स्वागत है", "hi"),
    ("مرحبا بالجميع، أهلا بكم في قناة الطبخ الخاصة بي", "ar"),
    ("大家好，欢迎来到我的美食频道，这里有很多好吃的", "zh-hans"),
    ("大家好，歡迎來到我的美食頻道，這裡有很多好吃的", "zh-hant"),
    ("lol ok", None),
    ("#fyp #viral @someone https://example.test/x", None),
])
def test_detects_the_languages_reelbox_speaks(text, expected):
    assert languages.detect(text) == expected


def test_normalises_tags():
    assert languages.normalise("pt_BR") == "pt-br" and languages.normalise("zh-TW") == "zh-hant"
    assert languages.normalise("ES") == "es" and languages.normalise("tlh") is None


def _run_on_commit(callbacks):
    for callback in callbacks:
        callback()


def test_language_detected_when_the_caption_is_saved(auth_api, own_video, drain, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        video_actions.update_video(own_video, caption="Hola a todos, hoy vamos a la playa con mis amigos")
    drain()
    assert Video.objects.get(pk=own_video.pk).language == "es"


def test_uploaded_tracks_count_for_detection(auth_api, drain, django_capture_on_commit_callbacks):
    from tests.factories import ready_video

    video = ready_video(auth_api.user, caption="#fyp")
    vtt = ("WEBVTT\n\n00:00.000 --> 00:02.000\nSelamat pagi semuanya, apa kabar hari ini\n\n"
           "00:02.000 --> 00:04.000\nKita akan pergi ke pantai bersama teman\n")
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(auth_api, video, vtt, "id").status_code == 201
    drain()
    assert Video.objects.get(pk=video.pk).language == "id"


def test_the_creator_sets_the_language_and_detection_keeps_it(auth_api, own_video, drain,
                                                               django_capture_on_commit_callbacks):
    url = f"/api/v1/videos/{own_video.public_id}"
    with django_capture_on_commit_callbacks(execute=True):
        r = auth_api.patch(url, {"language": "pt-BR"})
    assert r.status_code == 200 and r.json()["language"] == "pt-br"
    drain()
    with django_capture_on_commit_callbacks(execute=True):
        auth_api.patch(url, {"caption": "Hello everyone and welcome to the beach today"})
    drain()
    assert Video.objects.get(pk=own_video.pk).language == "pt-br"
    r = auth_api.patch(url, {"language": "klingon"})
    assert r.status_code == 400 and r.json()["detail"].startswith("language:")


def test_language_set_at_upload_and_refused_before_storing(auth_api, clips, drain):
    clip = clips(duration=1.0)
    with open(clip, "rb") as fh:
        r = auth_api.client.post("/api/v1/videos", {"file": fh, "caption": "hi", "language": "xx"},
                                 headers={"Authorization": f"Bearer {auth_api.token}"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_language"
    assert not Video.objects.exists()
    with open(clip, "rb") as fh:
        r = auth_api.client.post("/api/v1/videos", {"file": fh, "caption": "hello there my friends", "language": "hi"},
                                 headers={"Authorization": f"Bearer {auth_api.token}"})
    assert r.status_code == 202, r.content
    video = Video.objects.get()
    assert video.language == "hi"
    from reelbox.captions.models import VideoLanguageChoice

    assert VideoLanguageChoice.objects.get(video=video).language == "hi"
