"""Captions settings fail loudly; the creator's captions page works and stays private."""

from __future__ import annotations

import pytest

from reelbox import config
from tests.test_config import load


def test_translate_settings(monkeypatch, tmp_path):
    cfg = load(monkeypatch, tmp_path)
    assert cfg.translate_backend == "auto" and cfg.translate_url == "" and cfg.auto_captions is False
    cfg = load(monkeypatch, tmp_path, TRANSLATE_URL="http://127.0.0.1:5000/", AUTO_CAPTIONS="true",
               FEED_LANGUAGE_BOOST="3")
    assert cfg.translate_url == "http://127.0.0.1:5000" and cfg.auto_captions and cfg.feed_language_boost == 3
    with pytest.raises(config.ConfigError, match="REELBOX_TRANSLATE_URL must be an http"):
        load(monkeypatch, tmp_path, TRANSLATE_URL="ftp://x")
    with pytest.raises(config.ConfigError, match="REELBOX_TRANSLATE_URL is required"):
        load(monkeypatch, tmp_path, TRANSLATE_BACKEND="libretranslate")
    with pytest.raises(config.ConfigError, match="REELBOX_TRANSLATE_BACKEND"):
        load(monkeypatch, tmp_path, TRANSLATE_BACKEND="google")


@pytest.mark.django_db
def test_captions_page_for_the_author_only(client, make_user, monkeypatch):
    from reelbox.captions import actions, asr
    from tests.factories import ready_video

    author, other = make_user(), make_user()
    video = ready_video(author)
    actions.save_track(video, "es", "WEBVTT\n\n00:00.000 --> 00:01.000\nHola\n")
    monkeypatch.setattr(asr, "available", lambda: False)
    client.force_login(author)
    html = client.get(f"/v/{video.public_id}/captions", headers={"Accept-Language": "pt-br"}).content.decode()
    assert "Legendas" in html and "Espanhol" in html
    assert "As legendas automáticas não estão instaladas neste servidor." in html
    client.force_login(other)
    assert client.get(f"/v/{video.public_id}/captions").status_code == 404
    client.logout()
    assert client.get(f"/v/{video.public_id}/captions").status_code == 302
