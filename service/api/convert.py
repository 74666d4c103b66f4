"""Domain objects to response models."""

from __future__ import annotations

from dataclasses import asdict

from service.api.schemas import AskResponse, CitationModel, SearchFilters, SearchResult, VerificationModel
from service.qa import AskOutcome
from service.retrieval.lifecycle import Statuses
from service.retrieval.retriever import Filters, Hit

__all__ = ["to_filters", "to_search_result", "to_ask_response"]


def to_filters(filters: SearchFilters | None) -> Filters:
    """Request filters to retrieval filters."""
    return Filters(**filters.model_dump()) if filters else Filters()


def to_search_result(hit: Hit, statuses: Statuses | None = None) -> SearchResult:
    """One hit as the API shows it, with its document's status when known."""
    c = hit.chunk
    status = statuses.of(c.doc_id) if statuses is not None else None
    return SearchResult(
        chunk_id=c.chunk_id, doc_id=c.doc_id, doc_title=c.doc_title, region=c.region, measure=c.measure,
        measure_label=c.measure_label, section=c.section, subsection=c.subsection, date=c.date, text=c.text,
        score=round(hit.score, 6), responsible_units=c.responsible_units, lead_units=c.lead_units,
        in_force=status.in_force if status else None, effective_date=status.effective_date if status else "",
        expiry_date=status.expiry_date if status else "",
    )


def to_ask_response(outcome: AskOutcome) -> AskResponse:
    """An outcome as the API shows it."""
    answer = outcome.answer
    return AskResponse(
        answer=answer.text,
        citations=[CitationModel(**asdict(c)) for c in answer.citations],
        refused=answer.refused,
        partial=answer.partial,
        fallback=answer.fallback,
        verification=VerificationModel(**asdict(answer.verification)) if answer.verification else None,
        backend=answer.backend,
        rewritten_question=outcome.question,
        timings={k: round(v, 2) for k, v in outcome.timings.items()},
        answerability=None if outcome.answerability is None else round(outcome.answerability, 4),
    )
