"""Sound extraction, loudness normalisation, fingerprints and silence, on generated music."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelbox.media import audio
from reelbox.media.errors import MediaRejected
from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.generate import make_clip, make_music, with_audio


@pytest.fixture(scope="module")
def music_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="module")
def song(music_dir) -> Path:
    return make_music(music_dir / "song.m4a", seed=11, duration=16.0, kbps=192)


@pytest.fixture(scope="module")
def song_fp(song) -> bytes:
    return audio.fingerprint(song)


@pytest.fixture(scope="module")
def silence(music_dir) -> Path:
    path = music_dir / "silence.m4a"
    run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-t", "4", "-c:a", "aac", str(path)], timeout=60)
    return path


def test_extract_sound_normalises_loudness(music_dir, tmp_path):
    # A quiet upload: the song 12 dB down, inside a video.
    quiet = music_dir / "quiet.m4a"
    run_ffmpeg(["-i", str(make_music(music_dir / "q.wav", seed=5, duration=6.0, codec="pcm_s16le")),
                "-af", "volume=-12dB", "-c:a", "aac", str(quiet)], timeout=60)
    video = with_audio(tmp_path / "upload.mp4", make_clip(tmp_path / "v.mp4", duration=6.0, width=180, height=320,
                                                            tone_hz=None), quiet)
    out = tmp_path / "sound.m4a"
    info = audio.extract_sound(video, out)
    assert info.has_audio and not info.silent
    assert info.duration == pytest.approx(6.0, abs=0.15)
    assert info.loudness == pytest.approx(audio.loudness(video), abs=0.1)
    assert info.loudness < -20
    assert audio.loudness(out) == pytest.approx(audio.TARGET_LUFS, abs=1.5)
    assert audio.similarity(audio.fingerprint(out), audio.fingerprint(quiet)) >= audio.SAME_SOUND


def test_extract_sound_without_audio_writes_nothing(tmp_path):
    clip = make_clip(tmp_path / "mute.mp4", duration=1.0, width=160, height=288, tone_hz=None)
    info = audio.extract_sound(clip, tmp_path / "sound.m4a")
    assert not info.has_audio and info.loudness is None
    assert info.duration == pytest.approx(1.0, abs=0.1)
    assert not (tmp_path / "sound.m4a").exists()
    assert audio.is_silent(clip) and audio.fingerprint(clip) == b""


def test_extract_sound_rejects_junk(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(MediaRejected):
        audio.extract_sound(junk, tmp_path / "x.m4a")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaRejected):
        audio.extract_sound(empty, tmp_path / "x.m4a")
    assert not (tmp_path / "x.m4a").exists()


def test_extract_silent_track(silence, tmp_path):
    info = audio.extract_sound(silence, tmp_path / "s.m4a")
    assert info.has_audio and info.silent and info.loudness is None


def test_fingerprint_is_compact(song_fp):
    assert 0 < len(song_fp) < 16 * 100


@pytest.mark.parametrize(("name", "codec", "kbps"), [
    ("low.m4a", "aac", 48),
    ("song.mp3", "libmp3lame", 64),
    ("song.ogg", "libopus", 32),
    ("song.webm", "libopus", 64),
])
def test_same_recording_re_encoded_matches(song_fp, music_dir, name, codec, kbps):
    copy = make_music(music_dir / name, seed=11, duration=16.0, codec=codec, kbps=kbps)
    assert audio.similarity(song_fp, audio.fingerprint(copy)) >= audio.SAME_SOUND


def test_trimmed_and_resampled_copy_matches(song, song_fp, tmp_path):
    trimmed = tmp_path / "trimmed.m4a"
    run_ffmpeg(["-ss", "2.37", "-i", str(song), "-t", "9", "-ar", "22050", "-c:a", "aac", "-b:a", "96k",
                str(trimmed)], timeout=60)
    score = audio.similarity(song_fp, audio.fingerprint(trimmed))
    assert score >= audio.SAME_SOUND
    assert audio.similarity(audio.fingerprint(trimmed), song_fp) == pytest.approx(score, abs=1e-6)


@pytest.mark.parametrize("seed", [12, 13, 99])
def test_different_recordings_do_not_match(song_fp, music_dir, seed):
    other = make_music(music_dir / f"other{seed}.m4a", seed=seed, duration=16.0)
    assert audio.similarity(song_fp, audio.fingerprint(other)) < audio.SAME_SOUND


def test_same_beat_other_tempo_does_not_match(song_fp, music_dir):
    other = make_music(music_dir / "faster.m4a", seed=11, duration=16.0, bpm=140)
    assert audio.similarity(song_fp, audio.fingerprint(other)) < audio.SAME_SOUND


def test_silence(silence, song):
    assert audio.is_silent(silence)
    assert not audio.is_silent(song)
    assert audio.fingerprint(silence) == b""
    assert audio.similarity(b"", audio.fingerprint(song)) == 0.0
    assert audio.similarity(b"garbage", b"garbage") == 0.0
    assert audio.loudness(silence) is None


def test_duration(song):
    assert audio.duration(song) == pytest.approx(16.0, abs=0.1)
