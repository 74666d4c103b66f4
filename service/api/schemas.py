"""Request and response models of the HTTP API."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SearchFilters", "SearchRequest", "SearchResult", "SearchResponse", "Message", "AskRequest",
    "CitationModel", "VerificationModel", "AskResponse", "DocumentSummary", "DocumentDetail", "MeasureDetail",
    "Health",
]

_ASK_EXAMPLE: dict[str, Any] = {"question": "济源市储能装机容量目标是多少？谁负责？", "top_k": 5}


class SearchFilters(BaseModel):
    """Restrict results; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(None, description="区域，如 济源市", examples=["济源市"])
    doc_id: str | None = Field(None, description="文档 id", examples=["004_1db4aff5efda3015"])
    unit: str | None = Field(None, description="责任单位（在该条责任单位之中即匹配）", examples=["发展改革和统计局"])
    date_from: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="起始日期 YYYY-MM-DD")
    date_to: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="截止日期 YYYY-MM-DD")
    in_force: bool | None = Field(None, description="true：排除已知不在有效期内的文件（未注明有效期的保留）；"
                                  "false：只保留已知失效、被废止或尚未施行的文件")
    as_of: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$",
                              description="按哪一天判断文件是否有效 YYYY-MM-DD（默认今天）", examples=["2024-06-01"])


class SearchRequest(BaseModel):
    """A search over measures."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "储能装机容量", "top_k": 5}]})

    query: str = Field(..., min_length=1, description="检索词或问题（最多 api.max_question_chars 字，默认 1000）")
    top_k: int = Field(5, ge=1, description="返回条数（1 至 api.max_top_k，默认 50）")
    filters: SearchFilters | None = None


class SearchResult(BaseModel):
    """One retrieved measure."""

    chunk_id: str
    doc_id: str
    doc_title: str
    region: str
    measure: str
    measure_label: str
    section: str
    subsection: str
    date: str
    text: str
    score: float
    responsible_units: list[str]
    lead_units: list[str]
    in_force: bool | None = Field(None, description="文件在 as_of（默认今天）是否有效；null：文件未注明")
    effective_date: str = ""
    expiry_date: str = ""


class SearchResponse(BaseModel):
    """Search results, best first."""

    results: list[SearchResult]
    timings: dict[str, float] = Field(default_factory=dict)


class Message(BaseModel):
    """One previous turn of a conversation."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(..., max_length=20000)


class AskRequest(BaseModel):
    """A question, optionally with filters and the conversation so far."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ASK_EXAMPLE]})

    question: str = Field(..., min_length=1, description="问题（最多 api.max_question_chars 字，默认 1000）")
    top_k: int = Field(5, ge=1, description="检索条数（1 至 api.max_top_k，默认 50）")
    filters: SearchFilters | None = None
    history: list[Message] = Field(default_factory=list, max_length=100,
                                   description="此前的对话轮次；服务只使用最近的若干轮（见 README）")
    stream: bool = Field(False, description="以 Server-Sent Events 流式返回")
    min_answerability: float | None = Field(
        None, ge=0.0, le=1.0, description="本次提问的拒答门槛（0 至 1）：可回答度低于它的回答改为拒答。越高，答错越少、"
        "拒答越多；不填则用索引校准的或答题模型文件中的门槛（见 README「The answerability gate」）")


class CitationModel(BaseModel):
    """A cited measure; open it at /v1/documents/{doc_id}/measures/{measure}."""

    ref: str
    chunk_id: str
    doc_id: str
    doc_title: str
    region: str
    measure: str
    section: str
    text: str
    responsible_units: list[str]
    in_force: bool | None = Field(None, description="文件在 as_of（默认今天）是否有效；null：文件未注明")
    effective_date: str = ""
    expiry_date: str = ""


class VerificationModel(BaseModel):
    """What the citation verifier checked in an LLM answer."""

    checked: int
    dropped: list[str]


class AskResponse(BaseModel):
    """An answer with its citations."""

    answer: str
    citations: list[CitationModel]
    refused: bool
    partial: bool = False
    fallback: bool = False
    verification: VerificationModel | None = None
    backend: str
    rewritten_question: str
    timings: dict[str, float]
    answerability: float | None = Field(
        None, description="可回答度（0 至 1）：答题模型估计检索到的条目能回答该问题的概率；仅在它衡量过一个回答时给出"
        "（拒答也可能带有：低于门槛而被拒），否则为 null")


class DocumentSummary(BaseModel):
    """A document in the index."""

    doc_id: str
    title: str
    region: str
    date: str
    issuer: str
    doc_type: str
    source: str
    measures: int
    doc_number: str | None = Field(None, description="文号, e.g. 豫政办〔2024〕12号; null when the document states none")
    effective_date: str | None = Field(None, description="ISO date the document takes effect, or null")
    expiry_date: str | None = Field(None, description="ISO date its validity ends (有效期), or null")
    replaces: list[str] = Field(default_factory=list, description="titles and 文号s of documents it repeals")
    status: str = Field("", description="'repealed' when its page marks it 已废止/失效, else ''")
    lifecycle_clause: str = Field("", description="the sentence of its text that states the above, verbatim")


class DocumentDetail(DocumentSummary):
    """A document with its preface, its cleaned text (measure spans index into it), its measure labels and the
    files its web page linked as attachments."""

    preface: str
    text: str
    measure_labels: list[str]
    attachments: list[str] = []


class MeasureDetail(BaseModel):
    """One measure in full, with every window of it joined."""

    doc_id: str
    doc_title: str
    region: str
    measure: str
    measure_label: str
    measure_title: str
    section: str
    subsection: str
    date: str
    text: str
    responsible_units: list[str]
    lead_units: list[str]
    source: str
    span: list[int]


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    detail: str = ""
    chunks: int = 0
    embedder: str = ""
    answerer: str = ""
    pid: int = Field(default_factory=os.getpid, description="The process that answered (one of several uvicorn "
                                                          "workers).")
