"""The index: one chromadb collection of measure chunks, a lexical index and a document registry beside it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import CHUNKER_VERSION
from ingest.errors import ConfigError, IndexMismatchError, IndexNotReadyError, PolicyRagError
from ingest.lexical import LexicalIndex
from ingest.models import Chunk, Document
from ingest.settings import StoreSettings

__all__ = ["IndexStore", "content_hash", "REBUILD_HINT"]

REBUILD_HINT = "python -m ingest --rebuild data/corpus"


def content_hash(chunk: Chunk) -> str:
    """What decides whether a chunk must be embedded again."""
    return hashlib.sha1(f"{CHUNKER_VERSION}\n{chunk.embed_text}".encode()).hexdigest()[:16]


def _meta_hash(chunk: Chunk) -> str:
    return hashlib.sha1(json.dumps(chunk.to_metadata(), ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _client(settings: StoreSettings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.url:
        from urllib.parse import urlparse

        url = urlparse(settings.url)
        try:
            return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        except Exception as exc:  # chromadb raises plain exceptions when the server is unreachable
            raise ConfigError(f"Cannot reach the chromadb server at {settings.url}: {exc}. "
                              "Start it with `chroma run --path <folder>` or unset POLICY_RAG_STORE__URL.") from exc
    Path(settings.path).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=settings.path, settings=chroma_settings)


def _close_client(client: Any) -> None:
    """Close a chromadb client, and its HTTP pool once no other client shares it (chromadb 1.x leaves it open)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    client.close()
    for part in (client, getattr(client, "_admin_client", None)):  # the admin client has a System of its own
        if part is None or getattr(part, "_identifier", None) in SharedSystemClient._identifier_to_system:
            continue  # another client still uses this server connection
        session = getattr(getattr(part, "_server", None), "_session", None)
        if session is not None:
            session.close()


class IndexStore:
    """Read and write the measure index; the one API both ingest and service use."""

    def __init__(self, settings: StoreSettings, embedder_name: str, dimension: int) -> None:
        self.settings = settings
        self.folder = Path(settings.path)
        self.embedder_name = embedder_name
        self.dimension = dimension
        self._client = _client(settings)
        self._collection = self._client.get_or_create_collection(
            settings.collection,
            metadata=self._expected_metadata(),
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._check_metadata()
        self._chunks: dict[str, Chunk] | None = None
        self._lexical: LexicalIndex | None = None

    def close(self) -> None:
        """Release chromadb's connections (its sqlite files, or the HTTP pool of a server); idempotent."""
        _close_client(self._client)

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _expected_metadata(self) -> dict[str, Any]:
        return {"embedder": self.embedder_name, "dimension": self.dimension, "chunker_version": CHUNKER_VERSION}

    def _check_metadata(self) -> None:
        meta = self._collection.metadata or {}
        expected = self._expected_metadata()
        diffs = [f"{k}={meta.get(k)!r} (now {v!r})" for k, v in expected.items() if meta.get(k) != v]
        if diffs:
            raise IndexMismatchError(
                f"The index at {self.settings.url or self.folder} was built with other settings: {', '.join(diffs)}. "
                f"Rebuild it with `{REBUILD_HINT}` (same environment variables as the service)."
            )

    @staticmethod
    def destroy(settings: StoreSettings) -> None:
        """Delete the collection, its registry and its lexical index (and nothing else in the folder)."""
        client = _client(settings)
        try:
            client.delete_collection(settings.collection)
        except Exception:  # chromadb raises a plain error when the collection does not exist
            pass
        finally:
            _close_client(client)
        folder = Path(settings.path)
        (folder / f"{settings.collection}.documents.json").unlink(missing_ok=True)
        shutil.rmtree(folder / f"{settings.collection}.lexical", ignore_errors=True)

    # --- writing -------------------------------------------------------------------------

    def _stored(self) -> dict[str, tuple[str, str, str]]:
        """chunk_id → (doc_id, content hash, metadata hash) of everything stored."""
        got = self._collection.get(include=["metadatas"])
        return {i: (m["doc_id"], m.get("content_hash", ""), m.get("meta_hash", ""))
                for i, m in zip(got["ids"], got["metadatas"])}

    def chunk_hashes(self) -> dict[str, tuple[str, str]]:
        """chunk_id → (doc_id, content hash) of everything stored."""
        return {i: (doc, content) for i, (doc, content, _) in self._stored().items()}

    def replace_documents(self, doc_ids: Sequence[str], chunks: Sequence[Chunk],
                          vectors: dict[str, np.ndarray]) -> None:
        """Make the stored chunks of `doc_ids` exactly `chunks`; `vectors` holds those that need new embeddings."""
        wanted = {c.chunk_id for c in chunks}
        stored = self._stored()
        stale = [i for i, (doc, _, _) in stored.items() if doc in set(doc_ids) and i not in wanted]
        new = [c for c in chunks if c.chunk_id in vectors]
        # Metadata may change without the embedded text changing; unchanged chunks are not written at all.
        same = [c for c in chunks if c.chunk_id not in vectors
                and stored.get(c.chunk_id, ("", "", ""))[2] != _meta_hash(c)]
        if new:
            self._collection.upsert(
                ids=[c.chunk_id for c in new],
                embeddings=np.vstack([vectors[c.chunk_id] for c in new]).tolist(),
                documents=[c.text for c in new],
                metadatas=[self._metadata(c) for c in new],
            )
        if same:  # metadata may change without the embedded text changing
            self._collection.update(ids=[c.chunk_id for c in same],
                                    metadatas=[self._metadata(c) for c in same])
        if stale:
            self._collection.delete(ids=stale)
        self._chunks = self._lexical = None  # the next read checks the lexical index against the collection

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove every chunk of these documents; returns how many."""
        ids = [i for i, (doc, _) in self.chunk_hashes().items() if doc in set(doc_ids)]
        if ids:
            self._collection.delete(ids=ids)
        self._chunks = self._lexical = None
        return len(ids)

    @staticmethod
    def _metadata(chunk: Chunk) -> dict[str, Any]:
        meta = chunk.to_metadata()
        meta["meta_hash"] = _meta_hash(chunk)
        meta["content_hash"] = content_hash(chunk)
        meta["embed_text"] = chunk.embed_text
        return meta

    # --- the document registry ---------------------------------------------------------

    @property
    def _registry_file(self) -> Path:
        return self.folder / f"{self.settings.collection}.documents.json"

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id → document metadata (title, region, date, issuer, doc_type, source, preface)."""
        if not self._registry_file.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self._registry_file.read_text(encoding="utf-8"))
        return data

    def save_documents(self, docs: dict[str, dict[str, Any]]) -> None:
        """Write the registry atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._registry_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(docs, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self._registry_file)

    @staticmethod
    def document_record(doc: Document, measures: int) -> dict[str, Any]:
        """What the registry keeps of a document."""
        record = asdict(doc)  # the cleaned text stays: chunk spans index into it
        record["measures"] = measures
        return record

    # --- reading -------------------------------------------------------------------------

    def count(self) -> int:
        """Number of chunks stored."""
        return int(self._collection.count())

    def all_chunks(self) -> dict[str, Chunk]:
        """Every chunk, by id (cached until the next write)."""
        if self._chunks is None:
            got = self._collection.get(include=["metadatas", "documents"])
            self._chunks = {
                i: Chunk.from_metadata(m, d or "", m.get("embed_text", ""))
                for i, m, d in zip(got["ids"], got["metadatas"], got["documents"])
            }
        return self._chunks

    def fingerprint(self) -> str:
        """Changes whenever any chunk is added, removed or changed."""
        items = sorted(f"{i}:{h}" for i, (_, h) in self.chunk_hashes().items())
        return hashlib.sha1("\n".join(items).encode()).hexdigest()

    @property
    def _lexical_folder(self) -> Path:
        return self.folder / f"{self.settings.collection}.lexical"

    def rebuild_lexical(self) -> LexicalIndex:
        """Rebuild and save the BM25 index from the collection."""
        chunks = self.all_chunks()
        ids = sorted(chunks)
        index = LexicalIndex.build(ids, [chunks[i].embed_text or chunks[i].text for i in ids], self.fingerprint())
        index.save(self._lexical_folder)
        self._lexical = index
        return index

    def lexical(self) -> LexicalIndex:
        """The saved lexical index, rebuilt when it no longer matches the collection."""
        if self._lexical is None:
            loaded = LexicalIndex.load(self._lexical_folder)
            if loaded is None or loaded.fingerprint != self.fingerprint():
                loaded = self.rebuild_lexical()
            self._lexical = loaded
        return self._lexical

    def dense_search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The k nearest chunks as (chunk_id, cosine similarity)."""
        n = len(self.all_chunks())  # cached; saves a collection count per query
        if n == 0:
            raise IndexNotReadyError(f"The index is empty. Build it with `{REBUILD_HINT}`.")
        try:
            got = self._collection.query(query_embeddings=[vector.tolist()], n_results=min(k, n), where=where,
                                         include=["distances"])
        except Exception as exc:
            raise PolicyRagError(f"The vector search failed: {exc}") from exc
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]
