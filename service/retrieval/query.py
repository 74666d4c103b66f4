"""Query analysis: explicit measure references, places, years and what kind of answer is wanted."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache

from ingest import (ARTICLE_REF, KEY_TASK_REF, chinese_to_int, find_regions, index_form, is_traditional, mentions,
                    normalize_line)
from service.answerers.base import Intent

__all__ = ["ExplicitRef", "QueryAnalysis", "analyze", "read_question"]

_REF = re.compile(r"(?:的|文件|措施)?\s*" + ARTICLE_REF.pattern)
_KEY_TASK = re.compile(r"(?:的)?\s*" + KEY_TASK_REF.pattern)
_RESPONSIBLE = re.compile(r"谁负责|谁牵头|哪[些个家]?(单位|部门|机构)|责任单位|牵头单位|负责单位|由谁|谁来|主管|由.{0,8}负责|负责部门")
_LIST = re.compile(r"哪些|哪几(?!个?(?:月|天|日|年|周|岁|小时))|都有|列出|所有(?![制权者])|全部|各项|还有其他")  # 「几条线路」 counts
_NUMBER = re.compile(r"多少|几个|几家|目标|比例|比重|增长|达到|数量|规模|多大|多长|几")
_LOCATE = re.compile(r"哪一?[条项款]|哪[一个]?部分|第几[条项]")
_PLACES = re.compile(r"哪些(?:地方|省份|省区|省市|城市|地区|市县|区县)|哪[几个]?(?:个)?(?:地方|省份|城市|地区)|哪里")
_PROVINCES = re.compile(r"哪[些几个]*(?:省份|省区|省市|个省)")  # 「哪些省份…」 asks for provinces, not cities or the State
_YEAR = re.compile(r"(20\d{2})\s*年")
_QUOTED = re.compile(r"[“\"「『‘]([^”\"」』’]{2,30})[”\"」』’]")  # 「…提到“好房子”」
# The genre of the documents a question asks about (「哪些地方的法规…」「哪些省份的政府工作报告…」), as
# `ingest.document_genre` names it.
_GENRES = (("work_report", re.compile(r"政府工作报告")), ("regulation", re.compile(r"法规|条例|规章")))


@dataclass
class ExplicitRef:
    """A measure named in the question: 「济源第46条」, 「重点工作4」."""

    measure: str
    region: str = ""


@dataclass
class QueryAnalysis:
    """Everything retrieval and answering learn from the question text."""

    question: str
    regions: list[str] = field(default_factory=list)  # canonical names of the places named: 济源市, 山东省
    years: list[str] = field(default_factory=list)
    refs: list[ExplicitRef] = field(default_factory=list)
    intent: Intent = field(default_factory=Intent)
    genre: str = ""  # the documents' genre the question names, or ''
    quoted: list[str] = field(default_factory=list)  # terms the question puts in quotes: 「…提到“好房子”」
    asks_provinces: bool = False  # 「哪些省份…」


def _place_before(question: str, start: int, known: Collection[str]) -> str:
    """The place named right before position `start` (「济源第46条」, 「开封市的第十四条」), or ''."""
    named = [m for m in mentions(question[:start], known) if not question[m.end: start].strip(" 市县区省的")]
    return named[-1].place.name if named else ""


@lru_cache(maxsize=4096)
def read_question(question: str) -> str:
    """The question as the index reads its documents: NFKC (full-width digits and letters), Chinese punctuation,
    and the simplified form of traditional script (documents are indexed simplified too)."""
    line = normalize_line(" ".join(question.split()))
    return index_form(line, is_traditional(line))


def analyze(question: str, known: Collection[str] = ()) -> QueryAnalysis:
    """Read the question once; everything downstream uses the result. `known`: the regions the index holds
    documents of, whose counties a question may name in short (景宁 for 景宁畲族自治县)."""
    q = read_question(question)
    regions = find_regions(q, known)
    refs: list[ExplicitRef] = []
    for m in _REF.finditer(q):
        refs.append(ExplicitRef(str(chinese_to_int(m.group("num"))), _place_before(q, m.start(), known)))
    for m in _KEY_TASK.finditer(q):
        refs.append(ExplicitRef(f"重点工作{chinese_to_int(m.group('num'))}", _place_before(q, m.start(), known)))
    years = _YEAR.findall(q)
    intent = Intent(
        asks_responsible=bool(_RESPONSIBLE.search(q)),
        # 「哪一条列出了…」 wants one measure, 「由哪些部门负责」 its units: neither asks for a list
        asks_list=bool(_LIST.search(_RESPONSIBLE.sub("", q))) and not refs and not _LOCATE.search(q),
        asks_number=bool(_NUMBER.search(q)),
        asks_locate=bool(_LOCATE.search(q)),
        asks_places=bool(_PLACES.search(q)) and not regions and not refs,
        regions=regions,
        years=years,
        explicit=bool(refs),
    )
    # A genre names the documents to go through when the question asks for several (「哪些地方的法规…」); elsewhere
    # it is what the question is about (「政府工作报告提出的重点工作由谁负责」 is answered by a notice).
    enumerating = intent.asks_places or intent.asks_list
    genre = next((name for name, pattern in _GENRES if pattern.search(q)), "") if enumerating else ""
    return QueryAnalysis(q, regions, years, refs, intent, genre, _QUOTED.findall(q),
                         intent.asks_places and bool(_PROVINCES.search(q)))
