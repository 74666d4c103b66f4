"""A chromadb HTTP client whose every call has a connect and a read timeout.

chromadb 1.x builds its httpx sessions with `timeout=None` and offers no setting for one, so a server that is
hung rather than dead (SIGSTOP, a stuck disk, a frozen VM) would hold every caller forever. This client sets
the timeouts on its session and on its admin client's session before either sends its first request (the
constructor already talks to the server). It reads chromadb's private `_server._session`; imported only by the
server engine, so the embedded index never loads it.
"""

from __future__ import annotations

from typing import Any

import httpx
from chromadb.api.client import Client
from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings

__all__ = ["TimedHttpClient", "open_http_client"]


def _set_timeout(component: Any, timeout: httpx.Timeout) -> None:
    session = getattr(getattr(component, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = timeout


class TimedHttpClient(Client):
    """chromadb's `Client` over HTTP, with `timeout` on its own and its admin client's session."""

    def __init__(self, timeout: httpx.Timeout, tenant: str = DEFAULT_TENANT, database: str = DEFAULT_DATABASE,
                 settings: Settings | None = None) -> None:
        self._timeout = timeout
        super().__init__(tenant=tenant, database=database, settings=settings or Settings())

    def get_user_identity(self) -> Any:
        """The first request the constructor sends: the session gets its timeout just before."""
        _set_timeout(self, self._timeout)
        return super().get_user_identity()

    def _validate_tenant_database(self, tenant: str, database: str) -> None:
        # The admin client is built just before this first use, with a session of its own.
        _set_timeout(getattr(self, "_admin_client", None), self._timeout)
        super()._validate_tenant_database(tenant=tenant, database=database)


def open_http_client(host: str, port: int, ssl: bool, *, read_timeout: float, connect_timeout: float) -> Any:
    """What `chromadb.HttpClient(host, port, ssl)` returns, with the timeouts (telemetry off)."""
    settings = Settings(anonymized_telemetry=False, chroma_api_impl="chromadb.api.fastapi.FastAPI",
                        chroma_server_host=host, chroma_server_http_port=port, chroma_server_ssl_enabled=ssl)
    return TimedHttpClient(httpx.Timeout(read_timeout, connect=connect_timeout), settings=settings)
