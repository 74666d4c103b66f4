"""A document's lifecycle as it states it: when it takes effect, when it expires, what it replaces, whether repealed.

Read from the cleaned text, sentence by sentence:

- effective date: 「自2024年3月1日起施行/实施/执行/生效」; 「自印发/发布/公布之日起施行」 is the document's own
  date (its signature or issue date), so it is known only when that date is;
- expiry date: 「有效期至2027年2月28日(止)」, 「有效期截至…」, 「执行期至…」, 「有效期自…至…」 (whose first date is also
  the effective date when no other clause states one), or 「有效期N年/N个月」 (N in Arabic or Chinese numerals)
  counted from the effective date. A term of N years ends on the day before the Nth anniversary of the
  effective date: effective 2024-03-01, 有效期3年 → expiry 2027-02-28, the reading policy offices use when they
  print both (「自2024年3月1日起施行，有效期至2027年2月28日」);
- replaces: the titles (without 《》) and 文号s named before 「…同时废止」, 「…停止执行」, 「…不再执行」 at the end of
  a clause;
- status: "repealed" when the page marks the document 「已废止」, 「已失效」 or 「失效」 (a mark line near the title,
  a labelled 「时效性：失效」, or a bracketed mark after the title), else "";
- lifecycle clause: the first sentence, verbatim, that stated any of the above.

A period (有效期) counts only when it is the document's own: at the start of a clause or after 「本…」, so that
「许可证有效期为五年」 or 「在有效期内」 inside a measure is not read as the document's term.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field, fields

import cn2an

from ingest.metadata import find_dates, find_doc_numbers
from ingest.numbering import strip_marker

__all__ = ["REPEALED", "LIFECYCLE_FIELDS", "Lifecycle", "infer_lifecycle", "infer_status", "is_repeal_mark", "add_term"]

REPEALED = "repealed"

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")
_TAKES_EFFECT = r"\s*(?:正式)?(?:施行|实施|执行|生效)"
_AFTER_DATE = re.compile(rf"\s*起?{_TAKES_EFFECT}")
_BEFORE_DATE = re.compile(r"自\s*$")
_ON_ISSUE = re.compile(rf"自\s*(?:印发|发布|公布|颁布|签发|下发|公告)之日起{_TAKES_EFFECT}")
_PERIOD = r"(?:有效期|执行期|实施期|试行期)限?"
_PERIOD_WORD = re.compile(_PERIOD)
# 「有效期至」「有效期截至」「有效期为2024年1月1日至」: the date that follows ends the period.
_UNTIL = re.compile(rf"{_PERIOD}[^，,。；;]{{0,30}}?(?:至|截至|截止(?:到|至)?|到)\s*$")
_TERM = re.compile(rf"{_PERIOD}\s*(?:为|暂定为?|是)?\s*(?P<n>\d{{1,2}}|[一二两三四五六七八九十]{{1,3}})\s*(?P<unit>个月|年)")
_MONTH_END = re.compile(r"(?<!\d)(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*)?(?:底|末)")
_OWN = re.compile(r"^(?:本|此|该)")
_REPEAL_VERB = re.compile(r"(?:同时|即行|一并|相应)?(?:废止|停止执行|不再执行|停止施行)|同时失效")
_CLAUSE_END = re.compile(r"\s*(?:[。；;！!]|$)")
_TITLE = re.compile(r"《([^《》]+)》")
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


def _own_clause(sentence: str, at: int) -> bool:
    """Whether the period word at `at` speaks of the document itself: first in its clause, or after 本/此."""
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, at)), default=0)
    before = strip_marker(sentence[clause_start:at]).strip()
    return not before or bool(_OWN.match(before))


def _month_ends(sentence: str) -> list[tuple[int, int, str]]:
    """「2027年底」「2025年12月末」 as the last day of that year or month."""
    found = []
    for m in _MONTH_END.finditer(sentence):
        year, month = int(m.group(1)), int(m.group(2) or 12)
        if 1900 <= year <= 2100 and 1 <= month <= 12:
            day = calendar.monthrange(year, month)[1]
            found.append((m.start(), m.end(), dt.date(year, month, day).isoformat()))
    return found


def _effective(sentence: str, date: str) -> str:
    """The date a sentence says the document takes effect, else ''."""
    for start, end, iso in find_dates(sentence):
        if _BEFORE_DATE.search(sentence[:start]) and _AFTER_DATE.match(sentence, end):
            if not sentence[:start].rstrip()[:-1].rstrip().endswith("》"):  # another document's date
                return iso
    if _ON_ISSUE.search(sentence):
        return date
    return ""


def _period(sentence: str) -> tuple[str, str, tuple[int, str] | None]:
    """(start date, end date, (count, unit)) of the document's own period stated in a sentence."""
    words = [m.start() for m in _PERIOD_WORD.finditer(sentence) if _own_clause(sentence, m.start())]
    if not words:
        return "", "", None
    first = words[0]
    dates = sorted(find_dates(sentence) + _month_ends(sentence))
    for start, _end, iso in dates:
        if start > first and _UNTIL.search(sentence[first:start]):
            begun = [d for s, _e, d in dates if first < s < start]
            return (begun[0] if begun else ""), iso, None
    term = _TERM.search(sentence, first)
    if term and term.start() == first:
        n = term.group("n")
        count = int(n) if n.isdigit() else int(cn2an.cn2an(n, "smart"))
        return "", "", (count, term.group("unit"))
    return "", "", None


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
        titles = [(m.start(), m.group(1).strip()) for m in _TITLE.finditer(span)]
        inside = [(m.start(), m.end()) for m in _TITLE.finditer(span)]
        numbers = [(s, n) for s, e, n in find_doc_numbers(span) if not any(a <= s < b for a, b in inside)]
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


def infer_lifecycle(title: str, text: str, *, date: str = "") -> Lifecycle:
    """The lifecycle a document states in its cleaned `text`; `date` is its own date (for 「自印发之日起」)."""
    life = Lifecycle(status=infer_status(title, text))
    term: tuple[int, str] | None = None
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if not any(word in sentence for word in ("施行", "实施", "执行", "生效", "期", "废止", "失效")):
            continue  # most sentences: nothing to read
        effective = _effective(sentence, date)
        start, end, sentence_term = _period(sentence)
        replaced = _replaced(sentence)
        # 「自印发之日起施行」 states when even where the document's own date is unknown.
        stated = effective or _ON_ISSUE.search(sentence) or start or end or sentence_term or replaced
        if not stated:
            continue
        life.lifecycle_clause = life.lifecycle_clause or sentence.strip()
        life.effective_date = life.effective_date or effective or start
        life.expiry_date = life.expiry_date or end
        term = term or sentence_term
        life.replaces.extend(name for name in replaced if name not in life.replaces)
    if not life.expiry_date and term and life.effective_date:
        life.expiry_date = add_term(life.effective_date, *term)
    return life
