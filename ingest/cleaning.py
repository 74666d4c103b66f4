"""Cleaning text: punctuation and whitespace normalisation, site junk, page-break repair."""

from __future__ import annotations

import re
import unicodedata

from ingest.numbering import HEADING_START, STRUCTURE_START, split_collapsed, split_inline

__all__ = [
    "normalize_line",
    "strip_junk",
    "strip_markdown",
    "repair_page_breaks",
    "clean_text",
    "STRUCTURE_START",
]

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"，。、；：？！“”‘’（）《》〈〉【】「」『』—…·〔〕"

# Lines that scraped pages add around the real text.
_JUNK_LINE = re.compile(
    r"^\s*[-*·•]?\s*("
    r"有想补充的信息[?？]?\s*点我投稿|点我投稿|联系我们|企业入驻|关于我们|网站地图|免责声明|返回顶部|"
    r"分享到[:：]?.*|扫一扫.*|版权所有.*|Copyright.*|来源[:：]\s*\|?\s*|责任编辑[:：].{0,10}|[|｜]\s*|"
    r"(?:[【\[]\s*(?:打印本页|关闭窗口|打印|关闭|收藏)\s*[】\]]\s*)+"
    r")\s*$",
    re.IGNORECASE,
)
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CIRCLED = re.compile("([\u2460-\u2473])")
_TRAILING_PIPE = re.compile(r"\s*[|｜]\s*$")

_HEADING = HEADING_START
# A line this long is no paragraph but a text whose line breaks were lost (the longest paragraphs of work
# reports run to about 1,200 characters); so is a long line that holds nearly the whole text.
_COLLAPSED_LINE, _COLLAPSED_SHARE, _COLLAPSED_MIN = 2000, 0.8, 200
_ENDS_UNIT = re.compile(r"[。！？；：:!?;）)”」』…|]$|^\d{4}-\d{2}-\d{2}$|\d{4}年\d{1,2}月\d{1,2}日$")


def _to_fullwidth_punct(text: str) -> str:
    """Chinese text uses full-width punctuation; numbers keep their ASCII separators."""
    text = text.replace("(", "（").replace(")", "）")
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r"(?<!\d):|:(?!\d)", "：", text)
    text = text.replace(";", "；").replace("?", "？").replace("!", "！")
    return text.replace("...", "…")


def _canonical(line: str) -> str:
    """NFKC and full-width Chinese punctuation, spaces kept; circled numbers ①… stay (they are numbering)."""
    parts = _CIRCLED.split(line)
    return "".join(p if _CIRCLED.fullmatch(p) else _to_fullwidth_punct(unicodedata.normalize("NFKC", p)) for p in parts)


def _squeeze_spaces(line: str) -> str:
    """No spaces next to Chinese characters or punctuation; single spaces elsewhere."""
    line = re.sub(r"[ \t\u00a0\u3000]+", " ", line).strip()
    # Spaces are not word separators in Chinese: drop those touching a CJK character or punctuation.
    line = re.sub(rf"(?<=[{_CJK}{_CJK_PUNCT}]) (?=\S)", "", line)
    line = re.sub(rf"(?<=\S) (?=[{_CJK}{_CJK_PUNCT}])", "", line)
    return line


def normalize_line(line: str) -> str:
    """NFKC, full-width Chinese punctuation, and no spaces next to Chinese characters."""
    return _squeeze_spaces(_canonical(line))


def strip_markdown(line: str) -> str:
    """Drop heading hashes and bold markers, keep the words."""
    line = re.sub(r"^\s{0,3}#{1,6}\s*", "", line)
    return line.replace("**", "").replace("__", "")


def strip_junk(lines: list[str]) -> list[str]:
    """Remove scraped-site junk lines and trailing pipes."""
    out = []
    for line in lines:
        if _JUNK_LINE.match(line):
            continue
        out.append(_TRAILING_PIPE.sub("", line))
    return out


def _is_heading(paragraph: str) -> bool:
    return bool(_HEADING.match(paragraph)) and "。" not in paragraph and len(paragraph) <= 60


def repair_page_breaks(paragraphs: list[str], after_blank: list[bool] | None = None) -> list[str]:
    """Join paragraphs that a page break split mid-sentence (「开」 + 「展科技型企业…」).

    Only a paragraph that follows a blank line can be a page-break fragment: single line
    breaks in plain text are real breaks.
    """
    after_blank = after_blank or [True] * len(paragraphs)
    out: list[str] = []
    for para, blank in zip(paragraphs, after_blank):
        if (
            out
            and blank
            and not _ENDS_UNIT.search(out[-1])
            and not _is_heading(out[-1])
            and not out[-1].startswith("#")
            and not STRUCTURE_START.match(para)
            and len(out[-1]) >= 20
        ):
            out[-1] = out[-1] + para
        else:
            out.append(para)
    return out


def clean_text(text: str, *, markdown: bool = False) -> list[str]:
    """Turn raw text into clean, non-empty paragraphs with page breaks repaired."""
    # Zero-width characters survive NFKC and str.strip(); the other Unicode spaces become spaces under NFKC.
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ZERO_WIDTH)
    paragraphs: list[str] = []
    after_blank: list[bool] = []
    blank = False
    lines = text.split("\n")
    total = sum(len(line) for line in lines)
    for line in lines:
        line = line.strip()
        if not line:
            blank = True
            continue
        if not strip_junk([line]):
            continue
        level = _heading_level(line) if markdown else 0
        line = _canonical(strip_markdown(strip_junk([line])[0]) if markdown else strip_junk([line])[0])
        collapsed = len(line) >= _COLLAPSED_LINE or (len(line) >= _COLLAPSED_MIN and len(line) >= _COLLAPSED_SHARE * total)
        pieces = split_collapsed(line) if collapsed else [line]
        for n, segment in enumerate(s for piece in pieces for s in split_inline(piece)):
            segment = _squeeze_spaces(segment)
            if segment:
                paragraphs.append("#" * level + segment)
                after_blank.append(blank and n == 0)
        blank = False
    joined = repair_page_breaks(paragraphs, after_blank)
    return [_markdown_heading(p) for p in joined]


def _heading_level(line: str) -> int:
    """A markdown line's heading level: its hashes. A line bold throughout (「**一、…**」) loses its stars and is
    a heading by its numbering; an unnumbered bold line (「**各位代表：**」, a speaker's name) is no heading."""
    return len(re.match(r"#*", line).group())  # type: ignore[union-attr]


def _markdown_heading(paragraph: str) -> str:
    """A numbered heading loses its hashes; an unnumbered one keeps them (「## 工作回顾」) to stay a heading."""
    text = paragraph.lstrip("#")
    level = len(paragraph) - len(text)
    if not level or STRUCTURE_START.match(text):
        return text
    return f"{'#' * min(level, 6)} {text}"
