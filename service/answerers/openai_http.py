"""One answerer for every OpenAI-compatible chat server: vLLM, Ollama, llama.cpp server, hosted APIs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ingest import ConfigError
from service.errors import BackendError, BackendTimeoutError
from service.answerers.citations import UnverifiedMode
from service.answerers.llm import LLMAnswerer, Message

__all__ = ["OpenAIAnswerer", "iter_sse_deltas"]


def iter_sse_deltas(lines: Iterable[str]) -> Iterator[str]:
    """The text deltas of a chat-completions SSE stream, up to `data: [DONE]`."""
    for raw in lines:
        line = raw.strip()
        if not line.startswith("data:"):
            continue  # blank separators, `event:` lines and `: keep-alive` comments
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return
        event = json.loads(data)
        if event.get("error"):
            raise BackendError(f"The LLM server reported an error in the stream: {event['error']}")
        choices = event.get("choices") or [{}]
        content = (choices[0].get("delta") or {}).get("content")
        if content:
            yield content


class OpenAIAnswerer(LLMAnswerer):
    """Answers through `POST {base_url}/chat/completions`; only base_url, model and key differ per server."""

    name = "openai"
    supports_streaming = True

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        temperature: float = 0.1,
        max_tokens: int = 512,
        transport: httpx.BaseTransport | None = None,
        *,
        connect_timeout: float = 5.0,
        on_unverified: UnverifiedMode = "drop",
        allow_uncited: bool = False,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(on_unverified=on_unverified, allow_uncited=allow_uncited)
        if not base_url:
            raise ConfigError("POLICY_RAG_LLM__BASE_URL is empty; set it to the server's /v1 URL, e.g. http://127.0.0.1:8080/v1.")
        if max_retries < 0:
            raise ConfigError("POLICY_RAG_LLM__MAX_RETRIES must be 0 or more.")
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/chat/completions"
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout), transport=transport,
                                    headers=headers)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> OpenAIAnswerer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _payload(self, messages: Sequence[Message], *, stream: bool) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": list(messages),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "stream": stream,
        }

    def complete(self, messages: Sequence[Message]) -> str:
        """Send chat messages, return the whole reply."""
        response = self._send(self._payload(messages, stream=False), stream=False)
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise BackendError(
                f"The LLM server at {self.url} sent a reply without choices[0].message.content "
                f"({response.text[:200]!r}); check that it speaks the OpenAI chat-completions API."
            ) from exc
        return content if isinstance(content, str) else ""

    def stream_complete(self, messages: Sequence[Message]) -> Iterator[str]:
        """Send chat messages with `stream: true` and yield the SSE text deltas."""
        response = self._send(self._payload(messages, stream=True), stream=True)
        try:
            if response.headers.get("content-type", "").startswith("application/json"):
                response.read()  # a server that ignored `stream` and sent the whole reply
                yield response.json()["choices"][0]["message"]["content"] or ""
                return
            yield from iter_sse_deltas(response.iter_lines())
        except httpx.TimeoutException as exc:
            raise BackendTimeoutError(
                f"The LLM server at {self.url} stalled mid-stream for more than {self.timeout:g} s; "
                "raise POLICY_RAG_LLM__TIMEOUT or use a smaller model."
            ) from exc
        except httpx.TransportError as exc:
            raise BackendError(f"The LLM server at {self.url} broke off the stream ({type(exc).__name__}: {exc}).") from exc
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise BackendError(
                f"The LLM server at {self.url} sent a malformed stream ({exc}); "
                "check that it speaks the OpenAI chat-completions API."
            ) from exc
        finally:
            response.close()

    def _send(self, payload: dict[str, Any], *, stream: bool) -> httpx.Response:
        """POST with retries on 429, 5xx and connection errors; translate failures into BackendError."""
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            try:
                request = self._client.build_request("POST", self.url, json=payload)
                response = self._client.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                # A slow server will not get faster on a retry; fail at once so the fallback can answer.
                raise BackendTimeoutError(
                    f"The LLM server at {self.url} did not answer within {self.timeout:g} s; "
                    "raise POLICY_RAG_LLM__TIMEOUT or use a smaller model."
                ) from exc
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    self._sleep(self._delay(attempt, None))
                    continue
                raise BackendError(
                    f"Cannot reach the LLM server at {self.url} after {attempts} attempt(s) "
                    f"({type(exc).__name__}: {exc}); start the server or fix POLICY_RAG_LLM__BASE_URL."
                ) from exc
            if response.status_code == 200:
                self.calls += 1
                return response
            detail = _error_detail(response)
            status = response.status_code
            if (status == 429 or status >= 500) and attempt + 1 < attempts:
                self._sleep(self._delay(attempt, response.headers.get("retry-after")))
                continue
            raise BackendError(self._status_message(status, detail, attempts))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before the next attempt: Retry-After when given, else exponential; capped."""
        if retry_after:
            seconds = _parse_retry_after(retry_after)
            if seconds is not None:
                return min(max(seconds, 0.0), self.max_backoff)
        return min(self.backoff * 2**attempt, self.max_backoff)

    def _status_message(self, status: int, detail: str, attempts: int) -> str:
        """A sentence naming the URL, what the server said and the setting to fix."""
        where = f"The LLM server at {self.url}"
        if status in (401, 403):
            return f"{where} rejected the request (HTTP {status}: {detail}); set POLICY_RAG_LLM__API_KEY."
        if status == 404:
            return (
                f"{where} answered HTTP 404 ({detail}); POLICY_RAG_LLM__BASE_URL should end in /v1 "
                f"and POLICY_RAG_LLM__MODEL ({self.model!r}) must be a model the server serves."
            )
        if status == 429:
            return f"{where} is rate-limiting (HTTP 429) after {attempts} attempt(s); retry later or raise POLICY_RAG_LLM__MAX_RETRIES."
        if status >= 500:
            return f"{where} failed with HTTP {status} after {attempts} attempt(s) ({detail}); check the server's log."
        return (
            f"{where} rejected the request (HTTP {status}: {detail}); check POLICY_RAG_LLM__MODEL "
            "and that the prompt fits the model's context window."
        )


def _error_detail(response: httpx.Response) -> str:
    """The server's error message, shortened; closes the response."""
    try:
        response.read()
    except httpx.HTTPError:
        return "no body"
    finally:
        response.close()
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or "no body"
    error = body.get("error", body) if isinstance(body, dict) else body
    message = error.get("message", error) if isinstance(error, dict) else error
    return str(message)[:300]


def _parse_retry_after(value: str) -> float | None:
    """Retry-After as seconds, from either delta-seconds or an HTTP date."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None
