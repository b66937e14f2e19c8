"""Thread helpers."""

from __future__ import annotations

import contextlib
import os
import threading


def lower_priority(increment: int) -> None:
    """Lower the calling thread's CPU priority by ``increment`` (nice), when the OS allows it.

    Linux keeps a nice value per thread, so background work inside a process (a scan beside an encode, a warm-up)
    yields the CPU to the rest of the machine without slowing the process's other threads. Elsewhere the call is
    a no-op or lowers the whole process, which errs on the side of the work being background work."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                       os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) + increment)
