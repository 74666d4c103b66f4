"""The pipelined ingest (parse, embed and write overlapping) against a real chromadb index on disk."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from test_pipeline import KAIFENG, ZHENGZHOU, copy_corpus, expected_chunks, open_store, write_version
from tiny_models import BigramEmbedder

from ingest import pipeline
from ingest.errors import StoreUnavailableError
from ingest.index.store import IndexStore
from ingest.pipeline import FileResult, ingest_paths, parse_file, window_chars


class Jittery(BigramEmbedder):
    """The fake embedder with small batches and random delays, so that stages interleave differently each call."""

    ingest_batch = 7

    def __init__(self, seed: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rng = random.Random(seed)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        time.sleep(self._rng.uniform(0.0, 0.01))
        return super().embed_passages(texts)


def _contents(store: IndexStore) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """Every current chunk as JSON by id, and the document registry."""
    return {i: c.to_json() for i, c in store.all_chunks().items()}, store.documents()


def test_pipelined_ingest_stores_what_ingesting_one_file_at_a_time_stores(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    files = sorted(corpus.glob("*.txt"))
    one_by_one = open_store(tmp_path / "sequential", BigramEmbedder())
    for path in files:
        assert ingest_paths([path], one_by_one, BigramEmbedder()).failed == []
    embedder = Jittery(seed=3)
    pipelined = open_store(tmp_path / "pipelined", embedder)
    report = ingest_paths([corpus], pipelined, embedder)
    assert report.failed == []
    assert max(embedder.calls) <= 7 and len(embedder.calls) > len(files)  # batches spanning files, interleaved
    assert [f.path for f in report.files] == files  # reported in input order
    assert _contents(pipelined) == _contents(one_by_one)
    expected = {c.chunk_id: c.to_json() for path in files
                for c in parse_file(path, max_chars=window_chars(BigramEmbedder.max_chars)).chunks}
    assert _contents(pipelined)[0] == expected
    # Every stored vector is its own chunk's: searching with a chunk's embedding finds that chunk first.
    for chunk_id in sorted(expected)[::40]:
        text = str(expected[chunk_id]["embed_text"])
        best, similarity = pipelined.dense_search(embedder.embed_query(text), 1)[0]
        assert similarity > 0.9999 and pipelined.all_chunks()[best].embed_text == text
    assert set(report.stage_seconds) == {"parse", "embed", "write"} and report.seconds > 0


def test_a_file_failing_in_the_middle_leaves_the_others_indexed(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    (corpus / "001a_scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (corpus / "002a_empty.txt").write_bytes(b"")
    embedder = Jittery(seed=5)
    store = open_store(tmp_path / "index", embedder)
    done: list[FileResult] = []
    report = ingest_paths([corpus], store, embedder, progress=done.append)
    names = [p.name for p in sorted(corpus.glob("*.txt"))]
    assert [f.path.name for f in done] == [f.path.name for f in report.files] == names
    assert [f.path.name for f in report.failed] == ["001a_scan.txt", "002a_empty.txt"]
    good = [f for f in report.files if not f.error]
    assert {d for f in good for d in (doc.doc_id for doc in f.documents)} == set(store.documents())
    assert {c.chunk_id for f in good for c in f.chunks} == set(store.all_chunks())
    assert report.total_chunks == store.count() > 300


def test_an_embedder_error_mid_run_leaves_the_previous_index_intact_and_readable(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus")
    originals = {p.name: p.read_text(encoding="utf-8") for p in corpus.glob("*.txt")}
    write_version(corpus, originals, 1)
    old = expected_chunks(corpus)
    healthy = BigramEmbedder()
    store = open_store(tmp_path / "index", healthy)
    assert ingest_paths([corpus], store, healthy).failed == []
    before = _contents(store)

    write_version(corpus, originals, 2)  # every chunk changes
    new = expected_chunks(corpus)
    # The backend goes down for good when it is first sent a passage of the fourth file, mid-run.
    fourth = sorted(corpus.glob("*.txt"))[3]
    marker = parse_file(fourth, max_chars=window_chars(BigramEmbedder.max_chars)).chunks[0].embed_text
    dying = Jittery(seed=7)
    dying.embed_passages = _dead_from(dying.embed_passages, marker)  # type: ignore[method-assign]
    report = ingest_paths([corpus], store, dying)
    assert fourth.name in {f.path.name for f in report.failed}
    assert [f.path.name for f in report.files[:2] if not f.error] == [p.name for p in sorted(corpus.glob("*.txt"))[:2]]
    assert all("embedding failed" in f.error for f in report.failed)

    reader = open_store(tmp_path / "index", healthy)  # a fresh reader, as the service would open it
    seen: dict[str, list[str]] = {}
    for chunk in reader.all_chunks().values():
        seen.setdefault(chunk.doc_id, []).append(chunk.text)
    assert set(seen) == set(old) == set(reader.documents())
    for doc_id, texts in seen.items():
        assert sorted(texts) in (old[doc_id], new[doc_id]), f"{doc_id} is a mix of versions"
    failed_docs = {d.doc_id for f in report.failed for d in f.documents}
    assert failed_docs and all(sorted(seen[d]) == old[d] for d in failed_docs)
    assert all(before[0][c] == reader.all_chunks()[c].to_json() for c in before[0]
               if before[0][c]["doc_id"] in failed_docs)
    # Both searches still answer.
    query = "持续强化招商引资"
    assert reader.dense_search(healthy.embed_query(query), 3)
    assert reader.lexical().search(query, 3)

    retry = ingest_paths([corpus], store, healthy)  # the backend is back: the failed files catch up
    assert retry.failed == []
    assert {d: sorted(t) for d, t in _by_doc(store).items()} == new
    assert {KAIFENG, ZHENGZHOU} <= set(store.documents())


def _dead_from(embed: object, marker: str) -> object:
    """`embed` that raises once it is sent `marker`, and on every call after (a server that went down for good)."""
    dead = [False]

    def dying(texts: Sequence[str]) -> np.ndarray:
        dead[0] = dead[0] or marker in texts
        if dead[0]:
            raise RuntimeError("the fake embedder backend is down")
        return embed(texts)  # type: ignore[operator,no-any-return]

    return dying


def _by_doc(store: IndexStore) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for chunk in store.all_chunks().values():
        out.setdefault(chunk.doc_id, []).append(chunk.text)
    return out


class _BrokenStore:
    """A real store whose second group write fails, like a chromadb server going away mid-run."""

    def __init__(self, inner: IndexStore) -> None:
        self.inner = inner
        self.writes = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def replace_documents(self, *args: object, **kwargs: object) -> bool:
        self.writes += 1
        if self.writes == 2:
            raise StoreUnavailableError("Cannot reach the chromadb server; start it.")
        return bool(self.inner.replace_documents(*args, **kwargs))  # type: ignore[arg-type]


def test_a_store_failure_stops_the_run_and_releases_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "WRITE_CHUNKS", 30)  # several groups from this small corpus
    corpus = copy_corpus(tmp_path / "corpus")
    embedder = Jittery(seed=9)
    store = open_store(tmp_path / "index", embedder)
    broken = _BrokenStore(store)
    with pytest.raises(StoreUnavailableError):
        ingest_paths([corpus], broken, embedder)  # type: ignore[arg-type]
    assert not [t for t in threading.enumerate() if t.name.startswith("ingest-")]
    expected = expected_chunks(corpus)
    first = _by_doc(store)
    assert first and all(sorted(texts) == expected[d] for d, texts in first.items())  # the first group, whole

    report = ingest_paths([corpus], store, embedder)  # the writer lock was released
    assert report.failed == []
    assert {d: sorted(t) for d, t in _by_doc(store).items()} == expected
