"""The tus 1.0 resumable upload, driven by the official tuspy client against a live server."""

import base64
import hashlib
import socket
import time
from urllib.parse import urlparse

import pytest
import requests
from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError

from reelbox.accounts import actions as account_actions
from reelbox.videos.models import Upload, Video

pytestmark = pytest.mark.django_db(transaction=True)
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def token(make_user):
    return account_actions.issue_token(make_user())


@pytest.fixture
def endpoint(live_server):
    return f"{live_server.url}/api/v1/uploads/"


def tus(endpoint, token):
    return tus_client.TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})


def test_options_advertises_extensions(endpoint):
    response = requests.options(endpoint, timeout=10)
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) >= {"creation", "termination", "checksum"}
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"]


def test_tuspy_upload_becomes_a_video(endpoint, token, clips):
    path = clips(duration=1.5, width=360, height=640)
    uploader = tus(endpoint, token).uploader(str(path), chunk_size=64 * 1024, upload_checksum=True,
                                             metadata={"caption": "via tus #résumé 你好", "filename": "a.mp4",
                                                       "language": "zh-hans"})
    uploader.upload()
    info = requests.get(uploader.url, headers=TUS | {"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert info["offset"] == info["length"] == path.stat().st_size
    video = Video.objects.get(public_id=info["video_id"])
    assert video.caption == "via tus #résumé 你好" and video.source_size == path.stat().st_size
    assert video.language == "zh-hans"  # the creator's choice, from the upload page's picker
    head = requests.head(uploader.url, headers=TUS | {"Authorization": f"Bearer {token}"}, timeout=10)
    assert head.headers["Reelbox-Video-Id"] == video.public_id


def test_interrupted_upload_resumes(endpoint, token, clips, live_server):
    path = clips(duration=2, width=480, height=854)
    data = path.read_bytes()
    chunk = 32 * 1024
    first = tus(endpoint, token).uploader(str(path), chunk_size=chunk)
    first.upload(stop_at=3 * chunk)  # the client goes away after three chunks
    # A connection dropped in the middle of a PATCH: headers promise more than arrives.
    url = urlparse(first.url)
    raw = socket.create_connection((url.hostname, url.port), timeout=10)
    body = data[3 * chunk: 3 * chunk + 5000]
    raw.sendall((f"PATCH {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nTus-Resumable: 1.0.0\r\n"
                 f"Authorization: Bearer {token}\r\nUpload-Offset: {3 * chunk}\r\n"
                 f"Content-Type: application/offset+octet-stream\r\nContent-Length: {chunk}\r\n\r\n").encode() + body)
    raw.close()
    auth = TUS | {"Authorization": f"Bearer {token}"}
    # The server keeps the bytes that arrived (WSGI) or drops the broken
    # request whole (ASGI buffers bodies); either way nothing is corrupted.
    settled, previous = 0, None
    for _ in range(100):
        offset = int(requests.head(first.url, headers=auth, timeout=10).headers["Upload-Offset"])
        settled = settled + 1 if offset == previous else 0
        previous = offset
        if settled >= 5:
            break
        time.sleep(0.1)
    resumed = tus(endpoint, token).uploader(str(path), url=first.url, chunk_size=chunk, retries=3, retry_delay=1)
    assert resumed.offset in (3 * chunk, 3 * chunk + 5000)
    resumed.upload()
    video_id = requests.get(first.url, headers=auth, timeout=10).json()["video_id"]
    video = Video.objects.get(public_id=video_id)
    from django.core.files.storage import default_storage

    with default_storage.open(video.source_path, "rb") as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest()


def test_checksum_mismatch_is_460_and_discards_the_chunk(endpoint, token):
    auth = TUS | {"Authorization": f"Bearer {token}"}
    created = requests.post(endpoint, headers=auth | {"Upload-Length": "100"}, timeout=10)
    assert created.status_code == 201
    url = created.headers["Location"]
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    response = requests.patch(url, data=b"x" * 50, timeout=10, headers=auth | {
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream", "Upload-Checksum": f"sha1 {wrong}"})
    assert response.status_code == 460
    assert requests.head(url, headers=auth, timeout=10).headers["Upload-Offset"] == "0"


def test_protocol_errors(endpoint, token):
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.post(endpoint, headers=auth | {"Upload-Length": "10"}, timeout=10).status_code == 412
    assert requests.post(endpoint, headers=TUS | {"Upload-Length": "10"}, timeout=10).status_code == 401
    auth |= TUS
    assert requests.post(endpoint, headers=auth | {"Upload-Length": "abc"}, timeout=10).json()["code"] == "invalid_length"
    assert requests.post(endpoint, headers=auth | {"Upload-Length": "0"}, timeout=10).json()["code"] == "empty"
    huge = requests.post(endpoint, headers=auth | {"Upload-Length": str(10**13)}, timeout=10)
    assert huge.status_code == 413
    bad_meta = requests.post(endpoint, headers=auth | {"Upload-Length": "5", "Upload-Metadata": "caption !!!"},
                             timeout=10)
    assert bad_meta.json()["code"] == "invalid_metadata"
    klingon = base64.b64encode(b"tlh").decode()
    bad_language = requests.post(endpoint, headers=auth | {"Upload-Length": "5", "Upload-Metadata": f"language {klingon}"},
                                 timeout=10)
    assert bad_language.status_code == 400 and bad_language.json()["code"] == "invalid_language"
    url = requests.post(endpoint, headers=auth | {"Upload-Length": "10"}, timeout=10).headers["Location"]
    patch = auth | {"Content-Type": "application/offset+octet-stream"}
    assert requests.patch(url, data=b"abc", headers=patch | {"Upload-Offset": "5"}, timeout=10).status_code == 409
    over = requests.patch(url, data=b"x" * 11, headers=patch | {"Upload-Offset": "0"}, timeout=10)
    assert over.status_code == 413
    assert requests.patch(url, data=b"abc", headers=auth | {"Upload-Offset": "0"}, timeout=10).status_code == 415


def test_someone_elses_upload_is_404(endpoint, token, make_user):
    auth = TUS | {"Authorization": f"Bearer {token}"}
    url = requests.post(endpoint, headers=auth | {"Upload-Length": "10"}, timeout=10).headers["Location"]
    other = TUS | {"Authorization": f"Bearer {account_actions.issue_token(make_user())}"}
    assert requests.head(url, headers=other, timeout=10).status_code == 404


def test_termination_removes_staged_bytes(endpoint, token):
    from reelbox.videos.tus import part_path

    auth = TUS | {"Authorization": f"Bearer {token}"}
    url = requests.post(endpoint, headers=auth | {"Upload-Length": "10"}, timeout=10).headers["Location"]
    upload = Upload.objects.get()
    assert part_path(upload).exists()
    assert requests.delete(url, headers=auth, timeout=10).status_code == 204
    assert not part_path(upload).exists() and not Upload.objects.exists()


def test_finished_upload_of_a_non_video_is_refused_and_cleaned(endpoint, token, tmp_path):
    from reelbox.videos.tus import part_path

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x01" * 5000)
    uploader = tus(endpoint, token).uploader(str(junk), chunk_size=2048)
    with pytest.raises(TusCommunicationError):
        uploader.upload()
    upload = Upload.objects.get()
    assert upload.error_code == "not_video" and upload.video is None
    assert not part_path(upload).exists()
    assert Video.objects.count() == 0
