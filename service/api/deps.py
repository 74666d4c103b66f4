"""FastAPI dependencies: settings, the loaded runtime, the job queue, the admin key check and request limits."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from ingest import REBUILD_HINT, IndexNotReadyError, PolicyRagError
from service.errors import AuthError
from service.jobs import JobQueue
from service.runtime import Runtime
from service.settings import Settings

__all__ = ["get_runtime", "get_loaded_runtime", "get_app_settings", "get_jobs", "require_admin", "check_limits",
           "AdminDisabledError"]


class AdminDisabledError(PolicyRagError):
    """Admin routes are off because no admin key is configured."""

    status_code = 403


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with (async: a plain read, so no trip through the thread pool)."""
    return _settings(request)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_loaded_runtime(request: Request) -> Runtime:
    """The loaded runtime, whether or not the index holds anything yet; 503 while loading."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        error = getattr(request.app.state, "startup_error", None)
        raise IndexNotReadyError(str(error) if error else "The service is still loading the index.")
    return runtime


def get_runtime(request: Request) -> Runtime:
    """The loaded runtime; 503 while the index is missing, empty or unreachable."""
    runtime = get_loaded_runtime(request)
    # Served from the store's snapshot; sync (in the thread pool) because a due generation check reads the store.
    if runtime.store.count() == 0:  # re-checked against the index generation, never cached as "empty"
        raise IndexNotReadyError(f"The index is empty. Build it with `{REBUILD_HINT}` (or `make run`), "
                                 "or upload documents with POST /v1/documents.")
    return runtime


def get_jobs(request: Request) -> JobQueue:
    """The background ingestion queue of this process."""
    get_loaded_runtime(request)
    jobs: JobQueue = request.app.state.jobs
    return jobs


def require_admin(request: Request) -> None:
    """Admin routes need `Authorization: Bearer <admin key>`; with no admin key configured they are off."""
    keys = _settings(request).api.admin_keys
    if not keys:
        raise AdminDisabledError("Document administration is off. Enable it by setting "
                                 "POLICY_RAG_API__ADMIN_KEYS='[\"<a long random key>\"]' and send "
                                 "`Authorization: Bearer <key>`.")
    header = request.headers.get("authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not given or not any(hmac.compare_digest(given.encode(), k.encode()) for k in keys):
        raise AuthError("An admin key is required: send `Authorization: Bearer <key>` with a key from "
                        "POLICY_RAG_API__ADMIN_KEYS (chat keys are not admin keys).")


def check_limits(settings: Settings, *, text: tuple[str, str] | None = None, top_k: int | None = None) -> None:
    """422, like a schema error, for a text over `api.max_question_chars` or a top_k over `api.max_top_k`."""
    errors: list[dict[str, Any]] = []
    if text is not None and len(text[1]) > settings.api.max_question_chars:
        errors.append({"type": "string_too_long", "loc": ("body", text[0]),
                       "msg": f"String should have at most {settings.api.max_question_chars} characters"})
    if top_k is not None and top_k > settings.api.max_top_k:
        errors.append({"type": "less_than_equal", "loc": ("body", "top_k"),
                       "msg": f"Input should be less than or equal to {settings.api.max_top_k}"})
    if errors:
        raise RequestValidationError(errors)
