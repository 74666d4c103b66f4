"""Any sentence-transformers model (bge-small-zh-v1.5, bge-m3, e5, a local directory) as an embedder."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ingest.errors import ConfigError, MissingExtraError

__all__ = ["SentenceTransformerEmbedder", "load_sentence_transformers_model", "query_prefixes"]

BGE_ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章："
BGE_EN_INSTRUCTION = "Represent this sentence for searching relevant passages: "
E5_INSTRUCT_QUERY = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "

# (pattern on the model's last path component, (query prefix, passage prefix)); first match wins.
_PREFIX_TABLE: tuple[tuple[re.Pattern[str], tuple[str, str]], ...] = (
    (re.compile(r"bge-m3"), ("", "")),
    (re.compile(r"bge.*\bzh\b"), (BGE_ZH_INSTRUCTION, "")),
    (re.compile(r"bge.*\ben\b"), (BGE_EN_INSTRUCTION, "")),
    (re.compile(r"\be5\b.*instruct"), (E5_INSTRUCT_QUERY, "")),
    (re.compile(r"\be5\b"), ("query: ", "passage: ")),
)

_EXTRA_HINT = "Install it with: pip install 'policy-rag[sentence-transformers]'"


def query_prefixes(model_name: str) -> tuple[str, str]:
    """The (query, passage) prefixes the model's authors recommend for retrieval."""
    base = Path(model_name.rstrip("/\\")).name.lower()
    for pattern, prefixes in _PREFIX_TABLE:
        if pattern.search(base):
            return prefixes
    return ("", "")


def _looks_like_path(model: str) -> bool:
    """A hub id is 'name' or 'org/name'; anything else is meant as a directory."""
    return model.startswith((".", "/", "~", "\\")) or model.count("/") > 1 or "\\" in model or Path(model).drive != ""


def load_sentence_transformers_model(
    kind: Literal["SentenceTransformer", "CrossEncoder"], model: str, device: str, **kwargs: Any
) -> Any:
    """Import sentence-transformers and load `model`, translating failures into ConfigError / MissingExtraError."""
    try:
        import sentence_transformers
    except ImportError as exc:
        raise MissingExtraError(f"The '{model}' model needs sentence-transformers. {_EXTRA_HINT}") from exc

    local = Path(model).expanduser()
    if _looks_like_path(model) and not local.is_dir():
        raise ConfigError(
            f"Model directory '{model}' does not exist. Give the path of a downloaded model directory "
            f"(one with config.json), or a Hugging Face model id such as BAAI/bge-small-zh-v1.5."
        )
    source = str(local) if local.is_dir() else model
    factory = getattr(sentence_transformers, kind)
    try:
        # A local directory never needs the network; without this, transformers may still ask the hub.
        return factory(source, device=device, local_files_only=local.is_dir(), **kwargs)
    except (OSError, ValueError) as exc:
        if local.is_dir():
            fix = f"Check that '{model}' holds a complete model (config.json, weights and tokenizer files)."
        else:
            fix = (
                f"It is not in the local Hugging Face cache and this machine cannot download it. "
                f"On a connected machine run `hf download {model}` and copy the cache "
                f"(~/.cache/huggingface), or set the model to a local directory."
            )
        raise ConfigError(f"Cannot load {kind} model '{model}': {fix}") from exc


class SentenceTransformerEmbedder:
    """A sentence-transformers model; prefixes queries/passages as its model card recommends."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 32) -> None:
        self._model = load_sentence_transformers_model("SentenceTransformer", model, device)
        self.name = f"sentence-transformers:{model}"
        self.batch_size = batch_size
        self.ingest_batch = 4 * batch_size
        get_dimension = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension  # sentence-transformers < 6
        )
        self.dimension = int(get_dimension())
        # Chinese BERT tokenisers give about one token per character; keep room for [CLS], [SEP] and prefixes.
        self.max_chars = min(self._model.max_seq_length or 512, 512) - 20
        self._query_prefix, self._passage_prefix = query_prefixes(model)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        """Encode with an explicit prompt, which also overrides any default prompt saved with the model."""
        vectors = self._model.encode(
            list(texts),
            prompt=prefix,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) float32, L2-normalised."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, self._passage_prefix)

    def embed_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised."""
        return self._encode([text], self._query_prefix)[0]
