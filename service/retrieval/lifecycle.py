"""Which documents are in force: statuses computed from the lifecycle fields ingest extracts, once per index
generation and date, the notice an answer drawn from a superseded document carries, and the short answers to
「…现在还有效吗」「有效期到哪一天」「哪天起施行」「废止了哪个文件」.

A document is not in force when a government page marks it repealed, when another indexed document that has
taken effect names its 文号 or title among those it repeals (「…同时废止」), before its effective date or after
its expiry date. It is in force when its effective date has passed (and its expiry, if any, has not); with
nothing stated its status is unknown (None).
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ingest import LIFECYCLE_FIELDS, REPEALED, Chunk, ChunkCatalog, IndexStore, stated_term

if TYPE_CHECKING:  # the retriever imports this module; hits are only read and copied here
    from service.retrieval.retriever import Filters, Hit

__all__ = ["DocumentStatus", "Statuses", "Lifecycles", "status_at", "today", "chinese_date", "notice",
           "lifecycle_answer", "lifecycle_partial", "clause_chunk", "known", "clauses_first", "in_force_first", "FACETS"]

# What a validity question asks about a document (evidence.Asked.validity holds these names).
FACETS = ("status", "expiry", "effective", "replaces")


def today() -> str:
    """Today's date, ISO."""
    return datetime.date.today().isoformat()


def chinese_date(iso: str) -> str:
    """2024-03-01 → 2024年3月1日."""
    try:
        day = datetime.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class DocumentStatus:
    """One document's lifecycle facts and its status on one date."""

    doc_id: str
    title: str = ""
    doc_number: str = ""
    date: str = ""
    effective_date: str = ""
    expiry_date: str = ""
    replaces: tuple[str, ...] = ()
    status: str = ""  # "repealed" when a government page marks it so
    clause: str = ""  # the sentence that states the facts, verbatim
    in_force: bool | None = None
    reason: str = ""  # why not in force: repealed, replaced, not_yet, expired
    replaced_by: DocumentStatus | None = None  # the indexed document repealing this one, when it has taken effect
    replacing: tuple[DocumentStatus, ...] = ()  # indexed documents this one repeals (by 文号 or title)

    @property
    def stated(self) -> bool:
        """Whether anything is known of its lifecycle."""
        return bool(self.effective_date or self.expiry_date or self.replaces or self.status or self.replaced_by)


def status_at(as_of: str, *, effective_date: str = "", expiry_date: str = "", status: str = "",
              replaced: bool = False) -> tuple[bool | None, str]:
    """(in force, why not) on `as_of` (ISO): None when nothing decides it."""
    if status == REPEALED:
        return False, "repealed"
    if replaced:
        return False, "replaced"
    if effective_date and effective_date > as_of:
        return False, "not_yet"
    if expiry_date and expiry_date < as_of:
        return False, "expired"
    if effective_date or expiry_date:
        return True, ""
    return None, ""


class Statuses:
    """Every document's status on one date (documents stating nothing: unknown)."""

    def __init__(self, as_of: str, known: Mapping[str, DocumentStatus]) -> None:
        self.as_of = as_of
        self.known = known  # documents with lifecycle facts or repealed by another
        self.not_in_force = frozenset(d for d, s in known.items() if s.in_force is False)

    def of(self, doc_id: str) -> DocumentStatus:
        """A document's status (unknown when it states nothing)."""
        return self.known.get(doc_id) or DocumentStatus(doc_id)


def _key(text: str) -> str:
    """A 文号 or title as compared: no book-title marks, spaces or bracket variants (〔〕[]（） all alike)."""
    text = re.sub(r"[《》\s\"“”「」]", "", text)
    return re.sub(r"[〔［\[【(（]", "〔", re.sub(r"[〕］\]】)）]", "〕", text))


def _repeals(records: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """doc_id → the documents naming it among those they repeal (「…同时废止」), whatever the date: computed once per
    index generation, each record's 文号 and title read once."""
    keys = {d: (_key(str(r.get("doc_number") or "")), _key(str(r.get("title") or ""))) for d, r in records.items()}
    by_number: dict[str, list[str]] = {}
    for doc_id, (number, _) in keys.items():
        if number:
            by_number.setdefault(number, []).append(doc_id)
    replacing: dict[str, list[str]] = {}
    for source_id, source in records.items():
        for entry in {_key(str(e)) for e in source.get("replaces") or ()} - {""}:
            named = set(by_number.get(entry, ()))
            named |= {d for d, (_, title) in keys.items() if entry == title or (len(entry) >= 6 and entry in title)}
            for doc_id in sorted(named - {source_id}):
                if source_id not in replacing.setdefault(doc_id, []):
                    replacing[doc_id].append(source_id)
    return replacing


def _compute(records: Mapping[str, Mapping[str, Any]], replacing: Mapping[str, Sequence[str]],
             as_of: str) -> dict[str, DocumentStatus]:
    """Statuses on `as_of` of the documents with lifecycle facts, and of those another document repeals."""
    sources = {s for by in replacing.values() for s in by}

    def facts(doc_id: str) -> dict[str, Any]:
        r = records[doc_id]
        return {"doc_id": doc_id, "title": str(r.get("title") or ""), "doc_number": str(r.get("doc_number") or ""),
                "date": str(r.get("date") or ""), "effective_date": str(r.get("effective_date") or ""),
                "expiry_date": str(r.get("expiry_date") or ""), "replaces": tuple(r.get("replaces") or ()),
                "status": str(r.get("status") or ""), "clause": str(r.get("lifecycle_clause") or "")}

    def own(doc_id: str) -> DocumentStatus:
        f = facts(doc_id)
        in_force, reason = status_at(as_of, effective_date=f["effective_date"], expiry_date=f["expiry_date"],
                                     status=f["status"])
        return DocumentStatus(**f, in_force=in_force, reason=reason)

    relevant = {d for d, r in records.items()
                if r.get("effective_date") or r.get("expiry_date") or r.get("replaces") or r.get("status")}
    base = {d: own(d) for d in relevant | set(replacing)}
    out: dict[str, DocumentStatus] = {}
    for doc_id, status in base.items():
        # A repeal takes effect with the repealing document: its effective date, else its date.
        by = [base[s] for s in replacing.get(doc_id, ())
              if (base[s].effective_date or base[s].date or as_of) <= as_of]
        replaced_by = by[0] if by else None
        in_force, reason = status_at(as_of, effective_date=status.effective_date, expiry_date=status.expiry_date,
                                     status=status.status, replaced=replaced_by is not None)
        out[doc_id] = DocumentStatus(**{**facts(doc_id), "in_force": in_force, "reason": reason,
                                        "replaced_by": replaced_by})
    for source_id in sources:
        named = tuple(out[d] for d, by in sorted(replacing.items()) if source_id in by)
        out[source_id] = replace(out[source_id], replacing=named)
    return out


class Lifecycles:
    """Statuses per index generation and date: computed once for each (the catalog is per generation), never per
    chunk or request."""

    MAX_DATES = 32  # dates kept per generation

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._catalog: ChunkCatalog | None = None
        self._records: dict[str, dict[str, Any]] = {}
        self._repeals: dict[str, list[str]] = {}
        self._by_date: dict[str, Statuses] = {}

    def statuses(self, as_of: str | None = None) -> Statuses:
        """Every document's status on `as_of` (ISO; today when not given)."""
        as_of = as_of or today()
        catalog = self.store.catalog()
        with self._lock:
            if catalog is not self._catalog:
                self._records = {d: {k: r.get(k) for k in _FIELDS} for d, r in self.store.documents().items()}
                self._repeals = _repeals(self._records)
                self._catalog, self._by_date = catalog, {}
            found = self._by_date.get(as_of)
            if found is None:
                if len(self._by_date) >= self.MAX_DATES:
                    self._by_date.clear()
                found = self._by_date[as_of] = Statuses(as_of, _compute(self._records, self._repeals, as_of))
            return found


_FIELDS = ("title", "doc_number", "date", *LIFECYCLE_FIELDS)


# --- what answers say ---------------------------------------------------------------------------------

def _book(title: str) -> str:
    """A title in book-title marks, those inside it turned to 〈〉: 《河南省实施〈中华人民共和国中小企业促进法〉办法》."""
    return f"《{title.replace('《', '〈').replace('》', '〉')}》"


def _cited_name(status: DocumentStatus) -> str:
    number = f"（{status.doc_number}）" if status.doc_number else ""
    return f"{_book(status.title)}{number}"


def _state(status: DocumentStatus) -> str:
    """The status in words: 现行有效, 已失效, 已被《…》（…）废止, 尚未施行, 已废止."""
    if status.in_force:
        return "现行有效"
    if status.reason == "replaced" and status.replaced_by is not None:
        return f"已被{_cited_name(status.replaced_by)}废止"
    if status.reason == "not_yet":
        return f"尚未施行（{chinese_date(status.effective_date)}起施行）"
    if status.reason == "expired":
        return f"有效期至{chinese_date(status.expiry_date)}，已失效"
    if status.reason == "repealed":
        return "已废止"
    return ""


def notice(status: DocumentStatus, *, alone: bool = True) -> str:
    """What an answer drawn from a document not in force says (「注意：该文件有效期至…，已失效。」); '' when it is
    in force or unknown. `alone`: the answer cites no other document, so 「该文件」 is enough."""
    if status.in_force is not False:
        return ""
    return f"注意：{'该文件' if alone else _book(status.title)}{_state(status)}。"


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)




def clause_chunk(status: DocumentStatus, catalog: ChunkCatalog) -> Chunk | None:
    """The chunk of the document holding its lifecycle clause (the clause as written, else its opening or its
    closing words), to cite."""
    clause = _compact(status.clause)
    if not clause:
        return None
    # A notice takes its lifecycle from the plan it issues: the clause is then in another document of its file.
    for doc_id in [status.doc_id, *(d for d in catalog.same_file(status.doc_id) if d != status.doc_id)]:
        chunks = catalog.of_document(doc_id)
        for probe in (clause, clause[:12], clause[-12:]):
            for chunk in chunks:
                if probe and probe in _compact(chunk.text):
                    return chunk
    return None


def lifecycle_answer(facets: Sequence[str], status: DocumentStatus, cite: Mapping[str, str]) -> str:
    """The answer to a validity question from the document's facts: 「《X》自2024年3月1日起施行，有效期至
    2027年2月28日，现行有效【X市 第N条】。」 `cite`: doc_id → the citation key of the chunk stating its facts.
    '' when the facts asked are not known."""
    if not known(facets, status):
        return ""
    own = f"【{cite[status.doc_id]}】" if status.doc_id in cite else ""
    if "replaces" in facets:
        named = [_cited_name(s) for s in status.replacing] or [_book(e) if not _is_number(e) else e
                                                               for e in status.replaces]
        return f"{_book(status.title)}施行后，{'、'.join(dict.fromkeys(named))}同时废止{own}。"
    parts = []
    if status.effective_date:
        parts.append(f"自{chinese_date(status.effective_date)}起施行")
    state = _state(status) if status.reason != "not_yet" else "尚未施行"
    term = stated_term(status.clause)  # 「有效期多久」 is answered in the document's words, with the day it ends
    if status.expiry_date:
        until = f"{term}，至{chinese_date(status.expiry_date)}" if term else f"有效期至{chinese_date(status.expiry_date)}"
        if status.reason == "expired":
            state = f"{until}，已失效"
        else:
            parts.append(until)
    elif term:
        parts.append(term)
    if state:
        parts.append(state)
    text = f"{_book(status.title)}{'，'.join(parts)}{own}"
    if status.replaced_by is not None and status.replaced_by.doc_id in cite:
        text += f"【{cite[status.replaced_by.doc_id]}】"
    return text + "。"


_UNSTATED = {"status": "有效期限", "expiry": "有效期", "effective": "施行日期", "replaces": "废止的文件"}


def lifecycle_partial(facets: Sequence[str], status: DocumentStatus, cite: Mapping[str, str]) -> str:
    """「文件提到《X》自…起施行…，但没有写明有效期。」: what a document states of its lifecycle when it does not state
    what is asked; '' when it states all of it, or nothing."""
    lacking = [f for f in facets if not known([f], status)]
    have = [f for f in ("effective", "expiry", "status") if known([f], status)]
    if not lacking or not have:
        return ""
    said = lifecycle_answer(have, status, cite).removesuffix("。")
    return f"文件提到{said}，但没有写明{'、'.join(_UNSTATED[f] for f in lacking)}。"


def known(facets: Sequence[str], status: DocumentStatus) -> bool:
    """Whether the document states what the question asks (its status, expiry, effective date or repeals)."""
    checks = {"status": status.in_force is not None, "expiry": bool(status.expiry_date),
              "effective": bool(status.effective_date), "replaces": bool(status.replaces)}
    return bool(facets) and all(checks.get(f, False) for f in facets)


def _is_number(entry: str) -> bool:
    return bool(re.search(r"〔\d{4}〕|\[\d{4}\]|\d+号$", entry))


# --- what retrieval does with statuses ------------------------------------------------------------------

CLAUSE_DOCUMENTS = 3  # a validity question's clause is looked for in this many of the top-ranked documents


def clauses_first(hits: Sequence[Hit], statuses: Statuses, catalog: ChunkCatalog, filters: Filters) -> list[Hit]:
    """A validity question (「…现在还有效吗」「哪天起施行」): the clause stating each top-ranked document's lifecycle
    goes before that document's other passages, in the documents' order; what it answers is in that clause."""
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(hit.chunk.doc_id, hit)
    front: list[Hit] = []
    for doc_id in list(best)[:CLAUSE_DOCUMENTS]:
        status = statuses.of(doc_id)
        chunk = clause_chunk(status, catalog) if status.stated else None
        if chunk is not None and filters.accepts(chunk):
            held = next((h for h in hits if h.chunk.chunk_id == chunk.chunk_id), None)
            front.append(held or replace(best[doc_id], chunk=chunk, dense=None, lexical=None, explicit=False))
    if not front:
        return list(hits)
    clause_of = {h.chunk.doc_id: h for h in front}
    # Each clause just before its document's best passage: the documents keep their order.
    out: list[Hit] = []
    for hit in hits:
        clause = clause_of.get(hit.chunk.doc_id)
        if clause is not None and hit is best[hit.chunk.doc_id]:
            out.append(clause)
        if clause is None or hit is not clause:
            out.append(hit)
    return out


def in_force_first(hits: Sequence[Hit], statuses: Statuses, margin: float) -> list[Hit]:
    """Hits of documents known not in force moved after the in-force documents' hits that score comparably (within
    `margin` of their score): among passages answering alike, the current document's answers. A much better hit
    keeps its rank; documents whose status is unknown are not moved past."""
    if not margin or not statuses.not_in_force:
        return list(hits)
    out = list(hits)
    for hit in [h for h in hits if h.chunk.doc_id in statuses.not_in_force]:
        at = next(i for i, h in enumerate(out) if h is hit)
        floor = hit.score - margin * abs(hit.score)
        later = [j for j in range(at + 1, len(out))
                 if out[j].score >= floor and statuses.of(out[j].chunk.doc_id).in_force]
        if later:
            out.insert(later[-1], out.pop(at))
    return out
