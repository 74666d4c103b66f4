"""The measure parser: document → section 「一、」 → subsection 「（一）」 → measure 「1.」, or its own units.

Levels mix inside one document, so every paragraph is classified on its own; a measure number
is accepted only where the numbering continues (「79.6月底前…」 is measure 79, 「1.5万人」 is
never a measure), and cross-references (「第3条规定」) never start a unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.models import Document, Measure

__all__ = ["parse_document", "CHINESE_NUMERALS", "chinese_to_int"]

CHINESE_NUMERALS = "零一二三四五六七八九十百"
_SECTION = re.compile(r"^([一二三四五六七八九十百]+)、(.*)$")
_SUBSECTION = re.compile(r"^（([一二三四五六七八九十百]+)）(.*)$")
_MEASURE = re.compile(r"^(\d{1,3})[.、．](.*)$")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇\d]+)条(?!规定|所|的|中|之|和|至)[\s、：]*(.*)$")
# Signature lines (date, byline) close a document; they belong to no measure.
_SIGNATURE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日|记者[\u4e00-\u9fff ]{2,12}|（此件公开发布）)$")
_KEY_TASK = re.compile(r"^重点工作\s*(\d+)\s*[：:]?\s*(.*)$")


def chinese_to_int(text: str) -> int:
    """「四十六」 → 46; plain digits pass through."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


@dataclass
class _Open:
    measure: str
    start: int
    parts: list[str] = field(default_factory=list)
    section: str = ""
    subsection: str = ""
    numbered: bool = True


def _heading_text(marker_line: str) -> str:
    """A heading's words: the whole line when short, else its first clause."""
    if len(marker_line) <= 40 and "。" not in marker_line:
        return marker_line
    return re.split(r"[。；]", marker_line, maxsplit=1)[0][:40]


def parse_document(doc: Document) -> list[Measure]:
    """Split a document's cleaned text into measures (numbered) or units (重点工作N, 一、, （一）)."""
    lines = doc.text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    numbered = _count_numbered(lines) >= 3
    out: list[Measure] = []
    section = subsection = ""
    current: _Open | None = None
    last_number = 0
    sec_key = sub_key = ""

    def close() -> None:
        nonlocal current
        if current and "".join(current.parts).strip():
            text = "\n".join(current.parts)
            out.append(Measure(current.measure, text, current.start, current.start + len(text),
                               current.section, current.subsection, current.numbered))
        current = None

    def open_unit(label: str, start: int, first: str, *, is_numbered: bool) -> None:
        nonlocal current
        close()
        current = _Open(label, start, [first], section, subsection, is_numbered)

    for line, start in zip(lines, offsets):
        if _SIGNATURE.match(line):
            continue
        if m := _SECTION.match(line):
            section, subsection = line if numbered else _heading_text(line), ""
            sec_key, sub_key = m.group(1), ""
            if numbered:
                close()
            else:
                open_unit(sec_key, start, line, is_numbered=False)
            continue
        if m := _SUBSECTION.match(line):
            subsection = line if numbered else _heading_text(line)
            sub_key = f"（{m.group(1)}）"
            if numbered:
                close()
            else:
                open_unit(sec_key + sub_key, start, line, is_numbered=False)
            continue
        if numbered and (m := _MEASURE.match(line)):
            number = int(m.group(1))
            if number == last_number + 1 or (number > last_number and not m.group(2)[:1].isdigit() and number <= last_number + 3):
                last_number = number
                open_unit(str(number), start, line, is_numbered=True)
                continue
        if (m := _ARTICLE.match(line)) and m.group(2):
            open_unit(str(chinese_to_int(m.group(1))), start, line, is_numbered=True)
            continue
        if m := _KEY_TASK.match(line):
            section, subsection = line, ""
            open_unit(f"重点工作{m.group(1)}", start, line, is_numbered=False)
            continue
        if current is None:
            label = ("前言" if not last_number else f"{sec_key}、说明") if numbered else "导语"
            current = _Open(label, start, [], section, subsection, False)
        current.parts.append(line)
    close()
    return out


def _count_numbered(lines: list[str]) -> int:
    """How many lines continue a 1., 2., 3. … numbering."""
    expected, count = 1, 0
    for line in lines:
        m = _MEASURE.match(line)
        if m and int(m.group(1)) == expected:
            count += 1
            expected += 1
    return count
