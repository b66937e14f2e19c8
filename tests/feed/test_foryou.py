import gc
from datetime import timedelta

import pytest
from django.utils import timezone

from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def walk(api, limit=4):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        body = api.get("/api/v1/feed/foryou", **params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor or pages > 50:
            return seen


def test_cold_feed_mixes_most_watched_and_new_videos_without_repeats(api, make_user):
    author = make_user()
    now = timezone.now()
    videos = [ready_video(make_user(), view_count=i * 10, created_at=now - timedelta(minutes=i)) for i in range(11)]
    # Not playable: never in the feed.
    Video.objects.create(author=author, status=Video.Status.PROCESSING, media_prefix="x")
    Video.objects.create(author=author, status=Video.Status.FAILED, media_prefix="y")
    first = api.get("/api/v1/feed/foryou", limit=4).json()
    ids = [item["id"] for item in first["items"]]
    newest, most_watched = videos[0].public_id, videos[10].public_id
    # No model and no history: the most watched first, a new video being discovered every third slot.
    assert ids[0] == most_watched and ids[2] == newest
    reasons = [item["reason"]["code"] for item in first["items"]]
    assert reasons[0] == "popular" and reasons[2] == "new_video"
    assert all(item["reason"]["text"] for item in first["items"])
    everything = walk(api)
    assert sorted(everything) == sorted(v.public_id for v in videos)
    assert len(everything) == len(set(everything))


def test_feed_items_have_the_video_shape(api, make_user):
    ready_video(make_user(), caption="hi #there")
    item = api.get("/api/v1/feed/foryou").json()["items"][0]
    assert {"id", "status", "caption", "duration", "width", "height", "poster_url", "hls_url", "renditions",
            "author", "created_at"} <= set(item)
    assert item["renditions"][0]["url"].startswith("/media/")


def test_tampered_cursor_is_refused(api, make_user):
    for _ in range(3):
        ready_video(make_user())
    cursor = api.get("/api/v1/feed/foryou", limit=1).json()["next_cursor"]
    response = api.get("/api/v1/feed/foryou", cursor=cursor[:-2] + "xx")
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


def test_inactive_authors_disappear(api, make_user):
    author = make_user()
    ready_video(author)
    author.is_active = False
    author.save()
    assert api.get("/api/v1/feed/foryou").json()["items"] == []


def test_home_page_renders_first_page_inline(client, make_user):
    video = ready_video(make_user(), caption="inline please")
    page = client.get("/").content.decode()
    assert 'id="feed-items"' in page and video.public_id in page


def test_video_share_page_and_profile(client, make_user):
    author = make_user()
    video = ready_video(author, caption="share me")
    assert "share me" in client.get(f"/v/{video.public_id}").content.decode()
    assert client.get("/v/nope").status_code == 404
    profile = client.get(f"/@{author.username}").content.decode()
    assert f"/v/{video.public_id}" in profile


def test_no_repeats_when_new_videos_arrive_mid_session(api, make_user):
    from reelbox.feed.queries import clear_caches

    author = make_user()
    for i in range(8):
        ready_video(author, view_count=i)
    first = api.get("/api/v1/feed/foryou", limit=4).json()
    shown = [item["id"] for item in first["items"]]
    # New uploads shift the shared candidate lists between two pages.
    for _ in range(3):
        ready_video(author, view_count=100)
    clear_caches()
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/api/v1/feed/foryou", limit=4, cursor=cursor).json()
        shown += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(shown) == len(set(shown))


def test_cursor_size_follows_the_session_not_the_catalogue():
    import numpy as np

    from reelbox.feed.queries import Cursor

    # An old hit and a new upload a million ids apart, on a platform with billions of ids.
    spread = Cursor(positions=[7, 3])
    for pk in (5, 1_100_005, 42, 7_000_000_000):
        spread.add(pk)
    back = Cursor.decode(spread.encode())
    assert back.pks() == [5, 42, 1_100_005, 7_000_000_000] and back.positions == [7, 3]
    assert back.seen(1_100_005) and not back.seen(6)

    dense, wide = Cursor(), Cursor()
    for pk in range(10_000, 10_500):
        dense.add(pk)
    for pk in np.random.default_rng(0).choice(10_000_000, size=500, replace=False).tolist():
        wide.add(pk)
    assert len(dense.encode()) < 200  # consecutive ids: a bitmap
    assert len(wide.encode()) < 4_000  # 500 ids over ten million: gaps, not a 1.2 MB bitmap
    assert Cursor.decode(wide.encode()).pks() == wide.pks()
    assert Cursor.decode(Cursor().encode()).pks() == []
    # Gaps as narrow as the largest allows (2 bytes under 65,536), and a cursor of 8-byte gaps, as every
    # cursor was before, still decodes.
    near = Cursor(shown=set(range(0, 20_000_000, 65_535)))
    assert Cursor.decode(near.encode()).pks() == near.pks()
    assert len(near.encode()) < len(encoded_with_gap_width(near, 8))
    assert Cursor.decode(encoded_with_gap_width(near, 8)).pks() == near.pks()


def encoded_with_gap_width(cursor, width: int) -> str:
    """``cursor`` encoded with its gaps in ``width`` bytes and the matching flag (8: the first format's)."""
    import base64
    import struct
    import zlib

    import numpy as np

    from reelbox.feed import queries

    ids = np.array(cursor.pks(), dtype=np.int64)
    header = struct.pack(">QIII", int(ids[0]), 0, 0, len(ids) | queries._GAPS | queries._GAP_WIDTH_FLAGS[width])
    body = zlib.compress(header + np.diff(ids).astype(f">u{width}").tobytes())
    return queries._signer.sign(base64.urlsafe_b64encode(body).decode().rstrip("="))


def test_cold_list_metadata_stays_out_of_the_collectors_way(api, make_user):
    # Kept per video for the life of a process: entries holding sets would be walked by every full collection.
    from reelbox.feed import queries

    for i in range(3):
        ready_video(make_user(), caption=f"#cats #dogs video {i}")
    assert len(api.get("/api/v1/feed/foryou").json()["items"]) == 3
    # A tuple is untracked once everything in it is: the hashtags' tuple may need one pass before its entry's.
    gc.collect()
    gc.collect()
    assert queries._video_meta and not any(gc.is_tracked(meta) for meta in queries._video_meta.values())
    assert {meta[1] for meta in queries._video_meta.values()} == {("cats", "dogs")}
