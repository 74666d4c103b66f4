"""Which policy is in force, over HTTP: an expired notice and the notice repealing it, indexed by `python -m ingest`
and served by uvicorn (issue 20)."""

from __future__ import annotations

import json
from typing import Any

import httpx

QUESTION = "洛阳市临时救助标准是多少？"
OLD, NEW = "洛阳市城乡居民临时救助办法", "洛阳市城乡居民临时救助实施办法"
REPEALED = "注意：该文件已被《洛阳市城乡居民临时救助实施办法》（洛政办〔2023〕18号）废止。"


def post(url: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}{path}", json=payload, timeout=60)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_document_in_force_ranks_first_and_answers(lifecycle_server: str) -> None:
    results = post(lifecycle_server, "/v1/search", {"query": QUESTION, "top_k": 3})["results"]
    assert [r["doc_title"] for r in results[:2]] == [NEW, OLD]
    assert (results[0]["in_force"], results[0]["effective_date"]) == (True, "2024-01-01")
    assert (results[1]["in_force"], results[1]["expiry_date"]) == (False, "2023-12-31")

    body = post(lifecycle_server, "/v1/ask", {"question": QUESTION})
    assert "3000元" in body["answer"] and "2000元" not in body["answer"] and "注意" not in body["answer"]
    assert [(c["doc_title"], c["in_force"]) for c in body["citations"]] == [(NEW, True)]


def test_an_answer_from_a_document_not_in_force_says_so(lifecycle_server: str) -> None:
    body = post(lifecycle_server, "/v1/ask", {"question": QUESTION, "filters": {"in_force": False}})
    assert "2000元" in body["answer"] and body["answer"].endswith(REPEALED)
    assert [(c["doc_title"], c["in_force"], c["expiry_date"]) for c in body["citations"]] == \
        [(OLD, False, "2023-12-31")]

    chat = post(lifecycle_server, "/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}],
                                                            "filters": {"in_force": False}})
    assert chat["choices"][0]["message"]["content"].endswith(REPEALED)
    assert [c["in_force"] for c in chat["citations"]] == [False]

    bot = post(lifecycle_server, "/v1/bot/messages", {"conversation_id": "lc-1", "user_id": "u", "text": QUESTION})
    assert bot["reply"].endswith(f"来源：{NEW} 第3条") and bot["citations"][0]["in_force"] is True

    # Streaming sends the notice too, and the final event agrees with the text.
    with httpx.stream("POST", f"{lifecycle_server}/v1/ask", timeout=60,
                      json={"question": QUESTION, "filters": {"in_force": False}, "stream": True}) as response:
        events = [json.loads(line[5:]) for line in response.iter_lines() if line.startswith("data:")]
    streamed = "".join(e["text"] for e in events[:-1])
    assert streamed == events[-1]["answer"] and streamed.endswith(REPEALED)


def test_in_force_filter_excludes_the_old_document(lifecycle_server: str) -> None:
    results = post(lifecycle_server, "/v1/search",
                   {"query": QUESTION, "top_k": 10, "filters": {"in_force": True}})["results"]
    assert results and {r["doc_title"] for r in results} == {NEW}
    only_old = post(lifecycle_server, "/v1/search",
                    {"query": QUESTION, "top_k": 10, "filters": {"in_force": False}})["results"]
    assert only_old and {r["doc_title"] for r in only_old} == {OLD}


def test_as_of_2022_flips_the_statuses(lifecycle_server: str) -> None:
    filters = {"as_of": "2022-06-01"}
    results = post(lifecycle_server, "/v1/search", {"query": QUESTION, "top_k": 3, "filters": filters})["results"]
    assert [(r["doc_title"], r["in_force"]) for r in results[:2]] == [(OLD, True), (NEW, False)]
    body = post(lifecycle_server, "/v1/ask", {"question": QUESTION, "filters": filters})
    assert "2000元" in body["answer"] and "注意" not in body["answer"]
    kept = post(lifecycle_server, "/v1/search",
                {"query": QUESTION, "top_k": 10, "filters": {**filters, "in_force": True}})["results"]
    assert {r["doc_title"] for r in kept} == {OLD}


def test_validity_questions_are_answered_from_the_stated_facts(lifecycle_server: str) -> None:
    cases = [
        (f"《{OLD}》现在还有效吗？", f"《{OLD}》自2021年3月1日起施行，有效期至2023年12月31日，已被《{NEW}》（洛政办〔2023〕18号）废止"),
        (f"《{OLD}》有效期到哪一天？", "有效期至2023年12月31日"),
        (f"《{NEW}》哪天起施行？", f"《{NEW}》自2024年1月1日起施行，现行有效"),
        (f"《{NEW}》什么时候开始实施？", "自2024年1月1日起施行"),
        (f"《{NEW}》废止了哪个文件？", f"《{OLD}》（洛政办〔2021〕5号）同时废止"),
    ]
    for question, expected in cases:
        body = post(lifecycle_server, "/v1/ask", {"question": question})
        assert not body["refused"] and expected in body["answer"], (question, body["answer"])
        cited = body["citations"][0]
        assert cited["measure"] == "5" and "施行" in cited["text"], question  # the clause's article is cited
    bot = post(lifecycle_server, "/v1/bot/messages", {"conversation_id": "lc-2", "user_id": "u",
                                                      "text": f"《{OLD}》现在还有效吗？"})
    assert bot["reply"].splitlines()[-1] == f"来源：{OLD} 第5条（已失效）；{NEW} 第5条"
    before = post(lifecycle_server, "/v1/ask", {"question": f"《{OLD}》现在还有效吗？", "filters": {"as_of": "2022-06-01"}})
    assert "现行有效" in before["answer"] and "废止" not in before["answer"]


def test_unknown_and_malformed_lifecycle_filters_get_422(lifecycle_server: str) -> None:
    for filters in ({"as_of": "2022-6-1"}, {"in_force": "maybe"}, {"valid": True}):
        response = httpx.post(f"{lifecycle_server}/v1/search", json={"query": QUESTION, "filters": filters}, timeout=30)
        assert response.status_code == 422, filters
