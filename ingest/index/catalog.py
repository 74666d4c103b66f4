"""Lookups over one generation's chunks — by document, measure number, region path and source file — so no request
scans them all.

A catalog is immutable: the next generation's is derived with `evolve`, which copies only the entries of the
documents that changed (and the outer dicts, a pointer copy), so a write costs in proportion to its documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.gazetteer import region_matches
from ingest.models import Chunk

__all__ = ["ChunkCatalog", "RegionFacts", "chunk_region_path"]

RegionFacts = dict[str, tuple[list[str], set[str]]]  # region → (its path, years its documents are dated or speak of)
_Grouped = dict[Any, dict[str, tuple[Chunk, ...]]]  # key → doc_id → that document's chunks with the key
_YEAR = re.compile(r"(20\d{2})年")


def chunk_region_path(chunk: Chunk) -> list[str]:
    """A chunk's region with the units enclosing it (chunks of an index built before paths: the region alone)."""
    return chunk.region_path or ([chunk.region] if chunk.region else [])


@dataclass(frozen=True)
class _DocumentEntry:
    """What the catalog derives from one document's chunks."""

    chunks: tuple[Chunk, ...]  # chunk id order
    numbered: tuple[Chunk, ...]  # chunks numbered 第N条 / N., highest number first
    facts: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...]  # (region, path, years) in chunk order
    years: frozenset[str]  # the years it is dated or speaks of, whatever its region (none: undated, no year named)

    @classmethod
    def of(cls, chunks: Iterable[Chunk]) -> _DocumentEntry:
        ordered = tuple(sorted(chunks, key=lambda c: c.chunk_id))
        numbered = tuple(sorted((c for c in ordered if c.measure.isdigit()), key=lambda c: -int(c.measure)))
        facts: dict[str, tuple[tuple[str, ...], set[str]]] = {}
        named: set[str] = set()
        for chunk in ordered:
            stated = {chunk.date[:4], *_YEAR.findall(chunk.doc_title + chunk.text)} - {""}
            named |= stated
            if chunk.region:
                _, years = facts.setdefault(chunk.region, (tuple(chunk_region_path(chunk)), set()))
                years.update(stated)
        return cls(ordered, numbered, tuple((r, p, frozenset(y)) for r, (p, y) in facts.items()), frozenset(named))


class ChunkCatalog:
    """One generation's chunks with the lookups the request path needs."""

    def __init__(self, chunks: Mapping[str, Chunk], documents: dict[str, _DocumentEntry], by_measure: _Grouped,
                 by_path: _Grouped, by_source: _Grouped) -> None:
        self.chunks = chunks
        self._documents = documents
        self._by_measure = by_measure
        self._by_path = by_path
        self._by_source = by_source
        self._facts: RegionFacts | None = None

    @classmethod
    def build(cls, chunks: Mapping[str, Chunk]) -> ChunkCatalog:
        """A catalog of these chunks from scratch."""
        return cls(chunks, {}, {}, {}, {}).evolve(chunks, removed=(), added=chunks.values())

    def evolve(self, chunks: Mapping[str, Chunk], removed: Iterable[Chunk], added: Iterable[Chunk]) -> ChunkCatalog:
        """The catalog of the next generation (`chunks`), given the chunks removed and added (changed: both)."""
        removed_ids: dict[str, set[str]] = {}
        for chunk in removed:
            removed_ids.setdefault(chunk.doc_id, set()).add(chunk.chunk_id)
        added_by_doc: dict[str, list[Chunk]] = {}
        for chunk in added:
            added_by_doc.setdefault(chunk.doc_id, []).append(chunk)
        documents = dict(self._documents)
        by_measure, by_path, by_source = dict(self._by_measure), dict(self._by_path), dict(self._by_source)
        copied: set[tuple[int, Any]] = set()  # inner dicts already copied for this generation
        for doc_id in set(removed_ids) | set(added_by_doc):
            old = documents.pop(doc_id, None)
            gone = removed_ids.get(doc_id, set())
            fresh = {c.chunk_id: c for c in added_by_doc.get(doc_id, [])}
            kept = [c for c in (old.chunks if old else ()) if c.chunk_id not in gone and c.chunk_id not in fresh]
            entry = _DocumentEntry.of(kept + list(fresh.values())) if kept or fresh else None
            if entry is not None:
                documents[doc_id] = entry
            for grouped, key_of in ((by_measure, _measure_key), (by_path, _path_key), (by_source, _source_key)):
                keys = {key_of(c) for c in (old.chunks if old else ())}
                new_groups: dict[Any, list[Chunk]] = {}
                for chunk in entry.chunks if entry else ():
                    new_groups.setdefault(key_of(chunk), []).append(chunk)
                for key in keys | set(new_groups):
                    if (id(grouped), key) not in copied:
                        grouped[key] = dict(grouped.get(key, {}))
                        copied.add((id(grouped), key))
                    inner = grouped[key]
                    if key in new_groups:
                        inner[doc_id] = tuple(new_groups[key])
                    else:
                        inner.pop(doc_id, None)
                        if not inner:
                            del grouped[key]
                            copied.discard((id(grouped), key))
        return ChunkCatalog(chunks, documents, by_measure, by_path, by_source)

    # --- lookups -------------------------------------------------------------------------------------

    def document_ids(self) -> list[str]:
        """Documents that have chunks, sorted."""
        return sorted(self._documents)

    def of_document(self, doc_id: str) -> tuple[Chunk, ...]:
        """A document's chunks in chunk id order (none for an unknown document)."""
        entry = self._documents.get(doc_id)
        return entry.chunks if entry else ()

    def same_file(self, doc_id: str) -> list[str]:
        """The documents read from the file `doc_id` was read from (a notice and the plan it issues), itself
        included, sorted; none for an unknown document."""
        chunks = self.of_document(doc_id)
        if not chunks:
            return []
        key = _source_key(chunks[0])
        return sorted(self._by_source.get(key, {})) if key is not None else [doc_id]

    def numbered(self, doc_id: str) -> tuple[Chunk, ...]:
        """A document's chunks numbered straight through (第N条, N.), highest number first."""
        entry = self._documents.get(doc_id)
        return entry.numbered if entry else ()

    def with_measure(self, measure: str) -> list[Chunk]:
        """Every chunk of a measure label part (「46」, 「三（二）2」), by document, in chunk id order."""
        inner = self._by_measure.get(measure, {})
        return [c for doc_id in sorted(inner) for c in inner[doc_id]]

    def region_documents(self, region: str) -> list[str]:
        """Documents with a chunk in `region` (a province holds its cities' and counties' documents), sorted."""
        docs = {d for path, inner in self._by_path.items() if region_matches(list(path), region)
                for d in inner}
        return sorted(docs)

    def in_region(self, region: str) -> list[Chunk]:
        """Every chunk whose region path lies in `region`, in chunk id order."""
        found = [c for path, inner in self._by_path.items() if region_matches(list(path), region)
                 for chunks in inner.values() for c in chunks]
        return sorted(found, key=lambda c: c.chunk_id)

    def document_years(self, doc_id: str) -> frozenset[str]:
        """The years a document is dated or speaks of (none when it is undated and names no year)."""
        entry = self._documents.get(doc_id)
        return entry.years if entry else frozenset()

    def region_facts(self) -> RegionFacts:
        """region → (its path, years its documents are dated or speak of: a 2021 report reviews 2020)."""
        if self._facts is None:
            facts: RegionFacts = {}
            for doc_id in sorted(self._documents):
                for region, path, years in self._documents[doc_id].facts:
                    _, found = facts.setdefault(region, (list(path), set()))
                    found.update(years)
            self._facts = facts
        return self._facts


def _measure_key(chunk: Chunk) -> Any:
    return chunk.measure


def _path_key(chunk: Chunk) -> Any:
    return tuple(chunk_region_path(chunk))


def _source_key(chunk: Chunk) -> Any:
    return chunk.source or None  # chunks written without a source are not one file's
