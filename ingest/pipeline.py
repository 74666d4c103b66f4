"""Ingestion: files → documents → chunks → embeddings → index, incremental and failure-safe per document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import HEADER_BUDGET, chunk_document
from ingest.documents import apply_overrides, split_documents
from ingest.index.embedders import Embedder
from ingest.errors import PolicyRagError
from ingest.formats.overrides import is_sidecar
from ingest.loading import is_document_file, load_file
from ingest.models import Chunk, Document
from ingest.index.store import IndexStore, content_hash, document_record

__all__ = ["FileResult", "IngestReport", "expand_paths", "parse_file", "ingest_paths", "window_chars"]


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
                                           overrides=loaded.overrides)
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


def ingest_paths(
    paths: Sequence[Path],
    store: IndexStore,
    embedder: Embedder,
    *,
    prune: bool = False,
    overlap: int = 80,
    max_bytes: int = 20_000_000,
    progress: Callable[[int], None] | None = None,
    overrides: dict[str, dict[str, str]] | None = None,
) -> IngestReport:
    """Index files under the writer lock; each document is published whole, unchanged chunks keep their vectors.

    `overrides` maps a file name to fields (title, region, date) that replace what was inferred.
    """
    report = IngestReport()
    max_chars = window_chars(embedder.max_chars)
    seen: dict[str, Path] = {}
    with store.writing():
        known = store.content_hashes()
        registry = store.documents()
        for path in expand_paths(paths):
            result = parse_file(path, max_chars=max_chars, overlap=overlap, max_bytes=max_bytes)
            _apply_overrides(result, (overrides or {}).get(path.name, {}), max_chars=max_chars, overlap=overlap)
            report.files.append(result)
            clash = next((seen[d.doc_id] for d in result.documents if d.doc_id in seen), None)
            if clash is not None:
                result.error = f"{path}: same document id as {clash} (file names must be unique); rename one of them."
            if result.error:
                continue
            seen.update({d.doc_id: path for d in result.documents})
            todo = [c for c in result.chunks if content_hash(c) not in known]
            try:
                vectors = embedder.embed_passages([c.embed_text for c in todo]) if todo else None
            except Exception as exc:  # an embedder failure must not leave half a document behind
                result.error = f"{path.name}: embedding failed: {exc}"
                continue
            by_id = {c.chunk_id: vectors[i] for i, c in enumerate(todo)} if vectors is not None else {}
            doc_ids = [d.doc_id for d in result.documents]
            # Documents this file produced before (an article that disappeared) are replaced too.
            old_ids = {doc_id for doc_id, r in registry.items() if r.get("source") == path.name}
            records = {d.doc_id: document_record(d, sum(c.doc_id == d.doc_id and c.part == 0 for c in result.chunks))
                       for d in result.documents}
            store.replace_documents(sorted(set(doc_ids) | old_ids), result.chunks, by_id, records)
            known.update(content_hash(c) for c in result.chunks)
            for old in old_ids - set(doc_ids):
                registry.pop(old, None)
            registry.update(records)
            result.embedded = len(todo)
            if progress:
                progress(len(result.chunks))
        if prune:
            kept = {f.path.name for f in report.files}
            gone = sorted(doc_id for doc_id, rec in registry.items() if rec.get("source") not in kept)
            store.delete_documents(gone)
            report.pruned = gone
    report.total_chunks = store.count()
    return report
