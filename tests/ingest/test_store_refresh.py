"""Snapshot refresh under concurrency: one thread checks the generation while the others keep serving."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_catalog import write_document
from tiny_models import BigramEmbedder

from ingest.errors import StoreUnavailableError
from ingest.index import chroma
from ingest.index.store import open_store
from ingest.settings import StoreSettings


def test_readers_do_not_wait_for_a_generation_check_in_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chroma, "STALE_SECONDS", 60.0)  # however long this machine takes to write below
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0.05)
    store = open_store(settings, embedder.name, embedder.dimension)
    writer = open_store(settings, embedder.name, embedder.dimension)
    try:
        write_document(writer, embedder, "001_a", ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。"])
        assert store.count() == 2
        entered, release = threading.Event(), threading.Event()
        real_generation = store.generation

        def slow_generation() -> str:  # a chromadb read that takes long (a busy server, a big registry)
            entered.set()
            release.wait(10)
            return real_generation()

        store.generation = slow_generation  # type: ignore[method-assign]
        time.sleep(0.1)  # the snapshot is now due for a check
        checker = threading.Thread(target=store.count)
        checker.start()
        assert entered.wait(5), "the first reader after the interval should check the generation"
        write_document(writer, embedder, "002_b", ["开展家电以旧换新活动。"])  # another process writes meanwhile
        started = time.perf_counter()
        served = [store.count() for _ in range(20)]  # served from the snapshot, not queued behind the check
        assert time.perf_counter() - started < 1.0
        assert served == [2] * 20
        assert checker.is_alive()
        release.set()
        checker.join(10)
        assert not checker.is_alive()
        assert store.count() == 3  # the check that was under way found the new generation
    finally:
        release.set()
        writer.close()
        store.close()


def test_a_writer_reads_its_own_writes_within_the_refresh_interval(tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    store = open_store(StoreSettings(path=str(tmp_path / "index"), refresh_seconds=60), embedder.name,
                       embedder.dimension)
    try:
        write_document(store, embedder, "001_a", ["推进老旧小区改造。"])
        assert store.count() == 1
        write_document(store, embedder, "002_b", ["开展家电以旧换新活动。", "发展数字经济。"])
        assert store.count() == 3
        assert store.catalog().document_ids() == ["001_a", "002_b"]
        store.delete_documents(["001_a"])
        assert sorted(store.all_chunks()) == ["002_b:1:0", "002_b:2:0"]
    finally:
        store.close()


def test_readers_wait_for_a_check_that_takes_too_long_or_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chroma, "STALE_SECONDS", 0.3)
    embedder = BigramEmbedder()
    store = open_store(StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0.05), embedder.name,
                       embedder.dimension)
    release = threading.Event()
    try:
        write_document(store, embedder, "001_a", ["推进老旧小区改造。"])
        assert store.count() == 1
        real_generation = store.generation
        outage = threading.Event()

        def stuck_generation() -> str:  # a store that stopped answering, then refuses
            release.wait(10)
            if outage.is_set():
                raise StoreUnavailableError("The chromadb server is down.")
            return real_generation()

        store.generation = stuck_generation  # type: ignore[method-assign]
        results: list[object] = []

        def read() -> None:
            try:
                results.append(store.count())
            except StoreUnavailableError as exc:
                results.append(exc)

        time.sleep(0.1)
        checker = threading.Thread(target=read)
        checker.start()
        time.sleep(0.5)  # the check under way is now older than refresh_seconds + STALE_SECONDS
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(0.5)
        assert reader.is_alive() and not results, "a reader must wait for a check that is stuck"
        outage.set()
        release.set()
        checker.join(10)
        reader.join(10)
        assert len(results) == 2 and all(isinstance(r, StoreUnavailableError) for r in results)
        with pytest.raises(StoreUnavailableError):  # after a failed check nobody is served the old snapshot
            store.count()
    finally:
        release.set()
        store.close()
