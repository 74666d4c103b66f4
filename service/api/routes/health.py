"""GET /healthz (process up) and GET /readyz (index reachable and not empty, embedder warm)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ingest import REBUILD_HINT, PolicyRagError
from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """进程存活（pid：应答的工作进程）。"""
    return Health(status="ok")


def _unready(status: str, detail: str, retry_after: int = 1) -> JSONResponse:
    body = Health(status=status, detail=detail)
    return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": str(retry_after)})


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request) -> Health | JSONResponse:
    """索引可用且非空、向量模型已预热时返回 200，否则 503（索引服务不可达时带 Retry-After）。"""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        error = getattr(request.app.state, "startup_error", None)
        return _unready("loading" if error is None else "error", str(error or ""))
    try:
        count = runtime.store.count()  # checks the index generation: an ingest elsewhere makes this ready
    except PolicyRagError as exc:
        return _unready("unavailable" if exc.status_code == 503 else "error", str(exc),
                        int(getattr(exc, "retry_after", 1)))
    if count == 0:
        return _unready("empty", f"The index is empty. Build it with `{REBUILD_HINT}`.")
    return Health(status="ready", chunks=count, embedder=runtime.embedder.name, answerer=runtime.qa.answerer.name)
