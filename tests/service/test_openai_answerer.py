"""The OpenAI-compatible answerer and its verified fallback wrapper: unit tests on a fake transport,
integration tests against a real llama.cpp server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from ingest.errors import ConfigError
from service.errors import BackendError, BackendTimeoutError
from service.answerers.base import REFUSAL, Answer, Intent, Passage
from service.answerers.guarded import VerifiedAnswerer
from service.answerers.openai_http import OpenAIAnswerer, iter_sse_deltas

BASE_URL = "http://llm.test/v1"
QUESTION = "济源市储能装机容量目标是多少？"
GOOD = "济源市力争储能装机容量达到25兆瓦【济源市 第46条】。"

Handler = Callable[[httpx.Request], httpx.Response]


def completion(content: str | None) -> httpx.Response:
    """A chat-completions JSON reply."""
    return httpx.Response(200, json={"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


def sse(*deltas: str, done: bool = True) -> httpx.Response:
    """A chat-completions SSE reply carrying the deltas."""
    lines = [": keep-alive", ""]
    for delta in deltas:
        lines += [f"data: {json.dumps({'choices': [{'delta': {'content': delta}}]}, ensure_ascii=False)}", ""]
    if done:
        lines += ["data: [DONE]", ""]
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content="\n".join(lines).encode())


class FakeServer:
    """Deterministic fake of an OpenAI-compatible server, injected as an `httpx.MockTransport`:
    replies are scripted per call, so retries and stream parsing are tested without sockets or time."""

    def __init__(self, *replies: httpx.Response | Exception | Handler) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply(request) if callable(reply) else reply

    def answerer(self, **kwargs: object) -> OpenAIAnswerer:
        """An OpenAIAnswerer wired to this fake, recording sleeps instead of sleeping."""
        options: dict[str, object] = {"max_retries": 2, "sleep": self.sleeps.append, **kwargs}
        return OpenAIAnswerer(BASE_URL, "test-model", transport=httpx.MockTransport(self), **options)  # type: ignore[arg-type]


# --- unit tests: the HTTP client --------------------------------------------------------------


def test_answer_posts_chat_completion_and_verifies(passages: list[Passage]) -> None:
    server = FakeServer(completion(GOOD + "储能达到99兆瓦【济源市 第46条】。"))
    llm = server.answerer(api_key="sk-test", temperature=0.2, max_tokens=64)

    answer = llm.answer(QUESTION, passages, Intent())

    request = server.requests[0]
    body = json.loads(request.content)
    assert str(request.url) == f"{BASE_URL}/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert (body["model"], body["stream"], body["temperature"], body["max_tokens"]) == ("test-model", False, 0.2, 64)
    assert "[1] 【济源市 第46条】" in body["messages"][0]["content"]
    assert QUESTION in body["messages"][0]["content"]
    assert answer.text == GOOD
    assert [c.ref for c in answer.citations] == ["济源市 第46条"]
    assert answer.backend == "openai"
    assert answer.verification is not None and answer.verification.checked == 2
    assert llm.calls == 1


def test_retries_429_respecting_retry_after_then_succeeds(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(429, headers={"Retry-After": "3"}), completion(GOOD))
    llm = server.answerer()

    answer = llm.answer(QUESTION, passages, Intent())

    assert answer.text == GOOD
    assert len(server.requests) == 2
    assert server.sleeps == [3.0]


def test_retry_after_is_capped(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(503, headers={"Retry-After": "3600"}), completion(GOOD))

    server.answerer(max_backoff=5.0).answer(QUESTION, passages, Intent())

    assert server.sleeps == [5.0]


def test_500s_exhausted_raise_backend_error_naming_the_url(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(500, json={"error": {"message": "CUDA out of memory"}}))
    llm = server.answerer(backoff=0.5)

    with pytest.raises(BackendError, match=r"http://llm\.test/v1/chat/completions failed with HTTP 500 after 3") as info:
        llm.answer(QUESTION, passages, Intent())

    assert "CUDA out of memory" in str(info.value)
    assert len(server.requests) == 3
    assert server.sleeps == [0.5, 1.0]  # exponential backoff
    assert llm.calls == 0


def test_connection_errors_are_retried_then_translated(passages: list[Passage]) -> None:
    server = FakeServer(httpx.ConnectError("connection refused"))

    with pytest.raises(BackendError, match="Cannot reach .* fix POLICY_RAG_LLM__BASE_URL"):
        server.answerer(max_retries=1).answer(QUESTION, passages, Intent())

    assert len(server.requests) == 2


def test_timeout_raises_backend_timeout_without_retrying(passages: list[Passage]) -> None:
    server = FakeServer(httpx.ReadTimeout("timed out"))

    with pytest.raises(BackendTimeoutError, match="did not answer within 7 s; raise POLICY_RAG_LLM__TIMEOUT"):
        server.answerer(timeout=7.0).answer(QUESTION, passages, Intent())

    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "POLICY_RAG_LLM__API_KEY"), (404, "POLICY_RAG_LLM__MODEL"), (400, "context window")],
)
def test_client_errors_are_not_retried(passages: list[Passage], status: int, hint: str) -> None:
    server = FakeServer(httpx.Response(status, text="nope"))

    with pytest.raises(BackendError, match=hint):
        server.answerer().answer(QUESTION, passages, Intent())

    assert len(server.requests) == 1


def test_malformed_reply_is_a_backend_error(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(200, json={"object": "error"}))

    with pytest.raises(BackendError, match="without choices"):
        server.answerer().answer(QUESTION, passages, Intent())


def test_empty_base_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="POLICY_RAG_LLM__BASE_URL"):
        OpenAIAnswerer("", "m")


# --- unit tests: SSE streaming ----------------------------------------------------------------


def test_sse_lines_parse_into_deltas_until_done() -> None:
    lines = [
        ": ping",
        "event: message",
        'data: {"choices":[{"delta":{"role":"assistant"}}]}',
        'data: {"choices":[{"delta":{"content":"储能"}}]}',
        "",
        'data:{"choices":[{"delta":{"content":"25兆瓦"}}]}',
        'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}',
        "data: [DONE]",
        'data: {"choices":[{"delta":{"content":"after done"}}]}',
    ]
    assert list(iter_sse_deltas(lines)) == ["储能", "25兆瓦"]


def test_sse_error_event_raises() -> None:
    with pytest.raises(BackendError, match="model crashed"):
        list(iter_sse_deltas(['data: {"error": {"message": "model crashed"}}']))


def test_stream_yields_raw_deltas_then_verified_answer(passages: list[Passage]) -> None:
    deltas = ["济源市力争储能装机容量", "达到25兆瓦", "【济源市 第46条】。", "另有30兆瓦【1】。"]
    server = FakeServer(sse(*deltas))
    llm = server.answerer()

    items = list(llm.stream(QUESTION, passages, Intent()))

    assert items[:-1] == deltas
    final = items[-1]
    assert isinstance(final, Answer)
    assert final.text == GOOD
    assert json.loads(server.requests[0].content)["stream"] is True
    assert llm.calls == 1


def test_stream_retries_before_the_first_byte(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(502), sse(GOOD))

    items = list(server.answerer().stream(QUESTION, passages, Intent()))

    assert items[0] == GOOD and isinstance(items[-1], Answer)
    assert len(server.requests) == 2


def test_stream_from_a_server_that_ignores_stream_true(passages: list[Passage]) -> None:
    server = FakeServer(completion(GOOD))

    items = list(server.answerer().stream(QUESTION, passages, Intent()))

    assert items[0] == GOOD
    assert isinstance(items[-1], Answer) and items[-1].text == GOOD


def test_malformed_stream_is_a_backend_error(passages: list[Passage]) -> None:
    server = FakeServer(httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"data: {not json\n\n"))

    with pytest.raises(BackendError, match="malformed stream"):
        list(server.answerer().stream(QUESTION, passages, Intent()))


def test_condense_rewrites_with_the_condense_prompt() -> None:
    server = FakeServer(completion("独立问题：郑州市重点项目投资目标是多少？\n解释：……"))

    rewritten = server.answerer().condense([("user", "济源市储能目标是多少？"), ("assistant", "25兆瓦。")], "郑州呢？")

    prompt = json.loads(server.requests[0].content)["messages"][0]["content"]
    assert "用户：济源市储能目标是多少？" in prompt and "郑州呢？" in prompt
    assert rewritten == "郑州市重点项目投资目标是多少？"


# --- unit tests: the verified fallback wrapper ------------------------------------------------


def test_verified_answer_is_kept(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(completion(GOOD)).answerer(), quote_fallback)

    answer = answerer.answer(QUESTION, passages, Intent())

    assert (answer.text, answer.fallback, answer.backend) == (GOOD, False, "openai")
    assert quote_fallback.calls == 0


@pytest.mark.parametrize(
    "reply",
    [
        completion("Sure! The answer is 42."),  # garbage: nothing cited
        completion(None),  # no content at all
        completion("储能达到30兆瓦【济源市 第46条】。"),  # a number not in the cited passage
        httpx.Response(500),  # the backend fails
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_model_failures_fall_back_without_raising(passages: list[Passage], quote_fallback, reply) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(reply).answerer(max_retries=1), quote_fallback)

    answer = answerer.answer(QUESTION, passages, Intent())

    assert answer.fallback is True
    assert answer.backend == "quote"
    assert answer.text.endswith("【济源市 第46条】")
    assert quote_fallback.calls == 1


def test_fallback_keeps_what_verification_found(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(completion("储能达到30兆瓦【济源市 第46条】。")).answerer(), quote_fallback)

    answer = answerer.answer(QUESTION, passages, Intent())

    assert answer.verification is not None
    assert answer.verification.checked == 1
    assert "30兆瓦" in answer.verification.dropped[0]


def test_flag_mode_keeps_unverified_numbers(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    raw = "储能达到30兆瓦【济源市 第46条】。"
    answerer = VerifiedAnswerer(FakeServer(completion(raw)).answerer(), quote_fallback, on_unverified="flag")

    answer = answerer.answer(QUESTION, passages, Intent())

    assert (answer.text, answer.fallback) == (raw, False)
    assert answer.verification is not None and answer.verification.dropped


def test_refusal_is_checked_against_the_fallback(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(completion(REFUSAL)).answerer(), quote_fallback)

    answered = answerer.answer(QUESTION, passages, Intent())
    refused = answerer.answer("天气怎么样？", passages, Intent())

    assert answered.fallback is True and answered.refused is False
    assert (refused.text, refused.refused, refused.fallback, refused.backend) == (REFUSAL, True, False, "openai")


def test_no_passages_refuses_without_calling_anyone(quote_fallback) -> None:  # type: ignore[no-untyped-def]
    server = FakeServer(completion(GOOD))

    answer = VerifiedAnswerer(server.answerer(), quote_fallback).answer(QUESTION, [], Intent())

    assert answer.refused is True and answer.text == REFUSAL
    assert server.requests == [] and quote_fallback.calls == 0


def test_stream_failing_before_first_delta_falls_back_silently(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(httpx.ConnectError("refused")).answerer(max_retries=0), quote_fallback)

    items = list(answerer.stream(QUESTION, passages, Intent()))

    final = items[-1]
    assert isinstance(final, Answer) and final.fallback is True
    assert items[:-1] == [final.text]


def test_stream_breaking_midway_ends_with_the_fallback(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    class BrokenStream(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield 'data: {"choices":[{"delta":{"content":"储能"}}]}\n\n'.encode()
            raise httpx.RemoteProtocolError("peer closed connection")

    reply = httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=BrokenStream())
    answerer = VerifiedAnswerer(FakeServer(reply).answerer(), quote_fallback)

    items = list(answerer.stream(QUESTION, passages, Intent()))

    assert items[0] == "储能"
    assert len(items) == 2 and isinstance(items[-1], Answer) and items[-1].fallback is True


def test_stream_final_answer_is_verified(passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    answerer = VerifiedAnswerer(FakeServer(sse("没有出处的话。", GOOD)).answerer(), quote_fallback)

    items = list(answerer.stream(QUESTION, passages, Intent()))

    assert items[:-1] == ["没有出处的话。", GOOD]
    final = items[-1]
    assert isinstance(final, Answer)
    assert (final.text, final.fallback) == (GOOD, False)


# --- integration tests: a real llama.cpp server -----------------------------------------------


def test_real_server_answer(llama_server: str, passages: list[Passage], quote_fallback, assert_honest) -> None:  # type: ignore[no-untyped-def]
    with OpenAIAnswerer(llama_server, "smollm2", timeout=120.0, max_tokens=96) as llm:
        answer = VerifiedAnswerer(llm, quote_fallback).answer(QUESTION, passages, Intent())

        assert llm.calls == 1  # the real server answered over HTTP
    assert_honest(answer, passages, "openai")


def test_real_server_stream(llama_server: str, passages: list[Passage], quote_fallback, assert_honest) -> None:  # type: ignore[no-untyped-def]
    with OpenAIAnswerer(llama_server, "smollm2", timeout=120.0, max_tokens=96) as llm:
        items = list(VerifiedAnswerer(llm, quote_fallback).stream(QUESTION, passages, Intent()))

        assert llm.calls == 1
    deltas, final = items[:-1], items[-1]
    assert deltas and all(isinstance(d, str) for d in deltas)  # the server streamed SSE deltas
    assert isinstance(final, Answer)
    assert_honest(final, passages, "openai")


def test_real_server_complete_and_condense(llama_server: str) -> None:
    with OpenAIAnswerer(llama_server, "smollm2", timeout=120.0, max_tokens=40) as llm:
        reply = llm.complete([{"role": "user", "content": "Say hello."}])
        rewritten = llm.condense([("user", "济源市储能目标是多少？")], "郑州呢？")

    assert isinstance(reply, str) and reply.strip()
    assert rewritten.strip()


def test_endpoint_down_falls_back(closed_port_url: str, passages: list[Passage], quote_fallback) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    llm = OpenAIAnswerer(closed_port_url, "smollm2", timeout=5.0, max_retries=1, backoff=0.05)

    answer = VerifiedAnswerer(llm, quote_fallback).answer(QUESTION, passages, Intent())
    items = list(VerifiedAnswerer(llm, quote_fallback).stream(QUESTION, passages, Intent()))

    assert answer.fallback is True and answer.text.endswith("【济源市 第46条】")
    assert isinstance(items[-1], Answer) and items[-1].fallback is True
    assert llm.calls == 0
    assert time.monotonic() - started < 5.0
