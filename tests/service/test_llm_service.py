"""The service with an LLM backend: /v1/ask through a real llama.cpp OpenAI-compatible server, and with it down."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers import start_service, stop_process, wait_http

QUESTION = "济源市储能装机容量目标是多少？"


def _serve(index: Path, base_url: str) -> tuple[object, str]:
    return start_service({"POLICY_RAG_STORE__PATH": str(index), "POLICY_RAG_ANSWER__BACKEND": "openai",
                          "POLICY_RAG_LLM__BASE_URL": base_url, "POLICY_RAG_LLM__MODEL": "smollm2",
                          "POLICY_RAG_LLM__TIMEOUT": "180", "POLICY_RAG_LLM__MAX_RETRIES": "0"})


@pytest.fixture(scope="module")
def llm_service(corpus_index: Path, llama_server: str) -> Iterator[str]:
    proc, url = _serve(corpus_index, llama_server)
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)  # type: ignore[arg-type]
        yield url
    finally:
        stop_process(proc)  # type: ignore[arg-type]


def assert_grounded(body: dict) -> None:  # type: ignore[type-arg]
    """Whatever the tiny model wrote, what reaches the user is cited and its numbers are in the citations."""
    refs = {c["ref"] for c in body["citations"]}
    for ref in re.findall(r"【([^】]+)】", body["answer"]):
        assert ref in refs, (ref, body)
    if body["refused"]:
        assert body["answer"] == "文件中没有找到相关内容。"
        return
    cited = "".join(c["text"] for c in body["citations"])
    for sentence in re.split(r"(?<=[。！？])", body["answer"]):
        for number in re.findall(r"\d+(?:\.\d+)?", re.sub(r"【[^】]+】", "", sentence)):
            assert number in cited, (number, body)


def test_ask_through_a_real_openai_compatible_server(llm_service: str) -> None:
    r = httpx.post(f"{llm_service}/v1/ask", json={"question": QUESTION}, timeout=300)
    assert r.status_code == 200
    body = r.json()
    assert body["verification"] is not None  # the verifier ran on the model's output
    assert body["backend"].startswith("openai") or (body["fallback"] and body["backend"] == "extractive")
    assert_grounded(body)
    if body["fallback"]:  # nothing the 135M model wrote survived: the extractive answer stands in
        assert "【济源市 第46条】" in body["answer"]


def test_streaming_ask_through_the_model(llm_service: str) -> None:
    with httpx.stream("POST", f"{llm_service}/v1/ask", json={"question": QUESTION, "stream": True}, timeout=300) as r:
        assert r.status_code == 200
        lines = [line for line in r.iter_lines() if line.startswith("data:")]
    final = json.loads(lines[-1][5:])
    assert final["verification"] is not None
    assert_grounded(final)


def test_model_endpoint_down_falls_back_without_an_error(corpus_index: Path) -> None:
    proc, url = _serve(corpus_index, "http://127.0.0.1:9/v1")  # nothing listens on the discard port
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)  # type: ignore[arg-type]
        body = httpx.post(f"{url}/v1/ask", json={"question": QUESTION}, timeout=120).json()
        assert body["fallback"] is True and body["refused"] is False
        assert "25兆瓦" in body["answer"] and "【济源市 第46条】" in body["answer"]
    finally:
        stop_process(proc)  # type: ignore[arg-type]
