"""Lifecycle fields through real files: a .txt notice and a government .html page marked 已废止, ingested into a real
chromadb index, read back from its document registry; sidecar and front matter overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.formats.html import page_status
from ingest.index.store import open_store as open_index
from ingest.pipeline import ingest_paths, parse_file
from ingest.settings import StoreSettings
from tiny_models import BigramEmbedder

NOTICE = """某某市人民政府办公室关于印发某某市促进中小企业发展若干措施的通知
某政办〔2024〕12号
各县（市、区）人民政府，市人民政府各部门：
现将《某某市促进中小企业发展若干措施》印发给你们，请认真贯彻执行。
一、加大财政支持。市财政每年安排专项资金5000万元。（市财政局负责）
二、降低融资成本。对小微企业贷款给予贴息。（市金融局负责）
三、本措施自印发之日起施行，有效期三年。《某某市扶持中小企业发展办法（试行）》（某政办〔2019〕5号）同时废止。
某某市人民政府办公室
2024年3月1日
"""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="ArticleTitle" content="某某县关于加强农村公路养护管理的通知">
<title>某某县关于加强农村公路养护管理的通知_某某县人民政府</title></head>
<body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zcwj">政策文件</a></li></ul></div>
<div class="main"><div class="article">
  <h1>某某县关于加强农村公路养护管理的通知</h1>
  <div class="info"><span>发布时间：2019-06-10</span><span>来源：县交通运输局</span><span class="sx">已废止</span></div>
  <div class="content">
    <p>各乡镇人民政府，县直各单位：</p>
    <p>一、落实养护责任。各乡镇负责辖区内村道的日常养护，县交通运输局负责县道。</p>
    <p>二、保障养护资金。县财政按每公里每年三千元安排养护补助资金。</p>
    <p>三、本通知自2019年7月1日起实施，有效期至2021年6月30日止。</p>
    <p>某某县人民政府</p><p>2019年6月10日</p>
  </div>
</div></div>
<div class="footer"><p>主办单位：某某县人民政府办公室</p></div>
</body></html>
"""

NOTICE_LIFECYCLE = {
    "doc_number": "某政办〔2024〕12号",
    "date": "2024-03-01",
    "effective_date": "2024-03-01",
    "expiry_date": "2027-02-28",
    "replaces": ["某某市扶持中小企业发展办法（试行）", "某政办〔2019〕5号"],
    "status": "",
    "lifecycle_clause": "三、本措施自印发之日起施行，有效期三年。",
}
PAGE_LIFECYCLE = {
    "effective_date": "2019-07-01",
    "expiry_date": "2021-06-30",
    "replaces": [],
    "status": "repealed",
    "lifecycle_clause": "三、本通知自2019年7月1日起实施，有效期至2021年6月30日止。",
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "notice.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "roads.html").write_text(PAGE, encoding="utf-8")
    return folder


def test_registry_records_carry_the_lifecycle(corpus: Path, tmp_path: Path) -> None:
    embedder = BigramEmbedder()
    store = open_index(StoreSettings(path=str(tmp_path / "index")), embedder.name, embedder.dimension)
    report = ingest_paths([corpus], store, embedder)
    assert not report.failed, [f.error for f in report.failed]
    # Read back through a second handle on the folder: what every other process sees.
    records = open_index(StoreSettings(path=str(tmp_path / "index")), embedder.name, embedder.dimension).documents()
    notice, page = records["notice"], records["roads"]
    assert {k: notice[k] for k in NOTICE_LIFECYCLE} == NOTICE_LIFECYCLE
    assert {k: page[k] for k in PAGE_LIFECYCLE} == PAGE_LIFECYCLE
    assert page["title"] == "某某县关于加强农村公路养护管理的通知"
    for record in (notice, page):
        assert record["lifecycle_clause"] in record["text"]  # the query side finds the clause by its text


def test_dry_run_rows_carry_the_lifecycle(corpus: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-m", "ingest", "--dry-run", "--json", str(corpus / "notice.txt")],
                         cwd=root, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and all({k: row[k] for k in NOTICE_LIFECYCLE if k != "date"}
                        == {k: v for k, v in NOTICE_LIFECYCLE.items() if k != "date"} for row in rows)


@pytest.mark.parametrize(("page", "status"), [
    ('<html><head><meta name="Validity" content="已失效"></head><body><p>正文。</p></body></html>', "repealed"),
    ("<html><body><table><tr><td>时效性：</td><td>失效</td></tr></table><p>正文。</p></body></html>", "repealed"),
    ("<html><body><div>有效性：现行有效</div><p>正文。</p></body></html>", ""),
    ('<html><body><ul><li><a href="/x">已废止</a></li></ul><p>正文。</p></body></html>', ""),  # a menu link
    ("<html><body><p>本办法自2020年1月1日起施行，原办法同时废止。</p></body></html>", ""),
])
def test_page_status(page: str, status: str) -> None:
    assert page_status(page) == status


SIDECAR = {
    "effective_date": "2024-04-01",
    "expiry_date": "2025-03-31",
    "replaces": ["某某市旧办法", "某政〔2018〕1号"],
    "doc_number": "某政办〔2024〕99号",
    "status": "repealed",
}


def test_sidecar_overrides_lifecycle_fields(corpus: Path) -> None:
    (corpus / "notice.meta.json").write_text(json.dumps(SIDECAR, ensure_ascii=False), encoding="utf-8")
    doc = parse_file(corpus / "notice.txt", max_chars=400).documents[0]
    assert {k: getattr(doc, k) for k in SIDECAR} == SIDECAR
    assert doc.lifecycle_clause == NOTICE_LIFECYCLE["lifecycle_clause"]  # inferred, not overridden


def test_sidecar_clears_a_page_mark_and_front_matter_sets_a_list_as_text(corpus: Path) -> None:
    (corpus / "roads.meta.json").write_text('{"status": ""}', encoding="utf-8")
    assert parse_file(corpus / "roads.html", max_chars=400).documents[0].status == ""
    path = corpus / "notice.md"
    path.write_text("---\nreplaces: 某某市旧办法；某政〔2018〕1号\nexpiry_date: 2030-12-31\n---\n" + NOTICE, encoding="utf-8")
    doc = parse_file(path, max_chars=400).documents[0]
    assert (doc.replaces, doc.expiry_date) == (["某某市旧办法", "某政〔2018〕1号"], "2030-12-31")


@pytest.mark.parametrize(("sidecar", "message"), [
    ('{"effective_date": "2024年4月1日"}', "effective_date '2024年4月1日' must be written yyyy-mm-dd"),
    ('{"expiry_date": "2024/4/1"}', "must be written yyyy-mm-dd"),
    ('{"status": "废止"}', "must be 'repealed' or ''"),
    ('{"replaces": ["a", 3]}', "must be text"),
])
def test_bad_lifecycle_overrides_fail_the_file(corpus: Path, sidecar: str, message: str) -> None:
    (corpus / "notice.meta.json").write_text(sidecar, encoding="utf-8")
    result = parse_file(corpus / "notice.txt", max_chars=400)
    assert message in result.error


def test_a_plan_in_force_from_issue_takes_the_date_of_the_notice_that_issues_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("某市人民政府关于印发某市节水行动方案的通知\n各区人民政府：\n现将《某市节水行动方案》印发给你们，"
                    "请认真贯彻执行。\n某市人民政府\n2030年3月1日\n附件\n某市节水行动方案\n一、推进农业节水\n二、推进工业节水\n"
                    "三、本方案自印发之日起施行，有效期2年。\n", encoding="utf-8")
    notice, plan = parse_file(path, max_chars=400).documents
    assert (plan.date, plan.effective_date, plan.expiry_date) == ("2030-03-01", "2030-03-01", "2032-02-29")
    # the notice states nothing of its own: it lives and lapses with the plan it issues
    assert (notice.effective_date, notice.expiry_date) == (plan.effective_date, plan.expiry_date)
    assert notice.lifecycle_clause == plan.lifecycle_clause == "三、本方案自印发之日起施行，有效期2年。"


def test_unrelated_articles_of_one_page_do_not_share_a_lifecycle(tmp_path: Path) -> None:
    path = tmp_path / "articles.txt"
    path.write_text("-\n【某市】某市关于甲的通知\n一、做好甲。\n二、本通知自2030年1月1日起施行。\n"
                    "-\n【某市】某市关于乙的通知\n一、做好乙。\n二、加强乙。\n", encoding="utf-8")
    first, second = parse_file(path, max_chars=400).documents
    assert first.effective_date == "2030-01-01"
    assert second.effective_date == ""
