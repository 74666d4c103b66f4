"""Question answering: analysis, retrieval, the refusal decision, list expansion, then the answerer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ingest import NATIONAL, Chunk
from service.answerers.answer_model import AnswerModel, Ranker, default_model, runner_up
from service.answerers.base import REFUSAL, Answer, Answerer, Passage, citation_from_chunk
from service.answerers.extractive import partial_answer
from service.answerers.features import Candidate, candidates, measure_vectors
from service.followup import bounded_history, rewrite_followup
from service.retrieval.answerability import Judgement, judge, rarity
from service.retrieval.compare import about_one, interleave, provincial, spread
from service.retrieval.documents import covers, missing_document, named_documents
from service.retrieval.evidence import asked, states_units
from service.retrieval.lifecycle import Statuses, clause_chunk, known, lifecycle_answer, lifecycle_partial, notice
from service.retrieval.listing import expand_list, per_place
from service.retrieval.references import cited_text
from service.retrieval.query import QueryAnalysis, analyze, read_question
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
    # the answer model's gate: how likely the measures retrieved answer the question, when it weighed an answer
    answerability: float | None = None


@dataclass
class Prepared:
    """A question ready to answer: as searched, what retrieval found, the decision and the passages."""

    searched: str
    result: SearchResult
    judgement: Judgement
    passages: list[Passage]
    answer: Answer | None = None  # answered before any answerer: a validity question answered from lifecycle facts


VALIDITY_DOCUMENTS = 3  # a validity question naming no document asks about one of the top-ranked ones
# The measure ranker reorders this many fused measures (the rest follow): on the tune halves and dev sets, out of
# fold, reordering the top 20 put the evidence in the top five more often than the top 10 did (README, issue 19).
RANK_DEPTH = 20
_Observed = TypeVar("_Observed", SearchResult, AskOutcome)


def passage_keys(chunks: Sequence[Chunk]) -> list[str]:
    """Citation keys, unique within one answer: the label, with the document's title for its region when two
    documents share it or when the region is 全国 (「全国 第13条」 names no document: 「网络交易监督管理办法 第13条」)."""
    labels = [c.measure_label for c in chunks]
    keys = []
    for chunk, label in zip(chunks, labels):
        clash = any(o.measure_label == label and o.doc_id != chunk.doc_id for o in chunks)
        if clash or chunk.region == NATIONAL and chunk.doc_title:
            label = label.replace(chunk.region, chunk.doc_title, 1) if chunk.region and label.startswith(chunk.region) \
                else f"{chunk.doc_title} {chunk.measure}"
        keys.append(label)
    return keys


class QAService:
    """The product's core: search and ask, used by every HTTP route and by the evaluation."""

    def __init__(self, settings: Settings, retriever: Retriever, answerer: Answerer) -> None:
        self.settings = settings
        self.retriever = retriever
        self.answerer = answerer
        self.observer: Callable[[SearchResult | AskOutcome], None] | None = None  # e.g. the app's metrics
        self._title_cache: tuple[object, list[str]] | None = None
        # the learned answer decision, read at startup so a missing or altered model file fails at once
        self.answer_model: AnswerModel | None = default_model(settings.answer.model_path) \
            if settings.answer.model != "off" else None
        self.ranker: Ranker | None = self.answer_model.ranker \
            if self.answer_model is not None and settings.answer.rank else None

    def search(self, query: str, top_k: int = 5, filters: Filters | None = None, *, preset: str = "hybrid") -> SearchResult:
        """Ranked chunks for a query (the best of each region in turn when it names several)."""
        filters = self.retriever.resolve(filters)
        query = read_question(query)
        return self._observed(self._retrieve(query, top_k, filters, preset, self.analyze(query)))

    def analyze(self, question: str) -> QueryAnalysis:
        """The question read against this index (its regions settle short county names)."""
        return analyze(question, self.retriever.store.catalog().region_facts())

    def retrieve(self, query: str, top_k: int, filters: Filters | None, preset: str,
                 analysis: QueryAnalysis) -> SearchResult:
        """Ranked chunks for a question already read and analysed, unobserved (what `prepare` decides from)."""
        return self._retrieve(query, top_k, filters, preset, analysis)

    def _retrieve(self, query: str, top_k: int, filters: Filters | None, preset: str,
                  analysis: QueryAnalysis) -> SearchResult:
        if analysis.intent.asks_places:  # 「哪些省份…」: the best of each place in turn, from a deeper search
            result = self.retriever.search(query, top_k * 4, filters, preset=preset, analysis=analysis)
            hits = provincial(result.hits) if analysis.asks_provinces else result.hits
            result.hits = spread(hits, lambda h: h.chunk.region, top_k)
            return result
        per_region = len(analysis.regions) > 1 and not analysis.refs
        # the ranker was trained on hybrid searches of one place or none, naming no measure (`collect_ranking`)
        ranking = self.ranker is not None and preset == "hybrid" and not analysis.refs and not per_region
        result = self.retriever.search(query, max(top_k, RANK_DEPTH) if ranking else top_k, filters, preset=preset,
                                       analysis=analysis)
        if ranking and not result.out_of_scope:
            result.hits = self._ranked(result, analysis)
        result.hits = result.hits[:top_k]
        if per_region and not result.out_of_scope:
            result.hits = self._per_region(query, top_k, filters or Filters(), preset, analysis)
        return result

    def _ranked(self, result: SearchResult, analysis: QueryAnalysis) -> list[Hit]:
        """The hits reordered by the measure ranker: the first `RANK_DEPTH` (what it was trained on), the rest
        after them in fused order."""
        hits = result.hits
        if self.ranker is None or len(hits) < 2 or any(h.explicit for h in hits):
            return hits
        head = hits[:RANK_DEPTH]
        return [head[i] for i in self.ranker.order(self.measure_features(result, analysis))] + hits[RANK_DEPTH:]

    def measure_features(self, result: SearchResult, analysis: QueryAnalysis) -> list[list[float]]:
        """The ranker's features of each of the first `RANK_DEPTH` hits (`features.RANK_FEATURES`), from its
        sentences as the answer model reads them (no rule decision: ranking comes first)."""
        hits = result.hits[:RANK_DEPTH]
        reading = asked(analysis.question, analysis.regions)
        rare, unheld = self._rarity(list(reading.weights), result.excluded)
        catalog = self.retriever.store.catalog()
        pool = candidates(reading, hits, dense_mean=result.dense_mean, dense_std=result.dense_std,
                          regions=analysis.regions, asks_list=analysis.intent.asks_list,
                          cited={h.chunk.chunk_id: cited_text(h.chunk, catalog) for h in hits}, rare=rare,
                          unheld=unheld)
        return measure_vectors(pool, len(hits))

    def rewrite(self, question: str, history: Sequence[dict[str, str]]) -> str:
        """A follow-up as a standalone question: the LLM's condense prompt when there is one, else rules."""
        condense = getattr(self.answerer, "condense", None)  # a capability of LLM-backed answerers
        if condense is not None:
            turns = bounded_history(history, self.settings.api)
            rewritten = condense([(t["role"], t["content"]) for t in turns], question) if turns else ""
            if rewritten:
                return str(rewritten)
        return rewrite_followup(question, history, self.settings.api)

    def refusal_reason(self, result: SearchResult, named: Sequence[str] = ()) -> str:
        """Why the corpus cannot answer whatever the clauses say (a place, year, measure, document or nothing
        found), or ''. `named`: the documents the question names by title; one that no indexed document is titled
        but a passage found writes out (a news item on it) is searched like any words."""
        if result.out_of_scope:
            return result.out_of_scope
        if named and (missing := missing_document(named, self._titles(result.excluded))) \
                and not any(missing in h.chunk.text for h in result.hits):  # news on a document is no refusal
            return f"文件中没有《{missing}》"
        if not result.hits:
            return "没有检索到相关条目"
        return ""

    def _titles(self, excluded: frozenset[str] = frozenset()) -> list[str]:
        """Titles of the indexed documents, derived once per index generation (from its catalog, not a scan);
        without those only `excluded` documents hold."""
        catalog = self.retriever.store.catalog()
        if self._title_cache is None or self._title_cache[0] is not catalog:
            firsts = (catalog.of_document(d)[:1] for d in catalog.document_ids())
            self._title_cache = (catalog, sorted({chunks[0].doc_title for chunks in firsts if chunks}))
        if not excluded:
            return self._title_cache[1]
        kept = {c[0].doc_title for d in catalog.document_ids() if d not in excluded and (c := catalog.of_document(d))}
        return [title for title in self._title_cache[1] if title in kept]

    @property
    def gate_threshold(self) -> float | None:
        """The answerability gate's threshold in effect: the index's (or the settings'), else the model file's;
        None without a gate."""
        model = self.answer_model
        if model is None or model.gate is None or not self.settings.answer.gate:
            return None
        return model.gate.threshold if self.settings.answer.gate_threshold is None \
            else self.settings.answer.gate_threshold

    def decide(self, analysis: QueryAnalysis, result: SearchResult, top_k: int = 5, *,
               min_answerability: float | None = None) -> Judgement:
        """Answer, partial answer or refusal, from the retrieved evidence alone (no further search).
        `min_answerability`: this question's gate threshold, in place of the index's or the file's (and the gate
        applies even where the settings turned it off)."""
        judgement, pool = self._judged(analysis, result, top_k, features=self.answer_model is not None)
        if pool is not None and self.answer_model is not None:
            model = self.answer_model
            if self.settings.answer.model == "on":
                judgement = self._learned(judgement, pool, model)
            else:
                judgement = self._vetoed(judgement, pool, model)
            threshold = self.gate_threshold if min_answerability is None else min_answerability
            if threshold is not None:
                judgement = self._gated(judgement, pool, model, threshold)
            if self.settings.answer.model == "on" or judgement.verdict == "refuse":
                return judgement
        if judgement.verdict == "answer" and analysis.intent.asks_responsible:
            # 「谁负责」: the supported measures that name their units answer it (one that does not cover the
            # question stays where retrieval put it, whatever units it names)
            supported = {id(h) for h in judgement.supported}
            judgement.hits = sorted(judgement.hits,
                                    key=lambda h: not (id(h) in supported and states_units(h.chunk)))[:top_k]
        return judgement

    def candidates(self, analysis: QueryAnalysis, result: SearchResult,
                   top_k: int = 5) -> tuple[Judgement, list[Candidate] | None]:
        """The rules' judgement and the candidate sentences the answer model weighs; None when the question is
        decided before any clause is read (a place, year, document or measure named that the index lacks, or a
        measure named that it holds)."""
        return self._judged(analysis, result, top_k, features=True)

    def _judged(self, analysis: QueryAnalysis, result: SearchResult, top_k: int, *,
                features: bool) -> tuple[Judgement, list[Candidate] | None]:
        named = named_documents(analysis.question)
        if reason := self.refusal_reason(result, named):
            return Judgement("refuse", reason=reason), None
        explicit = [h for h in result.hits if h.explicit]
        if explicit:  # 「济源第46条」: exactly the measures named, of the document named if one is
            explicit = [h for h in explicit if all(covers(h.chunk.doc_title, name) for name in named)]
            if not explicit:
                return Judgement("refuse", reason=f"文件中没有《{named[0]}》第{analysis.refs[0].measure}条"), None
            return Judgement("answer", explicit), None
        s = self.settings.retrieval
        hits = result.hits
        catalog = self.retriever.store.catalog()
        if analysis.years:  # 「2024年…」: only documents dated in or speaking of a year named can answer, or one
            # that is neither dated nor names a year (a news item that says 「1月25日晚上」): it may be of any year
            hits = [h for h in hits if set(analysis.years) & (years := catalog.document_years(h.chunk.doc_id))
                    or not years]
        depth = max(top_k, 5)
        cited = {h.chunk.chunk_id: cited_text(h.chunk, catalog) for h in hits[:depth]}
        reading = asked(analysis.question, analysis.regions)
        rare, unheld = self._rarity(list(reading.weights), result.excluded) if s.min_known > 0 or features \
            else ({}, frozenset())
        judgement = judge(reading, hits, dense_mean=result.dense_mean, dense_std=result.dense_std,
                          min_support=s.min_support, lexical_share=s.lexical_share, depth=depth, cited=cited,
                          rare=rare if s.min_known > 0 else {}, min_known=s.min_known,
                          known_semantic=s.known_semantic)
        if not features:
            return judgement, None  # the rules decide: no sentence needs reading
        pool = candidates(reading, hits[:depth], dense_mean=result.dense_mean, dense_std=result.dense_std,
                          regions=analysis.regions, asks_list=analysis.intent.asks_list, cited=cited,
                          supported={id(h) for h in judgement.supported},
                          answering={id(h) for h in judgement.answering}, verdict=judgement.verdict,
                          rare=rare, unheld=unheld)
        return judgement, pool

    def _rarity(self, words: Sequence[str], excluded: frozenset[str]) -> tuple[dict[str, float], frozenset[str]]:
        """Each topic word's rarity among the chunks searched (those of `excluded` documents left out), and the
        words none of them holds."""
        catalog = self.retriever.store.catalog()
        gone = [c.chunk_id for d in excluded for c in catalog.of_document(d)]
        frequencies, chunks = self.retriever.store.lexical().frequencies(words, gone)
        return rarity(frequencies, chunks), frozenset(w for w, df in frequencies.items() if not df)

    @staticmethod
    def _learned(judgement: Judgement, pool: Sequence[Candidate], model: AnswerModel) -> Judgement:
        """The answer model's decision: its best sentence answers when likely enough; else the rules' partial
        answer when they found one, or the refusal."""
        best, probability = model.best(pool)
        if best is None or probability < model.threshold:
            if judgement.verdict == "partial":
                return judgement
            return Judgement("refuse", reason="检索到的条目不回答问题", supported=judgement.supported)
        hits = [best.hit] + list({id(c.hit): c.hit for c in pool if c.hit is not best.hit}.values())
        supported = judgement.supported if any(h is best.hit for h in judgement.supported) \
            else [best.hit, *judgement.supported]
        own = [c for c in pool if c.hit is best.hit]  # the runner-up is of the best sentence's measure
        second = runner_up(list(zip(model.probabilities(own), own)), best, probability)
        return Judgement("answer", hits, supported=supported, answering=[best.hit], sentence=best.sentence,
                         also=second.sentence if second is not None else "")

    @staticmethod
    def _vetoed(judgement: Judgement, pool: Sequence[Candidate], model: AnswerModel) -> Judgement:
        """The rules decide whether to answer and which measures can, the model which sentence does: a rules answer
        is refused when no candidate sentence reaches the model's `veto` probability, and quotes the likeliest
        sentence of the measures the rules found supported (its measure first) when that one reaches the model's
        `threshold`: not only of those they found holding the asked kind, whose test the model weighs among its
        signals (「中药品种保护的期限」: the article listing 三十年、二十年、十年 has no 「期限」 beside a number). A
        partial answer or a refusal stays as it is (the model never answers for the rules)."""
        if judgement.verdict != "answer" or not pool:
            return judgement
        # an answer resting on similarity alone (the rules found none of the question's rare words) needs the
        # model's own answer threshold, not the veto
        scored = list(zip(model.probabilities(pool), pool))  # the whole pool scored at once
        if max(p for p, _ in scored) < (model.threshold if judgement.similar_only else model.veto):
            return Judgement("refuse", reason="检索到的条目不回答问题", supported=judgement.supported)
        supported = {id(h) for h in judgement.supported}
        # the likeliest sentence of a supported measure (the earlier one on a tie, as `AnswerModel.best`)
        probability, best = max(((p, c) for p, c in scored if id(c.hit) in supported), key=lambda pc: pc[0],
                                default=(0.0, None))
        if best is not None and probability >= model.threshold:
            judgement.hits = [best.hit, *(h for h in judgement.hits if h is not best.hit)]
            judgement.sentence = best.sentence
            second = runner_up(scored, best, probability)  # an uncertain choice: the runner-up is quoted too
            judgement.also = second.sentence if second is not None else ""
        return judgement

    @staticmethod
    def _gated(judgement: Judgement, pool: Sequence[Candidate], model: AnswerModel,
               threshold: float) -> Judgement:
        """An answer is refused when the model's answerability gate finds the question, weighed over its whole pool
        of candidate sentences, unlikely to be answered by the measures retrieved: below `threshold` (the one in
        effect, `gate_threshold`, or a request's; no gate: as it is). The gate's probability is kept on the
        judgement."""
        if judgement.verdict != "answer" or model.gate is None or not pool:
            return judgement
        judgement.answerability = probability = model.gate.probability(pool)
        if probability >= threshold:
            return judgement
        return Judgement("refuse", reason="检索到的条目不回答问题", supported=judgement.supported,
                         answerability=probability)

    def prepare(self, question: str, top_k: int = 5, filters: Filters | None = None,
                history: Sequence[dict[str, str]] = (), *, preset: str = "hybrid",
                min_answerability: float | None = None) -> Prepared:
        """Rewrite, retrieve, decide and choose passages; no passages means refuse. `min_answerability`: as
        `decide`."""
        searched = read_question(self.rewrite(question, history) if history else question)
        analysis = self.analyze(searched)
        filters = self.retriever.resolve(filters)
        # 「谁负责」 looks deeper: the measure that names its units may rank below news about the topic.
        depth = max(top_k * 4, 20) if analysis.intent.asks_responsible else top_k
        result = self._retrieve(searched, depth, filters, preset, analysis)
        judgement = self.decide(analysis, result, top_k, min_answerability=min_answerability)
        hits = judgement.hits
        if judgement.verdict == "answer" and analysis.intent.asks_places:
            # 「哪些省份…」: each place once, by its best supported measure
            hits = per_place(judgement.supported, asked(analysis.question).weights, top_k)
        elif judgement.verdict == "answer" and analysis.intent.asks_list and not analysis.refs:
            store = self.retriever.store
            supported = [h for h in judgement.hits if any(h is s for s in judgement.supported)]
            hits = expand_list(store.catalog(), store.lexical(), analysis, supported, filters or Filters(),
                               self.settings.retrieval.max_list)
        chunks = [h.chunk for h in hits]
        keys = passage_keys(chunks)
        chosen = judgement.hits[0] if judgement.sentence and judgement.hits else None
        passages = [Passage(k, h.chunk, h.score, *((judgement.sentence, judgement.also) if h is chosen else ()))
                    for k, h in zip(keys, hits)]
        validity = asked(analysis.question, analysis.regions).validity
        if validity and not analysis.refs and result.statuses is not None and not result.out_of_scope:
            if (answered := self._validity(validity, analysis, result.hits, result.statuses, filters)) is not None:
                answer, passages = answered
                return Prepared(searched, result, Judgement("answer", result.hits), passages, answer)
        return Prepared(searched, result, judgement, passages)

    def _validity(self, facets: Sequence[str], analysis: QueryAnalysis, hits: Sequence[Hit],
                  statuses: Statuses, filters: Filters) -> tuple[Answer, list[Passage]] | None:
        """A validity question (「…现在还有效吗」「哪天起施行」) answered from the lifecycle facts of the document asked
        about: the one the question names, else the first of the top-ranked documents stating the facts asked.
        The clause stating them is cited. The document asked about (named, else the top-ranked one) stating its
        lifecycle but not what is asked gives a partial answer (「文件提到…自…起施行，但没有写明有效期。」). None otherwise.
        Only documents the `filters` let through answer: a document filtered out is not asked about."""
        named = named_documents(analysis.question)
        ranked = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        if named:
            def titled(doc_id: str) -> bool:
                return all(covers(statuses.of(doc_id).title, name) for name in named)
            candidates = [d for d in ranked if titled(d)] or [d for d in statuses.known if titled(d)]
        else:
            candidates = ranked[:VALIDITY_DOCUMENTS]
        catalog = self.retriever.store.catalog()
        documents = replace(filters, unit=None)  # whole documents pass or not: a lifecycle clause names no unit
        for doc_id in candidates:
            status = statuses.of(doc_id)
            complete = known(facets, status)
            asked_of = bool(named) or doc_id == candidates[0]  # the document named, else the top-ranked one
            if not (complete or asked_of and status.stated) or (own := clause_chunk(status, catalog)) is None:
                continue
            if not documents.accepts(own):
                continue
            chunks = [own]
            if "status" in facets and status.replaced_by is not None:
                repealing = clause_chunk(status.replaced_by, catalog)
                chunks += [repealing] if repealing is not None else []
            keys = passage_keys(chunks)
            cite = {c.doc_id: k for c, k in zip(chunks, keys)}
            text = lifecycle_answer(facets, status, cite) if complete else lifecycle_partial(facets, status, cite)
            if not text:
                continue
            passages = [Passage(k, c, 1.0) for k, c in zip(keys, chunks)]
            citations = [citation_from_chunk(k, c) for k, c in zip(keys, chunks)]
            return Answer(text, citations, refused=not complete, partial=not complete,
                          backend=self.answerer.name), passages
        return None

    def _annotated(self, answer: Answer, statuses: Statuses | None, *, noticed: bool) -> Answer:
        """Citations with their documents' status; an answer drawn from a document not in force says so
        (「注意：该文件有效期至…，已失效。」) unless it already does (`noticed`)."""
        if statuses is None:
            return answer
        for citation in answer.citations:
            status = statuses.of(citation.doc_id)
            citation.in_force = status.in_force
            citation.effective_date, citation.expiry_date = status.effective_date, status.expiry_date
        if noticed or not answer.citations or (answer.refused and not answer.partial):
            return answer
        docs = list(dict.fromkeys(c.doc_id for c in answer.citations))
        notices = "".join(notice(statuses.of(d), alone=len(docs) == 1) for d in docs)
        if notices:
            answer.text = f"{answer.text}{notices}"
        return answer

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None,
            history: Sequence[dict[str, str]] = (), *, preset: str = "hybrid",
            min_answerability: float | None = None) -> AskOutcome:
        """A cited answer, a partial answer or the refusal (`min_answerability`: as `decide`)."""
        t0 = time.perf_counter()
        p = self.prepare(question, top_k, filters, history, preset=preset, min_answerability=min_answerability)
        t1 = time.perf_counter()
        answer = self._unanswered(p)
        if answer is None:
            answer = self.answerer.answer(p.searched, p.passages, p.result.analysis.intent)
        answer = self._annotated(answer, p.result.statuses, noticed=p.answer is not None)
        t2 = time.perf_counter()
        timings = dict(p.result.timings, retrieve_ms=(t1 - t0) * 1000, answer_ms=(t2 - t1) * 1000,
                       total_ms=(t2 - t0) * 1000)
        return self._observed(AskOutcome(answer, p.searched, p.result.hits, timings, p.judgement.answerability))

    def ask_stream(self, question: str, top_k: int = 5, filters: Filters | None = None,
                   history: Sequence[dict[str, str]] = (), *,
                   min_answerability: float | None = None) -> Iterator[str | AskOutcome]:
        """Text deltas, then the finished outcome."""
        t0 = time.perf_counter()
        p = self.prepare(question, top_k, filters, history, min_answerability=min_answerability)
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
        before = answer.text
        answer = self._annotated(answer, p.result.statuses, noticed=p.answer is not None)
        if answer.text != before and answer.text.startswith(before):
            yield answer.text[len(before):]  # the notice on an answer drawn from a document not in force
        yield self._observed(AskOutcome(answer, p.searched, p.result.hits,
                                        dict(p.result.timings, total_ms=(time.perf_counter() - t0) * 1000),
                                        p.judgement.answerability))

    def _unanswered(self, p: Prepared) -> Answer | None:
        """The refusal or the partial answer the judgement calls for, or the answer already made (a validity
        question's); None when the answerer should answer."""
        if p.answer is not None:
            return p.answer
        if p.judgement.verdict == "partial" and p.passages:
            return partial_answer(p.searched, p.passages[0], p.judgement.missing, backend=self.answerer.name)
        if p.judgement.verdict == "refuse" or not p.passages:
            # A measure or document named but not indexed is said so: 「…共20条」, 「文件中没有《…》」.
            hint = p.judgement.reason if p.judgement.reason.startswith(("文件中没有第", "文件中没有《")) else ""
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
        known = self.retriever.store.catalog().region_facts()
        for region in analysis.regions:
            scoped = Filters(**{**filters.__dict__, "region": region})
            per_region.append(self.retriever.search(about_one(question, region, known), top_k, scoped,
                                                    preset=preset).hits)
        return interleave(per_region, top_k)
