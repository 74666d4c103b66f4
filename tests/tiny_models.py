"""Tiny, deterministic, offline models for tests: BERT models in sentence-transformers layout, and a hashed
character-bigram embedder."""

from __future__ import annotations

import hashlib
import itertools
import shutil
import string
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["BigramEmbedder", "build_tiny_cross_encoder", "build_tiny_sentence_transformer", "corpus_text"]

_CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
_HIDDEN = 32
_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Characters of the query instructions, so prefixed queries do not collapse to [UNK].
_INSTRUCTION_TEXT = "为这个句子生成表示以用于检索相关文章：query: passage:"


def corpus_text() -> str:
    """All text of the seed corpus files, or an empty string when there are none."""
    return "".join(p.read_text(encoding="utf-8") for p in sorted(_CORPUS.glob("*.txt")))


def _write_vocab(directory: Path, text: str) -> Path:
    """A character-level WordPiece vocab: special tokens, ASCII (plus ## forms) and every character of `text`."""
    ascii_chars = [c for c in string.printable if not c.isspace()]
    tokens = _SPECIAL_TOKENS + ascii_chars + [f"##{c}" for c in string.ascii_lowercase + string.digits]
    seen = set(tokens)
    for char in sorted(set(text + _INSTRUCTION_TEXT)):
        if not char.isspace() and char not in seen:
            seen.add(char)
            tokens.append(char)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return vocab


def _save_tiny_bert(directory: Path, text: str | None, *, cross_encoder: bool, seed: int) -> None:
    """Save a 2-layer, 32-wide BERT with a matching tokenizer into `directory`."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

    _write_vocab(directory, corpus_text() if text is None else text)
    # from_pretrained reads vocab.txt under both transformers 4 (vocab_file=) and 5 (vocab=).
    tokenizer = BertTokenizer.from_pretrained(str(directory), do_lower_case=True, model_max_length=512)
    config = BertConfig(
        vocab_size=len(tokenizer.get_vocab()),
        hidden_size=_HIDDEN,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    config.num_labels = 1  # a single relevance logit for the cross-encoder
    # Fork the RNG so building a model does not reseed the caller's torch state.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertForSequenceClassification(config) if cross_encoder else BertModel(config)
    model.eval()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def build_tiny_sentence_transformer(path: Path, text: str | None = None, *, seed: int = 0) -> Path:
    """Build a tiny BERT + mean-pool + normalise model at `path` (name it '*bge*zh*' to get the bge instruction)."""
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Normalize, Pooling, Transformer  # type: ignore[no-redef,import-not-found]

    path = Path(path)
    bert_dir = path.parent / f".{path.name}-bert"
    _save_tiny_bert(bert_dir, text, cross_encoder=False, seed=seed)
    transformer = Transformer(str(bert_dir), max_seq_length=512)
    pooling = Pooling(_HIDDEN, "mean")
    SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu").save(str(path))
    shutil.rmtree(bert_dir)
    return path


def build_tiny_cross_encoder(path: Path, text: str | None = None, *, seed: int = 0) -> Path:
    """Build a tiny BertForSequenceClassification(num_labels=1) that `CrossEncoder(path)` loads."""
    path = Path(path)
    _save_tiny_bert(path, text, cross_encoder=True, seed=seed)
    return path


class BigramEmbedder:
    """A deterministic FAKE embedder, not a model: character bigrams hashed into 64 dims, L2-normalised.

    Texts sharing bigrams get similar vectors, and identical texts identical ones, which is all these
    tests need. `fail_on_call=n` makes the n-th `embed_passages` call raise, like a backend dying half-way;
    `fail_on_text=s` makes every call with a passage containing `s` raise, like a backend choking on one document
    (ingest embeds several files per call, so a call number no longer singles out a file).
    """

    name = "fake:bigram"
    dimension = 64
    max_chars = 480
    batch_size = 64
    ingest_batch = 64

    def __init__(self, fail_on_call: int = 0, fail_on_text: str = "") -> None:
        self.fail_on_call = fail_on_call
        self.fail_on_text = fail_on_text
        self.calls: list[int] = []  # how many passages each call embedded

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for bigram in itertools.pairwise(text):
            digest = hashlib.blake2b("".join(bigram).encode(), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dimension] += 1.0
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        if len(self.calls) == self.fail_on_call:
            raise RuntimeError("the fake embedder backend went away")
        if self.fail_on_text and any(self.fail_on_text in t for t in texts):
            raise RuntimeError("the fake embedder backend choked on a passage")
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)
