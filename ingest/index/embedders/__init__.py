"""Embedder backends, registered by name."""

from __future__ import annotations

from collections.abc import Callable

from ingest.index.embedders.base import Embedder
from ingest.errors import ConfigError

__all__ = ["Embedder", "EMBEDDERS", "build_embedder"]


def _bundled(model: str) -> Embedder:
    from ingest.index.embedders.bundled import BundledEmbedder

    return BundledEmbedder() if not model else BundledEmbedder(model)


def _sentence_transformers(model: str) -> Embedder:
    from ingest.index.embedders.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model or "BAAI/bge-small-zh-v1.5")


EMBEDDERS: dict[str, Callable[[str], Embedder]] = {
    "bundled": _bundled,
    "sentence-transformers": _sentence_transformers,
}


def build_embedder(name: str, model: str = "") -> Embedder:
    """The embedder registered under `name`, loading `model` (a name or a local path)."""
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ConfigError(f"Unknown embedder '{name}'. Choose from: {', '.join(EMBEDDERS)}") from None
    return factory(model)
