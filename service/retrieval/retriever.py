"""Hybrid retrieval: dense (chromadb) and BM25 candidates fused, filtered, optionally reranked."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ingest import (Chunk, ChunkCatalog, Embedder, IndexStore, chunk_region_path, document_genre, join_windows,
                    mentions, region_matches, region_path)
from service.retrieval.evidence import asked, carries
from service.retrieval.lifecycle import Lifecycles, Statuses, clauses_first, in_force_first
from service.retrieval.query import QueryAnalysis, analyze, read_question
from service.retrieval.references import citing_articles
from service.settings import RetrievalSettings

__all__ = ["Filters", "Hit", "SearchResult", "Retriever", "PRESETS", "chunk_region_path", "enclosing", "in_scope",
           "names_place"]


@dataclass
class Filters:
    """Restrictions a caller puts on the results."""

    region: str | None = None
    doc_id: str | None = None
    unit: str | None = None  # a responsible unit; matches when it is among the measure's units
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None
    # True: drop the documents known not to be in force (those stating nothing stay: most state nothing);
    # False: keep only those known not in force. Statuses are computed on `as_of` (ISO), today when not given.
    in_force: bool | None = None
    as_of: str | None = None
    excluded: frozenset[str] = frozenset()  # documents `in_force` drops (`Retriever.resolve` fills it)
    within: frozenset[str] | None = None  # the only documents `in_force` allows (`Retriever.resolve` fills it)
    # Documents searched as if they were not indexed (the evaluation's leave-gold-out questions); not in the API.
    exclude_doc_ids: frozenset[str] = frozenset()

    def accepts(self, chunk: Chunk) -> bool:
        """Whether a chunk passes every filter."""
        if chunk.doc_id in self.exclude_doc_ids:
            return False
        if self.region and not region_matches(chunk_region_path(chunk), self.region):
            return False
        if self.doc_id and chunk.doc_id != self.doc_id:
            return False
        if self.unit and not any(self.unit in u or u in self.unit for u in chunk.responsible_units):
            return False
        if self.date_from and (not chunk.date or chunk.date < self.date_from):
            return False
        if self.date_to and (not chunk.date or chunk.date > self.date_to):
            return False
        if chunk.doc_id in self.excluded or (self.within is not None and chunk.doc_id not in self.within):
            return False
        return True


@dataclass
class Hit:
    """One retrieved chunk with the scores that put it there."""

    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, when the dense side found it
    lexical: float | None = None  # BM25 score, when the lexical side found it
    explicit: bool = False  # named directly in the question


@dataclass
class SearchResult:
    """Hits plus what the evidence looked like, for the answerer's refusal decision."""

    hits: list[Hit]
    analysis: QueryAnalysis
    dense_mean: float = 0.0  # similarity of the dense candidates: what a hit's own similarity is measured against
    dense_std: float = 0.0
    out_of_scope: str = ""  # why the question cannot be about this corpus, if it cannot
    timings: dict[str, float] = field(default_factory=dict)
    statuses: Statuses | None = None  # documents' lifecycle statuses on the date searched for
    excluded: frozenset[str] = frozenset()  # documents searched as if not indexed (Filters.exclude_doc_ids)


PENALTY_DEPTH = 5  # hits whose penalty articles join them when a sanction is asked
STATS_POOL = 100  # dense candidates whose similarities a hit's own is compared with
EXPLICIT_DOCUMENTS = 3  # a bare 「第十条」 found in more documents than this means the top-ranked ones

# Named retrieval presets the evaluation compares: (use dense, use lexical, use reranker).
PRESETS: dict[str, tuple[bool, bool, bool]] = {
    "bm25": (False, True, False),
    "dense": (True, False, False),
    "hybrid": (True, True, False),
    "hybrid+rerank": (True, True, True),
}


class Retriever:
    """Searches the index the way the settings say."""

    def __init__(self, store: IndexStore, embedder: Embedder, settings: RetrievalSettings,
                 reranker: object | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker
        self._embed_query: Callable[[str], np.ndarray] = lru_cache(maxsize=1024)(embedder.embed_query)
        self.lifecycles = Lifecycles(store)
        # the articles citing each article, by document, for the catalog they were read from (`_citing`)
        self._citing_cache: tuple[ChunkCatalog | None, dict[str, dict[str, list[Chunk]]]] = (None, {})

    def resolve(self, filters: Filters | None) -> Filters:
        """The filters with `in_force` turned into the documents it drops or allows (on `as_of`, today by default;
        statuses are computed once per index generation and date)."""
        filters = filters or Filters()
        if filters.in_force is None:
            return filters
        not_in_force = self.lifecycles.statuses(filters.as_of).not_in_force
        if filters.in_force:
            return replace(filters, excluded=not_in_force, within=None)
        return replace(filters, excluded=frozenset(), within=not_in_force)

    # --- corpus facts --------------------------------------------------------------------------

    def _corpus_facts(self) -> dict[str, tuple[list[str], set[str]]]:
        """region → (its path, years its documents are dated or speak of: a 2021 report reviews 2020)."""
        return self.store.catalog().region_facts()

    def regions(self) -> set[str]:
        """Regions present in the index."""
        return set(self._corpus_facts())

    def holds(self, region: str) -> bool:
        """Whether the index has documents in a region (a province holds its cities' and counties' documents)."""
        return any(region_matches(path, region) for path, _ in self._corpus_facts().values())

    def foreign_places(self, analysis: QueryAnalysis) -> list[str]:
        """Places the question names that the index holds no document of."""
        return [r for r in analysis.regions if not self.holds(r)]

    def _naming(self, foreign: Sequence[str], hits: list[Hit], top_k: int, *,
                narrow: bool) -> tuple[list[Hit], set[str]]:
        """The hits, narrowed (`narrow`) to the passages naming a place that no document is about when some of the
        top ones do (a province's notice on one of its counties, a ministry's news on a city); and which of the
        `foreign` places the first `top_k` of them name. Each passage's places are read once."""
        if not foreign:
            return hits, set()
        named = {id(h): {m.place.name for m in mentions(h.chunk.text, foreign)} & set(foreign)
                 for h in hits[: max(top_k * 4, 20)]}
        if narrow and (naming := [h for h in hits if named.get(id(h))]):
            hits = naming
        return hits, set().union(*(named.get(id(h), set()) for h in hits[:top_k]))

    def _years_of(self, region: str) -> set[str]:
        """Years a region's documents are dated or speak of."""
        return set().union(*(y for path, y in self._corpus_facts().values() if region_matches(path, region)))

    def out_of_scope(self, analysis: QueryAnalysis, written: Collection[str] = ()) -> str:
        """A reason the corpus cannot answer this question, or '' (`written`: the places no document is about that
        the passages found name)."""
        named_known = [r for r in analysis.regions if self.holds(r)]
        foreign = [r for r in self.foreign_places(analysis) if r not in written]
        if foreign and not named_known:
            return f"问题涉及的地区（{'、'.join(foreign)}）不在文件范围内"
        if analysis.years and named_known:
            for region in named_known:
                if not set(analysis.years) & self._years_of(region):
                    return f"文件中没有{region}{'、'.join(analysis.years)}年的文件"
        return ""

    def beyond_last_measure(self, analysis: QueryAnalysis, filters: Filters, ranked: Sequence[str] = ()) -> str:
        """「第21条」 of documents numbered only to 20: a reason naming how many measures they have, or ''.

        Only documents numbered straight through count (第N条, N.); a document whose numbering restarts
        under each heading has no 「第21条」 to miss. With no region or filter naming the documents, those the
        search ranked first (`ranked`) are the ones the question is about.
        """
        numbers = [int(ref.measure) for ref in analysis.refs if ref.measure.isdigit()]
        if not numbers or len(numbers) != len(analysis.refs):
            return ""
        region = next((ref.region for ref in analysis.refs if ref.region), analysis.regions[0] if analysis.regions else "")
        catalog = self.store.catalog()
        docs = _allowed_documents(catalog, filters, [region] if region else [])
        last: dict[str, tuple[str, int]] = {}
        for doc_id in ranked if docs is None else docs:
            for chunk in catalog.numbered(doc_id):  # highest number first: the first accepted one is the last measure
                if filters.accepts(chunk) and (not region or region_matches(chunk_region_path(chunk), region)):
                    last[doc_id] = (chunk.doc_title, int(chunk.measure))
                    break
        if not last or min(numbers) <= max(top for _, top in last.values()):
            return ""
        counts = "；".join(f"《{title}》共{top}条" for title, top in sorted(last.values())[:3])
        return f"文件中没有第{min(numbers)}条：{counts}"

    # --- search ----------------------------------------------------------------------------------

    def explicit(self, analysis: QueryAnalysis, filters: Filters, ranked: Sequence[str] = ()) -> list[Hit]:
        """Measures the question names directly. A 「第十条」 with no place or filter naming its document, held by
        many documents, is the article of those the search ranked first (`ranked`, best first)."""
        hits = []
        catalog = self.store.catalog()
        order = {doc_id: i for i, doc_id in enumerate(ranked)}
        for ref in analysis.refs:
            region = ref.region or (analysis.regions[0] if analysis.regions else "")
            candidates = catalog.with_measure(ref.measure)
            if not region and not _active(filters) and len({c.doc_id for c in candidates}) > EXPLICIT_DOCUMENTS:
                candidates = [c for c in candidates if c.doc_id in order]
            for chunk in candidates:
                if chunk.measure == ref.measure and (not region or region_matches(chunk_region_path(chunk), region)) \
                        and filters.accepts(chunk):
                    hits.append(Hit(chunk, 1.0, explicit=True))
        hits.sort(key=lambda h: (order.get(h.chunk.doc_id, len(order)), h.chunk.doc_id, h.chunk.part))
        return hits

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None, *, preset: str = "hybrid",
               analysis: QueryAnalysis | None = None) -> SearchResult:
        """The top_k chunks for a query, best first (the query read as `read_question` reads it)."""
        query = read_question(query)
        filters = self.resolve(filters)
        statuses = self.lifecycles.statuses(filters.as_of)
        catalog = self.store.catalog()
        analysis = analysis or analyze(query, catalog.region_facts())
        use_dense, use_lexical, use_rerank = PRESETS[preset]
        timings: dict[str, float] = {}
        dense_mean = dense_std = 0.0
        chunks = catalog.chunks
        excluded = sorted(filters.exclude_doc_ids)
        region_scope = self._region_scope(analysis, filters)
        restrict = bool(region_scope) and self.settings.region_mode == "restrict"
        # A filter or a named region: search only the documents it allows (looked up, not scanned), deeper.
        docs = _allowed_documents(catalog, filters, region_scope if restrict else [])
        allowed = None if docs is None else [c.chunk_id for d in docs for c in catalog.of_document(d)]
        pool = self.settings.filtered_pool if (region_scope or _active(filters)) else self.settings.candidates
        if allowed is not None:
            pool = min(pool, len(allowed))
            use_dense, use_lexical = use_dense and bool(allowed), use_lexical and bool(allowed)

        # Restricted to a place, a passage of another place's document that names it stays a candidate (a
        # ministry's notice about 湖北, a news item filed under the city it was written in).
        naming = _names(analysis.question, region_scope, catalog.region_facts()) if restrict else ()
        widen = bool(naming) and docs is not None
        inside = set(allowed or ())

        dense: list[tuple[str, float]] = []
        if use_dense:
            t = time.perf_counter()
            vector = self._embed_query(query)
            timings["embed_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            absent = {"doc_id": {"$nin": excluded}} if excluded else None
            if docs is None:
                dense = self.store.dense_search(vector, max(pool, STATS_POOL), absent)
                spread = dense
            else:  # the similarities to compare with are the whole index's, whatever the filter
                dense = self.store.dense_search(vector, pool, {"doc_id": {"$in": docs}})
                spread = self.store.dense_search(vector, STATS_POOL, absent)
            timings["dense_ms"] = (time.perf_counter() - t) * 1000
            stats = np.array([s for _, s in spread[:STATS_POOL]], dtype=float)
            dense_mean, dense_std = (float(stats.mean()), float(stats.std())) if len(stats) > 1 else (0.0, 0.0)
            dense = dense[:pool]
            if widen:
                outside = [(i, v) for i, v in spread[:self.settings.candidates] if i not in inside]
                dense = sorted(dense + outside, key=lambda item: -item[1])
        lexical: list[tuple[str, float]] = []
        if use_lexical:
            t = time.perf_counter()
            # Excluded documents' chunks are dropped below: ask for as many more, so `pool` candidates remain.
            hidden = 0 if allowed is not None else sum(len(catalog.of_document(d)) for d in excluded)
            lexical = self.store.lexical().search(query, pool + hidden, allowed)
            if widen:
                hidden = sum(len(catalog.of_document(d)) for d in excluded)
                outside = [(i, v) for i, v in self.store.lexical().search(query, self.settings.candidates + hidden)
                           if i not in inside]
                lexical = sorted(lexical + outside, key=lambda item: -item[1])
            timings["lexical_ms"] = (time.perf_counter() - t) * 1000

        def keep(chunk_id: str) -> bool:
            chunk = chunks.get(chunk_id)
            if chunk is None or not filters.accepts(chunk):
                return False
            return not restrict or in_scope(chunk, region_scope) or names_place(chunk, naming)

        dense = [(i, s) for i, s in dense if keep(i)]
        lexical = [(i, s) for i, s in lexical if keep(i)][:pool]
        fused = self._fuse(dense, lexical)
        if self.settings.phrase_weight and (phrases := asked(query, analysis.regions).phrases):
            self._prefer_phrases(fused, phrases, catalog)
        if region_scope and self.settings.region_mode == "boost":
            fused = {i: s * (1.5 if any(region_matches(chunk_region_path(chunks[i]), r) for r in region_scope) else 1.0)
                     for i, s in fused.items()}
        dense_by, lexical_by = dict(dense), dict(lexical)
        ranked = sorted(fused, key=lambda i: -fused[i])
        hits = [Hit(chunks[i], fused[i], dense_by.get(i), lexical_by.get(i)) for i in ranked]
        if "sanction" in asked(query, analysis.regions).kinds:
            hits = self._with_penalties(hits, catalog, filters, dense_by, lexical_by)

        if use_rerank and self.reranker is not None and hits:
            t = time.perf_counter()
            head = hits[: self.settings.rerank_candidates]
            scores = self.reranker.score(query, [h.chunk.embed_text for h in head])  # type: ignore[attr-defined]
            for h, s in zip(head, scores):
                h.score = float(s)
            hits = sorted(head, key=lambda h: -h.score) + hits[len(head):]
            timings["rerank_ms"] = (time.perf_counter() - t) * 1000

        hits = in_force_first(hits, statuses, self.settings.in_force_margin)
        hits = quoting(of_genre(one_per_measure(hits), analysis.genre), analysis.quoted)
        if asked(query, analysis.regions).validity:
            hits = clauses_first(hits, statuses, catalog, filters)
        ranked = list(dict.fromkeys(h.chunk.doc_id for h in hits[:EXPLICIT_DOCUMENTS * 4]))[:EXPLICIT_DOCUMENTS]
        explicit = self.explicit(analysis, filters, ranked) if analysis.refs else []
        beyond = "" if explicit else self.beyond_last_measure(analysis, filters, ranked)
        seen = {h.chunk.chunk_id for h in explicit}
        hits = explicit + [h for h in hits if h.chunk.chunk_id not in seen]
        hits, written = self._naming(self.foreign_places(analysis), hits, top_k, narrow=not explicit
                                     and not filters.region and self.settings.region_mode == "restrict")
        return SearchResult(
            hits=hits[:top_k] if not explicit else hits[: max(top_k, len(explicit))],
            analysis=analysis,
            dense_mean=dense_mean,
            dense_std=dense_std,
            out_of_scope=self.out_of_scope(analysis, written) or beyond,
            timings=timings,
            statuses=statuses,
            excluded=filters.exclude_doc_ids,
        )

    def _with_penalties(self, hits: list[Hit], catalog: ChunkCatalog, filters: Filters,
                        dense_by: dict[str, float], lexical_by: dict[str, float]) -> list[Hit]:
        """A sanction asked: after each of the first PENALTY_DEPTH hits, the articles of its document that cite it
        and state a sanction (「违反本办法第九条规定的，责令…」), with its score. A penalty article's own words are
        about the sanction and the conduct asked about is in the article it cites, so searched alone it is rarely
        found."""
        placed: set[str] = set()
        out: list[Hit] = []
        for rank, hit in enumerate(hits):
            if hit.chunk.chunk_id in placed:
                continue
            out.append(hit)
            placed.add(hit.chunk.chunk_id)
            if rank >= PENALTY_DEPTH or not hit.chunk.measure:
                continue
            for chunk in self._citing(catalog, hit.chunk.doc_id).get(hit.chunk.measure, []):
                if chunk.chunk_id not in placed and filters.accepts(chunk):
                    out.append(Hit(chunk, hit.score, dense_by.get(chunk.chunk_id), lexical_by.get(chunk.chunk_id)))
                    placed.add(chunk.chunk_id)
        return out

    def _citing(self, catalog: ChunkCatalog, doc_id: str) -> dict[str, list[Chunk]]:
        """Article number → the chunks of the document that cite it and state a sanction (per catalog, per
        document, computed once)."""
        if self._citing_cache[0] is not catalog:
            self._citing_cache = (catalog, {})
        known = self._citing_cache[1]
        if doc_id not in known:
            known[doc_id] = citing_articles(catalog.of_document(doc_id), lambda c: carries("sanction", c.text))
        return known[doc_id]

    def _prefer_phrases(self, fused: dict[str, float], phrases: Sequence[str], catalog: ChunkCatalog) -> None:
        """Raise the candidates holding the question's multi-word names as written (「城镇新增就业」), each name by how
        few passages of the candidate's document hold it: a name most of a document repeats (its subject) tells
        none of its passages apart."""
        total = sum(map(len, phrases))
        rarity: dict[tuple[str, str], float] = {}
        for chunk_id in fused:
            chunk = catalog.chunks[chunk_id]
            held = 0.0
            for phrase in phrases:
                if phrase not in chunk.text:
                    continue
                key = (chunk.doc_id, phrase)
                if key not in rarity:
                    siblings = catalog.of_document(chunk.doc_id)
                    rarity[key] = 1 - sum(phrase in c.text for c in siblings) / len(siblings)
                held += len(phrase) * rarity[key]
            fused[chunk_id] += self.settings.phrase_weight * held / total

    def _region_scope(self, analysis: QueryAnalysis, filters: Filters) -> list[str]:
        if filters.region or self.settings.region_mode == "off":
            return []
        return [r for r in analysis.regions if self.holds(r)]

    def _fuse(self, dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]]) -> dict[str, float]:
        s = self.settings
        fused: dict[str, float] = {}
        if s.fusion == "rrf":
            for weight, ranking in ((s.dense_weight, dense), (s.lexical_weight, lexical)):
                for rank, (chunk_id, _) in enumerate(ranking):
                    fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (s.rrf_k + rank + 1)
            return fused
        # Weighted: each side min-max normalised to [0, 1] over its candidates.
        for weight, ranking in ((s.dense_weight, dense), (s.lexical_weight, lexical)):
            if not ranking:
                continue
            values = [v for _, v in ranking]
            lo, hi = min(values), max(values)
            for chunk_id, v in ranking:
                norm = (v - lo) / (hi - lo) if hi > lo else 1.0
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight * norm
        return fused


def enclosing(region: str) -> list[str]:
    """The regions above one, nearest first (浦东新区 → 上海市): their own documents apply to it too."""
    return region_path(region)[-2::-1]


def in_scope(chunk: Chunk, regions: Sequence[str]) -> bool:
    """Whether a chunk's document lies in one of the regions, or was issued for a region enclosing one."""
    return any(region_matches(chunk_region_path(chunk), r) or chunk.region in enclosing(r) for r in regions)


def _names(question: str, regions: Sequence[str], known: Collection[str]) -> tuple[str, ...]:
    """How the question names the places it is restricted to: their full names and the forms it writes."""
    if not regions:
        return ()
    written = [m.surface for m in mentions(question, known) if any(region_matches(m.place.path, r) for r in regions)]
    return tuple(dict.fromkeys([*regions, *written]))


def names_place(chunk: Chunk, names: Sequence[str]) -> bool:
    """Whether a chunk's own words or its document's title name one of the places (as `_names` gives them)."""
    return any(name in chunk.text or name in chunk.doc_title for name in names)


def _allowed_documents(catalog: ChunkCatalog, filters: Filters, regions: Sequence[str]) -> list[str] | None:
    """Documents that can hold chunks passing the document and region filters (any of `regions`, or issued for a
    region enclosing one); None: all."""
    docs: set[str] | None = None
    if filters.doc_id:
        docs = {filters.doc_id} if catalog.of_document(filters.doc_id) else set()
    if filters.within is not None:
        docs = set(filters.within) & (docs if docs is not None else set(catalog.document_ids()))
    if filters.region:
        docs = set(catalog.region_documents(filters.region)) & (docs if docs is not None else set(catalog.document_ids()))
    if regions:
        scoped = {d for r in regions for d in catalog.region_documents(r)}
        scoped |= {d for r in regions for above in enclosing(r) for d in catalog.region_documents(above)
                   if (chunks := catalog.of_document(d)) and chunks[0].region == above}
        docs = scoped if docs is None else docs & scoped
    # Excluded documents narrow a list of allowed ones; alone they are no restriction (the search drops them).
    return None if docs is None else sorted(docs - filters.exclude_doc_ids)


def _active(filters: Filters) -> bool:
    return any((filters.region, filters.doc_id, filters.unit, filters.date_from, filters.date_to,
                filters.within is not None))


def of_genre(hits: list[Hit], genre: str) -> list[Hit]:
    """The hits from documents of the genre a question names (「哪些地方的法规…」), when there are any."""
    if not genre:
        return hits
    return [h for h in hits if document_genre(h.chunk.doc_title) == genre] or hits


def quoting(hits: list[Hit], quoted: Sequence[str]) -> list[Hit]:
    """The hits whose measure holds every term the question quotes, as written, when there are any."""
    terms = [_bare(t) for t in quoted]
    if not terms:
        return hits
    return [h for h in hits if all(t in _bare(h.chunk.doc_title + h.chunk.text) for t in terms)] or hits


def _bare(text: str) -> str:
    """Text without punctuation or spaces: 「谁破坏、谁治理」 is quoted from 「谁破坏谁治理」."""
    return re.sub(r"[\W_]+", "", text)


MERGED_PARTS = 4  # parts of one long measure a hit shows at most
PART_SHARE = 0.75  # a part joins its measure's hit when it scores this share of the measure's best part


def one_per_measure(hits: Sequence[Hit]) -> list[Hit]:
    """One hit per measure, at the rank of its best part: the citation unit is the measure, so its other parts
    would only crowd other measures out of the top.

    A long measure is stored in parts; its hit shows the parts that match about as well as its best one (the best
    MERGED_PARTS, in document order), so the fact asked about is there even when another part ranked first. A part
    far below the best (a long 重点工作 block's closing units, say) stays out: it would lend its words to the topic.
    """
    groups: dict[tuple[str, str], list[Hit]] = {}
    for hit in hits:
        groups.setdefault((hit.chunk.doc_id, hit.chunk.measure or hit.chunk.chunk_id), []).append(hit)
    return [merge_parts([h for h in group if h is group[0] or 0 < PART_SHARE * group[0].score <= h.score]
                        [:MERGED_PARTS]) for group in groups.values()]


def merge_parts(group: Sequence[Hit]) -> Hit:
    """The first (best-ranked) hit, its text made of the group's parts of one measure in order: consecutive parts
    joined where their windows overlap, parts that do not touch with 「……」 between them."""
    best = group[0]
    if len(group) == 1:
        return best
    parts = sorted({h.chunk.part: h.chunk for h in group}.values(), key=lambda c: c.part)
    runs: list[list[Chunk]] = []
    for part in parts:
        if runs and part.part == runs[-1][-1].part + 1:
            runs[-1].append(part)
        else:
            runs.append([part])
    text = "……".join(join_windows([c.text for c in run]) for run in runs)
    chunk = replace(best.chunk, text=text, span_start=min(c.span_start for c in parts),
                    span_end=max(c.span_end for c in parts), heading_chars=parts[0].heading_chars)
    return replace(best, chunk=chunk)
