"""Prometheus metrics of one app: requests, retrieval stages, refusals, LLM fallbacks and the index size."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ingest import PolicyRagError
from service.qa import AskOutcome
from service.retrieval.retriever import SearchResult

__all__ = ["Metrics", "CONTENT_TYPE"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds; retrieval stages take milliseconds, an LLM answer can take tens of seconds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The collectors of one app, in their own registry so that several apps in one process do not collide."""

    def __init__(self, chunk_count: Callable[[], float] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("policy_rag_http_requests", "HTTP requests by route template, method and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("policy_rag_http_request_duration_seconds",
                                 "HTTP request duration (until the last body byte) by route template and method.",
                                 ["method", "route"], buckets=_BUCKETS, registry=self.registry)
        self.stages = Histogram("policy_rag_stage_duration_seconds",
                                "Duration of each retrieval and answering stage (embed, dense, lexical, rerank, "
                                "retrieve, answer, total).", ["stage"], buckets=_BUCKETS, registry=self.registry)
        self.answers = Counter("policy_rag_answers", "Answers given, by answering backend.", ["backend"],
                               registry=self.registry)
        self.refusals = Counter("policy_rag_refusals", "Questions refused for lack of evidence.",
                                registry=self.registry)
        self.fallbacks = Counter("policy_rag_llm_fallbacks",
                                 "Answers where the LLM failed and the extractive answerer answered instead.",
                                 registry=self.registry)
        self.memory_trims = Histogram("policy_rag_memory_trim_duration_seconds",
                                      "Idle trims handing freed memory back to the OS, and how long each took.",
                                      buckets=_BUCKETS, registry=self.registry)
        self.chunks = Gauge("policy_rag_index_chunks", "Chunks in the index (0 while it is not loaded).",
                            registry=self.registry)
        self.chunks.set_function(chunk_count or (lambda: 0.0))

    def count_chunks_with(self, chunk_count: Callable[[], float]) -> None:
        """Read the index size from `chunk_count` at every scrape (NaN while the store cannot be reached)."""

        def safe() -> float:
            try:
                return float(chunk_count())
            except PolicyRagError:
                return float("nan")

        self.chunks.set_function(safe)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One finished HTTP request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def observe(self, item: SearchResult | AskOutcome) -> None:
        """Stage timings of a search; also the refusal or fallback of an answer."""
        for key, ms in item.timings.items():
            self.stages.labels(key.removesuffix("_ms")).observe(ms / 1000)
        if isinstance(item, AskOutcome):
            self.answers.labels(item.answer.backend or "none").inc()
            if item.answer.refused:
                self.refusals.inc()
            if item.answer.fallback:
                self.fallbacks.inc()

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
