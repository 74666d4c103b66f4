"""Every format we read gives the pipeline the same measures: .txt/.md, GBK, .html pages and fragments, .docx, .pdf."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.cleaning import clean_text
from ingest.errors import CorruptFileError, EmptyDocumentError, InputError, UnsupportedFormatError
from ingest.formats.html import html_to_text
from ingest.formats.pdf import PdfLine, pdf_lines_to_paragraphs
from ingest.loading import load_file
from ingest.pipeline import parse_file, window_chars

JIYUAN = Path(__file__).resolve().parents[2] / "data" / "corpus" / "004_1db4aff5efda3015.txt"
JIYUAN_TITLE = "济源市人民政府关于明确政府工作报告提出的2024年重点工作责任单位的通知"


def measures(path: Path) -> list[tuple[str, str, str]]:
    """(measure, label, text without whitespace) of every chunk the pipeline makes of a file."""
    result = parse_file(path, max_chars=window_chars(480))
    assert not result.error, result.error
    return [(c.measure, c.measure_label, re.sub(r"\s+", "", c.text)) for c in result.chunks]


def test_the_sample_is_the_jiyuan_notice_with_154_measures() -> None:
    rows = measures(JIYUAN)
    numbered = [m for m, label, _ in rows if m.isdigit()]
    assert numbered == [str(n) for n in range(1, 155)]
    assert next(label for m, label, _ in rows if m == "46") == "济源市 第46条"
    assert JIYUAN_TITLE in JIYUAN.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["docx", "pdf", "html", "gbk"])
def test_jiyuan_in_every_format_parses_to_the_same_154_measures(kind: str,
                                                               format_files: dict[str, Callable[..., Path]]) -> None:
    paragraphs = JIYUAN.read_text(encoding="utf-8").splitlines()
    extra = {"title": JIYUAN_TITLE} if kind == "html" else {}
    path = format_files[kind](paragraphs, f"{JIYUAN.stem}.{'txt' if kind == 'gbk' else kind}", **extra)
    if kind == "pdf":  # the generated PDF really has hard breaks inside sentences, and the header on each page
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            assert len(pdf.pages) >= 5
            first = pdf.pages[0].extract_text()
        assert "济源市人民政府关于明确" in first and "- 1 -" in first
        wrapped = [line for line in first.splitlines()[1:-1] if re.search(r"[\u4e00-\u9fff]$", line)]
        assert len(wrapped) >= 5  # lines broken in the middle of a sentence, not at its end
    converted = measures(path)
    original = measures(JIYUAN)
    assert converted == original
    assert sum(1 for m, _, _ in converted if m.isdigit()) == 154


def test_pdf_has_no_running_header_or_page_numbers_left(format_files: dict[str, Callable[..., Path]]) -> None:
    paragraphs = JIYUAN.read_text(encoding="utf-8").splitlines()
    text = load_file(format_files["pdf"](paragraphs)).text
    assert "济源市人民政府文件" not in text
    assert not re.search(r"^- \d+ -$", text, re.MULTILINE)
    # Hard line breaks inside sentences are joined: every line is one paragraph of the original.
    assert text.splitlines() == [p for p in paragraphs if p.strip()]


def _line(text: str, x0: float, top: float, page: int, x1: float | None = None) -> PdfLine:
    return PdfLine(text, x0, x1 if x1 is not None else x0 + 12 * len(text), top, page, 12.0)


WRAP = 12 * 30  # a 30-character measure line from x0=72 reaches x1=432


@pytest.mark.parametrize(("footer", "header"), [
    ("- 1 -", "某某市人民政府文件"), ("第1页", ""), ("1/2", ""), ("1", ""), ("—1—", ""), ("第1页 共2页", ""), ("Page 1 of 2", ""),
])
def test_pdf_page_furniture_is_dropped(footer: str, header: str) -> None:
    def page(n: int, body: list[PdfLine]) -> list[PdfLine]:
        top = [_line(header, 200, 40, n)] if header else []
        return top + body + [_line(footer.replace("1", str(n), 1), 280, 800, n)]

    first = [_line("一二三四五六七八九十" * 3, 72, 100, 1), _line("接着写。", 72, 120, 1)]
    second = [_line("　　二、第二段开头。", 96, 100, 2)]
    paragraphs = pdf_lines_to_paragraphs([page(1, first), page(2, second)])
    assert paragraphs == ["一二三四五六七八九十" * 3 + "接着写。", "　　二、第二段开头。"]


@pytest.mark.parametrize(("lines", "expected"), [
    pytest.param([("甲" * 30, 72), ("乙乙。", 72)], ["甲" * 30 + "乙乙。"], id="wrapped-inside-a-sentence"),
    pytest.param([("甲" * 29 + "。", 72), ("乙乙。", 72)], ["甲" * 29 + "。", "乙乙。"], id="sentence-ends-at-margin"),
    pytest.param([("甲" * 30, 72), ("乙乙。", 96)], ["甲" * 30, "乙乙。"], id="indented-first-line"),
    pytest.param([("甲甲甲", 72), ("乙乙。", 72)], ["甲甲甲", "乙乙。"], id="short-line-ends-a-paragraph"),
    pytest.param([("12", 72), ("乙" * 29 + "。", 72)], ["12", "乙" * 29 + "。"], id="bare-digits-mid-page-kept"),
])
def test_pdf_line_joining(lines: list[tuple[str, float]], expected: list[str]) -> None:
    page = [_line(text, x0, 100 + 20 * n, 1) for n, (text, x0) in enumerate(lines)]
    page.insert(0, _line("标题" * 14 + "。", 72, 80, 1, x1=72 + WRAP))  # sets the right margin
    page.append(_line("尾。", 72, 700, 1))
    assert pdf_lines_to_paragraphs([page])[1:-1] == expected


FRAGMENT = """<p style="text-align:center"><strong>某某市促进就业若干措施</strong></p>
<p style="text-indent:2em">一、总体要求</p><p style="text-indent:2em">1.稳定就业&nbsp;岗位。<br>2.扩大&#8203;就业容量。</p>
<table><tr><th>序号</th><th>任务</th><th>责任单位</th></tr><tr><td>1</td><td>稳岗返还</td><td>人社局</td></tr></table>"""


def test_html_fragment_keeps_paragraphs_bold_headings_breaks_and_table_rows() -> None:
    text, marked = html_to_text(FRAGMENT)
    assert marked
    assert text.splitlines() == [
        "# 某某市促进就业若干措施", "一、总体要求", "1.稳定就业\xa0岗位。", "2.扩大\u200b就业容量。",
        "1.稳岗返还。责任单位：人社局",  # a task-division table: one line per task, its units labelled
    ]
    assert clean_text(text, markdown=marked)[2:4] == ["1.稳定就业岗位。", "2.扩大就业容量。"]


def test_html_page_drops_site_furniture(format_files: dict[str, Callable[..., Path]]) -> None:
    path = format_files["html"](["第一段正文内容，说明政策目的。", "二、第二段正文。"], title="某某市关于某事的通知")
    loaded = load_file(path)
    assert loaded.text.splitlines() == ["第一段正文内容，说明政策目的。", "二、第二段正文。"]
    # the ArticleTitle meta is page metadata: the document's title where the text prints none
    assert loaded.page == {"site": "济源市人民政府", "title": "某某市关于某事的通知", "date": "2024-07-17"}
    assert parse_file(path, max_chars=window_chars(480)).documents[0].title == "某某市关于某事的通知"


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "utf-8"])
def test_html_honours_meta_charset(encoding: str, format_files: dict[str, Callable[..., Path]]) -> None:
    path = format_files["html"](["鑫淼犇：生僻字也要读对。"], encoding=encoding)
    assert "鑫淼犇：生僻字也要读对。" in load_file(path).text


def test_html_without_meta_charset_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_bytes(("<p>" + "关于进一步优化营商环境的若干措施，现印发给你们，请认真贯彻执行。" * 3 + "</p>").encode("gbk"))
    assert load_file(path).text.startswith("关于进一步优化营商环境")


def test_docx_paragraphs_tables_and_headings(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("某某市促进就业若干措施", level=1)
    document.add_paragraph("1.稳定就业岗位。")
    document.add_paragraph("")
    document.add_paragraph("2.扩大就业容量。")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("任务", "责任单位"), ("稳岗返还", "人社局")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("3.兜牢民生底线。")
    path = tmp_path / "jobs.docx"
    document.save(str(path))
    loaded = load_file(path)
    assert loaded.markdown
    assert loaded.text.splitlines() == ["# 某某市促进就业若干措施", "1.稳定就业岗位。", "2.扩大就业容量。",
                                        "任务 | 责任单位", "稳岗返还 | 人社局", "3.兜牢民生底线。"]


@pytest.mark.parametrize(("name", "raw", "error", "message"), [
    pytest.param("notes.docx", "这不是一个Word文件。".encode(), CorruptFileError, "not a .docx file", id="docx-not-zip"),
    pytest.param("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, UnsupportedFormatError, "save it as .docx",
                 id="legacy-doc"),
    pytest.param("old.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, UnsupportedFormatError, "save it as .docx",
                 id="wps"),
    pytest.param("renamed.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, UnsupportedFormatError,
                 "save it as .docx", id="doc-renamed-docx"),
    pytest.param("junk.pdf", bytes(range(256)) * 8, CorruptFileError, "not a PDF", id="junk-pdf"),
    pytest.param("cut.pdf", b"%PDF-1.4\n", CorruptFileError, "damaged", id="truncated-pdf"),
    pytest.param("empty.pdf", b"", EmptyDocumentError, "empty", id="empty-pdf"),
    pytest.param("page.html", b"<html><body><script>var a=1;</script></body></html>", EmptyDocumentError,
                 "no article text", id="html-without-text"),
])
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, raw: bytes, error: type[InputError],
                                       message: str) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(error, match=message) as info:
        load_file(path)
    assert name in str(info.value)


def test_content_wins_over_the_suffix(tmp_path: Path, format_files: dict[str, Callable[..., Path]]) -> None:
    pdf = format_files["pdf"](["一、总体要求", "1.稳定就业岗位。"], name="download.aspx", header="")
    assert load_file(pdf).text.splitlines() == ["一、总体要求", "1.稳定就业岗位。"]
    page = tmp_path / "saved.txt"
    page.write_text("<!DOCTYPE html><html><body><nav>首页</nav><p>1.稳定就业岗位。</p></body></html>", encoding="utf-8")
    assert load_file(page).text == "1.稳定就业岗位。"


@pytest.mark.parametrize(("raw", "expected"), [
    pytest.param("1.稳定\u3000就业。\r\n2.扩大就业。".encode("utf-16"), ["1.稳定就业。", "2.扩大就业。"], id="utf-16-crlf"),
    pytest.param("\ufeff1.稳定\u00a0就业。\r\n2.扩大\u2002\u2003就业\u200b。".encode(), ["1.稳定就业。", "2.扩大就业。"],
                 id="bom-nbsp-en-space-zero-width"),
    pytest.param("\u3000\u30001.稳定就业。\r\n\u3000\u30002.扩大就业。".encode("gb18030"), ["1.稳定就业。", "2.扩大就业。"],
                 id="gb18030-ideographic-indent"),
])
def test_encodings_line_ends_and_unicode_spaces(tmp_path: Path, raw: bytes, expected: list[str]) -> None:
    path = tmp_path / "measures.txt"
    path.write_bytes(raw)
    assert clean_text(load_file(path).text) == expected


LAYOUT_TABLE_PAGE = """<html><head><meta charset="utf-8"><title>通知_某某县人民政府</title></head><body>
<table width="1000"><tr><td><a href="/">首页</a></td><td><a href="/x">政务公开</a></td></tr></table>
<table width="1000"><tr><td class="bt">关于印发某某县促进消费若干措施的通知</td></tr>
<tr><td><div class="TRS_Editor"><div style="text-indent:2em">各乡镇人民政府，县直各单位：<br>
现将《某某县促进消费若干措施》印发给你们，请认真贯彻执行。<br>1.县财政安排资金500万元，分批发放。<br>
2.鼓励商户让利，对参与商户给予补贴。</div>
<table border=1><tr><td>序号</td><td>项目</td></tr><tr><td>1</td><td>家电以旧换新</td></tr></table></div></td></tr></table>
<div id="bottom">版权所有：某某县人民政府 技术支持：某某公司</div></body></html>"""


def test_html_old_layout_table_page_keeps_title_text_and_data_table() -> None:
    text, _ = html_to_text(LAYOUT_TABLE_PAGE)
    assert text.splitlines() == [
        "关于印发某某县促进消费若干措施的通知", "各乡镇人民政府，县直各单位：", "现将《某某县促进消费若干措施》印发给你们，请认真贯彻执行。",
        "1.县财政安排资金500万元，分批发放。", "2.鼓励商户让利，对参与商户给予补贴。", "序号 | 项目", "1 | 家电以旧换新",
    ]
