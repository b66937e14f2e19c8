"""Hooks that other domains attach to a video's life, so the transcode pipeline never imports them.

Receivers run in the sender's process (the worker for the pipeline signals). They must be quick and must not
raise: a receiver with real work enqueues its own task, idempotent like every task.
"""

from django.dispatch import Signal

# A video was created, or its caption changed. kwargs: video, created (bool).
video_saved = Signal()
# The video became playable for the first time (its 720p rendition is stored). kwargs: video.
video_ready = Signal()
# Every rendition, the poster and the strip are stored. kwargs: video, source (local path of the original,
# valid only during the call).
video_processed = Signal()


def emit(signal: Signal, **kwargs) -> None:
    """Send without letting a faulty receiver break the pipeline: its error is logged, the others still run."""
    import logging

    for receiver, result in signal.send_robust(sender=None, **kwargs):
        if isinstance(result, Exception):
            logging.getLogger("reelbox.videos").error("%s receiver %r failed: %r", signal, receiver, result,
                                                      exc_info=result)
