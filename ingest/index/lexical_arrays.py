"""A lexical index packed into plain numpy arrays: the form one generation's index is shared in between processes.

Terms are sorted by their UTF-8 bytes (a blob and offsets, looked up by binary search), postings are one CSR
table (each term's slots ascending), and a forward table (each slot's terms) lets a delete correct the document
frequencies without tokenising anything. The arrays may be in memory or mapped from files (`lexical_files.py`);
nothing here writes to them.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

__all__ = ["LexicalArrays", "build_arrays"]


@dataclass(frozen=True)
class LexicalArrays:
    """One lexical index's chunks (slots 0..N-1) and terms (ids 0..V-1) as arrays."""

    vocab_offsets: np.ndarray  # int64, V + 1: term t is vocab_blob[vocab_offsets[t]:vocab_offsets[t + 1]]
    vocab_blob: np.ndarray  # uint8, the terms' UTF-8 bytes in sorted order
    post_ptr: np.ndarray  # int64, V + 1: term t's postings are post_slots/post_tfs[post_ptr[t]:post_ptr[t + 1]]
    post_slots: np.ndarray  # int32, ascending within a term
    post_tfs: np.ndarray  # float32, term frequencies (small integers: exact)
    df: np.ndarray  # int32, V
    lengths: np.ndarray  # float64, N: tokens per chunk
    fwd_ptr: np.ndarray  # int64, N + 1: slot s's terms are fwd_tids/fwd_tfs[fwd_ptr[s]:fwd_ptr[s + 1]]
    fwd_tids: np.ndarray  # int32
    fwd_tfs: np.ndarray  # int32

    @classmethod
    def names(cls) -> list[str]:
        """The array fields, in file order."""
        return [f.name for f in fields(cls)]

    @property
    def n_chunks(self) -> int:
        return len(self.lengths)

    @property
    def n_terms(self) -> int:
        return len(self.df)

    def consistent(self) -> bool:
        """Whether the arrays' shapes agree with each other (a torn or mixed-up set of files does not)."""
        v, n = len(self.df), len(self.lengths)
        return (len(self.vocab_offsets) == v + 1 and len(self.post_ptr) == v + 1 and len(self.fwd_ptr) == n + 1
                and int(self.vocab_offsets[-1]) == len(self.vocab_blob)
                and int(self.post_ptr[-1]) == len(self.post_slots) == len(self.post_tfs)
                and int(self.fwd_ptr[-1]) == len(self.fwd_tids) == len(self.fwd_tfs)
                and len(self.post_slots) == len(self.fwd_tids))

    def term_id(self, term: str) -> int | None:
        """The id of a term, or None (binary search over the sorted terms)."""
        key = term.encode()
        offsets, blob = self.vocab_offsets, self.vocab_blob
        lo, hi = 0, len(self.df)
        while lo < hi:
            mid = (lo + hi) // 2
            if blob[offsets[mid]:offsets[mid + 1]].tobytes() < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self.df) and blob[offsets[lo]:offsets[lo + 1]].tobytes() == key:
            return lo
        return None

    def term(self, tid: int) -> str:
        return bytes(self.vocab_blob[self.vocab_offsets[tid]:self.vocab_offsets[tid + 1]]).decode()

    def postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.post_ptr[tid], self.post_ptr[tid + 1]
        return self.post_slots[start:end], self.post_tfs[start:end]

    def terms_of(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.fwd_ptr[slot], self.fwd_ptr[slot + 1]
        return self.fwd_tids[start:end], self.fwd_tfs[start:end]


def build_arrays(entries: Iterable[tuple[Sequence[str], Sequence[int]]]) -> LexicalArrays:
    """Pack chunks, given in slot order as (distinct terms, their frequencies), into arrays.

    Only the vocabulary passes through Python objects; postings go straight into compact buffers, so building the
    arrays of a large index costs little more than the arrays themselves."""
    vocab: dict[str, int] = {}
    tids, tfs, ptr = array("i"), array("i"), array("q", [0])
    for terms, counts in entries:
        for term, tf in zip(terms, counts):
            tid = vocab.get(term)
            if tid is None:
                tid = vocab[term] = len(vocab)
            tids.append(tid)
        tfs.extend(counts)
        ptr.append(len(tids))
    encoded = [term.encode() for term in vocab]
    del vocab
    order = sorted(range(len(encoded)), key=encoded.__getitem__)
    remap = np.empty(len(encoded), dtype=np.int32)
    remap[np.asarray(order, dtype=np.int64)] = np.arange(len(encoded), dtype=np.int32)
    fwd_tids = remap[np.frombuffer(tids, dtype=np.int32)] if len(tids) else np.empty(0, dtype=np.int32)
    fwd_tfs = np.frombuffer(tfs, dtype=np.int32).copy()
    fwd_ptr = np.frombuffer(ptr, dtype=np.int64).copy()
    n = len(fwd_ptr) - 1
    slot_of_posting = np.repeat(np.arange(n, dtype=np.int32), np.diff(fwd_ptr))
    by_term = np.argsort(fwd_tids, kind="stable")  # within a term, slots stay ascending
    df = np.bincount(fwd_tids, minlength=len(encoded)).astype(np.int32)
    blob = b"".join(encoded[i] for i in order)
    sizes = np.fromiter((len(encoded[i]) for i in order), dtype=np.int64, count=len(order))
    return LexicalArrays(
        vocab_offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        vocab_blob=np.frombuffer(blob, dtype=np.uint8).copy(),
        post_ptr=np.concatenate([[0], np.cumsum(df, dtype=np.int64)]).astype(np.int64),
        post_slots=slot_of_posting[by_term],
        post_tfs=fwd_tfs[by_term].astype(np.float32),
        df=df,
        lengths=np.bincount(slot_of_posting, weights=fwd_tfs, minlength=n).astype(np.float64),
        fwd_ptr=fwd_ptr, fwd_tids=fwd_tids.astype(np.int32), fwd_tfs=fwd_tfs)
