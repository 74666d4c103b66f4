"""Response models of the admin routes: background jobs."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["JobFileResponse", "JobResponse"]


class JobFileResponse(BaseModel):
    """One file of a job."""

    name: str
    doc_ids: list[str] = Field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    error: str = ""


class JobResponse(BaseModel):
    """A background ingestion or deletion; poll GET /v1/jobs/{job_id} until status is done or failed."""

    job_id: str
    kind: str = Field(description="upload, replace or delete")
    status: str = Field(description="queued, running, done or failed")
    stage: str = ""
    progress: float = Field(0.0, ge=0, le=1)
    files: list[JobFileResponse] = Field(default_factory=list)
    doc_ids: list[str] = Field(default_factory=list)
    error: str = ""
    created_at: float
    finished_at: float | None = None
