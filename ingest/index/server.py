"""The server engine: a `chroma run` server shared by every replica, writers serialised by a lease record.

Everything a replica needs lives on the server (chunks, registry, generation, lease); the lexical index is
rebuilt in memory from the chunks. The lease is a record with an expiry, renewed while a writer runs.
Limits: chromadb has no compare-and-swap, so two writers starting within the same fraction of a second may
both read a free lease; each writes its claim, waits, reads it back and only the one whose claim survived
goes on (the other waits). A writer stalled longer than the lease (SIGSTOP, a frozen VM) may lose it; it
checks before every flip and stops with an error then. Expiry uses wall clocks: keep hosts in NTP sync.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ingest.errors import IndexBusyError, PolicyRagError, StoreUnavailableError
from ingest.index.chroma import LEASE_ID, ChromaStore
from ingest.settings import StoreSettings

__all__ = ["ServerStore", "is_connection_error", "is_timeout"]

_SETTLE = 0.3  # seconds between writing a claim and reading it back


def is_connection_error(exc: BaseException) -> bool:
    """Whether an exception (or its cause) means the server could not be reached."""
    import httpx

    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, (httpx.TransportError, ConnectionError, TimeoutError)):
            return True
        text = str(seen)
        if "Could not connect" in text or "Connection refused" in text or "Failed to connect" in text:
            return True
        if isinstance(seen, httpx.HTTPStatusError) and seen.response.status_code in (502, 503, 504):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def is_timeout(exc: BaseException) -> bool:
    """Whether an exception (or its cause) is a connect or read timeout: the server is there but does not answer."""
    return _timeout_in(exc) is not None


def _timeout_in(exc: BaseException) -> BaseException | None:
    import httpx

    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None or isinstance(seen, (httpx.TimeoutException, TimeoutError)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _is_missing_collection(exc: BaseException) -> bool:
    return "does not exist" in str(exc) and "ollection" in str(exc)


class ServerStore(ChromaStore):
    """The index on a chromadb server (POLICY_RAG_STORE__URL)."""

    def __init__(self, settings: StoreSettings, embedder_name: str, dimension: int) -> None:
        super().__init__(settings, embedder_name, dimension)
        self.description = f"the chromadb server {settings.url}"
        self._owner = ""
        self._lease_lost = False

    def _make_client(self) -> Any:
        from ingest.index.chroma_http import open_http_client

        url = urlparse(self.settings.url)
        return open_http_client(url.hostname or "127.0.0.1", url.port or 8000, url.scheme == "https",
                                read_timeout=self.settings.timeout, connect_timeout=self.settings.connect_timeout)

    def close(self) -> None:
        """Drop the client and close the HTTP pools chromadb leaves open (its client's and its admin client's)."""
        client = self._client
        super().close()
        if client is not None:
            _close_http_pools(client)

    def _lexical_folder(self) -> Path | None:
        """A folder under the system temp dir, one per server and collection: the host's workers share it."""
        key = hashlib.sha1(f"{self.settings.url}|{self.settings.collection}".encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / "policy-rag-lexical" / key

    def _translate(self, exc: Exception) -> PolicyRagError | None:
        timeout = _timeout_in(exc)
        if timeout is not None:
            return StoreUnavailableError(
                f"The index store ({self.description}) did not answer within {self.settings.timeout:g} s "
                f"({timeout.__class__.__name__}): it is hung or overloaded. Check the server; the service "
                "reconnects by itself (POLICY_RAG_STORE__TIMEOUT sets the wait).")
        if is_connection_error(exc):
            return StoreUnavailableError(
                f"The index store ({self.description}) is unreachable: {exc.__class__.__name__}. "
                "Start it (`chroma run --path <folder>`) or check POLICY_RAG_STORE__URL; the service reconnects "
                "by itself.")
        if _is_missing_collection(exc):  # rebuilt under us: reopen by name
            return StoreUnavailableError(f"The index on {self.description} was recreated; try again.")
        return None

    def _worth_retrying(self, exc: Exception) -> bool:
        return not is_timeout(exc)  # a server that let one timeout pass will not answer a reconnect sooner

    # --- the lease ---------------------------------------------------------------------------------

    def _read_lease(self) -> dict[str, Any]:
        got = self._call(lambda c, r: r.get(ids=[LEASE_ID], include=["metadatas"]))
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def _write_lease(self, owner: str, holder: str) -> None:
        meta = {"kind": "lease", "owner": owner, "holder": holder,
                "expires": time.time() + self.settings.lease_seconds}
        self._call(lambda c, r: r.upsert(ids=[LEASE_ID], documents=[owner], metadatas=[meta], embeddings=[[1.0]]),
                   retry=False)

    @contextmanager
    def _lock(self, timeout: float) -> Iterator[None]:
        owner = uuid.uuid4().hex
        holder = f"pid {os.getpid()} on {socket.gethostname()}"
        deadline = time.monotonic() + timeout
        while True:
            lease = self._read_lease()
            if not lease or float(lease.get("expires", 0)) < time.time():
                self._write_lease(owner, holder)
                time.sleep(_SETTLE)
                if self._read_lease().get("owner") == owner:
                    break
                continue
            if time.monotonic() >= deadline:
                left = float(lease.get("expires", 0)) - time.time()
                raise IndexBusyError(
                    f"The index on {self.description} is being written by {lease.get('holder', 'another writer')} "
                    f"(lease expires in {left:.0f} s unless renewed); waited {timeout:.0f} s. Wait for that ingest "
                    "to finish and run again (or raise POLICY_RAG_STORE__LOCK_TIMEOUT).")
            time.sleep(0.5)
        self._owner, self._lease_lost = owner, False
        stop = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(owner, holder, stop), daemon=True)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join()
            self._owner = ""
            try:
                if self._read_lease().get("owner") == owner:
                    self._call(lambda c, r: r.delete(ids=[LEASE_ID]), retry=False)
            except PolicyRagError:
                pass  # the lease expires by itself

    def _renew(self, owner: str, holder: str, stop: threading.Event) -> None:
        while not stop.wait(self.settings.lease_seconds / 3):
            try:
                if self._read_lease().get("owner") != owner:
                    self._lease_lost = True
                    return
                self._write_lease(owner, holder)
            except PolicyRagError:
                continue  # the server is away; the writer's own calls fail and say so

    def _check_writer(self) -> None:
        if not self._owner:
            return
        if self._lease_lost or self._read_lease().get("owner") != self._owner:
            raise IndexBusyError(f"This writer lost its lease on {self.description} (it stalled longer than "
                                 f"{self.settings.lease_seconds:.0f} s); nothing of the current document was "
                                 "published. Run the ingest again.")


def _close_http_pools(client: Any) -> None:
    """Close a chromadb HttpClient's connection pools once no other client shares its system.

    chromadb 1.x never closes them, and their sockets warn at exit; this reads chromadb's private attributes.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    client.close()
    for part in (client, getattr(client, "_admin_client", None)):  # the admin client has a System of its own
        if part is None or getattr(part, "_identifier", None) in SharedSystemClient._identifier_to_system:
            continue  # another client still uses this server connection
        session = getattr(getattr(part, "_server", None), "_session", None)
        if session is not None:
            session.close()
