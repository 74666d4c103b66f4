"""Turning one source file's text into documents: multi-article pages, news prefaces, titles."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from ingest.cleaning import clean_text
from ingest.errors import EmptyDocumentError, InvalidMetadataError
from ingest.formats.overrides import LIST_FIELDS, split_list
from ingest.gazetteer import find_regions
from ingest.lifecycle import REPEALED, infer_lifecycle
from ingest.metadata import infer_doc_number, infer_metadata, infer_region_path, site_tag
from ingest.models import Document
from ingest.numbering import match_marker

__all__ = ["OVERRIDABLE_FIELDS", "apply_overrides", "split_documents"]

# Document fields a sidecar .meta.json or front matter may set; the text and its bookkeeping are the file's own.
OVERRIDABLE_FIELDS = tuple(f.name for f in dataclasses.fields(Document)
                           if f.name not in {"doc_id", "text", "source", "offset", "attachments", "heading"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_SEPARATOR = re.compile(r"^\s*-\s*$")
_ARTICLE_TITLE = re.compile(r"^\s*【[^】]+】")
_PAGE_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*$")
_PREFACE_END = re.compile(r"^\s*原文如下\s*[:：]?\s*$")
_QUOTED_TITLE = re.compile(r"《([^》]{6,60})》")
_TITLE_WINDOW, _TITLE_MAX, _TITLE_LINES, _TITLE_SCAN = 8, 60, 3, 40
_WORD_CHARS = re.compile(r"\w")  # letters, digits and Chinese characters
_MIN_WORDS = 4  # a title, an issuer or a document number has more; a button or breadcrumb has fewer
_MARKDOWN_HASHES = re.compile(r"^#{1,6}\s*")
# Words that name a kind of official document; a title usually holds one, and ends with one.
# a national law is titled 「中华人民共和国…法」
_KIND = r"方案|措施|办法|规定|意见|通知|通报|报告|计划|条例|细则|决定|决议|规划|纲要|要点|公告|通告|批复|复函|清单|规则|指南|制度|若干政策|" \
        r"中华人民共和国[^\s，。；]{2,30}法"
_TITLE_WORD = re.compile(rf"关于|{_KIND}")
_TITLE_END = re.compile(rf"(?:{_KIND})(?:（[^）]{{1,12}}）)?$")
# Lines around a title that are not it: a citation code, an addressee or salutation (ends with a colon),
# a document number, a date, a publication note.
_NOT_TITLE = [
    re.compile(r"引证码|^【[^】]*】[A-Za-z.\d]+$"),
    re.compile(r"[：:]$"),
    re.compile(r"〔\d{4}〕|［\d{4}］|\[\d{4}\]|\d{4}〕|第\d+号$|^\S{1,12}\d+号$"),
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日|^\d{4}-\d{2}-\d{2}|^(发布|成文|印发|施行)日期|^（此件|^[—－\-]{1,2}"),
]
# The opening words of a run-together text that name what it is: 「关于做好春耕工作的通知各县区…」 (no sentence
# mark before the kind word, which no 」》” or 的 follows: 「…《…办法》的通知」 reads on to 通知).
_OPENING_TITLE = re.compile(rf"^(?P<title>[^。，；：！？\s]{{4,{_TITLE_MAX}}}?(?:{_KIND})(?:（[^）]{{1,12}}）)?)(?![的》」”）])")
# A report's delivery note printed on its title line: 「政府工作报告（2025年1月14日在…会议上 省长 某某）」.
_DELIVERY_NOTE = re.compile(r"[（(][^（）()]*?\d{4}年[^（）()]*?在[^（）()]*?(?:会议|大会)上[^（）()]*[）)]$")


def _is_multi_article(lines: list[str]) -> bool:
    seps = [i for i, line in enumerate(lines) if _SEPARATOR.match(line)]
    titled = [i for i in seps if i + 1 < len(lines) and _ARTICLE_TITLE.match(lines[i + 1])]
    return len(titled) >= 2


def _articles(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in lines:
        if _SEPARATOR.match(line):
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
    return [b for b in blocks if any(line.strip() for line in b)]


def _title_of(paragraphs: list[str], fallback: str) -> tuple[str, list[int]]:
    """A document's title and the indexes of the paragraphs it used (a title may span two lines)."""
    window: list[int] = []
    for i, para in enumerate(paragraphs[:_TITLE_SCAN]):
        if _is_body(para) or len(window) == _TITLE_WINDOW:
            break
        if len(_WORD_CHARS.findall(para)) >= _MIN_WORDS:  # page chrome (打印, 收藏, >, 【字号：) takes no place
            window.append(i)
    candidates = [i for i in window if _is_title_like(paragraphs[i])]
    worded = [i for i in candidates if _TITLE_WORD.search(paragraphs[i])]
    if worded or candidates:
        first = (worded or candidates)[0]
        whole = [i for i in worded if i > first and paragraphs[i].startswith("关于")
                 and _TITLE_END.search(_heading_words(paragraphs[i]))]
        if whole and not _TITLE_END.search(_heading_words(paragraphs[first])):
            first = whole[0]  # a news headline (「…发出通知：…」) above the document's own complete title
        used = [first]
        if paragraphs[first].startswith("关于") and first - 1 in candidates and first - 2 not in candidates \
                and not _TITLE_WORD.search(paragraphs[first - 1]):
            # the issuer on the line above: 「某市人民政府」 + 「关于…的通知」 (joint issuers, one a line, are no title)
            used.insert(0, first - 1)
        if not _TITLE_END.search(paragraphs[first]):  # a long title broken over two or three lines
            longest: list[int] = []
            for last in range(first + 1, first + _TITLE_LINES):
                run = list(range(first + 1, last + 1))
                if (all(i in candidates for i in run)
                        and _TITLE_END.search("".join(_heading_words(paragraphs[i]) for i in [first, *run]))
                        and sum(len(paragraphs[i]) for i in [first, *run]) <= _TITLE_MAX + 20):
                    longest = run  # 「…制度」 may end a line inside the title: the longest run that ends one
            used.extend(longest)
        return _DELIVERY_NOTE.sub("", "".join(_heading_words(paragraphs[i]) for i in used)), used
    opening = _OPENING_TITLE.match(_heading_words(paragraphs[0])) if paragraphs else None
    if opening:  # a text run together (a crawl without line breaks): its opening words up to what it is
        return opening.group("title"), []
    for para in paragraphs[:3]:
        quoted = _QUOTED_TITLE.search(para)
        if quoted:
            return quoted.group(1), []
    return fallback, []


def _squeezed(text: str) -> str:
    return re.sub(r"[\s#*]", "", text)


def _printed(paragraphs: list[str], title: str) -> tuple[str, list[int]] | None:
    """The page's stated title and the lines that print it, when one to three lines at the head spell it."""
    want = _squeezed(title)
    if not want:
        return None
    for i in range(min(len(paragraphs), _TITLE_SCAN)):
        for last in range(i, min(i + _TITLE_LINES, len(paragraphs))):
            run = _squeezed("".join(paragraphs[i:last + 1]))
            if run == want:
                return title.strip(), list(range(i, last + 1))
            if not want.startswith(run):
                break
    return None


def _heading_words(para: str) -> str:
    return _MARKDOWN_HASHES.sub("", para).strip()


def _is_body(para: str) -> bool:
    """A paragraph of running text or numbered structure: the title is above it."""
    marker = match_marker(para)
    return bool(marker and marker.kind != "attachment") or ("。" in para and len(para) > _TITLE_MAX)


def _is_title_like(para: str) -> bool:
    """A line that can be a title: short, no sentence, and none of the lines that surround a title."""
    words = _heading_words(para)
    return (4 <= len(words) <= _TITLE_MAX and "。" not in words and match_marker(words) is None
            and not any(p.search(words) for p in _NOT_TITLE))


def _second_title(paragraphs: list[str], after: int) -> int | None:
    """Where a second document starts: its own title line, then numbering that starts again at one."""
    seen_structure = False
    for i in range(after + 1, len(paragraphs) - 1):
        para = paragraphs[i]
        marker = match_marker(para)
        if marker and marker.kind != "attachment":
            seen_structure = True
            continue
        words = _heading_words(para)
        if not (_is_title_like(para) and len(words) >= 8 and _TITLE_END.search(words)):
            continue
        following = next((m for m in map(match_marker, paragraphs[i + 1:i + 8])
                          if m and m.kind != "attachment"), None)
        notice_before = _TITLE_WORD.search(paragraphs[after] if after >= 0 else "") is not None
        if following and following.number == 1 and (seen_structure or notice_before):
            above = paragraphs[i - 1]
            if (i - 1 > after and _is_title_like(above) and "关于" in above
                    and not _TITLE_END.search(_heading_words(above))):
                return i - 1  # a title broken after its 关于 (「国家能源局关于印发」 + 「《…规则》的通知」) starts above
            return i
    return None


def _document(doc_id: str, source: str, paragraphs: list[str], *, title: str = "", tag: str = "",
              page_date: str = "", preface: str = "", page: dict[str, str] | None = None) -> Document:
    """One document; `page` is what its web page says about itself, used where the text says nothing."""
    page = page or {}
    used: list[int] = []
    if not title:
        stated = page.get("title", "")
        named = Path(source).stem  # a file named by its title spells a title broken over lines whole
        title, used = _printed(paragraphs, stated) or (_TITLE_WORD.search(named) and _printed(paragraphs, named)) \
            or _title_of(paragraphs, stated or named)
        if stated and (not used or not _TITLE_WORD.search(title) or _squeezed(stated).endswith(_squeezed(title))):
            # the head prints no title line (a title quoted in the text, a report opening with its delivery
            # line), or prints it without the issuer the page names: the page's title
            title = stated.strip()
    body = [p for i, p in enumerate(paragraphs) if i not in used and not _NOT_TITLE[0].search(p)]
    text = "\n".join(body)
    meta = infer_metadata(title, paragraphs, text=preface + text, tag=tag, fallback_date=page_date or page.get("date", ""),
                          fallback_issuer=page.get("issuer", ""), site=page.get("site", ""))
    meta.date = page.get("signed") or meta.date  # a page's labelled 成文日期 states the document's own date
    if not meta.doc_number and used:  # a head of page chrome above the title: the 文号 stands under the title
        meta.doc_number = infer_doc_number(title, paragraphs[used[-1] + 1:])
    meta.doc_number = meta.doc_number or page.get("number", "")
    heading = "\n".join(paragraphs[i] for i in sorted(used))
    return Document(doc_id=doc_id, title=title, text=text, source=source, preface=preface, heading=heading,
                    **vars(meta))


def apply_overrides(doc: Document, overrides: dict[str, str], source: str) -> Document:
    """The document with hand-set fields replacing the inferred ones."""
    unknown = sorted(set(overrides) - set(OVERRIDABLE_FIELDS))
    if unknown:
        raise InvalidMetadataError(
            f"{Path(source).name}: unknown document field(s) {', '.join(unknown)} in its metadata; "
            f"valid fields: {', '.join(OVERRIDABLE_FIELDS)}."
        )
    for name in ("date", "effective_date", "expiry_date"):
        if overrides.get(name) and not _ISO_DATE.match(overrides[name]):
            raise InvalidMetadataError(f"{Path(source).name}: {name} '{overrides[name]}' must be written yyyy-mm-dd.")
    if overrides.get("status") and overrides["status"] != REPEALED:
        raise InvalidMetadataError(f"{Path(source).name}: status '{overrides['status']}' must be '{REPEALED}' or ''.")
    changes: dict[str, Any] = dict(overrides)
    for name in LIST_FIELDS & set(changes):
        changes[name] = split_list(changes[name])
    if changes.get("region") and "region_path" not in changes:  # the hand-set place brings its own parents
        changes["region_path"] = infer_region_path(changes["region"])
    return dataclasses.replace(doc, **changes)


def _split_parts(paragraphs: list[str]) -> list[list[str]]:
    """One file's paragraphs cut where a second document begins (a notice, then the plan it issues)."""
    parts: list[list[str]] = []
    while paragraphs:
        _, used = _title_of(paragraphs, "")
        cut = _second_title(paragraphs, used[-1] if used else -1)
        if cut is None:
            parts.append(paragraphs)
            break
        head = paragraphs[:cut]
        if head and (m := match_marker(head[-1])) and m.kind == "attachment" and not m.rest:
            head = head[:-1]  # the 「附件」 line that introduced the second document
        parts.append(head)
        paragraphs = paragraphs[cut:]
    return [p for p in parts if p]


def _issued_by(notice: Document, plan: Document) -> Document:
    """A plan issued by the notice before it in the file has the notice's issuer, place and date.

    Only where the plan's own title names no place: 「国家组织药品集中采购试点方案」 lists pilot cities in its text,
    but it is the State Council's, not the most-named city's.
    """
    if find_regions(plan.title):  # its place is its own; its date and issuer are still the notice's
        return dataclasses.replace(plan, issuer=plan.issuer or notice.issuer, date=plan.date or notice.date)
    return dataclasses.replace(plan, region=notice.region, region_path=list(notice.region_path),
                               issuer=plan.issuer or notice.issuer, date=plan.date or notice.date)


def _states_lifecycle(doc: Document) -> bool:
    return bool(doc.effective_date or doc.expiry_date or doc.replaces)


def _shared_lifecycle(docs: list[Document]) -> list[Document]:
    """A notice that issues the documents after it in its file and states no lifecycle of its own takes effect,
    expires and replaces what the first of them states (「现将《…办法》印发给你们」: the 办法 says 「本办法自…起施行」)."""
    out = list(docs)
    for i, doc in enumerate(out):
        if _states_lifecycle(doc):
            continue
        source = next((later for later in out[i + 1:] if _states_lifecycle(later)), None)
        if source is not None:
            out[i] = dataclasses.replace(doc, effective_date=source.effective_date, expiry_date=source.expiry_date,
                                         replaces=list(source.replaces),
                                         lifecycle_clause=doc.lifecycle_clause or source.lifecycle_clause)
    return out


def split_documents(raw: str, source: str, doc_id: str, *, markdown: bool = False,
                    overrides: dict[str, str] | None = None, page: dict[str, str] | None = None,
                    attachments: list[str] | None = None) -> list[Document]:
    """Split a file's text into cleaned documents (one, or one per article of a scraped page).

    `overrides` (from a sidecar .meta.json or front matter) replace inferred fields in every document; `page`
    (a web page's own metadata) fills the first document's title, date and issuer where its text has none, and
    `attachments` (the files the page links) are recorded on it.
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    docs: list[Document] = []
    multi = _is_multi_article(lines)  # unrelated articles of one page, not a notice and what it issues
    if multi:
        for n, block in enumerate(_articles(lines), start=1):
            page_date = ""
            dates = [i for i, line in enumerate(block) if _PAGE_DATE.match(line)]
            if dates:
                page_date = _PAGE_DATE.match(block[dates[-1]]).group(1)  # type: ignore[union-attr]
                block = block[: dates[-1]]
            title_line = next(line for line in block if line.strip())
            rest = block[block.index(title_line) + 1:]
            tag, title = site_tag(clean_text(title_line)[0])
            title = title.strip("《》")
            paragraphs = clean_text("\n".join(rest), markdown=markdown)
            if not paragraphs:
                continue
            docs.append(_document(f"{doc_id}-a{n:02d}", source, paragraphs, title=title, tag=tag,
                                  page_date=page_date))
    else:
        preface = ""
        cut = next((i for i, line in enumerate(lines) if _PREFACE_END.match(line)), None)
        if cut is not None:
            preface = "\n".join(clean_text("\n".join(lines[:cut])))
            lines = lines[cut + 1:]
        paragraphs = clean_text("\n".join(lines), markdown=markdown)
        parts = _split_parts(paragraphs)
        stated = [i for i, part in enumerate(parts) if page and _printed(part, page.get("title", ""))]
        if stated and stated[0] > 0:  # what comes before the page's document (a decree promulgating it) is its head
            parts = [sum(parts[: stated[0] + 1], []), *parts[stated[0] + 1:]]
        elif stated[:2] == [0, 1] and not any(match_marker(p) for p in parts[0]):
            parts = [parts[0] + parts[1], *parts[2:]]  # an info block quoting the title, then the document printing it
        if len(parts) > 1 and _title_of(parts[0], "")[0] and _title_of(parts[0], "")[0] == _title_of(parts[1], "")[0] \
                and not any(match_marker(p) for p in parts[0]):
            parts = parts[1:]  # a page that prints the title above the document's own title, issuer between
        for n, part in enumerate(parts, start=1):
            docs.append(_document(f"{doc_id}-d{n:02d}" if len(parts) > 1 else doc_id, source, part,
                                  preface=preface if n == 1 else "", page=page if n == 1 else None))
        docs[1:] = [_issued_by(docs[0], doc) for doc in docs[1:]]
    if not docs:
        raise EmptyDocumentError(f"{Path(source).name}: no text left after cleaning.")
    # After _issued_by: a plan 「自印发之日起施行」 takes effect on the date of the notice that issues it.
    published = (page or {}).get("date", "")
    docs = [dataclasses.replace(d, **vars(infer_lifecycle(d.title, d.text, date=d.date, published=published)))
            for d in docs]
    docs = docs if multi else _shared_lifecycle(docs)
    if attachments:
        docs[0].attachments = list(attachments)
    if overrides:
        docs = [apply_overrides(doc, overrides, source) for doc in docs]
    return docs
