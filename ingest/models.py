"""The corpus model: documents, the measures parsed out of them and the chunks we index."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Document", "Measure", "Chunk", "measure_label"]


@dataclass
class Document:
    """One logical document: a file, or one article of a multi-article page."""

    doc_id: str
    title: str
    text: str
    source: str
    offset: int = 0  # where `text` starts inside the cleaned source text
    region: str = ""  # the place it is about, canonical: 尉氏县, 济源市, 山东省, 全国
    region_path: list[str] = field(default_factory=list)  # province first: [河南省, 开封市, 尉氏县]
    issuer: str = ""
    doc_number: str = ""  # 文号 with 〔〕 brackets: 豫政办〔2024〕12号
    date: str = ""  # ISO yyyy-mm-dd, from the text
    doc_type: str = ""
    preface: str = ""  # news summary kept apart from the measures
    heading: str = ""  # the title lines as the text prints them above `text` (not part of it); "" when none
    # Lifecycle (ingest.lifecycle): what the document states about its own validity.
    effective_date: str = ""  # ISO yyyy-mm-dd or ""
    expiry_date: str = ""  # ISO yyyy-mm-dd or ""
    replaces: list[str] = field(default_factory=list)  # titles (without 《》) and 文号s it repeals
    status: str = ""  # "repealed" when the page marks it 已废止/失效, else ""
    lifecycle_clause: str = ""  # the sentence of `text` that stated the above, verbatim
    attachments: list[str] = field(default_factory=list)  # files a web page links as the document's 附件


@dataclass
class Measure:
    """One citable unit of a document: a numbered measure, a 重点工作 block or a paragraph group."""

    measure: str  # the printed label: "46", "重点工作4", "一", "一（三）"
    text: str
    start: int  # character span inside the document's cleaned text
    end: int
    section: str = ""
    subsection: str = ""
    numbered: bool = True  # "第N条" measures versus units of unnumbered documents


def measure_label(region: str, measure: str, *, numbered: bool, doc_title: str = "") -> str:
    """The human label a reader can cite, e.g. 济源市 第46条 or 郑州市 重点工作4."""
    place = region or doc_title
    if numbered and measure.isdigit():
        return f"{place} 第{measure}条"
    return f"{place} {measure}".strip()


@dataclass
class Chunk:
    """What goes into the index: one measure (or one window of a long unit) with its metadata."""

    chunk_id: str
    doc_id: str
    doc_title: str
    region: str
    issuer: str
    date: str
    doc_type: str
    section: str
    subsection: str
    measure: str
    measure_label: str
    measure_title: str
    responsible_units: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    region_path: list[str] = field(default_factory=list)  # the document's region, province first
    doc_number: str = ""
    source: str = ""
    span_start: int = 0  # character range of `text` in the document's cleaned text (GET /v1/documents/{id}),
    span_end: int = 0  # past the heading an opening chunk's text starts with
    heading_chars: int = 0  # leading characters of `text` that are the document's printed title lines (line break
    # included), shown by its opening chunk so a passage running on from the title is found whole; else 0
    part: int = 0  # window number when a long unit is split, else 0
    parts: int = 1
    text: str = ""  # the measure's own text, shown to users and answerers
    embed_text: str = ""  # context header + text, what the embedder sees

    def numbered_section(self) -> bool:
        """Whether this chunk is a numbered measure (第N条) under a section heading."""
        return self.measure.isdigit() and bool(self.section)

    def to_metadata(self) -> dict[str, Any]:
        """Flat chromadb metadata: lists become JSON strings."""
        # Not `asdict`: its deep copies cost more than the rest of a write (the lists are dumped below anyway).
        meta = {name: getattr(self, name) for name in _METADATA_FIELDS}
        meta["responsible_units"] = json.dumps(self.responsible_units, ensure_ascii=False)
        meta["lead_units"] = json.dumps(self.lead_units, ensure_ascii=False)
        meta["region_path"] = json.dumps(self.region_path, ensure_ascii=False)
        return meta

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], text: str, embed_text: str = "") -> Chunk:
        """Inverse of `to_metadata`."""
        data = dict(meta)
        data["responsible_units"] = json.loads(data.get("responsible_units") or "[]")
        data["lead_units"] = json.loads(data.get("lead_units") or "[]")
        data["region_path"] = json.loads(data.get("region_path") or "[]")
        known = set(cls.__dataclass_fields__) - {"text", "embed_text"}
        data = {k: v for k, v in data.items() if k in known}
        return cls(**data, text=text, embed_text=embed_text)

    def to_json(self) -> dict[str, Any]:
        """Everything, for `--dry-run --json` and the API."""
        return asdict(self)


_METADATA_FIELDS = tuple(name for name in Chunk.__dataclass_fields__ if name not in ("text", "embed_text"))
