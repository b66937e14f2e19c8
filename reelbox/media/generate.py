"""Synthetic clips made with ffmpeg's lavfi sources: for tests, benchmarks and demo content."""

from __future__ import annotations

from pathlib import Path

from reelbox.media.ffmpeg import run_ffmpeg


def _video_source(pattern: str, width: int, height: int, fps: int, duration: float, color: str) -> str:
    size = f"{width}x{height}"
    if pattern == "color":
        # A plain colour with a moving box, so motion and content still differ per clip.
        return (f"color=c={color}:s={size}:r={fps}:d={duration},"
                f"drawbox=x='mod(t*{width // 3},{width})':y={height // 3}:w={width // 4}:h={width // 4}:c=white@0.8:t=fill")
    if pattern in {"mandelbrot", "life"}:
        return f"{pattern}=s={size}:r={fps},trim=duration={duration},format=yuv420p"
    return f"{pattern}=s={size}:r={fps}:d={duration}"


def make_clip(
    path: str | Path,
    *,
    duration: float = 3.0,
    width: int = 720,
    height: int = 1280,
    fps: int = 30,
    pattern: str = "testsrc2",
    color: str = "#ff0066",
    tone_hz: float | None = 440,
    grain: int = 0,
    rotate: int = 0,
    preset: str = "ultrafast",
) -> Path:
    """Write an H.264/AAC MP4. ``grain`` adds film-grain noise (realistic phone footage is hard to
    encode; plain test patterns are unrealistically easy). ``rotate`` stores a display rotation
    the way phones do, without turning the pixels."""
    path = Path(path)
    vf = []
    if grain:
        vf.append(f"noise=alls={grain}:allf=t")
    args = ["-f", "lavfi", "-i", _video_source(pattern, width, height, fps, duration, color)]
    if tone_hz:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz}:sample_rate=48000:duration={duration}"]
    if vf:
        args += ["-vf", ",".join(vf)]
    args += ["-t", str(duration), "-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p", "-g", str(fps)]
    if tone_hz:
        args += ["-c:a", "aac", "-b:a", "96k"]
    if rotate:
        args += ["-metadata:s:v:0", f"rotate={rotate}"]
    args += ["-movflags", "+faststart", str(path)]
    run_ffmpeg(args, timeout=max(60, duration * 20))
    if rotate:
        _ensure_rotation(path, rotate)
    return path


def _ensure_rotation(path: Path, rotate: int) -> None:
    # Newer ffmpeg ignores the legacy ``rotate`` tag on output; write a display
    # matrix instead by remuxing with -display_rotation (ffmpeg >= 7).
    from reelbox.media.probe import probe

    if probe(path).rotation:
        return
    tmp = path.with_suffix(".rot.mp4")
    run_ffmpeg(["-display_rotation", str(rotate), "-i", str(path), "-c", "copy", str(tmp)], timeout=60)
    tmp.replace(path)


def make_audio_only(path: str | Path, duration: float = 2.0) -> Path:
    path = Path(path)
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=frequency=440:duration={duration}", "-c:a", "aac", str(path)], timeout=60)
    return path


def make_image(path: str | Path, width: int = 320, height: int = 240) -> Path:
    path = Path(path)
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:d=1", "-frames:v", "1", "-f", "image2",
                str(path)], timeout=60)
    return path
