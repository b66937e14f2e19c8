"""Two people in two browsers: a direct message arrives live, then a comment notification lights the badge.

This needs what production runs: `reelbox run` serving HTTP through WSGI and WebSockets from its ASGI process,
on its own data directory, so the test talks to it only over HTTP and WebSocket.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port, ws_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOX_")}
    env |= {"REELBOX_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "reelbox.settings",
            "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - open for the server's life
    proc = subprocess.Popen([sys.executable, "-m", "reelbox.cli", "run", "--no-worker", "--no-seed", "--port",
                             str(port), "--ws-port", str(ws_port), "--web-workers", "1"],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/v1/ping", timeout=1).status_code == 200:
                    with socket.create_connection(("127.0.0.1", ws_port), timeout=1):
                        break
            except (httpx.HTTPError, OSError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url, env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def signup(url: str, username: str) -> str:
    response = httpx.post(f"{url}/api/v1/auth/signup", json={
        "username": username, "email": f"{username}@example.test", "password": "correct horse battery staple"})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def make_video(env: dict, username: str) -> str:
    code = ("import django; django.setup(); from reelbox.accounts.models import User; "
            "from tests.factories import ready_video; "
            f"print(ready_video(User.objects.get(username={username!r}), caption='live clip').public_id)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def log_in(browser, url: str, username: str):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{url}/login")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery staple")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.problems = problems
    return page


def test_message_and_comment_notification_arrive_live(server, browser):
    url, env = server
    alice_token, bob_token = signup(url, "alice"), signup(url, "bob")
    alice_api = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {alice_token}"})
    bob_api = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {bob_token}"})
    assert bob_api.patch("/me/privacy", json={"who_can_message": "everyone"}).status_code == 200
    video_id = make_video(env, "alice")
    conversation = alice_api.post("/conversations", json={"members": ["bob"]}).json()["id"]

    alice, bob = log_in(browser, url, "alice"), log_in(browser, url, "bob")
    for page in (alice, bob):
        page.goto(f"{url}/messages/{conversation}")
        page.wait_for_function("document.body.dataset.live === 'open'", timeout=15_000)

    alice.fill("#message-text", "hello <b>bob</b>")
    alice.click("#message-form .send")
    arrived = bob.locator("#messages .message-text", has_text="hello <b>bob</b>")
    arrived.wait_for(timeout=10_000)
    assert bob.locator("#messages .message-text b").count() == 0  # text, not markup
    # Bob's page marks it read; Alice sees the receipt.
    alice.wait_for_function("document.getElementById('read-receipt').textContent.includes('Seen')",
                            timeout=10_000)

    assert alice.locator("#notification-badge").is_hidden()
    response = bob_api.post(f"/videos/{video_id}/comments", json={"text": "love this"})
    assert response.status_code == 201, response.text
    alice.wait_for_function(
        "() => { const b = document.getElementById('notification-badge'); return !b.hidden && b.textContent === '1'; }",
        timeout=10_000)
    alice.goto(f"{url}/notifications")
    assert "bob commented on your video" in alice.content()
    assert alice.problems == [] and bob.problems == []
    alice_api.close()
    bob_api.close()
