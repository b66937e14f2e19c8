"""Entry points of automatic review: a video file, a still picture, or texts -> labels with scores.

``scan_video`` samples frames (``reelbox.media.frames``: about one a second, keyframes where they fall
close enough, plus the first frame), runs the nudity detector on them, hashes them with PDQ and matches
the hashes against a ``HashIndex``. It is pure CPU work meant to run in a thread beside the first
encode: decoding and the detector each use one thread. A detector whose package is missing is skipped
and named in ``Scan.unavailable``; a file that cannot be decoded raises ``MediaRejected`` (the upload
probe normally refused it already).

Cost (bench/review.py, the 15 s 1080x1920 benchmark clip): 10 frames, 0.64 s of CPU on one core
(decode 0.39, NSFW 0.14, PDQ 0.03, matching 1,000 banked videos 0.1), about 4.5 % of the CPU the
720p encode beside it uses; call ``warm()`` at worker start (the first call otherwise pays ~2-3 s of
imports and model loading). The poster (``min(1 s, duration / 3)``) may fall between sampled frames:
pass ``exact=(poster_time,)`` (~0.3 s more) or run ``scan_image`` on the poster JPEG (~60 ms).
A ``MediaRejected("timeout")`` (a hostile file, e.g. one keyframe in ten minutes of 4K) is best held
for a person rather than approved.

Banking a video: use ``bank_hashes``, not the hashes of an upload scan. Upload scans sample where the
file's keyframes fall (cheap), so two encodings of one video are sampled at different moments; a bank
entry therefore holds frames every quarter second, decoded exactly, so that whatever moments a later
copy is sampled at, a banked frame lies within 1/8 s of each (frames further apart differ by more than
``MAX_DISTANCE`` bits in moving scenes). It decodes the whole video: run it in a task, not inline.
Copies mirrored left to right match too (``Match.mirrored``): the query is also matched mirrored.

Labels: ``nudity_explicit``, ``nudity_partial``, ``suggestive`` (``nsfw.summarise``) and, when an index
was given and something matched, ``hash_match`` = 1.0. Bank modes (shadow, rollout) are the caller's:
it can recompute ``hash_match`` from ``Scan.matches``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from reelbox.media import frames as frames_mod
from reelbox.media import hashing
from reelbox.media.frames import Frame
from reelbox.media.hashing import HashIndex, Match
from reelbox.safety import nsfw, text
from reelbox.safety.errors import ModelUnavailable
from reelbox.safety.words import WordList

HASH_MATCH = "hash_match"
PROFANITY = "profanity"


@dataclass
class Scan:
    labels: dict[str, float]
    hashes: list[tuple[bytes, int]]  # (PDQ hash, quality) per sampled frame, in time order
    matches: list[Match]
    frames: int  # how many frames were looked at
    seconds: float  # wall time of the whole scan
    unavailable: dict[str, str] = field(default_factory=dict)  # detector -> why it did not run
    timings: dict[str, float] = field(default_factory=dict)  # decode / nsfw / pdq / match, seconds


def warm() -> dict[str, str | None]:
    """Load the models now (a worker at start-up) rather than in the first upload's review, which would
    otherwise pay ~1-3 s of imports and loading. Returns ``availability()``."""
    from reelbox.safety import availability

    for load in (nsfw._model, text._model):
        try:
            load()
        except ModelUnavailable:
            pass
    return availability()


def scan_video(
    path: os.PathLike | str, *, index: HashIndex | None = None, every_s: float = 1.0, **sample_options
) -> Scan:
    """Review a video file. ``sample_options`` go to ``frames.sample`` (``exact=``, ``max_frames=``...)."""
    started = time.perf_counter()
    picked = frames_mod.sample(path, every_s=every_s, **sample_options)
    decoded = time.perf_counter()
    result = scan_frames(picked, index=index)
    result.timings = {"decode": decoded - started, **result.timings}
    result.seconds = time.perf_counter() - started
    return result


BANK_EVERY_S = 0.25
BANK_MAX_FRAMES = 2400  # 10 minutes
BANK_TIMEOUT_S = 900.0  # it decodes every frame of what may be a 10-minute 4K video


def bank_hashes(path: os.PathLike | str, *, every_s: float = BANK_EVERY_S) -> list[bytes]:
    """The PDQ hashes to bank for a video: usable frames (quality >= 50) every ``every_s``, exactly.

    Raises ``ModelUnavailable`` without pdqhash. Frames are hashed as they are decoded, never held.
    """
    out = []
    for frame in frames_mod.iter_sample(path, every_s=every_s, slack_s=0.0, max_frames=BANK_MAX_FRAMES,
                                        timeout=BANK_TIMEOUT_S):
        [(h, quality)] = hashing.pdq([frame])
        if quality >= hashing.MIN_QUALITY:
            out.append(h)
    return out


def scan_image(path: os.PathLike | str, *, index: HashIndex | None = None) -> Scan:
    """Review a still picture (an uploaded poster, an avatar)."""
    started = time.perf_counter()
    result = scan_frames([frames_mod.image(path)], index=index)
    result.seconds = time.perf_counter() - started
    return result


def scan_frames(picked: list[Frame], *, index: HashIndex | None = None) -> Scan:
    started = time.perf_counter()
    labels: dict[str, float] = {}
    unavailable: dict[str, str] = {}
    timings: dict[str, float] = {}
    try:
        labels.update(nsfw.summarise(nsfw.score(picked)))
    except ModelUnavailable as exc:
        unavailable["nsfw"] = str(exc)
    timings["nsfw"] = time.perf_counter() - started
    mark = time.perf_counter()
    hashes: list[tuple[bytes, int]] = []
    mirrored: list[tuple[bytes, int]] = []
    try:
        hashes, mirrored = hashing.pdq_and_mirrored(picked)
    except ModelUnavailable as exc:
        unavailable["pdq"] = str(exc)
    timings["pdq"] = time.perf_counter() - mark
    matches: list[Match] = []
    if index is not None and hashes:
        mark = time.perf_counter()
        matches = index.match_either(hashes, mirrored)
        timings["match"] = time.perf_counter() - mark
        if matches:
            labels[HASH_MATCH] = 1.0
    return Scan(labels=labels, hashes=hashes, matches=matches, frames=len(picked),
                seconds=time.perf_counter() - started, unavailable=unavailable, timings=timings)


def scan_text(texts: list[str], words: WordList | None = None, language: str = "") -> list[dict[str, float]]:
    """Labels of each text: ``profanity`` (the classifier's probability; English or unknown language
    only) and the labels of the watched words it contains.

    Without the classifier's package the ``profanity`` score is left out (``availability()`` says why)
    and the watched words still apply.
    """
    results: list[dict[str, float]] = [{} for _ in texts]
    lang = (language or "").lower()
    if texts and (not lang or lang == "en" or lang.startswith(("en-", "en_"))):
        try:
            for labels, p in zip(results, text.profanity(list(texts))):
                labels[PROFANITY] = p
        except ModelUnavailable:
            pass
    if words is not None:
        for labels, t in zip(results, texts):
            for label, score in words.labels(t, language).items():
                labels[label] = max(score, labels.get(label, 0.0))
    return results
