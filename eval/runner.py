"""Run the evaluation: every question through each retrieval preset (in-process or over HTTP), scored."""

from __future__ import annotations

import hashlib
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from eval.dataset import EvalQuestion
from eval.metrics import (
    canonical,
    citation_precision,
    citation_recall,
    key_fact_accuracy,
    mean,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    refusal_scores,
)

__all__ = [
    "NAIVE",
    "METRICS",
    "DEFAULT_CORPUS",
    "DEFAULT_CACHE",
    "Retrieved",
    "QuestionResult",
    "PresetReport",
    "EvalReport",
    "NaiveIndex",
    "available_presets",
    "build_qa",
    "canonical",
    "run_eval",
    "run_eval_http",
]

NAIVE = "naive"
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
DEFAULT_CACHE = Path("/tmp/policy-rag-eval-cache")
NAIVE_CHUNK_CHARS = 500
NAIVE_OVERLAP = 50
ANSWER_TOP_K = 5  # measures a structured preset hands to the answerer
NAIVE_TOP_K = 2  # naive chunks at about the same number of characters
# Gate thresholds the report weighs beyond the one in effect: what a stricter `min_answerability` would give
STRICTER_GATES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# Where retrieval put an answerable question's evidence (`by_evidence_rank`).
EVIDENCE_RANKS = ("first", "second to fifth", "not in the first five")

# Every summary metric, by the name `--min` and the reports use (k_max=10).
METRICS: dict[str, str] = {
    "recall@1": "share of gold evidence strings found in the top 1 result (answerable questions)",
    "recall@5": "the same in the top 5",
    "recall@10": "the same in the top 10",
    "mrr@10": "reciprocal rank of the first result holding evidence, within the top 10",
    "ndcg@10": "binary-relevance nDCG over the top 10",
    "recall@budget": "recall within the first N characters of results (N = --budget, default 1000)",
    "context_chars": "mean characters handed to the answerer (top 5 measures, or top 2 naive chunks)",
    "key_fact": "share of answer keys stated in the answer (answerable questions)",
    "citation_precision": "share of cited passages that hold gold evidence (naive: and touch one measure only)",
    "citation_recall": "share of gold evidence strings covered by the cited passages",
    "refusal_precision": "refusals that were right: unanswerable / all refused",
    "refusal_recall": "unanswerable questions that were refused",
    "refusal_f1": "harmonic mean of refusal precision and recall",
    "false_refusal_rate": "answerable questions that were refused",
}


@dataclass
class Retrieved:
    """One ranked result or citation as the evaluation saw it."""

    label: str
    text: str
    chunk_id: str = ""


@dataclass
class QuestionResult:
    """One question through one preset: what came back, its scores and why it counts as a failure."""

    id: str
    question: str
    type: str
    answerable: bool
    evidence: list[str]
    answer_keys: list[str]
    measures: list[str]
    retrieved: list[Retrieved] = field(default_factory=list)
    answer: str | None = None
    refused: bool | None = None
    citations: list[Retrieved] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    context_chars: int = 0
    problems: list[str] = field(default_factory=list)
    answerability: float | None = None  # the answer model's gate on an answer it weighed (AskOutcome)


@dataclass
class PresetReport:
    """Every question of one preset plus the summary metrics and latency percentiles."""

    preset: str
    questions: list[QuestionResult]
    metrics: dict[str, float | None]
    latency: dict[str, dict[str, float]]  # stage -> {"p50": ms, "p95": ms}
    recall_curve: list[float]  # mean recall@k for k = 1..k_max
    stricter_gate: list[dict[str, float | None]] = field(default_factory=list)  # `stricter_gate`
    by_evidence_rank: list[dict[str, Any]] = field(default_factory=list)  # `by_evidence_rank`

    @property
    def failures(self) -> list[QuestionResult]:
        """Questions with at least one problem."""
        return [q for q in self.questions if q.problems]


@dataclass
class EvalReport:
    """The result of one evaluation run."""

    presets: dict[str, PresetReport]
    meta: dict[str, Any] = field(default_factory=dict)

    def metric(self, preset: str, name: str) -> float | None:
        """One summary metric, or None when the preset does not have it."""
        return self.presets[preset].metrics.get(name)

    def to_json(self, text_chars: int = 200, texts_shown: int = 3) -> dict[str, Any]:
        """Plain data for report.json; only the top `texts_shown` results keep (the start of) their text."""
        presets = {name: asdict(p) for name, p in self.presets.items()}
        for preset in presets.values():
            for question in preset["questions"]:
                for rank, item in enumerate(question["retrieved"]):
                    item["text"] = item["text"][:text_chars] if rank < texts_shown else ""
                for item in question["citations"]:
                    item["text"] = item["text"][:text_chars]
        return {"meta": self.meta, "presets": presets}


def available_presets(settings: Any) -> list[str]:
    """The presets a run compares by default: hybrid+rerank only when a reranker is configured."""
    names = ["bm25", "dense", "hybrid", NAIVE]
    return names + ["hybrid+rerank"] if settings.retrieval.reranker else names


def build_qa(index: str | None, *, answer_model: bool = True) -> Any:
    """The in-process service over `index` (default: the configured store path), warmed up. `answer_model=False`:
    without the learned answer decision (training one must not need the file it replaces)."""
    from ingest import PolicyRagError
    from service.runtime import build_runtime
    from service.settings import Settings

    settings = Settings()
    if index:
        settings.store.path = index
    if not answer_model:
        settings.answer.model = "off"
    if not settings.store.url and not Path(settings.store.path).exists():
        raise PolicyRagError(f"No index at {settings.store.path}. Build it with "
                             f"`python -m ingest data/corpus --index {settings.store.path}`.")
    runtime = build_runtime(settings)
    if runtime.store.count() == 0:
        raise PolicyRagError(f"The index at {settings.store.path} is empty. Build it with "
                             f"`python -m ingest data/corpus --index {settings.store.path}`.")
    runtime.warm()
    return runtime.qa


# --- the naive baseline --------------------------------------------------------------------------


@dataclass
class _NaiveChunk:
    chunk_id: str
    text: str
    measures: frozenset[str]  # "doc_id:measure" of every measure the window overlaps


class NaiveIndex:
    """The baseline: fixed character windows over each cleaned document, in an in-memory index."""

    def __init__(self, chunks: list[_NaiveChunk], vectors: np.ndarray, embedder: Any) -> None:
        from ingest.index.store import open_store
        from ingest.models import Chunk
        from ingest.settings import StoreSettings

        self.chunks = {c.chunk_id: c for c in chunks}
        self.embedder = embedder
        # An in-process index; every instance takes a fresh collection name (in-memory indexes share one system).
        settings = StoreSettings(path=":memory:", collection=f"naive-{uuid.uuid4().hex[:12]}", refresh_seconds=0)
        self._store = open_store(settings, f"naive:{embedder.name}", int(vectors.shape[1]))
        windows = [Chunk(chunk_id=c.chunk_id, doc_id=c.chunk_id.split("#")[0], doc_title="", region="", issuer="",
                         date="", doc_type="", section="", subsection="", measure=c.chunk_id, measure_label="",
                         measure_title="", text=c.text, embed_text=c.text) for c in chunks]
        by_doc: dict[str, list[Chunk]] = {}
        for window in windows:
            by_doc.setdefault(window.doc_id, []).append(window)
        with self._store.writing():
            for doc_id, doc_windows in by_doc.items():
                self._store.replace_documents([doc_id], doc_windows, {
                    w.chunk_id: vectors[i] for i, w in enumerate(windows) if w.doc_id == doc_id},
                    {doc_id: {"doc_id": doc_id}})

    @classmethod
    def build(cls, corpus_dir: Path, embedder: Any, *, cache_dir: Path | None = DEFAULT_CACHE,
              chunk_chars: int = NAIVE_CHUNK_CHARS, overlap: int = NAIVE_OVERLAP) -> NaiveIndex:
        """Window the corpus and embed it, reusing vectors cached under embedder name + chunk texts."""
        from ingest import expand_paths, parse_file

        chunks: list[_NaiveChunk] = []
        for path in expand_paths([Path(corpus_dir)]):
            parsed = parse_file(path, max_chars=400)
            for doc in parsed.documents:
                spans = [(c.span_start - doc.offset, c.span_end - doc.offset, f"{c.doc_id}:{c.measure}")
                         for c in parsed.chunks if c.doc_id == doc.doc_id]
                step = chunk_chars - overlap
                for n, start in enumerate(range(0, max(1, len(doc.text) - overlap), step)):
                    end = min(start + chunk_chars, len(doc.text))
                    # A shared separator or heading is not "text of" a measure: demand 10 characters.
                    touched = frozenset(key for a, b, key in spans if min(end, b) - max(start, a) >= 10)
                    chunks.append(_NaiveChunk(f"{doc.doc_id}#{n}", doc.text[start:end], touched))
        if not chunks:
            raise ValueError(f"No corpus documents under {corpus_dir} to build the naive baseline from.")
        digest = hashlib.sha1("\x00".join([embedder.name, str(chunk_chars), str(overlap)]
                                          + [c.text for c in chunks]).encode()).hexdigest()[:16]
        cache = Path(cache_dir) / f"naive-{digest}.npy" if cache_dir else None
        if cache is not None and cache.exists():
            vectors = np.load(cache)
        else:
            vectors = np.asarray(embedder.embed_passages([c.text for c in chunks]), dtype=np.float32)
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.save(cache, vectors)
        return cls(chunks, vectors, embedder)

    def search(self, query: str, k: int) -> tuple[list[_NaiveChunk], dict[str, float]]:
        """The k nearest windows and the time embedding and searching took."""
        t0 = time.perf_counter()
        vector = self.embedder.embed_query(query)
        t1 = time.perf_counter()
        got = self._store.dense_search(np.asarray(vector), k)
        t2 = time.perf_counter()
        hits = [self.chunks[i] for i, _ in got]
        timings = {"embed_ms": (t1 - t0) * 1000, "dense_ms": (t2 - t1) * 1000}
        return hits, dict(timings, total_ms=(t2 - t0) * 1000)


def _naive_citation_precision(cited: Sequence[_NaiveChunk], evidence: Sequence[str]) -> float | None:
    """A window counts as a precise citation only when it holds gold evidence and overlaps one measure only."""
    if not cited:
        return None
    return sum(1 for c in cited if len(c.measures) == 1 and citation_precision([c.text], evidence) == 1.0) / len(cited)


# --- scoring --------------------------------------------------------------------------------------


def _budget_texts(texts: Sequence[str], budget: int) -> list[str]:
    """The ranked texts an answerer with `budget` characters would see; the last one is cut to fit."""
    out: list[str] = []
    left = budget
    for text in texts:
        if left <= 0:
            break
        out.append(text[:left])
        left -= len(text)
    return out


def _score(q: EvalQuestion, retrieved: list[Retrieved], *, k_max: int, context_top: int, budget: int,
           answer: tuple[str, bool, list[Retrieved]] | None, timings: dict[str, float],
           answerability: float | None = None) -> QuestionResult:
    """Score one question's results; `answer` is (text, refused, citations) or None for retrieval-only presets."""
    evidence = [canonical(e) for e in q.evidence]
    keys = [canonical(k) for k in q.answer_keys]
    texts = [r.text for r in retrieved[:k_max]]
    context = texts[:context_top]
    result = QuestionResult(q.id, q.question, q.type, q.answerable, list(q.evidence), list(q.answer_keys),
                            list(q.measures), retrieved[:k_max], timings=timings,
                            context_chars=sum(len(t) for t in context), answerability=answerability)
    scores = result.scores
    if q.answerable:
        for k in range(1, k_max + 1):
            scores[f"recall@{k}"] = recall_at_k(texts, evidence, k)
        scores[f"mrr@{k_max}"] = mrr_at_k(texts, evidence, k_max)
        scores[f"ndcg@{k_max}"] = ndcg_at_k(texts, evidence, k_max)
        scores["recall@budget"] = recall_at_k(_budget_texts(texts, budget), evidence, k_max) if texts else 0.0
        in_context = recall_at_k(context, evidence, context_top) if context else 0.0
        if in_context < 1.0:
            result.problems.append(f"retrieval: {in_context:.0%} of the evidence in the top {context_top}")
    if answer is None:  # retrieval only: the context handed over stands in for the citations
        cited = context
    else:
        result.answer, result.refused, result.citations = answer
        cited = [c.text for c in result.citations]
        if q.answerable and result.refused:
            result.problems.append("false refusal")
        elif not q.answerable and not result.refused:
            result.problems.append("answered an unanswerable question")
        if q.answerable:
            scores["key_fact"] = fact = key_fact_accuracy(result.answer, keys)
            if not result.refused and fact < 1.0:
                missing = [k for k, c in zip(q.answer_keys, keys) if c not in canonical(result.answer)]
                result.problems.append(f"answer misses {'、'.join(missing)}")
    if q.answerable:
        scores["citation_precision"] = citation_precision(cited, evidence)
        scores["citation_recall"] = citation_recall(cited, evidence)
    return result


def stricter_gate(results: Sequence[QuestionResult], in_effect: float | None,
                  thresholds: Sequence[float] = STRICTER_GATES) -> list[dict[str, float | None]]:
    """The answer figures as if the gate had refused every answer it weighed below each of `thresholds` above
    `in_effect` (the threshold the run used; None: no gate, nothing to weigh). Exact, not an estimate: a stricter
    gate changes nothing but turning those answers into refusals, which quote nothing and hold no key fact."""
    if in_effect is None:
        return []
    rows: list[dict[str, float | None]] = []
    for threshold in (t for t in thresholds if t > in_effect):
        dropped = [not r.refused and r.answerability is not None and r.answerability < threshold for r in results]
        answerable = [(r, d) for r, d in zip(results, dropped) if r.answerable]
        scores = refusal_scores([(bool(r.refused) or d, r.answerable) for r, d in zip(results, dropped)])
        rows.append({
            "threshold": threshold,
            "key_fact": mean(0.0 if d else r.scores.get("key_fact") for r, d in answerable) if answerable else None,
            "citation_precision": mean(None if d else r.scores.get("citation_precision") for r, d in answerable)
            if answerable else None,
            "false_refusal_rate": scores["false_refusals"] / len(answerable) if answerable else None,
            "refusal_recall": scores["recall"], "refusal_precision": scores["precision"]})
    return rows


def by_evidence_rank(results: Sequence[QuestionResult]) -> list[dict[str, Any]]:
    """The answerable questions' answer figures by where retrieval ranked their evidence (`EVIDENCE_RANKS`, read
    off recall@1 and recall@5: some of it first, else some in the first five, else none): how many, and their key
    facts, citation precision and share refused. It tells an answer stage that misses from a retrieval that did:
    what a better ranking could gain is the gap between the first row and the others. Empty when the run scored
    no retrieval or no answer."""
    def where(r: QuestionResult) -> str:
        if (r.scores["recall@1"] or 0) > 0:
            return EVIDENCE_RANKS[0]
        return EVIDENCE_RANKS[1] if (r.scores["recall@5"] or 0) > 0 else EVIDENCE_RANKS[2]

    scored = [r for r in results if r.answerable and r.refused is not None and r.scores.get("recall@1") is not None
              and r.scores.get("recall@5") is not None]
    rows: list[dict[str, Any]] = []
    for name in EVIDENCE_RANKS if scored else ():
        group = [r for r in scored if where(r) == name]
        rows.append({"evidence": name, "questions": len(group), "share": len(group) / len(scored),
                     "key_fact": mean(r.scores.get("key_fact") for r in group) if group else None,
                     "citation_precision": mean(r.scores.get("citation_precision") for r in group) if group else None,
                     "false_refusal_rate": sum(bool(r.refused) for r in group) / len(group) if group else None})
    return rows


def _summarize(preset: str, results: list[QuestionResult], k_max: int, answered: bool,
               gate: float | None = None) -> PresetReport:
    """Means over questions (None scores skipped), refusal scores and latency percentiles; with `answered`, the
    figures at gate thresholds stricter than `gate`, the one in effect (`stricter_gate`)."""
    answerable = [r for r in results if r.answerable]
    metrics: dict[str, float | None] = {}
    names = [f"recall@{k}" for k in (1, 5, 10) if k < k_max] + [f"recall@{k_max}", f"mrr@{k_max}", f"ndcg@{k_max}",
                                                                 "recall@budget"]
    names += ["key_fact"] if answered else []
    for name in [*names, "citation_precision", "citation_recall"]:
        metrics[name] = mean(r.scores.get(name) for r in answerable) if answerable else None
    metrics["context_chars"] = mean(float(r.context_chars) for r in results)
    if answered:
        scores = refusal_scores([(bool(r.refused), r.answerable) for r in results])
        metrics["refusal_precision"] = scores["precision"]
        metrics["refusal_recall"] = scores["recall"]
        metrics["refusal_f1"] = scores["f1"]
        metrics["false_refusal_rate"] = scores["false_refusals"] / len(answerable) if answerable else None
    stages = dict.fromkeys(stage for r in results for stage in r.timings)
    latency = {stage: {"p50": percentile((r.timings.get(stage) for r in results), 50),
                       "p95": percentile((r.timings.get(stage) for r in results), 95)} for stage in stages}
    if "total_ms" in latency:
        metrics["p50_total_ms"] = latency["total_ms"]["p50"]
        metrics["p95_total_ms"] = latency["total_ms"]["p95"]
    curve = [mean(r.scores.get(f"recall@{k}") for r in answerable) for k in range(1, k_max + 1)]
    return PresetReport(preset, results, metrics, latency, curve, stricter_gate(results, gate) if answered else [],
                        by_evidence_rank(results) if answered else [])


# --- running -------------------------------------------------------------------------------------


def _hit_view(chunk: Any) -> Retrieved:
    return Retrieved(chunk.measure_label, chunk.text, chunk.chunk_id)


def _warm(qa: Any, presets: Iterable[str]) -> None:
    """One throwaway search per preset, so jieba's dictionary and model loading stay out of the latencies."""
    for preset in presets:
        if preset != NAIVE:
            qa.search("预热检索", 1, preset=preset)


def run_eval(questions: Sequence[EvalQuestion], qa: Any, presets: Sequence[str], *, k_max: int = 10,
             progress: bool = True, corpus_dir: str | Path = DEFAULT_CORPUS, cache_dir: Path | None = DEFAULT_CACHE,
             budget_chars: int = NAIVE_TOP_K * NAIVE_CHUNK_CHARS,
             filters_for: Callable[[EvalQuestion], Any] | None = None) -> EvalReport:
    """Evaluate a `QAService` in-process: `qa.search(q, k_max)` for retrieval, `qa.ask(q)` for answers.

    `filters_for` gives a question's retrieval filters (e.g. a leave-gold-out question's excluded document);
    the naive baseline ignores them.
    """
    from service.retrieval.retriever import PRESETS

    unknown = [p for p in presets if p not in PRESETS and p != NAIVE]
    if unknown:
        raise ValueError(f"Unknown preset {', '.join(map(repr, unknown))}. Choose from: {', '.join([*PRESETS, NAIVE])}")
    if "hybrid+rerank" in presets and getattr(qa.retriever, "reranker", None) is None:
        raise ValueError("The hybrid+rerank preset needs a reranker: set POLICY_RAG_RETRIEVAL__RERANKER "
                         "(a CrossEncoder name or path), or leave the preset out.")
    embedder = qa.retriever.embedder
    naive = NaiveIndex.build(Path(corpus_dir), embedder, cache_dir=cache_dir) if NAIVE in presets else None
    _warm(qa, presets)
    # The retriever memoises query vectors; clearing them makes every preset pay for its own embedding.
    forget = getattr(getattr(qa.retriever, "_embed_query", None), "cache_clear", lambda: None)
    bar = tqdm(total=len(questions) * len(presets), disable=not progress, file=sys.stderr, unit="q")
    reports: dict[str, PresetReport] = {}
    for preset in presets:
        bar.set_description(preset)
        results = []
        for q in questions:
            if naive is not None and preset == NAIVE:
                windows, timings = naive.search(q.question, k_max)
                retrieved = [Retrieved(w.chunk_id, w.text, w.chunk_id) for w in windows]
                result = _score(q, retrieved, k_max=k_max, context_top=NAIVE_TOP_K, budget=budget_chars,
                                answer=None, timings=timings)
                if q.answerable:
                    result.scores["citation_precision"] = _naive_citation_precision(
                        windows[:NAIVE_TOP_K], [canonical(e) for e in q.evidence])
                results.append(result)
            else:
                forget()
                filters = filters_for(q) if filters_for is not None else None
                outcome = qa.ask(q.question, ANSWER_TOP_K, filters, preset=preset)
                hits = qa.search(q.question, k_max, filters, preset=preset).hits
                citations = [Retrieved(c.ref, c.text, c.chunk_id) for c in outcome.answer.citations]
                results.append(_score(q, [_hit_view(h.chunk) for h in hits], k_max=k_max,
                                      context_top=ANSWER_TOP_K, budget=budget_chars,
                                      answer=(outcome.answer.text, outcome.answer.refused, citations),
                                      timings=dict(outcome.timings), answerability=outcome.answerability))
            bar.update()
        reports[preset] = _summarize(preset, results, k_max, answered=preset != NAIVE, gate=qa.gate_threshold)
    bar.close()
    meta = {"mode": "in-process", "questions": len(questions), "answerable": sum(q.answerable for q in questions),
            "k_max": k_max, "budget_chars": budget_chars, "embedder": embedder.name,
            "answer_top_k": ANSWER_TOP_K, "naive": {"chunk_chars": NAIVE_CHUNK_CHARS, "overlap": NAIVE_OVERLAP,
                                                    "top_k": NAIVE_TOP_K},
            "retrieval": qa.settings.retrieval.model_dump(), "answer_backend": qa.settings.answer.backend,
            "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return EvalReport(reports, meta)


def run_eval_http(questions: Sequence[EvalQuestion], url: str, *, k_max: int = 10, progress: bool = True,
                  budget_chars: int = NAIVE_TOP_K * NAIVE_CHUNK_CHARS, timeout: float = 120.0,
                  client: Any | None = None, preset: str = "http") -> EvalReport:
    """Evaluate a running service through POST /v1/search and /v1/ask (its default preset only)."""
    import httpx

    base = url.rstrip("/")
    own = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    results = []
    try:
        for q in tqdm(questions, disable=not progress, file=sys.stderr, unit="q", desc=preset):
            t0 = time.perf_counter()
            asked = _post(http, f"{base}/v1/ask", {"question": q.question, "top_k": ANSWER_TOP_K})
            t1 = time.perf_counter()
            found = _post(http, f"{base}/v1/search", {"query": q.question, "top_k": k_max})
            t2 = time.perf_counter()
            retrieved = [Retrieved(r.get("measure_label", ""), r.get("text", ""), r.get("chunk_id", ""))
                         for r in found.get("results", [])]
            citations = [Retrieved(c.get("ref", ""), c.get("text", ""), c.get("chunk_id", ""))
                         for c in asked.get("citations", [])]
            timings = {f"server_{k}": float(v) for k, v in (asked.get("timings") or {}).items()}
            timings.update(total_ms=(t1 - t0) * 1000, search_ms=(t2 - t1) * 1000)
            results.append(_score(q, retrieved, k_max=k_max, context_top=ANSWER_TOP_K, budget=budget_chars,
                                  answer=(asked.get("answer", ""), bool(asked.get("refused")), citations),
                                  timings=timings, answerability=asked.get("answerability")))
    finally:
        if own:
            http.close()
    meta = {"mode": "http", "url": base, "questions": len(questions),
            "answerable": sum(q.answerable for q in questions), "k_max": k_max, "budget_chars": budget_chars,
            "answer_top_k": ANSWER_TOP_K, "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    return EvalReport({preset: _summarize(preset, results, k_max, answered=True)}, meta)


def _post(http: Any, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST JSON and decode the reply, naming the endpoint when it fails."""
    import httpx

    try:
        response = http.post(url, json=body)
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise RuntimeError(f"{url} answered {exc.response.status_code}: {exc.response.text[:300]}") from exc
    except httpx.HTTPError as exc:
        raise RuntimeError(f"Cannot reach {url}: {exc}. Is the service running?") from exc
    data: dict[str, Any] = response.json()
    return data
