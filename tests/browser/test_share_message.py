"""Share a video from the feed into a direct message: to a recent conversation and to someone found by search.

The video arrives live in the conversation as a card that plays. Same production-like server as the live
messages test: `reelbox run` on its own data directory, talked to only over HTTP and WebSocket.
"""

import subprocess
import sys

import httpx
import pytest

from tests.browser.test_live_messages import ROOT, log_in, signup
from tests.browser.test_live_messages import server as server  # noqa: F401 - the shared server fixture

pytestmark = [pytest.mark.browser]


def make_playable_video(env: dict, username: str) -> str:
    """A ready video whose smallest rendition is a real file in the server's media directory."""
    code = ("import django; django.setup(); from pathlib import Path; from django.conf import settings; "
            "from reelbox.accounts.models import User; from reelbox.media.generate import make_clip; "
            "from tests.factories import ready_video; "
            f"v = ready_video(User.objects.get(username={username!r}), caption='share me'); "
            "p = Path(settings.MEDIA_ROOT) / v.renditions.get().mp4_path; p.parent.mkdir(parents=True, exist_ok=True); "
            "make_clip(p, duration=2, width=360, height=640, pattern='color'); print(v.public_id)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def test_share_a_feed_video_into_messages(server, browser):  # noqa: F811 - the fixture imported above
    url, env = server
    tokens = {name: signup(url, name) for name in ("alice", "bob", "carol")}
    apis = {name: httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"})
            for name, token in tokens.items()}
    for name in ("alice", "carol"):
        assert apis[name].patch("/me/privacy", json={"who_can_message": "everyone"}).status_code == 200
    video_id = make_playable_video(env, "alice")
    conversation = apis["bob"].post("/conversations", json={"members": ["alice"]}).json()["id"]

    alice, bob = log_in(browser, url, "alice"), log_in(browser, url, "bob")
    alice.goto(f"{url}/messages/{conversation}")
    alice.wait_for_function("document.body.dataset.live === 'open'", timeout=15_000)

    item = bob.locator(f"article[data-video-id='{video_id}']")
    item.wait_for(timeout=15_000)
    item.locator(".act.share").click()
    sheet = bob.locator("#share-sheet")
    sheet.wait_for(state="visible")
    # Recent conversations first: the one with alice.
    target = sheet.locator(".share-targets .send-to", has_text="alice")
    target.wait_for(timeout=10_000)
    bob.fill("#share-note", "look at this")
    target.click()
    sheet.locator(".send-to.sent").wait_for(timeout=10_000)

    # It arrives live on alice's open conversation page as a card, and the card plays.
    card = alice.locator("#messages .message .video-card video")
    card.wait_for(timeout=10_000)
    assert alice.locator("#messages .message-text", has_text="look at this").count() == 1
    assert alice.locator("#messages .video-card figcaption a").get_attribute("href") == f"/v/{video_id}"
    alice.reload()
    card = alice.locator("#messages .message .video-card video")
    card.wait_for()
    played = card.evaluate("""v => new Promise((resolve) => {
        v.muted = true;
        v.addEventListener('timeupdate', () => { if (v.currentTime > 0.2) resolve(v.currentTime); });
        v.addEventListener('error', () => resolve(-1));
        v.play().catch(() => resolve(-2));
        setTimeout(() => resolve(v.currentTime), 8000);
    })""")
    assert played > 0.2, played

    # Someone with no conversation yet: found by search, a conversation is started and the video sent.
    bob.fill("#share-search", "car")
    found = sheet.locator(".share-targets .send-to", has_text="@carol")
    found.wait_for(timeout=10_000)
    found.click()
    sheet.locator(".send-to.sent", has_text="@carol").wait_for(timeout=10_000)
    [with_carol] = [c for c in apis["carol"].get("/conversations").json()["items"]]
    [message] = apis["carol"].get(f"/conversations/{with_carol['id']}/messages").json()["items"]
    assert message["video"]["id"] == video_id and message["sender"]["username"] == "bob"
    assert apis["alice"].get(f"/videos/{video_id}").json()["share_count"] == 2

    sheet.locator(".close").click()
    assert sheet.is_hidden()
    assert alice.problems == [] and bob.problems == []
    for api in apis.values():
        api.close()
