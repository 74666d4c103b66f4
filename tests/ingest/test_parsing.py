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
from ingest.numbering import enumeration_items
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


# --- every numbering form, in small handwritten documents ------------------------------------

RESTARTING = """关于加快发展数字经济的实施意见
为推动数字经济高质量发展，结合本市实际，提出如下意见。
一、夯实数字基础
（一）建设新型基础设施
1.加快建设5G基站，全年新建基站800个。
2.推进千兆光网覆盖。
（二）建设算力平台
1.建设城市算力中心。
2.发展边缘计算节点。
二、发展数字产业
（一）培育核心产业
1.支持集成电路设计企业发展。
2.培育软件和信息服务龙头企业。
三、组织实施
本意见自2025年1月1日起施行。"""

REGULATION = """某市科技专项资金管理办法
第一章 总则 第一条 为了规范科技专项资金管理，根据有关规定，制定本办法。
第二条【定义】本办法所称专项资金，是指市财政安排用于支持科技创新的资金。
第三条 专项资金的使用应当符合下列原则：
（一）公开透明；
（二）突出重点。
第二章 申报与审批
第四条 申报单位应当符合第二条规定的条件，并依照
第三条规定提交材料。
第五条 资金拨付
市财政部门按照项目进度拨付资金。
第三章 附则
第六条 本办法自2025年3月1日起施行。"""

ITEMS_WITH_SUBITEMS = """关于促进消费的若干措施
一、扩大商品消费
1.开展汽车促销活动，对购车给予补贴：
①新能源汽车每辆补贴3000元；
②燃油汽车每辆补贴2000元。
2.促进家电更新。一是开展以旧换新；二是推广绿色智能家电；三是完善回收网络。
3.发展夜间经济。"""

WORK_REPORT_MD = """# 2024年某县人民政府工作报告

各位代表：

现在，我代表县人民政府向大会报告工作，请予审议。

## 过去一年工作回顾

一年来，全县经济持续向好，地区生产总值增长6%。

## 2025年工作安排

总体要求是稳中求进。一是抓项目；二是抓招商。

### 重点项目建设

全年实施重点项目100个，完成投资200亿元。"""

CLOSING_AND_ATTACHMENTS = """某市促进就业若干措施
为进一步稳定和扩大就业，制定以下措施。
1.加大创业担保贷款支持力度。（市人社局牵头，市财政局配合）
2.扩大公益性岗位规模。
牵头单位：市人社局；责任单位：各县区政府
3.开展职业技能培训，全年培训1万人次（市人社局牵头，市教育局参与），推动就业见习（市团委负责）。
本措施自印发之日起施行，有效期三年。
某市人民政府办公室
2025年1月10日
附件1：重点企业名单
1.甲公司
2.乙公司
附件2：补贴标准"""


@pytest.mark.parametrize(("raw", "markdown", "labels"), [
    pytest.param(RESTARTING, False, ["前言", "一（一）1", "一（一）2", "一（二）1", "一（二）2", "二（一）1", "二（一）2", "结语"],
                 id="numbering-restarts-under-each-heading"),
    pytest.param(REGULATION, False, ["1", "2", "3", "4", "5", "6"], id="chapters-and-articles"),
    pytest.param(ITEMS_WITH_SUBITEMS, False, ["1", "2", "3"], id="circled-and-yi-shi-stay-inside"),
    pytest.param(WORK_REPORT_MD, True, ["导语", "过去一年工作回顾", "2025年工作安排", "重点项目建设"],
                 id="markdown-headings-work-report"),
    pytest.param(CLOSING_AND_ATTACHMENTS, False, ["前言", "1", "2", "3", "结语", "附件1", "附件2"],
                 id="preamble-closing-attachments"),
])
def test_unit_labels(raw: str, markdown: bool, labels: list[str]) -> None:
    assert [m.measure for m in _parse(raw, markdown=markdown)] == labels


def test_restarting_items_keep_their_headings() -> None:
    by_label = {m.measure: m for m in _parse(RESTARTING)}
    assert (by_label["一（二）1"].section, by_label["一（二）1"].subsection) == ("一、夯实数字基础", "（二）建设算力平台")
    assert by_label["一（二）1"].text == "1.建设城市算力中心。"
    assert by_label["一（一）1"].numbered and not by_label["结语"].numbered
    assert by_label["结语"].text == "本意见自2025年1月1日起施行。"


def test_regulation_articles_chapters_and_cross_references() -> None:
    by_label = {m.measure: m for m in _parse(REGULATION)}
    assert by_label["1"].text == "第一条为了规范科技专项资金管理，根据有关规定，制定本办法。"
    assert by_label["1"].section == "第一章总则"
    assert by_label["4"].section == "第二章申报与审批"
    assert by_label["3"].text.endswith("（一）公开透明；\n（二）突出重点。")  # its own list stays inside
    assert by_label["4"].text.endswith("第三条规定提交材料。")  # a cross reference starts no article
    assert by_label["6"].section == "第三章附则"
    assert measure_title(by_label["2"].text) == "定义"
    assert measure_title(by_label["5"].text) == "资金拨付"


def test_articles_carry_a_regulation_whose_attached_catalogue_numbers_more_items() -> None:
    # a regulation of three articles and an attached catalogue of four entries 1., 2., … (handwritten)
    text = "某市计量器具管理办法\n第一条为了加强计量器具管理，制定本办法。\n第二条下列计量器具实行强制检定：\n" \
           "第三条本办法自2020年1月1日起施行。\n附：强制检定的计量器具目录\n1.竹木直尺\n2.砝码\n3.天平\n4.秤"
    by_label = {m.measure: m for m in _parse(text)}
    assert sorted(by_label, key=lambda k: (len(k), k))[:3] == ["1", "2", "3"]
    assert by_label["2"].text.startswith("第二条") and by_label["3"].text.endswith("4.秤")  # the catalogue ends it


def test_a_file_named_by_its_title_joins_the_title_broken_over_two_lines() -> None:
    # the first line has no word of a document's kind: only the file's name tells it begins the title
    raw = "中华人民共和国某某产品\n生产许可证管理条例\n第一条为了加强管理，制定本条例。\n第二条本条例自公布之日起施行。"
    [doc] = split_documents(raw, "中华人民共和国某某产品生产许可证管理条例.txt", "t")
    assert doc.title == "中华人民共和国某某产品生产许可证管理条例" and doc.text.startswith("第一条")
    [doc] = split_documents(raw, "download.txt", "t")  # a file named otherwise: the line with the kind word
    assert doc.title.endswith("生产许可证管理条例")


@pytest.mark.parametrize("source", ["中华人民共和国某某组织境内活动管理法.txt", "download.txt"])
def test_a_national_law_title_broken_over_two_lines_is_read_whole(source: str) -> None:
    # 「中华人民共和国…法」 is a title whether or not the file is named by it; its second line alone is none
    raw = "中华人民共和国某某组织\n境内活动管理法\n第一条为了规范活动，制定本法。\n第二条本法自公布之日起施行。"
    [doc] = split_documents(raw, source, "t")
    assert doc.title == "中华人民共和国某某组织境内活动管理法" and doc.text.startswith("第一条")


def test_circled_items_and_yi_shi_runs_stay_in_their_measure() -> None:
    by_label = {m.measure: m for m in _parse(ITEMS_WITH_SUBITEMS)}
    assert by_label["1"].text.count("\n") == 2 and "②燃油汽车" in by_label["1"].text
    assert [n for n, _ in enumeration_items(by_label["2"].text)] == [1, 2, 3]


def test_markdown_work_report_sections() -> None:
    docs = split_documents(WORK_REPORT_MD, "report.md", "report", markdown=True)
    assert docs[0].title == "2024年某县人民政府工作报告"
    by_label = {m.measure: m for m in parse_document(docs[0])}
    assert by_label["导语"].text.startswith("各位代表：")
    assert (by_label["重点项目建设"].section, by_label["重点项目建设"].subsection) == ("2025年工作安排", "重点项目建设")


def test_units_in_every_form_reach_the_chunks(tmp_path: Path) -> None:
    _, chunks = chunk_text_file(CLOSING_AND_ATTACHMENTS, Path("jobs.txt"), max_chars=WINDOW)
    units = {c.measure: (c.responsible_units, c.lead_units) for c in chunks}
    assert units["1"] == (["市人社局", "市财政局"], ["市人社局"])
    assert units["2"] == (["市人社局", "各县区政府"], ["市人社局"])
    assert units["3"] == (["市人社局", "市教育局", "市团委"], ["市人社局"])
    assert units["结语"] == ([], [])
    closing = next(c for c in chunks if c.measure == "结语")
    assert closing.text.endswith("某市人民政府办公室\n2025年1月10日")
    attachment = next(c for c in chunks if c.measure == "附件1")
    assert attachment.text == "附件1：重点企业名单\n1.甲公司\n2.乙公司"


NOTICE_AND_PLAN = """某市人民政府关于印发某市优化营商环境行动方案的通知
各县（市、区）人民政府，市人民政府各部门：
现将《某市优化营商环境行动方案》印发给你们，请认真贯彻执行。
某市人民政府
2025年2月1日
某市优化营商环境行动方案
为持续优化营商环境，制定本方案。
一、提升政务服务效能
1.推行一网通办。
2.压缩审批时限。
二、强化要素保障
3.保障用地需求。"""

POLICY_AND_ACTION_PLAN = """关于支持制造业高质量发展的若干政策
一、支持企业技术改造
1.对技术改造项目给予补助。
2.支持首台套装备推广应用。
3.支持企业上云。
附件
制造业数字化转型行动计划（2025—2027年）
一、主要目标
1.到2027年，规上工业企业数字化改造全覆盖。
2.培育智能工厂20家。
3.建设工业互联网平台5个。"""


@pytest.mark.parametrize(("raw", "titles", "labels"), [
    pytest.param(NOTICE_AND_PLAN, ["某市人民政府关于印发某市优化营商环境行动方案的通知", "某市优化营商环境行动方案"],
                 [["导语"], ["前言", "1", "2", "3"]], id="notice-then-plan"),
    pytest.param(POLICY_AND_ACTION_PLAN, ["关于支持制造业高质量发展的若干政策", "制造业数字化转型行动计划（2025—2027年）"],
                 [["1", "2", "3"], ["1", "2", "3"]], id="policy-then-action-plan"),
])
def test_two_documents_in_one_file(raw: str, titles: list[str], labels: list[list[str]]) -> None:
    docs = split_documents(raw, "two.txt", "two")
    assert [d.doc_id for d in docs] == ["two-d01", "two-d02"]
    assert [d.title for d in docs] == titles
    assert [[m.measure for m in parse_document(d)] for d in docs] == labels
    assert "附件" not in docs[0].text.split("\n")


NATIONAL_NOTICE_AND_PILOT_PLAN = """国务院办公厅关于印发城市更新试点方案的通知
国办发〔2024〕9号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
《城市更新试点方案》已经国务院同意，现印发给你们，请认真贯彻执行。
国务院办公厅
2024年3月1日
城市更新试点方案
一、试点范围
1.选择济南、青岛、杭州、宁波、成都5个城市开展试点，济南、青岛先行。
2.试点期为两年。
3.试点城市每年报告进展。"""


def test_a_plan_issued_by_a_notice_is_the_notices() -> None:
    notice, plan = split_documents(NATIONAL_NOTICE_AND_PILOT_PLAN, "pilot.txt", "pilot")
    assert (notice.region, notice.issuer, notice.date) == ("全国", "国务院办公厅", "2024-03-01")
    # The plan names pilot cities, most often 济南, but it is the State Council's, dated by its notice.
    assert (plan.region, plan.region_path, plan.issuer, plan.date) == ("全国", notice.region_path, "国务院办公厅",
                                                                       "2024-03-01")


@pytest.mark.parametrize(("raw", "title"), [
    pytest.param("【法宝引证码】CLI.12.4638041\n某省促进中小企业发展条例\n第一条 为了促进中小企业发展，制定本条例。\n"
                 "第二条 本条例适用于本省。", "某省促进中小企业发展条例", id="citation-code"),
    pytest.param("某府办〔2024〕12号\n各市人民政府，各县（市、区）人民政府，省人民政府各部门：\n某省人民政府办公厅\n"
                 "关于进一步优化营商环境的意见\n现就进一步优化营商环境提出如下意见。\n一、总体要求\n二、主要任务",
                 "某省人民政府办公厅关于进一步优化营商环境的意见", id="document-number-and-addressee"),
    pytest.param("各位代表：\n现在，我代表市人民政府，向大会报告工作，请予审议，并请市政协委员和其他列席人员提出意见。\n"
                 "一、过去一年工作回顾\n一年来经济平稳。", "stem", id="salutation"),
    pytest.param("2025年政府工作报告\n——2025年1月10日在某市第十六届人民代表大会第三次会议上\n各位代表：\n现在，我代表市人民政府报告工作。",
                 "2025年政府工作报告", id="report-with-byline"),
    pytest.param("第一章 总则\n第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。", "stem", id="chapter-heading"),
    pytest.param("2024年3月5日\n某市人民政府关于印发某市促进\n数字经济发展实施方案的通知\n各区人民政府：\n现将方案印发给你们。",
                 "某市人民政府关于印发某市促进数字经济发展实施方案的通知", id="date-and-two-line-title"),
    pytest.param("某省人民政府办公厅关于进一步\n加强农村公路养护管理\n切实服务乡村振兴的实施意见\n某政办发〔2023〕5号\n"
                 "各市人民政府：\n一、总体要求",
                 "某省人民政府办公厅关于进一步加强农村公路养护管理切实服务乡村振兴的实施意见", id="three-line-title"),
    pytest.param("下载\n打印\n全屏\n收藏\n【字号：\n加大\n还原\n减小\n】\n2030年某省政府工作报告\n"
                 "——2030年1月20日在某省第三届人民代表大会第四次会议上\n来源：某省日报\n各位代表：\n现在，我代表省人民政府报告工作。",
                 "2030年某省政府工作报告", id="toolbar-chrome-above-title"),
    pytest.param("当前位置：\n首页\n>\n政务信息\n>\n要闻\n>\n正文\n发表时间：\n2030-02-09\n某市规划管理办法\n"
                 "第一条 为了规范规划管理，制定本办法。", "某市规划管理办法", id="breadcrumb-chrome-above-title"),
])
def test_titles(raw: str, title: str) -> None:
    doc = split_documents(raw, "stem.txt", "stem")[0]
    assert doc.title == title
    assert "引证码" not in doc.text


@pytest.mark.parametrize(("raw", "labels"), [
    # a bare section heading whose （一） items follow is their section, not a measure of its own
    pytest.param("某省人民政府关于推进节水工作的意见\n一、总体要求\n（一）指导思想。坚持节水优先。\n（二）主要目标。到2030年用水总量受控。\n"
                 "二、重点任务\n（三）推进农业节水。推广喷灌滴灌。\n三、组织实施\n各地要加强领导，抓好落实。",
                 ["一（一）", "一（二）", "二（三）", "三"], id="bare-headings-over-items"),
    # a heading that carries its own text before the items keeps it as a unit
    pytest.param("某省人民政府关于推进节水工作的意见\n一、总体要求\n节水是生态文明建设的重要内容。\n（一）指导思想。坚持节水优先。\n"
                 "（二）主要目标。到2030年用水总量受控。",
                 ["一", "一（一）", "一（二）"], id="heading-with-its-own-text"),
    # a heading closed by a full stop is still bare when its numbered items follow
    pytest.param("某市节水实施方案\n一、总体要求\n（一）指导思想。坚持节水优先。\n（二）基本原则。\n1.节水优先。把节水放在首位。\n"
                 "2.统筹推进。城乡一体推进。\n3.依法管水。健全节水法规。\n（三）工作目标。到2030年用水总量受控。",
                 ["一（一）", "1", "2", "3", "一（三）"], id="heading-with-full-stop-over-items"),
])
def test_bare_section_headings_are_not_units(raw: str, labels: list[str]) -> None:
    doc = split_documents(raw, "s.txt", "s")[0]
    assert [m.measure for m in parse_document(doc)] == labels


ENUMERATED_REPORT = """2025年某县人民政府工作报告
一、过去一年工作回顾
过去一年，我们主要做了以下工作。
一是稳住经济大盘。地区生产总值增长5%。
二是办好民生实事。新增城镇就业3000人。
二、2026年重点工作
（一）扩大有效需求。围绕投资和消费两端发力。
一要抓项目建设。实施重点项目80个。
二要促进消费。举办消费季活动20场。
（二）保障改善民生。一是稳就业，二是兴教育。"""

SUBSTANTIVE_BEFORE_RUN = """2025年某市人民政府工作报告
一、过去一年工作回顾
过去一年，全市经济稳中有进。地区生产总值增长5.2%，一般公共预算收入增长4%。一年来，我们重点做了以下工作。
一是稳住经济大盘。实施重点项目120个。
二是办好民生实事。新增城镇就业8000人。"""

ENUMERATION_OF_ONE = """某县工作安排
一、重点任务
一是加强组织领导。
各部门要明确分工。"""

LEAD_IN_SECTIONS = """某市推进政务公开试点方案
一、试点范围
确定甲区、乙区作为试点地区。
二、试点任务
试点地区要认真组织实施，重点做好以下工作：
（一）建设统一平台。统一建设市级平台。
（二）完善标准规范。编制平台建设标准。
三、工作要求
各试点地区要高度重视，明确责任分工。
（一）加强领导。成立试点工作小组。
（二）强化保障。落实经费保障。"""

LEAD_IN_BEFORE_ITEMS = """某县就业帮扶措施
为稳定就业，现提出如下措施：
一、加强就业服务
主要措施如下：
1.开展招聘活动。
2.提供职业指导。
二、强化兜底保障
3.开发公益岗位。"""


@pytest.mark.parametrize(("raw", "labels"), [
    pytest.param(ENUMERATED_REPORT, ["一导语", "一 一是", "一 二是", "二（一）导语", "二（一）一要",
                                     "二（一）二要", "二（二）"], id="line-initial-yi-shi-runs-are-units"),
    pytest.param(ENUMERATION_OF_ONE, ["一"], id="a-lone-yi-shi-is-no-run"),
    pytest.param(LEAD_IN_SECTIONS, ["一", "二导语", "二（一）", "二（二）", "三", "三（一）", "三（二）"],
                 id="lead-in-ending-with-a-colon-is-no-measure"),
    pytest.param(LEAD_IN_BEFORE_ITEMS, ["前言", "一导语", "1", "2", "3"], id="lead-in-before-items"),
])
def test_enumerations_and_lead_ins(raw: str, labels: list[str]) -> None:
    measures = _parse(raw)
    assert [m.measure for m in measures] == labels
    by_label = {m.measure: m for m in measures}
    if "一 二是" in by_label:
        assert by_label["一 二是"].text == "二是办好民生实事。新增城镇就业3000人。"
        assert by_label["二（二）"].text.endswith("一是稳就业，二是兴教育。")  # a run inside a paragraph stays


def test_windows_join_back_into_the_text_they_were_cut_from() -> None:
    from ingest.chunking import join_windows, split_window

    text = "".join(f"第{n}项，门楼号按主出入口编排，每个单元编排一个单元号。" for n in range(1, 41))
    windows = split_window(text, 400, 80)
    assert len(windows) >= 3 and join_windows(windows) == text
    assert join_windows(windows[:1]) == windows[0] and join_windows([]) == ""
