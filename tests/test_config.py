"""Settings come from REELBOX_* variables and fail loudly, naming the variable."""

import os
import subprocess
import sys

import pytest

from reelbox import config


def load(monkeypatch, tmp_path, **env):
    for key in list(os.environ):
        if key.startswith("REELBOX_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("REELBOX_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(f"REELBOX_{key}", value)
    return config.load()


def test_defaults(monkeypatch, tmp_path):
    cfg = load(monkeypatch, tmp_path)
    assert cfg.database_url == f"sqlite:///{tmp_path / 'reelbox.sqlite3'}"
    assert cfg.storage == "local" and cfg.max_upload_mb == 500 and cfg.max_duration_s == 600
    # The generated key is kept, private, and reused on the next start.
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load(monkeypatch, tmp_path).secret_key == cfg.secret_key == key_file.read_text()


@pytest.mark.parametrize(("env", "variable"), [
    ({"MAX_UPLOAD_MB": "lots"}, "REELBOX_MAX_UPLOAD_MB"),
    ({"MAX_DURATION_S": "0"}, "REELBOX_MAX_DURATION_S"),
    ({"DATABASE_URL": "mysql://x/y"}, "REELBOX_DATABASE_URL"),
    ({"STORAGE": "ftp://nope"}, "REELBOX_STORAGE"),
    ({"PRODUCTION": "maybe"}, "REELBOX_PRODUCTION"),
    ({"TRANSCODE_PASSES": "two"}, "REELBOX_TRANSCODE_PASSES"),
    ({"PRODUCTION": "true", "ALLOWED_HOSTS": "example.com"}, "REELBOX_SECRET_KEY"),
    ({"PRODUCTION": "true", "ALLOWED_HOSTS": "example.com", "SECRET_KEY": "changeme"}, "REELBOX_SECRET_KEY"),
    ({"PRODUCTION": "true", "SECRET_KEY": "x" * 50}, "REELBOX_ALLOWED_HOSTS"),
])
def test_bad_values_name_the_variable(monkeypatch, tmp_path, env, variable):
    with pytest.raises(config.ConfigError, match=variable):
        load(monkeypatch, tmp_path, **env)


@pytest.mark.parametrize(("env", "passes"), [
    ({}, "cascade"),
    ({"TRANSCODE_PASSES": "One-Pass"}, "one-pass"),
    # The boolean this setting replaced still counts when it is the one set.
    ({"TRANSCODE_FIRST_ALONE": "true"}, "first-alone"),
    ({"TRANSCODE_FIRST_ALONE": "false"}, "one-pass"),
    ({"TRANSCODE_FIRST_ALONE": "false", "TRANSCODE_PASSES": "cascade"}, "cascade"),
])
def test_transcode_passes(monkeypatch, tmp_path, env, passes):
    assert load(monkeypatch, tmp_path, **env).transcode_passes == passes


def test_database_connections_outlive_a_request(monkeypatch, tmp_path):
    # Reopening SQLite per request (schema parsed, WAL checkpointed at close) cost a third of a personal page.
    from reelbox import settings as project

    monkeypatch.setattr(project, "CONFIG", load(monkeypatch, tmp_path))
    assert project._databases()["default"]["CONN_MAX_AGE"] is None
    monkeypatch.setattr(project, "CONFIG", load(monkeypatch, tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x"))
    assert project._databases()["default"]["CONN_MAX_AGE"] == 60


def test_the_asgi_process_closes_connections_after_each_request(tmp_path):
    # Django's ASGI handler gives each request a thread of its own: a kept connection would never be reused.
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOX_")} | {"REELBOX_DATA_DIR": str(tmp_path)}
    code = "import reelbox.asgi; from django.db import connections; print(connections['default'].settings_dict['CONN_MAX_AGE'])"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split()[-1:] == ["0"], result.stderr[-2000:]


def test_production_with_a_real_key(monkeypatch, tmp_path):
    cfg = load(monkeypatch, tmp_path, PRODUCTION="1", SECRET_KEY="k" * 40, ALLOWED_HOSTS="a.example, b.example")
    assert cfg.production and not cfg.debug and cfg.allowed_hosts == ["a.example", "b.example"]


def test_the_command_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOX_")}
    env |= {"REELBOX_DATA_DIR": str(tmp_path), "REELBOX_MAX_UPLOAD_MB": "lots"}
    result = subprocess.run([sys.executable, "-m", "reelbox.cli", "manage", "check"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "REELBOX_MAX_UPLOAD_MB must be an integer" in result.stderr


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_reelbox_run_serves_on_both_interfaces(tmp_path, interface):
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOX_")} | {"REELBOX_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "reelbox.cli", "run", "--no-seed", "--no-worker", "--port", str(port),
                             "--interface", interface, "--web-workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/feed/foryou", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        assert response.status_code == 200 and response.json() == {"next_cursor": None, "items": []}
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert home.status_code == 200 and "rb_device" in home.headers.get("set-cookie", "")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
