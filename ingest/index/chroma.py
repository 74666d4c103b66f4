"""The chromadb engine shared by the embedded and the server store: chunks, registry, generation, snapshots.

Two collections: `<name>` holds one item per stored chunk version (id `chunk_id#hash`), `<name>__documents`
holds one record per document (naming the stored ids of its chunks) plus the `__generation__` item.
A write stores new chunk versions first, then flips the records and the generation in one upsert, then deletes
what no record names any more; readers only see chunks a record names, so a writer killed at any point leaves
every document in its old or its new version. The next writer deletes the orphans.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ingest.chunking import CHUNKER_VERSION
from ingest.errors import IndexMismatchError, PolicyRagError, StoreUnavailableError
from ingest.index.base import REBUILD_HINT, batched, content_hash, meta_hash, stored_id
from ingest.index.catalog import ChunkCatalog
from ingest.index.lexical import TOKENIZER_VERSION, LexicalIndex, term_counts, token_string, tokenize
from ingest.index.chunk_texts import TextTable, chunk_rows, map_texts
from ingest.index.lexical_files import LexicalCache
from ingest.memory import release_freed_memory
from ingest.models import Chunk
from ingest.settings import StoreSettings

__all__ = ["ChromaStore", "GENERATION_ID", "LEASE_ID"]

GENERATION_ID = "__generation__"
LEASE_ID = "__lease__"
_KEY = [1.0]  # registry items need a vector; they are only ever fetched by id
_BATCH = 1000
STALE_SECONDS = 2.0  # past refresh_seconds, how long readers are served a snapshot while a check is under way
_UPSERT = 2500  # chunks per upsert: chromadb's cost per call grows with the collection (its limit is ~5,000)
# A shared lexical index is packed anew (new files) once the chunks changed since its base exceed this share of it
# and REBASE_MIN: until then a generation's changes are held in memory by each process on top of the shared base.
REBASE_SHARE = 0.05
REBASE_MIN = 1024
T = TypeVar("T")


@dataclass
class _Snapshot:
    """What readers see of one generation."""

    generation: str
    chunks: dict[str, Chunk]  # chunk_id → chunk
    logical: dict[str, str]  # stored id → chunk_id, current chunks only
    documents: dict[str, dict[str, Any]]
    stored: int  # items in the chunk collection, orphans and old versions included
    catalog: ChunkCatalog


class ChromaStore:
    """An `IndexStore` on chromadb; subclasses supply the client, the writer lock and error translation."""

    description = "chromadb"

    def __init__(self, settings: StoreSettings, embedder_name: str, dimension: int) -> None:
        self.settings = settings
        self.embedder_name = embedder_name
        self.dimension = dimension
        self._client: Any = None
        self._chunk_coll: Any = None
        self._registry_coll: Any = None
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0  # time.monotonic() of the last generation check
        # Bumped by this object's writes: a snapshot loaded before the last bump must not be served (a writer
        # reads its own writes), however recent its check.
        self._wanted = 0
        self._loaded = 0
        self._refresh_lock = threading.Lock()  # one thread refreshes; the others keep serving the old snapshot
        self._failing = False  # the last check failed: the next reader to get the refresh lock checks again
        self._outage_message = ""  # the failed check's StoreUnavailableError: readers waiting get it at once
        self._connect_lock = threading.Lock()
        self._writer_depth = threading.local()
        self._own_tokens: set[str] = set()  # generations this object wrote
        # One lexical index per store, updated by each generation's changes (a search on a snapshot being
        # replaced may already see the next generation's chunks; callers look hits up in their snapshot).
        self._lexical: LexicalIndex | None = None
        self._lexical_generation: str | None = None

    # --- what engines supply ---------------------------------------------------------------------

    def _make_client(self) -> Any:
        raise NotImplementedError

    def _lock(self, timeout: float) -> AbstractContextManager[None]:
        raise NotImplementedError

    def _translate(self, exc: Exception) -> PolicyRagError | None:
        """Our error for a client error, or None to let it through."""
        return None

    def _check_writer(self) -> None:
        """Raise when this writer no longer holds the lock (a lease can expire)."""

    def _worth_retrying(self, exc: Exception) -> bool:
        """Whether a read that failed with `exc` may be tried once more on a new connection."""
        return True

    def _on_foreign_write(self) -> None:
        """Another process wrote: engines whose client caches index files reopen here."""

    def _lexical_folder(self) -> Path | None:
        """Where this engine keeps shared lexical files by default (None: it shares none)."""
        return None

    def _lexical_cache(self) -> LexicalCache | None:
        if not self.settings.shared_lexical:
            return None
        folder = Path(self.settings.lexical_cache) if self.settings.lexical_cache else self._lexical_folder()
        return LexicalCache(folder) if folder is not None else None

    # --- connection ------------------------------------------------------------------------------

    def _expected_metadata(self) -> dict[str, Any]:
        return {"embedder": self.embedder_name, "dimension": self.dimension, "chunker_version": CHUNKER_VERSION}

    def _collections(self) -> tuple[Any, Any]:
        with self._connect_lock:
            if self._chunk_coll is None:
                if self._client is None:
                    self._client = self._make_client()
                chunks = self._client.get_or_create_collection(
                    self.settings.collection, metadata=self._expected_metadata(), embedding_function=None,
                    configuration={"hnsw": {"space": "cosine"}})
                meta = chunks.metadata or {}
                diffs = [f"{k}={meta.get(k)!r} (now {v!r})" for k, v in self._expected_metadata().items()
                         if meta.get(k) != v]
                if diffs:
                    raise IndexMismatchError(
                        f"The index at {self.description} was built with other settings: {', '.join(diffs)}. "
                        f"Rebuild it with `{REBUILD_HINT}` (same environment variables as the service).")
                self._registry_coll = self._client.get_or_create_collection(
                    f"{self.settings.collection}__documents", embedding_function=None)
                self._chunk_coll = chunks
            return self._chunk_coll, self._registry_coll

    def _forget_connection(self) -> None:
        with self._connect_lock:
            self._chunk_coll = self._registry_coll = None
            self._drop_client()

    def _drop_client(self) -> None:
        self._client = None

    def _call(self, action: Callable[[Any, Any], T], *, retry: bool = True) -> T:
        """Run a client action; connection errors become StoreUnavailableError (one reconnect first for reads)."""
        for attempt in (0, 1):
            try:
                chunks, registry = self._collections()
                return action(chunks, registry)
            except PolicyRagError:
                raise
            except Exception as exc:
                ours = self._translate(exc)
                if ours is None:
                    raise
                self._forget_connection()
                if attempt == 1 or not retry or not self._worth_retrying(exc):
                    raise ours from exc
        raise AssertionError("unreachable")

    def check(self) -> None:
        """Connect and verify the collection metadata."""
        self._call(lambda c, r: None)

    def close(self) -> None:
        """Drop the client (chromadb keeps no sockets we must close beyond its own)."""
        self._forget_connection()

    def destroy(self) -> None:
        """Delete this index's collections, under the writer lock, whatever embedder built them."""
        with self._lock(self.settings.lock_timeout):
            client = self._make_client()
            for name in (self.settings.collection, f"{self.settings.collection}__documents"):
                try:
                    client.delete_collection(name)
                except Exception as exc:  # chromadb raises a plain error when the collection does not exist
                    ours = self._translate(exc)
                    if ours is not None and not _missing(exc):
                        raise ours from exc
            self._forget_connection()

    # --- reading ---------------------------------------------------------------------------------

    def generation(self) -> str:
        """The current generation token ('' for an index never written)."""
        got = self._call(lambda c, r: r.get(ids=[GENERATION_ID], include=["metadatas"]))
        return str(got["metadatas"][0].get("token", "")) if got["ids"] else ""

    def _current(self) -> _Snapshot:
        """The snapshot to serve; checked against the generation at most every `refresh_seconds`.

        The fresh path takes no lock. When a check is due, one thread makes it while the others go on with the
        snapshot they have (a check is a chromadb read, a new generation a load), so readers do not queue behind
        it. They do wait (and then check themselves) for the first load, after this object's own writes (a
        writer reads them), and when the check under way has taken over STALE_SECONDS: an unreachable store is
        reported, not hidden behind an old snapshot. While the store is unavailable, one thread at a time tries
        it and the others fail at once with its last error, rather than queue one timeout after another.
        """
        snap = self._snapshot
        if snap is not None and self._loaded >= self._wanted and not self._failing:
            age = time.monotonic() - self._checked_at
            if age < self.settings.refresh_seconds:
                return snap
            if not self._refresh_lock.acquire(blocking=False):
                if age < self.settings.refresh_seconds + STALE_SECONDS:
                    return snap  # another thread is checking
                with self._refresh_lock:
                    pass  # wait for the check under way
                if (outage := self._outage()) is not None:
                    raise outage  # it found the store away: do not try again at once
                self._refresh_lock.acquire()
        elif not self._refresh_lock.acquire(blocking=False):
            if (outage := self._outage()) is not None:
                raise outage  # another thread is trying the store
            self._refresh_lock.acquire()
        try:
            return self._refresh()
        finally:
            self._refresh_lock.release()

    def _outage(self) -> StoreUnavailableError | None:
        """The last check's error, when it found the store unavailable."""
        message = self._outage_message
        return StoreUnavailableError(message) if self._failing and message else None

    def _refresh(self) -> _Snapshot:
        """Check the generation and load it when it changed; called with `_refresh_lock` held."""
        wanted = self._wanted
        snap = self._snapshot
        if snap is not None and self._loaded >= wanted and not self._failing and \
                time.monotonic() - self._checked_at < self.settings.refresh_seconds:
            return snap  # refreshed by the thread this one waited for
        try:
            generation = self.generation()
            if snap is None or snap.generation != generation:
                if snap is not None and generation not in self._own_tokens:
                    self._on_foreign_write()
                snap = self._load(generation, snap)
                self._snapshot = snap
        except BaseException as exc:
            self._outage_message = str(exc) if isinstance(exc, StoreUnavailableError) else ""
            self._failing = True
            raise
        self._failing = False
        self._loaded = wanted
        self._checked_at = time.monotonic()
        return snap

    def _load(self, generation: str, previous: _Snapshot | None = None) -> _Snapshot:
        """Read the registry and the chunks it names; only chunk versions `previous` lacks are fetched.

        A stored id names one version of a chunk, so chunks (and their lexical tokens) already read are reused;
        the catalog and the lexical index are updated by the difference. Retried when a writer flips in between.
        """
        known = previous.logical if previous else {}
        for _ in range(5):
            records = self._call(lambda c, r: r.get(where={"kind": "document"}, include=["documents"]))
            documents: dict[str, dict[str, Any]] = {}
            wanted: set[str] = set()
            for doc_id, body in zip(records["ids"], records["documents"]):
                record = json.loads(body)
                wanted.update(record.pop("_chunks", []))
                documents[doc_id] = record
            fresh = sorted(sid for sid in wanted if sid not in known)
            fetched: dict[str, Chunk] = {}
            strings: dict[str, str] = {}  # one copy of each metadata string its document's chunks repeat
            tokens: dict[str, str] = {}  # chunk id → its token string, split one chunk at a time when indexed
            for batch in batched(fresh, _BATCH):
                got = self._call(lambda c, r: c.get(ids=list(batch), include=["metadatas", "documents"]))
                for sid, meta, text in zip(got["ids"], got["metadatas"], got["documents"]):
                    # the text is a metadata field (indexes before it held it as the chroma document)
                    chunk = Chunk.from_metadata(meta, meta.get("text") or text or "", meta.get("embed_text", ""))
                    _share_strings(chunk, strings)
                    fetched[sid] = chunk
                    tokens[chunk.chunk_id] = _stored_tokens(meta, chunk)
            stored = int(self._call(lambda c, r: c.count()))
            again = self.generation()
            if again == generation and len(fetched) == len(fresh):
                break
            generation = again
        else:
            raise StoreUnavailableError(f"The index at {self.description} kept changing while it was read; "
                                        "try again in a moment.")
        old_chunks = previous.chunks if previous else {}
        removed = [old_chunks[cid] for sid, cid in known.items() if sid not in wanted]
        merged = dict(old_chunks)
        for chunk in removed:
            del merged[chunk.chunk_id]
        for chunk in fetched.values():
            merged[chunk.chunk_id] = chunk
        chunks = {cid: merged[cid] for cid in sorted(merged)} if fetched or removed else old_chunks
        logical = {sid: known[sid] if sid in known else fetched[sid].chunk_id for sid in wanted}
        catalog = previous.catalog.evolve(chunks, removed, fetched.values()) if previous else \
            ChunkCatalog.build(chunks)
        self._update_lexical(previous, chunks, removed, tokens, generation)
        return _Snapshot(generation, chunks, logical, documents, stored, catalog)

    def _update_lexical(self, previous: _Snapshot | None, chunks: dict[str, Chunk], removed: list[Chunk],
                        tokens: dict[str, str], generation: str) -> None:
        """Bring the lexical index to this generation: the changed chunks only, when it is at the previous one.

        With a shared cache, a first read maps the generation's files (building them when no process has); later
        generations' changes are applied in memory on top of those files until they exceed REBASE_SHARE of them,
        and then the current generation is packed into new files (or mapped, when another process already did).
        Token strings are split one chunk at a time as they are indexed: splitting them all first would create
        every token of the corpus at once (several times the index's own size), and the few of those strings the
        index keeps (its vocabulary) would then pin the memory of the rest long after it is freed."""
        in_step = self._lexical is not None and previous is not None and \
            self._lexical_generation == previous.generation
        self._lexical_generation = None  # until this update completes
        cache = self._lexical_cache() if chunks else None
        shared: tuple[LexicalIndex, TextTable] | None = None
        if in_step and self._lexical is not None:
            self._lexical.delete(c.chunk_id for c in removed)
            self._lexical.add((i, _split(t)) for i, t in tokens.items())
            current = self._lexical
            if cache is not None and current.changed_chunks > max(REBASE_MIN, REBASE_SHARE * current.base_chunks):
                ids = current.live_ids()  # this thread alone changes the index: its entries follow in this order
                shared = cache.open_or_build(generation, ids, lambda: (e for _, e in current.live_entries()),
                                             lambda: _texts(chunks, ids))
        elif cache is not None:  # first read, or an update that failed half-way: this generation's files
            ids = sorted(chunks)
            shared = cache.open_or_build(generation, ids, lambda: (
                term_counts(_split(tokens[i]) if i in tokens else tokenize(chunks[i].embed_text or chunks[i].text))
                for i in ids), lambda: _texts(chunks, ids))
        else:  # from every chunk (tokens reused where read)
            self._lexical = LexicalIndex.from_tokens(
                list(chunks), (_split(tokens[i]) if i in tokens else tokenize(c.embed_text or c.text)
                               for i, c in chunks.items()))
        if shared is not None:
            self._lexical, table = shared
            map_texts([chunks[i] for i in sorted(chunks)], table)
            release_freed_memory()  # the chunks' own text strings went: give their pages back
        assert self._lexical is not None
        self._lexical.fingerprint = self._lexical_generation = generation

    def _invalidate(self) -> None:
        self._wanted += 1  # only writers call this, one at a time (the writer lock)
        self._checked_at = 0.0

    def count(self) -> int:
        """Chunks of the current documents."""
        return len(self._current().chunks)

    def all_chunks(self) -> dict[str, Chunk]:
        """Every current chunk by id (the same dict until the generation changes)."""
        return self._current().chunks

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id → document record."""
        return {k: dict(v) for k, v in self._current().documents.items()}

    def catalog(self) -> ChunkCatalog:
        """Lookups over the current chunks, derived from the previous generation's by the chunks that changed."""
        return self._current().catalog

    def lexical(self) -> LexicalIndex:
        """BM25 over the current chunks, updated by the chunks that changed."""
        self._current()
        assert self._lexical is not None
        return self._lexical

    def dense_search(self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The k nearest current chunks as (chunk_id, cosine similarity)."""
        from ingest.errors import IndexNotReadyError

        snap = self._current()
        if not snap.chunks:
            raise IndexNotReadyError(f"The index is empty. Build it with `{REBUILD_HINT}`.")
        # Old versions and orphans may sit in the collection until a writer removes them: ask for enough.
        n = min(k + snap.stored - len(snap.logical), snap.stored)
        got = self._call(lambda c, r: c.query(query_embeddings=[vector.tolist()], n_results=max(1, n), where=where,
                                              include=["distances"]))
        hits = [(snap.logical[i], 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])
                if i in snap.logical]
        return hits[:k]

    def content_hashes(self) -> set[str]:
        """Content hashes of the current chunks."""
        return {content_hash(c) for c in self._current().chunks.values()}

    # --- writing ---------------------------------------------------------------------------------

    @contextmanager
    def _writing(self, timeout: float | None) -> Iterator[None]:
        depth = getattr(self._writer_depth, "n", 0)
        if depth:
            self._writer_depth.n = depth + 1
            try:
                yield
            finally:
                self._writer_depth.n -= 1
            return
        with self._lock(self.settings.lock_timeout if timeout is None else timeout):
            self._writer_depth.n = 1
            try:
                self._remove_orphans()
                yield
            finally:
                self._writer_depth.n = 0
                self._invalidate()

    def writing(self, timeout: float | None = None) -> AbstractContextManager[None]:
        """Hold the writer lock for a series of writes (re-entrant within a thread)."""
        return self._writing(timeout)

    def _records(self) -> dict[str, dict[str, Any]]:
        """doc_id → full record (with `_chunks`), read fresh for a writer."""
        got = self._call(lambda c, r: r.get(where={"kind": "document"}, include=["documents"]))
        return {i: json.loads(b) for i, b in zip(got["ids"], got["documents"])}

    def _bump(self, records: dict[str, dict[str, Any]] | None = None) -> None:
        """Write records (may be none) and a new generation in one upsert: the moment readers switch."""
        self._check_writer()
        records = records or {}
        token = uuid.uuid4().hex
        self._own_tokens.add(token)
        ids = list(records) + [GENERATION_ID]
        docs = [json.dumps(records[i], ensure_ascii=False) for i in records] + [token]
        metas: list[dict[str, Any]] = [{"kind": "document", "source": str(records[i].get("source") or "")}
                                       for i in records]
        metas.append({"kind": "meta", "token": token, "at": time.time()})
        self._call(lambda c, r: r.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=[_KEY] * len(ids)),
                   retry=False)

    def _remove_orphans(self) -> None:
        """Delete stored chunks no record names (left by a writer that died); bump the generation if any."""
        named = {sid for rec in self._records().values() for sid in rec.get("_chunks", [])}
        stored = self._call(lambda c, r: c.get(include=[]))["ids"]
        orphans = [sid for sid in stored if sid not in named]
        for batch in batched(orphans, _BATCH):
            self._call(lambda c, r: c.delete(ids=list(batch)), retry=False)
        if orphans:
            self._bump()

    def replace_documents(self, doc_ids: Sequence[str], chunks: Sequence[Chunk], vectors: dict[str, np.ndarray],
                          records: dict[str, dict[str, Any]]) -> bool:
        """Make documents `doc_ids` exactly `records` with `chunks`; returns whether anything changed."""
        with self.writing():
            old = self._records()
            by_doc: dict[str, list[str]] = {}
            stored: dict[str, Chunk] = {}  # stored id → chunk, each id computed once (hashing the metadata is not free)
            for c in chunks:
                sid = stored_id(c)
                stored[sid] = c
                by_doc.setdefault(c.doc_id, []).append(sid)
            new_records = {doc_id: {**record, "_chunks": sorted(by_doc.get(doc_id, []))}
                           for doc_id, record in records.items()}
            gone = [d for d in doc_ids if d in old and d not in records]
            changed = {d: r for d, r in new_records.items() if old.get(d) != r}
            if not changed and not gone:
                return False
            self._store_chunks({sid: c for sid, c in stored.items() if c.doc_id in changed}, vectors)
            self._bump(changed)
            if gone:
                self._call(lambda c, r: r.delete(ids=gone), retry=False)
                self._bump()
            kept = {sid for rec in new_records.values() for sid in rec["_chunks"]}
            stale = [sid for d in list(changed) + gone for sid in old.get(d, {}).get("_chunks", []) if sid not in kept]
            for batch in batched(stale, _BATCH):
                self._call(lambda c, r: c.delete(ids=list(batch)), retry=False)
            return True

    def _store_chunks(self, wanted: dict[str, Chunk], vectors: dict[str, np.ndarray]) -> None:
        """Store chunk versions (by stored id) not stored yet; vectors come from `vectors` or a stored chunk's twin."""
        present: set[str] = set()
        for batch in batched(sorted(wanted), _BATCH):
            present.update(self._call(lambda c, r: c.get(ids=list(batch), include=[]))["ids"])
        todo_ids = [sid for sid in wanted if sid not in present]
        todo = [wanted[sid] for sid in todo_ids]
        reuse = sorted({content_hash(c) for c in todo if c.chunk_id not in vectors})
        by_hash: dict[str, list[float]] = {}
        for batch in batched(reuse, 200):
            got = self._call(lambda c, r: c.get(where={"content_hash": {"$in": list(batch)}},
                                                         include=["metadatas", "embeddings"]))
            for meta, emb in zip(got["metadatas"], got["embeddings"]):
                by_hash[str(meta["content_hash"])] = list(np.asarray(emb, dtype=np.float32).tolist())
        for start in range(0, len(todo), _UPSERT):
            batch, ids = todo[start:start + _UPSERT], todo_ids[start:start + _UPSERT]
            embeddings: list[list[float]] = []
            for c in batch:
                if c.chunk_id in vectors:
                    embeddings.append(np.asarray(vectors[c.chunk_id], dtype=np.float32).tolist())
                elif content_hash(c) in by_hash:
                    embeddings.append(by_hash[content_hash(c)])
                else:
                    raise PolicyRagError(f"No vector for chunk {c.chunk_id}: embed it before writing.")
            self._call(lambda c, r: c.upsert(
                ids=ids, embeddings=embeddings, metadatas=[_metadata(x) for x in batch]), retry=False)

    def delete_documents(self, doc_ids: Sequence[str]) -> int:
        """Remove documents and their chunks; returns how many chunks went."""
        with self.writing():
            old = self._records()
            gone = [d for d in doc_ids if d in old]
            if not gone:
                return 0
            self._call(lambda c, r: r.delete(ids=gone), retry=False)
            self._bump()
            stale = [sid for d in gone for sid in old[d].get("_chunks", [])]
            for batch in batched(stale, _BATCH):
                self._call(lambda c, r: c.delete(ids=list(batch)), retry=False)
            return len(stale)


def _missing(exc: BaseException) -> bool:
    return "does not exist" in str(exc) or "not found" in str(exc).lower()


def _metadata(chunk: Chunk) -> dict[str, Any]:
    meta = chunk.to_metadata()
    meta["meta_hash"] = meta_hash(chunk)
    meta["content_hash"] = content_hash(chunk)
    # The text rides in the metadata, not as the chroma document: chroma indexes documents for full-text search
    # (trigrams, about a fifth of ingest's write time), and nothing here searches them that way.
    meta["text"] = chunk.text
    meta["embed_text"] = chunk.embed_text
    meta["lexical_tokens"] = token_string(chunk.embed_text or chunk.text)  # readers never run jieba on the corpus
    meta["lexical_version"] = TOKENIZER_VERSION
    return meta


_REPEATED = ("doc_id", "doc_title", "region", "issuer", "date", "doc_type", "section", "subsection", "doc_number",
             "source", "measure_title")


def _share_strings(chunk: Chunk, strings: dict[str, str]) -> None:
    """Point a chunk's metadata strings that other chunks repeat (its document's title, source, region, section…)
    at one shared copy: read back from chromadb, every chunk has its own, and a worker holds every chunk."""
    for name in _REPEATED:
        value = getattr(chunk, name)
        setattr(chunk, name, strings.setdefault(value, value))
    chunk.region_path = [strings.setdefault(part, part) for part in chunk.region_path]
    chunk.responsible_units = [strings.setdefault(unit, unit) for unit in chunk.responsible_units]
    chunk.lead_units = [strings.setdefault(unit, unit) for unit in chunk.lead_units]


def _stored_tokens(meta: dict[str, Any], chunk: Chunk) -> str:
    """The lexical token string stored with a chunk, or computed when it was stored without it or by another
    tokenizer."""
    stored = meta.get("lexical_tokens")
    if isinstance(stored, str) and meta.get("lexical_version") == TOKENIZER_VERSION:
        return stored
    return " ".join(tokenize(chunk.embed_text or chunk.text))  # not token_string: its cache is for ingest


def _texts(chunks: dict[str, Chunk], ids: list[str]) -> Iterator[str]:
    return chunk_rows(chunks[i] for i in ids)


def _split(tokens: str) -> list[str]:
    return tokens.split(" ") if tokens else []
