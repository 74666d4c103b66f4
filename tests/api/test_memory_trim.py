"""Idle workers hand freed memory back to the OS (issue 21): glibc's malloc_trim really shrinks a process, the
trimmer calls it once per quiet period and never while requests keep coming, and the served app does so."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers import serving
from ingest import release_freed_memory
from service.memory import IdleTrimmer

ROOT = Path(__file__).resolve().parents[2]

# Allocates ~200 MiB of malloc'd blocks, keeps one in 64 (so the heap cannot shrink from its top), frees the rest,
# then prints RSS in MiB before and after release_freed_memory().
_FRAGMENT_THEN_TRIM = """
import sys
from ingest import release_freed_memory
def rss():
    return next(int(l.split()[1]) // 1024 for l in open("/proc/self/status") if l.startswith("VmRSS"))
blocks = [bytearray(3000) for _ in range(70000)]
kept = blocks[::64]
del blocks
before = rss()
released = release_freed_memory()
print(before, rss(), released, len(kept))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc's malloc_trim")
def test_release_freed_memory_gives_fragmented_heap_pages_back() -> None:
    out = subprocess.run([sys.executable, "-c", _FRAGMENT_THEN_TRIM], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout.split()
    before, after, released = int(out[0]), int(out[1]), out[2] == "True"
    if not released:
        pytest.skip("this C library has no malloc_trim (not glibc)")
    assert before - after > 100, (before, after)  # ~200 MiB freed, ~3 MiB kept


def _run(trimmer: IdleTrimmer, steps: list[tuple[str, float]], in_flight: int = 0) -> None:
    """Drive the trimmer as the middleware does: ('start'|'end', then sleep seconds); `in_flight` other requests
    are still being served when one ends."""

    async def main() -> None:
        for event, pause in steps:
            trimmer.started() if event == "start" else trimmer.finished(in_flight)
            await asyncio.sleep(pause)
        await asyncio.sleep(0.1)  # let an executor trim finish

    asyncio.run(main())


def test_trimmer_waits_for_a_quiet_period_and_trims_once_per_busy_period() -> None:
    calls: list[float] = []
    trimmer = IdleTrimmer(0.3, release=lambda: calls.append(time.monotonic()) is None)
    # Ten requests, 0.1 s apart: never 0.3 s quiet, so no trim while they come.
    _run(trimmer, [step for _ in range(10) for step in (("start", 0.05), ("end", 0.05))])
    assert calls == []
    _run(trimmer, [("start", 0.0), ("end", 0.6)])
    assert len(calls) == 1
    _run(trimmer, [("end", 0.6)])  # idle again with no request since: nothing new to give back
    assert len(calls) == 1
    _run(trimmer, [("start", 0.0), ("end", 0.6)])
    assert len(calls) == 2


def _unbroken_load(trimmer: IdleTrimmer, now: list[float], seconds: range) -> None:
    """A request ends every simulated second while 3 others are in flight: never idle."""

    async def main() -> None:
        for t in seconds:
            now[0] = float(t)
            trimmer.started()
            trimmer.finished(3)
            await asyncio.sleep(0.02)  # lets a trim's thread finish, as the ~1 s between requests would
        await asyncio.sleep(0.1)

    asyncio.run(main())


def test_trimmer_under_unbroken_load_trims_at_most_every_busy_seconds() -> None:
    now = [0.0]
    calls: list[float] = []
    trimmer = IdleTrimmer(0.3, busy_seconds=10.0, release=lambda: calls.append(now[0]) is None,
                          clock=lambda: now[0])
    _unbroken_load(trimmer, now, range(1, 36))
    assert calls == [10.0, 20.0, 30.0]
    off = IdleTrimmer(0.3, busy_seconds=0, release=lambda: calls.append(-1) is None, clock=lambda: now[0])
    _unbroken_load(off, now, range(40, 80))
    assert calls == [10.0, 20.0, 30.0]  # 0 turns it off


def test_trimmer_is_off_at_zero_seconds() -> None:
    calls: list[int] = []
    _run(IdleTrimmer(0, release=lambda: calls.append(1) is None), [("start", 0.0), ("end", 0.5)])
    assert calls == []


def test_trimmer_really_releases_by_default() -> None:
    seconds: list[float] = []
    _run(IdleTrimmer(0.05, observe=seconds.append), [("start", 0.0), ("end", 0.3)])
    assert len(seconds) == (1 if release_freed_memory() else 0) and all(s >= 0 for s in seconds)


def _trims(url: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found = re.search(r"^policy_rag_memory_trim_duration_seconds_count (\S+)$", text, re.M)
    assert found, text[:2000]
    return float(found.group(1))


def _wait_trims(url: str, wanted: float, timeout: float = 10.0) -> float:
    deadline = time.monotonic() + timeout
    while (count := _trims(url)) < wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


@pytest.mark.skipif(not release_freed_memory(), reason="the served trim needs glibc's malloc_trim")
def test_served_worker_trims_after_requests_stop(lifecycle_index: Path) -> None:
    with serving(lifecycle_index, env={"POLICY_RAG_API__IDLE_TRIM_SECONDS": "0.5"}) as url:
        assert _trims(url) == 0  # /readyz and /metrics are not API requests
        assert httpx.post(f"{url}/v1/search", json={"query": "临时救助标准"}, timeout=60).status_code == 200
        assert _wait_trims(url, 1) == 1
        time.sleep(1.0)
        assert _trims(url) == 1  # quiet, but nothing served since the trim
        assert httpx.post(f"{url}/v1/ask", json={"question": "临时救助标准是多少？"}, timeout=60).status_code == 200
        assert _wait_trims(url, 2) == 2
