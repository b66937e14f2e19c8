"""The embedded mode's workers: media jobs and upkeep (retrains, trends) never wait on each other."""

from __future__ import annotations

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from reelbox import cli
from reelbox.feed.tasks import retrain_recommender
from reelbox.videos.tasks import transcode_video

pytestmark = pytest.mark.django_db(transaction=True)


def status(result) -> str:
    return DBTaskResult.objects.get(id=result.id).status


def test_a_queued_retrain_does_not_hold_back_transcodes(monkeypatch):
    plan = cli.worker_plan(1)
    assert len(plan) == 2
    retrain = retrain_recommender.enqueue()
    transcode = transcode_video.enqueue(987654)  # no such video: the job fails at once, which is enough here

    # The media worker takes the transcode and leaves the retrain queued behind it alone.
    assert cli.main(["worker", *plan[0], "--batch"]) == 0
    assert status(transcode) != TaskResultStatus.READY
    assert status(retrain) == TaskResultStatus.READY

    # The upkeep worker runs everything but media jobs, at a lower CPU priority.
    niced = []
    monkeypatch.setattr(cli.os, "nice", niced.append)
    again = transcode_video.enqueue(987655)
    assert cli.main(["worker", *plan[1], "--batch"]) == 0
    assert status(retrain) == TaskResultStatus.SUCCESSFUL
    assert status(again) == TaskResultStatus.READY
    assert niced == [10]


def test_more_transcoders_on_bigger_machines():
    plan = cli.worker_plan(3)
    assert plan.count(["--queues", "transcode"]) == 3 and len(plan) == 4


def test_background_threads_yield_the_cpu_without_slowing_their_process():
    # The upload scan and the media warm-up lower their own thread's priority; the thread that encodes
    # (here, the test's) keeps its own.
    import os
    import sys
    import threading

    from reelbox.core import threads

    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread priorities are a Linux feature")
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def background():
        threads.lower_priority(5)
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    worker = threading.Thread(target=background)
    worker.start()
    worker.join()
    assert seen["nice"] == min(mine + 5, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine
