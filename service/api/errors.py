"""One exception handler per kind: our error tree, validation errors and everything else, as JSON {detail}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ingest import PolicyRagError

__all__ = ["install_error_handlers", "INTERNAL_ERROR"]

INTERNAL_ERROR = "内部错误，请稍后再试。(internal error)"

log = logging.getLogger("policy_rag")


def _readable(errors: list[dict]) -> str:  # type: ignore[type-arg]
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        kind = err.get("type", "")
        if kind == "json_invalid":
            parts.append("the request body is not valid JSON")
        elif kind == "extra_forbidden":
            parts.append(f"{loc}: unknown field")
        elif kind == "missing":
            parts.append(f"{loc}: field required")
        else:
            parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map errors to JSON responses without stack traces."""

    @app.exception_handler(PolicyRagError)
    async def _ours(_request: Request, exc: PolicyRagError) -> JSONResponse:
        headers = {"Retry-After": str(getattr(exc, "retry_after", 1))} if exc.status_code in (429, 503) else None
        if exc.status_code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _readable(list(exc.errors()))}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)
