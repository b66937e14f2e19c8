"""The same upload and transcode path on S3-compatible storage (a moto server stands in for S3)."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import require_service

SCRIPT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reelbox.accounts import actions as accounts
from reelbox.videos import actions, queries
from reelbox.videos.models import Video
from reelbox.worker import run
from pathlib import Path
user = accounts.signup(username="s3user", email="s3@example.test", password="a long enough passphrase")
video = actions.create_video(author=user, local_path=Path(sys.argv[1]), caption="on s3")
run(queues=["*"], batch=True, interval=0)
video = Video.objects.get(pk=video.pk)
print(json.dumps({"video": queries.serialize(video), "prefix": video.media_prefix}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_endpoint():
    try:
        import moto.server  # noqa: F401
    except ImportError:
        require_service(False, "moto[server] is not installed (pip install 'reelbox[test]')")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_upload_and_transcode_on_s3(s3_endpoint, clips, tmp_path):
    import boto3

    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    s3.create_bucket(Bucket="reelbox-test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELBOX_")} | creds | {
        "REELBOX_DATA_DIR": str(tmp_path), "REELBOX_STORAGE": "s3://reelbox-test/media",
        "REELBOX_S3_ENDPOINT_URL": s3_endpoint, "DJANGO_SETTINGS_MODULE": "reelbox.settings"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(clips(duration=1.5, width=480, height=854))],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    video = out["video"]
    assert video["status"] == "ready", video
    assert video["hls_url"].startswith(f"{s3_endpoint}/reelbox-test/media/{out['prefix']}/")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="reelbox-test")["Contents"]}
    prefix = f"media/{out['prefix']}/"
    for name in ("source", "480.mp4", "360.mp4", "master.m3u8", "poster.jpg", "strip.jpg", "480/index.m3u8"):
        assert prefix + name in keys, sorted(keys)
    # Nothing of the transcode is left on the local disk.
    leftovers = [p for p in (tmp_path / "tmp").glob("transcode-*")]
    assert leftovers == [] and not (tmp_path / "media").exists()
