"""Frame sampling for review: which moments, what size and orientation, and refusal of hostile input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from reelbox.media import frames, images
from reelbox.media.errors import MediaRejected
from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.generate import make_audio_only, make_clip


@pytest.fixture(scope="session")
def clip(media_dir: Path) -> Path:
    """4 s, 25 fps, a keyframe every 2 s (make_clip's GOP): keyframes at 0 and 2."""
    return make_clip(media_dir / "review.mp4", duration=4, width=360, height=640, fps=25, tone_hz=None)


@pytest.fixture(scope="session")
def long_gop(media_dir: Path, clip: Path) -> Path:
    """The same picture with a single keyframe, as x264's default 10 s interval gives short clips."""
    out = media_dir / "long_gop.mp4"
    run_ffmpeg(["-i", str(clip), "-c:v", "libx264", "-preset", "ultrafast", "-g", "250", str(out)], timeout=60)
    return out


def test_keyframes_serve_nearby_times(clip):
    sampled = frames.sample(clip)
    # 0..4 s wanted every second; keyframes at 0 and 2 s lie within a second of each, and the first frame
    # is always there.
    assert [round(f.t, 2) for f in sampled] == [0.0, 2.0]
    for f in sampled:
        assert f.rgb.dtype == np.uint8 and f.rgb.shape == (640, 360, 3)


def test_between_keyframes_decodes_forward(long_gop):
    sampled = frames.sample(long_gop, max_side=320)
    times = [f.t for f in sampled]
    # 1 s from the only keyframe is close enough; 2 and 3 s are decoded from it.
    assert times == pytest.approx([0.0, 2.0, 3.0], abs=0.021)
    assert all(max(f.rgb.shape[:2]) == 320 for f in sampled)


def test_exact_times_and_no_slack(clip):
    times = [f.t for f in frames.sample(clip, exact=(1.5,))]
    assert len(times) == 3 and times[::2] == [0.0, 2.0] and times[1] == pytest.approx(1.5, abs=0.021)
    dense = frames.sample(clip, every_s=0.5, slack_s=0)
    assert [f.t for f in dense] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5], abs=0.021)


def test_times_count_from_the_start_of_the_video(tmp_path, clip):
    # MPEG-TS clocks start at 1.4 s; other containers' at 0.
    ts = tmp_path / "clip.ts"
    run_ffmpeg(["-i", str(clip), "-c", "copy", "-f", "mpegts", str(ts)], timeout=60)
    assert [round(f.t, 2) for f in frames.sample(ts)] == [0.0, 2.0]


def test_max_frames_spreads_samples(clip):
    sampled = frames.sample(clip, every_s=0.1, slack_s=0, max_frames=3)
    assert len(sampled) == 3
    assert sampled[0].t == 0.0 and sampled[-1].t > 3.5


def test_frames_match_ffmpegs_upright_picture(tmp_path):
    """A phone clip stored sideways (display matrix): sampled frames are upright, like the poster."""
    rotated = make_clip(tmp_path / "rot.mp4", duration=1, width=640, height=360, rotate=90, tone_hz=None,
                        text="UP")
    [first] = frames.sample(rotated, max_side=320)[:1]
    assert first.rgb.shape == (320, 180, 3)
    poster = frames.image(images.poster(rotated, tmp_path / "poster.jpg", 0.0), max_side=320)
    assert poster.rgb.shape == first.rgb.shape
    same = np.abs(first.rgb.astype(int) - poster.rgb).mean()
    upside_down = np.abs(np.rot90(first.rgb, 2).astype(int) - poster.rgb).mean()
    assert same < 12 and upside_down > 2 * same


def test_still_image_is_upright_and_scaled(tmp_path):
    picture = np.zeros((200, 400, 3), dtype=np.uint8)
    picture[:, :200] = (255, 0, 0)  # left half red
    img = Image.fromarray(picture)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    img.save(tmp_path / "p.jpg", exif=exif)
    frame = frames.image(tmp_path / "p.jpg", max_side=100)
    assert frame.t == 0.0 and frame.rgb.shape == (100, 50, 3)
    # Turned clockwise, the red left half is now on top.
    assert frame.rgb[10, 25, 0] > 200 and frame.rgb[90, 25, 0] < 60


@pytest.mark.parametrize("content", [b"", b"not a picture at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_image_refuses_non_pictures(tmp_path, content):
    path = tmp_path / "x.png"
    path.write_bytes(content)
    with pytest.raises(MediaRejected) as err:
        frames.image(path)
    assert err.value.code == "not_image"


def test_hostile_and_odd_inputs(tmp_path, clip):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(MediaRejected) as err:
        frames.sample(garbage)
    assert err.value.code == "undecodable"
    with pytest.raises(MediaRejected) as err:
        frames.sample(make_audio_only(tmp_path / "a.m4a"))
    assert err.value.code == "not_video"
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])
    with pytest.raises(MediaRejected):
        frames.sample(truncated)
    with pytest.raises(MediaRejected) as err:
        frames.sample(clip, every_s=0.04, slack_s=0, timeout=0)
    assert err.value.code == "timeout"
    with pytest.raises(ValueError):
        frames.sample(clip, every_s=0)
