"""A video whose ladder is still encoding plays in the browser from its growing HLS playlist."""

import time

import pytest

from reelbox.videos.models import Video
from tests.browser.test_journey import wait_playing

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_plays_while_the_ladder_encodes(live_server, browser, worker_process, clips, make_user):
    from reelbox.videos import actions

    video = actions.create_video(author=make_user(), caption="still encoding",
                                 local_path=clips(duration=12, width=1080, height=1920, grain=10))
    deadline = time.monotonic() + 240
    while Video.objects.get(pk=video.pk).status != Video.Status.READY:
        assert time.monotonic() < deadline, "the video never became ready"
        time.sleep(0.05)
    assert not video.renditions.exists(), "nothing was published before the ladder finished"

    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/v/{video.public_id}")
    wait_playing(page, video.public_id, timeout=60)
    # Played through Media Source Extensions (hls.js), from the start, not from the live edge.
    src, start = page.evaluate("() => { const v = document.querySelector('video');"
                               " return [v.currentSrc, v.played.length ? v.played.start(0) : -1] }")
    assert src.startswith("blob:") and start < 0.5
    assert not problems
