"""GET /v1/documents and /v1/documents/{doc_id} give each document's lifecycle, through a real uvicorn server over an
index that `python -m ingest` built from real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import ingest_folder, serving

REGULATION = """某某市城市绿化管理办法
第一条 为了加强城市绿化管理，改善生态环境，制定本办法。
第二条 本市城市规划区内的城市绿化规划、建设、保护和管理，适用本办法。
第三条 本办法自2021年5月1日起施行，有效期五年。《某某市城市绿化管理暂行规定》（某政发〔2015〕8号）同时废止。
"""
REPORT = """某某县2024年工作要点
一、稳定经济增长。全年地区生产总值增长6%左右。
二、持续改善民生。新增城镇就业3000人以上。
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    corpus = tmp_path_factory.mktemp("lifecycle-corpus")
    (corpus / "greening.txt").write_text(REGULATION, encoding="utf-8")
    (corpus / "plan.txt").write_text(REPORT, encoding="utf-8")
    (corpus / "plan.meta.json").write_text('{"status": "repealed", "doc_number": "某政〔2024〕1号"}', encoding="utf-8")
    with serving(ingest_folder(corpus, tmp_path_factory.mktemp("lifecycle-index")), timeout=180) as url:
        yield url


def test_documents_list_and_detail_carry_lifecycle_fields(server: str) -> None:
    listed = {d["doc_id"]: d for d in httpx.get(f"{server}/v1/documents", timeout=30).json()}
    greening, plan = listed["greening"], listed["plan"]
    assert (greening["effective_date"], greening["expiry_date"]) == ("2021-05-01", "2026-04-30")
    assert greening["replaces"] == ["某某市城市绿化管理暂行规定", "某政发〔2015〕8号"]
    assert greening["doc_number"] is None and greening["status"] == ""
    assert greening["lifecycle_clause"] == "第三条本办法自2021年5月1日起施行，有效期五年。"  # the first such sentence
    # A document that states nothing: null dates, an empty list; the sidecar's hand-set fields
    assert (plan["effective_date"], plan["expiry_date"], plan["replaces"]) == (None, None, [])
    assert (plan["status"], plan["doc_number"]) == ("repealed", "某政〔2024〕1号")

    detail = httpx.get(f"{server}/v1/documents/greening", timeout=30).json()
    assert {k: detail[k] for k in greening} == greening
    assert greening["lifecycle_clause"] in detail["text"]
