"""The answerer interface shared by every backend, and the shapes they return."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ingest import Chunk

__all__ = [
    "REFUSAL",
    "Passage",
    "Intent",
    "Citation",
    "Verification",
    "Answer",
    "Answerer",
    "citation_from_chunk",
]

REFUSAL = "文件中没有找到相关内容。"


@dataclass
class Passage:
    """One retrieved chunk handed to an answerer, with the key it must be cited by."""

    key: str  # the citation label, e.g. "济源市 第46条"; unique within one request
    chunk: Chunk
    score: float = 0.0
    sentence: str = ""  # the sentence the answer model found to answer, when it decided; '' otherwise
    also: str = ""  # a sentence of this measure the model found nearly as likely as `sentence`: quoted beside it


@dataclass
class Intent:
    """What query analysis learned about the question."""

    asks_responsible: bool = False  # 「谁负责」「哪个部门」
    asks_list: bool = False  # 「哪些」「有哪些措施」: wants every matching measure
    asks_number: bool = False  # 「多少」「目标」
    asks_locate: bool = False  # 「哪一条」「哪项重点工作」: which measure says it
    asks_places: bool = False  # 「哪些省份…」「哪些地方的法规…」: which places say it
    regions: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    explicit: bool = False  # the question named a measure directly (第46条)


@dataclass
class Citation:
    """A measure an answer cites, resolvable at /v1/documents/{doc_id}/measures/{measure}."""

    ref: str
    chunk_id: str
    doc_id: str
    doc_title: str
    region: str
    measure: str
    text: str
    responsible_units: list[str] = field(default_factory=list)
    section: str = ""
    in_force: bool | None = None  # the document's status on the date asked (None: it states nothing)
    effective_date: str = ""
    expiry_date: str = ""


def citation_from_chunk(key: str, chunk: Chunk) -> Citation:
    """Build the structured citation for a passage."""
    return Citation(
        ref=key,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        doc_title=chunk.doc_title,
        region=chunk.region,
        measure=chunk.measure,
        text=chunk.text,
        responsible_units=list(chunk.responsible_units),
        section=chunk.section,
    )


@dataclass
class Verification:
    """What the citation verifier checked, so clients can show trust signals."""

    checked: int = 0  # sentences checked
    dropped: list[str] = field(default_factory=list)  # sentences removed, with the reason appended


@dataclass
class Answer:
    """A finished answer: text with inline 【label】 citations plus the structured list."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False  # the asked fact was not given (a partial answer is refused too)
    partial: bool = False  # says what the documents hold on the topic and which asked fact they do not state
    fallback: bool = False  # an LLM answer failed and this is the extractive one
    verification: Verification | None = None
    backend: str = ""


class Answerer(Protocol):
    """A backend that writes an answer from retrieved passages."""

    name: str
    supports_streaming: bool

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """Write the whole answer."""
        ...

    def stream(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        """Yield text deltas, then exactly one final `Answer` (whose text is authoritative)."""
        ...
