"""Per-request plumbing: an X-Request-ID on every response, one JSON access-log line, request metrics, and a
bound on the requests a process works on at once (which also tells the idle memory trimmer when it goes quiet)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import INTERNAL_ERROR
from service.memory import IdleTrimmer
from service.metrics import Metrics

__all__ = ["RequestContextMiddleware", "InFlightLimitMiddleware", "access_logger", "REQUEST_ID_HEADER", "LIMITED_PREFIX"]

REQUEST_ID_HEADER = "X-Request-ID"
# Echoed back only when it is short and plain: a caller's id must not inject headers or log lines.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
log = logging.getLogger("policy_rag")
LIMITED_PREFIX = "/v1/"  # the API routes; /healthz, /readyz, /metrics and the page always answer
_UNMATCHED = "<unmatched>"  # one label for every unknown path, so scanners cannot blow up the metrics


def access_logger() -> logging.Logger:
    """`policy_rag.access`: one JSON object per line on stderr, not passed on to the root logger's format."""
    logger = logging.getLogger("policy_rag.access")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when sane, else a new one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Pure ASGI (unlike BaseHTTPMiddleware it does not buffer streamed answers)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = access_logger()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        start = time.perf_counter()
        status = 500  # what the client sees when the app dies before answering
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's outermost handler, so that the 500 carries the id too.
            log.exception("unexpected error (request %s)", request_id)
            if started:
                raise
            await JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route = self._route(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            self.log.info(json.dumps({
                "method": scope["method"], "path": scope["path"], "route": route, "status": status,
                "duration_ms": round(seconds * 1000, 2), "request_id": request_id,
            }, ensure_ascii=False))

    def _route(self, scope: Scope) -> str:
        """The path template of the route that served the request (/v1/documents/{doc_id}), not the raw path."""
        route = scope.get("route")
        path = getattr(route, "path", None)
        if isinstance(path, str):
            return path
        return _template(getattr(getattr(scope.get("app"), "router", None), "routes", []), scope) or _UNMATCHED


def _template(routes: Iterable[Any], scope: Scope) -> str | None:
    """The path template of the first route matching a request that was not routed (refused or failed before)."""
    for candidate in routes:
        nested = getattr(candidate, "effective_candidates", None)  # a router FastAPI included, not flattened
        if callable(nested):
            found = _template(nested(), scope)
            if found:
                return found
            continue
        match, _ = candidate.matches(scope)
        if match == Match.FULL:
            return str(getattr(candidate, "path", _UNMATCHED))
    return None


class InFlightLimitMiddleware:
    """Answers 503 with Retry-After at once when `max_in_flight` API requests are already being served here.

    Past the bound a request would only queue for the thread pool (and the GIL) until its client gives up;
    refusing it at once tells a load balancer or client to try another replica or later. Counted per process:
    each uvicorn worker has its own bound. A streamed answer counts until its last byte.
    """

    def __init__(self, app: ASGIApp, max_in_flight: int, retry_after: int = 1,
                 trimmer: IdleTrimmer | None = None) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.retry_after = retry_after
        self.trimmer = trimmer  # told when requests begin and end
        self.in_flight = 0  # only the event loop's thread touches it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            busy = JSONResponse(
                {"detail": f"服务繁忙：本进程正在处理的请求已达上限（{self.max_in_flight}），请稍后重试。"
                           "(POLICY_RAG_API__MAX_IN_FLIGHT requests in flight)"},
                status_code=503, headers={"Retry-After": str(self.retry_after)})
            await busy(scope, receive, send)
            return
        self.in_flight += 1
        if self.trimmer is not None:
            self.trimmer.started()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            if self.trimmer is not None:
                self.trimmer.finished(self.in_flight)
