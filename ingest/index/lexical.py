"""The lexical index: jieba tokens scored with BM25 (bm25s), saved beside the collection."""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import jieba

from ingest.stopwords import LEXICAL_STOP_WORDS

__all__ = ["tokenize", "LexicalIndex"]

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens without punctuation and stop words."""
    return [t for t in jieba.lcut_for_search(text) if _KEEP.search(t) and t not in LEXICAL_STOP_WORDS]


class LexicalIndex:
    """BM25 over chunk texts, addressed by chunk id."""

    def __init__(self, ids: list[str], retriever: bm25s.BM25 | None, fingerprint: str) -> None:
        self.ids = ids
        self.fingerprint = fingerprint
        self._bm25 = retriever

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], fingerprint: str) -> LexicalIndex:
        """Index texts (the embed texts, header included)."""
        if not ids:
            return cls([], None, fingerprint)
        retriever = bm25s.BM25()
        retriever.index([tokenize(t) or ["_"] for t in texts], show_progress=False)
        return cls(list(ids), retriever, fingerprint)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The best k (chunk_id, score) pairs with a positive score."""
        if self._bm25 is None:
            return []
        vocab = self._bm25.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]

    def save(self, folder: Path) -> None:
        """Write atomically: a temporary folder renamed over the old one."""
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "bm25"))
        (tmp / "meta.json").write_text(json.dumps({"ids": self.ids, "fingerprint": self.fingerprint}, ensure_ascii=False),
                                       encoding="utf-8")
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        """The saved index, or None when there is none."""
        meta_file = folder / "meta.json"
        if not meta_file.exists():
            return None
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder / "bm25")) if (folder / "bm25").exists() else None
        return cls(meta["ids"], retriever, meta["fingerprint"])
