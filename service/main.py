"""Builds the FastAPI app: routes, error handlers and the runtime loaded at startup."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from ingest import PolicyRagError, StoreUnavailableError
from service.api.errors import install_error_handlers
from service.api.middleware import InFlightLimitMiddleware, RequestContextMiddleware
from service.api.routes import admin, ask, bot, chat, documents, health, jobs, metrics, search
from service.api.security import RateLimiter
from service.conversations import ConversationStore
from service.jobs import JobQueue
from service.memory import IdleTrimmer
from service.metrics import Metrics
from service.runtime import Runtime, build_runtime
from service.settings import Settings, get_settings

__all__ = ["create_app", "create_served_app"]

log = logging.getLogger("policy_rag")
_STATIC = Path(__file__).parent / "static"


RELOAD_SECONDS = 5.0  # how often a load that failed for a passing reason (embedding server down) is retried


def _load(app: FastAPI, settings: Settings, runtime: Runtime | None) -> bool:
    """Build and warm the runtime; False when it failed (the error is kept for /readyz and every request)."""
    try:
        runtime = runtime or build_runtime(settings)
        try:
            runtime.warm()
        except StoreUnavailableError as exc:  # the store may come later: requests answer 503 until it does
            log.warning("%s", exc)
        runtime.qa.observer = app.state.metrics.observe
        app.state.metrics.count_chunks_with(runtime.store.count)
        app.state.runtime = runtime
        app.state.startup_error = None
        if app.state.jobs is None:
            app.state.jobs = JobQueue(runtime)
        return True
    except PolicyRagError as exc:
        app.state.startup_error = exc
        log.error("%s", exc)
        return False


def _load_until_ready(app: FastAPI, settings: Settings, runtime: Runtime | None, stop: threading.Event,
                      wait_first: bool = False) -> None:
    """Load; while it fails with a retryable error, try again every RELOAD_SECONDS until the app stops."""
    if wait_first and stop.wait(RELOAD_SECONDS):
        return
    while not _load(app, settings, runtime):
        if not getattr(app.state.startup_error, "retryable", False) or stop.wait(RELOAD_SECONDS):
            return


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, *, background: bool = False) -> FastAPI:
    """The app; the runtime loads at startup (in a thread when `background`, so /healthz answers at once)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = None
        app.state.startup_error = None
        app.state.jobs = None
        # Sync routes run in anyio's thread pool; a small pool queues requests instead of
        # spreading them over 40 threads that only take turns on the GIL.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api.threads
        stop = threading.Event()
        if background:
            threading.Thread(target=_load_until_ready, args=(app, settings, runtime, stop), daemon=True).start()
        elif not _load(app, settings, runtime) and app.state.startup_error.retryable:
            threading.Thread(target=_load_until_ready, args=(app, settings, runtime, stop, True), daemon=True).start()
        yield
        stop.set()
        if app.state.jobs is not None:
            app.state.jobs.close()
        loaded: Runtime | None = app.state.runtime
        if runtime is None and loaded is not None:  # built here, so closed here; a caller's runtime is theirs
            loaded.close()

    app = FastAPI(
        title="policy-rag",
        version="0.1.0",
        description="政策文件问答：按条目检索并引用（如【济源市 第46条】）。Answers cite the exact measure.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.state.metrics = Metrics()
    # Added first, so it runs inside the request context: a refused request is logged, counted and has an id.
    trimmer = IdleTrimmer(settings.api.idle_trim_seconds, settings.api.busy_trim_seconds,
                          observe=app.state.metrics.memory_trims.observe)
    app.add_middleware(InFlightLimitMiddleware, max_in_flight=settings.api.max_in_flight, trimmer=trimmer)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics)
    app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute)
    app.state.conversations = ConversationStore(settings.api.history_turns, settings.api.conversation_ttl_seconds)
    for module in (health, search, ask, documents, admin, jobs, chat, bot, metrics):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False, response_model=None)
    def index() -> FileResponse | HTMLResponse:
        page = _STATIC / "index.html"
        if page.exists():
            return FileResponse(page, media_type="text/html; charset=utf-8")
        return HTMLResponse("<p>policy-rag：接口文档见 <a href='/docs'>/docs</a></p>")

    return app


def create_served_app() -> FastAPI:
    """The app as served (runtime loading in the background), for `uvicorn --factory --workers N`."""
    return create_app(background=True)
