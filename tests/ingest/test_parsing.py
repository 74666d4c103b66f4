"""The measure parser, table-driven: each corpus seed's quirks, then small synthetic documents."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from ingest.chunking import chunk_text_file, measure_title
from ingest.documents import split_documents
from ingest.loading import read_text
from ingest.models import Chunk, Document, Measure
from ingest.parsing import parse_document
from ingest.pipeline import window_chars

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
WINDOW = window_chars(480)  # the bundled embedder's window, as `python -m ingest` uses it


@cache
def _corpus(prefix: str) -> tuple[list[Document], list[Chunk]]:
    """Documents and chunks of the corpus file whose name starts with `prefix` (parsed once)."""
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    return chunk_text_file(read_text(path), Path(path.name), max_chars=WINDOW)


def _chunks(prefix: str, doc_suffix: str = "") -> list[Chunk]:
    return [c for c in _corpus(prefix)[1] if c.doc_id.endswith(doc_suffix)]


def _measure(prefix: str, measure: str) -> Chunk:
    found = [c for c in _chunks(prefix) if c.measure == measure]
    assert len(found) == 1, f"{prefix} measure {measure}: {len(found)} chunks"
    return found[0]


def _body(text: str) -> str:
    """A measure's text without its number 「46.」."""
    return re.sub(r"^\d{1,3}[.、]", "", text)


# --- the corpus ------------------------------------------------------------------------

@pytest.mark.parametrize(("prefix", "last"), [("000", 20), ("001", 32), ("004", 154)])
def test_numbered_measures_appear_once_in_order(prefix: str, last: int) -> None:
    # A repeated number would come back as 「46-2」: keep those so that duplicates fail the test.
    numbered = [c.measure for c in _chunks(prefix) if c.part == 0 and re.fullmatch(r"\d+(-\d+)?", c.measure)]
    assert numbered == [str(n) for n in range(1, last + 1)]


@pytest.mark.parametrize(("prefix", "last"), [("000", 20), ("001", 32), ("004", 154)])
def test_no_chunk_runs_into_the_next_measure(prefix: str, last: int) -> None:
    chunks = _chunks(prefix)
    first = {c.measure: c for c in chunks if c.part == 0}
    for n in range(1, last):
        following = _body(first[str(n + 1)].text)[:15]
        for chunk in (c for c in chunks if c.measure == str(n)):
            assert following not in chunk.text, f"measure {n} contains the start of measure {n + 1}"


@pytest.mark.parametrize(("prefix", "measure", "expected"), [
    ("004", "46", {
        "region": "济源市",
        "responsible_units": ["发展改革和统计局", "工业信息和科技局"],
        "subsection": "（一）全面推进产业集群建设",
        "measure_label": "济源市 第46条",
    }),
    ("004", "20", {"lead_units": ["发展改革和统计局"], "section": "三、突出扩大需求，在稳定经济态势上持续发力"}),
    ("004", "154", {"date": "2024-06-27", "responsible_units": ["网络和信息化委员会办公室"]}),
    ("000", "14", {"region": "开封市", "date": "2024-09-06", "responsible_units": ["市商务局"], "lead_units": []}),
    ("000", "1", {"section": "一、持续强化产业链群培育", "measure_title": "做强“7+10+N”产业链群"}),
])
def test_measure_metadata(prefix: str, measure: str, expected: dict[str, object]) -> None:
    chunk = _measure(prefix, measure)
    assert {key: getattr(chunk, key) for key in expected} == expected


def test_004_measure_46_sits_in_section_four() -> None:
    assert _measure("004", "46").section.startswith("四、突出集群发展")


@pytest.mark.parametrize(("prefix", "measure", "phrase"), [
    ("001", "3", "开展科技型企业债券融资培育行动"),  # 「开\n\n展…」: a page break split the word
    ("004", "79", "79.6月底前完成城市体检"),
    ("004", "139", "新增技能人才1.5万人以上"),
])
def test_measure_text_is_whole(prefix: str, measure: str, phrase: str) -> None:
    assert phrase in _measure(prefix, measure).text


def test_004_preface_is_kept_apart_from_the_measures() -> None:
    docs, chunks = _corpus("004")
    assert len(docs) == 1
    assert docs[0].preface.startswith("7月17日")
    assert docs[0].date == "2024-06-27"
    assert not any("7月17日" in c.text for c in chunks)
    # The preface quotes measure 46 word for word; only measure 46 itself may hold that text.
    holders = {c.measure for c in chunks if "能源新能源产业围绕氢能" in c.text}
    assert holders == {"46"}


def test_004_signature_date_is_not_part_of_the_last_measure() -> None:
    assert "2024年6月27日" not in _measure("004", "154").text


def test_002_is_split_by_its_key_tasks() -> None:
    chunks = _chunks("002")
    units = list(dict.fromkeys(c.measure for c in chunks))
    assert units == [f"重点工作{n}" for n in range(1, 11)]
    assert {c.measure: c.measure_label for c in chunks} == {f"重点工作{n}": f"郑州市 重点工作{n}" for n in range(1, 11)}


def test_003_multi_article_page_gives_ten_clean_documents() -> None:
    docs, chunks = _corpus("003")
    assert len(docs) == 10
    assert all(d.title and not d.title.startswith(("【", "003_")) for d in docs)
    for junk in ("点我投稿", "联系我们", "企业入驻", "来源"):
        assert not any(junk in d.title or junk in d.text for d in docs), junk
        assert not any(junk in c.text for c in chunks), junk


@pytest.mark.parametrize(("doc_suffix", "region", "unit"), [("-a01", "尉氏县", "三（一）"), ("-a02", "洛阳市", "一（一）")])
def test_003_work_reports_are_chunked_by_their_units(doc_suffix: str, region: str, unit: str) -> None:
    chunks = _chunks("003", doc_suffix)
    assert {(c.region, c.doc_type) for c in chunks} == {(region, "work_report")}
    assert unit in {c.measure for c in chunks}
    assert all(re.fullmatch(r"导语|[一二三四五六七八九十]+(（[一二三四五六七八九十]+）)?", c.measure) for c in chunks)
    labelled = next(c for c in chunks if c.measure == unit)
    assert labelled.measure_label.endswith(f" {unit}")
    for chunk in chunks:
        header = "｜".join(p for p in (chunk.region, chunk.doc_title, chunk.section, chunk.subsection) if p)
        assert chunk.embed_text == f"{header}\n{chunk.text}"
        assert len(chunk.text) <= WINDOW, chunk.chunk_id
    assert any(c.parts > 1 for c in chunks)  # long units really were windowed


# --- synthetic documents ----------------------------------------------------------------

TITLE = "关于印发测试若干措施的通知"
_FIRST_78 = "\n".join(f"{n}.第{n}项措施内容。（市商务局负责）" for n in range(1, 79))
_MEASURE_79 = "79.6月底前完成城市体检，9月底前完成城市更新专项规划编制。（市住房城乡建设局负责）"


def _parse(raw: str, *, markdown: bool = False) -> list[Measure]:
    docs = split_documents(raw, "test.md" if markdown else "test.txt", "test", markdown=markdown)
    assert len(docs) == 1
    return parse_document(docs[0])


# Each row: the raw text, markdown or not, every unit label in order, and (section, subsection, text) of some.
SYNTHETIC = [
    pytest.param(
        f"{TITLE}\n一、总体要求\n{_FIRST_78}\n{_MEASURE_79}\n80.第80项措施内容。", False,
        [str(n) for n in range(1, 81)],
        {"79": ("一、总体要求", "", _MEASURE_79), "80": ("一、总体要求", "", "80.第80项措施内容。")},
        id="measure-79-starting-with-a-month",
    ),
    pytest.param(
        f"{TITLE} 一、总体要求 {_FIRST_78.replace(chr(10), ' ')} {_MEASURE_79} 80.第80项措施内容。", False,
        [str(n) for n in range(1, 81)],
        {"78": ("一、总体要求", "", "78.第78项措施内容。（市商务局负责）"), "79": ("一、总体要求", "", _MEASURE_79)},
        id="measure-79-starting-with-a-month-one-line",
    ),
    pytest.param(
        f"{TITLE}\n一、总体要求\n" + "\n".join(f"{n}.第{n}项措施。" for n in range(1, 12))
        + "\n12.实施技能提升行动，全年新增技能人才\n1.5万人以上。\n13.第13项措施。", False,
        [str(n) for n in range(1, 14)],
        {"12": ("一、总体要求", "", "12.实施技能提升行动，全年新增技能人才\n1.5万人以上。")},
        id="decimal-line-inside-measure-12",
    ),
    pytest.param(
        f"{TITLE}\n1.甲项措施。\n2.乙项措施。\n第3条规定的情形除外。\n3.丙项措施。", False,
        ["1", "2", "3"],
        {"2": ("", "", "2.乙项措施。\n第3条规定的情形除外。")},
        id="article-cross-reference",
    ),
    pytest.param(
        f"{TITLE} 1.甲项措施。 2.乙项措施，依照 第3条规定执行。 3.丙项措施。", False,
        ["1", "2", "3"],
        {"2": ("", "", "2.乙项措施，依照第3条规定执行。")},
        id="article-cross-reference-one-line",
    ),
    pytest.param(
        f"{TITLE} 一、总体要求 1.甲项措施。 2.乙项措施。 二、重点任务 3.丙项措施。 4.丁项措施。", False,
        ["1", "2", "3", "4"],
        {"1": ("一、总体要求", "", "1.甲项措施。"), "2": ("一、总体要求", "", "2.乙项措施。"),
         "3": ("二、重点任务", "", "3.丙项措施。")},
        id="one-line-with-sections",
    ),
    pytest.param(
        f"{TITLE}\n一、总体要求\n（一）第一小节\n1.甲项措施。\n2.乙项措施。\n(二)第二小节\n3.丙项措施。", False,
        ["1", "2", "3"],
        {"2": ("一、总体要求", "（一）第一小节", "2.乙项措施。"), "3": ("一、总体要求", "（二）第二小节", "3.丙项措施。")},
        id="mixed-width-subsection-parentheses",
    ),
    pytest.param(
        f"{TITLE}\n一、总体要求\n1、甲项措施。\n2、乙项措施。\n3、丙项措施。", False,
        ["1", "2", "3"],
        {"3": ("一、总体要求", "", "3、丙项措施。")},
        id="comma-numbering",
    ),
    pytest.param(
        "测试管理办法\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。\n第三条 依照第二条规定执行。\n"
        "第四条 各单位按职责分工负责。\n第五条 本办法自发布之日起施行。", False,
        ["1", "2", "3", "4", "5"],
        {"3": ("", "", "第三条依照第二条规定执行。"), "5": ("", "", "第五条本办法自发布之日起施行。")},
        id="articles",
    ),
    pytest.param(
        f"# {TITLE}\n\n## 一、总体要求\n\n1.持续优化科技金融服务，配合建立全市科技型企业名录库，开\n\n"
        "展科技型企业债券融资培育行动。\n\n2.持续推进产业集群建设，力争全年新增规上工业企业十家。\n\n"
        "下半年组织供需对接活动两场以上。\n\n3.丙项措施。", True,
        ["1", "2", "3"],
        {"1": ("一、总体要求", "", "1.持续优化科技金融服务，配合建立全市科技型企业名录库，开展科技型企业债券融资培育行动。"),
         "2": ("一、总体要求", "", "2.持续推进产业集群建设，力争全年新增规上工业企业十家。\n下半年组织供需对接活动两场以上。")},
        id="markdown-page-break",
    ),
    pytest.param(
        f"{TITLE}\n一、总体要求\n1．甲项措施(市商务局负责)\n２．乙项措施,覆盖1,000家企业;每天9:30开始\n３.丙项措施增长6.5%!", False,
        ["1", "2", "3"],
        {"1": ("一、总体要求", "", "1.甲项措施（市商务局负责）"),
         "2": ("一、总体要求", "", "2.乙项措施，覆盖1,000家企业；每天9:30开始"),
         "3": ("一、总体要求", "", "3.丙项措施增长6.5%！")},
        id="punctuation-variants",
    ),
]


@pytest.mark.parametrize(("raw", "markdown", "labels", "checks"), SYNTHETIC)
def test_synthetic_documents(raw: str, markdown: bool, labels: list[str],
                             checks: dict[str, tuple[str, str, str]]) -> None:
    measures = [m for m in _parse(raw, markdown=markdown) if m.numbered]
    assert [m.measure for m in measures] == labels
    by_label = {m.measure: m for m in measures}
    assert {k: (by_label[k].section, by_label[k].subsection, by_label[k].text) for k in checks} == checks


def test_measure_79_title_starts_with_the_month() -> None:
    measures = {m.measure: m for m in _parse(f"{TITLE}\n一、总体要求\n{_FIRST_78}\n{_MEASURE_79}")}
    assert measure_title(measures["79"].text).startswith("6月底前")


def test_spans_point_into_the_document_text() -> None:
    docs = split_documents(f"{TITLE}\n一、总体要求\n1.甲项措施。\n2.乙项措施。\n3.丙项措施。", "t.txt", "t")
    for measure in parse_document(docs[0]):
        assert docs[0].text[measure.start:measure.end] == measure.text
