"""CrossEncoderReranker on a tiny offline BERT: properties that hold for any model's scores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before huggingface_hub is imported, so nothing below can wait on the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tiny_models import build_tiny_cross_encoder

from ingest.errors import ConfigError
from service.retrieval.rerank import CrossEncoderReranker

QUERY = "先进制造业有哪些支持措施？"
TEXTS = [
    "济源市第46条：加快建设先进制造业集群。",
    "推进城市更新行动，改造老旧小区。",
    "优化营商环境，深化“放管服”改革。",
    "支持企业技术改造和数字化转型 2024",
    "推进城市更新行动，改造老旧小区。",
]


@pytest.fixture(scope="module")
def reranker(tmp_path_factory: pytest.TempPathFactory) -> CrossEncoderReranker:
    """The tiny random-weight cross-encoder, loaded from its directory."""
    path = build_tiny_cross_encoder(tmp_path_factory.mktemp("ce-models") / "tiny-cross-encoder")
    return CrossEncoderReranker(str(path))


def test_name_and_batch_size(reranker: CrossEncoderReranker) -> None:
    assert reranker.name.startswith("cross-encoder:") and reranker.name.endswith("tiny-cross-encoder")
    assert reranker.batch_size == 16


def test_one_float_per_text(reranker: CrossEncoderReranker) -> None:
    scores = reranker.score(QUERY, TEXTS)
    assert len(scores) == len(TEXTS)
    assert all(type(s) is float for s in scores)
    assert reranker.score(QUERY, []) == []


def test_scores_are_deterministic_and_independent_of_neighbours(reranker: CrossEncoderReranker) -> None:
    scores = reranker.score(QUERY, TEXTS)
    assert reranker.score(QUERY, TEXTS) == scores
    assert scores[1] == scores[4]  # the same pair scores the same within a batch
    alone = [reranker.score(QUERY, [text])[0] for text in TEXTS]
    assert alone == pytest.approx(scores, abs=1e-5)


def test_sorting_by_score_is_a_permutation(reranker: CrossEncoderReranker) -> None:
    scores = reranker.score(QUERY, TEXTS)
    order = sorted(range(len(TEXTS)), key=lambda i: scores[i], reverse=True)
    assert sorted(order) == list(range(len(TEXTS)))
    reranked = [TEXTS[i] for i in order]
    assert sorted(reranked) == sorted(TEXTS)
    ranked_scores = [scores[i] for i in order]
    assert ranked_scores == sorted(ranked_scores, reverse=True)


def test_missing_directory_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        CrossEncoderReranker(str(tmp_path / "no-such-reranker"))
