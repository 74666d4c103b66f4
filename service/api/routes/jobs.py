"""GET /v1/jobs/{job_id}: the state of a background upload, replacement or deletion."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.deps import get_jobs, require_admin
from service.api.job_schemas import JobResponse
from service.api.routes.admin import job_response
from service.jobs import JobQueue

router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin)])


@router.get("/v1/jobs/{job_id}", response_model=JobResponse)
def get_job(job_id: str, jobs: JobQueue = Depends(get_jobs)) -> JobResponse:
    """后台任务的状态、进度和逐个文件的错误（需管理密钥）。"""
    return job_response(jobs.get(job_id))
