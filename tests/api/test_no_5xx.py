"""No question makes the service fail: odd strings (hypothesis) and every dataset question, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import start_service, stop_process, wait_http

DATASETS = Path(__file__).resolve().parents[2] / "eval" / "datasets"
SLOW_HTTP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Valid unicode only (JSON cannot carry lone surrogates), in the shapes users and scanners send.
_PIECES = st.one_of(
    st.sampled_from(["", " ", "\u3000", "\t\n", "？", "。。。", "第条", "呢", "它由谁负责？", "那开封呢？",
                     "第99999999999999999999条", "第〇条", "第一千万条讲什么", "重点工作999999", "2023年",
                     "<script>alert(1)</script>", "'; DROP TABLE measures; --", "{{question}}", "%s%n",
                     "濟源市儲能裝機容量目標是多少？", "😀🚀", "\u200b\u200d\ufeff", "\x00\x01\x1f\x7f",
                     "مرحبا", "Привет", "ｆｕｌｌｗｉｄｔｈ　１２３", "NaN", "-1e309", "【济源市 第46条】", "\\u0000",
                     "济源", "郑州市", "谁负责", "哪些城市", "有哪些措施", "多少", "(((", "*", "OR 1=1", "…" * 10]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So", "Sk"]), max_size=20),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
ODD = st.one_of(
    st.lists(_PIECES, min_size=1, max_size=6).map("".join),
    st.integers(min_value=1000, max_value=3000).map(lambda n: "济源市储能" * n),  # beyond max_question_chars
)
# Dates the request schema's pattern lets through, valid or not (2024-13-45).
DATE = st.none() | st.from_regex(r"\A\d{4}-\d{2}-\d{2}\Z").filter(str.isascii) | st.dates().map(str)
FILTERS = st.fixed_dictionaries({}, optional={"region": ODD, "doc_id": ODD, "unit": ODD, "date_from": DATE,
                                              "date_to": DATE, "in_force": st.none() | st.booleans(), "as_of": DATE})


@pytest.fixture(scope="module")
def server(corpus_index: Path) -> Iterator[str]:
    """The real service under uvicorn, with a rate limit high enough for a property-based test."""
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(corpus_index),
                               "POLICY_RAG_API__RATE_LIMIT_PER_MINUTE": "100000"})
    try:
        wait_http(f"{url}/readyz", timeout=120, proc=proc)
        yield url
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=120) as client:
        yield client


def assert_no_5xx(response: httpx.Response) -> None:
    event(f"HTTP {response.status_code}")  # the status mix, shown by --hypothesis-show-statistics
    assert response.status_code < 500, (response.status_code, response.text[:500])


@SLOW_HTTP
@given(question=ODD, filters=FILTERS, history=st.lists(ODD, max_size=3), stream=st.booleans())
def test_ask_never_fails(http: httpx.Client, question: str, filters: dict[str, str | bool | None], history: list[str],
                         stream: bool) -> None:
    turns = [{"role": "user" if i % 2 == 0 else "assistant", "content": h} for i, h in enumerate(history)]
    body = {"question": question, "history": turns, "filters": filters, "stream": stream}
    assert_no_5xx(http.post("/v1/ask", json=body))


@SLOW_HTTP
@given(follow_up=ODD | st.sampled_from(["第0条呢？", "上一条呢？", "第二条由谁负责？", "那2023年呢？", "还有吗？"]))
def test_odd_follow_up_never_fails(http: httpx.Client, follow_up: str) -> None:
    history = [{"role": "user", "content": "济源市第1条讲什么？"}, {"role": "assistant", "content": "【济源市 第1条】"}]
    assert_no_5xx(http.post("/v1/ask", json={"question": follow_up, "history": history}))


@SLOW_HTTP
@given(query=ODD, filters=FILTERS, top_k=st.integers(min_value=1, max_value=50) | st.integers(-5, 10_000))
def test_search_never_fails(http: httpx.Client, query: str, filters: dict[str, str | bool | None], top_k: int) -> None:
    body = {"query": query, "top_k": top_k, "filters": filters}
    assert_no_5xx(http.post("/v1/search", json=body))


@SLOW_HTTP
@given(earlier=st.lists(st.tuples(st.sampled_from(["system", "user", "assistant"]), ODD), max_size=4),
       question=ODD, stream=st.booleans())
def test_chat_never_fails(http: httpx.Client, earlier: list[tuple[str, str]], question: str, stream: bool) -> None:
    messages = [{"role": r, "content": c} for r, c in earlier] + [{"role": "user", "content": question}]
    body = {"model": "policy-rag", "stream": stream, "messages": messages}
    response = http.post("/v1/chat/completions", json=body)
    assert_no_5xx(response)
    if stream and response.status_code == 200:
        assert "[DONE]" in response.text


@SLOW_HTTP
@given(conversation=ODD, text=ODD)
def test_bot_never_fails(http: httpx.Client, conversation: str, text: str) -> None:
    body = {"conversation_id": conversation, "user_id": "fuzz", "text": text}
    assert_no_5xx(http.post("/v1/bot/messages", json=body))


def dataset_questions() -> list[str]:
    questions = []
    for name in ("dev.jsonl", "real_dev.jsonl"):
        lines = (DATASETS / name).read_text(encoding="utf-8").splitlines()
        questions += [json.loads(line)["question"] for line in lines if line.strip()]
    return questions


def test_every_dataset_question_is_answered(http: httpx.Client) -> None:
    questions = dataset_questions() + ["疫情那会儿洛阳一共派了多少医生护士去武汉帮忙？"]
    assert len(questions) > 100
    failures = []
    for question in questions:
        response = http.post("/v1/ask", json={"question": question})
        if response.status_code != 200:
            failures.append((question, response.status_code, response.text[:200]))
    assert not failures, failures
