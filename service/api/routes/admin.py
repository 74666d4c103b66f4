"""POST /v1/documents, PUT and DELETE /v1/documents/{doc_id}: change the index (admin keys only, in the background)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from ingest import DocumentExistsError, InputError, NotFoundError, TooLargeError, sniff_suffix
from service.api.deps import get_jobs, get_loaded_runtime, require_admin
from service.api.job_schemas import JobResponse
from service.jobs import Job, JobQueue, safe_stem
from service.runtime import Runtime

router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin)])

_UPLOAD_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the document (.txt or .md text)"},
        "title": {"type": "string", "description": "overrides the title found in the text"},
        "region": {"type": "string", "description": "overrides the region, e.g. 济源市"},
        "date": {"type": "string", "format": "date", "description": "overrides the date (YYYY-MM-DD)"}}}}}}}


def job_response(job: Job) -> JobResponse:
    """The API view of a job."""
    return JobResponse.model_validate(asdict(job))


async def _read_upload(request: Request, limit: int) -> tuple[str, bytes, dict[str, str]]:
    """The uploaded file's name and bytes and the override fields; 413 over the limit, checked before parsing."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + 64_000:  # the multipart envelope adds a little
        raise TooLargeError(f"The upload is {declared} bytes; the limit is {limit} bytes "
                            "(POLICY_RAG_API__MAX_UPLOAD_BYTES).")
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("Send the document as multipart/form-data in a field named `file`.")
        raw = await upload.read(limit + 1)
        name = upload.filename or "upload"
        fields = {k: str(form.get(k) or "").strip() for k in ("title", "region", "date")}
    if len(raw) > limit:
        raise TooLargeError(f"{name}: over the limit of {limit} bytes (POLICY_RAG_API__MAX_UPLOAD_BYTES).")
    if fields["date"]:
        try:
            fields["date"] = date.fromisoformat(fields["date"]).isoformat()
        except ValueError:
            raise InputError(f"date: '{fields['date']}' is not an ISO date (YYYY-MM-DD).") from None
    return name, raw, fields


@router.post("/v1/documents", status_code=202, response_model=JobResponse, openapi_extra=_UPLOAD_BODY)
async def upload_document(request: Request, runtime: Runtime = Depends(get_loaded_runtime),
                          jobs: JobQueue = Depends(get_jobs)) -> JobResponse:
    """上传一份文件（multipart 字段 file，可选 title/region/date），后台入库；返回任务编号（需管理密钥）。"""
    name, raw, fields = await _read_upload(request, runtime.settings.api.max_upload_bytes)
    file_name = safe_stem(name) + sniff_suffix(raw, name)
    documents = await run_in_threadpool(runtime.store.documents)
    taken = sorted(d for d, r in documents.items() if r.get("source") == file_name)
    if taken:
        raise DocumentExistsError(f"{file_name} is already indexed as {', '.join(taken)}; replace it with "
                                  f"PUT /v1/documents/{taken[0]} or delete it first.")
    return job_response(jobs.submit_file("upload", file_name, raw, fields))


@router.put("/v1/documents/{doc_id}", status_code=202, response_model=JobResponse, openapi_extra=_UPLOAD_BODY)
async def replace_document(doc_id: str, request: Request, runtime: Runtime = Depends(get_loaded_runtime),
                           jobs: JobQueue = Depends(get_jobs)) -> JobResponse:
    """用新文件替换一份已入库的文件（同一来源的全部文档一起替换），后台执行（需管理密钥）。"""
    documents = await run_in_threadpool(runtime.store.documents)
    record = documents.get(doc_id)
    if record is None:
        raise NotFoundError(f"No document '{doc_id}'. Upload it with POST /v1/documents.")
    name, raw, fields = await _read_upload(request, runtime.settings.api.max_upload_bytes)
    source = str(record.get("source") or f"{doc_id}.txt")
    file_name = safe_stem(source) + sniff_suffix(raw, name)
    return job_response(jobs.submit_file("replace", file_name, raw, fields))


@router.delete("/v1/documents/{doc_id}", status_code=202, response_model=JobResponse)
async def delete_document(doc_id: str, runtime: Runtime = Depends(get_loaded_runtime),
                          jobs: JobQueue = Depends(get_jobs)) -> JobResponse:
    """从索引中删除一份文档，后台执行（需管理密钥）。"""
    documents = await run_in_threadpool(runtime.store.documents)
    if doc_id not in documents:
        raise NotFoundError(f"No document '{doc_id}'. GET /v1/documents lists them.")
    return job_response(jobs.submit_delete([doc_id]))
