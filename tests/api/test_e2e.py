"""End to end: the real service under uvicorn on loopback, called over HTTP with httpx."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest

from helpers import start_service, stop_process, wait_http


def ask(url: str, question: str, **extra: object) -> dict:  # type: ignore[type-arg]
    r = httpx.post(f"{url}/v1/ask", json={"question": question, **extra}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def wait_loaded(url: str, timeout: float = 120) -> httpx.Response:
    """/readyz once the background load has finished (ready, empty or error)."""
    return wait_http(f"{url}/readyz", timeout, ready=lambda r: r.json()["status"] != "loading")


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_numeric_and_responsible_question(live_server: str) -> None:
    body = ask(live_server, "济源市储能装机容量目标是多少？谁负责？")
    assert not body["refused"]
    assert "25兆瓦" in body["answer"]
    assert "【济源市 第46条】" in body["answer"]
    assert "发展改革和统计局" in body["answer"] and "工业信息和科技局" in body["answer"]
    cited = {c["ref"]: c for c in body["citations"]}
    assert "济源市 第46条" in cited
    assert cited["济源市 第46条"]["responsible_units"] == ["发展改革和统计局", "工业信息和科技局"]


def test_every_number_in_an_answer_is_in_its_citations(live_server: str) -> None:
    for question in ["开封市力争全年引进总投资10亿元以上项目多少个？", "安阳全年新增规模以上工业企业多少家？",
                     "济源市新增城镇就业目标是多少？"]:
        body = ask(live_server, question)
        assert not body["refused"], question
        cited_text = "".join(c["text"] for c in body["citations"])
        for n in numbers(body["answer"].split("【")[0]):
            assert n in cited_text, (question, n)


def test_who_is_responsible(live_server: str) -> None:
    body = ask(live_server, "开封市招商引资由哪个单位负责？")
    assert not body["refused"]
    assert "市商务局" in body["answer"]
    assert any(c["ref"] == "开封市 第14条" for c in body["citations"])


def test_cross_document_list(live_server: str) -> None:
    body = ask(live_server, "哪些城市提出发展低空经济？")
    regions = {c["region"] for c in body["citations"]}
    assert {"开封市", "安阳市", "郑州市"} <= regions
    assert body["answer"].count("【") == len(body["citations"])


def test_list_expands_to_the_whole_section(live_server: str) -> None:
    body = ask(live_server, "济源市关于乡村振兴有哪些措施？", top_k=3)
    measures = {c["measure"] for c in body["citations"] if c["region"] == "济源市"}
    assert {str(n) for n in range(58, 75)} <= measures  # section 五 holds measures 58–74, more than top_k


def test_explicit_measure_lookup(live_server: str) -> None:
    body = ask(live_server, "开封市第14条讲什么？")
    assert [c["ref"] for c in body["citations"]] == ["开封市 第14条"]
    assert "招商引资" in body["answer"]
    body = ask(live_server, "郑州重点工作4是什么？")
    assert [c["ref"] for c in body["citations"]] == ["郑州市 重点工作4"]


def test_search_with_filters(live_server: str) -> None:
    r = httpx.post(f"{live_server}/v1/search", json={"query": "老旧小区改造", "top_k": 10,
                                                      "filters": {"region": "济源市"}}, timeout=30)
    assert r.status_code == 200
    results = r.json()["results"]
    assert results and all(x["region"] == "济源市" for x in results)
    r = httpx.post(f"{live_server}/v1/search", json={"query": "项目建设", "top_k": 50,
                                                      "filters": {"unit": "交通运输局", "region": "济源市"}}, timeout=30)
    assert r.json()["results"]
    assert all(any("交通运输局" in u for u in x["responsible_units"]) for x in r.json()["results"])
    r = httpx.post(f"{live_server}/v1/search", json={"query": "经济", "top_k": 50,
                                                      "filters": {"date_from": "2024-09-01", "date_to": "2024-12-31"}},
                   timeout=30)
    assert {x["region"] for x in r.json()["results"]} == {"开封市"}  # only 000 is dated 2024-09-06


@pytest.mark.parametrize("question", ["洛阳市2024年下半年的措施有哪些？", "上海市的人才引进政策是什么？"])
def test_unanswerable_is_refused(live_server: str, question: str) -> None:
    body = ask(live_server, question)
    assert body["refused"] is True
    assert body["answer"] == "文件中没有找到相关内容。"
    assert body["citations"] == []


def test_answerability_is_reported_and_a_caller_may_ask_for_a_stricter_gate(live_server: str) -> None:
    question = "济源市储能装机容量目标是多少？"
    body = ask(live_server, question)
    assert not body["refused"] and 0.0 < body["answerability"] < 1.0
    # the same answer weighed against the caller's own threshold: above its answerability, a refusal
    strict = ask(live_server, question, min_answerability=min(1.0, body["answerability"] + 0.01))
    assert strict["refused"] is True and strict["citations"] == []
    assert strict["answer"] == "文件中没有找到相关内容。"
    assert strict["answerability"] == body["answerability"]  # what refused it
    lenient = ask(live_server, question, min_answerability=0.0)
    assert lenient["answer"] == body["answer"] and lenient["answerability"] == body["answerability"]
    # a measure named is looked up, not weighed
    assert ask(live_server, "济源市第46条是什么？")["answerability"] is None


def test_streaming_ask(live_server: str) -> None:
    with httpx.stream("POST", f"{live_server}/v1/ask", json={"question": "济源市储能装机容量目标是多少？", "stream": True},
                      timeout=60) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line for line in r.iter_lines() if line.startswith("event:") or line.startswith("data:")]
    kinds = [e.split(":", 1)[1].strip() for e in events if e.startswith("event:")]
    assert kinds[0] == "delta" and kinds[-1] == "final"
    final = json.loads(events[-1].split(":", 1)[1])
    assert any(c["ref"] == "济源市 第46条" for c in final["citations"])
    assert final["answerability"] is not None


def test_documents_and_measure_resolution(live_server: str) -> None:
    docs = httpx.get(f"{live_server}/v1/documents", timeout=30).json()
    assert len(docs) == 14  # 4 files + 10 articles of the scraped page
    doc = httpx.get(f"{live_server}/v1/documents/004_1db4aff5efda3015", timeout=30).json()
    assert doc["region"] == "济源市" and "济源市 第46条" in doc["measure_labels"] and doc["preface"]
    assert doc["attachments"] == []  # a text file links no attachments (a saved page's are listed here)
    m = httpx.get(f"{live_server}/v1/documents/004_1db4aff5efda3015/measures/46", timeout=30).json()
    assert m["section"].startswith("四、突出集群发展") and "25兆瓦" in m["text"]
    assert doc["text"][m["span"][0]:m["span"][1]] == m["text"]  # the span locates the measure in its document
    report = httpx.get(f"{live_server}/v1/documents/003_7fe58714293151c5-a01", timeout=30).json()
    long_unit = httpx.get(f"{live_server}/v1/documents/003_7fe58714293151c5-a01/measures/三（九）", timeout=30).json()
    assert report["text"][long_unit["span"][0]:long_unit["span"][1]] == long_unit["text"]  # windows joined back
    assert httpx.get(f"{live_server}/v1/documents/nope", timeout=30).status_code == 404
    assert httpx.get(f"{live_server}/v1/documents/004_1db4aff5efda3015/measures/999", timeout=30).status_code == 404


@pytest.mark.parametrize("payload, fragment", [
    ({"question": ""}, "question"),
    ({"question": "问" * 1001}, "question"),
    ({"question": "储能", "top_k": 0}, "top_k"),
    ({"question": "储能", "top_k": 51}, "top_k"),
    ({"question": "储能", "filters": {"city": "济源"}}, "unknown field"),
    ({"question": "储能", "min_answerability": 1.5}, "min_answerability"),
    ({"question": "储能", "min_answerability": -0.1}, "min_answerability"),
    ({}, "field required"),
])
def test_bad_requests_get_422_with_a_readable_message(live_server: str, payload: dict, fragment: str) -> None:  # type: ignore[type-arg]
    r = httpx.post(f"{live_server}/v1/ask", json=payload, timeout=30)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]
    assert "Traceback" not in r.text


def test_malformed_json(live_server: str) -> None:
    r = httpx.post(f"{live_server}/v1/ask", content=b"{not json", headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["detail"]


def test_health_and_docs(live_server: str) -> None:
    assert httpx.get(f"{live_server}/healthz", timeout=10).json()["status"] == "ok"
    ready = httpx.get(f"{live_server}/readyz", timeout=10).json()
    assert ready["status"] == "ready" and ready["chunks"] > 300
    spec = httpx.get(f"{live_server}/openapi.json", timeout=10).json()
    assert "济源市储能装机容量目标是多少" in json.dumps(spec, ensure_ascii=False)
    assert httpx.get(f"{live_server}/docs", timeout=10).status_code == 200


def test_empty_index_gives_503_with_ingest_hint_and_an_empty_listing(tmp_path: Path, corpus_index: Path) -> None:
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(tmp_path / "empty")})
    try:
        wait_http(f"{url}/healthz", timeout=120, proc=proc)
        ready = wait_loaded(url)
        assert ready.status_code == 503 and ready.json()["status"] == "empty"
        r = httpx.post(f"{url}/v1/ask", json={"question": "储能"}, timeout=30)
        assert r.status_code == 503
        assert "python -m ingest" in r.json()["detail"]
        listing = httpx.get(f"{url}/v1/documents", timeout=30)  # an empty list is the true answer, not an outage
        assert listing.status_code == 200 and listing.json() == []
    finally:
        stop_process(proc)


def test_index_built_with_another_embedder_is_refused(tmp_path: Path, corpus_index: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(corpus_index, copy)
    proc, url = start_service({"POLICY_RAG_STORE__PATH": str(copy), "POLICY_RAG_EMBEDDER__NAME": "sentence-transformers",
                               "POLICY_RAG_EMBEDDER__MODEL": str(tmp_path / "no-such-model")})
    try:
        wait_http(f"{url}/healthz", timeout=120, proc=proc)
        r = wait_loaded(url)
        assert r.status_code == 503 and r.json()["status"] == "error"
        assert "no-such-model" in r.json()["detail"]
    finally:
        stop_process(proc)


def test_bare_follow_up_is_answered_from_the_conversation(live_server: str) -> None:
    first = ask(live_server, "济源市储能装机容量目标是多少？")
    history = [{"role": "user", "content": "济源市储能装机容量目标是多少？"},
               {"role": "assistant", "content": first["answer"]}]
    body = ask(live_server, "由哪些部门负责？", history=history)
    assert not body["refused"], body
    assert "发展改革和统计局" in body["answer"]
    assert "济源市 第46条" in [c["ref"] for c in body["citations"]]
    r = httpx.post(f"{live_server}/v1/bot/messages", timeout=60,
                   json={"conversation_id": "follow-bare", "user_id": "u-9", "text": "济源市储能装机容量目标是多少？"})
    assert r.status_code == 200, r.text
    r = httpx.post(f"{live_server}/v1/bot/messages", timeout=60,
                   json={"conversation_id": "follow-bare", "user_id": "u-9", "text": "由哪些部门负责？"})
    assert "发展改革和统计局" in r.json()["reply"] and "济源市 第46条" in r.json()["reply"]
