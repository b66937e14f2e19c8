"""Background jobs for the feed: retraining the recommender.

Retraining is idempotent (each run publishes a new version; serving always takes the newest), so a job run
twice or killed half-way costs time, never correctness.
"""

from __future__ import annotations

import logging

from django_tasks import task

from reelbox.feed import recommender

log = logging.getLogger("reelbox.feed")


@task(queue_name="default")
def retrain_recommender() -> str | None:
    row = recommender.train()
    return row.version if row is not None else None


def _queued() -> bool:
    """A retrain already waiting or running (several workers sweep; one job is enough)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=retrain_recommender.module_path, status__in=[TaskResultStatus.READY,
                                                                   TaskResultStatus.RUNNING]).exists()


def schedule_retrain() -> bool:
    """Called by the worker's maintenance sweep: queue a retrain when one is due (RECSYS["RETRAIN_S"])."""
    if _queued() or not recommender.needs_retrain():
        return False
    retrain_recommender.enqueue()
    log.info("recommender retrain queued")
    return True
