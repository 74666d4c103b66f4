"""The lexical index: jieba tokens scored with BM25, updated chunk by chunk instead of rebuilt per generation.

Scores are bm25s's default (Lucene) BM25 — idf = ln(1 + (N - df + 0.5) / (df + 0.5)), term part
tf / (tf + k1 (1 - b + b dl / avgdl)), k1 = 1.5, b = 0.75, a query token counted as often as it occurs — but
computed at query time from an inverted index whose statistics are kept exact under adds and deletes, so an
index updated by any series of changes scores exactly like one built from scratch on the same texts. Adding or
deleting a chunk costs its own tokens; tokens are computed once at ingest and stored beside the chunk
(`token_string`), so a reader never runs jieba over the corpus. bm25s precomputes a sparse score matrix
that any change to N or avgdl invalidates: that is why it is not used here.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache
from importlib.metadata import version

import jieba
import rjieba
import numpy as np

from ingest.stopwords import LEXICAL_STOP_WORDS

__all__ = ["tokenize", "token_string", "TOKENIZER_VERSION", "LexicalIndex"]

jieba.setLogLevel(logging.WARNING)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
_EMPTY = "_"  # the token of a text without any (bm25s's convention), so such a chunk still counts in N and avgdl

_WORD_RUN = re.compile(r"[\w\u4e00-\u9fff.%％]*[\w\u4e00-\u9fff][\w\u4e00-\u9fff.%％]*")  # 5.5% stays whole
_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff.%％]")

# Changes whenever the tokens of a text could: stored tokens of another version are recomputed.
TOKENIZER_VERSION = hashlib.sha1(
    f"2|rjieba {version('rjieba')}|{'|'.join(sorted(LEXICAL_STOP_WORDS))}".encode()).hexdigest()[:12]


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens without punctuation and stop words.

    rjieba (jieba's algorithm and dictionary in Rust) cuts Chinese exactly as jieba does, about 20× faster and
    without holding the GIL, so tokenizing documents and questions no longer stalls other threads. It keeps
    runs such as 2026-02-12 whole where jieba splits them: they are split here the same way."""
    tokens = []
    for token in rjieba.cut_for_search(text):
        for piece in _WORD_RUN.findall(token) if _NOT_WORD.search(token) else (token,):
            if _KEEP.search(piece) and piece not in LEXICAL_STOP_WORDS:
                tokens.append(piece)
    return tokens


@lru_cache(maxsize=16384)
def token_string(text: str) -> str:
    """The tokens of a text joined by spaces (jieba tokens never hold whitespace), to store beside a chunk.
    Cached: ingest's parse stage computes them while the writer is busy, and the writer finds them ready."""
    return " ".join(tokenize(text))


class _Postings:
    """The chunks (slots) holding one term, with its frequency in each; appends are buffered until read."""

    __slots__ = ("slots", "tfs", "new_slots", "new_tfs")

    def __init__(self) -> None:
        self.slots = np.empty(0, dtype=np.int32)
        self.tfs = np.empty(0, dtype=np.float32)  # small integers: exact, and scored in float64
        self.new_slots: list[int] = []
        self.new_tfs: list[int] = []

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self.new_slots:
            self.slots = np.concatenate([self.slots, np.asarray(self.new_slots, dtype=np.int32)])
            self.tfs = np.concatenate([self.tfs, np.asarray(self.new_tfs, dtype=np.float32)])
            self.new_slots, self.new_tfs = [], []
        return self.slots, self.tfs


class LexicalIndex:
    """BM25 over chunk texts, addressed by chunk id; `add` and `delete` cost the changed chunks only.

    Deleted chunks leave dead postings that queries skip; they are compacted away once they outnumber the
    live ones (amortised, and without tokenising anything again). Thread-safe: one lock around every call.
    """

    k1 = 1.5
    b = 0.75

    def __init__(self, fingerprint: str = "") -> None:
        self.fingerprint = fingerprint
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._postings: list[_Postings] = []
        self._df: list[int] = []
        self._slot_of: dict[str, int] = {}
        self._id_of: list[str | None] = []
        self._terms: list[tuple[np.ndarray, np.ndarray] | None] = []  # slot → (term ids, tfs), to undo an add
        self._length = np.zeros(0, dtype=np.float64)
        self._alive = np.zeros(0, dtype=bool)
        self._total_length = 0  # an int, so avgdl is exact whatever the order of changes

    # --- building and changing ---------------------------------------------------------------------

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], fingerprint: str = "") -> LexicalIndex:
        """Index texts (the embed texts, header included), tokenising each."""
        return cls.from_tokens(ids, [tokenize(t) for t in texts], fingerprint)

    @classmethod
    def from_tokens(cls, ids: Sequence[str], tokens: Iterable[Sequence[str]], fingerprint: str = "") -> LexicalIndex:
        """Index texts already tokenised (see `token_string`)."""
        index = cls(fingerprint)
        index.add(zip(ids, tokens))
        index._pack()
        return index

    def add(self, entries: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Add (chunk_id, tokens) pairs; a chunk id already present is replaced."""
        with self._lock:
            for chunk_id, tokens in entries:
                if chunk_id in self._slot_of:
                    self._remove(chunk_id)
                self._insert(chunk_id, list(tokens) or [_EMPTY])

    def delete(self, ids: Iterable[str]) -> int:
        """Remove chunks (unknown ids are ignored); returns how many went."""
        with self._lock:
            gone = sum(self._remove(i) for i in ids)
            dead = len(self._id_of) - len(self._slot_of)
            if dead > 1024 and dead > len(self._slot_of):
                self._compact()
            return gone

    def _insert(self, chunk_id: str, tokens: list[str]) -> None:
        slot = len(self._id_of)
        counts = Counter(tokens)
        vocab, postings_of, df = self._vocab, self._postings, self._df
        term_ids: list[int] = []
        for term, tf in counts.items():
            tid = vocab.get(term)
            if tid is None:
                tid = vocab[term] = len(postings_of)
                postings_of.append(_Postings())
                df.append(0)
            postings = postings_of[tid]
            postings.new_slots.append(slot)
            postings.new_tfs.append(tf)
            df[tid] += 1
            term_ids.append(tid)
        self._id_of.append(chunk_id)
        self._terms.append((np.array(term_ids, dtype=np.int32), np.fromiter(counts.values(), dtype=np.int32)))
        self._slot_of[chunk_id] = slot
        if slot >= len(self._length):
            grow = max(1024, len(self._length))
            self._length = np.concatenate([self._length, np.zeros(grow)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, dtype=bool)])
        self._length[slot] = len(tokens)
        self._alive[slot] = True
        self._total_length += len(tokens)

    def _remove(self, chunk_id: str) -> bool:
        slot = self._slot_of.pop(chunk_id, None)
        if slot is None:
            return False
        terms = self._terms[slot]
        assert terms is not None
        for tid in terms[0].tolist():
            self._df[tid] -= 1
        self._terms[slot] = None
        self._id_of[slot] = None
        self._alive[slot] = False
        self._total_length -= int(self._length[slot])
        return True

    def _pack(self) -> None:
        """Turn every term's buffered postings into arrays now: buffered, each posting is two Python ints in lists
        (about 80 bytes against 8), and a whole index built at once would stay that way until each term is read."""
        for postings in self._postings:
            postings.arrays()

    def _compact(self) -> None:
        """Renumber the live chunks from 0 and drop dead postings; no text is tokenised again."""
        live = [(i, self._terms[s]) for s, i in enumerate(self._id_of) if i is not None]
        self._postings = [_Postings() for _ in self._postings]
        self._id_of, self._terms, self._slot_of = [], [], {}
        self._length = np.zeros(max(1024, len(live)))
        self._alive = np.zeros(len(self._length), dtype=bool)
        for slot, (chunk_id, terms) in enumerate(live):
            assert terms is not None
            for tid, tf in zip(terms[0].tolist(), terms[1].tolist()):
                self._postings[tid].new_slots.append(slot)
                self._postings[tid].new_tfs.append(int(tf))
            self._id_of.append(chunk_id)
            self._terms.append(terms)
            self._slot_of[chunk_id] = slot
            self._alive[slot] = True
            self._length[slot] = float(terms[1].sum())  # a chunk's length is the sum of its term frequencies
        self._pack()

    # --- reading -------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._slot_of

    @property
    def ids(self) -> list[str]:
        """The indexed chunk ids."""
        with self._lock:
            return list(self._slot_of)

    def scores(self, query: str) -> dict[str, float]:
        """chunk_id → BM25 score for every chunk the query scores above zero."""
        with self._lock:
            scores = self._score(query)
            if scores is None:
                return {}
            slots = np.flatnonzero(scores > 0)
            return {str(self._id_of[s]): float(scores[s]) for s in slots.tolist()}

    def search(self, query: str, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The best k (chunk_id, score) pairs with a positive score, only among `allowed` ids when given."""
        with self._lock:
            scores = self._score(query)
            if scores is None or k <= 0:
                return []
            if allowed is None:
                candidates = np.flatnonzero(scores > 0)
            else:
                wanted = np.fromiter((s for i in allowed if (s := self._slot_of.get(i)) is not None), dtype=np.int64)
                candidates = np.unique(wanted[scores[wanted] > 0])
            if len(candidates) > k:  # the k best, then sorted; ties keep index order
                cut = -np.partition(-scores[candidates], k - 1)[k - 1]
                candidates = candidates[scores[candidates] >= cut]
            order = candidates[np.argsort(-scores[candidates], kind="stable")][:k]
            return [(str(self._id_of[s]), float(scores[s])) for s in order.tolist()]

    def containing(self, terms: Iterable[str]) -> set[str]:
        """Chunk ids whose tokens include any of `terms` (each term as one token, not re-tokenised)."""
        with self._lock:
            found: set[str] = set()
            for term in terms:
                tid = self._vocab.get(term)
                if tid is None or not self._df[tid]:
                    continue
                slots, _ = self._postings[tid].arrays()
                found.update(str(self._id_of[s]) for s in slots[self._alive[slots]].tolist())
            return found

    def _score(self, query: str) -> np.ndarray | None:
        """BM25 of every slot (dead ones included, at zero), or None when no query token is indexed."""
        n = len(self._slot_of)
        counts = Counter(tid for t in tokenize(query) if (tid := self._vocab.get(t)) is not None and self._df[tid])
        if not n or not counts:
            return None
        avg = self._total_length / n
        scores = np.zeros(len(self._id_of), dtype=np.float64)
        for tid, repeat in counts.items():
            slots, tfs = self._postings[tid].arrays()
            live = self._alive[slots]
            slots, tfs = slots[live], tfs[live]
            df = self._df[tid]
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1 - self.b + self.b * self._length[slots] / avg)
            scores[slots] += repeat * idf * tfs / (tfs + norm)
        return scores
