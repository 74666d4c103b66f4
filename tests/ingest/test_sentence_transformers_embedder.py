"""SentenceTransformerEmbedder on a tiny offline BERT: loading, vectors, query instructions and errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

# Before huggingface_hub is imported, so nothing below can wait on the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tiny_models import build_tiny_sentence_transformer

from ingest.index.embedders import build_embedder
from ingest.index.embedders.sentence_transformers import (
    BGE_EN_INSTRUCTION,
    BGE_ZH_INSTRUCTION,
    E5_INSTRUCT_QUERY,
    SentenceTransformerEmbedder,
    query_prefixes,
)
from ingest.errors import ConfigError, MissingExtraError

TEXTS = ["济源市第46条：加快建设先进制造业集群。", "推进城市更新行动", "优化营商环境 2024"]


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two copies of the same tiny model: one named like bge-zh, one with a neutral name."""
    root = tmp_path_factory.mktemp("st-models")
    return {
        "bge": build_tiny_sentence_transformer(root / "tiny-bge-small-zh-v1.5"),
        "plain": build_tiny_sentence_transformer(root / "tiny-plain"),
    }


@pytest.fixture(scope="module")
def bge(model_dirs: dict[str, Path]) -> SentenceTransformerEmbedder:
    """The bge-named tiny model, loaded through the registry."""
    return build_embedder("sentence-transformers", str(model_dirs["bge"]))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def plain(model_dirs: dict[str, Path]) -> SentenceTransformerEmbedder:
    """The neutral-named tiny model (same weights), which gets no prefixes."""
    return SentenceTransformerEmbedder(str(model_dirs["plain"]))


def test_registry_loads_a_local_directory(bge: SentenceTransformerEmbedder, model_dirs: dict[str, Path]) -> None:
    assert isinstance(bge, SentenceTransformerEmbedder)
    assert bge.name == f"sentence-transformers:{model_dirs['bge']}"
    assert bge.dimension == 32
    assert bge.max_chars == 512 - 20
    assert bge.batch_size == 32


def test_passages_are_normalised_float32_rows(bge: SentenceTransformerEmbedder) -> None:
    vectors = bge.embed_passages(TEXTS)
    assert vectors.shape == (len(TEXTS), bge.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_query_is_a_normalised_float32_vector(bge: SentenceTransformerEmbedder) -> None:
    vector = bge.embed_query("先进制造业有哪些措施？")
    assert vector.shape == (bge.dimension,)
    assert vector.dtype == np.float32
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_no_passages_give_an_empty_matrix(bge: SentenceTransformerEmbedder) -> None:
    vectors = bge.embed_passages([])
    assert vectors.shape == (0, bge.dimension)
    assert vectors.dtype == np.float32


def test_identical_texts_give_identical_vectors(bge: SentenceTransformerEmbedder) -> None:
    vectors = bge.embed_passages([TEXTS[0], TEXTS[1], TEXTS[0]])
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    np.testing.assert_allclose(bge.embed_passages([TEXTS[0]])[0], vectors[0], atol=1e-6)
    np.testing.assert_array_equal(bge.embed_query(TEXTS[1]), bge.embed_query(TEXTS[1]))
    assert not np.allclose(vectors[0], vectors[1])


def test_bge_instruction_changes_queries_but_not_passages(
    bge: SentenceTransformerEmbedder, plain: SentenceTransformerEmbedder
) -> None:
    text = TEXTS[0]
    # Same weights: passages agree, and the bge query equals the plain model on the instructed text.
    np.testing.assert_allclose(bge.embed_passages([text]), plain.embed_passages([text]), atol=1e-6)
    np.testing.assert_allclose(bge.embed_query(text), plain.embed_passages([BGE_ZH_INSTRUCTION + text])[0], atol=1e-6)
    assert not np.allclose(bge.embed_query(text), bge.embed_passages([text])[0], atol=1e-3)
    np.testing.assert_allclose(plain.embed_query(text), plain.embed_passages([text])[0], atol=1e-6)


def test_missing_directory_names_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ConfigError, match="does not exist") as info:
        build_embedder("sentence-transformers", str(missing))
    assert str(missing) in str(info.value)
    assert "BAAI/bge-small-zh-v1.5" in str(info.value)


def test_incomplete_directory_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config\.json"):
        SentenceTransformerEmbedder(str(tmp_path))


def test_uncached_hub_model_names_the_fix() -> None:
    import huggingface_hub.constants

    if not huggingface_hub.constants.HF_HUB_OFFLINE:
        pytest.skip("huggingface_hub was imported before HF_HUB_OFFLINE was set; a hub lookup could hang")
    with pytest.raises(ConfigError, match=r"hf download policy-rag-tests/no-such-model") as info:
        SentenceTransformerEmbedder("policy-rag-tests/no-such-model")
    assert "local directory" in str(info.value)


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import raise ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'policy-rag\[sentence-transformers\]'"):
        SentenceTransformerEmbedder("BAAI/bge-small-zh-v1.5")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("BAAI/bge-small-zh-v1.5", (BGE_ZH_INSTRUCTION, "")),
        ("BAAI/bge-large-zh-v1.5", (BGE_ZH_INSTRUCTION, "")),
        ("BAAI/bge-base-zh", (BGE_ZH_INSTRUCTION, "")),
        ("/models/bge-small-zh-v1.5/", (BGE_ZH_INSTRUCTION, "")),
        ("BAAI/bge-m3", ("", "")),
        ("/models/e5-family/bge-m3", ("", "")),  # only the last path component counts
        ("BAAI/bge-small-en-v1.5", (BGE_EN_INSTRUCTION, "")),
        ("intfloat/multilingual-e5-small", ("query: ", "passage: ")),
        ("intfloat/e5-base-v2", ("query: ", "passage: ")),
        ("intfloat/multilingual-e5-large-instruct", (E5_INSTRUCT_QUERY, "")),
        ("shibing624/text2vec-base-chinese", ("", "")),
        ("sentence-transformers/all-MiniLM-L6-v2", ("", "")),
    ],
)
def test_query_prefixes(model: str, expected: tuple[str, str]) -> None:
    assert query_prefixes(model) == expected
