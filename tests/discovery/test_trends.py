"""Trends: a small tag taking off beats a big steady one; per language and global; recomputed by the worker."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from reelbox.discovery import trends
from reelbox.discovery.models import Trend
from reelbox.feed.models import Event
from reelbox.videos.models import Video

pytestmark = pytest.mark.django_db


def test_score_compares_with_the_items_own_baseline():
    hours = 168
    steady = np.full(hours, 100.0)
    rising = np.zeros(hours)
    rising[:3] = 20.0
    fading = np.zeros(hours)
    fading[20:40] = 50.0
    score, recent, baseline = trends.scores(np.vstack([steady, rising, fading]), 6, 3.0)
    assert abs(score[0]) < 1e-9 and recent[0] == pytest.approx(100.0) and baseline[0] == pytest.approx(100.0)
    assert score[1] > 5 and score[2] < 0


def plays(video, per_hour: int, hours: range, now):
    rows = []
    for h in hours:
        at = now - timedelta(hours=h, minutes=30)
        rows += [Event(video=video, device_id=f"d{i}", type=Event.Type.PLAY, created_at=at) for i in range(per_hour)]
    Event.objects.bulk_create(rows, batch_size=2000)


@pytest.fixture
def burst(make_user, post):
    """A big tag with steady plays all week, and a small one that took off in the last three hours."""
    from reelbox.studio.models import Sound, VideoSound

    now = timezone.now()
    u = make_user()
    week_ago = now - timedelta(days=8)
    steady = [post(u, f"cat {i} #cats", created_at=week_ago) for i in range(3)]
    for v in steady:
        plays(v, 10, range(0, 168), now)
    rising = [post(u, f"paso {i} #NuevoBaile", created_at=now - timedelta(hours=4)) for i in range(2)]
    Video.objects.filter(pk__in=[v.pk for v in rising]).update(language="es")
    for v in rising:
        plays(v, 6, range(0, 3), now)
    song = Sound.objects.create(title="Ritmo Nuevo")
    for v in rising:
        VideoSound.objects.create(video=v, sound=song)
    return {"now": now, "steady": steady, "rising": rising, "song": song}


def test_rising_small_tag_beats_large_steady_tag(burst, api):
    assert trends.recompute(burst["now"]) > 0
    tags = api.get("/api/v1/trends").json()["hashtags"]
    assert tags[0]["name"] == "nuevobaile"
    glob = Trend.objects.filter(kind="hashtag", scope="global")
    assert not glob.filter(object_id__in=[t.pk for t in _tags("cats")]).exists()  # steady: no trend
    spanish = api.get("/api/v1/trends", scope="es").json()
    assert spanish["scope"] == "es" and [t["name"] for t in spanish["hashtags"]][:1] == ["nuevobaile"]
    assert [s["title"] for s in spanish["sounds"]] == ["Ritmo Nuevo"]
    assert {v["id"] for v in spanish["videos"]} == {v.public_id for v in burst["rising"]}
    # The big tag is much larger overall; it is not what is rising.
    assert Event.objects.filter(video__in=burst["steady"]).count() > 10 * Event.objects.filter(
        video__in=burst["rising"]).count()
    html = api.client.get("/discover").content.decode()
    assert "#NuevoBaile" in html


def _tags(name):
    from reelbox.discovery.models import Hashtag

    return Hashtag.objects.filter(name=name)


@pytest.mark.django_db(transaction=True)
def test_worker_sweep_schedules_the_recompute(burst, drain):
    from django.core.cache import cache

    from reelbox.discovery import tasks

    cache.clear()
    assert tasks.schedule() is True
    assert tasks.schedule() is False  # queued once, not at every sweep
    drain()
    assert Trend.objects.filter(kind="hashtag", scope="global").exists()


def test_hidden_videos_never_trend_to_viewers(burst, api):
    Video.objects.filter(pk=burst["rising"][0].pk).update(visibility=Video.Visibility.PRIVATE)
    trends.recompute(burst["now"])
    ids = {v["id"] for v in api.get("/api/v1/trends", scope="es").json()["videos"]}
    assert ids == {burst["rising"][1].public_id}


@pytest.mark.django_db(transaction=True)
def test_sweep_backfills_the_index_of_an_existing_site(make_user, drain, api):
    """Videos and people from before discovery was installed become searchable after the first sweep."""
    from django.core.cache import cache

    from reelbox.discovery import tasks
    from reelbox.discovery.models import SearchDoc
    from tests.factories import ready_video

    video = ready_video(make_user("oldtimer"), caption="vintage #retro clip")  # no video_saved: predates us
    SearchDoc.objects.all().delete()
    cache.clear()
    tasks.schedule()
    drain()
    assert [v["id"] for v in api.get("/api/v1/search", q="vintage").json()["videos"]] == [video.public_id]
    assert [u["username"] for u in api.get("/api/v1/search", q="oldtimer", type="users").json()["users"]] == ["oldtimer"]
