"""OpenAIEmbedder against an in-process fake server (httpx.MockTransport): batching, concurrency, retries, errors.

These are unit tests with a deterministic fake on purpose; tests/api/test_embedding_server.py runs the same
embedder against a real llama.cpp server.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx
import numpy as np
import pytest

from ingest.index.embedders import build_embedder
from ingest.index.embedders.openai_http import PROBE_TEXT, OpenAIEmbedder
from ingest.index.embedders.sentence_transformers import BGE_ZH_INSTRUCTION
from ingest.errors import (EmbedderError, EmbedderTimeoutError, ConfigError, EmbedderUnavailableError,
                           IndexMismatchError)
from ingest.settings import EmbedderSettings

URL = "http://embed.test/v1"
DIM = 8


def _vector(text: str, dim: int = DIM) -> list[float]:
    """A deterministic, unnormalised vector per text (so normalisation is observable)."""
    rng = np.random.default_rng(abs(hash(text)) % 2**32)
    return (rng.normal(size=dim) * 3).tolist()


class FakeServer:
    """Answers /v1/embeddings like an OpenAI-compatible server; scripted failures come first."""

    def __init__(self, failures: list[Callable[[], httpx.Response]] | None = None, dim: int = DIM,
                 delay: float = 0.0) -> None:
        self.failures = list(failures or [])
        self.dim = dim
        self.delay = delay
        self.inputs: list[list[str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/embeddings"
        with self._lock:
            if self.failures:
                return self.failures.pop(0)()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            body = json.loads(request.content)
            texts = body["input"]
            with self._lock:
                self.inputs.append(texts)
            data = [{"object": "embedding", "index": i, "embedding": _vector(t, self.dim)} for i, t in enumerate(texts)]
            return httpx.Response(200, json={"object": "list", "data": data[::-1], "model": body["model"]})
        finally:
            with self._lock:
                self.in_flight -= 1


def _embedder(server: FakeServer, sleeps: list[float] | None = None, **kwargs: object) -> OpenAIEmbedder:
    options: dict[str, object] = {"dimension": DIM, "max_retries": 3}
    options.update(kwargs)
    return OpenAIEmbedder(URL, str(options.pop("model", "test-model")), transport=httpx.MockTransport(server),
                          sleep=(sleeps.append if sleeps is not None else lambda _s: None), **options)  # type: ignore[arg-type]


def test_batches_keep_order_and_are_normalised() -> None:
    server = FakeServer()
    texts = [f"第{i}条 措施" for i in range(70)]
    with _embedder(server, batch_size=16, max_concurrency=1) as embedder:
        vectors = embedder.embed_passages(texts)
    assert [len(b) for b in server.inputs] == [16, 16, 16, 16, 6]
    assert vectors.shape == (70, DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    expected = np.asarray([_vector(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-5)  # the server's reversed `data` order was put right


def test_concurrent_requests_are_bounded() -> None:
    server = FakeServer(delay=0.05)
    texts = [f"文本{i}" for i in range(40)]
    with _embedder(server, batch_size=4, max_concurrency=3) as embedder:
        vectors = embedder.embed_passages(texts)
    assert len(server.inputs) == 10
    assert server.max_in_flight == 3  # parallel, never more than the bound
    expected = np.asarray([_vector(t) for t in texts], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-5)  # order kept across threads


def test_retries_429_and_5xx_with_backoff_then_succeeds() -> None:
    server = FakeServer([
        lambda: httpx.Response(503, json={"error": {"message": "loading"}}),
        lambda: httpx.Response(429, headers={"Retry-After": "2"}, json={"error": "slow down"}),
        lambda: httpx.Response(502, text="bad gateway"),
    ])
    sleeps: list[float] = []
    with _embedder(server, sleeps, backoff=0.5) as embedder:
        vector = embedder.embed_query("问题")
    assert vector.shape == (DIM,)
    assert sleeps == [0.5, 2.0, 2.0]  # exponential, except where the server said how long


def test_connection_errors_are_retried() -> None:
    def refuse() -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    server = FakeServer([refuse, refuse])
    sleeps: list[float] = []
    with _embedder(server, sleeps, backoff=0.1) as embedder:
        assert embedder.embed_query("问题").shape == (DIM,)
    assert sleeps == [0.1, 0.2]


def test_server_down_after_retries_is_a_503_naming_the_url() -> None:
    def refuse() -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    server = FakeServer([refuse] * 4)
    sleeps: list[float] = []
    with _embedder(server, sleeps, max_retries=3) as embedder, pytest.raises(EmbedderUnavailableError) as info:
        embedder.embed_passages(["一", "二"])
    assert len(sleeps) == 3
    assert f"{URL}/embeddings" in str(info.value) and "POLICY_RAG_EMBEDDER__BASE_URL" in str(info.value)
    assert info.value.status_code == 503 and info.value.retryable


def test_persistent_5xx_is_unavailable_and_a_timeout_is_a_503() -> None:
    server = FakeServer([lambda: httpx.Response(500, text="boom")] * 2)
    with _embedder(server, max_retries=1) as embedder, pytest.raises(EmbedderUnavailableError, match="HTTP 500"):
        embedder.embed_query("问题")

    def stall() -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with _embedder(FakeServer([stall] * 2), max_retries=1) as embedder, \
            pytest.raises(EmbedderTimeoutError, match="POLICY_RAG_EMBEDDER__TIMEOUT") as info:
        embedder.embed_passages(["一"])
    assert info.value.status_code == 503 and info.value.retryable and info.value.retry_after >= 1


def test_a_query_that_times_out_is_not_retried_but_passages_are() -> None:
    def stall() -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    sleeps: list[float] = []
    server = FakeServer([stall] * 3)
    with _embedder(server, sleeps, max_retries=3) as embedder:
        with pytest.raises(EmbedderTimeoutError, match="1 attempt"):
            embedder.embed_query("问题")  # someone is waiting: one timeout is the answer
        assert sleeps == [] and len(server.failures) == 2
        assert embedder.embed_passages(["一"]).shape == (1, DIM)  # ingest waits out two more, then succeeds
    assert len(sleeps) == 2


def test_connect_and_read_timeouts_reach_the_client() -> None:
    with OpenAIEmbedder(URL, "m", dimension=DIM, timeout=7, connect_timeout=1.5) as embedder:
        timeout = embedder._client.timeout
    assert (timeout.connect, timeout.read) == (1.5, 7)
    settings = EmbedderSettings(name="openai", base_url=URL, model="m", dimension=DIM, timeout=9, connect_timeout=2)
    built = build_embedder("openai", "m", settings)
    assert (built._client.timeout.connect, built._client.timeout.read) == (2, 9)  # type: ignore[attr-defined]
    built.close()  # type: ignore[attr-defined]


def test_input_type_is_sent_and_the_server_adds_the_prefixes() -> None:
    server = FakeServer()
    seen: list[dict[str, object]] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return server(request)

    with OpenAIEmbedder(URL, "multilingual-e5-small-q4", dimension=DIM, input_type=True,
                        transport=httpx.MockTransport(recording)) as embedder:
        embedder.embed_passages(["一"])
        embedder.embed_query("问题")
    assert [(b["input_type"], b["input"]) for b in seen] == [("passage", ["一"]), ("query", ["问题"])]


@pytest.mark.parametrize(("status", "hint"), [(401, "API_KEY"), (404, "end in /v1"), (400, "MAX_CHARS")])
def test_client_errors_are_not_retried(status: int, hint: str) -> None:
    server = FakeServer([lambda: httpx.Response(status, json={"error": {"message": "nope"}})])
    sleeps: list[float] = []
    with _embedder(server, sleeps) as embedder, pytest.raises(EmbedderError, match=hint) as info:
        embedder.embed_query("问题")
    assert sleeps == [] and "nope" in str(info.value)
    assert not isinstance(info.value, EmbedderUnavailableError)


def test_dimension_is_discovered_once_with_a_probe() -> None:
    server = FakeServer(dim=12)
    with _embedder(server, dimension=None) as embedder:
        assert embedder.dimension == 12
        assert server.inputs == [[PROBE_TEXT]]
        embedder.embed_passages(["甲", "乙"])
    assert len(server.inputs) == 2


def test_a_configured_dimension_needs_no_probe_and_a_different_one_is_a_mismatch() -> None:
    server = FakeServer(dim=12)
    with _embedder(server, dimension=8) as embedder:
        assert server.inputs == []
        with pytest.raises(IndexMismatchError, match="12-dimensional.*said 8.*--rebuild"):
            embedder.embed_query("问题")


def test_name_carries_the_model() -> None:
    with _embedder(FakeServer(), model="BAAI/bge-m3") as embedder:
        assert embedder.name == "openai:BAAI/bge-m3"


@pytest.mark.parametrize(("model", "query", "passage"), [
    ("intfloat/multilingual-e5-large", "query: ", "passage: "),
    ("bge-large-zh-v1.5", BGE_ZH_INSTRUCTION, ""),
    ("BAAI/bge-m3", "", ""),
])
def test_prefixes_follow_the_model(model: str, query: str, passage: str) -> None:
    server = FakeServer()
    with _embedder(server, model=model) as embedder:
        embedder.embed_query("养老服务")
        embedder.embed_passages(["第1条"])
    assert server.inputs == [[query + "养老服务"], [passage + "第1条"]]


def test_prefixes_can_be_configured() -> None:
    server = FakeServer()
    with _embedder(server, model="intfloat/e5-base", query_prefix="", passage_prefix="doc: ") as embedder:
        embedder.embed_query("问")
        embedder.embed_passages(["文"])
    assert server.inputs == [["问"], ["doc: 文"]]


def test_registry_builds_it_from_settings_and_names_missing_settings() -> None:
    with pytest.raises(ConfigError, match="POLICY_RAG_EMBEDDER__BASE_URL"):
        build_embedder("openai", "bge-m3", EmbedderSettings())
    with pytest.raises(ConfigError, match="POLICY_RAG_EMBEDDER__MODEL"):
        build_embedder("openai", settings=EmbedderSettings(base_url=URL))
    with pytest.raises(ConfigError, match="openai"):
        build_embedder("nope")
