"""What every index engine provides: one `typing.Protocol`, plus the hashes and records engines share."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict
from typing import Any, Protocol

import numpy as np

from ingest.chunking import CHUNKER_VERSION
from ingest.index.catalog import ChunkCatalog
from ingest.index.lexical import LexicalIndex
from ingest.models import Chunk, Document

__all__ = ["IndexStore", "REBUILD_HINT", "content_hash", "meta_hash", "stored_id", "document_record"]

REBUILD_HINT = "python -m ingest --rebuild data/corpus"


def content_hash(chunk: Chunk) -> str:
    """What decides whether a chunk must be embedded again."""
    return hashlib.sha1(f"{CHUNKER_VERSION}\n{chunk.embed_text}".encode()).hexdigest()[:16]


def meta_hash(chunk: Chunk) -> str:
    """Changes when anything stored about a chunk changes, text or metadata."""
    payload = json.dumps([chunk.to_metadata(), chunk.text], ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


def stored_id(chunk: Chunk) -> str:
    """The id a chunk version is stored under: a changed chunk is a new item, so readers never see it half-written."""
    return f"{chunk.chunk_id}#{hashlib.sha1((content_hash(chunk) + meta_hash(chunk)).encode()).hexdigest()[:12]}"


def document_record(doc: Document, measures: int) -> dict[str, Any]:
    """What the registry keeps of a document."""
    record = asdict(doc)  # the cleaned text stays: chunk spans index into it
    record["measures"] = measures
    return record


class IndexStore(Protocol):
    """What ingestion and the service need from an index; one module per engine implements it.

    Readers see a consistent snapshot: the chunks the document registry currently points to. Every write
    bumps `generation()`, which readers check at most every `refresh_seconds`, so writes by any process
    reach every process without a restart. Writes happen under `writing()`, which serialises writers.
    """

    description: str  # where the index lives, for messages

    def check(self) -> None:
        """Connect and verify the index was built with the current embedder and chunker (raises otherwise)."""

    def generation(self) -> str:
        """A token that changes with every write."""

    def count(self) -> int:
        """Chunks of the current documents."""

    def all_chunks(self) -> dict[str, Chunk]:
        """Every current chunk by chunk id; the same dict object until the generation changes."""

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id → document record (title, region, date, issuer, doc_type, source, preface, text, measures)."""

    def catalog(self) -> ChunkCatalog:
        """Lookups over the current chunks (by document, measure, region; facts per region), one per generation."""

    def lexical(self) -> LexicalIndex:
        """BM25 over the current chunks, updated by the chunks that changed when the generation changes."""

    def dense_search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The k nearest current chunks as (chunk_id, cosine similarity); `where` filters on chunk metadata.

        Only chunk metadata fields can be filtered, e.g. `{"doc_id": {"$in": [...]}}`.
        """

    def content_hashes(self) -> set[str]:
        """Content hashes of the stored vectors (what need not be embedded again)."""

    def writing(self, timeout: float | None = None) -> AbstractContextManager[None]:
        """Hold the writer lock (re-entrant within a thread); raises IndexBusyError when another writer keeps it."""

    def replace_documents(self, doc_ids: Sequence[str], chunks: Sequence[Chunk], vectors: dict[str, np.ndarray],
                          records: dict[str, dict[str, Any]]) -> bool:
        """Make documents `doc_ids` exactly `records` with `chunks` (those absent from `records` are deleted).

        `vectors` holds new embeddings by chunk id; other chunks reuse stored vectors by content hash.
        Returns whether anything changed.
        """

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove documents and their chunks; returns how many chunks went."""

    def close(self) -> None:
        """Release connections and locks."""

    def destroy(self) -> None:
        """Delete the whole index (under the writer lock)."""


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
