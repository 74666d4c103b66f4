"""FastAPI dependencies: settings, the loaded runtime, and the request limits the settings set."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from ingest import REBUILD_HINT, IndexNotReadyError
from service.runtime import Runtime
from service.settings import Settings

__all__ = ["get_runtime", "get_app_settings", "check_limits"]


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def get_runtime(request: Request) -> Runtime:
    """The loaded runtime; 503 while the index is missing or empty."""
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        error = getattr(request.app.state, "startup_error", None)
        raise IndexNotReadyError(str(error) if error else "The service is still loading the index.")
    if runtime.store.count() == 0:
        raise IndexNotReadyError(f"The index is empty. Build it with `{REBUILD_HINT}` (or `make run`).")
    return runtime


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
