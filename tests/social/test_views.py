import pytest

from reelbox.accounts.models import User
from reelbox.social import actions
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, make_user):
    user = make_user("viewer")
    client.force_login(user)
    client.user = user
    return client


def test_profile_shows_counts_and_follow_button(logged_in, make_user):
    star = make_user("star")
    actions.follow(logged_in.user, star)
    html = logged_in.get("/@star").content.decode()
    assert 'class="follower-count">1<' in html
    assert 'data-state="accepted"' in html and "profile.js" in html


def test_private_profile_hides_videos_from_non_followers(logged_in, make_user):
    owner = make_user("owner")
    video = ready_video(owner, caption="secret stuff")
    actions.update_privacy(owner, is_private=True)
    html = logged_in.get("/@owner").content.decode()
    assert video.public_id not in html and "This account is private" in html
    assert logged_in.get(f"/v/{video.public_id}").status_code == 404
    actions.follow(logged_in.user, owner)
    actions.approve_request(owner, logged_in.user)
    assert video.public_id in logged_in.get("/@owner").content.decode()
    assert logged_in.get(f"/v/{video.public_id}").status_code == 200


def test_blocked_profile_and_video_pages_are_404(logged_in, make_user):
    other = make_user("other")
    video = ready_video(other)
    actions.block(other, logged_in.user)
    assert logged_in.get("/@other").status_code == 404
    assert logged_in.get(f"/v/{video.public_id}").status_code == 404


def test_privacy_form_saves_and_lists_requests_and_blocks(logged_in, make_user):
    asker, pest = make_user("asker"), make_user("pest")
    response = logged_in.post("/settings/privacy", {"is_private": "on", "who_can_comment": "followers",
                                                   "who_can_duet": "nobody", "who_can_stitch": "everyone",
                                                   "who_can_download": "everyone", "who_can_message": "nobody"})
    assert response.status_code == 302
    user = User.objects.get(pk=logged_in.user.pk)
    assert user.is_private and user.who_can_comment == "followers" and user.who_can_duet == "nobody"
    actions.follow(asker, user)
    actions.block(user, pest)
    html = logged_in.get("/settings/privacy").content.decode()
    assert "@asker" in html and "@pest" in html
    logged_in.post("/settings/privacy/requests/asker/approve")
    assert User.objects.get(pk=user.pk).follower_count == 1
    logged_in.post("/settings/privacy/blocked/pest/unblock")
    assert "@pest" not in logged_in.get("/settings/privacy").content.decode()
    bad = logged_in.post("/settings/privacy", {"who_can_comment": "martians"})
    assert bad.status_code == 400


def test_privacy_page_needs_login(client):
    assert client.get("/settings/privacy").status_code == 302
    assert client.get("/bookmarks").status_code == 302


def test_bookmarks_page(logged_in, make_user):
    video = ready_video(make_user("author"))
    actions.bookmark(logged_in.user, video.public_id)
    assert video.public_id in logged_in.get("/bookmarks").content.decode()


def test_video_page_has_actions_and_viewer_state(logged_in, make_user):
    video = ready_video(make_user("author"))
    actions.like(logged_in.user, video.public_id)
    html = logged_in.get(f"/v/{video.public_id}").content.decode()
    assert 'class="act like"' in html and 'id="comment-sheet"' in html
    assert '"liked": true' in html


def test_author_changes_video_privacy_on_its_page(client, make_user):
    author, other = make_user("author"), make_user("other")
    video = ready_video(author)
    client.force_login(other)
    assert "Privacy for this video" not in client.get(f"/v/{video.public_id}").content.decode()
    assert client.post(f"/v/{video.public_id}/settings", {"visibility": "private"}).status_code == 404
    client.force_login(author)
    assert "Privacy for this video" in client.get(f"/v/{video.public_id}").content.decode()
    response = client.post(f"/v/{video.public_id}/settings", {"visibility": "followers", "allow_duet": "on"})
    assert response.status_code == 302
    video.refresh_from_db()
    assert (video.visibility, video.comments_enabled, video.allow_duet, video.allow_stitch) == (
        "followers", False, True, False)


def test_follower_and_following_pages(logged_in, make_user):
    from django.test import Client

    star = make_user("star")
    fan = make_user("fan")
    actions.follow(fan, star)
    actions.follow(logged_in.user, star)
    html = logged_in.get("/@star").content.decode()
    assert 'href="/@star/followers"' in html and 'href="/@star/following"' in html
    followers = logged_in.get("/@star/followers").content.decode()
    assert "@fan" in followers and "@viewer" in followers
    assert "@star" in logged_in.get("/@fan/following").content.decode()
    # A private account's lists only for its followers; across a block, no page at all.
    actions.update_privacy(star, is_private=True)
    outsider = make_user("outsider")
    client = Client()
    client.force_login(outsider)
    page = client.get("/@star/followers").content.decode()
    assert "@fan" not in page and "This account is private" in page
    assert "@fan" in logged_in.get("/@star/followers").content.decode()
    actions.block(star, outsider)
    assert client.get("/@star/followers").status_code == 404
    assert client.get("/@nobody/following").status_code == 404
