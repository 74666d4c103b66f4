"""The loaded service: embedder, index, retriever and answerer, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass

from ingest import Embedder, IndexStore, build_embedder, gazetteer, open_store, tokenize
from service.answerers import build_answerer
from service.qa import QAService
from service.retrieval.retriever import Retriever
from service.retrieval.evidence import asked
from service.settings import Settings, apply_calibration

__all__ = ["Runtime", "build_runtime"]


@dataclass
class Runtime:
    """Everything a request needs."""

    settings: Settings
    embedder: Embedder
    store: IndexStore
    qa: QAService

    def warm(self) -> None:
        """Run the embedder once, then connect to the index and load its chunks and lexical index.

        A store that cannot be reached raises StoreUnavailableError; the runtime stays usable and
        reconnects on the next request.
        """
        tokenize("预热")  # jieba loads its dictionary on first use
        asked("预热是多少？")  # and its part-of-speech model
        gazetteer.load()
        self.embedder.embed_query("预热")
        self.store.check()
        self.store.all_chunks()
        self.store.lexical()

    def close(self) -> None:
        """Release the index's connections and the answerer's HTTP pool, if it has one."""
        self.store.close()
        close = getattr(self.qa.answerer, "close", None)  # a capability of HTTP-backed answerers
        if close is not None:
            close()


def build_runtime(settings: Settings) -> Runtime:
    """Wire embedder, index (not contacted yet), retriever and answerer; `warm` opens the index."""
    apply_calibration(settings)
    embedder = build_embedder(settings.embedder.name, settings.embedder.model, settings.embedder)
    store = open_store(settings.store, embedder.name, embedder.dimension, check=False)
    reranker = None
    if settings.retrieval.reranker:
        from service.retrieval.rerank import CrossEncoderReranker

        reranker = CrossEncoderReranker(settings.retrieval.reranker)
    retriever = Retriever(store, embedder, settings.retrieval, reranker)
    qa = QAService(settings, retriever, build_answerer(settings))
    return Runtime(settings, embedder, store, qa)
