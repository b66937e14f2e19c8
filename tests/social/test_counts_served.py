"""Counts are stored on the video and the user and served from there: no read path counts rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reelbox.social import actions
from reelbox.social.models import Comment, Follow, Like, Share
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

TABLES = [m._meta.db_table for m in (Like, Comment, Share, Follow)]


def counting(queries) -> list[str]:
    """Queries that count or aggregate rows of the social tables."""
    out = []
    for q in queries:
        sql = q["sql"].upper()
        if any(t.upper() in sql for t in TABLES) and ("COUNT(" in sql or "GROUP BY" in sql):
            out.append(q["sql"])
    return out


def test_feeds_profiles_and_videos_are_served_without_counting_rows(api, person):
    bob, fans = person("bob"), [person(f"fan{i}") for i in range(3)]
    videos = [ready_video(bob.user, caption=f"clip {i}") for i in range(3)]
    for fan in fans:
        actions.follow(fan.user, bob.user)
        for video in videos:
            actions.like(fan.user, video.public_id)
            actions.create_comment(fan.user, video.public_id, "nice")
            actions.share(fan.user, video.public_id, "link")
    fan = fans[0]
    paths = [(api, "/api/v1/feed/foryou"), (fan, "/api/v1/feed/foryou"), (fan, "/api/v1/feed/following"),
             (api, "/api/v1/users/bob/videos"), (api, "/api/v1/users/bob"), (api, f"/api/v1/videos/{videos[0].public_id}"),
             (fan, f"/api/v1/me/video-states?ids={','.join(v.public_id for v in videos)}")]
    for caller, path in paths:
        with CaptureQueriesContext(connection) as ctx:
            response = caller.get(path)
        assert response.status_code == 200, (path, response.content[:200])
        assert counting(ctx.captured_queries) == [], path
    items = {i["id"]: i for i in api.get("/api/v1/feed/foryou").json()["items"]}
    for video in videos:
        item = items[video.public_id]
        assert (item["like_count"], item["comment_count"], item["share_count"]) == (
            Like.objects.filter(video=video).count(), Comment.objects.filter(video=video).count(),
            Share.objects.filter(video=video).count()) == (3, 3, 3)
    profile = api.get("/api/v1/users/bob").json()
    assert profile["follower_count"] == Follow.objects.filter(followee=bob.user, status="accepted").count() == 3
