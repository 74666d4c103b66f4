"""The OpenAI-compatible chat endpoint and the helpdesk webhook, over real HTTP; the official openai client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import openai
import pytest

from helpers import start_service, stop_process, wait_http


@contextmanager
def client(url: str, key: str = "unused") -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=60) as c:
        yield c


def test_models(live_server: str) -> None:
    with client(live_server) as c:
        assert [m.id for m in c.models.list()] == ["policy-rag"]


def test_plain_completion_carries_citations(live_server: str) -> None:
    with client(live_server) as c:
        completion = c.chat.completions.create(
            model="policy-rag", messages=[{"role": "user", "content": "济源市储能装机容量目标是多少？谁负责？"}])
    text = completion.choices[0].message.content or ""
    assert "25兆瓦" in text and "【济源市 第46条】" in text
    citations = completion.model_extra["citations"]  # type: ignore[index]
    assert [c["ref"] for c in citations] == ["济源市 第46条"]


def test_streaming_completion_keeps_its_citations(live_server: str) -> None:
    with client(live_server) as c:
        stream = c.chat.completions.create(
            model="policy-rag", stream=True, messages=[{"role": "user", "content": "济源市储能装机容量目标是多少？"}])
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "【济源市 第46条】" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert [c["ref"] for c in last.model_extra["citations"]] == ["济源市 第46条"]  # type: ignore[index]


def test_follow_up_uses_the_conversation(live_server: str) -> None:
    with client(live_server) as c:
        completion = c.chat.completions.create(model="policy-rag", messages=[
            {"role": "system", "content": "你是政策问答助手。"},
            {"role": "user", "content": "济源市储能装机容量目标是多少？"},
            {"role": "assistant", "content": "力争储能装机容量达到25兆瓦【济源市 第46条】。"},
            {"role": "user", "content": "它由谁负责？"},
        ])
    text = completion.choices[0].message.content or ""
    assert "发展改革和统计局" in text
    assert "储能" in completion.model_extra["rewritten_question"]  # type: ignore[index]


def test_a_conversation_must_end_with_a_user_message(live_server: str) -> None:
    r = httpx.post(f"{live_server}/v1/chat/completions", timeout=30,
                   json={"model": "policy-rag", "messages": [{"role": "assistant", "content": "你好"}]})
    assert r.status_code == 422 and "user message" in r.json()["detail"]


def bot(url: str, conversation: str, text: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{url}/v1/bot/messages", headers=headers, timeout=60,
                      json={"conversation_id": conversation, "user_id": "u-1", "text": text})


def test_bot_keeps_the_conversation_server_side(live_server: str) -> None:
    first = bot(live_server, "conv-a", "济源市储能装机容量目标是多少？").json()
    assert first["reply"].endswith("来源：济源市 第46条")
    follow = bot(live_server, "conv-a", "它由谁负责？").json()
    assert "发展改革和统计局" in follow["reply"]
    other = bot(live_server, "conv-b", "它由谁负责？").json()  # another conversation has no context
    assert "储能" not in other["rewritten_question"]


def test_bot_refusal_is_plain(live_server: str) -> None:
    body = bot(live_server, "conv-c", "上海市的人才引进政策是什么？").json()
    assert body["refused"] is True and body["reply"] == "文件中没有找到相关内容。"


@pytest.fixture(scope="module")
def keyed_server(corpus_index) -> Iterator[str]:  # type: ignore[no-untyped-def]
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(corpus_index),
                               "POLICY_RAG_API__API_KEYS": '["k-good"]',
                               "POLICY_RAG_API__RATE_LIMIT_PER_MINUTE": "3"})
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        yield url
    finally:
        stop_process(proc)


def test_keys_protect_chat_and_bot(keyed_server: str) -> None:
    r = bot(keyed_server, "c", "储能")
    assert r.status_code == 401 and "API key" in r.json()["detail"]
    r = bot(keyed_server, "c", "储能", key="k-wrong")
    assert r.status_code == 401 and "无效" in r.json()["detail"]
    with client(keyed_server, "k-wrong") as c, pytest.raises(openai.AuthenticationError):
        c.models.list()
    # /v1/ask stays open: keys protect the chat and bot endpoints only.
    assert httpx.post(f"{keyed_server}/v1/ask", json={"question": "储能"}, timeout=60).status_code == 200


def test_rate_limit_gives_429_with_retry_after(keyed_server: str) -> None:
    time.sleep(0.1)
    statuses = [bot(keyed_server, "rl", "储能", key="k-good") for _ in range(4)]
    codes = [r.status_code for r in statuses]
    assert 429 in codes and codes[0] == 200
    limited = statuses[codes.index(429)]
    assert int(limited.headers["Retry-After"]) >= 1
    assert "每分钟" in limited.json()["detail"]
