"""The studio in a real browser: pick a file, trim, choose a filter, add text, publish, find it in the feed."""

import time

import pytest

from reelbox.studio.models import Draft
from reelbox.videos.models import Video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_edit_and_publish_from_the_studio(live_server, browser, worker_process, clips, make_user):
    user = make_user("studiouser")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/studio/")
    page.set_input_files("#studio-file", str(clips(duration=3, width=360, height=640)))
    page.click("#studio-upload")
    page.wait_for_selector("#studio-editor:not([hidden])", timeout=30_000)
    page.fill("#trim-start", "0.5")
    page.fill("#trim-end", "2.5")
    page.click("#looks [data-look=mono]")
    assert page.get_attribute("#looks [data-look=mono]", "aria-checked") == "true"
    page.fill("#text-input", "Hello from the studio")
    page.click("#text-add")
    assert "Hello from the studio" in page.inner_text("#text-list")
    page.fill("#caption", "studio reel #madehere")
    page.click("#publish")
    try:
        page.wait_for_selector("#studio-form[data-status=published]", timeout=120_000)
    except Exception:
        raise AssertionError(f"not published: {page.inner_text('#studio-status')!r} "
                             f"{page.inner_text('#studio-error')!r} {problems}") from None
    assert page.locator("#view-video").count() == 1

    draft = Draft.objects.get(owner=user)
    assert draft.recipe["look"] == "mono" and draft.recipe["texts"][0]["text"] == "Hello from the studio"
    assert draft.recipe["trim"] == {"start": 0.5, "end": 2.5}
    video = draft.result_video
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        video.refresh_from_db()
        if video.status == Video.Status.READY:
            break
        time.sleep(0.5)
    assert video.status == Video.Status.READY and video.duration == pytest.approx(2.0, abs=0.1)

    deadline = time.monotonic() + 20
    while True:
        page.goto(f"{live_server.url}/")
        page.locator("article.item").first.wait_for()
        if page.locator(f"article[data-video-id='{video.public_id}']").count():
            break
        assert time.monotonic() < deadline, "the studio video never reached the feed"
        time.sleep(1)
    caption = page.locator(f"article[data-video-id='{video.public_id}'] .caption").inner_text()
    assert caption == "studio reel #madehere"
    assert not problems, problems
    context.close()


def test_record_with_the_camera(live_server, chromium_path, client, make_user):
    """A fake camera: the 3-2-1 countdown, a recording, its upload as a draft (WebM without a duration)."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    user = make_user()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=[
                *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            context.grant_permissions(["camera", "microphone"])
            page = context.new_page()
            page.goto(f"{live_server.url}/studio/")
            page.click("#camera-open")
            page.wait_for_selector("#camera:not([hidden])")
            page.click("#record-start")
            page.wait_for_selector("#countdown:not([hidden])")
            assert page.inner_text("#countdown") in ("3", "2")
            page.wait_for_selector("#record-stop:not([disabled])", timeout=10_000)
            page.wait_for_timeout(1500)
            page.click("#record-stop")
            page.wait_for_function("document.getElementById('clip-summary').textContent.includes('recording-1')")
            page.click("#studio-upload")
            page.wait_for_selector("#studio-editor:not([hidden])", timeout=30_000)
            draft = Draft.objects.get(owner=user)
            assert draft.status == Draft.Status.DRAFT and 0.8 < draft.duration < 5
            browser.close()
    finally:
        from django.db import connections

        connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
