"""GET /healthz (process up) and GET /readyz (index loaded, embedder warm)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ingest import REBUILD_HINT
from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """进程存活。"""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request) -> Health | JSONResponse:
    """索引已加载、向量模型已预热时返回 200，否则 503。"""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        error = getattr(request.app.state, "startup_error", None)
        body = Health(status="loading" if error is None else "error", detail=str(error or ""))
        return JSONResponse(body.model_dump(), status_code=503)
    count = runtime.store.count()
    if count == 0:
        body = Health(status="empty", detail=f"The index is empty. Build it with `{REBUILD_HINT}`.")
        return JSONResponse(body.model_dump(), status_code=503)
    return Health(status="ready", chunks=count, embedder=runtime.embedder.name, answerer=runtime.qa.answerer.name)
