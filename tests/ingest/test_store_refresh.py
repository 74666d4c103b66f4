"""Snapshot refresh under concurrency: one thread checks the generation while the others keep serving."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from test_catalog import _write
from test_pipeline import BigramEmbedder

from ingest.index.store import open_store
from ingest.settings import StoreSettings


def test_readers_do_not_wait_for_a_generation_check_in_progress(tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    settings = StoreSettings(path=str(tmp_path / "index"), refresh_seconds=0.05)
    store = open_store(settings, embedder.name, embedder.dimension)
    writer = open_store(settings, embedder.name, embedder.dimension)
    try:
        _write(writer, embedder, "001_a", ["推进老旧小区改造。", "力争储能装机容量达到25兆瓦。"])
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
        _write(writer, embedder, "002_b", ["开展家电以旧换新活动。"])  # another process writes meanwhile
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
        _write(store, embedder, "001_a", ["推进老旧小区改造。"])
        assert store.count() == 1
        _write(store, embedder, "002_b", ["开展家电以旧换新活动。", "发展数字经济。"])
        assert store.count() == 3
        assert store.catalog().document_ids() == ["001_a", "002_b"]
        store.delete_documents(["001_a"])
        assert sorted(store.all_chunks()) == ["002_b:1:0", "002_b:2:0"]
    finally:
        store.close()
