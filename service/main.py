"""Builds the FastAPI app: routes, error handlers and the runtime loaded at startup."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from ingest import PolicyRagError
from service.api.errors import install_error_handlers
from service.api.routes import ask, bot, chat, documents, health, search
from service.api.security import RateLimiter
from service.conversations import ConversationStore
from service.runtime import Runtime, build_runtime
from service.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger("policy_rag")
_STATIC = Path(__file__).parent / "static"


def _load(app: FastAPI, settings: Settings, runtime: Runtime | None) -> None:
    try:
        runtime = runtime or build_runtime(settings)
        runtime.warm()
        app.state.runtime = runtime
    except PolicyRagError as exc:
        app.state.startup_error = exc
        log.error("%s", exc)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None, *, background: bool = False) -> FastAPI:
    """The app; the runtime loads at startup (in a thread when `background`, so /healthz answers at once)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = None
        app.state.startup_error = None
        if background:
            threading.Thread(target=_load, args=(app, settings, runtime), daemon=True).start()
        else:
            _load(app, settings, runtime)
        yield
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
    app.state.rate_limiter = RateLimiter(settings.api.rate_limit_per_minute)
    app.state.conversations = ConversationStore(settings.api.history_turns, settings.api.conversation_ttl_seconds)
    for module in (health, search, ask, documents, chat, bot):
        app.include_router(module.router)

    @app.get("/", include_in_schema=False, response_model=None)
    def index() -> FileResponse | HTMLResponse:
        page = _STATIC / "index.html"
        if page.exists():
            return FileResponse(page, media_type="text/html; charset=utf-8")
        return HTMLResponse("<p>policy-rag：接口文档见 <a href='/docs'>/docs</a></p>")

    return app
