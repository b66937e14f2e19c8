"""Background jobs: trends, frozen challenge winners, and a one-off index backfill. All idempotent."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django_tasks import task

log = logging.getLogger("reelbox.discovery")
_DUE_KEY = "discovery:trends-due"


@task(queue_name="default")
def recompute_trends() -> int:
    from reelbox.discovery import actions, trends

    actions.finalize_ended()
    return trends.recompute()


@task(queue_name="default")
def reindex_all() -> int:
    """Index what existed before discovery was installed (videos, people, sounds); safe to run again."""
    from reelbox.accounts.models import User
    from reelbox.discovery import indexing
    from reelbox.videos.models import Video

    n = 0
    for video in Video.objects.all().iterator(chunk_size=500):
        indexing.index_video(video)
        n += 1
    for user in User.objects.filter(is_active=True).iterator(chunk_size=500):
        indexing.index_user(user)
    sound = indexing._model("studio.Sound")
    if sound is not None:
        for s in sound.objects.all().iterator(chunk_size=500):
            indexing.index_sound(s)
    return n


def _queued(t) -> bool:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=t.module_path,
                                       status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()


def schedule() -> bool:
    """Called by the worker's sweep: trends every DISCOVERY["TRENDS_S"] seconds (and the backfill once)."""
    from reelbox.discovery.models import SearchDoc
    from reelbox.videos.models import Video

    if not SearchDoc.objects.exists() and Video.objects.exists() and not _queued(reindex_all):
        reindex_all.enqueue()
    if time.time() < (cache.get(_DUE_KEY) or 0) or _queued(recompute_trends):
        return False
    cache.set(_DUE_KEY, time.time() + settings.REELBOX["DISCOVERY"]["TRENDS_S"], None)
    recompute_trends.enqueue()
    return True
