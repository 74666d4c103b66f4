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
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from importlib.metadata import version

import jieba
import rjieba
import numpy as np

from ingest.index.lexical_arrays import LexicalArrays, build_arrays
from ingest.stopwords import LEXICAL_STOP_WORDS

__all__ = ["tokenize", "token_string", "term_counts", "TOKENIZER_VERSION", "LexicalIndex"]

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


def term_counts(tokens: Sequence[str]) -> tuple[list[str], list[int]]:
    """A chunk's distinct terms and how often each occurs (a chunk without tokens counts as one `_EMPTY`)."""
    counts = Counter(tokens or [_EMPTY])
    return list(counts), list(counts.values())


@lru_cache(maxsize=16384)
def token_string(text: str) -> str:
    """The tokens of a text joined by spaces (jieba tokens never hold whitespace), to store beside a chunk.
    Cached: ingest's parse stage computes them while the writer is busy, and the writer finds them ready."""
    return " ".join(tokenize(text))


class _Postings:
    """Postings appended to one term since the index's base was packed; buffered until read."""

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


_NO_BASE = build_arrays([])


class LexicalIndex:
    """BM25 over chunk texts, addressed by chunk id; `add` and `delete` cost the changed chunks only.

    An index is a packed base (`LexicalArrays`: in memory, or mapped from files that processes share) plus what
    changed since: chunks added after it get new slots and their postings are kept apart, chunks deleted from it
    are marked dead, and document frequencies and lengths are this object's own copies. Dead postings are
    skipped by queries; the index is packed anew once dead chunks outnumber the live ones (amortised, and without
    tokenising anything again). Thread-safe: one lock around every call.
    """

    k1 = 1.5
    b = 0.75

    def __init__(self, fingerprint: str = "", base: LexicalArrays = _NO_BASE, ids: Sequence[str] = ()) -> None:
        if len(ids) != base.n_chunks:
            raise ValueError(f"{len(ids)} ids for a base of {base.n_chunks} chunks")
        self.fingerprint = fingerprint
        self._lock = threading.RLock()
        self._base = base
        self._vocab: dict[str, int] = {}  # terms the base lacks → ids from base.n_terms on
        self._n_terms = base.n_terms
        self._extra: dict[int, _Postings] = {}  # term id → postings of chunks added after the base
        self._df = np.array(base.df, dtype=np.int32)
        self._slot_of: dict[str, int] = {chunk_id: slot for slot, chunk_id in enumerate(ids)}
        if len(self._slot_of) != len(ids):
            raise ValueError("duplicate chunk ids")
        self._id_of: list[str | None] = list(ids)
        self._terms: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # slot → (term ids, tfs), slots past the base
        self._length = np.array(base.lengths, dtype=np.float64)
        self._alive = np.ones(len(ids), dtype=bool)
        self._total_length = int(self._length.sum())  # an int, so avgdl is exact whatever the order of changes

    # --- building and changing ---------------------------------------------------------------------

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], fingerprint: str = "") -> LexicalIndex:
        """Index texts (the embed texts, header included), tokenising each."""
        return cls.from_tokens(ids, [tokenize(t) for t in texts], fingerprint)

    @classmethod
    def from_tokens(cls, ids: Sequence[str], tokens: Iterable[Sequence[str]], fingerprint: str = "") -> LexicalIndex:
        """Index texts already tokenised (see `token_string`)."""
        ids = list(ids)
        return cls(fingerprint, build_arrays(term_counts(list(t)) for t in tokens), ids)

    @property
    def base_chunks(self) -> int:
        """Chunks in the packed base (dead ones included)."""
        return self._base.n_chunks

    @property
    def changed_chunks(self) -> int:
        """Slots added or killed since the base was packed: what the base no longer covers."""
        return len(self._id_of) - self._base.n_chunks + int(self._base.n_chunks - self._alive[:self._base.n_chunks]
                                                             .sum())

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

    def _term_id(self, term: str) -> int | None:
        tid = self._vocab.get(term)
        return self._base.term_id(term) if tid is None and self._base.n_terms else tid

    def _insert(self, chunk_id: str, tokens: list[str]) -> None:
        slot = len(self._id_of)
        counts = Counter(tokens)
        term_ids: list[int] = []
        for term, tf in counts.items():
            tid = self._term_id(term)
            if tid is None:
                tid = self._vocab[term] = self._n_terms
                self._n_terms += 1
                if tid >= len(self._df):
                    self._df = np.concatenate([self._df, np.zeros(max(1024, len(self._df)), dtype=np.int32)])
            postings = self._extra.get(tid)
            if postings is None:
                postings = self._extra[tid] = _Postings()
            postings.new_slots.append(slot)
            postings.new_tfs.append(tf)
            self._df[tid] += 1
            term_ids.append(tid)
        self._id_of.append(chunk_id)
        self._terms[slot] = (np.array(term_ids, dtype=np.int32), np.fromiter(counts.values(), dtype=np.int32))
        self._slot_of[chunk_id] = slot
        if slot >= len(self._length):
            grow = max(1024, len(self._length))
            self._length = np.concatenate([self._length, np.zeros(grow)])
            self._alive = np.concatenate([self._alive, np.zeros(grow, dtype=bool)])
        self._length[slot] = len(tokens)
        self._alive[slot] = True
        self._total_length += len(tokens)

    def _terms_of(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        return self._terms[slot] if slot >= self._base.n_chunks else self._base.terms_of(slot)

    def _remove(self, chunk_id: str) -> bool:
        slot = self._slot_of.pop(chunk_id, None)
        if slot is None:
            return False
        self._df[self._terms_of(slot)[0]] -= 1  # a chunk's term ids are distinct
        self._terms.pop(slot, None)
        self._id_of[slot] = None
        self._alive[slot] = False
        self._total_length -= int(self._length[slot])
        return True

    def live_ids(self) -> list[str]:
        """The live chunk ids in chunk id order (the order of `live_entries`)."""
        with self._lock:
            return sorted(self._slot_of)

    def live_entries(self) -> Iterator[tuple[str, tuple[list[str], list[int]]]]:
        """(chunk id, (terms, frequencies)) of every live chunk in chunk id order: what `build_arrays` packs."""
        with self._lock:
            names = [self._base.term(t) for t in range(self._base.n_terms)]  # each term string once
            names.extend(sorted(self._vocab, key=self._vocab.__getitem__))  # added terms, by id
            for chunk_id in sorted(self._slot_of):
                tids, tfs = self._terms_of(self._slot_of[chunk_id])
                yield chunk_id, ([names[t] for t in tids.tolist()], tfs.tolist())

    def _compact(self) -> None:
        """Pack the live chunks into a new base (renumbered from 0, in chunk id order); no text is tokenised again."""
        entries = list(self.live_entries())
        fresh = LexicalIndex(self.fingerprint, build_arrays(e for _, e in entries), [i for i, _ in entries])
        fresh._lock = self._lock
        self.__dict__.update(fresh.__dict__)

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
                tid = self._term_id(term)
                if tid is None or not self._df[tid]:
                    continue
                slots, _ = self._postings(tid)
                found.update(str(self._id_of[s]) for s in slots[self._alive[slots]].tolist())
            return found

    def frequencies(self, terms: Iterable[str], excluded: Iterable[str] = ()) -> tuple[dict[str, int], int]:
        """How many live chunks hold each term as a token, and how many live chunks there are, both without the
        `excluded` chunk ids (documents searched as if not indexed)."""
        with self._lock:
            gone = np.array([s for s in (self._slot_of.get(i) for i in excluded) if s is not None], dtype=np.int64)
            counts: dict[str, int] = {}
            for term in terms:
                tid = self._term_id(term)
                if tid is None or not self._df[tid]:
                    counts[term] = 0
                    continue
                if gone.size == 0:
                    counts[term] = int(self._df[tid])
                    continue
                slots, _ = self._postings(tid)
                live = slots[self._alive[slots]]
                counts[term] = int(live.size - np.isin(live, gone).sum())
            return counts, len(self._slot_of) - int(gone.size)

    def _postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """A term's slots and frequencies: the base's (a view, not a copy), then those added since."""
        extra = self._extra.get(tid)
        if tid >= self._base.n_terms:
            assert extra is not None
            return extra.arrays()
        slots, tfs = self._base.postings(tid)
        if extra is None:
            return slots, tfs
        more_slots, more_tfs = extra.arrays()
        return np.concatenate([slots, more_slots]), np.concatenate([tfs, more_tfs])

    def _score(self, query: str) -> np.ndarray | None:
        """BM25 of every slot (dead ones included, at zero), or None when no query token is indexed."""
        n = len(self._slot_of)
        counts = Counter(tid for t in tokenize(query) if (tid := self._term_id(t)) is not None and self._df[tid])
        if not n or not counts:
            return None
        avg = self._total_length / n
        scores = np.zeros(len(self._id_of), dtype=np.float64)
        for tid, repeat in counts.items():
            slots, tfs = self._postings(tid)
            live = self._alive[slots]
            slots, tfs = slots[live], tfs[live]
            df = int(self._df[tid])
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1 - self.b + self.b * self._length[slots] / avg)
            scores[slots] += repeat * idf * tfs / (tfs + norm)
        return scores
