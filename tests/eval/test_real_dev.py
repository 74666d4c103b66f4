"""The real-corpus dev set: its shape always, and its evidence against the real documents when they are present."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from eval.dataset import QUESTION_TYPES, load_dataset, validate_dataset

ROOT = Path(__file__).parents[2]
REAL_DEV = ROOT / "eval/datasets/real_dev.jsonl"
# A gold label as the index prints it: a place, a space, then 第N条, a restarting outline number or 附件N.
_LABEL = re.compile(r"^\S+ (第\d+条|[一二三四五六七八九十]+(（[一二三四五六七八九十]+）)?([一二三四五六七八九十]+是)?\d*|附件\d+)$")


def _real_corpus() -> Path | None:
    """The folder of real documents: POLICY_RAG_REAL_CORPUS, /work/real-corpus or ../shared/real-corpus."""
    env = os.environ.get("POLICY_RAG_REAL_CORPUS")
    candidates = [Path(env)] if env else [Path("/work/real-corpus"), ROOT.parent / "shared" / "real-corpus"]
    return next((path for path in candidates if path.is_dir()), None)


def test_real_dev_shape() -> None:
    questions = load_dataset(REAL_DEV)
    assert len(questions) >= 100
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids))
    counts = Counter(q.type for q in questions)
    assert set(counts) == set(QUESTION_TYPES)
    for kind in QUESTION_TYPES:
        assert counts[kind] >= 8, f"only {counts[kind]} {kind} questions"
        assert counts[kind] <= 0.35 * len(questions), f"{counts[kind]} {kind} questions dominate the set"
    unanswerable = [q for q in questions if not q.answerable]
    assert len(unanswerable) >= 15
    assert all(q.type == "unanswerable" for q in unanswerable)
    for q in questions:
        assert all(_LABEL.match(label) for label in q.measures), (q.id, q.measures)
        if q.type in ("cross_doc", "comparison"):
            assert len(q.evidence) >= 2, q.id
            assert len(q.regions) != 1, q.id


def test_real_dev_validates_against_real_corpus() -> None:
    corpus = _real_corpus()
    if corpus is None:
        pytest.skip("no real corpus: set POLICY_RAG_REAL_CORPUS or place it at /work/real-corpus or ../shared/real-corpus")
    assert validate_dataset(load_dataset(REAL_DEV), corpus) == []
