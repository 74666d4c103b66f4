"""Documents as government websites and crawlers publish them: saved pages with their chrome, crawled text whose
line breaks collapsed to spaces, HTML or markdown saved as .txt. Every fixture here is written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.cleaning import clean_text
from ingest.documents import split_documents
from ingest.formats import reader_for, sniff_suffix
from ingest.formats.html import HtmlReader
from ingest.formats.text import TextReader
from ingest.metadata import NATIONAL, infer_date, infer_region
from ingest.models import Document
from ingest.numbering import match_marker, split_collapsed
from ingest.parsing import parse_document
from ingest.pipeline import parse_file, window_chars
from ingest.units import column_role, responsibility


def _measures(path: Path) -> list[tuple[str, str]]:
    result = parse_file(path, max_chars=window_chars(480))
    assert not result.error, result.error
    return [(c.measure, c.text) for c in result.chunks if c.part == 0]


# --- numbering in collapsed text -----------------------------------------------------------------

@pytest.mark.parametrize(("line", "pieces"), [
    pytest.param("现通知如下：一、总体要求。坚持稳中求进。二、主要任务（一）稳就业。", ["现通知如下：", "一、总体要求。坚持稳中求进。",
                                                          "二、主要任务（一）稳就业。"], id="heading-after-colon-and-full-stop"),
    pytest.param("加强领导；（二）强化保障。（三）严格考核。", ["加强领导；", "（二）强化保障。", "（三）严格考核。"], id="paren-after-semicolon"),
    pytest.param("做好宣传。1.设立专班。2.落实补贴12.5亿元。", ["做好宣传。", "1.设立专班。", "2.落实补贴12.5亿元。"], id="items"),
    pytest.param("为完善管理，制定本细则。第二条为推动落实，明确职责。第三条本细则自发布之日起施行。",
                 ["为完善管理，制定本细则。", "第二条为推动落实，明确职责。", "第三条本细则自发布之日起施行。"], id="articles-without-space"),
    pytest.param("增长5.6%。2.5万人次参加培训。", ["增长5.6%。2.5万人次参加培训。"], id="a-decimal-is-no-item"),
    pytest.param("依照第三条规定执行。第三条所列事项除外。", ["依照第三条规定执行。第三条所列事项除外。"], id="cross-reference-stays"),
    pytest.param("关于做好春耕工作的通知 各县区人民政府： 现将有关事项通知如下。 某市农业农村局 2020年2月7日",
                 ["关于做好春耕工作的通知", "各县区人民政府：", "现将有关事项通知如下。", "某市农业农村局", "2020年2月7日"],
                 id="spaces-between-chinese-were-line-breaks"),
    pytest.param("某县疫情防控公告 某县疫情防控公告 一、全员测温。", ["某县疫情防控公告", "一、全员测温。"], id="title-printed-twice"),
    pytest.param("联系人：张三 【 打印本页】", ["联系人：张三", "【 打印本页】"], id="no-cut-inside-brackets"),
    pytest.param("开户行：工商银行某支行 账 号：2102108009 联系人 田　宁：0771-8095041 新华社记者 摄 天寒地冻，",
                 ["开户行：工商银行某支行", "账号：2102108009", "联系人", "田宁：0771-8095041", "新华社记者", "摄",
                  "天寒地冻，"], id="a-letter-spaced-label-is-one-word"),
    pytest.param("多个办税渠道可选 某市税务局按照“非必须 不窗口”的原则，梳理了办税事项。 专区上线 服务",
                 ["多个办税渠道可选", "某市税务局按照“非必须不窗口”的原则，梳理了办税事项。", "专区上线", "服务"],
                 id="no-cut-inside-a-short-quotation"),
    pytest.param("新华社南宁2月18日电（记者 黄某 李某）记者从18日的发布会上获悉，复工复产有序推进。 下一步 加强保障",
                 ["新华社南宁2月18日电（记者黄某李某）记者从18日的发布会上获悉，复工复产有序推进。", "下一步", "加强保障"],
                 id="no-cut-inside-a-byline"),
])
def test_a_collapsed_line_is_cut_where_lines_were(line: str, pieces: list[str]) -> None:
    assert split_collapsed(line) == pieces


def test_only_very_long_lines_are_treated_as_collapsed() -> None:
    paragraph = "主要包括：（一）稳岗返还；（二）技能培训。"
    assert clean_text(paragraph + "\n" + "其他说明。" * 100) == [paragraph, "其他说明。" * 100]  # a paragraph stays whole
    collapsed = "某市关于稳就业的若干措施 为稳定就业，制定如下措施。" + "".join(
        f"{n}.实施第{n}项就业支持政策，加强组织实施和资金保障，确保政策落实到位，惠及更多企业和劳动者。" for n in range(1, 31))
    lines = clean_text(collapsed)
    assert lines[0] == "某市关于稳就业的若干措施"
    assert [match_marker(line).number for line in lines[2:]] == list(range(1, 31))  # type: ignore[union-attr]


@pytest.mark.parametrize(("line", "kind", "number"), [
    ("第一条为完善管理制度，制定本细则。", "article", 1),
    ("第三十二条所得为人民币以外货币的，按照规定折算。", "article", 32),
    ("第三条所列事项按规定办理。", None, 0),
])
def test_an_article_without_a_space_after_its_number(line: str, kind: str | None, number: int) -> None:
    marker = match_marker(line)
    assert (marker.kind, marker.number) == (kind, number) if kind else marker is None or marker.kind != "article"


def test_a_collapsed_notice_keeps_its_title_measures_issuer_and_signature_date(tmp_path: Path) -> None:
    body = "".join(f"{cn}、{task}。各地要{task}，确保措施落实到位，及时报送工作进展情况。"
                   for cn, task in zip("一二三四五", ["加强组织领导", "落实防控责任", "保障物资供应", "做好宣传引导", "严肃工作纪律"]))
    text = ("某省农业农村厅关于做好春季农业生产工作的通知 各市、县农业农村局： 为做好春季农业生产工作，现就有关事项通知如下： "
            f"{body} 某省农业农村厅 2020年2月17日 【 打印本页】 【 关闭窗口】")
    path = tmp_path / "collapsed.txt"
    path.write_text(text, encoding="utf-8")
    result = parse_file(path, max_chars=window_chars(480))
    doc = result.documents[0]
    assert (doc.title, doc.date, doc.issuer) == ("某省农业农村厅关于做好春季农业生产工作的通知", "2020-02-17", "某省农业农村厅")
    assert [c.measure for c in result.chunks if c.part == 0 and c.measure != "导语"] == ["一", "二", "三", "四", "五"]


# --- web pages as saved ----------------------------------------------------------------------------

_ARTICLES = "".join(
    f'<p style="text-indent:2em"><span style="font-family:宋体">第{cn}条{text}</span></p>\n'
    for cn, text in zip(["一", "二", "三", "四", "五", "六"], [
        "为完善专项资金管理，根据有关规定，结合本市实际，制定本细则。",
        "本细则所称专项资金，是指市财政安排用于支持企业发展的资金。",
        "专项资金的使用应当遵循公开透明、突出重点、注重绩效的原则。",
        "市财政局负责专项资金的预算管理和资金拨付，市工业和信息化局负责项目管理。",
        "申报单位应当对申报材料的真实性负责，不得弄虚作假。",
        "本细则自发布之日起施行，有效期五年。",
    ]))

PAGE = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>某市专项资金管理办法实施细则_某市人民政府门户网站</title>
<meta name="SiteName" content="某市人民政府门户网站">
<meta name="ArticleTitle" content="某市专项资金管理办法实施细则">
<meta name="PubDate" content="2024-03-05 10:20">
<meta name="ContentSource" content="某市财政局">
<meta name="ColumnName" content="政策文件">
</head><body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zc">政策文件</a></div>
<div class="main">
  <h1>某市专项资金管理办法实施细则</h1>
  <div class="info">发布时间：2024-03-05　来源：某市财政局　【字号：大 中 小】</div>
  <div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
  <div id="zoom">
{_ARTICLES}
    <p>附件：<a href="/files/fj1.docx">1.专项资金申报表.docx</a> <a href="/files/fj2.pdf">2.任务分工表.pdf</a></p>
  </div>
  <div class="related"><h3>相关文件</h3><ul>
    <li><a href="/a.html">关于开展2024年度专项资金申报工作的通知。请各单位按时申报，逾期不予受理。</a></li>
    <li><a href="/b.pdf">某市专项资金绩效评价办法</a></li></ul></div>
</div>
<div class="footer">主办：某市人民政府办公室　网站标识码：0000000000。联系我们。</div>
</body></html>"""


def test_a_saved_page_keeps_every_article_its_metadata_and_attachments(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    result = parse_file(path, max_chars=window_chars(480))
    doc = result.documents[0]
    assert doc.title == "某市专项资金管理办法实施细则"
    assert doc.date == "2024-03-05"  # the text states none: the page's PubDate
    assert doc.issuer == "某市财政局"  # the text names none: the page's ContentSource
    assert doc.attachments == ["1.专项资金申报表.docx", "2.任务分工表.pdf"]  # not the related file's link
    assert [c.measure for c in result.chunks if c.measure.isdigit()] == ["1", "2", "3", "4", "5", "6"]
    assert "相关文件" not in doc.text and "分享到" not in doc.text and "网站标识码" not in doc.text


@pytest.mark.parametrize(("html", "page"), [
    pytest.param('<meta name="ArticleTitle" content="标题甲"><meta name="PubDate" content="2019/1/8">'
                 '<meta name="ContentSource" content="某省发展改革委"><meta name="SiteName" content="某省人民政府">',
                 {"title": "标题甲", "date": "2019-01-08", "issuer": "某省发展改革委", "site": "某省人民政府"}, id="meta-tags"),
    pytest.param('<table><tr><td><b>标　题：</b></td><td>某某条例</td><td><b>成文日期：</b></td><td>2018年11月06日</td></tr>'
                 '<tr><td><b>发文机关：</b></td><td>国务院</td><td><b>发文字号：</b></td><td>国令第706号</td></tr></table>',
                 {"title": "某某条例", "signed": "2018-11-06", "date": "2018-11-06", "issuer": "国务院", "number": "国令第706号"},
                 id="disclosure-table"),
    pytest.param('<div class="info">发布时间：2023年12月1日 来源：本网</div>', {"date": "2023-12-01"}, id="info-bar-date"),
    pytest.param('<ul><li>[发文机构] <span>某市发展和改革委员会</span></li><li>[成文日期] <span>2026-03-06</span></li>'
                 '<li>[发文字号] <span>某发改</span><span>〔2026〕</span><span>341号</span></li>'
                 '<li>[废止日期] <span></span></li><li>发布日期：2026-03-09</li></ul>',
                 {"issuer": "某市发展和改革委员会", "signed": "2026-03-06", "number": "某发改〔2026〕341号",
                  "date": "2026-03-09"}, id="labelled-list"),
])
def test_what_a_page_says_about_itself(html: str, page: dict[str, str]) -> None:
    from selectolax.lexbor import LexborHTMLParser

    from ingest.formats.html import page_metadata

    assert page_metadata(LexborHTMLParser(f"<html><head></head><body>{html}<p>正文。</p></body></html>")) == page


TASK_TABLE = """<html><body><div class="content">
<p>某县关于印发2024年重点任务分工方案的通知</p>
<p>各乡镇人民政府，县直各单位：现将重点任务分工印发给你们，请认真贯彻落实。</p>
<p>附件</p><p>重点任务分工表</p>
<table border="1">
<tr><td><p><b>序号</b></p></td><td><p><b>工作任务</b></p></td><td><p><b>牵头单位</b></p></td><td><p><b>配合单位</b></p></td></tr>
<tr><td><p>1</p></td><td><p>新建5G基站300个，实现乡镇全覆盖。</p></td><td><p>县工业和信息化局</p></td><td><p>县财政局、县自然资源局</p></td></tr>
<tr><td><p>2</p></td><td><p>改造老旧小区12个。</p></td><td><p>县住房和城乡建设局</p></td><td><p>各乡镇人民政府</p></td></tr>
<tr><td><p>3</p></td><td><p>新增城镇就业2000人。</p></td><td><p>县人力资源和社会保障局</p></td><td></td></tr>
</table></div></body></html>"""


def test_a_task_division_table_becomes_one_unit_per_task_with_its_units(tmp_path: Path) -> None:
    path = tmp_path / "tasks.html"
    path.write_text(TASK_TABLE, encoding="utf-8")
    result = parse_file(path, max_chars=window_chars(480))
    tasks = [c for c in result.chunks if c.text.startswith(("1.", "2.", "3."))]
    assert [(c.text.split("。")[0], c.lead_units, c.responsible_units) for c in tasks] == [
        ("1.新建5G基站300个，实现乡镇全覆盖", ["县工业和信息化局"], ["县工业和信息化局", "县财政局", "县自然资源局"]),
        ("2.改造老旧小区12个", ["县住房和城乡建设局"], ["县住房和城乡建设局", "各乡镇人民政府"]),
        ("3.新增城镇就业2000人", ["县人力资源和社会保障局"], ["县人力资源和社会保障局"]),
    ]


@pytest.mark.parametrize(("header", "role"), [
    ("牵头单位", "牵头单位"), ("主责部门", "牵头单位"), ("责任单位", "责任单位"), ("指导部门", "责任单位"),
    ("配合单位", "配合单位"), ("协办部门", "配合单位"), ("序号", "number"), ("工作任务", ""), ("完成时限", ""),
])
def test_task_table_columns(header: str, role: str) -> None:
    assert column_role(header) == role


def test_task_lines_are_read_by_the_unit_parser() -> None:
    assert responsibility("1.新建基站。牵头单位：县工信局；配合单位：县财政局、县资源局") == (
        ["县工信局", "县财政局", "县资源局"], ["县工信局"])


# --- text files that are HTML or markdown ------------------------------------------------------------

@pytest.mark.parametrize(("head", "reader"), [
    pytest.param(b"<p>\xe7\xac\xac\xe4\xb8\x80\xe6\x9d\xa1</p>", "html", id="fragment"),
    pytest.param("标题\n<div>正文</div><br><p>一</p><p>二</p><span>三</span>".encode(), "html", id="markup-after-a-line"),
    pytest.param("标题\n正文用 <b> 强调一次。".encode(), "text", id="one-tag-is-no-page"),
    pytest.param("# 标题\n\n**一、总体要求**".encode(), "text", id="markdown"),
])
def test_a_txt_file_is_read_by_what_it_holds(head: bytes, reader: str) -> None:
    assert reader_for(Path("saved.txt"), head).name == reader
    assert sniff_suffix(head, "saved.txt") == (".html" if reader == "html" else ".txt")


def test_html_saved_as_txt_is_read_as_a_page(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(PAGE, encoding="utf-8")
    assert [m for m, _ in _measures(path) if m.isdigit()] == ["1", "2", "3", "4", "5", "6"]


BOLD_REPORT = """---
source: https://example.gov.cn/report.html
title: 2025年政府工作报告
---

——2025年1月14日在某省第十四届人民代表大会第三次会议上

省长 **某某某**

**各位代表：**

现在，我代表省人民政府，向大会报告工作，请予审议。

**一、2024年工作回顾**

过去一年，全省经济运行总体平稳，地区生产总值增长5.2%。

**二、2025年工作安排**

**（一）扩大有效需求。**实施提振消费专项行动。

**（二）发展现代产业。**培育新质生产力。
"""


def test_a_txt_report_with_bold_headings_and_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(BOLD_REPORT, encoding="utf-8")
    loaded = TextReader().read(path.read_bytes(), path.name)
    assert loaded.markdown and loaded.page == {"title": "2025年政府工作报告"} and "source:" not in loaded.text
    result = parse_file(path, max_chars=window_chars(480))
    doc = result.documents[0]
    assert (doc.title, doc.date, doc.region) == ("2025年政府工作报告", "2025-01-14", "")
    assert [c.measure for c in result.chunks if c.part == 0 and c.measure != "导语"] == ["一", "二（一）", "二（二）"]


# --- region and date ------------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "text", "issuer", "paragraphs", "region"), [
    pytest.param("关于河北雄安新区规划的批复", "", "国务院", [], NATIONAL, id="state-council-reply-about-a-place"),
    pytest.param("关于做好保供工作的通知", "湖北、湖南两省要加强协作。湖北要保障供应。", "商务部办公厅", [], NATIONAL,
                 id="ministry-office-names-provinces-in-its-body"),
    pytest.param("关于推进产业发展的实施方案", "河南省各地要抓好落实。郑州市、开封市、洛阳市、新乡市、"
                 "郑州市和许昌市分别建设产业园区。", "", [], "河南省", id="province-naming-its-cities"),
    pytest.param("关于推进老旧小区改造的意见", "开封市要抓好落实。开封市尉氏县、开封市杞县要加快推进，开封市财政予以支持。"
                 "郑州市经验可资借鉴。", "", [], "开封市", id="city-naming-its-counties"),
    pytest.param("政府工作报告", "各位代表：鞍山钢铁公司的建设进展顺利。鞍山、抚顺两地……",
                 "", ["政府工作报告", "——一九五四年九月二十三日在第一届全国人民代表大会第一次会议上"], NATIONAL,
                 id="national-congress-report"),
    pytest.param("政府工作报告", "", "", ["——2025年1月14日在河北省第十四届人民代表大会第三次会议上"], "河北省",
                 id="provincial-congress-report"),
    pytest.param("某县关于加快发展的意见", "", "国务院", [], NATIONAL, id="central-issuer-first"),
])
def test_region_precedence(title: str, text: str, issuer: str, paragraphs: list[str], region: str) -> None:
    assert infer_region(title, text, issuer=issuer, paragraphs=paragraphs) == region


@pytest.mark.parametrize(("site", "region"), [
    ("国家能源局华北监管局", NATIONAL),  # a central body's regional office: not the province its body names most
    ("河北省人民政府", "河北省"),  # a local site: its own place
    ("", "河北省"),  # no site: the places the body names
])
def test_a_central_body_site_makes_a_placeless_document_national(site: str, region: str) -> None:
    text = "国网河北省电力公司、河北省各发电企业：河北南网调峰市场结算按月开展。河北省调负责统计。"
    assert infer_region("华北能源监管局关于规范调峰市场结算流程的通知", text, issuer="华北能源监管局", site=site) == region


@pytest.mark.parametrize(("paragraphs", "date"), [
    pytest.param(["政府工作报告", "——2025年1月14日在某省第十四届人民代表大会第三次会议上", "一、工作回顾"], "2025-01-14",
                 id="delivery-line"),
    pytest.param(["政府工作报告", "（2026年1月20日在某市第十六届人民代表大会第五次会议上）", "一、回顾"], "2026-01-20",
                 id="delivery-line-in-brackets"),
    pytest.param(["政府工作报告", "——一九五四年九月二十三日在第一届全国人民代表大会第一次会议上"], "1954-09-23",
                 id="delivery-line-in-chinese-numerals"),
    pytest.param(["关于做好春耕的通知", "一、抓好春耕。", "二、保障农资。特此通知。某市农业农村局2020年2月7日（此件公开发布）",
                  "联系人：张三", "电话：12345678", "传真：12345679", "邮箱：a@b.cn"], "2020-02-07",
                 id="signature-date-inside-a-line"),
    pytest.param(["各县区人民政府：", "《若干措施》已经市政府同意，现印发给你们。", "2024年9月6日", "（此件公开发布）",
                  "某市若干措施", "一、稳定增长", "1.扩大投资，2024年10月31日前开工。"], "2024-09-06", id="notice-date-above-the-plan"),
])
def test_dates_published_documents_print(paragraphs: list[str], date: str) -> None:
    assert infer_date(paragraphs) == date


# --- titles and structure of published text ------------------------------------------------------

@pytest.mark.parametrize(("raw", "title"), [
    pytest.param("国务院某机制发出通知：切实为基层减负\n关于切实为基层减负的通知\n各省、自治区：\n一、精简会议。", "关于切实为基层减负的通知",
                 id="news-headline-above-the-title"),
    pytest.param("某省医疗保障局\n某省财政厅\n关于延长参保缴费期的通知\n各市州医疗保障局：\n一、延长缴费期。",
                 "关于延长参保缴费期的通知", id="joint-issuers-are-no-title"),
    pytest.param("某市人民政府\n关于加快发展的意见\n各区县：\n一、总体要求。", "某市人民政府关于加快发展的意见", id="single-issuer-joins"),
    pytest.param("国务院办公厅关于全面推行\n行政执法公示制度执法全过程记录制度\n重大执法决定法制审核制度的指导意见\n各省：\n一、总体要求。",
                 "国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见",
                 id="title-over-three-lines"),
    pytest.param("政府工作报告（2025年1月14日在某省第十四届人民代表大会第四次会议上 省长 某某）\n各位代表：\n一、回顾。",
                 "政府工作报告", id="delivery-note-on-the-title-line"),
])
def test_titles_of_published_documents(raw: str, title: str) -> None:
    assert split_documents(raw, "doc.txt", "doc")[0].title == title


@pytest.mark.parametrize(("raw", "title"), [
    pytest.param("关于做好春耕工作的通知各县区人民政府：现将有关事项通知如下。一、抓好春耕。二、保障农资。", "关于做好春耕工作的通知",
                 id="notice"),
    pytest.param("某市人民政府办公室关于印发《某市专项资金管理办法》的通知各区县人民政府：现将办法印发给你们。",
                 "某市人民政府办公室关于印发《某市专项资金管理办法》的通知", id="the-kind-word-inside-brackets-reads-on"),
    pytest.param("某省支持企业复工复产的若干措施为支持企业复工复产，制定如下措施。", "某省支持企业复工复产的若干措施", id="measures"),
    pytest.param("近日，市政府印发了《某市促进消费若干措施》，提出十条措施。", "某市促进消费若干措施", id="news-quotes-the-title"),
])
def test_a_run_together_text_takes_its_title_from_its_opening_words(raw: str, title: str) -> None:
    assert split_documents(raw, "doc.txt", "doc")[0].title == title


def test_an_attachment_listing_sentences_makes_each_a_unit_and_a_list_of_names_does_not() -> None:
    raw = ("某省关于表扬典型经验的通报\n各市人民政府：\n现将典型经验予以通报表扬。\n附件：1.申报表\n2.汇总表\n某省人民政府办公厅\n"
           "2024年1月5日\n附件\n典型经验做法\n1.某市推行“一网通办”，提升政务服务效率。\n2.某县建设产业园区，带动就业增长。\n"
           "3.某区完善养老服务网络，惠及老年人。")
    doc = split_documents(raw, "notice.txt", "notice")
    labels = [m.measure for d in doc for m in parse_document(d)]
    assert [label for label in labels if label.startswith("附件")] == ["附件", "附件", "附件（1）", "附件（2）", "附件（3）"]
    entries = [m for d in doc for m in parse_document(d) if m.measure.startswith("附件（")]
    assert all(m.numbered for m in entries) and entries[0].text.startswith("1.某市推行")


@pytest.mark.parametrize(("raw", "labels"), [
    pytest.param("某县捐赠公告\n一、接收主体\n（一）某县红十字会\n（二）某县慈善总会\n二、捐赠途径\n（一）银行转账。\n1.开户名：某县红十字会。\n"
                 "2.账号：123456。\n3.开户行：某县农村商业银行。\n（二）现场捐赠。",
                 ["一（一）", "一（二）", "1", "2", "3", "二（二）"],
                 id="leaf-headings-are-units"),
    pytest.param("某市实施意见\n一、明确范围\n1.许可复业：超市、药店。\n2.暂缓复业：影院。\n3.须经审批：商场。\n二、倡导监督\n"
                 "广大市民要积极参与监督。", ["1", "2", "3", "二"], id="a-section-without-items-keeps-its-heading"),
    pytest.param("某市通知\n一、做好申报工作。\n二、按时报送材料。\n附件1：申报表.xls\n附件2：汇总表.docx", ["一", "二"],
                 id="attachment-file-links-are-no-units"),
    pytest.param("某市通知\n一、明确范围\n1.超市。\n2.药店。\n3.商场。\n二、本通知自发布之日起执行。\n附件：调价表", ["1", "2", "3", "二", "附件"],
                 id="a-heading-before-the-attachment-is-a-leaf"),
])
def test_units_of_published_notices(raw: str, labels: list[str]) -> None:
    doc = Document(doc_id="d", title="t", text="\n".join(clean_text(raw)[1:]), source="d.txt")
    units = [m for m in parse_document(doc) if m.measure not in ("前言", "导语")]
    assert [m.measure for m in units] == labels
    if "倡导监督" in raw:
        assert units[-1].text.startswith("二、倡导监督")


def test_html_reader_reads_the_page_not_one_paragraph() -> None:
    loaded = HtmlReader().read(PAGE.encode("utf-8"), "page.html")
    assert sum(line.startswith("第") for line in loaded.text.splitlines()) == 6
    assert loaded.page["site"] == "某市人民政府门户网站"


@pytest.mark.parametrize(("text", "units"), [
    pytest.param("一、车型研发激励\n对销量达一定规模的车型给予激励。（责任单位：市经济信息委）", (["市经济信息委"], []), id="labelled"),
    pytest.param("（三）推进装备研发。加强关键技术攻关（工业和信息化部、科技部按职责分工负责）。", ([], []),
                 id="a-parenthesis-in-passing-is-not-read"),
])
def test_a_section_unit_reads_only_labelled_units(text: str, units: tuple[list[str], list[str]]) -> None:
    assert responsibility(text, labels_only=True) == units


def test_a_title_broken_after_its_guanyu_under_an_info_block_is_one_document(tmp_path: Path) -> None:
    path = tmp_path / "rules.html"
    path.write_text(
        '<html><head><meta name="ArticleTitle" content="某局关于印发《某某注册基本规则》的通知">'
        '<meta name="PubDate" content="2024-09-13 14:46"></head><body><div class="content">'
        "<p>目录项的基本信息</p><p>公开事项名称：某局关于印发《某某注册基本规则》的通知</p><p>制发日期：2024-09-13</p>"
        "<h2>某局关于印发</h2><h2>《某某注册基本规则》的通知</h2><p>某发监管规〔2024〕76号</p><p>各有关单位：</p>"
        "<p>现将《某某注册基本规则》印发给你们，请遵照执行。</p><p>某局</p><p>2024年9月10日</p>"
        "<h2>某某注册基本规则</h2><p>第一章 总则</p><p>第一条 为规范注册，制定本规则。</p><p>第二条 注册应当真实。</p>"
        "<p>第三条 本规则自发布之日起施行，有效期五年。</p></div></body></html>", encoding="utf-8")
    notice, rules = parse_file(path, max_chars=400).documents
    assert notice.title == "某局关于印发《某某注册基本规则》的通知"
    assert notice.doc_number == "某发监管规〔2024〕76号"
    assert rules.title == "某某注册基本规则"
    # 「自发布之日起」: the page's publication date, not the signature's; the notice lives with its rules
    assert (rules.effective_date, rules.expiry_date) == ("2024-09-13", "2029-09-12")
    assert (notice.effective_date, notice.expiry_date) == ("2024-09-13", "2029-09-12")

