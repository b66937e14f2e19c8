"""The For You recommender through the API: reasons, real-time updates, feedback, following, interests,
model versions and the worker's retrain."""

from __future__ import annotations

import hashlib
import time
from collections import Counter

import pytest

from reelbox.feed import recommender
from reelbox.feed.models import RecModel
from reelbox.feed.queries import clear_caches
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

TAGS = ("cooking", "cats", "travel", "music")


@pytest.fixture
def catalogue(make_user):
    """24 videos: 6 per hashtag, each hashtag spread over 3 creators; a trained model."""
    creators = [make_user() for _ in range(12)]
    videos = {}
    for n in range(24):
        tag = TAGS[n % 4]
        creator = creators[(n % 4) * 3 + (n // 4) % 3]
        videos[n] = ready_video(creator, caption=f"clip {n} #{tag}")
    recommender.train()
    clear_caches()
    return videos


def tag_of(item: dict) -> str:
    return item["caption"].split("#")[1]


def page(api, cursor=None, limit=6):
    params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
    response = api.get("/api/v1/feed/foryou", **params)
    assert response.status_code == 200, response.content
    return response.json()


def watch(api, video_ids, kind="complete"):
    events = []
    for vid in video_ids:
        events += [{"video_id": vid, "type": "impression"}, {"video_id": vid, "type": "play"},
                   {"video_id": vid, "type": kind, "watch_ms": 5000 if kind == "complete" else 300}]
    assert api.post("/api/v1/events", {"events": events}).status_code == 200


def by_tag(catalogue, tag):
    return [v.public_id for v in catalogue.values() if v.caption.endswith("#" + tag)]


def test_every_item_has_a_reason(api, catalogue):
    body = page(api)
    assert body["items"]
    for item in body["items"]:
        assert item["reason"]["code"] in {"trending", "popular", "new_video"}
        assert item["reason"]["text"]


def test_completing_cooking_videos_changes_the_next_page(auth_api, catalogue):
    first = page(auth_api)
    cooking = by_tag(catalogue, "cooking")
    watch(auth_api, cooking[:3])
    watch(auth_api, by_tag(catalogue, "cats")[:2], kind="skip")
    second = page(auth_api, first["next_cursor"])
    tags = Counter(tag_of(item) for item in second["items"])
    assert tags["cooking"] == max(tags.values()) and tags["cooking"] >= 2
    texts = {item["reason"]["text"] for item in second["items"] if tag_of(item) == "cooking"}
    assert "Because you watched #cooking to the end" in texts
    shown = [i["id"] for i in first["items"] + second["items"]]
    assert len(shown) == len(set(shown))
    # Watched videos are not served again, even without the cursor.
    fresh = {item["id"] for item in page(auth_api)["items"]}
    assert not fresh & set(cooking[:3])


def test_anonymous_viewer_learns_by_device(api, client, catalogue):
    client.get("/")  # the device cookie
    watch(api, by_tag(catalogue, "travel")[:3])
    tags = Counter(tag_of(item) for item in page(api)["items"])
    assert tags["travel"] == max(tags.values())


def test_reasons_text_is_translated(auth_api, catalogue):
    watch(auth_api, by_tag(catalogue, "cooking")[:3])
    # English first: reason texts are cached per language, and the Chinese page must not get the English ones.
    english = auth_api.get("/api/v1/feed/foryou", headers={"Accept-Language": "en"}).json()["items"]
    assert "Because you watched #cooking to the end" in {item["reason"]["text"] for item in english}
    body = auth_api.get("/api/v1/feed/foryou", headers={"Accept-Language": "zh-hans"}).json()
    assert all(item["reason"]["text"] for item in body["items"])
    assert "因为你看完了 #cooking 的视频" in {item["reason"]["text"] for item in body["items"]}


def test_not_interested_removes_the_video_and_fewer_demotes_the_creator(auth_api, catalogue):
    watch(auth_api, by_tag(catalogue, "cooking")[:2])
    before = page(auth_api, limit=6)["items"]
    target = before[0]["id"]
    r = auth_api.post("/api/v1/feed/feedback", {"video_id": target, "kind": "not_interested"})
    assert r.status_code == 200
    after = [i["id"] for i in page(auth_api, limit=30)["items"]]
    assert target not in after

    creator = Video.objects.get(public_id=after[0]).author
    theirs = [v.public_id for v in Video.objects.filter(author=creator)]
    watch(auth_api, theirs[:1])
    count_before = sum(i in theirs for i in (x["id"] for x in page(auth_api, limit=6)["items"]))
    r = auth_api.post("/api/v1/feed/feedback", {"video_id": theirs[0], "kind": "fewer_from_creator"})
    assert r.status_code == 200
    items = [i["id"] for i in page(auth_api, limit=6)["items"]]
    from_creator = [n for n, vid in enumerate(items) if vid in theirs]
    assert len(from_creator) <= 1 and len(from_creator) <= max(count_before, 1)
    if from_creator:
        assert from_creator[0] == len(items) - 1


def test_feedback_is_validated(auth_api, catalogue):
    vid = catalogue[0].public_id
    assert auth_api.post("/api/v1/feed/feedback", {"video_id": vid, "kind": "meh"}).status_code == 400
    r = auth_api.post("/api/v1/feed/feedback", {"video_id": "nope", "kind": "not_interested"})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_hidden_authors_are_excluded(auth_api, catalogue, make_user):
    from reelbox.social.models import Block, Mute

    blocked, muted = catalogue[0].author, catalogue[1].author
    Block.objects.create(blocker=blocked, blocked=auth_api.user)
    Mute.objects.create(muter=auth_api.user, muted=muted)
    ids = [i["id"] for i in page(auth_api, limit=30)["items"]]
    assert ids
    authors = set(Video.objects.filter(public_id__in=ids).values_list("author_id", flat=True))
    assert blocked.pk not in authors and muted.pk not in authors
    watch(auth_api, by_tag(catalogue, "cooking")[1:3])
    ids = [i["id"] for i in page(auth_api, limit=30)["items"]]
    authors = set(Video.objects.filter(public_id__in=ids).values_list("author_id", flat=True))
    assert blocked.pk not in authors and muted.pk not in authors


def test_unplayable_videos_are_never_served(auth_api, catalogue):
    watch(auth_api, by_tag(catalogue, "cooking")[:2])
    gone = by_tag(catalogue, "cooking")[2:]
    Video.objects.filter(public_id__in=gone).update(status=Video.Status.FAILED)
    clear_caches()
    ids = [i["id"] for i in page(auth_api, limit=30)["items"]]
    assert ids and not set(ids) & set(gone)


def test_no_video_twice_while_the_viewer_keeps_watching(auth_api, catalogue):
    shown, cursor = [], None
    for n in range(10):
        body = page(auth_api, cursor, limit=4)
        ids = [i["id"] for i in body["items"]]
        shown += ids
        if ids:
            watch(auth_api, ids[:1], kind="complete" if n % 2 else "skip")
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(shown) == len(set(shown))
    assert len(shown) == len(catalogue)


def test_a_new_upload_reaches_viewers_with_history_before_any_retrain(auth_api, catalogue, make_user):
    from reelbox.social.models import Mute

    watch(auth_api, by_tag(catalogue, "cooking")[:3])
    versions = RecModel.objects.count()
    newcomer = ready_video(make_user(), caption="just uploaded #travel")
    muted = make_user()
    ready_video(muted, caption="also new, by someone they muted")
    Mute.objects.create(muter=auth_api.user, muted=muted)
    clear_caches()
    assert newcomer.pk not in recommender.serving_engine().model.catalog.index
    items = page(auth_api, limit=10)["items"]
    # The exploration slot (every round(1/EXPLORATION_SHARE)-th, here the 10th) goes to the newcomer.
    assert items[9]["id"] == newcomer.public_id
    assert items[9]["reason"]["code"] == "new_video"
    assert [i["id"] for i in items].count(newcomer.public_id) == 1
    assert RecModel.objects.count() == versions  # no retrain was needed

    # Once met it is not served again, even in a new session (no cursor) and still before a retrain.
    watch(auth_api, [newcomer.public_id], kind="skip")
    clear_caches()
    ids = [i["id"] for i in page(auth_api, limit=10)["items"]]
    assert newcomer.public_id not in ids
    assert not Video.objects.filter(author=muted, public_id__in=ids).exists()


def test_following_feed(auth_api, catalogue, make_user):
    from reelbox.social.models import Follow

    followed = catalogue[5].author
    Follow.objects.create(follower=auth_api.user, followee=followed)
    body = auth_api.get("/api/v1/feed/following", limit=2).json()
    theirs = list(Video.objects.filter(author=followed).order_by("-created_at", "-pk")
                  .values_list("public_id", flat=True))
    ids = [i["id"] for i in body["items"]]
    assert ids == theirs[:2] and body["items"][0]["reason"]["code"] == "followed_creator"
    if len(theirs) > 2:
        rest = auth_api.get("/api/v1/feed/following", cursor=body["next_cursor"], limit=2).json()
        assert [i["id"] for i in rest["items"]] == theirs[2:4]
    # For You also brings what the viewer follows, saying so.
    codes = {i["id"]: i["reason"]["code"] for i in page(auth_api, limit=10)["items"]}
    assert any(codes.get(vid) == "followed_creator" for vid in theirs)


def test_following_feed_needs_a_login(api):
    assert api.get("/api/v1/feed/following").status_code == 401


def test_interests_view_remove_and_reset(auth_api, catalogue):
    watch(auth_api, by_tag(catalogue, "cooking")[:3])
    watch(auth_api, by_tag(catalogue, "music")[:1])
    body = auth_api.get("/api/v1/me/interests").json()
    tags = [i["key"] for i in body["hashtags"]]
    assert tags[0] == "cooking" and "music" in tags and body["hashtags"][0]["weight"] == 1.0
    assert body["creators"] and body["creators"][0]["label"].startswith("@")

    assert auth_api.delete("/api/v1/me/interests/hashtag/cooking").status_code == 200
    tags = [i["key"] for i in auth_api.get("/api/v1/me/interests").json()["hashtags"]]
    assert "cooking" not in tags and "music" in tags
    assert auth_api.delete("/api/v1/me/interests/colour/red").status_code == 400

    assert auth_api.post("/api/v1/me/interests/reset").status_code == 200
    body = auth_api.get("/api/v1/me/interests").json()
    assert body == {"hashtags": [], "creators": [], "sounds": []}


def test_interests_page_and_following_tab(client, api, make_user, catalogue):
    assert client.get("/interests").status_code == 302  # log in first
    user = make_user()
    client.force_login(user)
    watch(api, by_tag(catalogue, "travel")[:2])
    page = client.get("/interests").content.decode()
    assert "#travel" in page and 'data-key="travel"' in page
    home = client.get("/").content.decode()
    assert 'href="/following"' in home and 'class="why"' in home
    following = client.get("/following").content.decode()
    assert 'data-feed-url="/api/v1/feed/following"' in following


def test_model_is_versioned_and_swapped_without_downtime(settings, catalogue, api):
    first = RecModel.objects.get()
    engine = recommender.serving_engine()
    assert recommender.serving_version() == first.version
    settings.REELBOX = {**settings.REELBOX, "RECSYS": {**settings.REELBOX["RECSYS"], "RELOAD_S": 0}}
    second = recommender.train()
    assert second.version != first.version
    # The old engine keeps serving while the new one loads in the background.
    assert recommender.serving_engine() is not None
    deadline = time.monotonic() + 10
    while recommender.serving_version() != second.version and time.monotonic() < deadline:
        time.sleep(0.05)
        recommender.serving_engine()
    assert recommender.serving_version() == second.version
    assert recommender.serving_engine() is not engine
    assert page(api)["items"]
    # Each page names (as a digest: the version counts the platform's events) the model that ranked it.
    served = api.get("/api/v1/feed/foryou")["Reelbox-Model"]
    assert served == hashlib.sha256(second.version.encode()).hexdigest()[:12] and second.version not in served
    # Old versions beyond KEEP_VERSIONS are pruned with their files.
    made = [first.path, second.path] + [recommender.train().path for _ in range(3)]
    kept = set(RecModel.objects.values_list("path", flat=True))
    assert len(kept) == settings.REELBOX["RECSYS"]["KEEP_VERSIONS"]
    root = settings.DATA_DIR / "recsys"
    assert all((root / path).exists() == (path in kept) for path in made)


@pytest.mark.django_db(transaction=True)
def test_retrain_task_runs_in_the_worker(make_user, drain, auth_api):
    from reelbox.feed.tasks import retrain_recommender, schedule_retrain

    ready_video(make_user(), caption="first #one")
    assert schedule_retrain()
    assert not schedule_retrain()  # already queued
    drain()
    row = RecModel.objects.get()
    assert row.n_items == 1
    assert not recommender.needs_retrain()
    retrain_recommender.enqueue()
    drain()
    assert RecModel.objects.count() == 2


def test_no_model_yet_still_serves(api, make_user):
    ready_video(make_user(), caption="alone #first")
    assert RecModel.objects.count() == 0
    assert [i["reason"]["code"] for i in page(api)["items"]] in (["popular"], ["new_video"])
    assert "Reelbox-Model" not in api.get("/api/v1/feed/foryou")


def test_training_reads_events_likes_and_feedback(auth_api, api, catalogue):
    from reelbox.social.models import Like

    watched = by_tag(catalogue, "cats")[:3]
    watch(auth_api, watched)
    Like.objects.create(user=auth_api.user, video=catalogue[2])
    auth_api.post("/api/v1/feed/feedback", {"video_id": catalogue[0].public_id, "kind": "not_interested"})
    row = recommender.train()
    assert row.n_events == 4 and row.n_viewers == 1 and row.last_event_id > 0  # 3 watched + 1 liked
    clear_caches()
    api.client.cookies.clear()  # a first visit: the shared cold list
    body = page(api, limit=4)
    assert body["items"][0]["reason"]["code"] == "trending"
    assert body["items"][0]["id"] in set(watched) | {catalogue[2].public_id}


def test_cold_list_interleaving_keeps_runs_short_and_never_repeats():
    import random

    from reelbox.feed.queries import _interleave
    from reelbox.recsys.rerank import Slot, breaks_run

    rng = random.Random(3)
    main = [Slot(i, 0.0, rng.randrange(6), frozenset({f"t{rng.randrange(4)}"})) for i in range(300)]
    explore = [Slot(i, 0.0, rng.randrange(6), frozenset(), True) for i in range(0, 600, 7)]
    page = _interleave(main, explore, 1000, 2, 0.25)
    ids = [s.item for s in page]
    assert len(ids) == len(set(ids)) == len({s.item for s in main + explore})
    assert sum(breaks_run(page[:n], page[n], 2) for n in range(len(page))) <= len(page) // 50
    assert [s.explore for s in page[:8]] == [False, False, False, True, False, False, False, True]
    # One creator and one hashtag everywhere: the rule cannot hold, and the list still comes out whole.
    same = [Slot(i, 0.0, 1, frozenset({"x"})) for i in range(50)]
    assert [s.item for s in _interleave(same, [], 100, 2, 0.0)] == list(range(50))


def test_trending_in_your_language(api, auth_api, make_user):
    zh = ready_video(make_user(), caption="周末的小确幸 #生活")
    en = ready_video(make_user(), caption="sunday walk #life")
    watch(auth_api, [zh.public_id, en.public_id])
    recommender.train()
    assert recommender.hashtags(zh.caption) == ("生活",)
    clear_caches()

    def reasons(lang):
        api.client.cookies.clear()
        items = api.get("/api/v1/feed/foryou", headers={"Accept-Language": lang}).json()["items"]
        return {i["id"]: i["reason"] for i in items}

    english, chinese = reasons("en"), reasons("zh-hans")
    assert english[zh.public_id]["code"] == chinese[zh.public_id]["code"] == "trending"
    assert english[zh.public_id]["text"] == english[en.public_id]["text"]
    # Only the Chinese reader is told the Chinese video trends in their language.
    assert chinese[zh.public_id]["text"] != chinese[en.public_id]["text"]


def test_following_feed_shows_followers_only_videos_to_followers_only(auth_api, make_user, api):
    from reelbox.social.models import Follow

    creator = make_user()
    public = ready_video(creator, caption="for everyone")
    private_account = make_user()
    private_account.is_private = True
    private_account.save(update_fields=["is_private"])
    theirs = ready_video(private_account, caption="on a private account")
    for_followers = ready_video(creator, caption="for my followers")
    Video.objects.filter(pk=for_followers.pk).update(visibility=Video.Visibility.FOLLOWERS)
    only_me = ready_video(creator, caption="only me")
    Video.objects.filter(pk=only_me.pk).update(visibility=Video.Visibility.PRIVATE)
    for followee in (creator, private_account):
        Follow.objects.create(follower=auth_api.user, followee=followee)
    clear_caches()

    ids = [i["id"] for i in auth_api.get("/api/v1/feed/following", limit=10).json()["items"]]
    assert set(ids) == {public.public_id, theirs.public_id, for_followers.public_id}
    # Nobody else gets them from For You, and the author's "only me" video reaches no one.
    cold = {i["id"] for i in api.get("/api/v1/feed/foryou", limit=30).json()["items"]}
    assert public.public_id in cold
    assert not cold & {theirs.public_id, for_followers.public_id, only_me.public_id}


@pytest.mark.django_db(transaction=True)
def test_web_processes_preload_the_model_as_they_start(make_user):
    ready_video(make_user(), caption="clip #cats")
    row = recommender.train()
    recommender.reset_serving()
    recommender.preload()  # what reelbox/wsgi.py does when a web process starts
    deadline = time.monotonic() + 20
    while recommender.serving_version() != row.version and time.monotonic() < deadline:
        time.sleep(0.05)
    assert recommender.serving_version() == row.version
