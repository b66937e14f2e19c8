"""Sounds: extract and loudness-normalise a video's audio, fingerprint it, detect silence.

Contract and units:

- ``extract_sound(src, out) -> SoundInfo``: the first audio stream of ``src``
  (a video or an audio file: MP4/M4A, MOV, WebM, Ogg, Matroska, MP3, WAV,
  FLAC, ADTS AAC) written to ``out`` as AAC-LC 48 kHz stereo in an MP4
  container (use a .m4a name), normalised to ``TARGET_LUFS`` (-14 LUFS,
  EBU R128 integrated loudness measured by ffmpeg's ebur128 filter, then a
  linear gain of at most +20 dB and a -1 dBFS peak limiter: unlike loudnorm's
  one-pass dynamic mode this leaves the music's dynamics alone).
  ``SoundInfo.loudness`` is the loudness measured BEFORE normalising, in LUFS
  (None for silence). Without an audio stream: ``has_audio=False`` and no
  file is written. Unreadable input raises ``MediaRejected``; a run past
  ``timeout`` s raises ``FFmpegTimeout``.
- ``fingerprint(path) -> bytes``: 86 bytes per second of audio (the first
  ``FINGERPRINT_SECONDS`` s only, so at most 7.7 KB), b"" for silence or under 2 s of sound.
  Haitsma-Kalker style: 16 bits per 23 ms frame, the signs of energy
  differences between 17 bands from 300 to 2000 Hz across time, so it
  survives re-encoding (bitrate, codec, sample rate) and loudness changes.
- ``similarity(a, b) -> float`` in 0..1: the best normalised bit agreement
  over all alignments with enough overlap (so a copy trimmed by a few seconds
  still matches); unrelated sounds score near 0. ``SAME_SOUND`` is the
  threshold for "the same recording".
- ``is_silent(path) -> bool``: no sample louder than ``SILENCE_DBFS``.
- ``duration(path) -> float`` seconds; ``decode_pcm(path, rate)`` mono float32.

Nothing here imports Django.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
import numpy as np
import scipy.fft

from reelbox.media.errors import FFmpegError, FFmpegTimeout, MediaRejected, gettext_noop
from reelbox.media.ffmpeg import SAFE_FORMATS, SAFE_PROTOCOLS, run_ffmpeg

TARGET_LUFS = -14.0
MAX_GAIN_DB = 20.0
LIMIT = 0.891  # -1 dBFS
SILENCE_DBFS = -50.0
FINGERPRINT_SECONDS = 90.0
FINGERPRINT_RATE = 11025
_WINDOW = 2048
_HOP = 256
_BANDS = np.geomspace(300, 2000, 18)
# Two fingerprints are compared only where they overlap by this much (or by most of the shorter one).
MIN_OVERLAP_S = 4.0
SAME_SOUND = 0.5
_MAGIC = b"RBF1"

# Audio-only containers are fine as local files too (none of these can point elsewhere).
AUDIO_FORMATS = SAFE_FORMATS + ",mp3,wav,w64,flac,aac"
_OPEN_OPTIONS = {"protocol_whitelist": SAFE_PROTOCOLS, "format_whitelist": AUDIO_FORMATS}

NOT_AUDIO = gettext_noop("This file has no readable sound. Upload an audio or video file with sound.")


def audio_input(path: os.PathLike | str) -> list[str]:
    """``-i path`` for an untrusted audio or video file (local files, known containers only)."""
    return ["-protocol_whitelist", SAFE_PROTOCOLS, "-format_whitelist", AUDIO_FORMATS, "-i", os.fspath(path)]


@dataclass(frozen=True)
class SoundInfo:
    duration: float  # seconds
    has_audio: bool
    loudness: float | None  # integrated LUFS before normalising; None when silent or absent
    silent: bool = False


def _open(path: Path):
    if not path.exists() or path.stat().st_size == 0:
        raise MediaRejected("empty")
    try:
        return av.open(str(path), options=_OPEN_OPTIONS, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise MediaRejected("not_audio", NOT_AUDIO, detail=f"cannot open: {exc}") from None


def _stream_info(path: Path) -> tuple[float, bool]:
    with _open(path) as container:
        audio = [s for s in container.streams.audio if s.codec_context.name]
        seconds = None
        if container.duration and container.duration > 0:
            seconds = container.duration / av.time_base
        elif audio and audio[0].duration and audio[0].time_base:
            seconds = float(audio[0].duration * audio[0].time_base)
        return (seconds or 0.0), bool(audio)


def duration(path: os.PathLike | str) -> float:
    """Seconds of media in ``path`` (MediaRejected if unreadable)."""
    return _stream_info(Path(path))[0]


def decode_pcm(path: os.PathLike | str, rate: int, *, seconds: float | None = None, timeout: float = 120) -> np.ndarray:
    """The first audio stream as mono float32 samples at ``rate`` Hz (empty if it has none)."""
    if not _stream_info(Path(path))[1]:
        return np.zeros(0, dtype=np.float32)
    with tempfile.TemporaryDirectory(prefix="reelbox-pcm-") as tmp:
        raw = Path(tmp) / "pcm.f32"
        args = audio_input(path) + ["-map", "0:a:0?", "-vn", "-ac", "1", "-ar", str(rate)]
        if seconds is not None:
            args += ["-t", f"{seconds:.3f}"]
        try:
            run_ffmpeg(args + ["-f", "f32le", str(raw)], timeout=timeout)
        except FFmpegTimeout:
            raise
        except FFmpegError as exc:
            raise MediaRejected("not_audio", NOT_AUDIO, detail=exc.detail) from None
        if not raw.exists():
            return np.zeros(0, dtype=np.float32)
        return np.fromfile(raw, dtype="<f4")


def is_silent(path: os.PathLike | str) -> bool:
    samples = decode_pcm(path, 8000)
    return _silent(samples)


def _silent(samples: np.ndarray) -> bool:
    return samples.size == 0 or float(np.max(np.abs(samples))) < 10 ** (SILENCE_DBFS / 20)


def loudness(path: os.PathLike | str, *, timeout: float = 300) -> float | None:
    """Integrated EBU R128 loudness in LUFS (ffmpeg's ebur128), None for silence."""
    with tempfile.TemporaryDirectory(prefix="reelbox-r128-") as tmp:
        log = Path(tmp) / "r128.txt"
        # ametadata's file= value is parsed by the filter graph: escape it like any option value.
        escaped = str(log).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
        run_ffmpeg(audio_input(path) + ["-map", "0:a:0", "-vn", "-af",
                                          f"ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I:file='{escaped}'",
                                          "-f", "null", "-"], timeout=timeout)
        values = re.findall(r"lavfi\.r128\.I=(-?[\d.]+|-?inf|nan)", log.read_text() if log.exists() else "")
    if not values:
        return None
    value = float(values[-1])
    return value if math.isfinite(value) and value > -70 else None


def extract_sound(src: os.PathLike | str, out: os.PathLike | str, *, timeout: float = 300) -> SoundInfo:
    """Write ``src``'s sound to ``out`` normalised to TARGET_LUFS (see the module docstring)."""
    src, out = Path(src), Path(out)
    seconds, has_audio = _stream_info(src)
    if not has_audio:
        return SoundInfo(duration=seconds, has_audio=False, loudness=None)
    try:
        measured = loudness(src, timeout=timeout)
    except FFmpegTimeout:
        raise
    except FFmpegError as exc:
        raise MediaRejected("not_audio", NOT_AUDIO, detail=exc.detail) from None
    gain = 0.0 if measured is None else min(MAX_GAIN_DB, TARGET_LUFS - measured)
    chain = "aresample=48000"
    if measured is not None:
        chain = f"volume={gain:.2f}dB,alimiter=limit={LIMIT}:level=0,{chain}"
    partial = out.with_name(f".{out.name}.part")
    try:
        run_ffmpeg(audio_input(src) + ["-map", "0:a:0", "-vn", "-af", chain, "-ac", "2", "-c:a", "aac",
                                        "-b:a", "160k", "-movflags", "+faststart", "-f", "mp4", str(partial)],
                   timeout=timeout)
        os.replace(partial, out)
    except FFmpegTimeout:
        raise
    except FFmpegError as exc:
        raise MediaRejected("not_audio", NOT_AUDIO, detail=exc.detail) from None
    finally:
        partial.unlink(missing_ok=True)
    return SoundInfo(duration=duration(out) or seconds, has_audio=True, loudness=measured,
                     silent=measured is None)


# ---------------------------------------------------------------- fingerprints


def _bits(samples: np.ndarray) -> np.ndarray:
    """(frames, 16) booleans: signs of band-energy differences across bands and time."""
    if samples.size < _WINDOW + 2 * _HOP:
        return np.zeros((0, 16), dtype=bool)
    frames = np.lib.stride_tricks.sliding_window_view(samples, _WINDOW)[::_HOP]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(_WINDOW).astype(np.float32), axis=1)) ** 2
    freqs = np.fft.rfftfreq(_WINDOW, 1 / FINGERPRINT_RATE)
    edges = np.searchsorted(freqs, _BANDS)
    energy = np.add.reduceat(spectrum, edges[:-1], axis=1)[:, : len(_BANDS) - 1]
    across = energy[:, :-1] - energy[:, 1:]
    return (across[1:] - across[:-1]) > 0


def fingerprint(path: os.PathLike | str) -> bytes:
    samples = decode_pcm(path, FINGERPRINT_RATE, seconds=FINGERPRINT_SECONDS)
    if _silent(samples) or samples.size < 2 * FINGERPRINT_RATE:
        return b""
    bits = _bits(samples)
    return _MAGIC + np.packbits(bits, axis=1).tobytes()


def _unpack(data: bytes) -> np.ndarray | None:
    if not data or not data.startswith(_MAGIC) or (len(data) - len(_MAGIC)) % 2:
        return None
    packed = np.frombuffer(data, dtype=np.uint8, offset=len(_MAGIC)).reshape(-1, 2)
    if len(packed) == 0:
        return None
    return np.unpackbits(packed, axis=1).astype(np.float32) * 2 - 1  # +-1


def similarity(a: bytes, b: bytes) -> float:
    """0..1: the best bit agreement of ``a`` and ``b`` over alignments (see the module docstring)."""
    x, y = _unpack(a), _unpack(b)
    if x is None or y is None:
        return 0.0
    nx, ny = len(x), len(y)
    n = scipy.fft.next_fast_len(nx + ny - 1, real=True)
    # Cross-correlation of every bit plane at once (zero-padded, so not circular); corr[k] = sum_i x[i + k] * y[i].
    # Summing the planes' spectra first is the same sum and needs one inverse transform, not 16.
    spectrum = (scipy.fft.rfft(x, n, axis=0) * np.conj(scipy.fft.rfft(y, n, axis=0))).sum(axis=1)
    corr = scipy.fft.irfft(spectrum, n)
    lags = np.concatenate([np.arange(0, nx), np.arange(-(ny - 1), 0)])
    values = np.concatenate([corr[:nx], corr[n - (ny - 1):]]) if ny > 1 else corr[:nx]
    overlap = np.where(lags >= 0, np.minimum(nx - lags, ny), np.minimum(nx, ny + lags))
    frames_per_s = FINGERPRINT_RATE / _HOP
    needed = min(MIN_OVERLAP_S * frames_per_s, 0.8 * min(nx, ny))
    usable = overlap >= needed
    if not usable.any():
        return 0.0
    score = values[usable] / (16 * overlap[usable])
    return float(np.clip(score.max(), 0.0, 1.0))
