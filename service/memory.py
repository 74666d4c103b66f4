"""Give freed memory back to the operating system once a worker has gone quiet.

Serving a burst of requests leaves each malloc arena holding the pages of the objects those requests freed: on a
136k-chunk index a worker's resident memory grows by ~250 MiB under load and stays there (README, Memory).
`IdleTrimmer` hands those pages back (`malloc_trim`, ~60 ms there) once no API request has been in flight for
`quiet_seconds`, and once per busy period: a worker that keeps answering is never interrupted, one that sits idle
is not trimmed again and again. The trim runs on a thread of its own; a request arriving during it waits for
malloc at most that long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ingest.memory import release_freed_memory

__all__ = ["IdleTrimmer"]

log = logging.getLogger("policy_rag")


class IdleTrimmer:
    """Calls `release` after `quiet_seconds` without a request in flight, if a request came since the last call.

    The event loop's thread calls `started` when a request begins and `idle` when the last one in flight ends;
    `quiet_seconds` ≤ 0 turns it off. `observe` receives the seconds each trim took (metrics).
    """

    def __init__(self, quiet_seconds: float, release: Callable[[], bool] = release_freed_memory,
                 observe: Callable[[float], None] | None = None) -> None:
        self.quiet_seconds = quiet_seconds
        self._release = release
        self._observe = observe
        self._requests = 0  # requests started so far
        self._trimmed_after = 0  # `_requests` when the last trim was scheduled
        self._timer: asyncio.TimerHandle | None = None

    def started(self) -> None:
        """A request began: a pending trim waits for the next quiet period."""
        self._requests += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def idle(self) -> None:
        """No request is in flight any more: trim after `quiet_seconds` unless one begins meanwhile."""
        if self.quiet_seconds <= 0 or self._requests == self._trimmed_after or self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.quiet_seconds, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        self._trimmed_after = self._requests
        loop.run_in_executor(None, self._trim)

    def _trim(self) -> None:
        started = time.perf_counter()
        if not self._release():
            return  # not glibc: nothing to hand back this way
        seconds = time.perf_counter() - started
        log.debug("gave freed memory back to the OS in %.1f ms", seconds * 1000)
        if self._observe is not None:
            self._observe(seconds)
