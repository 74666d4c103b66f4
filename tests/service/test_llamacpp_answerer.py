"""The in-process llama.cpp answerer on the SmolLM2 GGUF, behind the verified fallback wrapper."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.errors import ConfigError, MissingExtraError
from service.errors import BackendError
from service.answerers.base import Answer, Intent, Passage
from service.answerers.guarded import VerifiedAnswerer
from service.answerers.llamacpp import LlamaCppAnswerer

QUESTION = "济源市储能装机容量目标是多少？"


@pytest.fixture(scope="module")
def llamacpp(smollm2_gguf: Path) -> Iterator[LlamaCppAnswerer]:
    """The GGUF loaded once for this module."""
    pytest.importorskip("llama_cpp", reason="needs pip install 'policy-rag[llamacpp]'")
    yield LlamaCppAnswerer(smollm2_gguf, n_ctx=2048, max_tokens=96)


def test_answer(llamacpp: LlamaCppAnswerer, passages: list[Passage], quote_fallback, assert_honest) -> None:  # type: ignore[no-untyped-def]
    before = llamacpp.calls

    answer = VerifiedAnswerer(llamacpp, quote_fallback).answer(QUESTION, passages, Intent())

    assert llamacpp.calls == before + 1  # the model generated
    assert_honest(answer, passages, "llamacpp")


def test_stream(llamacpp: LlamaCppAnswerer, passages: list[Passage], quote_fallback, assert_honest) -> None:  # type: ignore[no-untyped-def]
    before = llamacpp.calls

    items = list(VerifiedAnswerer(llamacpp, quote_fallback).stream(QUESTION, passages, Intent()))

    assert llamacpp.calls == before + 1
    deltas, final = items[:-1], items[-1]
    assert deltas and all(isinstance(d, str) for d in deltas)
    assert isinstance(final, Answer)
    assert_honest(final, passages, "llamacpp")


def test_raw_generation_is_text(llamacpp: LlamaCppAnswerer, passages: list[Passage]) -> None:
    raw = llamacpp.generate(QUESTION, passages)
    streamed = "".join(llamacpp.generate_stream(QUESTION, passages))

    assert isinstance(raw, str) and raw.strip()
    assert streamed.strip()


def test_prompt_longer_than_the_context_falls_back(smollm2_gguf: Path, make_passage, quote_fallback) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("llama_cpp")
    tiny = LlamaCppAnswerer(smollm2_gguf, n_ctx=256, max_tokens=32)
    long_passage = make_passage("济源市 第46条", "加快储能项目建设，力争储能装机容量达到25兆瓦。" * 40)

    with pytest.raises(BackendError, match="POLICY_RAG_LLM__N_CTX"):
        tiny.generate(QUESTION, [long_passage])
    answer = VerifiedAnswerer(tiny, quote_fallback).answer(QUESTION, [long_passage], Intent())

    assert answer.fallback is True


def test_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="POLICY_RAG_LLM__MODEL_PATH"):
        LlamaCppAnswerer(tmp_path / "absent.gguf")


def test_missing_library_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` raise ImportError

    with pytest.raises(MissingExtraError, match=r"pip install 'policy-rag\[llamacpp\]'"):
        LlamaCppAnswerer(model)


@pytest.mark.llm  # loading needs llama-cpp-python
def test_unloadable_file_is_a_config_error(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    model = tmp_path / "broken.gguf"
    model.write_bytes(b"not a gguf file")

    with pytest.raises(ConfigError, match="cannot load"):
        LlamaCppAnswerer(model)
