"""The one numbering grammar of Chinese official documents: 第X编/章/节/条, 一、, （一）, 1., （1）, ①, 一是.

Every module that needs to recognise a numbered line (cleaning, parsing, chunking, query analysis)
uses the patterns and functions here; no other module writes a numbering regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Marker",
    "KINDS",
    "chinese_to_int",
    "int_to_chinese",
    "match_marker",
    "strip_marker",
    "split_inline",
    "split_collapsed",
    "enumeration_items",
    "enumeration_start",
    "article_title",
    "ARTICLE_REF",
    "KEY_TASK_REF",
    "STRUCTURE_START",
    "HEADING_START",
]

_CN = "零〇一二三四五六七八九十百千两"
CN_NUM = f"[{_CN}]+"
ANY_NUM = rf"[{_CN}\d]+"
# Words after 「第三条」 that make it a cross reference (「依照第三条规定」), never the start of an article.
# 「中」 alone is no such word (「第十四条中小企业…」 starts an article): only 「第三条中的/中规定/中所」 refers;
# a line-initial article whose number does not continue the sequence is rejected by the parser anyway.
# 「所得」 is a noun (income: 「第三十二条所得为人民币以外货币的」 starts an article), not the particle 所.
# 「第三条第二款」 refers to a paragraph; 「第四十九条第二类精神药品…」 starts an article.
_XREF = rf"(?!规定|所(?!得)|的|中(?:的|规定|所)|之|和|至|、第|或|及|第{ANY_NUM}[款项目]|款|项|执行|处理)"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Each kind: the prefix that prints the number (one group: the numeral). Order matters: first match wins.
_PREFIXES: dict[str, str] = {
    "part": rf"第({ANY_NUM})编",
    "chapter": rf"第({ANY_NUM})章",
    "division": rf"第({ANY_NUM})节",
    "article": rf"第({ANY_NUM})条{_XREF}",
    "key_task": r"重点工作\s*(\d+)",
    "attachment": rf"附件\s*(\d{{1,2}}|{CN_NUM})?(?=\s*[：:．.、]|\s|$)",
    "heading": rf"({CN_NUM})、",
    "paren": rf"[（\(]({CN_NUM})[）\)]",
    "item": r"(\d{1,3})[.、．](?![.、．])",
    "paren_item": r"[（\(](\d{1,3})[）\)]",
    "circled": rf"([{_CIRCLED}])",
}
KINDS = tuple(_PREFIXES)
_MARKER = {kind: re.compile(rf"^{prefix}[\s：:、]*(.*)$", re.S) for kind, prefix in _PREFIXES.items()}
_HEADING_KINDS = ("part", "chapter", "division", "key_task", "heading", "paren")


def _any(kinds: tuple[str, ...] | list[str]) -> str:
    """An alternation of the prefixes of some kinds, without capture groups."""
    return "|".join(re.sub(r"(?<!\\)\((?!\?)", "(?:", _PREFIXES[k]) for k in kinds)


# A line that starts a new structural unit: never glued onto the previous paragraph by page-break repair.
STRUCTURE_START = re.compile(rf"^(?:#|{_any(KINDS)}|原文如下)")
# A line that can be a heading (short, no sentence inside: the caller checks that).
HEADING_START = re.compile(rf"^(?:#|{_any(_HEADING_KINDS)})")
# 「第46条」 / 「第四十六条」 anywhere, e.g. in a question.
ARTICLE_REF = re.compile(rf"第(?P<num>{ANY_NUM})条")
KEY_TASK_REF = re.compile(r"重点工作\s*(?P<num>[一二三四五六七八九十\d]+)")

# Inside one long line (the one-line documents), a space before a marker is a unit boundary.
_INLINE_BREAK = re.compile(
    rf"\s+(?=(?:{_any(['part', 'chapter', 'division', 'article', 'key_task', 'heading'])}|"
    rf"（{CN_NUM}）|\d{{1,3}}[.、](?!\d)))"
    # 「79.6月底前」 is a measure too when it follows a finished sentence; the parser checks the numbering.
    r"|(?<=[。；！？）])\s+(?=\d{1,3}[.、]\d)"
)
# Text whose line breaks were lost (crawled pages, a page's whole body in one paragraph): a marker right after
# a finished sentence or clause (。；：！？), with or without a space, starts a unit. Only for lines far longer than
# a paragraph: inside a real paragraph 「…包括：（一）…；（二）…」 is an enumeration, not structure.
_COLLAPSED_BREAK = re.compile(
    rf"(?<=[。；：！？])\s*(?=(?:{_any(['part', 'chapter', 'division', 'article', 'key_task', 'heading'])}|"
    rf"（{CN_NUM}）|\d{{1,3}}[.、．](?![.、．\d])))"
)
# A space between two Chinese characters or punctuation marks, in such a line, is a lost line break.
_WIDE = r"\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
_OPENING, _CLOSING = "【（《「『“〔［", "】）》」』”〕］"
_COLLAPSED_SPACE = re.compile(
    rf"(?<=[{_WIDE}])(?<![{_OPENING}])[ \t\u00a0\u3000]+(?=[{_WIDE}\d])(?![{_CLOSING}])"
    rf"|(?<=[{_WIDE}\d])(?<![{_OPENING}])[ \t\u00a0\u3000]+(?=[{_WIDE}])(?![{_CLOSING}])"
)
# One Chinese character before a space and one more before a colon: a two-character label printed letter-spaced
# (账 号：…, 电 话：…, a person's name 田　宁：…), not a line of its own.
_LONE_CHARACTER = re.compile(r"[\u3400-\u9fff]")
_SPACED_LABEL = re.compile(r"[\u3400-\u9fff][：:]")
# A quotation or bracket still open at a piece's end and closed within a few characters of the next: the space was
# inside it (「按照“非必须 不窗口”的原则」, a byline 「（记者 王某 李某）」).
_PAIRS = {"“": "”", "（": "）", "《": "》", "【": "】", "〔": "〕", "「": "」"}


def _inside_pair(piece: str, following: str) -> bool:
    """Whether `piece` ends inside a quotation or bracket that `following` (the next pieces) closes within 20
    characters."""
    for opening, closing in _PAIRS.items():
        if piece.rfind(opening) > piece.rfind(closing):
            end = following.find(closing)
            return 0 < end <= 20 and opening not in following[:end]
    return False


# A crawler that prints the page's heading and then the document's title: the same words twice at the start.
_REPEATED_OPENING = re.compile(r"^\s*(\S.{6,118}?\S)\s+\1(?=\s|$)")
# 「第一章总则第一条为了…」: a heading sharing its line with the first article.
_HEADING_THEN_ARTICLE = re.compile(
    rf"^((?:{_any(['part', 'chapter', 'division'])})[^，。；：第]{{0,20}}?)(?=第{ANY_NUM}条{_XREF})"
)
_ENUMERATION = re.compile(rf"(?:^|(?<=[。；，：！？]))\s*({CN_NUM})是")
# A paragraph that opens with its ordinal: 「一是…」「二要…」 (the paragraphs of an enumerated section).
_ENUMERATION_LINE = re.compile(rf"^\s*({CN_NUM})([是要])(?![的否])")
_ARTICLE_TITLE = re.compile(r"^\s*[【〔\[（(]([^】〕\]）)]{1,20})[】〕\]）)]")


@dataclass(frozen=True)
class Marker:
    """The number a line starts with: its kind, value, the numeral as printed and the text after it."""

    kind: str  # one of KINDS
    number: int  # 0 for an unnumbered 附件
    numeral: str  # as printed: "三", "12", "②"
    rest: str


def chinese_to_int(text: str) -> int:
    """「四十六」 → 46, 「一百零五」 → 105, 「二〇二」 → 202; plain digits pass through."""
    text = text.strip()
    if text.isdigit() and text.isascii():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
    units = {"十": 10, "百": 100, "千": 1000}
    if not any(c in units for c in text):  # 「二〇二」: digit by digit
        return int("".join(str(digits[c]) for c in text if c in digits) or 0)
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
    return total + current


def int_to_chinese(number: int) -> str:
    """46 → 「四十六」 (1–999), the way headings print section numbers."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    if number < 100:
        return digits[number // 10] + "十" + (digits[number % 10] if number % 10 else "")
    rest = number % 100
    tail = "" if not rest else ("零" + int_to_chinese(rest) if rest < 10 else
                                ("一" if rest < 20 else "") + int_to_chinese(rest))
    return digits[number // 100] + "百" + tail


def match_marker(line: str) -> Marker | None:
    """The numbering a line starts with, or None (「1.5万人」 is an item 1 here: the parser checks sequence)."""
    for kind, pattern in _MARKER.items():
        m = pattern.match(line)
        if m:
            numeral = m.group(1) or ""
            if kind == "circled":
                number = _CIRCLED.index(numeral) + 1
            else:
                number = chinese_to_int(numeral) if numeral else 0
            return Marker(kind, number, numeral, m.group(2))
    return None


def strip_marker(text: str, kinds: tuple[str, ...] = KINDS) -> str:
    """A unit's text without the number it starts with (「46.」, 「第三条」, 「重点工作4：」), for some kinds."""
    marker = match_marker(text.strip())
    return marker.rest if marker and marker.kind in kinds else text.strip()


def split_inline(line: str) -> list[str]:
    """Cut one long line at the markers a space precedes, and a heading off the article on its line."""
    out: list[str] = []
    for segment in _INLINE_BREAK.split(line):
        m = _HEADING_THEN_ARTICLE.match(segment.strip())
        if m and m.group(1).strip():
            out.extend([m.group(1).strip(), segment.strip()[m.end():]])
        else:
            out.append(segment)
    return out


def split_collapsed(line: str) -> list[str]:
    """Restore the line breaks of a collapsed text: cut one very long line where a space stood between Chinese
    words (not just inside brackets) and where a numbering marker follows a finished sentence (「…。二、…」
    「…；（三）…」「…。第五条…」); an opening printed twice (the page's heading, then the title) is one line."""
    out: list[str] = []
    repeated = _REPEATED_OPENING.match(line)
    if repeated:  # the title printed twice: once, kept whole (its own spaces are where a page broke it)
        out.append(repeated.group(1))
        line = line[repeated.end():]
    pieces = _COLLAPSED_SPACE.split(line)
    for n, piece in enumerate(pieces):
        if n + 1 < len(pieces) and (_LONE_CHARACTER.fullmatch(piece) and _SPACED_LABEL.match(pieces[n + 1])
                                    or _inside_pair(piece, "".join(pieces[n + 1:n + 6]))):
            # 「账 号：…」「田　宁：…」: a label printed letter-spaced; 「按照“非必须 不窗口”的原则」「（记者 王某）」:
            # a space inside a short quotation or bracket. Neither is a line break.
            pieces[n + 1] = piece + pieces[n + 1]
            continue
        out.extend(part.strip() for part in _COLLAPSED_BREAK.split(piece) if part.strip())
    return out


def enumeration_items(paragraph: str) -> list[tuple[int, int]]:
    """(number, start offset) of a run 「一是…二是…三是…」 in a paragraph; empty unless it counts 1, 2, … ."""
    found: list[tuple[int, int]] = []
    for m in _ENUMERATION.finditer(paragraph):
        number = chinese_to_int(m.group(1))
        if number == len(found) + 1:
            found.append((number, m.start(1)))
    return found if len(found) >= 2 else []


def enumeration_start(line: str) -> tuple[int, str] | None:
    """(number, ordinal as printed) of a paragraph opening 「三是…」 / 「三要…」 → (3, "三是"); else None."""
    m = _ENUMERATION_LINE.match(line)
    if not m or len(m.group(1)) > 3:
        return None
    return chinese_to_int(m.group(1)), m.group(1) + m.group(2)


def article_title(rest: str) -> str:
    """The bracketed title of an article, 「【定义】本办法…」 or 「（定义）…」 → 「定义」; else empty."""
    m = _ARTICLE_TITLE.match(rest)
    return m.group(1).strip() if m else ""
