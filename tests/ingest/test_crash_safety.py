"""Writers that cannot corrupt each other: SIGKILLed ingests, concurrent ingests, a held writer lock; on an
embedded index (a file lock) and on a real `chroma run` server (a lease record)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import ChromaServer
from test_pipeline import KAIFENG, ZHENGZHOU, copy_corpus, expected_chunks, write_version
from tiny_models import BigramEmbedder

from ingest.index.store import open_store
from ingest.settings import StoreSettings

ROOT = Path(__file__).resolve().parents[2]
# A child process ingesting with the fake embedder (slowed down a little so kills land mid-write).
_WORKER = """
import sys, time
sys.path[:0] = [{root!r}, {tests!r}, {tests_ingest!r}]
from tiny_models import BigramEmbedder
from ingest.index.store import open_store
from ingest.pipeline import ingest_paths
from ingest.settings import StoreSettings
from pathlib import Path

class Slow(BigramEmbedder):
    def embed_passages(self, texts):
        time.sleep(0.002 * len(texts))
        return super().embed_passages(texts)

e = Slow()
store = open_store(StoreSettings(path={index!r}, lock_timeout={timeout}, **{options!r}), e.name, e.dimension)
report = ingest_paths([Path(p) for p in {paths!r}], store, e)
print("failed:", [f.error for f in report.failed])
sys.exit(1 if report.failed else 0)
"""


LEASE_SECONDS = 2.0  # server mode: a killed writer's lease blocks the next one this long


@pytest.fixture(params=["embedded", "server"])
def store_options(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """StoreSettings fields beside `path`: none for the embedded index; a fresh `chroma run` server's URL."""
    if request.param == "embedded":
        yield {}
        return
    server = ChromaServer(tmp_path / "chroma", log=tmp_path / "chroma.log")
    server.start()
    try:
        yield {"url": server.url, "lease_seconds": LEASE_SECONDS}
    finally:
        server.stop()


def _worker(index: Path, paths: list[Path], timeout: float = 600,
            options: dict[str, Any] | None = None) -> subprocess.Popen[bytes]:
    code = _WORKER.format(root=str(ROOT), tests=str(ROOT / "tests"), tests_ingest=str(ROOT / "tests" / "ingest"),
                          index=str(index), paths=[str(p) for p in paths], timeout=timeout, options=options or {})
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))


def _seen(index: Path, options: dict[str, Any] | None = None) -> tuple[dict[str, list[str]], int, int]:
    """What a fresh reader sees: doc_id → sorted chunk texts, current chunks, items stored."""
    e = BigramEmbedder()
    store = open_store(StoreSettings(path=str(index), **(options or {})), e.name, e.dimension)
    try:
        docs: dict[str, list[str]] = {d: [] for d in store.documents()}
        for chunk in store.all_chunks().values():
            assert chunk.doc_id in docs, f"chunk {chunk.chunk_id} of no registered document"
            docs[chunk.doc_id].append(chunk.text)
        stored = store._call(lambda c, r: c.count())  # type: ignore[attr-defined]
        return {d: sorted(t) for d, t in docs.items()}, store.count(), stored
    finally:
        store.close()


def test_ingests_killed_at_random_moments_leave_every_document_whole(tmp_path: Path,
                                                                    store_options: dict[str, Any]) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG, ZHENGZHOU)
    originals = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    index = tmp_path / "index"
    versions: list[dict[str, list[str]]] = []
    rng = random.Random(12)
    rounds = 22 if not store_options else 6  # a server round waits out the killed writer's lease

    write_version(corpus, originals, 0)
    versions.append(expected_chunks(corpus))
    started = time.monotonic()
    first = _worker(index, [corpus], options=store_options)
    first.communicate(timeout=300)
    assert first.returncode == 0
    span = time.monotonic() - started  # kills land within the time a whole run takes
    kills = 0
    for version in range(1, rounds + 1):
        write_version(corpus, originals, version)
        versions.append(expected_chunks(corpus))
        run_started = time.monotonic()
        proc = _worker(index, [corpus], options=store_options)
        time.sleep(rng.uniform(0.0, span))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:  # a later run was shorter than the first (a loaded machine, fewer changes): aim within it
            span = min(span, 0.9 * (time.monotonic() - run_started))
        proc.communicate()
        seen, _, _ = _seen(index, store_options)
        for doc_id, texts in seen.items():
            # Whole: exactly the chunks of one version of the document, never a mix.
            assert any(v.get(doc_id) == texts for v in versions), f"{doc_id} is half written after a kill"
    assert kills >= rounds - 2

    final = _worker(index, [corpus], options=store_options)
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    seen, current, stored = _seen(index, store_options)
    assert seen == versions[-1]
    assert stored == current  # the orphans of killed runs were cleaned up


def _finish(procs: list[subprocess.Popen[bytes]], timeout: float = 300) -> list[tuple[int, str]]:
    """Each process's return code and stderr; none is left running, whatever happens."""
    try:
        errs = [proc.communicate(timeout=timeout)[1].decode() for proc in procs]
        return [(proc.returncode, err) for proc, err in zip(procs, errs, strict=True)]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


# Processes that open one fresh folder after another, all at the same moments.
_OPENER = """
import sys, time
sys.path[:0] = [{root!r}, {tests!r}]
from tiny_models import BigramEmbedder
from ingest.index.store import open_store
from ingest.settings import StoreSettings

e = BigramEmbedder()
for n, folder in enumerate({folders!r}):
    time.sleep(max(0.0, {start} + 0.4 * n - time.time()))
    store = open_store(StoreSettings(path=folder), e.name, e.dimension)
    store.close()
"""


def test_processes_opening_a_new_index_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    # chromadb creates a new folder's tables without a lock: unserialised, about one race in ten fails.
    folders = [str(tmp_path / f"index{n}") for n in range(15)]
    code = _OPENER.format(root=str(ROOT), tests=str(ROOT / "tests"), folders=folders, start=time.time() + 8)
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, ANONYMIZED_TELEMETRY="False")) for _ in range(3)]
    for returncode, err in _finish(procs):
        assert returncode == 0, err
    e = BigramEmbedder()
    for folder in folders:
        store = open_store(StoreSettings(path=folder), e.name, e.dimension)
        assert store.count() == 0
        store.close()


def test_two_concurrent_ingests_are_serialised(tmp_path: Path, store_options: dict[str, Any]) -> None:
    a = copy_corpus(tmp_path / "a", KAIFENG)
    b = copy_corpus(tmp_path / "b", ZHENGZHOU)
    index = tmp_path / "index"
    for returncode, err in _finish([_worker(index, [a], options=store_options),
                                    _worker(index, [b], options=store_options)]):
        assert returncode == 0, err
    seen, current, stored = _seen(index, store_options)
    assert set(seen) == {KAIFENG, ZHENGZHOU}
    assert seen[KAIFENG] == expected_chunks(a)[KAIFENG] and seen[ZHENGZHOU] == expected_chunks(b)[ZHENGZHOU]
    assert current == stored


def test_a_second_writer_fails_with_a_clear_message_while_the_lock_is_held(tmp_path: Path,
                                                                           store_options: dict[str, Any]) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    index = tmp_path / "index"
    e = BigramEmbedder()
    store = open_store(StoreSettings(path=str(index), **store_options), e.name, e.dimension)
    with store.writing():
        [(returncode, err)] = _finish([_worker(index, [corpus], timeout=1, options=store_options)], timeout=120)
    assert returncode != 0
    assert f"is being written by pid {os.getpid()}" in err
    assert store.count() == 0
    # the lock is free again
    [(returncode, err)] = _finish([_worker(index, [corpus], timeout=1, options=store_options)], timeout=120)
    assert returncode == 0, err
    time.sleep(store.settings.refresh_seconds)
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    store.close()


def test_a_waiting_writer_proceeds_once_the_holder_finishes(tmp_path: Path, store_options: dict[str, Any]) -> None:
    corpus = copy_corpus(tmp_path / "corpus", KAIFENG)
    index = tmp_path / "index"
    e = BigramEmbedder()
    store = open_store(StoreSettings(path=str(index), **store_options), e.name, e.dimension)
    try:
        with store.writing():
            waiting = _worker(index, [corpus], timeout=120, options=store_options)
            time.sleep(3 * store.settings.lease_seconds if store_options else 3.0)  # past a lease renewal or two
            assert waiting.poll() is None, waiting.communicate()[1].decode()  # still waiting, not failed
            assert store.count() == 0
        [(returncode, err)] = _finish([waiting], timeout=120)
        assert returncode == 0, err
        time.sleep(store.settings.refresh_seconds)
        assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG}
    finally:
        store.close()


def test_a_busy_sqlite_database_is_reported_as_temporarily_unavailable(tmp_path: Path) -> None:
    # sqlite's busy error cannot be provoked on demand here (chromadb waits on a held lock); the error it raises is
    # built as chromadb builds it, and must map to a 503 with a reason instead of escaping as an internal error.
    from chromadb.errors import InternalError

    from ingest.errors import StoreUnavailableError
    from ingest.index.embedded import EmbeddedStore

    store = EmbeddedStore(StoreSettings(path=str(tmp_path / "index")), "e", 4)
    busy = store._translate(InternalError(
        "Query error: Database error: error returned from database: (code: 5) database is locked"))
    assert isinstance(busy, StoreUnavailableError) and busy.status_code == 503
    assert str(tmp_path / "index") in str(busy) and "try again" in str(busy)
    assert store._translate(InternalError("Query error: no such collection")) is None
