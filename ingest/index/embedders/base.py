"""The embedder interface: passages and queries to L2-normalised float32 vectors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

__all__ = ["Embedder"]


class Embedder(Protocol):
    """Turns text into vectors; query and passage sides may use different prefixes."""

    name: str  # registry name plus model, recorded in the index metadata
    dimension: int
    max_chars: int  # the longest text (characters) that fits the model's window
    batch_size: int
    ingest_batch: int  # texts per `embed_passages` call while ingesting: enough to keep the backend busy

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) float32, L2-normalised."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised."""
        ...
