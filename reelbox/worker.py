"""The background worker: django-tasks' database queue plus crash recovery.

A worker killed mid-job leaves its video "processing" with a stale heartbeat;
the sweep here notices and queues the job again (jobs are idempotent).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.db import close_old_connections

from reelbox.core import threads

log = logging.getLogger("reelbox.worker")


def sweep_forever(stop: threading.Event, every_s: float) -> None:
    from reelbox.feed.tasks import schedule_retrain
    from reelbox.videos import audience
    from reelbox.videos.maintenance import expire_uploads
    from reelbox.videos.tasks import recover_stalled

    while not stop.wait(every_s):
        try:
            recover_stalled()
            expire_uploads()
            audience.prune()
        except Exception:  # a failed sweep must not kill the worker
            log.exception("recovery sweep failed")
        try:
            # Scheduled studio drafts whose time has come; renders whose worker died.
            from reelbox.studio.actions import sweep as studio_sweep

            studio_sweep()
        except Exception:
            log.exception("scheduled publishing failed")
        try:
            # The recommender's periodic retrain (RECSYS["RETRAIN_S"]); queued, so any worker may run it.
            schedule_retrain()
        except Exception:
            log.exception("recommender retrain scheduling failed")
        try:
            # Trends and ended challenges' winners (DISCOVERY["TRENDS_S"]); queued like the retrain.
            from reelbox.discovery.tasks import schedule as schedule_discovery

            schedule_discovery()
        except Exception:
            log.exception("discovery scheduling failed")
        finally:
            close_old_connections()


def _warm_media() -> None:
    # librosa compiles its kernels on first use (~20 s, ~4 s once numba's cache holds them): pay that now, not in
    # the first auto-edit (a studio job on the transcode queue, so only workers that take it warm up). At the
    # lowest CPU priority (Linux sets it per thread), so a transcode that starts meanwhile is not slowed by it.
    threads.lower_priority(19)
    try:
        from reelbox.media import beats

        beats.warm()
    except Exception:
        log.exception("warming beat detection failed")


def run(*, queues: list[str], interval: float = 0.2, batch: bool = False, sweep_s: float = 30.0,
        exclude: list[str] | None = None) -> None:
    from django.conf import settings
    from django_tasks_db.management.commands.db_worker import Worker

    from reelbox.videos.tasks import recover_stalled

    recover_stalled()
    close_old_connections()
    stop = threading.Event()
    if not batch:
        threading.Thread(target=sweep_forever, args=(stop, sweep_s), daemon=True, name="sweep").start()
        if ("*" in queues or "transcode" in queues) and "transcode" not in (exclude or ()):
            threading.Thread(target=_warm_media, daemon=True, name="warm").start()
    worker = Worker(
        queue_names=queues, interval=interval, batch=batch, backend_name="default", startup_delay=not batch,
        max_tasks=None, worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64], excluded_queue_names=exclude or [],
    )
    log.info("worker %s started (queues %s%s, stale after %ss)", worker.worker_id, ",".join(queues),
             f" except {','.join(exclude)}" if exclude else "", settings.REELBOX["STALE_JOB_S"])
    if not batch:
        worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
