"""Question answering: analysis, retrieval, the refusal decision, list expansion, then the answerer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ingest import ANSWER_KIND_WORDS, Chunk, region_matches, tokenize
from service.answerers.base import REFUSAL, Answer, Answerer, Passage
from service.answerers.extractive import partial_answer
from service.followup import bounded_history, rewrite_followup
from service.retrieval.answerability import Judgement, judge
from service.retrieval.documents import covers, missing_document, named_documents
from service.retrieval.evidence import asked
from service.retrieval.query import QueryAnalysis, analyze
from service.retrieval.retriever import Filters, Hit, Retriever, SearchResult, chunk_region_path
from service.settings import Settings

__all__ = ["AskOutcome", "Prepared", "QAService", "passage_keys"]


@dataclass
class AskOutcome:
    """An answer with what was searched and how long each stage took."""

    answer: Answer
    question: str  # the question as searched (after follow-up rewriting)
    hits: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Prepared:
    """A question ready to answer: as searched, what retrieval found, the decision and the passages."""

    searched: str
    result: SearchResult
    judgement: Judgement
    passages: list[Passage]


_Observed = TypeVar("_Observed", SearchResult, AskOutcome)


def passage_keys(chunks: Sequence[Chunk]) -> list[str]:
    """Citation keys, unique within one answer: the label, plus the title when two documents share it."""
    labels = [c.measure_label for c in chunks]
    keys = []
    for chunk, label in zip(chunks, labels):
        clash = any(o.measure_label == label and o.doc_id != chunk.doc_id for o in chunks)
        keys.append(f"{chunk.doc_title} {chunk.measure}" if clash else label)
    return keys


class QAService:
    """The product's core: search and ask, used by every HTTP route and by the evaluation."""

    def __init__(self, settings: Settings, retriever: Retriever, answerer: Answerer) -> None:
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.observer: Callable[[SearchResult | AskOutcome], None] | None = None  # e.g. the app's metrics
        self._title_cache: tuple[object, list[str]] | None = None

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None, *, preset: str = "hybrid") -> SearchResult:
        """Ranked chunks for a query."""
        return self._observed(self.retriever.search(query, top_k, filters, preset=preset))

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """A follow-up as a standalone question: the LLM's condense prompt when there is one, else rules."""
        condense = getattr(self.answerer, "condense", None)  # a capability of LLM-backed answerers
        if condense is not None:
            turns = bounded_history(history, self.settings.api)
            rewritten = condense([(t["role"], t["content"]) for t in turns], question) if turns else ""
            if rewritten:
                return str(rewritten)
        return rewrite_followup(question, history, self.settings.api)

    def refusal_reason(self, result: SearchResult) -> str:
        """Why the corpus cannot answer whatever the clauses say (a place, year, measure, document or nothing
        found), or ''."""
        if result.out_of_scope:
            return result.out_of_scope
        named = named_documents(result.analysis.question)
        if named and (missing := missing_document(named, self._titles())):
            return f"文件中没有《{missing}》"
        if not result.hits:
            return "没有检索到相关条目"
        return ""

    def _titles(self) -> list[str]:
        """Titles of the indexed documents, derived once per index generation (from its catalog, not a scan)."""
        catalog = self.retriever.store.catalog()
        if self._title_cache is None or self._title_cache[0] is not catalog:
            self._title_cache = (catalog, sorted({catalog.of_document(d)[0].doc_title for d in catalog.document_ids()
                                                  if catalog.of_document(d)}))
        return self._title_cache[1]

    def decide(self, analysis: QueryAnalysis, result: SearchResult, top_k: int = 5) -> Judgement:
        """Answer, partial answer or refusal, from the retrieved evidence alone (no further search)."""
        if reason := self.refusal_reason(result):
            return Judgement("refuse", reason=reason)
        explicit = [h for h in result.hits if h.explicit]
        if explicit:  # 「济源第46条」: exactly the measures named, of the document named if one is
            named = named_documents(analysis.question)
            explicit = [h for h in explicit if all(covers(h.chunk.doc_title, name) for name in named)]
            if not explicit:
                return Judgement("refuse", reason=f"文件中没有《{named[0]}》第{analysis.refs[0].measure}条")
            return Judgement("answer", explicit)
        s = self.settings.retrieval
        judgement = judge(asked(analysis.question, analysis.regions), result.hits, dense_mean=result.dense_mean,
                          dense_std=result.dense_std, min_support=s.min_support, lexical_share=s.lexical_share,
                          depth=max(top_k, 5))
        if judgement.verdict == "answer" and analysis.intent.asks_responsible:
            # 「谁负责」: measures that name their units answer it
            judgement.hits = sorted(judgement.hits, key=lambda h: not h.chunk.responsible_units)[:top_k]
        return judgement

    def prepare(self, question: str, top_k: int = 5, filters: Filters | None = None,
                history: Sequence[dict[str, str]] = (), *, preset: str = "hybrid") -> Prepared:
        """Rewrite, retrieve, decide and choose passages; no passages means refuse."""
        searched = self.rewrite(question, history) if history else question
        analysis = analyze(searched)
        # 「谁负责」 looks deeper: the measure that names its units may rank below news about the topic.
        depth = max(top_k * 4, 20) if analysis.intent.asks_responsible else top_k
        result = self.retriever.search(searched, depth, filters, preset=preset, analysis=analysis)
        if len(analysis.regions) > 1 and not result.out_of_scope and not analysis.refs:
            result.hits = self._per_region(searched, depth, filters or Filters(), preset, analysis)
        judgement = self.decide(analysis, result, top_k)
        hits = judgement.hits
        if judgement.verdict == "answer" and analysis.intent.asks_list and not analysis.refs:
            hits = self._expand_list(analysis, result, filters or Filters())
        chunks = [h.chunk for h in hits]
        keys = passage_keys(chunks)
        passages = [Passage(k, h.chunk, h.score) for k, h in zip(keys, hits)]
        return Prepared(searched, result, judgement, passages)

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None,
            history: Sequence[dict[str, str]] = (), *, preset: str = "hybrid") -> AskOutcome:
        """A cited answer, a partial answer or the refusal."""
        t0 = time.perf_counter()
        p = self.prepare(question, top_k, filters, history, preset=preset)
        t1 = time.perf_counter()
        answer = self._unanswered(p)
        if answer is None:
            answer = self.answerer.answer(p.searched, p.passages, p.result.analysis.intent)
        t2 = time.perf_counter()
        timings = dict(p.result.timings, retrieve_ms=(t1 - t0) * 1000, answer_ms=(t2 - t1) * 1000,
                       total_ms=(t2 - t0) * 1000)
        return self._observed(AskOutcome(answer, p.searched, p.result.hits, timings))

    def ask_stream(self, question: str, top_k: int = 5, filters: Filters | None = None,
                   history: Sequence[dict[str, str]] = ()) -> Iterator[str | AskOutcome]:
        """Text deltas, then the finished outcome."""
        t0 = time.perf_counter()
        p = self.prepare(question, top_k, filters, history)
        answer = self._unanswered(p)
        if answer is not None:
            yield answer.text
        else:
            answer = Answer(REFUSAL, refused=True)
            for item in self.answerer.stream(p.searched, p.passages, p.result.analysis.intent):
                if isinstance(item, Answer):
                    answer = item
                else:
                    yield item
        yield self._observed(AskOutcome(answer, p.searched, p.result.hits,
                                        dict(p.result.timings, total_ms=(time.perf_counter() - t0) * 1000)))

    def _unanswered(self, p: Prepared) -> Answer | None:
        """The refusal or the partial answer the judgement calls for; None when the answerer should answer."""
        if p.judgement.verdict == "partial" and p.passages:
            return partial_answer(p.searched, p.passages[0], p.judgement.missing, backend=self.answerer.name)
        if p.judgement.verdict == "refuse" or not p.passages:
            hint = p.judgement.reason if p.judgement.reason.startswith("文件中没有") else ""
            return Answer(f"{REFUSAL}{hint}。" if hint else REFUSAL, refused=True, backend=self.answerer.name)
        return None

    def _observed(self, item: _Observed) -> _Observed:
        """Hand a finished search or answer to the observer, if any, and return it."""
        if self.observer is not None:
            self.observer(item)
        return item

    # --- 「有哪些」 questions: every matching measure, not just top_k ---------------------------------

    def _per_region(self, question: str, top_k: int, filters: Filters, preset: str,
                    analysis: QueryAnalysis) -> list[Hit]:
        """「开封和安阳…分别」: the best hits of each named region, interleaved, so no region is crowded out."""
        per_region = []
        for region in analysis.regions:
            scoped = Filters(**{**filters.__dict__, "region": region})
            per_region.append(self.retriever.search(question, top_k, scoped, preset=preset, analysis=analysis).hits)
        merged: list[Hit] = []
        for rank in range(top_k):
            merged.extend(hits[rank] for hits in per_region if rank < len(hits))
        return merged[: max(top_k, len(analysis.regions))]

    def _expand_list(self, analysis: QueryAnalysis, result: SearchResult, filters: Filters) -> list[Hit]:
        """Every measure that covers the topic: a section whose heading names it, or most of its words."""
        store = self.retriever.store
        catalog = store.catalog()
        # A word naming a place (one the question names, or a region of the indexed documents) is not the topic.
        corpus_places = {name for region in catalog.region_facts() for name in (region, region.rstrip("市县省区"))}

        def in_scope(chunk: Chunk) -> bool:
            return any(region_matches(chunk_region_path(chunk), r) for r in analysis.regions)

        # The named regions narrow the list when any of their measures passes the filters (stops at the first).
        scoped = any(filters.accepts(c) and c.part == 0 and in_scope(c) for r in analysis.regions
                     for d in catalog.region_documents(r) for c in catalog.of_document(d))
        words = [t for t in dict.fromkeys(tokenize(analysis.question)) if t not in ANSWER_KIND_WORDS and len(t) > 1
                 and t not in corpus_places and not any(t in r for r in analysis.regions)]
        # jieba's search mode repeats parts of long words (以旧换新 → 以旧, 换新): keep the longest forms.
        topic = [t for t in words if not any(t != o and t in o for o in words)]
        if not topic:
            return result.hits
        # Candidates from the lexical index (chunks holding a topic word or a part of one), not a scan of every chunk.
        holding = [c for i in sorted(store.lexical().containing(words)) if (c := catalog.chunks.get(i)) is not None]
        chunks = [c for c in holding if filters.accepts(c) and c.part == 0 and (not scoped or in_scope(c))]
        phrase = max(topic, key=len)
        in_section = [c for c in chunks if c.numbered_section() and phrase in c.section]
        weight = sum(len(t) for t in topic)

        def coverage(chunk: Chunk) -> float:
            return sum(len(t) for t in topic if t in chunk.text or t in chunk.section) / weight

        matching = [c for c in chunks if coverage(c) >= 0.6]
        picked = in_section if len(in_section) >= 2 else matching
        if not picked:
            return result.hits
        picked.sort(key=lambda c: (c.region, c.doc_id, _measure_order(c)))
        scores = {h.chunk.chunk_id: h.score for h in result.hits}
        return [Hit(c, scores.get(c.chunk_id, 0.0)) for c in picked[: self.settings.retrieval.max_list]]


def _measure_order(chunk: Chunk) -> tuple[int, str]:
    return (int(chunk.measure), "") if chunk.measure.isdigit() else (10_000, chunk.measure)
