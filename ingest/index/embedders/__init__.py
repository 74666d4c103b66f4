"""Embedder backends, registered by name."""

from __future__ import annotations

from collections.abc import Callable

from ingest.index.embedders.base import Embedder
from ingest.errors import ConfigError
from ingest.settings import EmbedderSettings

__all__ = ["Embedder", "EMBEDDERS", "build_embedder"]


def _bundled(settings: EmbedderSettings) -> Embedder:
    from ingest.index.embedders.bundled import BundledEmbedder

    return BundledEmbedder() if not settings.model else BundledEmbedder(settings.model)


def _sentence_transformers(settings: EmbedderSettings) -> Embedder:
    from ingest.index.embedders.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model or "BAAI/bge-small-zh-v1.5")


def _openai(settings: EmbedderSettings) -> Embedder:
    from ingest.index.embedders.openai_http import OpenAIEmbedder

    return OpenAIEmbedder(
        settings.base_url, settings.model, settings.api_key,
        batch_size=settings.batch_size, max_concurrency=settings.max_concurrency, timeout=settings.timeout,
        connect_timeout=settings.connect_timeout, max_retries=settings.max_retries, dimension=settings.dimension, max_chars=settings.max_chars,
        query_prefix=settings.query_prefix, passage_prefix=settings.passage_prefix,
        input_type=settings.input_type,
    )  # fmt: skip


EMBEDDERS: dict[str, Callable[[EmbedderSettings], Embedder]] = {
    "bundled": _bundled,
    "sentence-transformers": _sentence_transformers,
    "openai": _openai,
}


def build_embedder(name: str, model: str = "", settings: EmbedderSettings | None = None) -> Embedder:
    """The embedder registered under `name`, loading `model`; `settings` carries the server options of `openai`."""
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ConfigError(f"Unknown embedder '{name}'. Choose from: {', '.join(EMBEDDERS)}") from None
    base = settings or EmbedderSettings()
    return factory(base.model_copy(update={"name": name, "model": model or base.model}))
