"""Search over videos, people and sounds: one suite, run on SQLite (FTS5) and PostgreSQL (full-text).

    REELBOX_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> pytest tests/discovery/test_search.py
"""

import pytest
from django.db import connection

from reelbox.social import actions as social_actions
from reelbox.videos.models import Moderation, Video

pytestmark = pytest.mark.django_db


def found(api, q, kind="videos", **params):
    response = api.get("/api/v1/search", q=q, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    if kind == "videos":
        return [v["caption"] for v in body["videos"]]
    if kind == "users":
        return [u["username"] for u in body["users"]]
    return [s["title"] for s in body["sounds"]]


def test_backend_matches_the_database():
    from reelbox.discovery import search

    assert search.backend().vendor == connection.vendor


def test_words_hashtags_accents_and_prefixes(api, make_user, post):
    u = make_user()
    post(u, "Café au lait in the morning")
    post(u, "street food tour #FoodTok")
    post(u, "dance battle #dance")
    assert found(api, "cafe") == ["Café au lait in the morning"]
    assert found(api, "CAFÉ LAIT") == ["Café au lait in the morning"]
    assert found(api, "foodtok") == ["street food tour #FoodTok"]
    assert found(api, "#foodtok") == ["street food tour #FoodTok"]
    assert found(api, "danc") == ["dance battle #dance"]  # as you type: the last word is a prefix
    assert found(api, "morning dance") == []  # every word must match


def test_scripts(api, make_user, post):
    u = make_user()
    post(u, "周末的小确幸 #生活")
    post(u, "يلا نبدأ #تحدي_رمضان")
    post(u, "नमस्ते दोस्तों #हिन्दी")
    post(u, "東京の夜 #日本語")
    post(u, "Привет, мир")
    assert found(api, "小确幸") == ["周末的小确幸 #生活"]  # a part of an unspaced sentence
    assert found(api, "生活") == ["周末的小确幸 #生活"]
    assert found(api, "幸") == ["周末的小确幸 #生活"]
    assert found(api, "تحدي_رمضان") == ["يلا نبدأ #تحدي_رمضان"]
    assert found(api, "दोस्तों") == ["नमस्ते दोस्तों #हिन्दी"]
    assert found(api, "東京") == ["東京の夜 #日本語"]
    assert found(api, "мир") == ["Привет, мир"]


def test_typos_are_corrected(api, make_user, post):
    u = make_user()
    post(u, "chocolate cake recipe")
    post(u, "guitar lesson for beginners")
    body = api.get("/api/v1/search", q="chocolte recipe").json()
    assert body["corrected"] == "chocolate recipe"
    assert [v["caption"] for v in body["videos"]] == ["chocolate cake recipe"]
    assert found(api, "gitar") == ["guitar lesson for beginners"]
    assert found(api, "lessno") == ["guitar lesson for beginners"]  # a swap is one typo
    assert api.get("/api/v1/search", q="zzzzqqq").json()["corrected"] is None


def test_ranking_is_relevance_times_engagement(api, make_user, post):
    from reelbox.discovery import indexing

    u = make_user()
    quiet = post(u, "sunset beach")
    loud = post(u, "sunset beach", view_count=500)
    Video.objects.filter(pk=loud.pk).update(like_count=50, watch_ms_total=500 * 5000)
    indexing.refresh_weights([quiet.pk, loud.pk])
    ids = [v["id"] for v in api.get("/api/v1/search", q="sunset").json()["videos"]]
    assert ids == [loud.public_id, quiet.public_id]
    # Relevance still counts: a hashtag match outranks a passing mention, engagement being equal.
    tagged = post(u, "evening #surf")
    mention = post(u, "evening walk, no surf today, just a walk along the evening sea")
    ids = [v["id"] for v in api.get("/api/v1/search", q="surf").json()["videos"]]
    assert ids == [tagged.public_id, mention.public_id]


def test_privacy_blocks_and_moderation(person, make_user, post):
    viewer, author, stranger = person("viewer"), make_user("author"), make_user("stranger")
    post(author, "secret recipe public")
    private = post(author, "secret recipe private")
    Video.objects.filter(pk=private.pk).update(visibility=Video.Visibility.PRIVATE)
    followers = post(author, "secret recipe followers")
    Video.objects.filter(pk=followers.pk).update(visibility=Video.Visibility.FOLLOWERS)
    for state in (Moderation.HELD, Moderation.BLOCKED, Moderation.REMOVED, Moderation.PENDING):
        v = post(author, f"secret recipe {state}")
        Video.objects.filter(pk=v.pk).update(moderation=state)
    post(stranger, "secret recipe by a stranger")

    assert sorted(found(viewer, "secret recipe")) == ["secret recipe by a stranger", "secret recipe public"]
    social_actions.block(viewer.user, stranger)
    assert found(viewer, "secret recipe") == ["secret recipe public"]
    assert found(viewer, "stranger", "users") == []
    # The author finds their own private video; anonymous viewers only public ones.
    assert "secret recipe private" in found(person_for(author), "secret recipe")


def person_for(user):
    from django.test import Client

    from reelbox.accounts import actions
    from tests.conftest import Api

    api = Api(Client(), actions.issue_token(user))
    api.user = user
    return api


def test_people_and_sounds(person, make_user, post):
    from reelbox.accounts import actions as account_actions
    from reelbox.studio.models import Sound

    viewer = person()
    maya = make_user("maya_chen")
    account_actions.update_profile(maya, display_name="Maya Chen 陈美")
    make_user("mayanoise")
    assert found(viewer, "maya", "users")[0] in {"maya_chen", "mayanoise"}
    assert found(viewer, "陈美", "users") == ["maya_chen"]
    assert found(viewer, "Chen", "users") == ["maya_chen"]
    assert found(viewer, "mayachen", "users") == ["maya_chen"]  # a missing underscore is one typo
    assert found(viewer, "mxyzchxn", "users") == []  # too far from any name
    Sound.objects.create(title="Midnight Groove", artist="DJ Lumen")
    assert found(viewer, "groove", "sounds") == ["Midnight Groove"]
    assert found(viewer, "lumen", "sounds") == ["Midnight Groove"]
    assert found(viewer, "midnigth", "sounds") == ["Midnight Groove"]


def test_sound_titles_and_caption_tracks_find_videos(api, make_user, post, django_capture_on_commit_callbacks):
    from reelbox.captions.models import CaptionTrack
    from reelbox.studio.models import Sound, VideoSound

    u = make_user()
    video = post(u, "just vibes")
    with django_capture_on_commit_callbacks(execute=True):
        VideoSound.objects.create(video=video, sound=Sound.objects.create(title="Ocean Drive"))
        CaptionTrack.objects.create(video=video, language="en", path="x.vtt", text="welcome to my kitchen")
    assert found(api, "ocean drive") == ["just vibes"]
    assert found(api, "kitchen") == ["just vibes"]


@pytest.mark.parametrize("q", [
    "", " ", "x" * 10_000, "\"unbalanced", "a AND OR NOT", "NEAR(a b)", "col:umn", "^start", "a*", "(", ")",
    "' OR 1=1 --", "%_%", "\\", "🙂🔥", "#", "@", "-", "​", "a\x00b", "ﷺ", "🏳️‍🌈", "\u202eevil",
])
def test_any_query_is_answered(api, make_user, post, q):
    post(make_user(), "something #dance")
    response = api.get("/api/v1/search", q=q)
    assert response.status_code == 200, response.content
    assert len(response.json()["query"]) <= 200
    assert api.get("/api/v1/search/suggest", q=q).status_code == 200
    assert api.client.get("/discover", {"q": q}).status_code == 200


def test_empty_query_shows_trending_and_bad_type_is_400(api, make_user, post):
    post(make_user(), "a #dance b")
    body = api.get("/api/v1/search", q="").json()
    assert [t["name"] for t in body["hashtags"]] == ["dance"]
    assert api.get("/api/v1/search", q="x", type="everything").json()["code"] == "invalid_type"


def test_suggestions_as_you_type(person, make_user, post):
    viewer = person()
    u = make_user("dancer_dee")
    for i in range(3):
        post(u, f"#dance move {i}")
    post(u, "#dancehall night")
    post(u, "#dinner")
    s = viewer.get("/api/v1/search/suggest", q="#dan").json()
    assert [t["name"] for t in s["hashtags"]] == ["dance", "dancehall"]
    assert [x["username"] for x in viewer.get("/api/v1/search/suggest", q="@dance").json()["users"]] == ["dancer_dee"]
    assert viewer.get("/api/v1/search/suggest", q="dinnr").json()["corrected"] == "dinner"
    assert [t["name"] for t in viewer.get("/api/v1/search/suggest", q="").json()["hashtags"]][:1] == ["dance"]
    social_actions.block(u, viewer.user)
    assert viewer.get("/api/v1/search/suggest", q="@dance").json()["users"] == []


def test_trigram_candidates_agree_across_paths(make_user, post):
    """pg_trgm (when PostgreSQL has it) and the in-process trigram index offer the same nearest words."""
    from reelbox.discovery import search

    post(make_user(), "chocolate guitar lesson chocolates")
    be = search.backend()
    ours = [t for t, _df in search.Backend.near_terms(be, "chocolte")]
    theirs = [t for t, _df in be.near_terms("chocolte")]
    assert ours[:2] == theirs[:2] == ["chocolate", "chocolates"]
    assert search.corrections("chocolte") == ["chocolate", "chocolates"]


def test_broad_queries_rank_the_newest_matches(api, make_user, post, monkeypatch):
    from reelbox.discovery import search

    u = make_user()
    videos = [post(u, f"popular word {i}") for i in range(12)]
    monkeypatch.setattr(search, "BROAD", 4)
    ids = [v["id"] for v in api.get("/api/v1/search", q="popular").json()["videos"]]
    assert 3 <= len(ids) <= 6 and set(ids) <= {v.public_id for v in videos[-6:]}
    # A narrow query is not windowed: the oldest video is still found.
    assert [v["id"] for v in api.get("/api/v1/search", q="popular 0").json()["videos"]] == [videos[0].public_id]
