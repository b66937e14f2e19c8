"""Shared fixtures: API clients, users, generated clips, and a worker to drain the queue."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
_names = itertools.count()


def require_service(available: bool, reason: str) -> None:
    """Skip without a service, except in CI where a missing service is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _no_rate_limit_leaks():
    from reelbox.core import ratelimit
    from reelbox.feed.queries import clear_caches

    ratelimit.reset()
    clear_caches()
    yield


@pytest.fixture
def make_user(db):
    from reelbox.accounts import actions

    def make(username: str | None = None, password: str = "correct horse battery staple"):
        username = username or f"user{next(_names)}"
        user = actions.signup(username=username, email=f"{username}@example.test", password=password)
        user.raw_password = password
        return user

    return make


class Api:
    """A thin JSON client over Django's test client, with an optional bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self, extra):
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path, headers=None, **params):
        return self.client.get(path, params, headers=self._headers(headers))

    def post(self, path, json=None, headers=None):
        return self.client.post(path, json, content_type="application/json", headers=self._headers(headers))

    def patch(self, path, json=None, headers=None):
        return self.client.patch(path, json, content_type="application/json", headers=self._headers(headers))

    def delete(self, path, headers=None):
        return self.client.delete(path, headers=self._headers(headers))

    def upload(self, path, file_path: Path, caption: str = "", field="file"):
        with open(file_path, "rb") as fh:
            return self.client.post(path, {field: fh, "caption": caption}, headers=self._headers(None))


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def auth_api(client, make_user):
    from reelbox.accounts import actions

    user = make_user()
    api = Api(client, actions.issue_token(user))
    api.user = user
    return api


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """Generated clips, made once per run: each test gets a path it may read."""
    from reelbox.media.generate import make_clip

    root = tmp_path_factory.mktemp("clips")
    cache: dict[tuple, Path] = {}

    def get(**kwargs) -> Path:
        key = tuple(sorted(kwargs.items()))
        if key not in cache:
            path = root / f"clip{len(cache)}.mp4"
            make_clip(path, **kwargs)
            cache[key] = path
        return cache[key]

    return get


@pytest.fixture
def drain():
    """Run queued background jobs to completion in this process."""
    from reelbox.worker import run

    def go():
        run(queues=["*"], batch=True, interval=0)

    return go


@pytest.fixture
def media_root(settings):
    return Path(settings.MEDIA_ROOT)


def stored_files(media_root: Path, video) -> list[Path]:
    root = media_root / video.media_prefix
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    require_service(os.path.exists(path), "Chromium is not installed (apt-get install chromium)")
    return path


def worker_env(stale_s: int = 120) -> dict:
    """Environment for a worker process that works on the test database and data dir."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER'] or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return os.environ | {"REELBOX_DATABASE_URL": url, "REELBOX_DATA_DIR": str(settings.DATA_DIR),
                         "REELBOX_STALE_JOB_S": str(stale_s), "DJANGO_SETTINGS_MODULE": "reelbox.settings"}


def start_worker(stale_s: int = 120, *extra: str) -> subprocess.Popen:
    from django.conf import settings

    log = open(Path(settings.DATA_DIR) / "worker.log", "ab")  # noqa: SIM115 (kept for the process's life)
    return subprocess.Popen([sys.executable, "-m", "reelbox.cli", "worker", *extra], env=worker_env(stale_s),
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=log)


@pytest.fixture
def worker_process():
    """A real `reelbox worker` process for tests that need one (live server, crash recovery)."""
    import signal

    proc = start_worker()
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # Live-server request threads would otherwise keep persistent PostgreSQL
    # connections open and block dropping the test database.
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    connections["default"].settings_dict["CONN_MAX_AGE"] = 0
