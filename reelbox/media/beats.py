"""Beat detection for the auto-edit, with librosa (the optional ``studio`` extra).

Contract: ``detect(audio) -> Beats`` with ``times`` (seconds from the start of
the file, ascending), ``strengths`` (onset strength at each beat, scaled so the
strongest is 1.0), ``tempo`` (beats per minute) and ``duration`` (seconds of
audio analysed). Raises ``SilentAudio`` (a MediaRejected, code
"silent_audio") for silence or when fewer than ``MIN_BEATS`` beats are found,
and ``BeatsUnavailable`` (code "beats_unavailable") when librosa is not
installed. Only the first ``MAX_SECONDS`` are analysed.

librosa compiles its numba kernels on first use (about 20 s); workers call
``warm()`` once at start so the first user does not wait for it.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import numpy as np

from reelbox.media.audio import _silent, decode_pcm
from reelbox.media.errors import MediaError, MediaRejected, gettext_noop

RATE = 22050
HOP = 512
MAX_SECONDS = 180.0
MIN_BEATS = 4

SILENT = gettext_noop("This sound is silent or has no beat. Choose another sound.")
UNAVAILABLE = gettext_noop("Beat detection is not installed on this server (install the 'studio' extra).")


class SilentAudio(MediaRejected):
    code = "silent_audio"

    def __init__(self, detail: str = ""):
        super().__init__("silent_audio", SILENT, detail=detail)


class BeatsUnavailable(MediaError):
    code = "beats_unavailable"

    def __init__(self, detail: str = ""):
        super().__init__("beats_unavailable", UNAVAILABLE, detail=detail)


@dataclass(frozen=True)
class Beats:
    times: list[float]
    strengths: list[float]
    tempo: float
    duration: float = 0.0
    onsets: list[float] = field(default_factory=list, repr=False)  # onset times, for finer cuts


@functools.cache
def _librosa():
    try:
        import librosa
    except ImportError as exc:
        raise BeatsUnavailable(detail=f"librosa missing: {exc}") from None
    return librosa


def available() -> bool:
    try:
        _librosa()
    except BeatsUnavailable:
        return False
    return True


def analyse(samples: np.ndarray, rate: int = RATE) -> Beats:
    """Beats of mono float32 ``samples`` at ``rate`` Hz."""
    librosa = _librosa()
    seconds = samples.size / rate
    if _silent(samples):
        raise SilentAudio(detail="no sample above the silence threshold")
    envelope = librosa.onset.onset_strength(y=samples, sr=rate, hop_length=HOP)
    tempo, frames = librosa.beat.beat_track(onset_envelope=envelope, sr=rate, hop_length=HOP, trim=False)
    frames = np.asarray(frames, dtype=int)
    if len(frames) < MIN_BEATS:
        raise SilentAudio(detail=f"{len(frames)} beats found")
    times = librosa.frames_to_time(frames, sr=rate, hop_length=HOP)
    strength = envelope[frames]
    peak = float(strength.max()) or 1.0
    onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=rate, hop_length=HOP, units="time")
    return Beats(
        times=[round(float(t), 4) for t in times],
        strengths=[round(float(s) / peak, 4) for s in strength],
        tempo=float(np.atleast_1d(tempo)[0]),
        duration=seconds,
        onsets=[round(float(t), 4) for t in onsets],
    )


def detect(audio: os.PathLike | str) -> Beats:
    """Beats of the audio file (or the sound of a video file) at ``audio``."""
    _librosa()  # fail before decoding when the extra is missing
    samples = decode_pcm(audio, RATE, seconds=MAX_SECONDS)
    return analyse(samples, RATE)


def warm() -> None:
    """Compile librosa's numba kernels now (a no-op when librosa is missing)."""
    if not available():
        return
    rate = RATE
    t = np.arange(int(4 * rate)) / rate
    clicks = np.zeros_like(t, dtype=np.float32)
    for beat in np.arange(0, 4, 0.5):
        i = int(beat * rate)
        clicks[i:i + 200] = np.hanning(400)[200:].astype(np.float32)
    try:
        analyse(clicks, rate)
    except SilentAudio:
        pass
