from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from reelbox.media import ladder
from reelbox.media.errors import FFmpegError, FFmpegTimeout
from reelbox.media.ffmpeg import PROGRESS_EVERY_S, run_ffmpeg
from reelbox.media.generate import make_clip
from reelbox.media.probe import ProbeResult, probe


def fake_probe(width: int, height: int, rotation: int = 0) -> ProbeResult:
    return ProbeResult(
        duration=10.0, width=width, height=height, coded_width=width, coded_height=height, rotation=rotation,
        fps=30.0, video_codec="h264", has_audio=True, audio_codec="aac", bitrate=8_000_000,
    )


def heights(rungs: list[ladder.Rung]) -> list[int]:
    return [r.height for r in rungs]


def top_level_atoms(path: Path, limit: int = 8) -> list[str]:
    """The first top-level MP4 box types, in file order."""
    atoms: list[str] = []
    with path.open("rb") as f:
        while len(atoms) < limit:
            header = f.read(8)
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            atoms.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                f.seek(size - 8, 1)
    return atoms


# -- planning ---------------------------------------------------------------------------------


def test_plan_full_ladder_starts_with_720():
    assert heights(ladder.plan_ladder(fake_probe(1080, 1920))) == [720, 1080, 480, 360]
    assert heights(ladder.plan_ladder(fake_probe(3840, 2160))) == [720, 1080, 480, 360]


def test_plan_never_upscales():
    assert heights(ladder.plan_ladder(fake_probe(720, 1280))) == [720, 480, 360]
    assert heights(ladder.plan_ladder(fake_probe(900, 1600))) == [720, 480, 360]
    assert heights(ladder.plan_ladder(fake_probe(480, 854))) == [480, 360]
    assert heights(ladder.plan_ladder(fake_probe(360, 640))) == [360]
    assert heights(ladder.plan_ladder(fake_probe(200, 200))) == [200]


def test_plan_small_source_uses_its_own_size():
    rungs = ladder.plan_ladder(fake_probe(405, 720))
    assert heights(rungs) == [404, 360]
    assert 700 < rungs[0].video_kbps < 1200


def test_ladder_rates():
    by_height = {r.height: r for r in ladder.LADDER}
    assert [by_height[h].video_kbps for h in (1080, 720, 480, 360)] == [5000, 2800, 1200, 700]
    for rung in ladder.LADDER:
        assert rung.maxrate_kbps == rung.video_kbps * 3 // 2
        assert rung.bufsize_kbps == rung.video_kbps * 2


@pytest.mark.parametrize(
    "source, rung, expected",
    [
        ((1080, 1920), 720, (720, 1280)),
        ((1080, 1920), 480, (480, 854)),
        ((1080, 1920), 360, (360, 640)),
        ((1920, 1080), 480, (854, 480)),
        ((1000, 1000), 720, (720, 720)),
        ((1440, 1080), 720, (960, 720)),
        ((607, 1080), 480, (480, 854)),
    ],
)
def test_output_size(source, rung, expected):
    size = ladder.output_size(fake_probe(*source), ladder.Rung(rung, 1000, 1500, 96))
    assert size == expected
    assert all(n % 2 == 0 for n in size)


def test_master_playlist():
    text = ladder.master_playlist([
        ladder.Variant(playlist="720/index.m3u8", width=720, height=1280, bitrate=2_900_000),
        ladder.Variant(playlist="360/index.m3u8", width=360, height=640, bitrate=700_000,
                       codecs="avc1.64001e,mp4a.40.2", peak_bitrate=900_000, frame_rate=30),
    ])
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert f'#EXT-X-STREAM-INF:BANDWIDTH=2900000,RESOLUTION=720x1280,CODECS="{ladder.DEFAULT_CODECS}"' in lines
    assert lines[lines.index("720/index.m3u8") - 1].startswith("#EXT-X-STREAM-INF:")
    assert ("#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=360x640,"
            'CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000') in lines
    with pytest.raises(ValueError):
        ladder.master_playlist([ladder.Variant(playlist="a b\n#EXT-X-ENDLIST", width=1, height=1, bitrate=1)])


# -- real encodes -----------------------------------------------------------------------------


@pytest.mark.slow
def test_full_ladder(ladder_outputs, portrait_info):
    assert [(o.height, o.width, o.height_px) for o in ladder_outputs] == [
        (720, 720, 1280), (1080, 1080, 1920), (480, 480, 854), (360, 360, 640),
    ]
    for out in ladder_outputs:
        assert out.path.name == f"{out.height}.mp4"
        info = probe(out.path)
        assert (info.width, info.height, info.rotation) == (out.width, out.height_px, 0)
        assert info.video_codec == "h264" and info.audio_codec == "aac"
        assert info.duration == pytest.approx(portrait_info.duration, abs=0.1)
        with av.open(str(out.path)) as container:
            video, audio = container.streams.video[0], container.streams.audio[0]
            assert video.codec_context.profile == "High"
            assert video.codec_context.pix_fmt == "yuv420p"
            assert audio.codec_context.sample_rate == 48000
            assert audio.codec_context.profile == "LC"
            assert not container.metadata.get("location")
        # Fast start: the index comes before the media data.
        atoms = top_level_atoms(out.path)
        assert atoms.index("moov") < atoms.index("mdat")
        assert out.codecs.startswith("avc1.64") and out.codecs.endswith(",mp4a.40.2")
        assert 0.5 * out.bitrate < out.hls.average_bitrate < 1.5 * out.bitrate
    # Bitrates follow the ladder.
    rates = {o.height: o.bitrate for o in ladder_outputs}
    assert rates[1080] > rates[720] > rates[480] > rates[360]
    assert not [p for p in ladder_outputs[0].path.parent.iterdir() if p.name.endswith(".part")]


@pytest.mark.slow
def test_hls_packaging(ladder_outputs):
    for out in ladder_outputs:
        text = out.hls_playlist.read_text()
        assert text.startswith("#EXTM3U")
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
        assert out.hls_segments and all(seg.exists() and seg.parent == out.hls_playlist.parent
                                        for seg in out.hls_segments)
        assert sum(out.hls.durations) == pytest.approx(out.duration, abs=0.1)
        assert out.hls.peak_bitrate >= out.hls.average_bitrate > 0
    master = ladder.master_playlist([o.variant(f"{o.height}/index.m3u8") for o in ladder_outputs])
    for out in ladder_outputs:
        assert f"RESOLUTION={out.width}x{out.height_px}" in master
        assert f"{out.height}/index.m3u8" in master.splitlines()
    assert master.count("#EXT-X-STREAM-INF:") == 4


@pytest.mark.slow
def test_hls_segments_are_two_seconds(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", duration=5, width=360, height=640, tone_hz=None)
    info = probe(clip)
    [out] = ladder.transcode(clip, tmp_path / "out", ladder.plan_ladder(info), info, threads=1, timeout=60)
    # Cut during the encode, and by remuxing the finished MP4: the same segments either way.
    for hls in (out.hls, ladder.package_hls(out.path, tmp_path / "hls")):
        assert hls.durations == pytest.approx([2.0, 2.0, 1.0], abs=0.05)
        assert hls.target_duration == 2
        assert [seg.name for seg in hls.segments] == ["seg_00000.ts", "seg_00001.ts", "seg_00002.ts"]
        assert hls.playlist.read_text().rstrip().endswith("#EXT-X-ENDLIST")
    hls = out.hls
    # Keyframes exactly every 2 s, whatever the content: segments of every rung line up.
    with av.open(str(out.path)) as container:
        stream = container.streams.video[0]
        keys = [float(p.pts * stream.time_base) for p in container.demux(stream) if p.is_keyframe]
    assert keys == pytest.approx([0.0, 2.0, 4.0], abs=0.02)
    # Segments carry both tracks: silent audio was added for a silent source.
    with av.open(str(hls.segments[0])) as container:
        assert {s.type for s in container.streams} >= {"video", "audio"}


@pytest.mark.slow
def test_poster_comes_from_the_encode_at_its_time(tmp_path):
    # Black for the first second, white after: a poster asked for at 1.5 s is white, at 0.5 s black.
    src = tmp_path / "cut.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=black:size=360x640:rate=30:duration=1", "-f", "lavfi",
                "-i", "color=white:size=360x640:rate=30:duration=2", "-filter_complex", "[0:v][1:v]concat=n=2[v]",
                "-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(src)],
               timeout=30)
    info = probe(src)
    for at, bright in ((1.5, True), (0.5, False)):
        out = tmp_path / f"out{at}"
        ladder.transcode(src, out, ladder.plan_ladder(info), info, threads=1, timeout=60, poster_at=at)
        with av.open(str(out / ladder.POSTER_NAME)) as container:
            frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (360, 640)
        assert bool(frame.to_ndarray(format="gray").mean() > 200) == bright


def test_cascaded_scalers_give_every_rung_its_size():
    graph = ladder._scale_graph("fps=30/1", [(720, 1280), (1080, 1920), (480, 854), (360, 640)],
                                ["v0", "v1", "v2", "v3"], poster_from=0)
    # Largest first, each smaller size from the one above it; the poster from the first rung.
    assert graph.index("scale=1080:1920") < graph.index("scale=720:1280") < graph.index("scale=480:854")
    assert graph.count("[0:V:0]") == 1 and graph.count("scale=") == 4
    assert "scale=720:1280:flags=bicubic,setsar=1,format=yuv420p,split=3[v0][poster][c1]" in graph


def test_rotated_source_comes_out_upright(tmp_path):
    # Coded landscape, left half white, tagged "turn 90 degrees clockwise": the
    # viewer sees portrait with the white half on top.
    src = tmp_path / "rotated.mp4"
    run_ffmpeg(
        ["-noautorotate", "-display_rotation", "-90", "-f", "lavfi", "-t", "1",
         "-i", "color=white:size=640x360:rate=30,drawbox=x=320:y=0:w=320:h=360:color=black:t=fill",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(src)],
        timeout=30,
    )
    info = probe(src)
    assert (info.width, info.height, info.rotation) == (360, 640, 90)
    [out] = ladder.transcode(src, tmp_path / "out", ladder.plan_ladder(info), info, threads=1, timeout=60)
    assert (out.width, out.height_px) == (360, 640)
    with av.open(str(out.path)) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation == 0
        luma = frame.to_ndarray(format="gray")
    assert luma.shape == (640, 360)
    assert luma[:300].mean() > 200 and luma[340:].mean() < 50
    assert probe(out.path).rotation == 0
    assert probe(out.path).has_audio


@pytest.mark.slow
def test_anamorphic_source_gets_square_pixels(tmp_path):
    src = tmp_path / "dv.mp4"
    run_ffmpeg(
        ["-f", "lavfi", "-t", "0.5", "-i", "testsrc2=size=720x480:rate=30,setsar=32/27",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(src)],
        timeout=30,
    )
    info = probe(src)
    assert (info.coded_width, info.coded_height) == (720, 480)
    assert (info.width, info.height) == (854, 480)
    outputs = ladder.transcode(src, tmp_path / "out", ladder.plan_ladder(info), info, threads=1, timeout=60)
    assert [(o.width, o.height_px) for o in outputs] == [(854, 480), (640, 360)]
    with av.open(str(outputs[0].path)) as container:
        assert container.streams.video[0].sample_aspect_ratio in (None, 1)


# -- the ffmpeg runner ------------------------------------------------------------------------


def ffmpeg_pids_with(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def endless(marker_size: str) -> list[str]:
    return ["-re", "-f", "lavfi", "-i", f"testsrc2=size={marker_size}:rate=30", "-f", "null", "-"]


def test_timeout_kills_ffmpeg():
    started = time.monotonic()
    with pytest.raises(FFmpegTimeout) as info:
        run_ffmpeg(endless("122x78"), timeout=1)
    assert time.monotonic() - started < 5
    assert info.value.code == "timeout"
    assert ffmpeg_pids_with("122x78") == []


def test_failing_callback_kills_ffmpeg():
    def explode(_seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ffmpeg(endless("124x76"), timeout=30, on_progress=explode)
    assert ffmpeg_pids_with("124x76") == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_ffmpeg_dies_with_a_killed_worker():
    worker = subprocess.Popen([
        sys.executable, "-c",
        "from reelbox.media.ffmpeg import run_ffmpeg; import sys; run_ffmpeg(sys.argv[1:], timeout=60)",
        *endless("126x74"),
    ])
    try:
        # The worker's own command line holds the marker too: wait for ffmpeg.
        def ffmpeg_started() -> bool:
            return bool(set(ffmpeg_pids_with("126x74")) - {worker.pid})

        deadline = time.monotonic() + 10
        while not ffmpeg_started() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ffmpeg_started()
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    deadline = time.monotonic() + 5
    while ffmpeg_pids_with("126x74") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ffmpeg_pids_with("126x74") == []


def test_progress_is_a_heartbeat():
    calls: list[tuple[float, float]] = []
    run_ffmpeg(
        ["-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=30:duration=2.6", "-f", "null", "-"],
        timeout=30, duration=2.0, on_progress=lambda s: calls.append((time.monotonic(), s)),
    )
    assert len(calls) >= 2
    seconds = [s for _, s in calls]
    assert seconds == sorted(seconds) and 0 <= seconds[0] and seconds[-1] <= 2.0
    gaps = [b - a for (a, _), (b, _) in zip(calls, calls[1:])]
    assert min(gaps) >= PROGRESS_EVERY_S * 0.9


def test_ffmpeg_failure_keeps_stderr(tmp_path):
    with pytest.raises(FFmpegError) as info:
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"], timeout=30)
    assert not isinstance(info.value, FFmpegTimeout)
    assert info.value.code == "transcode_failed"
    assert "missing.mp4" in info.value.stderr_tail
    assert len(info.value.stderr_tail) <= 4096
    assert os.fspath(tmp_path) in info.value.stderr_tail
