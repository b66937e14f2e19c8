"""The studio's pages render for their audience and carry what the script needs."""

import json
import re

import pytest

from reelbox.studio.models import Draft
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def config_of(response) -> dict:
    match = re.search(r'<script id="studio-config" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


def test_studio_page(client, make_user, library_sound):
    assert client.get("/studio/").status_code == 302  # log in first
    user = make_user()
    client.force_login(user)
    track = library_sound(duration=3)
    response = client.get(f"/studio/?sound={track.public_id}")
    assert response.status_code == 200
    config = config_of(response)
    assert len(config["looks"]) >= 8 and {"id": "none", "label": "Original"} in config["looks"]
    assert {s["id"] for s in config["stickers"]} >= {"star", "heart"}
    assert config["sound"]["id"] == track.public_id
    assert 'id="studio-i18n"' in response.content.decode()
    assert json.loads(re.search(r'<script type="application/json" id="studio-i18n">(.*?)</script>',
                                response.content.decode(), re.S).group(1))["saved"]


def test_duet_entry_and_drafts_page(client, make_user):
    author, me = make_user(), make_user()
    video = ready_video(author)
    client.force_login(me)
    config = config_of(client.get(f"/studio/?duet={video.public_id}"))
    assert config["remix"] == {"kind": "duet", "video_id": video.public_id, "author": author.username,
                               "duration": video.duration, "allowed": True}
    Draft.objects.create(owner=me, media_prefix="drafts/x", caption="my secret draft", base_path="drafts/x/clip0.mp4")
    Draft.objects.create(owner=author, media_prefix="drafts/y", caption="not mine")
    page = client.get("/studio/drafts").content.decode()
    assert "my secret draft" in page and "not mine" not in page
    # The video page offers duet and stitch to signed-in viewers.
    detail = client.get(f"/v/{video.public_id}").content.decode()
    assert f"/studio/?duet={video.public_id}" in detail and f"/studio/?stitch={video.public_id}" in detail


def test_admins_add_library_tracks_in_django_admin(client, make_user, studio_media):
    from reelbox.studio.models import Sound

    admin = make_user()
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/studio/sound/add/").status_code == 200
    with open(studio_media("audio", song="a", duration=3), "rb") as fh:
        response = client.post("/admin/studio/sound/add/", {"title": "Admin Track", "artist": "Someone",
                                                            "licence": "CC-BY 4.0", "audio": fh})
    assert response.status_code == 302, response.content[:2000]
    track = Sound.objects.get(title="Admin Track")
    assert track.kind == Sound.Kind.LIBRARY and track.audio_path and track.duration > 2.5
    assert client.get(f"/admin/studio/sound/{track.pk}/change/").status_code == 200
    # Staff see that drafts exist (support), not what is in them.
    draft = Draft.objects.create(owner=make_user(), media_prefix="drafts/z", caption="very private words")
    assert client.get("/admin/studio/draft/").status_code == 200
    page = client.get(f"/admin/studio/draft/{draft.pk}/change/")
    assert page.status_code == 200 and "very private words" not in page.content.decode()
