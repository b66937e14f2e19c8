"""Caption tracks through the API: upload (WebVTT, SRT), refusals naming the line, serving, editing, privacy."""

from __future__ import annotations

import pytest

from reelbox.captions.models import CaptionTrack
from tests.captions.conftest import upload
from tests.conftest import Api, stored_files

pytestmark = pytest.mark.django_db

VTT = "WEBVTT\n\n00:00.000 --> 00:01.500\nHello everyone\n\n00:01.500 --> 00:04.000\nWelcome to the beach\n"
SRT = "1\n00:00:00,000 --> 00:00:02,000\nHola a todos\n\n2\n00:00:02,000 --> 00:00:04,000\nBienvenidos a la playa\n"


def test_upload_two_languages_and_serve_them_as_webvtt(auth_api, own_video, api, media_root):
    assert upload(auth_api, own_video, VTT, "en").status_code == 201
    r = upload(auth_api, own_video, SRT, "es", name="subs.srt")
    assert r.status_code == 201, r.content
    assert r.json()["cue_count"] == 2 and r.json()["url"].endswith("/captions/es.vtt")
    listing = api.get(f"/api/v1/videos/{own_video.public_id}/captions").json()
    assert [t["language"] for t in listing["tracks"]] == ["en", "es"]
    served = api.client.get(listing["tracks"][1]["url"])
    assert served.status_code == 200 and served["Content-Type"].startswith("text/vtt")
    assert served.content.decode().startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHola a todos")
    assert len([p for p in stored_files(media_root, own_video) if p.suffix == ".vtt"]) == 2


@pytest.mark.parametrize(("text", "needle"), [
    ("not captions at all\n", "line 1:"),
    ("WEBVTT\n\n00:00.000 --> 00:01.000\na\n\n\n00:03.000 --> 00:02.000\nb\n", "line 7:"),
    ("WEBVTT\n\n00:02.000 --> 00:03.000\na\n\n00:01.000 --> 00:02.000\nb\n", "line 6:"),
    ("WEBVTT\n\n00:00.000 --> 00:01.000\na\n\n00:04.000 --> 00:09.000\nb\n", "line 6:"),
])
def test_bad_files_are_refused_naming_the_line_and_leave_nothing(auth_api, own_video, text, needle, media_root):
    r = upload(auth_api, own_video, text)
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_caption_file"
    assert needle in r.json()["detail"] and r.json()["detail"].startswith("file: ")
    assert not CaptionTrack.objects.exists()
    assert not [p for p in stored_files(media_root, own_video) if p.suffix == ".vtt"]


def test_bad_language_and_binary_files(auth_api, own_video):
    r = upload(auth_api, own_video, VTT, "klingon")
    assert r.status_code == 400 and r.json()["detail"].startswith("language:")
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = auth_api.client.post(f"/api/v1/videos/{own_video.public_id}/captions",
                             {"file": SimpleUploadedFile("x.vtt", b"WEBVTT\n\n\xff\xfe"), "language": "en"},
                             headers={"Authorization": f"Bearer {auth_api.token}"})
    assert r.status_code == 400 and "line 3" in r.json()["detail"]


def test_only_the_author_uploads_or_edits(auth_api, own_video, client, make_user):
    from reelbox.accounts import actions

    other = Api(client, actions.issue_token(make_user()))
    assert upload(other, own_video, VTT).status_code == 403
    assert upload(Api(client), own_video, VTT).status_code == 401
    assert upload(auth_api, own_video, VTT).status_code == 201
    r = other.client.put(f"/api/v1/videos/{own_video.public_id}/captions/en", {"vtt": VTT},
                         content_type="application/json", headers={"Authorization": f"Bearer {other.token}"})
    assert r.status_code == 403


def test_edit_replaces_the_file_and_delete_removes_it(auth_api, own_video, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(auth_api, own_video, VTT)
    before = [p for p in stored_files(media_root, own_video) if p.suffix == ".vtt"]
    edited = VTT.replace("Welcome to the beach", "Welcome to the sea")
    url = f"/api/v1/videos/{own_video.public_id}/captions/en"
    with django_capture_on_commit_callbacks(execute=True):
        r = auth_api.client.put(url, {"vtt": edited}, content_type="application/json",
                                headers={"Authorization": f"Bearer {auth_api.token}"})
    assert r.status_code == 200 and r.json()["edited"] is True
    after = [p for p in stored_files(media_root, own_video) if p.suffix == ".vtt"]
    assert len(after) == 1 and after != before
    assert "Welcome to the sea" in auth_api.client.get(url + ".vtt").content.decode()
    bad = auth_api.client.put(url, {"vtt": "WEBVTT\n\n00:00.000 --> 00:99.000\nx\n"},
                              content_type="application/json", headers={"Authorization": f"Bearer {auth_api.token}"})
    assert bad.status_code == 400 and "line 3" in bad.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_api.delete(url).status_code == 204
    assert not [p for p in stored_files(media_root, own_video) if p.suffix == ".vtt"]
    assert auth_api.client.get(url + ".vtt").status_code == 404


def test_private_video_tracks_are_hidden(auth_api, own_video, api):
    upload(auth_api, own_video, VTT)
    own_video.visibility = "private"
    own_video.save()
    from reelbox.videos.queries import clear_cache

    clear_cache()
    assert api.get(f"/api/v1/videos/{own_video.public_id}/captions").status_code == 404
    assert api.client.get(f"/api/v1/videos/{own_video.public_id}/captions/en.vtt").status_code == 404
    assert auth_api.get(f"/api/v1/videos/{own_video.public_id}/captions").status_code == 200


def test_auto_captions_say_clearly_when_the_extra_is_absent(auth_api, own_video, monkeypatch):
    from reelbox.captions import asr

    monkeypatch.setattr(asr, "available", lambda: False)
    listing = auth_api.get(f"/api/v1/videos/{own_video.public_id}/captions").json()
    assert listing["auto"]["available"] is False
    r = auth_api.post(f"/api/v1/videos/{own_video.public_id}/captions/auto")
    assert r.status_code == 409 and r.json()["code"] == "auto_captions_unavailable"
    assert "not installed" in r.json()["detail"]
