"""Cross-encoder reranking: score (query, passage) pairs with a sentence-transformers CrossEncoder."""

from __future__ import annotations

from collections.abc import Sequence

from ingest import load_sentence_transformers_model

__all__ = ["CrossEncoderReranker"]


class CrossEncoderReranker:
    """A CrossEncoder such as BAAI/bge-reranker-base or a local directory; higher scores mean more relevant."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 16, max_length: int = 512) -> None:
        # Cap the window: bge-reranker-v2-m3 declares 8192 tokens, far too slow on CPU for measure-sized passages.
        self._model = load_sentence_transformers_model("CrossEncoder", model, device, max_length=max_length)
        self.name = f"cross-encoder:{model}"
        self.batch_size = batch_size

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        """One relevance score per text, in the order given."""
        if not texts:
            return []
        scores = self._model.predict(
            [(query, text) for text in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return [float(s) for s in scores]
