"""Give freed memory back to the operating system once a worker has gone quiet.

Serving a burst of requests leaves each malloc arena holding the pages of the objects those requests freed: on a
136k-chunk index a worker's resident memory grows by ~250 MiB under load and stays there (README, Memory).
`IdleTrimmer` hands those pages back (`malloc_trim`, ~60 ms there) once no API request has been in flight for
`quiet_seconds`, once per busy period (a worker that sits idle is not trimmed again and again), and, when requests
never stop, at most every `busy_seconds`, so memory under sustained load stays near what the requests in flight
need. The trim runs on a thread of its own; requests allocating meanwhile wait for malloc at most that long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from ingest import release_freed_memory

__all__ = ["IdleTrimmer"]

log = logging.getLogger("policy_rag")


class IdleTrimmer:
    """Calls `release` after `quiet_seconds` without a request in flight, if a request came since the last call,
    and under unbroken load at most every `busy_seconds`.

    The event loop's thread calls `started` when a request begins and `finished` when one ends; either period ≤ 0
    turns that trigger off. `observe` receives the seconds each trim took (metrics).
    """

    def __init__(self, quiet_seconds: float, busy_seconds: float = 0.0,
                 release: Callable[[], bool] = release_freed_memory, observe: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_seconds = quiet_seconds
        self.busy_seconds = busy_seconds
        self._release = release
        self._observe = observe
        self._clock = clock
        self._requests = 0  # requests started so far
        self._trimmed_after = 0  # `_requests` when the last trim was scheduled
        self._trimmed_at = clock()
        self._trimming = False  # a trim is running on its thread
        self._timer: asyncio.TimerHandle | None = None

    def started(self) -> None:
        """A request began: a pending quiet-period trim waits for the next quiet period."""
        self._requests += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def finished(self, in_flight: int) -> None:
        """A request ended, `in_flight` others are still being served."""
        if self._requests == self._trimmed_after:
            return  # nothing served since the last trim
        loop = asyncio.get_running_loop()
        if not in_flight:  # trim after `quiet_seconds` unless a request begins meanwhile
            if self.quiet_seconds > 0 and self._timer is None:
                self._timer = loop.call_later(self.quiet_seconds, self._fire, loop)
        elif 0 < self.busy_seconds <= self._clock() - self._trimmed_at:
            self._fire(loop)  # a worker that is never idle still hands memory back now and then

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if self._trimming:
            return
        self._trimming = True
        self._trimmed_after, self._trimmed_at = self._requests, self._clock()
        loop.run_in_executor(None, self._trim)

    def _trim(self) -> None:
        try:
            started = time.perf_counter()
            if not self._release():
                return  # not glibc: nothing to hand back this way
            seconds = time.perf_counter() - started
        finally:
            self._trimming = False
        log.debug("gave freed memory back to the OS in %.1f ms", seconds * 1000)
        if self._observe is not None:
            self._observe(seconds)
