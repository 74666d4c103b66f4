"""The published corpus's lifecycle questions (issue 20): their shape always, their evidence against the documents
when these are present (POLICY_RAG_PUBLISHED_CORPUS, ../shared/published-corpus or /work/published-corpus)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eval.dataset import load_dataset, validate_dataset

ROOT = Path(__file__).parents[2]
PUBLISHED_DEV = ROOT / "eval/datasets/published_dev.jsonl"
LIFECYCLE_KINDS = {"effective", "status", "expiry", "replaces"}


def _published_corpus() -> Path | None:
    env = os.environ.get("POLICY_RAG_PUBLISHED_CORPUS")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "published-corpus", Path("/work/published-corpus")]
    return next((c for c in candidates if c.is_dir()), None)


def test_published_dev_asks_every_lifecycle_kind() -> None:
    questions = load_dataset(PUBLISHED_DEV)
    assert len({q.id for q in questions}) == len(questions) >= 10
    raw = [line for line in PUBLISHED_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all('"lifecycle": "' in line for line in raw)
    assert {kind for kind in LIFECYCLE_KINDS if any(f'"lifecycle": "{kind}"' in line for line in raw)} == LIFECYCLE_KINDS
    assert any(not q.answerable for q in questions)
    assert all(q.measures and q.answer_keys for q in questions if q.answerable)


def test_published_dev_validates_against_the_published_corpus() -> None:
    corpus = _published_corpus()
    if corpus is None:
        pytest.skip("published corpus absent: set POLICY_RAG_PUBLISHED_CORPUS, or put it at ../shared/published-corpus "
                    "or /work/published-corpus (see eval/datasets/published_sources.json)")
    assert validate_dataset(load_dataset(PUBLISHED_DEV), corpus) == []
