"""The rendition ladder: H.264/AAC fast-start MP4s, each remuxed into HLS.

One ffmpeg process encodes several rungs (decode once, ``split``), so the
ladder costs little more than its encodes. GOPs are a fixed 2 s with scene-cut
keyframes off, so every rung cuts into aligned 2 s HLS segments by remuxing
alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.probe import ProbeResult

SEGMENT_S = 2
AUDIO_KBPS = 128
CRF = 23


@dataclass(frozen=True)
class Rung:
    height: int  # the short side, the "p" in 720p
    video_kbps: int  # the cap on capped-CRF encoding (PeerTube / MediaCMS range)


LADDER = {1080: Rung(1080, 5000), 720: Rung(720, 2800), 480: Rung(480, 1200), 360: Rung(360, 700)}


@dataclass(frozen=True)
class RenditionOutput:
    height: int  # rung
    width: int  # pixels
    height_px: int
    bitrate: int  # bits per second, measured from the file
    path: Path


@dataclass(frozen=True)
class HlsOutput:
    playlist: Path
    segments: list[Path]


@dataclass(frozen=True)
class Variant:
    playlist: str  # relative URL from the master playlist
    width: int
    height: int
    bitrate: int


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def plan_ladder(info: ProbeResult) -> list[Rung]:
    """720p first (it makes the video playable), then 1080p when the source has it, then smaller rungs.

    Never upscale: a source smaller than 720p gets its own size as the first rung.
    """
    short = min(info.width, info.height)
    first = LADDER[720] if short >= 720 else Rung(_even(short), LADDER[480].video_kbps if short >= 480 else 700)
    rungs = [first]
    if short >= 1080:
        rungs.append(LADDER[1080])
    rungs += [LADDER[h] for h in (480, 360) if h < first.height]
    return rungs


def output_size(info: ProbeResult, rung: Rung) -> tuple[int, int]:
    if info.width <= info.height:  # portrait or square: the width is the short side
        return rung.height, _even(rung.height * info.height / info.width)
    return _even(rung.height * info.width / info.height), rung.height


def encode_args(src: Path, outputs: list[tuple[Rung, Path]], info: ProbeResult) -> list[str]:
    """ffmpeg arguments for one pass that writes every rung in ``outputs``."""
    gop = max(1, round(SEGMENT_S * info.fps))
    args = ["-i", str(src)]
    if not info.has_audio:
        # A silent track keeps every rendition shaped alike (players and HLS
        # muxers behave better when audio is always present).
        args += ["-f", "lavfi", "-t", f"{info.duration:.3f}", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
    labels = [f"v{i}" for i in range(len(outputs))]
    scales = []
    for (rung, _path), label in zip(outputs, labels, strict=True):
        w, h = output_size(info, rung)
        scales.append(f"[s{label}]scale={w}:{h}:flags=bicubic,format=yuv420p,setsar=1[{label}]")
    split = f"[0:v:0]split={len(outputs)}" + "".join(f"[s{label}]" for label in labels)
    args += ["-filter_complex", ";".join([split, *scales])]
    audio = "0:a:0" if info.has_audio else "1:a:0"
    for (rung, path), label in zip(outputs, labels, strict=True):
        args += [
            "-map", f"[{label}]", "-map", audio,
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-crf", str(CRF),
            "-maxrate", f"{rung.video_kbps}k", "-bufsize", f"{rung.video_kbps * 2}k",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
            "-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ar", "48000", "-ac", "2",
            "-metadata:s:v:0", "rotate=0", "-movflags", "+faststart", "-shortest", str(path),
        ]
    return args


def transcode(src, out_dir, rungs: list[Rung], info: ProbeResult, *, threads: int | None = None,
              timeout: float = 600, on_progress=None) -> list[RenditionOutput]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Write to temporary names; a rung exists only once it is complete.
    pending = [(rung, out_dir / f"{rung.height}.part.mp4") for rung in rungs]
    run_ffmpeg(encode_args(Path(src), pending, info), timeout=timeout, threads=threads, on_progress=on_progress)
    results = []
    for rung, part in pending:
        final = out_dir / f"{rung.height}.mp4"
        os.replace(part, final)
        w, h = output_size(info, rung)
        bitrate = int(final.stat().st_size * 8 / max(info.duration, 0.001))
        results.append(RenditionOutput(height=rung.height, width=w, height_px=h, bitrate=bitrate, path=final))
    return results


def package_hls(mp4: str | Path, out_dir: str | Path, segment_s: int = SEGMENT_S) -> HlsOutput:
    """Remux (no re-encode) a rendition into an HLS VOD playlist of ~``segment_s`` segments."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    playlist = out_dir / "index.m3u8"
    run_ffmpeg(["-i", str(mp4), "-c", "copy", "-f", "hls", "-hls_time", str(segment_s),
                "-hls_playlist_type", "vod", "-hls_segment_filename", str(out_dir / "seg_%04d.ts"), str(playlist)],
               timeout=120)
    return HlsOutput(playlist=playlist, segments=sorted(out_dir.glob("seg_*.ts")))


def master_playlist(variants: list[Variant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: v.bitrate):
        bandwidth = v.bitrate + AUDIO_KBPS * 1000
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={v.width}x{v.height},'
                     f'CODECS="avc1.640028,mp4a.40.2"')
        lines.append(v.playlist)
    return "\n".join(lines) + "\n"
