"""Operations through a real uvicorn server: /metrics, X-Request-ID and the JSON access log.

The service answers with the openai backend pointed at a closed port, so every answer it gives is the
extractive fallback: that is what moves the fallback counter.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import free_port, start_service, stop_process, wait_http
from prometheus_client.parser import text_string_to_metric_families

from service.main import create_app



@pytest.fixture(scope="module")
def ops_server(corpus_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The service over the session index, its stderr in a file; yields (base URL, log path)."""
    log_path = tmp_path_factory.mktemp("ops") / "service.log"
    with log_path.open("wb") as log:
        proc, url = start_service({
            "POLICY_RAG_STORE__PATH": str(corpus_index),
            "POLICY_RAG_ANSWER__BACKEND": "openai",
            "POLICY_RAG_LLM__BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
            "POLICY_RAG_LLM__MODEL": "absent",
            "POLICY_RAG_LLM__MAX_RETRIES": "0",
        }, stderr=log)
        try:
            wait_http(f"{url}/readyz", timeout=180, proc=proc)
            yield url, log_path
        finally:
            stop_process(proc)


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) → value, parsed by prometheus_client's own parser."""
    r = httpx.get(f"{url}/metrics", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_stages_refusals_and_fallbacks(ops_server: tuple[str, Path]) -> None:
    url, _ = ops_server
    before = _samples(url)
    chunks = httpx.get(f"{url}/readyz", timeout=10).json()["chunks"]
    assert _value(before, "policy_rag_index_chunks") == chunks > 0

    assert httpx.post(f"{url}/v1/search", json={"query": "老旧小区改造"}, timeout=60).status_code == 200
    answered = httpx.post(f"{url}/v1/ask", json={"question": "济源市储能装机容量目标是多少？"}, timeout=60).json()
    assert answered["fallback"] and not answered["refused"]
    refused = httpx.post(f"{url}/v1/ask", json={"question": "上海市的人才引进政策是什么？"}, timeout=60).json()
    assert refused["refused"]
    doc_id = httpx.get(f"{url}/v1/documents", timeout=10).json()[0]["doc_id"]
    assert httpx.get(f"{url}/v1/documents/{doc_id}", timeout=10).status_code == 200
    assert httpx.get(f"{url}/no/such/path", timeout=10).status_code == 404
    assert httpx.post(f"{url}/v1/ask", json={"question": ""}, timeout=10).status_code == 422

    after = _samples(url)

    def moved(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert moved("policy_rag_http_requests_total", method="POST", route="/v1/search", status="200") == 1
    assert moved("policy_rag_http_requests_total", method="POST", route="/v1/ask", status="200") == 2
    assert moved("policy_rag_http_requests_total", method="POST", route="/v1/ask", status="422") == 1
    assert moved("policy_rag_http_requests_total", method="GET", route="/v1/documents/{doc_id}", status="200") == 1
    assert moved("policy_rag_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert moved("policy_rag_http_request_duration_seconds_count", method="POST", route="/v1/search") == 1
    for stage in ("embed", "dense", "lexical"):
        assert moved("policy_rag_stage_duration_seconds_count", stage=stage) >= 3, stage
    for stage in ("retrieve", "answer", "total"):
        assert moved("policy_rag_stage_duration_seconds_count", stage=stage) == 2, stage
    assert moved("policy_rag_refusals_total") == 1
    assert moved("policy_rag_llm_fallbacks_total") == 1
    assert moved("policy_rag_answers_total", backend=answered["backend"]) == 1


def test_request_id_is_echoed_or_generated(ops_server: tuple[str, Path]) -> None:
    url, _ = ops_server
    echoed = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "trace-42.a:b"}, timeout=10)
    assert echoed.headers["x-request-id"] == "trace-42.a:b"
    first, second = (httpx.get(f"{url}/healthz", timeout=10).headers["x-request-id"] for _ in range(2))
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    for insane in ("has space", "x" * 200, "<script>"):
        replaced = httpx.get(f"{url}/healthz", headers={"X-Request-ID": insane}, timeout=10).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", replaced), insane
    errors = httpx.post(f"{url}/v1/ask", json={"question": ""}, headers={"X-Request-ID": "bad-1"}, timeout=10)
    assert errors.status_code == 422 and errors.headers["x-request-id"] == "bad-1"
    with httpx.stream("POST", f"{url}/v1/ask", json={"question": "储能", "stream": True},
                      headers={"X-Request-ID": "stream-1"}, timeout=60) as streamed:
        assert streamed.headers["x-request-id"] == "stream-1"
        assert "event: final" in "".join(streamed.iter_text())


def test_one_json_access_line_per_request(ops_server: tuple[str, Path]) -> None:
    url, log_path = ops_server
    r = httpx.get(f"{url}/v1/documents", headers={"X-Request-ID": "log-check-1"}, timeout=10)
    assert r.status_code == 200
    lines = []
    for _ in range(50):  # the line is written after the last body byte; give the server a moment
        lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()
                 if line.startswith("{") and "log-check-1" in line]
        if lines:
            break
        time.sleep(0.1)
    assert len(lines) == 1
    entry = lines[0]
    assert entry["request_id"] == "log-check-1" and entry["method"] == "GET"
    assert entry["path"] == "/v1/documents" and entry["status"] == 200
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0


def test_an_unexpected_error_is_a_500_that_still_carries_the_request_id(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from service.settings import Settings

    settings = Settings()
    settings.store.path = str(tmp_path / "empty-index")
    app = create_app(settings, runtime=None)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaputt")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "boom-1"
    assert "kaputt" not in r.text and r.json()["detail"]
