"""Fixtures for captions: a ready video of a known length, owned by the API client's user."""

from __future__ import annotations

import pytest

from tests.factories import ready_video


@pytest.fixture
def own_video(auth_api):
    return ready_video(auth_api.user, caption="A day at the beach with friends and family")


def upload(api, video, text: str, language: str = "en", name: str = "subs.vtt"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    return api.client.post(f"/api/v1/videos/{video.public_id}/captions",
                           {"file": SimpleUploadedFile(name, text.encode()), "language": language}, headers=headers)
