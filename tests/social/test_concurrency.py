"""Counters stay exact under concurrent writers (real threads, real connections, committed transactions)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from reelbox.accounts import actions as account_actions
from reelbox.accounts.models import User
from reelbox.social.models import Comment, Follow, Like
from reelbox.videos.models import Video
from tests.conftest import Api
from tests.factories import ready_video

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 32


def clients(n):
    out = []
    for i in range(n):
        user = User.objects.create(username=f"racer{i}", email=f"racer{i}@example.test")
        out.append(Api(Client(), account_actions.issue_token(user)))
    return out


def race(apis, work):
    """Run ``work(api)`` in one thread per client, all released at once; return their results."""
    barrier = threading.Barrier(len(apis))
    results, errors = [None] * len(apis), []

    def run(i, api):
        try:
            barrier.wait()
            results[i] = work(api)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, api)) for i, api in enumerate(apis)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def test_32_threads_liking_one_video():
    video = ready_video(User.objects.create(username="author", email="author@example.test"))
    apis = clients(THREADS)
    url = f"/api/v1/videos/{video.public_id}/like"
    statuses = race(apis, lambda api: [api.post(url).status_code for _ in range(2)])
    assert all(s == [200, 200] for s in statuses), statuses
    video.refresh_from_db()
    assert video.like_count == Like.objects.filter(video=video).count() == THREADS


def test_concurrent_like_unlike_comment_and_follow_keep_counts_equal_to_rows():
    author = User.objects.create(username="author", email="author@example.test")
    video = ready_video(author)
    apis = clients(16)
    v = video.public_id

    def work(api):
        for i in range(3):
            api.post(f"/api/v1/videos/{v}/like")
            api.delete(f"/api/v1/videos/{v}/like")
            api.post(f"/api/v1/videos/{v}/like")
            assert api.post(f"/api/v1/videos/{v}/comments", {"text": f"comment {i}"}).status_code == 201
            api.post("/api/v1/users/author/follow")
            api.delete("/api/v1/users/author/follow")
            api.post("/api/v1/users/author/follow")

    race(apis, work)
    video.refresh_from_db()
    author.refresh_from_db()
    assert video.like_count == Like.objects.filter(video=video).count() == 16
    assert video.comment_count == Comment.objects.filter(video=video).count() == 48
    assert author.follower_count == Follow.objects.filter(followee=author).count() == 16
    assert sorted(User.objects.filter(username__startswith="racer").values_list("following_count", flat=True)) == [1] * 16
    assert Video.objects.get(pk=video.pk).like_count == 16


def test_32_threads_sharing_and_viewing_one_video():
    from reelbox.feed.models import Event
    from reelbox.social.models import Share

    video = ready_video(User.objects.create(username="author", email="author@example.test"))
    apis = clients(THREADS)
    v = video.public_id

    def work(api):
        out = []
        for _ in range(2):
            out.append(api.post(f"/api/v1/videos/{v}/share", {"channel": "link"}).status_code)
            out.append(api.post("/api/v1/events", {"events": [{"video_id": v, "type": "play"}]}).status_code)
        return out

    statuses = race(apis, work)
    assert all(s == [200] * 4 for s in statuses), statuses
    video.refresh_from_db()
    assert video.share_count == Share.objects.filter(video=video).count() == 2 * THREADS
    assert video.view_count == Event.objects.filter(video=video, type=Event.Type.PLAY).count() == 2 * THREADS
