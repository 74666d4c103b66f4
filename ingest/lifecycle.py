"""A document's lifecycle as it states it: when it takes effect, when it expires, what it replaces, whether repealed.

Read from the cleaned text, sentence by sentence:

- effective date: 「自2024年3月1日起施行/实施/执行/生效」 (「本规范于…实施」 too); 「自印发/发布/公布之日起施行」 is the
  document's own date (its signature or issue date; for 发布/公布 the page's publication date when the page gives
  one), so it is known only when that date is; 「自发布之日起30日后施行」 is that date plus 30 days; an hour after
  the date (「2020年2月21日零时」) is allowed;
- expiry date: 「有效期至2027年2月28日(止)」, 「有效期截至…」, 「执行期至…」, 「有效期自…至…」 (whose first date is also
  the effective date when no other clause states one), or 「有效期N年/N个月」 (N in Arabic or Chinese numerals)
  counted from the effective date. A term of N years ends on the day before the Nth anniversary of the
  effective date: effective 2024-03-01, 有效期3年 → expiry 2027-02-28, the reading policy offices use when they
  print both (「自2024年3月1日起施行，有效期至2027年2月28日」);
- replaces: the titles (without 《》) and 文号s named before 「…同时废止」, 「…停止执行」, 「…不再执行」 at the end of
  a clause;
- status: "repealed" when the page marks the document 「已废止」, 「已失效」 or 「失效」 (a mark line near the title,
  a labelled 「时效性：失效」, or a bracketed mark after the title), else "";
- a period written out (「自2020年2月1日起至6月30日止」, 「自11月18日起至12月底止」) is the document's own
  effective and expiry dates only when the document states neither otherwise and writes out no other period
  (a temporary measure's window; a plan with several windows for several measures has none of its own);
- lifecycle clause: the first sentence, verbatim, that stated any of the above.

Only what the document says of itself counts: a term (有效期) first in its sentence, after 「本…」/「此…」 or right
after the sentence's effective clause, so that 「许可证有效期为五年」 or 「在有效期内」 inside a measure is not read
as the document's term; 「自…起施行」 whose verb ends its clause (not 「自…起实施的项目」) and not after another
document's title; 「自印发之日起施行」 first in its clause, after 「本…」 or in a bracketed history block, not as a
rule the text lays down for other texts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, fields

import cn2an

from ingest.metadata import find_dates, find_doc_numbers
from ingest.numbering import strip_marker

__all__ = ["REPEALED", "LIFECYCLE_FIELDS", "Lifecycle", "infer_lifecycle", "infer_status", "is_repeal_mark", "add_term",
           "stated_term"]

REPEALED = "repealed"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")
# The verb ends its clause: 「起施行。」「起实施，有效期…」, not 「起实施的项目」 or 「起执行新的收费标准」.
_TAKES_EFFECT = r"\s*(?:正式)?(?:施行|实施|执行|生效)(?=\s*(?:[，,。；;！!）)]|$))"
# 「自2020年2月21日零时起施行」「…0时施行」: an hour of the day may follow the date.
_HOUR = r"(?:\s*(?:\d{1,2}|[零〇一二三四五六七八九十]{1,3})\s*(?:时|点)(?:\s*\d{1,2}\s*分)?)?"
_AFTER_DATE = re.compile(rf"{_HOUR}\s*起?{_TAKES_EFFECT}")
_BEFORE_DATE = re.compile(r"(?P<word>自|于)\s*$")
# 「自印发之日起施行」, 「自发布之日起30日后施行」 (N days after the document's date).
_ON_ISSUE = re.compile(rf"自\s*(?P<act>印发|发布|公布|颁布|签发|下发|公告)之日起\s*(?:(?P<days>\d{{1,3}}|[一二三四五六七八九十百]{{1,4}})\s*日后)?"
                       rf"{_TAKES_EFFECT}")
_PUBLISHED_ACTS = ("发布", "公布", "颁布", "公告")  # dated by publication, where a page states it; 印发 by signature
# A period written out: 「自2020年2月1日起至6月30日止」「自11月18日起至12月底止」 (the year of a date without one is the
# year before it in the span, else the document's).
_DAY = r"(?:(?P<{0}y>\d{{4}})\s*年\s*)?(?P<{0}m>\d{{1,2}})\s*月\s*(?:(?P<{0}d>\d{{1,2}})\s*日|(?P<{0}e>底|末))"
_SPAN = re.compile(rf"自\s*{_DAY.format('a')}\s*起?\s*至\s*{_DAY.format('b')}\s*止")
_HISTORY_HEAD = re.compile(r"^[（(]\s*(?:\d{4}|[〇○零一二三四五六七八九]{4})\s*年")
_PERIOD = r"(?:有效期|执行期|实施期|试行期)限?"
_PERIOD_WORD = re.compile(_PERIOD)
# 「有效期至」「有效期截至」「有效期为2024年1月1日至」 (the start date written as 「D」): the next date ends the
# period. Nothing else may stand between: 「执行期限由原…延长至」 speaks of a change, not of the document's term.
_UNTIL = re.compile(rf"{_PERIOD}\s*(?:为|暂定为?|是)?\s*(?:自?\s*D\s*起?\s*)?(?:至|截至|截止(?:到|至)?|到)\s*")
_TERM = re.compile(rf"{_PERIOD}\s*(?:为|暂定为?|是)?\s*(?P<n>\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*(?P<unit>个月|年)")
_MONTH_END = re.compile(r"(?<!\d)(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*)?(?:底|末)")
_OWN = re.compile(r"^(?:本|此)(?!\S{0,8}所称)")  # 「本办法」, not 「本办法所称许可证」
_REPEAL_VERB = re.compile(r"(?:同时|即行|一并|相应)?(?:废止|停止执行|不再执行|停止施行)|同时失效")
_CLAUSE_END = re.compile(r"\s*(?:[。；;！!]|$)")
_TITLE = re.compile(r"《([^《》]+)》")
_TITLE_NOTE = re.compile(r"\s*([（(](?:试行|暂行)[）)])")
_AMENDED_BY = re.compile(r"\s*(?:第[一二三四五六七八九十]+次)?(?:修正|修订|修改)")
# Repeal marks: a line that is only the mark, a labelled mark (「时效性：失效」, 「有效性 | 已废止」), or a mark in
# brackets at the end of the title.
_MARK = r"(?:已废止|已失效|失效|废止)"
_MARK_LINE = re.compile(rf"^[\[【（(〔<]?\s*{_MARK}\s*[\]】）)〕>]?$")
_LABELLED_MARK = re.compile(rf"(?:时效性|有效性|效力状态|效力级别|时效状态|效力|状态)\s*[:：|｜]?\s*[\[【]?\s*{_MARK}")
_TITLE_MARK = re.compile(rf"[\[【（(〔]\s*{_MARK}\s*[\]】）)〕]\s*$")
_MARK_SCAN_LINES = 12  # how far below the title a page's mark may stand
_MARK_LINE_CHARS = 80  # a mark line is short: an info bar, not running text


@dataclass
class Lifecycle:
    """What a document says about its own validity (every field may be empty)."""

    effective_date: str = ""  # ISO yyyy-mm-dd
    expiry_date: str = ""
    replaces: list[str] = field(default_factory=list)  # titles without 《》 and 文号s, in the order named
    status: str = ""  # REPEALED or ""
    lifecycle_clause: str = ""  # the first sentence that stated a date or a replacement, verbatim


LIFECYCLE_FIELDS = tuple(f.name for f in fields(Lifecycle))  # the Document fields this module fills


def add_term(effective: str, count: int, unit: str) -> str:
    """The last day of a term of `count` years (unit 年) or months (个月) starting on `effective` (ISO).

    The term ends the day before the anniversary: 2024-03-01 + 3年 → 2027-02-28; 2024-01-31 + 1个月 → 2024-02-29.
    """
    start = dt.date.fromisoformat(effective)
    months = start.month - 1 + (count * 12 if unit == "年" else count)
    year, month = start.year + months // 12, months % 12 + 1
    days = calendar.monthrange(year, month)[1]
    # An anniversary that does not exist (29 Feb, 31 Apr) falls on the first day after the month.
    anniversary = (dt.date(year, month, start.day) if start.day <= days
                   else dt.date(year, month, days) + dt.timedelta(days=1))
    return (anniversary - dt.timedelta(days=1)).isoformat()


def stated_term(clause: str) -> str:
    """The term as a clause words it (「有效期五年」, 「有效期为3个月」), '' when it states none."""
    m = _TERM.search(clause)
    return re.sub(r"\s+", "", m.group(0)) if m else ""


def _own_clause(sentence: str, at: int, effective: bool) -> bool:
    """Whether the period word at `at` speaks of the document itself: first in its sentence, in a sentence or
    clause that starts with 本/此 (「本措施自…起实施，有效期…」), or after the sentence's effective clause."""
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, at)), default=0)
    sentence_head = strip_marker(sentence[:at].strip())
    clause_head = sentence[clause_start:at].strip()
    # 「《购用证明》…，有效期为3个月」「许可证发证日期为…，有效期为5年」: the term of something the text regulates.
    return (not sentence_head or bool(_OWN.match(sentence_head)) or bool(_OWN.match(clause_head))
            or (effective and not clause_head))


def _month_ends(sentence: str) -> list[tuple[int, int, str]]:
    """「2027年底」「2025年12月末」 as the last day of that year or month."""
    found = []
    for m in _MONTH_END.finditer(sentence):
        year, month = int(m.group(1)), int(m.group(2) or 12)
        if 1900 <= year <= 2100 and 1 <= month <= 12:
            day = calendar.monthrange(year, month)[1]
            found.append((m.start(), m.end(), dt.date(year, month, day).isoformat()))
    return found


def _count(numeral: str) -> int:
    return int(numeral) if numeral.isdigit() else int(cn2an.cn2an(numeral, "smart"))


def _issued(sentence: str) -> re.Match[str] | None:
    """「自印发之日起施行」 said of the document itself: first in its clause (「现予公告，自发布之日起施行」), after
    本/此, or closing a bracketed history block (「（…令第536号公布　自公布之日起施行）」); not a rule the text lays
    down for others (「行政法规应当自公布之日起30日后施行」, 「…的任何修改，并自公告之日起生效」)."""
    for issued in _ON_ISSUE.finditer(sentence):
        clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, issued.start())), default=0)
        head = strip_marker(sentence[clause_start: issued.start()].strip())
        if not head or _OWN.match(head) or _HISTORY_HEAD.match(sentence.strip()):
            return issued
    return None


def _effective(sentence: str, date: str, published: str = "") -> str:
    """The date a sentence says the document takes effect, else ''.

    「自DATE起施行」 anywhere but after another document's title; 「于DATE实施」 only in a sentence about the
    document itself (「本规范于…正式实施」), since 「于」 also dates what the text regulates. 「自印发之日起」 is the
    document's `date`; 「自发布/公布之日起」 its `published` date when known (a page's publication date), else `date`.
    """
    own = bool(_OWN.match(strip_marker(sentence.strip())))
    for start, end, iso in find_dates(sentence):
        before = _BEFORE_DATE.search(sentence[:start])
        if before and _AFTER_DATE.match(sentence, end) and (before.group("word") == "自" or own):
            if not sentence[: before.start()].rstrip().endswith("》"):  # another document's date
                return iso
    issued = _issued(sentence)
    base = (published or date) if issued and issued.group("act") in _PUBLISHED_ACTS else date
    if issued and base:
        later = _count(issued.group("days")) if issued.group("days") else 0
        return (dt.date.fromisoformat(base) + dt.timedelta(days=later)).isoformat()
    return ""


def _period(sentence: str, effective: bool) -> tuple[str, str, tuple[int, str] | None]:
    """(start date, end date, (count, unit)) of the document's own period stated in a sentence; `effective`: the
    sentence says when the document takes effect."""
    words = [m.start() for m in _PERIOD_WORD.finditer(sentence) if _own_clause(sentence, m.start(), effective)]
    if not words:
        return "", "", None
    first = words[0]
    dates = sorted(find_dates(sentence) + _month_ends(sentence))
    for start, _end, iso in dates:
        if start <= first:
            continue
        begun = [(s, e, d) for s, e, d in dates if first < s < start][:1]
        gap = sentence[first:start]
        if begun:  # the start date stands for itself: 「D」
            gap = sentence[first:begun[0][0]] + "D" + sentence[begun[0][1]:start]
        if _UNTIL.fullmatch(gap):
            return (begun[0][2] if begun else ""), iso, None
    term = _TERM.search(sentence, first)
    if term and term.start() == first:
        return "", "", (_count(term.group("n")), term.group("unit"))
    return "", "", None


def _span_day(m: re.Match[str], key: str, year: int) -> dt.date | None:
    """One end of a written-out period: its own year or `year`; 「12月底」 is the month's last day."""
    y = int(m.group(f"{key}y") or year)
    month = int(m.group(f"{key}m"))
    if not 1 <= month <= 12 or not 1900 <= y <= 2100:
        return None
    last = calendar.monthrange(y, month)[1]
    day = last if m.group(f"{key}e") else int(m.group(f"{key}d"))
    return dt.date(y, month, day) if 1 <= day <= last else None


def _spans(text: str, date: str) -> set[tuple[str, str]]:
    """Every period 「自D1起至D2止」 a sentence writes out, as (start, end) ISO dates."""
    found = set()
    for m in _SPAN.finditer(text):
        year = int(m.group("ay") or (date[:4] if date else 0))
        start = _span_day(m, "a", year) if year else None
        if start is None:
            continue
        end = _span_day(m, "b", start.year)
        if end is not None and not m.group("by") and end < start:
            end = _span_day(m, "b", start.year + 1)
        if end is not None and end >= start:
            found.add((start.isoformat(), end.isoformat()))
    return found


def _title_with_note(span: str, title: re.Match[str]) -> str:
    """A title with the 「（试行）」 written just after its 》: 《麻黄素管理办法》（试行） → 麻黄素管理办法（试行）."""
    note = _TITLE_NOTE.match(span, title.end())
    return title.group(1).strip() + (note.group(1) if note else "")


def _replaced(sentence: str) -> list[str]:
    """Titles and 文号s named before a repeal verb that ends its clause."""
    names: list[tuple[int, str]] = []
    begin = 0
    for effect in re.finditer(rf"起{_TAKES_EFFECT}", sentence):  # names come after the effective clause
        begin = effect.end()
    for verb in _REPEAL_VERB.finditer(sentence, begin):
        if not _CLAUSE_END.match(sentence, verb.end()):
            continue
        span = sentence[begin: verb.start()]
        # 「根据《关于修改…的决定》修正的《…办法》同时废止」「（国保发〔2012〕7号，国保发〔2019〕13号修订）」: an
        # amendment is the repealed text's history, not a second repealed document.
        titles = [(m.start(), _title_with_note(span, m)) for m in _TITLE.finditer(span)
                  if not _AMENDED_BY.match(span, m.end())]
        inside = [(m.start(), m.end()) for m in _TITLE.finditer(span)]
        numbers = [(s, n) for s, e, n in find_doc_numbers(span)
                   if not any(a <= s < b for a, b in inside) and not _AMENDED_BY.match(span, e)]
        names.extend((begin + s, n) for s, n in titles + numbers)
        begin = verb.end()
    seen: list[str] = []
    for _, name in sorted(names):
        if name and name not in seen:
            seen.append(name)
    return seen


def is_repeal_mark(line: str) -> bool:
    """Whether a short line marks a document repealed: 「已废止」, 「【失效】」, 「时效性：失效」, 「…通知（已废止）」."""
    line = line.strip().lstrip("#").strip()
    if len(line) > _MARK_LINE_CHARS or "。" in line:
        return False  # running text (「…同时废止。」) speaks of other documents
    return bool(_MARK_LINE.match(line) or _LABELLED_MARK.search(line) or _TITLE_MARK.search(line))


def infer_status(title: str, text: str) -> str:
    """REPEALED when the title or a line just below it marks the document repealed, else ''."""
    lines = [title, *text.split("\n")[:_MARK_SCAN_LINES]]
    return REPEALED if any(is_repeal_mark(line) for line in lines) else ""


def infer_lifecycle(title: str, text: str, *, date: str = "", published: str = "") -> Lifecycle:
    """The lifecycle a document states in its cleaned `text`; `date` is its own date (for 「自印发之日起」),
    `published` the day it was published where a page says so (for 「自发布之日起」).

    A document that states no effective date or term of its own but writes out exactly one period
    (「自2020年2月1日起至6月30日止」: a temporary measure) has that period as its own."""
    life = Lifecycle(status=infer_status(title, text))
    term: tuple[int, str] | None = None
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if not any(word in sentence for word in ("施行", "实施", "执行", "生效", "期", "废止", "失效")):
            continue  # most sentences: nothing to read
        effective = _effective(sentence, date, published)
        on_issue = _issued(sentence)
        start, end, sentence_term = _period(sentence, bool(effective or on_issue))
        replaced = _replaced(sentence)
        # 「自印发之日起施行」 states when even where the document's own date is unknown.
        stated = effective or on_issue or start or end or sentence_term or replaced
        if not stated:
            continue
        life.lifecycle_clause = life.lifecycle_clause or sentence.strip()
        life.effective_date = life.effective_date or effective or start
        life.expiry_date = life.expiry_date or end
        term = term or sentence_term
        life.replaces.extend(name for name in replaced if name not in life.replaces)
    if not life.expiry_date and term and life.effective_date:
        life.expiry_date = add_term(life.effective_date, *term)
    if not (life.effective_date or life.expiry_date or term):  # one period written out is the document's own
        periods: dict[tuple[str, str], str] = {}  # period → the first sentence writing it
        for m in _SENTENCE.finditer(text):
            for span in _spans(m.group(0), date):
                periods.setdefault(span, m.group(0))
        if len(periods) == 1:
            ((life.effective_date, life.expiry_date), clause), = periods.items()
            life.lifecycle_clause = life.lifecycle_clause or clause.strip()
    return life
