"""The feed's cached video JSON is read as rows; it must equal what the model path gives, field for field."""

import json

import pytest

from reelbox.accounts.models import User
from reelbox.studio.models import Sound, VideoSound
from reelbox.videos import queries
from reelbox.videos.models import Rendition, Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def test_rows_and_models_give_the_same_json():
    plain = User.objects.create_user("plain", "p@example.test", "a long passphrase")
    styled = User.objects.create_user("styled", "s@example.test", "a long passphrase", display_name="Styled One",
                                      avatar="avatars/styled.png")
    library = Sound.objects.create(title="Library track", kind=Sound.Kind.LIBRARY)
    original = Sound.objects.create(title="", owner=styled)
    videos = [ready_video(plain, caption="#plain no sound"), ready_video(styled, caption="with a track"),
              ready_video(styled, caption="original sound")]
    VideoSound.objects.create(video=videos[1], sound=library)
    VideoSound.objects.create(video=videos[2], sound=original)
    Video.objects.filter(pk=videos[2].pk).update(language="pt-br", like_count=7, error_code="")
    Rendition.objects.create(video=videos[2], height=360, width_px=360, height_px=640, bitrate=400_000,
                             mp4_path="videos/x/360.mp4", hls_path="videos/x/360/index.m3u8")
    pks = [v.pk for v in videos]
    queries.clear_cache()
    rows = [json.loads(text) for text in queries.serialize_many(pks)]
    models = [queries.serialize(v) for v in queries.with_media(Video.objects.filter(pk__in=pks)).order_by("pk")]
    assert rows == models
    assert [r["sound"] and r["sound"]["title"] for r in rows] == [None, "Library track", ""]
    assert rows[1]["author"]["display_name"] == "Styled One" and rows[1]["author"]["avatar_url"].endswith("styled.png")
    assert [r["height"] for r in rows[2]["renditions"]] == [720, 360]


def test_rows_skip_what_is_not_playable():
    author = User.objects.create_user("author", "a@example.test", "a long passphrase")
    shown, hidden = ready_video(author), ready_video(author)
    Video.objects.filter(pk=hidden.pk).update(visibility=Video.Visibility.PRIVATE)
    queries.clear_cache()
    assert [json.loads(t)["id"] for t in queries.serialize_many([hidden.pk, shown.pk])] == [shown.public_id]


def test_one_video_carries_the_viewers_state_in_few_queries(auth_api, make_user, django_assert_max_num_queries):
    from reelbox.social.models import Bookmark, Follow, Like

    other = make_user()
    mine, theirs = ready_video(auth_api.user), ready_video(other)
    # The uploader polls their video while it is still processing: their state is there too.
    Video.objects.filter(pk=mine.pk).update(status=Video.Status.PROCESSING)
    Like.objects.create(user=auth_api.user, video=theirs)
    Bookmark.objects.create(user=auth_api.user, video=theirs)
    Follow.objects.create(follower=auth_api.user, followee=other, status=Follow.Status.ACCEPTED)
    auth_api.get(f"/api/v1/videos/{mine.public_id}")  # the token's first use is recorded once
    # Token, video with renditions, likes, bookmarks, moderation state: no follow lookup on one's own video.
    with django_assert_max_num_queries(6):
        own = auth_api.get(f"/api/v1/videos/{mine.public_id}").json()
    assert own["status"] == "processing"
    assert own["viewer"] == {"liked": False, "bookmarked": False, "follow": None, "is_author": True}
    seen = auth_api.get(f"/api/v1/videos/{theirs.public_id}").json()
    assert seen["viewer"] == {"liked": True, "bookmarked": True, "follow": "accepted", "is_author": False}
    assert auth_api.client.get(f"/api/v1/videos/{theirs.public_id}").json().get("viewer") is None  # anonymous
