"""Retrieval, answer, citation and refusal metrics as pure functions; all string matching ignores whitespace."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypedDict

from eval.dataset import normalize
from ingest import normalize_line

__all__ = [
    "canonical",
    "is_relevant",
    "recall_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "key_fact_accuracy",
    "citation_precision",
    "citation_recall",
    "refusal_scores",
    "RefusalScores",
    "percentile",
    "mean",
]


def canonical(text: str) -> str:
    """Text as the index stores it: NFKC (full-width digits and letters), full-width Chinese punctuation, no
    whitespace. Gold strings are verbatim source text, the index and answers hold cleaned text."""
    return normalize(normalize_line(text))


def _gold(strings: Iterable[str]) -> list[str]:
    """Normalized, de-duplicated, non-empty gold strings in their original order."""
    seen: dict[str, None] = {}
    for value in strings:
        norm = normalize(value)
        if norm:
            seen.setdefault(norm, None)
    return list(seen)


def _check_k(k: int) -> None:
    """Reject a cut-off below 1."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def _contains_any(text: str, gold: list[str]) -> bool:
    """Whether normalized `text` contains at least one normalized gold string."""
    norm = normalize(text)
    return any(item in norm for item in gold)


def is_relevant(chunk_text: str, evidence: Sequence[str]) -> bool:
    """True when the chunk contains at least one evidence string (whitespace ignored)."""
    return _contains_any(chunk_text, _gold(evidence))


def recall_at_k(ranked_texts: Sequence[str], evidence: Sequence[str], k: int) -> float:
    """Fraction of gold evidence strings found in at least one of the top-k chunks; 0.0 without evidence."""
    _check_k(k)
    gold = _gold(evidence)
    if not gold:
        return 0.0
    top = [normalize(text) for text in ranked_texts[:k]]
    found = sum(1 for item in gold if any(item in text for text in top))
    return found / len(gold)


def mrr_at_k(ranked_texts: Sequence[str], evidence: Sequence[str], k: int = 10) -> float:
    """Reciprocal rank of the first relevant chunk within the top k, else 0.0."""
    _check_k(k)
    gold = _gold(evidence)
    for rank, text in enumerate(ranked_texts[:k], start=1):
        if _contains_any(text, gold):
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked_texts: Sequence[str], evidence: Sequence[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking has min(len(evidence), k) relevant chunks first, capped at 1.0."""
    _check_k(k)
    gold = _gold(evidence)
    if not gold:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, text in enumerate(ranked_texts[:k], start=1)
        if _contains_any(text, gold)
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(gold), k) + 1))
    return min(1.0, dcg / ideal)


def key_fact_accuracy(answer: str, answer_keys: Sequence[str]) -> float:
    """Fraction of answer keys present in the answer, both read as `canonical` (whitespace and full-width forms
    ignored: 「１５０千克」 is 「150千克」); 1.0 when there are no keys."""
    keys = _gold(canonical(key) for key in answer_keys)
    if not keys:
        return 1.0
    norm = canonical(answer)
    return sum(1 for key in keys if key in norm) / len(keys)


def citation_precision(cited_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of cited chunks that contain some gold evidence; None when nothing was cited."""
    if not cited_texts:
        return None
    gold = _gold(evidence)
    return sum(1 for text in cited_texts if _contains_any(text, gold)) / len(cited_texts)


def citation_recall(cited_texts: Sequence[str], evidence: Sequence[str]) -> float | None:
    """Share of gold evidence strings covered by some cited chunk; None when there is no evidence."""
    gold = _gold(evidence)
    if not gold:
        return None
    cited = [normalize(text) for text in cited_texts]
    return sum(1 for item in gold if any(item in text for text in cited)) / len(gold)


class RefusalScores(TypedDict):
    """`refusal_scores`: precision, recall and F1 (None when undefined) and the counts they come from."""

    precision: float | None
    recall: float | None
    f1: float | None
    true_refusals: int
    false_refusals: int
    missed_refusals: int
    answered_answerable: int
    refused: int
    unanswerable: int
    total: int


def refusal_scores(pairs: Sequence[tuple[bool, bool]]) -> RefusalScores:
    """Precision/recall/F1 of refusing, with unanswerable questions as the positive class, from (refused, answerable) pairs."""
    tp = sum(1 for refused, answerable in pairs if refused and not answerable)
    fp = sum(1 for refused, answerable in pairs if refused and answerable)
    fn = sum(1 for refused, answerable in pairs if not refused and not answerable)
    tn = sum(1 for refused, answerable in pairs if not refused and answerable)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    elif precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_refusals": tp,
        "false_refusals": fp,
        "missed_refusals": fn,
        "answered_answerable": tn,
        "refused": tp + fp,
        "unanswerable": tp + fn,
        "total": len(pairs),
    }


def percentile(values: Iterable[float | None], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between ranks, ignoring None; 0.0 when empty."""
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    data = sorted(float(value) for value in values if value is not None)
    if not data:
        return 0.0
    position = (len(data) - 1) * p / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(data) - 1)
    return data[lower] + (data[upper] - data[lower]) * (position - lower)


def mean(values: Iterable[float | None]) -> float:
    """Arithmetic mean ignoring None; 0.0 when nothing is left."""
    data = [float(value) for value in values if value is not None]
    return sum(data) / len(data) if data else 0.0
