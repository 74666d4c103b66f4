"""FastAPI dependencies: settings and the loaded runtime."""

from __future__ import annotations

from fastapi import Request

from ingest.errors import IndexNotReadyError
from ingest.index.store import REBUILD_HINT
from service.runtime import Runtime
from service.settings import Settings

__all__ = ["get_runtime", "get_app_settings"]


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
