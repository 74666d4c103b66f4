"""GET /v1/documents, /v1/documents/{doc_id} and /v1/documents/{doc_id}/measures/{measure}."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from ingest import NotFoundError, join_windows
from service.api.deps import get_loaded_runtime, get_runtime
from service.api.schemas import DocumentDetail, DocumentSummary, MeasureDetail
from service.runtime import Runtime

router = APIRouter(tags=["documents"])

_SUMMARY_FIELDS = ("doc_id", "title", "region", "date", "issuer", "doc_type", "source", "measures", "status",
                   "lifecycle_clause")
_NULLABLE_FIELDS = ("doc_number", "effective_date", "expiry_date")  # "" (not stated) is null in the API


def _summary(record: dict[str, object]) -> dict[str, object]:
    summary = {k: record.get(k) or (0 if k == "measures" else "") for k in _SUMMARY_FIELDS}
    summary.update({k: record.get(k) or None for k in _NULLABLE_FIELDS})
    replaces = record.get("replaces")  # absent from records written before lifecycle fields existed
    summary["replaces"] = list(replaces) if isinstance(replaces, list) else []
    return summary


def _record(runtime: Runtime, doc_id: str) -> dict[str, object]:
    record = runtime.store.documents().get(doc_id)
    if record is None:
        raise NotFoundError(f"No document '{doc_id}'. GET /v1/documents lists them.")
    return record


@router.get("/v1/documents", response_model=list[DocumentSummary])
def list_documents(runtime: Runtime = Depends(get_loaded_runtime)) -> list[DocumentSummary]:
    """列出索引中的全部文档（索引为空时为空列表）。"""
    docs = runtime.store.documents()
    return [DocumentSummary.model_validate(_summary(docs[d])) for d in sorted(docs)]


@router.get("/v1/documents/{doc_id}", response_model=DocumentDetail)
def get_document(doc_id: str, runtime: Runtime = Depends(get_runtime)) -> DocumentDetail:
    """一份文档的元数据、导语和全部条目编号。"""
    record = _record(runtime, doc_id)
    chunks = sorted((c for c in runtime.store.catalog().of_document(doc_id) if c.part == 0), key=lambda c: c.span_start)
    return DocumentDetail.model_validate({**_summary(record), "preface": str(record.get("preface") or ""),
                                          "text": str(record.get("text") or ""),
                                          "measure_labels": [c.measure_label for c in chunks],
                                          "attachments": record.get("attachments") or []})


@router.get("/v1/documents/{doc_id}/measures/{measure}", response_model=MeasureDetail)
def get_measure(doc_id: str, measure: str, runtime: Runtime = Depends(get_runtime)) -> MeasureDetail:
    """一条措施的全文，含所属章节和责任单位（引用链接指向这里）。"""
    _record(runtime, doc_id)
    parts = sorted((c for c in runtime.store.catalog().of_document(doc_id) if c.measure == measure), key=lambda c: c.part)
    if not parts:
        raise NotFoundError(f"Document '{doc_id}' has no measure '{measure}'. "
                            f"GET /v1/documents/{doc_id} lists its measures.")
    first, last = parts[0], parts[-1]
    text = join_windows([p.text for p in parts])
    return MeasureDetail(
        doc_id=doc_id, doc_title=first.doc_title, region=first.region, measure=measure,
        measure_label=first.measure_label, measure_title=first.measure_title, section=first.section,
        subsection=first.subsection, date=first.date, text=text, responsible_units=first.responsible_units,
        lead_units=first.lead_units, source=first.source, span=[first.span_start, last.span_end],
    )
