"""Discover in the browser: suggestions as you type, a tag page, a corrected search, linked #tags."""

import pytest

from reelbox.videos import signals
from reelbox.videos.models import Moderation, Video
from tests.factories import ready_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def posted(author, caption):
    video = ready_video(author, caption=caption)
    signals.emit(signals.video_saved, video=video, created=True)
    Video.objects.filter(pk=video.pk).update(moderation=Moderation.APPROVED)
    return video


def test_search_with_suggestions_and_tag_page(live_server, browser, make_user):
    author = make_user("dancer")
    dance = posted(author, "my best move #Dance")
    posted(author, "second try #dance #DanceHall")
    guitar = posted(author, "guitar lesson one")

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/")
    page.click("nav.bottomnav a.nav-discover")
    page.wait_for_url(f"{live_server.url}/discover")

    page.locator("#search-q").press_sequentially("#dan", delay=40)
    first = page.locator("#search-suggest li.hashtag a").first
    first.wait_for()
    assert page.locator("#search-suggest li.hashtag a").all_inner_texts() == ["#Dance", "#DanceHall"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/tag/dance")
    assert page.locator("h1").inner_text() == "#Dance"
    assert page.locator(".video-count").inner_text() == "2 videos"
    assert page.locator(f"a[href='/v/{dance.public_id}']").count() == 1

    # A misspelt search still finds the video, and says what it searched for instead.
    page.goto(f"{live_server.url}/discover")
    page.fill("#search-q", "gitar lesson")
    with page.expect_navigation():
        page.press("#search-q", "Enter")
    assert page.url.endswith("/discover?q=gitar+lesson"), page.url
    assert "guitar lesson" in page.locator(".corrected").inner_text()
    assert page.locator(f".results a[href='/v/{guitar.public_id}']").count() == 1

    # Captions in the player link their hashtags to tag pages.
    page.goto(f"{live_server.url}/v/{dance.public_id}")
    link = page.locator("article .caption a.hashtag").first
    link.wait_for()
    assert link.inner_text() == "#Dance" and link.get_attribute("href") == "/tag/dance"
    assert problems == []
    page.close()
