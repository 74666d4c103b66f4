"""Document-level metadata inferred from the text: region, issuer, document number, date, document type.

Region: documents of central authorities (国务院, 国家发展改革委, 财政部…) get the region 全国 (`NATIONAL`), so
a reader sees where a measure applies and a question about another province is not answered from them as if
they were local; else the place the title names (its most specific one), the site tag, the issuer's place, the
congress a report was delivered to, the publishing site; last the place that most of the text's place
mentions fall in (a province's plan naming its cities stays the province's). Places come from
`ingest.gazetteer`; nothing here knows any particular place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import cn2an

from ingest.gazetteer import Mention, Place, find_places, lookup, mentions
from ingest.numbering import match_marker

__all__ = [
    "NATIONAL", "DocumentMetadata", "infer_metadata", "infer_region", "infer_region_path", "infer_date",
    "infer_issuer", "infer_doc_number", "infer_doc_type", "document_genre", "site_tag",
    "find_dates", "find_doc_numbers", "strip_byline",
]

NATIONAL = "全国"
HEAD_CHARS = 5000  # how much of a long text the place count reads: where a document says what it is about

_TAG = re.compile(r"^【([^】]{2,8}?)(?:招商|资讯|新闻|要闻)?】")

# --- region ----------------------------------------------------------------------------------------


def _deepest_of_first(places: list[Place]) -> Place | None:
    """The first place named, or a place inside it named too (「开封市尉氏县」 → 尉氏县)."""
    if not places:
        return None
    inside = [p for p in places if places[0].name in p.path]
    return max(inside, key=lambda p: len(p.path))


# A news item's credit line: a dateline (「新华社重庆2月13日电」「重庆日报讯」「四川在线消息」) with the reporters in
# brackets after it, or the bracket alone at a line's start or end (「（记者 王某 通讯员 李某）」). No fact of the item.
_CREDIT = r"（[^（）]{0,6}(?:记者|通讯员|编辑|摄影)[^（）]{0,30}）"
_BYLINE_START = re.compile(
    rf"^\s*(?:[^，。；：\s]{{1,16}}?(?:\d{{1,2}}月\d{{1,2}}日(?:电|讯)|日报讯|晚报讯|报讯|消息)\s*{_CREDIT}|{_CREDIT})\s*")
_BYLINE_END = re.compile(rf"\s*{_CREDIT}\s*$")


def strip_byline(line: str) -> str:
    """A line of a news item without its credit line (dateline and reporters, 「新华社重庆2月13日电（记者李松）」):
    what an answer quotes is the item's own words."""
    return _BYLINE_END.sub("", _BYLINE_START.sub("", line))


# A news item's dateline (电头) names where the story was filed, not what it is about: 「新华社北京2月15日电」,
# 「中新网武汉2月10日电」, 「本报北京3月1日讯」 (an agency or paper, the place, the day, 电 or 讯).
_DATELINE = re.compile(r"(?:社|网|台|报|站)[\u4e00-\u9fff]{2,8}?(?:\d{1,2}|[一二三四五六七八九十]{1,3})月"
                       r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})日(?:电|讯)")


def _most_named(text: str) -> Place | None:
    """The place the head of a text is about: the deepest place that it and the places inside it hold more than
    half of all place mentions for (a province's plan naming many of its cities stays the province's, a city's
    notice naming its counties stays the city's); else the most named place, ties going to the smaller unit, then
    the earlier one. A news dateline's place does not count."""
    found = mentions(_DATELINE.sub(" ", text[:HEAD_CHARS]))
    if not found:
        return None
    covered: Counter[str] = Counter(name for m in found for name in set(m.place.path))
    places = {m.place.name: m.place for m in found}
    majority = [places[name] for name, n in covered.items() if n * 2 > len(found) and name in places]
    if majority:
        return max(majority, key=lambda p: len(p.path))
    counts = Counter(m.place.name for m in found)
    first: dict[str, Mention] = {}
    for m in found:
        first.setdefault(m.place.name, m)
    best = max(first.values(), key=lambda m: (counts[m.place.name], len(m.place.path), -m.start))
    return best.place


# The congress a report was delivered to: 「——2025年1月14日在河北省第十四届人民代表大会第三次会议上」.
_CONGRESS = re.compile(r"在(?P<body>[^。，；]{0,40}?)(?:人民代表大会|人大|政治协商会议|政协)")
_NATIONAL_BODY = re.compile(r"^(?:第[一二三四五六七八九十]+届)?全国")


def _congress_place(paragraphs: list[str]) -> Place | str | None:
    """The place whose congress heard a report (its delivery line, under the title), 全国 for the national one."""
    for para in paragraphs[:_HEAD_LINES]:
        if not _dates(para):
            continue
        m = _CONGRESS.search(para)
        if m:
            if _NATIONAL_BODY.match(m.group("body")):
                return NATIONAL
            return _deepest_of_first(find_places(m.group("body")))
    return None


def _region_place(title: str, text: str, tag: str = "", issuer: str = "", site: str = "",
                  paragraphs: list[str] | None = None) -> Place | str | None:
    if issuer and _CENTRAL.match(issuer) and _NATIONAL_WORD.match(issuer) and not find_places(issuer):
        return NATIONAL  # the State Council's reply about one place is still a central document
    for source in (title, tag, issuer):
        place = _deepest_of_first(find_places(source)) if source else None
        if place is not None:
            return place
    if issuer and _CENTRAL.match(issuer):
        return NATIONAL
    congress = _congress_place(paragraphs or [])
    if congress is not None:
        return congress
    place = _deepest_of_first(find_places(site)) if site else None
    if place is None and site and _NATIONAL_WORD.match(site):
        return NATIONAL  # a central body's site (国家能源局华北监管局): its documents are not the places they name
    return place or _most_named(text)


def infer_region(title: str, text: str, tag: str = "", issuer: str = "", *, site: str = "",
                 paragraphs: list[str] | None = None) -> str:
    """The place a document is about: canonical full name (尉氏县, 阿坝藏族羌族自治州), 全国, or ''.

    In order: 全国 for a document of the State Council or a 国家… body, the title's place, the site tag's, the issuer's, the
    congress a report was delivered to, the publishing site's, and last the places its text names.
    """
    place = _region_place(title, text, tag, issuer, site, paragraphs)
    return place if isinstance(place, str) else place.name if place else ""


def infer_region_path(region: str) -> list[str]:
    """The region with the units enclosing it, province first: 尉氏县 → [河南省, 开封市, 尉氏县]."""
    if not region:
        return []
    place = lookup(region)
    return list(place.path) if place is not None else [region]


# --- issuer ----------------------------------------------------------------------------------------

# How an authority's name ends: …人民政府(办公厅), …委员会, …办公室, …局, …厅, …部, 县委, 国务院…
_AUTHORITY = r"(?:人民政府(?:办公厅|办公室)?|常务委员会|人大常委会|委员会|办公厅|办公室|政府|[省市县区州]委|局|厅|部|委|署|院)"
_TITLE_AUTHORITY = re.compile(rf"^(?P<org>[^，。；：,;:\s《]{{2,40}}?{_AUTHORITY}(?:\s+[^，。；：,;:\s]{{2,20}}?{_AUTHORITY})*)\s*关于")
_HEAD_AUTHORITY = re.compile(rf"(?:^|[，。,\s])(?P<org>[^，。；：,;:\s《“]{{2,40}}?{_AUTHORITY})关于(?:印发|明确|做好|进一步)")
_SIGNATURE = re.compile(rf"^(?P<org>[^，。；：,;:\s]{{2,40}}?{_AUTHORITY})$")
_NATIONAL_WORD = re.compile(r"^(?:中共中央|国务院|全国|中华人民共和国|国家)")  # names only a central body bears
# A regulation's promulgation line under its title: 「（2018年3月2日中华人民共和国国务院令第697号公布…）」, 「（1995年11月2日
# 国家工商行政管理局第37号令公布）」, 「（2021年6月10日第十三届全国人民代表大会常务委员会第二十九次会议通过）」: the body that
# made it, named after a date (「2005年6月29日国务院第97次常务会议通过　2005年7月9日…国务院令第440号公布」: the decree's;
# 「1999年7月10日国务院批准　1999年8月1日国家发展计划委员会发布」: the one that issued it).
_DATE_OPENING = re.compile(r"^[（(【\[]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")
_MAKER = rf"[^\s\d，。；、（）()《》]{{2,40}}?{_AUTHORITY}"
# joint makers (「商务部、国家工商行政管理总局令第22号」): the first leads; 「1987年10月26日国务院发布」 has no decree number
_DECREE = re.compile(rf"日\s*(?P<org>{_MAKER})(?:、{_MAKER})*"
                     rf"(?:令\s*(?:\d{{4}}\s*年\s*)?第\s*[\d〇零一二三四五六七八九十百千]+\s*号|第\s*\d+\s*号令|发布)")
_ADOPTED = re.compile(r"日\s*经?(?:第[一二三四五六七八九十]+届)?(?P<org>[^\s\d，。；、（）()《》]{0,30}?人民代表大会(?:常务委员会)?)"
                      r"第[一二三四五六七八九十]+次(?:全体)?会议(?:审议)?(?:通过|修订|批准)")
_TERM = re.compile(r"第[一二三四五六七八九十]+届")  # 「浙江省第十三届人民代表大会」: the congress, whatever its term
_HEAD_OF_GOVERNMENT = re.compile(r"人民政府(?:[省市县区州盟]长|主席|旗长)")
_CENTRAL = re.compile(r"^(?:中共中央|国务院|全国|中华人民共和国|国家(?!级)[\u4e00-\u9fff]{2,16}?(?:委员会|局|署|院|委)(?:办公厅|办公室)?$|"
                      r"[^省市县区]{1,10}部(?:办公厅|办公室)?$)")


def _tidy_issuer(org: str) -> str:
    """Drop a province written before a place it encloses: 河南济源市人民政府 → 济源市人民政府."""
    found = mentions(org)
    if len(found) >= 2 and found[0].start == 0 and found[0].place.name in found[1].place.parents \
            and found[1].start == found[0].end:
        return org[found[1].start:]
    return org


def infer_issuer(title: str, paragraphs: list[str]) -> str:
    """The issuing authority: named in the title before 关于, signed at the end, in a regulation's promulgation
    line (「…国务院令第697号公布」, 「…人民代表大会常务委员会第二十九次会议通过」) or in the first sentence."""
    m = _TITLE_AUTHORITY.match(title.strip())
    if m:
        return _tidy_issuer(m.group("org"))
    tail = [p.strip() for p in paragraphs[-6:]]
    for i, para in enumerate(tail):
        line = _strip_date(para)
        m = _SIGNATURE.match(line)
        # A signature stands on its own line next to the signing date, or shares the line with it.
        if m and (line != para or any(_date_line(p) for p in tail[i + 1: i + 3])):
            return _tidy_issuer(m.group("org"))
    for para in paragraphs[:4]:
        if _DATE_OPENING.match(para.strip()) and (m := _DECREE.search(para) or _ADOPTED.search(para)):
            return _tidy_issuer(_TERM.sub("", m.group("org")))
    head = "\n".join(paragraphs[:3])[:400]
    m = _HEAD_AUTHORITY.search(head)
    if m:
        return _tidy_issuer(m.group("org"))
    for m in _HEAD_OF_GOVERNMENT.finditer(head):  # work reports: 「…会议上 尉氏县人民政府县长 张锋」
        named = [p for p in mentions(head[: m.start()]) if p.end == m.start()]
        if named:
            return named[-1].place.name + "人民政府"
    return ""


def _as_issuer(source: str) -> str:
    """A page's 「来源」 when it names an authority (not a news agency or a website)."""
    source = source.strip()
    return _tidy_issuer(source) if _SIGNATURE.match(source) else ""


# --- document number ---------------------------------------------------------------------------

_DOC_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,12}?)\s*[〔\[［【(（]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］】)）]\s*第?\s*(?P<num>\d{1,5})\s*号"
)
_LABELLED_NUMBER = re.compile(r"(?:文\s*号|发文字号)\s*[:：]?\s*")


def _number(m: re.Match[str]) -> str:
    return f"{m.group('prefix')}〔{m.group('year')}〕{int(m.group('num'))}号"


def find_doc_numbers(text: str) -> list[tuple[int, int, str]]:
    """Every 文号 written in a text: (start, end, number with 〔〕 brackets)."""
    return [(m.start(), m.end(), _number(m)) for m in _DOC_NUMBER.finditer(text)]


def infer_doc_number(title: str, paragraphs: list[str]) -> str:
    """The document's own number (文号), brackets normalised to 〔〕: 鲁政发〔2019〕3号.

    Only a number the document states as its own counts: labelled 文号, standing on its own line or at the
    start of one in the head, or in the title. A number quoted in the body cites another document.
    """
    head = paragraphs[:8]
    for para in head:
        label = _LABELLED_NUMBER.search(para)
        if label:
            m = _DOC_NUMBER.match(para, label.end())
            if m:
                return _number(m)
    for para in head:
        m = _DOC_NUMBER.match(para.strip())
        if m:
            return _number(m)
    m = _DOC_NUMBER.search(title)
    return _number(m) if m else ""


# --- date ----------------------------------------------------------------------------------------

_DIGIT_DATE = re.compile(r"(?<![\d.])(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_HAN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
_NOT_THE_DAY = ("前", "底", "以", "至", "起", "到", "—", "-", "～", "~")  # deadlines and periods, not the date


def _valid(year: int, month: int, day: int) -> str:
    if not 1900 <= year <= 2100:
        return ""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:  # month 13, 2月30日: a garbled date is no date
        return ""


def _dates(text: str) -> list[tuple[int, int, str]]:
    """Every valid full date in a text: (start, end, ISO date), in Arabic or Chinese numerals."""
    found = []
    for m in _DIGIT_DATE.finditer(text):
        iso = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            found.append((m.start(), m.end(), iso))
    for m in _HAN_DATE.finditer(text):
        year = int("".join(str(cn2an.cn2an(c, "smart")) if c not in "〇○" else "0" for c in m.group(1)))
        iso = _valid(year, int(cn2an.cn2an(m.group(2), "smart")), int(cn2an.cn2an(m.group(3), "smart")))
        if iso:
            found.append((m.start(), m.end(), iso))
    return sorted(found)


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every valid full date in a text: (start, end, ISO date), in Arabic or Chinese numerals."""
    return _dates(text)


def _date_line(para: str) -> str:
    """The date of a line that is only a date (maybe in brackets, maybe followed by 印发)."""
    found = _dates(para)
    if len(found) == 1:
        start, end, iso = found[0]
        rest = para[:start] + para[end:]
        if not re.sub(r"[\s()（）〔〕\[\]印发]", "", rest):
            return iso
    return ""


def _strip_date(para: str) -> str:
    """A signature line without its trailing date: 「山东省人民政府 2019年3月1日」 → 山东省人民政府."""
    found = _dates(para)
    if found and found[-1][1] == len(para.rstrip()):
        return para[: found[-1][0]].strip()
    return para


# A regulation's history under its title: 「2010年6月25日 …会议通过」「（…批准）」「根据2019年…的决定修正」.
# Each line starts with a date (maybe after an opening bracket or 根据) and names a step that made the text.
_HISTORY_LINE = re.compile(r"^[（(]?\s*(?:根据|经)?\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年")
_TEXT_STEP = re.compile(r"通过|批准|修正|修订")  # adoption, approval, amendment; 公布 and 施行 make no new text
# A report or speech gives the day it was delivered under its title: 「——2026年1月31日在…会议上」.
_DELIVERED = re.compile(r"^[（(]?\s*[—－\-―─–~～]{0,2}\s*(?=\S+?日\s*在[^。]{0,60}(?:会议|大会)上)")
_EFFECTIVE = re.compile(r"自\s*$")  # 「本规定自2013年2月1日起施行」: the date the text takes effect
_HEAD_LINES = 20


def _history_date(paragraphs: list[str]) -> str:
    """The last step of a history block or the delivery date at the head of a document, else ''."""
    history: list[str] = []
    for para in paragraphs[:_HEAD_LINES]:
        para = para.lstrip("#").strip()
        marker = match_marker(para)
        if marker and marker.kind != "attachment":
            break  # the body has begun: its dates are what the text regulates
        if _DELIVERED.match(para) and _dates(para):
            return _dates(para)[0][2]
        if _HISTORY_LINE.match(para) and _TEXT_STEP.search(para):
            history.extend(iso for _, _, iso in _dates(para))
    return max(history, default="")


def _effective_date(paragraphs: list[str]) -> str:
    """The date a text says it takes effect (自…起施行), for a text that carries no other date."""
    for para in paragraphs:
        for start, end, iso in _dates(para):
            if _EFFECTIVE.search(para[:start]) and para[end: end + 4].lstrip().startswith(("起施行", "起实施", "施行")):
                return iso
    return ""


# What may follow a signing date on its line: nothing, or a bracketed note 「（此件公开发布）」.
_AFTER_SIGNATURE = re.compile(r"^\s*(?:[（(][^）)]{0,20}[）)])?\s*$")


def _signed_date(paragraphs: list[str]) -> str:
    """The last date that an authority's name precedes after a finished sentence, anywhere in the text:
    「…特此通知。某某部2024年3月1日（此件公开发布）」, as a collapsed text or a page prints a signature."""
    for para in reversed(paragraphs):
        for start, end, iso in reversed(_dates(para)):
            before = re.split(r"[。！？；：]", para[:start])[-1].strip()
            if _SIGNATURE.match(before) and _AFTER_SIGNATURE.match(para[end:]):
                return iso
    return ""


def _head_date_line(paragraphs: list[str]) -> str:
    """A line that is only a date, above the body: a notice's signing date before the plan it issues."""
    for para in paragraphs[:_HEAD_LINES]:
        marker = match_marker(para.lstrip("#").strip())
        if marker and marker.kind != "attachment":
            break
        iso = _date_line(para)
        if iso:
            return iso
    return ""


def infer_date(paragraphs: list[str], *, fallback: str = "") -> str:
    """The document's own date (ISO).

    In order: the last step of the history block under a regulation's title (adoption, approval, amendment)
    or the day a report was delivered; the signing date near the end; a date after the issuer's name wherever
    it stands (「…特此通知。某部2024年3月1日」); a date line above the body (a notice's, before the plan it issues);
    the first date in the head; the page date; the date the text takes effect; a month and day in a text that
    speaks of its year.
    """
    history = _history_date(paragraphs)
    if history:
        return history
    for para in reversed(paragraphs[-4:]):
        para = para.strip()
        signed = para[len(_strip_date(para)):]  # the date after a signature on the same line
        iso = _date_line(para) or (_date_line(signed) if _SIGNATURE.match(_strip_date(para)) else "")
        if iso:
            return iso
    signed = _signed_date(paragraphs) or _head_date_line(paragraphs)
    if signed:
        return signed
    head = "".join(paragraphs[:2])[:300]
    for start, end, iso in _dates(head):
        if not head[end: end + 3].lstrip().startswith(_NOT_THE_DAY):
            return iso  # includes 「2024年1月30日在…会议上」
    if fallback:
        return fallback
    effective = _effective_date(paragraphs)
    if effective:
        return effective
    joined = "".join(paragraphs)
    years = Counter(re.findall(r"(?<!\d)(20\d{2})年", joined))
    for md in _MONTH_DAY.finditer(joined):  # news: 「8月15日，…」 in a text that speaks of its year
        if years and not joined[md.end(): md.end() + 3].lstrip().startswith(_NOT_THE_DAY):
            return _valid(int(years.most_common(1)[0][0]), int(md.group(1)), int(md.group(2)))
    return ""


# --- type, tags, everything at once ------------------------------------------------------------


# A regulation's title ends with its genre: 条例, (若干/暂行)规定, (实施)办法, 细则, 规则, …法, also inside
# 「关于印发《…办法》的通知」 and before a parenthesised note such as （试行）.
_REGULATION_TITLE = re.compile(r"(?:条例|规定|办法|细则|规则|(?<![方做想看说])法)》?(?:的(?:通知|决定|公告))?"
                               r"(?:[（(][^）)]*[）)])?$")


@lru_cache(maxsize=4096)
def document_genre(title: str) -> str:
    """One of work_report, responsibility_notice, regulation, measures, news, from a document's title (cached:
    searches ask it of every candidate's title)."""
    if "政府工作报告" in title and "责任单位" not in title:
        return "work_report"
    if "责任单位" in title or "重点工作" in title:
        return "responsibility_notice"
    if _REGULATION_TITLE.search(title.strip()):
        return "regulation"
    if "措施" in title or "方案" in title or "意见" in title:
        return "measures"
    return "news"


def infer_doc_type(title: str, text: str) -> str:
    """The document's genre (`document_genre`); front matter may override it."""
    return document_genre(title)


def site_tag(title_line: str) -> tuple[str, str]:
    """Split 【尉氏县招商】title into (tag place, title)."""
    m = _TAG.match(title_line)
    if not m:
        return "", title_line
    return m.group(1), title_line[m.end():]


@dataclass
class DocumentMetadata:
    """What a document says about itself."""

    region: str = ""
    region_path: list[str] = field(default_factory=list)
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    doc_type: str = ""


def infer_metadata(title: str, paragraphs: list[str], *, text: str = "", tag: str = "",
                   fallback_date: str = "", fallback_issuer: str = "", site: str = "") -> DocumentMetadata:
    """All document metadata; `paragraphs` are the cleaned paragraphs, `text` what the place count reads.

    The fallbacks (a web page's date and source) and the publishing site count only where the text says nothing.
    """
    body = text or "\n".join(paragraphs)
    issuer = infer_issuer(title, paragraphs) or _as_issuer(fallback_issuer)
    region = infer_region(title, body, tag, issuer, site=site, paragraphs=paragraphs)
    return DocumentMetadata(
        region=region,
        region_path=infer_region_path(region),
        issuer=issuer,
        doc_number=infer_doc_number(title, paragraphs),
        date=infer_date(paragraphs, fallback=fallback_date),
        doc_type=infer_doc_type(title, body),
    )

