"""Studio fixtures: short generated clips with music-like sound, and a helper that makes drafts over the API."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from reelbox.media.ffmpeg import ffmpeg_exe, run_ffmpeg

# Two "songs": note sequences with harmonics, different enough that their fingerprints must not match.
SONGS = {
    "a": "0.4*sin(2*PI*(220+55*mod(floor(t*4),7))*t)+0.2*sin(2*PI*(440+110*mod(floor(t*2),5))*t)"
         "+0.3*sin(2*PI*2*t)*sin(2*PI*(330+33*mod(floor(t*8),3))*t)",
    "b": "0.4*sin(2*PI*(600-40*mod(floor(t*3),9))*t)+0.3*sin(2*PI*(150+25*mod(floor(t*6),4))*t)"
         "*gt(mod(t,0.5),0.25)",
    # Clicks every 0.5 s over a low hum: a clear beat for the auto-edit.
    "beat": "0.9*exp(-40*mod(t,0.5))*sin(2*PI*900*t)+0.1*sin(2*PI*110*t)",
}


def _song_input(song: str, duration: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"aevalsrc='{SONGS[song]}':s=44100:d={duration}"]


@pytest.fixture(scope="session")
def studio_media(tmp_path_factory):
    """``media(kind, **opts)``: cached generated files. kinds: clip (video), song (video with a song), audio."""
    from reelbox.media.generate import make_clip

    root = tmp_path_factory.mktemp("studio-media")
    cache: dict[tuple, Path] = {}

    def get(kind: str = "clip", **opts) -> Path:
        key = (kind, *sorted(opts.items()))
        if key in cache:
            return cache[key]
        path = root / f"{kind}{len(cache)}{'.m4a' if kind in ('audio', 'silence') else '.mp4'}"
        duration = opts.get("duration", 3.0)
        if kind == "clip":
            make_clip(path, duration=duration, width=360, height=640, pattern=opts.get("pattern", "testsrc2"),
                      tone_hz=opts.get("tone_hz", 440))
        elif kind == "song":  # a video whose sound is a song, encoded at a given audio bitrate
            run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s=360x640:r=25:d={duration}",
                        *_song_input(opts.get("song", "a"), duration), "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", f"{opts.get('kbps', 128)}k",
                        "-ar", str(opts.get("rate", 44100)), "-shortest", "-f", "mp4", str(path)], timeout=60)
        elif kind == "audio":
            run_ffmpeg([*_song_input(opts.get("song", "a"), duration), "-c:a", "aac", "-b:a", "128k",
                        "-f", "mp4", str(path)], timeout=60)
        elif kind == "silence":
            run_ffmpeg(["-f", "lavfi", "-i", f"anullsrc=r=44100:cl=stereo:d={duration}", "-c:a", "aac",
                        "-f", "mp4", str(path)], timeout=60)
        else:
            raise ValueError(kind)
        cache[key] = path
        return path

    assert ffmpeg_exe()
    return get


def post_files(api, url: str, files: list[Path], **fields):
    """A multipart POST with one or more ``files`` and plain form fields, through the test client."""
    with contextlib.ExitStack() as stack:
        handles = [stack.enter_context(open(p, "rb")) for p in files]
        data = {"files": handles, **{k: str(v) for k, v in fields.items()}}
        return api.client.post(url, data, headers=api._headers(None))


@pytest.fixture
def make_draft(studio_media):
    def make(api, files: list[Path] | None = None, expect: int = 201, **fields):
        response = post_files(api, "/api/v1/drafts", files or [studio_media("clip")], **fields)
        assert response.status_code == expect, response.content
        return response.json()

    return make


@pytest.fixture
def library_sound(db, studio_media):
    from reelbox.studio import actions

    def make(song: str = "a", duration: float = 8.0, title: str = "Track"):
        return actions.add_library_track(local_path=studio_media("audio", song=song, duration=duration), title=title,
                                         artist="Reelbox", licence="CC0")

    return make


def make_api(client_factory, user):
    from reelbox.accounts import actions

    from tests.conftest import Api

    api = Api(client_factory(), actions.issue_token(user))
    api.user = user
    return api


@pytest.fixture
def api_for(make_user):
    """``api_for(user=None)``: a token client for a (new) user; each has its own Django test client."""
    from django.test import Client

    def make(user=None):
        return make_api(Client, user or make_user())

    return make
