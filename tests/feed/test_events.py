import pytest

from reelbox.feed.models import Event
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(make_user):
    return ready_video(make_user())


def post(api, events):
    return api.post("/api/v1/events", {"events": events})


def test_events_are_stored_for_signed_in_user(auth_api, video):
    response = post(auth_api, [
        {"video_id": video.public_id, "type": "impression"},
        {"video_id": video.public_id, "type": "play", "client_ts": 1_700_000_000_000},
        {"video_id": video.public_id, "type": "progress", "watch_ms": 5000},
        {"video_id": video.public_id, "type": "complete", "watch_ms": 1200},
        {"video_id": video.public_id, "type": "replay"},
    ])
    assert response.status_code == 200 and response.json()["accepted"] == 5
    rows = list(Event.objects.order_by("id"))
    assert [r.get_type_display() for r in rows] == ["impression", "play", "progress", "complete", "replay"]
    assert all(r.user_id == auth_api.user.pk for r in rows)
    video.refresh_from_db()
    assert video.view_count == 1 and video.watch_ms_total == 6200


def test_anonymous_events_carry_a_device_id(api, client, video):
    client.get("/")  # sets the device cookie
    device = client.cookies["rb_device"].value
    assert post(api, [{"video_id": video.public_id, "type": "play"}]).status_code == 200
    event = Event.objects.get()
    assert event.user_id is None and event.device_id == device


def test_malformed_events_refused_but_valid_ones_kept(api, video):
    response = post(api, [
        {"video_id": video.public_id, "type": "play"},
        {"video_id": video.public_id, "type": "teleport"},
        {"video_id": video.public_id, "type": "progress", "watch_ms": -5},
        {"video_id": "doesnotexist", "type": "play"},
        "not an object",
        {"video_id": video.public_id, "type": "skip", "watch_ms": 800, "client_ts": "yesterday"},
        {"video_id": video.public_id, "type": "skip", "watch_ms": 800},
    ])
    assert response.status_code == 400
    body = response.json()
    assert body["accepted"] == 2 and body["code"] == "invalid_event"
    reasons = {e["index"]: e["detail"] for e in body["errors"]}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert reasons[1].startswith("type:") and reasons[2].startswith("watch_ms:")
    assert reasons[3].startswith("video_id:") and reasons[5].startswith("client_ts:")
    assert Event.objects.count() == 2


def test_bad_batches(api):
    assert api.post("/api/v1/events", {"nothing": 1}).json()["code"] == "invalid_events"
    assert api.post("/api/v1/events", {"events": []}).status_code == 400
    too_many = [{"video_id": "x", "type": "play"}] * 101
    assert api.post("/api/v1/events", {"events": too_many}).json()["code"] == "batch_too_large"
    raw = api.client.post("/api/v1/events", "{not json", content_type="application/json")
    assert raw.status_code == 400 and raw.json()["code"] == "invalid_json"


def test_events_for_unready_videos_are_refused(api, make_user, video):
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    assert post(api, [{"video_id": video.public_id, "type": "play"}]).status_code == 400
    assert Event.objects.count() == 0


def test_events_carry_the_viewers_region(api, client, auth_api, video):
    """Anonymous: the browser's Accept-Language; signed in: the account's setting, whatever the browser says."""
    events = [{"video_id": video.public_id, "type": "impression"}, {"video_id": video.public_id, "type": "play"}]
    assert api.post("/api/v1/events", {"events": events}, headers={"Accept-Language": "id-ID,id;q=0.9"}
                    ).status_code == 200
    assert list(Event.objects.values_list("region", flat=True)) == ["ID", "ID"]
    Event.objects.all().delete()
    auth_api.user.region = "BR"
    auth_api.user.save(update_fields=["region"])
    assert auth_api.post("/api/v1/events", {"events": events}, headers={"Accept-Language": "id-ID"}
                         ).status_code == 200
    assert set(Event.objects.values_list("region", flat=True)) == {"BR"}
    Event.objects.all().delete()
    assert api.post("/api/v1/events", {"events": events}, headers={"Accept-Language": "es-419"}).status_code == 200
    assert set(Event.objects.values_list("region", flat=True)) == {""}
