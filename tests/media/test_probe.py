from __future__ import annotations

import os
from pathlib import Path

import pytest

from reelbox.media import probe as probe_module
from reelbox.media.errors import MESSAGES, MediaError, MediaRejected
from reelbox.media.generate import make_audio_only, make_clip, make_image
from reelbox.media.probe import Limits, probe


def rejected(path: Path, limits: Limits = Limits()) -> str:
    with pytest.raises(MediaRejected) as info:
        probe(path, limits)
    return info.value.code


def test_probe_normal_clip(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", duration=1.5, width=360, height=640, fps=30)
    info = probe(clip)
    assert (info.width, info.height) == (360, 640)
    assert (info.coded_width, info.coded_height) == (360, 640)
    assert info.rotation == 0
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert info.fps == pytest.approx(30)
    assert info.video_codec == "h264"
    assert info.has_audio and info.audio_codec == "aac"
    assert info.bitrate and info.bitrate > 0
    assert info.is_portrait and info.short_side == 360


def test_probe_clip_without_audio(tmp_path):
    info = probe(make_clip(tmp_path / "silent.mp4", duration=1, width=320, height=240, tone_hz=None))
    assert not info.has_audio and info.audio_codec is None


def test_rotation_gives_display_dimensions(tmp_path):
    clip = make_clip(tmp_path / "rotated.mp4", duration=1, width=1280, height=720, rotate=90, tone_hz=None)
    info = probe(clip)
    assert (info.coded_width, info.coded_height) == (1280, 720)
    assert info.rotation == 90
    assert (info.width, info.height) == (720, 1280)


def test_upside_down_keeps_dimensions(tmp_path):
    info = probe(make_clip(tmp_path / "flip.mp4", duration=1, width=320, height=180, rotate=180, tone_hz=None))
    assert info.rotation == 180
    assert (info.width, info.height) == (320, 180)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert rejected(empty) == "empty"


def test_too_many_bytes(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", duration=1, width=320, height=240)
    assert rejected(clip, Limits(max_bytes=1000)) == "too_large"


def test_random_bytes(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(64 * 1024))
    assert rejected(junk) == "not_video"


def test_text_file(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100)
    assert rejected(text) == "not_video"


def test_jpeg_renamed(tmp_path):
    image = make_image(tmp_path / "photo.jpg")
    renamed = tmp_path / "photo.mp4"
    image.rename(renamed)
    assert rejected(renamed) == "not_video"


def test_playlist_is_not_a_video(tmp_path):
    # A playlist disguised as a video would make ffmpeg read other files.
    secret = make_clip(tmp_path / "secret.mp4", duration=1, width=320, height=240, faststart=True)
    playlist = tmp_path / "evil.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile://{secret}\n#EXT-X-ENDLIST\n")
    assert rejected(playlist) == "not_video"


def test_audio_only(tmp_path):
    assert rejected(make_audio_only(tmp_path / "song.m4a")) == "audio_only"


def test_truncated_with_index_at_the_end(tmp_path):
    # Phones write the index (moov) last: cut short, the file has no index.
    clip = make_clip(tmp_path / "clip.mp4", duration=2, width=320, height=240)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    assert rejected(cut) == "undecodable"


def test_truncated_with_index_first(tmp_path):
    # The index survives and the first frames decode, but most of the media is gone.
    clip = make_clip(tmp_path / "clip.mp4", duration=2, width=320, height=240, faststart=True)
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    assert rejected(cut) == "undecodable"


def test_header_without_frames(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", duration=2, width=320, height=240, faststart=True)
    info = probe(clip)
    # Keep the header (ftyp + moov); zero the media data so no frame decodes.
    data = bytearray(clip.read_bytes())
    mdat = data.find(b"mdat")
    data[mdat + 4:] = bytes(len(data) - mdat - 4)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(bytes(data))
    assert info.duration > 0
    assert rejected(broken) == "undecodable"


def test_too_long(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", duration=3, width=160, height=120, tone_hz=None)
    assert rejected(clip, Limits(max_duration_s=1)) == "too_long"
    assert probe(clip, Limits(max_duration_s=3)).duration == pytest.approx(3, abs=0.1)


def test_too_small(tmp_path):
    clip = make_clip(tmp_path / "tiny.mp4", duration=1, width=32, height=32, tone_hz=None)
    assert rejected(clip) == "dimensions_too_small"


def test_too_large(tmp_path):
    clip = make_clip(tmp_path / "wide.mp4", duration=1, width=640, height=360, tone_hz=None)
    assert rejected(clip, Limits(max_side=500)) == "dimensions_too_large"


def test_dimensions_checked_before_decoding(tmp_path, monkeypatch):
    clip = make_clip(tmp_path / "wide.mp4", duration=1, width=640, height=360, tone_hz=None)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded a frame before checking the header")

    monkeypatch.setattr(probe_module, "_decode_first", no_decoding)
    assert rejected(clip, Limits(max_side=500)) == "dimensions_too_large"
    assert rejected(clip, Limits(max_duration_s=0.2)) == "too_long"


def test_rejections_carry_code_and_sentence():
    for code, message in MESSAGES.items():
        error = MediaRejected(code)
        assert isinstance(error, MediaError)
        assert error.code == code and error.message == message
        assert message[0].isupper() and message.endswith(".")
