"""Synthetic clips for tests, demos and benchmarks, made with ffmpeg's lavfi sources.

No downloads and no third-party media: every clip is computed. Clips are
encoded like a phone would write them (H.264/AAC MP4, index at the end) but
with x264's fastest preset, since speed matters more than size here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reelbox.media.ffmpeg import run_ffmpeg

# Sources computed per pixel (mandelbrot) are slow at phone resolutions, so they
# are rendered at a quarter of the size and scaled up.
_DOWNSCALED = {"mandelbrot": 4}
_PATTERNS = ("testsrc", "testsrc2", "rgbtestsrc", "smptebars", "smptehdbars", "color", "mandelbrot", "life")

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
)


def make_clip(
    path: os.PathLike | str,
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
    text: str | None = None,
    faststart: bool = False,
    video_kbps: int | None = None,
    timeout: float = 300,
) -> Path:
    """Write an H.264/AAC MP4 test clip and return its path.

    By default the clip is encoded as fast as possible (large, cheap to make).
    ``video_kbps`` encodes it the way a phone does instead (x264 at that
    average bitrate), for benchmarks whose input should cost what real uploads
    cost to decode.

    ``width``/``height`` are the coded size. ``rotate`` (clockwise degrees, as
    phones record it) is written as a display matrix without turning the
    pixels, so a 1280x720 clip with ``rotate=90`` displays as 720x1280.
    ``grain`` adds temporal noise (ffmpeg's ``noise=alls=N``), which makes the
    clip as expensive to encode as real camera footage. ``tone_hz=None``
    writes no audio track. ``text`` draws a caption when a font is found.
    """
    if pattern not in _PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; choose from {', '.join(_PATTERNS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    video = _source(pattern, width, height, fps, color)
    if grain:
        video += f",noise=alls={int(grain)}:allf=t"
    font = _font() if text else None
    with tempfile.TemporaryDirectory(prefix="reelbox-gen-") as tmp:
        if text and font is not None:
            # The caption goes through a file: arbitrary text (quotes, colons,
            # percent signs) would otherwise need two levels of escaping.
            caption = Path(tmp) / "caption.txt"
            caption.write_text(text, encoding="utf-8")
            video += (
                f",drawtext=fontfile={_escape(font)}:textfile={_escape(str(caption))}:expansion=none"
                ":fontsize=h/20:fontcolor=white:borderw=3:bordercolor=black:x=(w-tw)/2:y=h*0.8"
            )
        video += ",format=yuv420p"
        _encode(path, video, duration=duration, fps=fps, tone_hz=tone_hz, rotate=rotate,
                faststart=faststart, video_kbps=video_kbps, timeout=timeout)
    return path


def _encode(
    path: Path, video: str, *, duration: float, fps: int, tone_hz: float | None, rotate: int, faststart: bool,
    video_kbps: int | None, timeout: float,
) -> None:

    args: list[str] = []
    if rotate % 360:
        # Input options: tag the stream with a display matrix (ffmpeg counts
        # counter-clockwise) and keep ffmpeg from turning the pixels itself.
        args += ["-noautorotate", "-display_rotation", str(-(rotate % 360))]
    args += ["-f", "lavfi", "-t", f"{duration:.3f}", "-i", video]
    if tone_hz is not None:
        args += ["-f", "lavfi", "-t", f"{duration:.3f}", "-i", f"sine=frequency={tone_hz:g}:sample_rate=48000"]
    args += ["-map", "0:v"]
    if tone_hz is not None:
        args += ["-map", "1:a", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    args += ["-c:v", "libx264", "-g", str(2 * fps), "-pix_fmt", "yuv420p"]
    if video_kbps:
        args += ["-preset", "veryfast", "-profile:v", "high", "-b:v", f"{video_kbps}k",
                 "-maxrate", f"{video_kbps * 5 // 4}k", "-bufsize", f"{video_kbps * 2}k"]
    else:
        args += ["-preset", "ultrafast"]
    if faststart:
        args += ["-movflags", "+faststart"]
    args += ["-f", "mp4", str(path)]
    run_ffmpeg(args, timeout=timeout)


def make_audio_only(path: os.PathLike | str, *, duration: float = 2.0, tone_hz: float = 440) -> Path:
    """An AAC audio file (use a .m4a or .mp4 name) with no picture at all."""
    path = Path(path)
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=frequency={tone_hz:g}:sample_rate=48000:duration={duration:.3f}",
         "-c:a", "aac", "-b:a", "96k", "-f", "mp4", str(path)],
        timeout=60,
    )
    return path


def make_image(path: os.PathLike | str, *, width: int = 640, height: int = 480) -> Path:
    """A single JPEG picture, whatever the file name says."""
    path = Path(path)
    run_ffmpeg(
        ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=1", "-frames:v", "1",
         "-f", "image2", "-c:v", "mjpeg", "-update", "1", str(path)],
        timeout=60,
    )
    return path


def _source(pattern: str, width: int, height: int, fps: int, color: str) -> str:
    scale = _DOWNSCALED.get(pattern, 1)
    w, h = max(width // scale, 16), max(height // scale, 16)
    size = f"size={w}x{h}:rate={fps}"
    if pattern == "color":
        src = f"color=color={color}:{size}"
    elif pattern == "life":
        src = f"life={size}:mold=10:ratio=0.1:life_color={color}:death_color=#202020"
    else:
        src = f"{pattern}={size}"
    if scale != 1 or (w, h) != (width, height):
        src += f",scale={width}:{height}"
    return src


def _font() -> str | None:
    for candidate in _FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    return None


def _escape(value: str) -> str:
    # A filter option value is parsed twice: first as an option (where \ : '
    # are special), then the whole graph (where \ ' [ ] , ; are).
    for ch in ("\\", ":", "'"):
        value = value.replace(ch, "\\" + ch)
    for ch in ("\\", "'", "[", "]", ",", ";"):
        value = value.replace(ch, "\\" + ch)
    return value


def make_music(
    path: os.PathLike | str, *, seed: int = 0, duration: float = 8.0, bpm: float = 120.0, clicks_only: bool = False,
    first_beat: float = 0.0, codec: str = "aac", kbps: int = 128, timeout: float = 120,
) -> Path:
    """A synthetic song (drums on every beat, random notes from a scale) or a plain click track.

    ``seed`` picks the notes, so two seeds give two different "recordings" while the
    same seed re-encoded (another ``codec``/``kbps``) is the same recording. Beats
    fall at ``first_beat + k * 60 / bpm`` seconds. ``codec`` is an ffmpeg audio
    encoder (aac, libmp3lame, libopus, pcm_s16le); the container follows the file
    name's extension.
    """
    import wave

    import numpy as np

    rate = 44100
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * rate)) / rate
    song = np.zeros_like(t)
    period = 60.0 / bpm
    scale = 220.0 * 2 ** (np.array([0, 2, 3, 5, 7, 8, 10, 12, 14, 15]) / 12)
    for beat in np.arange(first_beat, duration, period):
        start = int(beat * rate)
        n = min(int(0.12 * rate), len(t) - start)
        if n <= 0:
            continue
        local = np.arange(n) / rate
        if clicks_only:
            song[start:start + n] += np.sin(2 * np.pi * 1000 * local) * np.exp(-local * 60)
            continue
        # Kick: a falling sine; hi-hat: a noise burst half a beat later.
        kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-local * 30)) * local) * np.exp(-local * 25)
        song[start:start + n] += 0.8 * kick
        off = int((beat + period / 2) * rate)
        m = min(int(0.03 * rate), len(t) - off)
        if m > 0:
            song[off:off + m] += 0.15 * rng.standard_normal(m) * np.exp(-np.arange(m) / rate * 150)
    if not clicks_only:
        step = period / 2
        for start_s in np.arange(first_beat, duration, step):
            freq = rng.choice(scale) * rng.choice([1, 2])
            start = int(start_s * rate)
            n = min(int(step * 1.5 * rate), len(t) - start)
            local = np.arange(n) / rate
            tone = sum(np.sin(2 * np.pi * freq * h * local) / h for h in (1, 2, 3))
            song[start:start + n] += 0.25 * tone * np.exp(-local * 4)
    song = 0.9 * song / max(1e-9, np.max(np.abs(song)))
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="reelbox-gen-") as tmp:
        wav = Path(tmp) / "song.wav"
        with wave.open(str(wav), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes((song * 32767).astype("<i2").tobytes())
        args = ["-i", str(wav), "-c:a", codec]
        if not codec.startswith("pcm"):
            args += ["-b:a", f"{kbps}k"]
        run_ffmpeg(args + [str(path)], timeout=timeout)
    return path


def with_audio(
    path: os.PathLike | str, video: os.PathLike | str, audio: os.PathLike | str, *, timeout: float = 120
) -> Path:
    """``video``'s picture with ``audio`` as its sound (cut to the shorter of the two), re-muxed."""
    path = Path(path)
    run_ffmpeg(["-i", os.fspath(video), "-i", os.fspath(audio), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
                "-c:a", "aac", "-b:a", "128k", "-shortest", "-f", "mp4", str(path)], timeout=timeout)
    return path
