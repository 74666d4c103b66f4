"""Ingestion: files → documents → chunks → embeddings → index, incremental and failure-safe per document.

Three stages overlap, joined by bounded queues so that memory stays flat however many files there are:
a parse thread reads and chunks files in order, an embed thread embeds the new chunks of several files per call
(`Embedder.ingest_batch` texts, so an embedding server gets large batches and several requests at once), and the
calling thread, which holds the writer lock, publishes files in groups: their new chunk versions first, then the
registry records and the generation in one write, then the old versions go (`IndexStore.replace_documents`).
A killed run leaves every document in its old or its new version, as before; a file that fails is reported and
the others are indexed.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import HEADER_BUDGET, chunk_document
from ingest.documents import apply_overrides, split_documents
from ingest.index.embedders import Embedder
from ingest.index.lexical import token_string
from ingest.errors import PolicyRagError
from ingest.formats.overrides import is_sidecar
from ingest.loading import is_document_file, load_file
from ingest.models import Chunk, Document
from ingest.index.store import IndexStore, content_hash, document_record

__all__ = ["FileResult", "IngestReport", "expand_paths", "parse_file", "ingest_paths", "window_chars"]

WRITE_CHUNKS = 2500  # chunks per published group: chromadb's cost per write call grows with the collection
FLUSH_SECONDS = 5.0  # a slow embedder still publishes at least this often
QUEUE_FILES = 16  # parsed files waiting for the embedder, and embedded files waiting for the writer
_DONE = object()  # end of a queue


@dataclass
class FileResult:
    """What happened to one input file."""

    path: Path
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    error: str = ""
    embedded: int = 0  # chunks that needed new embeddings


@dataclass
class IngestReport:
    """The outcome of one ingest run."""

    files: list[FileResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    total_chunks: int = 0
    seconds: float = 0.0  # wall time of the run
    stage_seconds: dict[str, float] = field(default_factory=dict)  # busy time of parse, embed, write (they overlap)

    @property
    def failed(self) -> list[FileResult]:
        """Files that could not be ingested."""
        return [f for f in self.files if f.error]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders expanded to their supported files (sorted); sidecar .meta.json files are not documents."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if is_document_file(p)))
        elif not is_sidecar(path):
            out.append(path)
    return out


def window_chars(embedder_max_chars: int) -> int:
    """Characters of measure text per chunk, leaving room for the context header."""
    return max(120, embedder_max_chars - HEADER_BUDGET)


def parse_file(path: Path, *, max_chars: int, overlap: int = 80, max_bytes: int = 20_000_000) -> FileResult:
    """Read (any supported format) and chunk one file; errors are recorded, not raised."""
    result = FileResult(path)
    try:
        loaded = load_file(path, max_bytes=max_bytes)
        result.documents = split_documents(loaded.text, path.name, path.stem, markdown=loaded.markdown,
                                           overrides=loaded.overrides, page=loaded.page,
                                           attachments=loaded.attachments)
        result.chunks = [c for d in result.documents for c in chunk_document(d, max_chars=max_chars, overlap=overlap)]
    except PolicyRagError as exc:
        result.error = str(exc)
    return result


def _apply_overrides(result: FileResult, overrides: dict[str, str], *, max_chars: int, overlap: int) -> None:
    """Set fields given by the caller (title, region, date…) on every document of a file, and chunk again."""
    fields = {k: v for k, v in overrides.items() if v}
    if not fields or result.error:
        return
    try:
        result.documents = [apply_overrides(d, fields, result.path.name) for d in result.documents]
    except PolicyRagError as exc:
        result.error = str(exc)
        return
    result.chunks = [c for d in result.documents for c in chunk_document(d, max_chars=max_chars, overlap=overlap)]


@dataclass
class _Pending:
    """A parsed file on its way through the embedder: its new vectors by chunk id, and what is still missing."""

    result: FileResult
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    missing: int = 0


class _Run:
    """The state the three stages share: queues, the hashes already stored or embedded, timings, a stop flag."""

    def __init__(self) -> None:
        self.parsed: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_FILES)
        self.embedded: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_FILES)
        self.stop = threading.Event()
        self.ready = threading.Event()  # the writer holds the lock and has read what is stored
        self.lock = threading.Lock()
        self.known: set[str] = set()  # content hashes stored in the index: no embedding needed
        self.fresh: dict[str, np.ndarray] = {}  # content hash → vector embedded this run, not yet published
        self.busy = {"parse": 0.0, "embed": 0.0, "write": 0.0}
        self.error: BaseException | None = None

    def put(self, target: queue.Queue[Any], item: Any) -> bool:
        """Put unless the run stopped; False when it did."""
        while not self.stop.is_set():
            try:
                target.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self, source: queue.Queue[Any], timeout: float | None = None) -> Any:
        """The next item; None on timeout."""
        try:
            return source.get(timeout=timeout)
        except queue.Empty:
            return None

    def fail(self, exc: BaseException) -> None:
        """A stage broke (a bug, not a file's fault): stop everything and let the caller re-raise."""
        if self.error is None:
            self.error = exc
        self.stop.set()


def _parse_one(path: Path, max_chars: int, overlap: int, max_bytes: int,
               overrides: dict[str, str]) -> tuple[FileResult, float]:
    """Parse, chunk and apply the caller's fields to one file."""
    started = time.perf_counter()
    result = parse_file(path, max_chars=max_chars, overlap=overlap, max_bytes=max_bytes)
    _apply_overrides(result, overrides, max_chars=max_chars, overlap=overlap)
    for chunk in result.chunks:  # the lexical tokens the writer stores, computed here while it writes
        token_string(chunk.embed_text or chunk.text)
    return result, time.perf_counter() - started


def _parse_stage(run: _Run, jobs: list[tuple[Path, int, int, int, dict[str, str]]]) -> None:
    """Parse files in input order (a thread: worker processes measured slower on 2 cores, see the commit)."""
    try:
        for job in jobs:
            if run.stop.is_set() or not _hand_over(run, _parse_one(*job)):
                return
        run.put(run.parsed, _DONE)
    except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
        run.fail(exc)


def _hand_over(run: _Run, parsed: tuple[FileResult, float]) -> bool:
    result, seconds = parsed
    run.busy["parse"] += seconds
    return run.put(run.parsed, result)


def _embed_stage(run: _Run, embedder: Embedder) -> None:
    """Embed the new chunks of consecutive files together, `ingest_batch` texts per call, files in order."""
    batch = max(1, int(getattr(embedder, "ingest_batch", embedder.batch_size)))
    seen: dict[str, Path] = {}
    waiting: list[_Pending] = []  # in input order; each leaves once all its vectors are there
    texts: dict[str, list[tuple[_Pending, Chunk]]] = {}  # content hash → chunks waiting for that vector

    def release() -> bool:
        while waiting and (waiting[0].missing == 0 or waiting[0].result.error):
            if not run.put(run.embedded, waiting.pop(0)):
                return False
        return True

    def embed(hashes: list[str]) -> None:
        holders = [texts.pop(h) for h in hashes]
        started = time.perf_counter()
        try:
            vectors = embedder.embed_passages([chunks[0][1].embed_text for chunks in holders])
        except Exception:
            vectors = None
        run.busy["embed"] += time.perf_counter() - started
        if vectors is None:
            _embed_per_file(run, embedder, holders)
            return
        with run.lock:
            for h, vector in zip(hashes, vectors):
                run.fresh[h] = vector
        for chunks, vector in zip(holders, vectors):
            for pending, chunk in chunks:
                pending.vectors[chunk.chunk_id] = vector
                pending.missing -= 1

    try:
        run.ready.wait()
        while not run.stop.is_set():
            # Do not sit on a part batch while the parser is slower than the embedder.
            item = run.get(run.parsed, timeout=0.05 if texts else 0.1)
            if item is None:
                if texts:
                    embed(list(texts)[:batch])
                if not release():
                    return
                continue
            if item is _DONE:
                while texts:
                    embed(list(texts)[:batch])
                if release():
                    run.put(run.embedded, _DONE)
                return
            pending = _Pending(item)
            result = pending.result
            clash = next((seen[d.doc_id] for d in result.documents if d.doc_id in seen), None)
            if clash is not None and not result.error:
                result.error = (f"{result.path}: same document id as {clash} (file names must be unique); "
                                "rename one of them.")
            if not result.error:
                seen.update({d.doc_id: result.path for d in result.documents})
                for chunk in result.chunks:
                    h = content_hash(chunk)
                    with run.lock:
                        stored, vector = h in run.known, run.fresh.get(h)
                    if vector is not None:  # embedded for an earlier file of this run
                        pending.vectors[chunk.chunk_id] = vector
                    elif not stored:
                        holders = texts.setdefault(h, [])
                        if all(owner is pending for owner, _ in holders):
                            result.embedded += 1
                        holders.append((pending, chunk))
                        pending.missing += 1
            waiting.append(pending)
            while len(texts) >= batch:
                embed(list(texts)[:batch])
            if not release():
                return
    except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
        run.fail(exc)


def _embed_per_file(run: _Run, embedder: Embedder, holders: list[list[tuple[_Pending, Chunk]]]) -> None:
    """A batch failed: try each file's part of it alone, so that one bad file does not take its neighbours down."""
    by_file: dict[int, tuple[_Pending, list[tuple[str, list[tuple[_Pending, Chunk]]]]]] = {}
    for chunks in holders:
        for pending, chunk in chunks:
            entry = by_file.setdefault(id(pending), (pending, []))
            entry[1].append((content_hash(chunk), [(pending, chunk)]))
    for pending, parts in by_file.values():
        if pending.result.error:
            continue
        started = time.perf_counter()
        try:
            vectors = embedder.embed_passages([c[0][1].embed_text for _, c in parts])
        except Exception as exc:  # an embedder failure must not leave half a document behind
            pending.result.error = f"{pending.result.path.name}: embedding failed: {exc}"
            continue
        finally:
            run.busy["embed"] += time.perf_counter() - started
        for (h, chunks), vector in zip(parts, vectors):
            with run.lock:
                run.fresh[h] = vector
            for owner, chunk in chunks:
                owner.vectors[chunk.chunk_id] = vector
                owner.missing -= 1


def _groups(run: _Run) -> Iterator[list[_Pending]]:
    """Embedded files in groups of about WRITE_CHUNKS chunks, or whatever arrived within FLUSH_SECONDS."""
    group: list[_Pending] = []
    size, since = 0, time.monotonic()
    while not run.stop.is_set():
        item = run.get(run.embedded, timeout=0.1)
        if item is _DONE:
            break
        if item is not None:
            if not group:
                since = time.monotonic()
            group.append(item)
            size += 0 if item.result.error else len(item.result.chunks)
        if group and (size >= WRITE_CHUNKS or time.monotonic() - since >= FLUSH_SECONDS):
            yield group
            group, size = [], 0
    if run.error is not None:
        raise run.error
    if group:
        yield group


def _publish(run: _Run, store: IndexStore, group: list[_Pending], registry: dict[str, dict[str, Any]]) -> None:
    """Replace the documents of a group of files in one store write (new versions, then the flip, then cleanup)."""
    files = [p for p in group if not p.result.error]
    if not files:
        return
    doc_ids: set[str] = set()
    chunks: list[Chunk] = []
    vectors: dict[str, np.ndarray] = {}
    records: dict[str, dict[str, Any]] = {}
    gone: set[str] = set()
    for pending in files:
        result = pending.result
        ids = {d.doc_id for d in result.documents}
        # Documents this file produced before (an article that disappeared) are replaced too.
        old_ids = {doc_id for doc_id, r in registry.items() if r.get("source") == result.path.name}
        doc_ids |= ids | old_ids
        gone |= old_ids - ids
        chunks.extend(result.chunks)
        vectors.update(pending.vectors)
        records.update({d.doc_id: document_record(d, sum(c.doc_id == d.doc_id and c.part == 0 for c in result.chunks))
                        for d in result.documents})
    started = time.perf_counter()
    store.replace_documents(sorted(doc_ids), chunks, vectors, records)
    run.busy["write"] += time.perf_counter() - started
    hashes = {content_hash(c) for c in chunks}
    with run.lock:
        run.known |= hashes
        for h in hashes:
            run.fresh.pop(h, None)
    for old in gone - set(records):
        registry.pop(old, None)
    registry.update(records)


def ingest_paths(
    paths: Sequence[Path],
    store: IndexStore,
    embedder: Embedder,
    *,
    prune: bool = False,
    overlap: int = 80,
    max_bytes: int = 20_000_000,
    progress: Callable[[FileResult], None] | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
) -> IngestReport:
    """Index files under the writer lock; each document is published whole, unchanged chunks keep their vectors.

    `overrides` maps a file name to fields (title, region, date) that replace what was inferred. `progress` is
    called once per file when it is published, left unchanged or has failed.
    """
    started = time.perf_counter()
    report = IngestReport()
    max_chars = window_chars(embedder.max_chars)
    files = expand_paths(paths)

    jobs = [(path, max_chars, overlap, max_bytes, (overrides or {}).get(path.name, {})) for path in files]
    run = _Run()
    threads = [threading.Thread(target=_parse_stage, args=(run, jobs), name="ingest-parse", daemon=True),
               threading.Thread(target=_embed_stage, args=(run, embedder), name="ingest-embed", daemon=True)]
    for thread in threads:
        thread.start()
    try:
        # The calling thread writes: it holds the writer lock (re-entrant for a caller that already holds it).
        with store.writing():
            run.known = store.content_hashes()
            registry = store.documents()
            run.ready.set()
            for group in _groups(run):
                _publish(run, store, group, registry)
                for pending in group:
                    report.files.append(pending.result)
                    if progress:
                        progress(pending.result)
            if prune:
                kept = {f.name for f in files}
                gone = sorted(doc_id for doc_id, rec in registry.items() if rec.get("source") not in kept)
                store.delete_documents(gone)
                report.pruned = gone
    finally:
        run.stop.set()
        run.ready.set()
        for thread in threads:
            thread.join()
    for result in report.files:
        if result.error:
            result.embedded = 0
    report.total_chunks = store.count()
    report.seconds = time.perf_counter() - started
    report.stage_seconds = dict(run.busy)
    return report
