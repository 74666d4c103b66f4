"""The measure parser: a document's numbered lines (see ingest.numbering) → citable measures or units.

Three layouts, chosen per document:
- regulations: 第X条 articles are the measures (label "3"), 第X编/章/节 and markdown headings their sections;
- measure lists: 1./1、 items are the measures, 一、/（一）/markdown headings their sections; an item is
  accepted only where the numbering continues (「79.6月底前…」 is item 79, 「1.5万人」 is never an item).
  Numbered straight through, an item keeps its number ("46"); numbering that restarts under each heading
  gives every item its path, 「三（二）2」 (section, （subsection）, item), so labels stay unique;
- everything else (work reports, notices): each heading opens a unit labelled by its path 「一（三）」, and
  paragraphs that open with their ordinal, 「一是…」「二是…」 (or 一要…), at least two counting 1, 2, … in one
  section, are units of their own labelled by the path and the ordinal, 「三（一）二是」 (「二 一是」 under a bare
  一、 heading).
A section's text that only introduces what follows (one paragraph ending 「：」 before its sub-headings or items,
「…重点做好以下工作：」) is its lead-in, 「三导语」, no measure; substantive section text stays a unit.
Text before the first unit is 前言 (导语 without numbered measures), closing text after the last measure
(「本方案自…起施行」 and the signature after it) is 结语, and each 附件 is its own unit 附件1; an attachment that
lists entries 1., 2., … one a line makes each entry a unit, 「附件1（3）」.
Cross references (「依照第三条规定」) never start a unit; 一是…二是… runs inside a paragraph, and ①/（1），
stay inside their unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Document, Measure
from ingest.numbering import CN_NUM, Marker, enumeration_start, match_marker

__all__ = ["parse_document", "PREAMBLE", "LEAD_IN", "CLOSING"]

PREAMBLE, LEAD_IN, CLOSING = "前言", "导语", "结语"

# Signature lines (date, byline) belong to no measure; they stay only in a closing unit.
_SIGNATURE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日|记者[\u4e00-\u9fff ]{2,12}|（此件公开发布）|（此件.{0,8}）)$")
# A closing sentence of the whole document: when it takes effect, who interprets it, what it repeals.
_CLOSING_SENTENCE = re.compile(
    r"^本(?:[\u4e00-\u9fff]{0,6})?(?:方案|办法|措施|意见|规定|细则|条例|通知|决定|计划|规则|政策|规划)"
    r"[^。]{0,40}(?:施行|实施|执行|解释|废止|有效期)"
)
_MARKDOWN = re.compile(r"^(#{1,6}) (.*)$")
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar|7z)\s*$", re.IGNORECASE)
_RANK = {"part": 0.0, "chapter": 1.0, "division": 2.0, "heading": 3.0, "key_task": 3.0, "paren": 4.0}
_ITEM_RANK = 5.0  # 1. items stand below every heading


@dataclass
class _Heading:
    rank: float
    line: str
    path: str  # this heading's part of a label: "三", "（二）", "第一章", a markdown heading's words


@dataclass
class _Open:
    label: str
    start: int
    parts: list[str] = field(default_factory=list)
    section: str = ""
    subsection: str = ""
    numbered: bool = True
    path: str = ""  # the headings above, for restarting item numbers
    number: int = 0  # the item number; 0 for units
    heading_rank: float | None = None  # set when the unit is opened by a heading line
    leaf: bool = False  # a heading alone whose next sibling heading follows: the heading is its content


def _heading_text(line: str) -> str:
    """A heading's words: the whole line when short, else its first clause."""
    if len(line) <= 40 and "。" not in line:
        return line
    return re.split(r"[。；]", line, maxsplit=1)[0][:40]


def _carries_text(line: str) -> bool:
    """Whether a heading line goes on with sentences after its heading words (「四、…工作。经营性…申请。」)."""
    return bool(re.search(r"[\u3400-\u9fff\w]", line[len(_heading_text(line)):]))


def _markdown_path(words: str) -> str:
    """A markdown heading without a numeral is labelled by its first words."""
    return re.sub(r"[\s，、：:。；“”\"'（）()]", "", words)[:12]


def _headline(marker: Marker | None, line: str) -> _Heading | None:
    """The heading a line is, in the outline sense, or None."""
    md = _MARKDOWN.match(line)
    if md:
        return _Heading(_RANK["division"] + len(md.group(1)) / 10, md.group(2), _markdown_path(md.group(2)))
    if marker is None or marker.kind not in _RANK:
        return None
    path = {"heading": marker.numeral, "paren": f"（{marker.numeral}）", "key_task": f"重点工作{marker.number}",
            "part": f"第{marker.numeral}编", "chapter": f"第{marker.numeral}章",
            "division": f"第{marker.numeral}节"}[marker.kind]
    return _Heading(_RANK[marker.kind], line, path)


def _path(stack: list[_Heading]) -> str:
    """A unit's label from the headings above it: 「三（二）」; a markdown heading's words start it afresh."""
    words = [i for i, h in enumerate(stack) if h.rank < _RANK["heading"] and h.rank > _RANK["division"]]
    return "".join(h.path for h in stack[words[-1] if words else 0:])


def _section_of(stack: list[_Heading]) -> tuple[str, str]:
    """(section, subsection) headings above a unit: 一、 or 第X章 above, （一） or 第X节 below."""
    tops = [h for h in stack if h.rank < _RANK["paren"]]
    subs = [h for h in stack if h.rank >= _RANK["paren"]] or tops[1:2]
    return (_heading_text(tops[0].line) if tops else "", _heading_text(subs[0].line) if subs else "")


def _bare_heading(unit: _Open | None, rank: float) -> bool:
    """Whether a unit is only a heading line (「（二）基本原则。」) and a deeper heading or item follows it."""
    if unit is None or unit.heading_rank is None or rank <= unit.heading_rank or len(unit.parts) != 1:
        return False
    words = unit.parts[0].rstrip("。：:")
    return "。" not in words and _heading_text(words) == words


def _only_introduces(unit: _Open, *, one_sentence: bool = False) -> bool:
    """A section whose own text only leads into what follows: none, or one paragraph ending 「：」 (or, before a
    「一是…」 run, one sentence: 「过去一年，我们主要做了以下工作。」).

    Substantive section text (「过去一年…增长5%。…」, several sentences) is a citable unit of its own.
    """
    body = unit.parts[1:] if unit.heading_rank is not None else unit.parts
    if not body:
        return True
    if len(body) != 1 or (unit.heading_rank is not None and _carries_text(unit.parts[0])):
        return False
    text = body[0].rstrip()
    return text.endswith(("：", ":")) or (one_sentence and len([s for s in re.split(r"[。！？]", text) if s.strip()]) == 1)


def _lead_in(unit: _Open | None, rank: float, stack: list[_Heading]) -> bool:
    """Whether a section's text only introduces the deeper headings or items that follow: one paragraph ending 「：」."""
    if unit is None or unit.number or unit.label in (PREAMBLE, LEAD_IN, CLOSING) or unit.label.endswith(LEAD_IN):
        return False
    deeper = rank > unit.heading_rank if unit.heading_rank is not None else bool(stack) and stack[-1].rank < rank
    body = unit.parts[1:] if unit.heading_rank is not None else unit.parts
    return deeper and bool(body) and _only_introduces(unit)


def _continues(marker: Marker, last: int, may_restart: bool) -> bool:
    """Whether an item number continues the numbering (or restarts it right under a heading)."""
    number = marker.number
    if number == last + 1 or (may_restart and number == 1 and last > 0):
        return True
    # a small gap (a number misprinted), or any gap right under a heading (items left out: 「本文有删减」)
    return number > last and not marker.rest[:1].isdigit() and (number <= last + 3 or may_restart)


def _layout(lines: list[str], markers: list[Marker | None]) -> str:
    """「articles」, 「items」 or 「outline」: which numbering carries the measures."""
    counts = {"article": 0, "item": 0}
    for kind in counts:
        last, may_restart = 0, False
        for line, marker in zip(lines, markers):
            if _headline(marker, line) is not None and kind == "item":
                may_restart = True
            elif marker is not None and marker.kind == kind and (kind == "item" or marker.rest) and _continues(marker, last, may_restart):
                counts[kind] += 1
                last, may_restart = marker.number, False
    # articles are the higher level: a regulation's run of 第N条 carries it, whatever lists its articles or an
    # attached catalogue number 1., 2., …
    if counts["article"] >= 3 or counts["article"] >= 2 and counts["article"] >= counts["item"]:
        return "articles"
    return "items" if counts["item"] >= 3 else "outline"


def _enumerated(lines: list[str], markers: list[Marker | None]) -> dict[int, str]:
    """Line index → ordinal (「二是」) of the paragraphs opening a run 一是…二是…: ≥ 2, counting 1, 2, … in a section."""
    found: dict[int, str] = {}
    run: list[tuple[int, int, str]] = []

    def flush() -> None:
        if len(run) >= 2:
            found.update({i: ordinal for i, _, ordinal in run})
        run.clear()

    for i, (line, marker) in enumerate(zip(lines, markers)):
        if _headline(marker, line) is not None or (marker is not None and marker.kind == "attachment"):
            flush()
            continue
        opening = enumeration_start(line)
        if opening is None:
            continue
        number, ordinal = opening
        if number == 1:
            flush()
            run.append((i, number, ordinal))
        elif run and number == run[-1][1] + 1 and ordinal[-1] == run[-1][2][-1]:
            run.append((i, number, ordinal))
    flush()
    return found


def _enumerated_label(path: str, ordinal: str) -> str:
    """「三（一）」 + 「二是」 → 「三（一）二是」; after a bare numeral a space keeps 「二 一是」 from reading 二十一."""
    return f"{path} {ordinal}" if path and re.fullmatch(CN_NUM, path[-1]) else f"{path}{ordinal}"


def parse_document(doc: Document) -> list[Measure]:
    """Split a document's cleaned text into measures (第N条, items) or units (headings, 前言, 结语, 附件)."""
    lines = doc.text.split("\n")
    markers = [match_marker(line) for line in lines]
    layout = _layout(lines, markers)
    enumerated = _enumerated(lines, markers) if layout == "outline" else {}
    unit_kind = {"articles": "article", "items": "item"}.get(layout, "")
    out: list[_Open] = []
    stack: list[_Heading] = []
    current: _Open | None = None
    last, may_restart, restarted = 0, False, False
    closing = attachment = False
    attachment_label, attachment_items = "", 0

    def close() -> None:
        nonlocal current
        bare = current is not None and layout != "outline" and current.heading_rank is not None \
            and len(current.parts) == 1 and not _carries_text(current.parts[0]) and not current.leaf
        if current and "".join(current.parts).strip() and not bare:
            if current.label != CLOSING or any(not _SIGNATURE.match(p) for p in current.parts):
                out.append(current)
        current = None

    def open_unit(label: str, start: int, first: str, *, numbered: bool, number: int = 0) -> None:
        nonlocal current
        close()
        section, subsection = _section_of(stack)
        current = _Open(label, start, [first], section, subsection, numbered,
                        _path(stack), number)

    offset = 0
    for index, (line, marker) in enumerate(zip(lines, markers)):
        start, offset = offset, offset + len(line) + 1
        if marker and marker.kind == "attachment" and _FILE_NAME.search(line):
            continue  # 「附件1：申报表.xls」: a page's link to a file, no text of the document
        if marker and marker.kind == "attachment":
            if current is not None and not attachment:
                current.leaf = True  # the body ends here: a heading alone before the 附件 is the last leaf
            stack, attachment, closing = [], True, False
            attachment_label, attachment_items = f"附件{marker.number or ''}", 0
            open_unit(attachment_label, start, line, numbered=False)
            continue
        if attachment and current is not None:
            if marker and marker.kind == "item" and marker.number == attachment_items + 1 \
                    and re.search(r"[。；！？]", marker.rest):
                # an attachment's own list of sentences (「1.…。」「2.…；…」 one a line): every entry is a unit (a list
                # of attachment names, 「附件：1.申请表 2.名单」, is none)
                attachment_items = marker.number
                open_unit(f"{attachment_label}（{marker.number}）", start, line, numbered=True)
            else:
                current.parts.append(line)
            continue
        if _SIGNATURE.match(line):
            if current and current.label == CLOSING:
                current.parts.append(line)
            continue
        heading = _headline(marker, line) if layout != "articles" or not marker or marker.kind in (
            "part", "chapter", "division") else None
        if heading is not None:
            if current is not None and current.heading_rank is not None and heading.rank <= current.heading_rank:
                current.leaf = True  # 「（一）某某红十字会」 then 「（二）…」: a list of headings, each a unit
            lead_in = _lead_in(current, heading.rank, stack)
            while stack and stack[-1].rank >= heading.rank:
                stack.pop()
            stack.append(heading)
            closing, may_restart = False, True
            if lead_in and current is not None:
                current.label += LEAD_IN  # 「…重点做好以下工作：」 introduces its sub-sections, it is none
            if _bare_heading(current, heading.rank):
                current = None  # a bare heading whose items follow is their section, not a unit of its own
            # A unit of its own (a work report's section, a heading that carries sentences, a section whose
            # text follows its heading); dropped as a bare heading when deeper headings or items follow.
            open_unit(_path(stack), start, line, numbered=False)
            if current is not None:
                current.heading_rank = heading.rank
            continue
        if index in enumerated:
            path = _path(stack)
            if current is not None and not current.number and (
                    current.label == LEAD_IN or (current.label == path and _only_introduces(current, one_sentence=True))):
                current.label = f"{path}{LEAD_IN}"  # 「…工作是：」 before its 一是 introduces them, it is none
            open_unit(_enumerated_label(path, enumerated[index]), start, line, numbered=False)
            continue
        if marker and marker.kind == unit_kind and (marker.kind == "item" or marker.rest) \
                and _continues(marker, last, may_restart):
            restarted |= marker.number == 1 and last > 0
            last, may_restart, closing = marker.number, False, False
            if _bare_heading(current, _ITEM_RANK):
                current = None
            elif _lead_in(current, _ITEM_RANK, stack) and current is not None:
                current.label += LEAD_IN
            open_unit(str(marker.number), start, line, numbered=True, number=marker.number)
            continue
        if unit_kind and last and not closing and _CLOSING_SENTENCE.match(line):
            closing = True
            stack = []
            open_unit(CLOSING, start, line, numbered=False)
            continue
        if current is None:
            label = _path(stack) or (PREAMBLE if unit_kind else LEAD_IN)
            open_unit(label, start, line, numbered=False)
        else:
            current.parts.append(line)
    if current is not None:
        current.leaf = True  # the last heading of the text, nothing after it: its words are all it says
    close()
    measures = []
    for unit in out:
        label = f"{unit.path}{unit.number}" if restarted and unit.number and unit.path else unit.label
        text = "\n".join(unit.parts)
        measures.append(Measure(label, text, unit.start, unit.start + len(text), unit.section, unit.subsection,
                                unit.numbered))
    return measures
