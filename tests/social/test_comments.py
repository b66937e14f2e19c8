import pytest

from reelbox.social import actions
from reelbox.social.models import Comment, Mention
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(person):
    creator = person("creator")
    video = ready_video(creator.user)
    video.creator = creator
    return video


def url(video):
    return f"/api/v1/videos/{video.public_id}/comments"


def post(api, video, text, parent_id=None):
    return api.post(url(video), {"text": text} | ({"parent_id": parent_id} if parent_id else {}))


def test_post_and_list_comments(api, person, video):
    alice = person("alice")
    response = post(alice, video, "  first!  ")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "first!" and body["author"]["username"] == "alice" and body["parent_id"] is None
    assert body["viewer"] == {"liked": False, "can_delete": True}
    listed = api.get(url(video)).json()
    assert [c["text"] for c in listed["items"]] == ["first!"] and listed["items"][0]["viewer"] is None
    assert Video.objects.get(pk=video.pk).comment_count == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_text_must_be_1_to_500_characters(person, video, text):
    response = post(person(), video, text)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("text:")
    assert Comment.objects.count() == 0


def test_missing_text_names_the_field(person, video):
    response = person().post(url(video), {})
    assert response.status_code == 400 and "text" in response.json()["detail"]


def test_500_characters_is_fine(person, video):
    assert post(person(), video, "x" * 500).status_code == 201


def test_script_is_stored_as_text_and_shown_inert(client, person, video):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    alice = person("alice")
    assert post(alice, video, evil).json()["text"] == evil
    response = alice.get(url(video))
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["items"][0]["text"] == evil
    page = client.get(f"/v/{video.public_id}")
    html = page.content.decode()
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_sort_newest_and_top_with_cursor(api, person, video):
    people = [person() for _ in range(3)]
    ids = [post(people[0], video, f"comment {i}").json()["id"] for i in range(5)]
    # Likes: comment 1 gets 3, comment 3 gets 1.
    for p in people:
        p.post(f"/api/v1/comments/{ids[1]}/like")
    people[0].post(f"/api/v1/comments/{ids[3]}/like")

    def walk(sort):
        seen, cursor = [], None
        while True:
            body = api.get(url(video), sort=sort, limit=2, **({"cursor": cursor} if cursor else {})).json()
            seen += [c["id"] for c in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                return seen

    assert walk("newest") == list(reversed(ids))
    assert walk("top") == [ids[1], ids[3], ids[4], ids[2], ids[0]]
    assert api.get(url(video), sort="loudest").json()["code"] == "invalid_sort"
    assert api.get(url(video), sort="top", cursor="a.b").json()["code"] == "invalid_cursor"


def test_replies_are_one_level_deep(api, person, video):
    alice, bob = person("alice"), person("bob")
    top = post(alice, video, "top").json()["id"]
    reply = post(bob, video, "reply", top).json()
    assert reply["parent_id"] == top
    nested = post(alice, video, "reply to reply", reply["id"]).json()
    assert nested["parent_id"] == top
    assert [c["id"] for c in api.get(url(video)).json()["items"]] == [top]
    parent = api.get(url(video)).json()["items"][0]
    assert parent["reply_count"] == 2
    replies = api.get(f"/api/v1/comments/{top}/replies").json()["items"]
    assert [c["text"] for c in replies] == ["reply", "reply to reply"]
    assert Video.objects.get(pk=video.pk).comment_count == 3
    other = ready_video(video.author)
    assert post(alice, other, "wrong thread", top).status_code == 404


def test_mentions_are_stored_and_returned(person, video, monkeypatch):
    person("bob"), person("carol.c")
    hooked = []
    monkeypatch.setattr(actions, "on_mentioned", lambda comment_id, ids: hooked.append((comment_id, ids)))
    body = post(person("alice"), video, "hey @Bob and @carol.c, not me@example.test nor @ghost_user").json()
    assert body["mentions"] == ["bob", "carol.c"]
    assert sorted(Mention.objects.values_list("user__username", flat=True)) == ["bob", "carol.c"]


def test_mention_hook_runs_on_commit(person, video, django_capture_on_commit_callbacks, monkeypatch):
    person("bob")
    hooked = []
    monkeypatch.setattr(actions, "on_mentioned", lambda comment_id, ids: hooked.append((comment_id, ids)))
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(person("alice"), video, "@bob look").json()
    assert hooked == [(comment["id"], [Mention.objects.get().user_id])]


def test_authors_delete_their_own_and_creators_any(person, video):
    alice, bob = person("alice"), person("bob")
    mine = post(alice, video, "mine").json()["id"]
    theirs = post(bob, video, "theirs").json()["id"]
    reply = post(bob, video, "a reply", mine).json()["id"]
    assert alice.delete(f"/api/v1/comments/{theirs}").status_code == 403
    assert bob.delete(f"/api/v1/comments/{reply}").status_code == 204
    assert Comment.objects.get(pk=mine).reply_count == 0
    assert video.creator.delete(f"/api/v1/comments/{theirs}").status_code == 204
    post(bob, video, "another reply", mine)
    assert alice.delete(f"/api/v1/comments/{mine}").status_code == 204
    assert Comment.objects.count() == 0
    assert Video.objects.get(pk=video.pk).comment_count == 0
    assert alice.delete(f"/api/v1/comments/{mine}").status_code == 404


def test_creator_pins_one_comment(api, person, video):
    alice = person("alice")
    first = post(alice, video, "first").json()["id"]
    second = post(alice, video, "second").json()["id"]
    assert alice.post(f"/api/v1/comments/{first}/pin").status_code == 403
    assert video.creator.post(f"/api/v1/comments/{first}/pin").json() == {"is_pinned": True}
    assert [c["id"] for c in api.get(url(video), sort="newest").json()["items"]] == [first, second]
    video.creator.post(f"/api/v1/comments/{second}/pin")
    items = api.get(url(video), sort="newest").json()["items"]
    assert [(c["id"], c["is_pinned"]) for c in items] == [(second, True), (first, False)]
    reply = post(alice, video, "reply", first).json()["id"]
    assert video.creator.post(f"/api/v1/comments/{reply}/pin").json()["code"] == "cannot_pin_reply"
    assert video.creator.delete(f"/api/v1/comments/{second}/pin").json() == {"is_pinned": False}
    assert Comment.objects.filter(is_pinned=True).count() == 0


def test_comment_likes_are_idempotent(person, video):
    alice = person("alice")
    cid = post(alice, video, "like me").json()["id"]
    for _ in range(2):
        assert alice.post(f"/api/v1/comments/{cid}/like").json() == {"liked": True, "like_count": 1}
    assert alice.get(url(video)).json()["items"][0]["viewer"]["liked"] is True
    for _ in range(2):
        assert alice.delete(f"/api/v1/comments/{cid}/like").json() == {"liked": False, "like_count": 0}


def test_comment_creation_is_rate_limited(person, video, settings):
    settings.REELBOX = settings.REELBOX | {"RATE_LIMITS": settings.REELBOX["RATE_LIMITS"] | {"comment": (2, 60)}}
    alice = person("alice")
    assert post(alice, video, "1").status_code == 201
    assert post(alice, video, "2").status_code == 201
    response = post(alice, video, "3")
    assert response.status_code == 429 and response["Retry-After"]
    assert Comment.objects.count() == 2


def test_comments_turned_off_or_limited_by_the_creator(api, person, video):
    alice = person("alice")
    post(alice, video, "before")
    video.creator.patch(f"/api/v1/videos/{video.public_id}", {"comments_enabled": False})
    response = post(alice, video, "after")
    assert response.status_code == 403 and response.json()["code"] == "comments_off"
    assert api.get(url(video)).json()["items"] == []
    video.creator.patch(f"/api/v1/videos/{video.public_id}", {"comments_enabled": True})
    video.creator.patch("/api/v1/me/privacy", {"who_can_comment": "followers"})
    assert post(alice, video, "not a follower").status_code == 403
    alice.post("/api/v1/users/creator/follow")
    assert post(alice, video, "a follower").status_code == 201
    video.creator.patch("/api/v1/me/privacy", {"who_can_comment": "nobody"})
    assert post(alice, video, "nobody").status_code == 403
    assert post(video.creator, video, "the creator may").status_code == 201


def test_commenting_on_an_invisible_video_is_404(person, video):
    alice = person("alice")
    video.creator.patch(f"/api/v1/videos/{video.public_id}", {"visibility": "private"})
    assert post(alice, video, "hello?").status_code == 404
    assert alice.get(url(video)).status_code == 404
    processing = Video.objects.create(author=video.author, status=Video.Status.PROCESSING, media_prefix="p")
    assert post(alice, processing, "hi").status_code == 404
    assert post(alice, Video(public_id="doesnotexist"), "hi").status_code == 404


def test_video_page_links_mentions_and_escapes_the_rest(client, person, video):
    person("bob")
    post(person("alice"), video, "<i>hi</i> @bob & @nobody_here")
    html = client.get(f"/v/{video.public_id}").content.decode()
    assert '&lt;i&gt;hi&lt;/i&gt; <a class="mention" href="/@bob">@bob</a> &amp; @nobody_here' in html


@pytest.mark.parametrize("sort", ["top", "newest"])
def test_pinned_comment_leads_the_first_page_only(api, person, video, sort):
    fans = [person() for _ in range(2)]
    pinned = actions.create_comment(fans[0].user, video.public_id, "pinned, no likes, oldest").pk
    others = [actions.create_comment(fans[i % 2].user, video.public_id, f"c{i}").pk for i in range(5)]
    for fan in fans:
        actions.like_comment(fan.user, others[2])
    actions.set_pinned(video.creator.user, pinned, True)
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get(url(video), sort=sort, limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen[0] == pinned and seen.count(pinned) == 1
    assert sorted(seen) == sorted([pinned, *others])
    if sort == "top":
        assert seen[1] == others[2]
    else:
        assert seen[1:] == list(reversed(others))


def test_replies_paginate_oldest_first(api, person, video):
    alice = person("alice")
    top = actions.create_comment(alice.user, video.public_id, "top").pk
    replies = [actions.create_comment(alice.user, video.public_id, f"r{i}", top).pk for i in range(5)]
    seen, cursor = [], None
    while True:
        body = api.get(f"/api/v1/comments/{top}/replies", limit=2, **({"cursor": cursor} if cursor else {})).json()
        assert len(body["items"]) <= 2
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == replies
    assert api.get(url(video)).json()["items"][0]["reply_count"] == 5
