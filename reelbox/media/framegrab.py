"""Decoded frames as numpy arrays (RGB, height x width x 3, uint8), for tests and checks.

``frame_at(path, t)``: the first frame shown at or after ``t`` seconds.
``frames(path)``: every frame with its time in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import av
import numpy as np

from reelbox.media.probe import OPEN_OPTIONS


def frames(path: os.PathLike | str) -> Iterator[tuple[float, np.ndarray]]:
    with av.open(os.fspath(path), options=OPEN_OPTIONS) as container:
        for frame in container.decode(video=0):
            yield float(frame.time or 0.0), frame.to_ndarray(format="rgb24")


def frame_at(path: os.PathLike | str, t: float) -> np.ndarray:
    last = None
    for time, image in frames(path):
        last = image
        if time >= t - 1e-3:
            return image
    if last is None:
        raise ValueError(f"{path} has no video frame")
    return last
