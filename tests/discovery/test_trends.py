"""Trends: a small tag taking off beats a big steady one; per language, per region and global; recomputed by
the worker."""

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


def plays(video, per_hour: int, hours: range, now, region: str = ""):
    rows = []
    for h in hours:
        at = now - timedelta(hours=h, minutes=30)
        rows += [Event(video=video, device_id=f"d{i}", type=Event.Type.PLAY, created_at=at, region=region)
                 for i in range(per_hour)]
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


@pytest.fixture
def regional(make_user, post, person):
    """Brazilian viewers start watching #Carnaval (posted by a creator with no region); Indonesians watch
    the same steady #cats as always; an Indonesian creator just posted #Batik, nobody has played it yet.
    The plays go through the events API as real viewers send them."""
    now = timezone.now()
    nobody, budi = make_user(), make_user()
    budi.region = "ID"
    budi.save(update_fields=["region"])
    steady = post(nobody, "cat #cats", created_at=now - timedelta(days=8))
    plays(steady, 10, range(0, 168), now, region="ID")
    rising = [post(nobody, f"bloco {i} #Carnaval", created_at=now - timedelta(hours=4)) for i in range(2)]
    for v in rising:
        plays(v, 6, range(1, 3), now, region="BR")
    batik = post(budi, "motif #Batik", created_at=now - timedelta(hours=1))
    Video.objects.filter(pk=batik.pk).update(region="ID")  # what create_video sets (tests/videos/test_upload)
    # The last hour's plays arrive as beacons: BR from a signed-in person's setting, and anonymously from the
    # browser's language.
    viewer = person()
    viewer.user.region = "BR"
    viewer.user.save(update_fields=["region"])
    for v in rising:
        beacons = [{"video_id": v.public_id, "type": "play"}] * 3
        assert viewer.post("/api/v1/events", {"events": beacons}).json()["accepted"] == 3
        assert viewer.client.post("/api/v1/events", {"events": beacons}, content_type="application/json",
                                  headers={"Accept-Language": "pt-BR,pt;q=0.9"}).status_code == 200
    return {"now": timezone.now(), "rising": rising, "batik": batik, "steady": steady}


def _scope_tags(scope):
    from reelbox.discovery.models import Hashtag

    ids = Trend.objects.filter(kind="hashtag", scope=scope).values_list("object_id", flat=True)
    return set(Hashtag.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_trends_per_region(regional, api, django_assert_max_num_queries):
    assert Event.objects.filter(region="BR", created_at__gte=regional["now"] - timedelta(minutes=5)).count() == 12
    with django_assert_max_num_queries(8):  # plays by video, hour and region in one query, whatever the regions
        rows = trends.compute(regional["now"])
    scopes = {r.scope for r in rows}
    assert {"global", "region:BR", "region:ID"} <= scopes and not any(s in scopes for s in ("region:", "region:PT"))
    Trend.objects.bulk_create(rows)
    assert "carnaval" in _scope_tags("region:BR") and "carnaval" not in _scope_tags("region:ID")
    # A new post counts where its creator is, not where nobody saw it.
    assert "batik" in _scope_tags("region:ID") and "batik" not in _scope_tags("region:BR")
    assert "cats" not in _scope_tags("region:ID")  # steady: no trend
    videos = Trend.objects.filter(kind="video", scope="region:BR").values_list("object_id", flat=True)
    assert set(videos) == {v.pk for v in regional["rising"]}

    brazil = api.get("/api/v1/trends", region="br").json()
    assert brazil["scope"] == "region:BR"
    assert [t["name"] for t in brazil["hashtags"]] == ["carnaval"]
    assert {v["id"] for v in brazil["videos"]} == {v.public_id for v in regional["rising"]}
    assert api.get("/api/v1/trends", scope="region:ID").json()["scope"] == "region:ID"
    # A country with no trends of its own is empty, not the global list.
    assert api.get("/api/v1/trends", region="FR").json() == {"scope": "region:FR", "hashtags": [], "sounds": [],
                                                             "videos": []}
    for bad in ("ZZZ", "ZZ", "001", "B"):
        response = api.get("/api/v1/trends", region=bad)
        assert response.status_code == 400 and response.json()["code"] == "invalid_region", bad
    assert api.get("/api/v1/trends").json()["scope"] == "global"


def test_discover_shows_the_viewers_region_in_their_language(regional, client, person):
    trends.recompute(regional["now"])
    # Anonymous: the UI language and the region both come from the browser.
    page = client.get("/discover", headers={"Accept-Language": "zh-hans,zh;q=0.9,pt-BR;q=0.8"}).content.decode()
    section = page.split('class="trending-region"')[1].split("</section>")[0]
    assert "巴西" in section and "Brazil" not in section
    assert "#Carnaval" in section and "#Batik" not in section
    # Signed in, the account's region and language decide.
    viewer = person()
    viewer.user.region, viewer.user.language = "BR", "zh-hans"
    viewer.user.save(update_fields=["region", "language"])
    page = viewer.client.get("/discover", headers={"Accept-Language": "id-ID"}).content.decode()
    section = page.split('class="trending-region"')[1].split("</section>")[0]
    assert "巴西" in section and "#Carnaval" in section
    # No section for a region with nothing trending, nor without a region.
    viewer.user.region = "FR"
    viewer.user.save(update_fields=["region"])
    assert 'class="trending-region"' not in viewer.client.get("/discover").content.decode()
    assert 'class="trending-region"' not in client.get("/discover", headers={"Accept-Language": "es-419"}
                                                       ).content.decode()
