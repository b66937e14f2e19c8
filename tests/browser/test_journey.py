"""Sign up, upload through the web page, watch the feed play, swipe, and check the player's events."""

import os
import time

import pytest

from reelbox.feed.models import Event
from reelbox.videos.models import Video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def _pairs(events) -> set:
    return {(e.video.public_id, e.get_type_display()) for e in events.select_related("video")}


def current_time(page, video_id: str) -> float:
    return page.evaluate(
        "id => { const v = document.querySelector(`article[data-video-id='${id}'] video`); return v ? v.currentTime : -1 }",
        video_id)


def wait_playing(page, video_id: str, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    t = -1.0
    while time.monotonic() < deadline:
        t = current_time(page, video_id)
        if t > 0.5:
            return t
        page.wait_for_timeout(200)
    raise AssertionError(f"video {video_id} did not play (currentTime={t})")


def test_signup_upload_watch_swipe_events(live_server, browser, worker_process, clips, make_user, drain):
    # Someone else's video already in the feed, so there is something to swipe to.
    other = make_user()
    from reelbox.videos import actions

    actions.create_video(author=other, local_path=clips(duration=3, width=360, height=640, pattern="color"),
                         caption="already here #first")

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type in ("error", "warning") and problems.append(msg.text))
    page.goto(f"{live_server.url}/signup")
    page.fill("#id_username", "webuser")
    page.fill("#id_email", "web@example.test")
    page.fill("#id_password", "a long enough passphrase")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/upload")
    page.set_input_files("#file", str(clips(duration=3, width=720, height=1280)))
    page.fill("#caption", "my first reel #hello")
    page.click("#post")
    try:
        page.wait_for_selector("#upload-form[data-status=ready]", timeout=int(os.environ.get('RB_UPLOAD_WAIT_MS', 120_000)))
    except Exception:
        raise AssertionError(f"upload did not finish: {page.inner_text('#upload-status')!r} {problems}") from None
    assert "Ready" in page.inner_text("#upload-status")
    mine = Video.objects.get(author__username="webuser")
    assert mine.status == Video.Status.READY and mine.caption == "my first reel #hello"

    deadline = time.monotonic() + 60
    while Video.objects.filter(status=Video.Status.READY).count() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)

    from reelbox.feed.queries import CANDIDATE_TTL_S

    time.sleep(CANDIDATE_TTL_S)  # the feed's shared candidate list refreshes on this schedule
    page.goto(f"{live_server.url}/")
    articles = page.locator("article.item")
    articles.first.wait_for()
    assert articles.count() == 2
    first_id = articles.nth(0).get_attribute("data-video-id")
    second_id = articles.nth(1).get_attribute("data-video-id")
    assert first_id == mine.public_id  # newest first
    assert page.locator("article.item .caption").first.inner_text() == "my first reel #hello"
    wait_playing(page, first_id)

    page.keyboard.press("ArrowDown")
    wait_playing(page, second_id)
    page.evaluate("window.reelboxFeed.flush()")

    user_events = Event.objects.filter(user__username="webuser")
    wanted = {(vid, kind) for vid in (first_id, second_id) for kind in ("impression", "play")}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not wanted <= _pairs(user_events):
        time.sleep(0.3)
    kinds = _pairs(user_events)
    everything = list(Event.objects.values_list("user__username", "video__public_id", "type"))
    assert (first_id, "impression") in kinds and (first_id, "play") in kinds, (everything, problems)
    assert (second_id, "impression") in kinds and (second_id, "play") in kinds
    context.close()


def test_phone_and_desktop_layouts_fill_the_screen(live_server, browser, make_user):
    from tests.factories import ready_video

    ready_video(make_user(), caption="layout")
    for viewport in ({"width": 390, "height": 844}, {"width": 1366, "height": 768}):
        page = browser.new_page(viewport=viewport)
        page.goto(f"{live_server.url}/")
        box = page.locator("article.item").first.bounding_box()
        nav = page.locator(".bottomnav").bounding_box()
        assert abs(box["height"] + nav["height"] - viewport["height"]) <= 2
        assert box["width"] == viewport["width"]
        page.close()
