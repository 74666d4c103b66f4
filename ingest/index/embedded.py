"""The embedded engine: a chromadb PersistentClient in a folder, writers serialised by a file lock."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.errors import IndexBusyError, PolicyRagError, StoreUnavailableError
from ingest.index.chroma import ChromaStore
from ingest.settings import StoreSettings

__all__ = ["EmbeddedStore", "MemoryStore", "MEMORY"]

MEMORY = ":memory:"  # StoreSettings.path of an in-process index
OPEN_TIMEOUT = 60.0  # seconds a process waits for another to finish opening (and creating) the same folder


class EmbeddedStore(ChromaStore):
    """The index in a local folder; processes on this machine share it, one writer at a time."""

    def __init__(self, settings: StoreSettings, embedder_name: str, dimension: int) -> None:
        super().__init__(settings, embedder_name, dimension)
        self.folder = Path(settings.path)
        self.description = str(self.folder)

    def _make_client(self) -> Any:
        """Open the folder; processes take turns, because chromadb creates a new folder's tables without a lock.

        Two processes opening a fresh folder at once otherwise fail with 「table collections already exists」 or
        「database is locked」 (sqlite's busy error) from chromadb's migrations.
        """
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            with FileLock(str(self.folder / "chroma.open.lock"), timeout=OPEN_TIMEOUT):
                return chromadb.PersistentClient(path=str(self.folder),
                                                 settings=ChromaSettings(anonymized_telemetry=False))
        except Timeout:
            raise StoreUnavailableError(
                f"The index at {self.folder} did not open within {OPEN_TIMEOUT:.0f} s: another process is opening "
                "it. Try again.") from None

    def _translate(self, exc: Exception) -> PolicyRagError | None:
        """sqlite's busy error (another process holds the database longer than chromadb waits) is temporary."""
        if "database is locked" in str(exc):
            return StoreUnavailableError(f"The index at {self.folder} is busy (database is locked); try again.")
        return None

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()  # the last client of a folder stops chromadb's in-process system
        self._client = None

    def _lexical_folder(self) -> Path | None:
        return self.folder / "lexical-cache" / self.settings.collection

    def _on_foreign_write(self) -> None:
        """chromadb keeps the vector index of a folder in memory: reopen it to see another process's writes."""
        self._forget_connection()

    @contextmanager
    def _lock(self, timeout: float) -> Iterator[None]:
        """An exclusive file lock; the OS releases it when the holder dies, even by SIGKILL."""
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.settings.collection}.writer.lock"
        holder = path.with_suffix(".holder")
        lock = FileLock(str(path))
        try:
            lock.acquire(timeout=max(timeout, 0.0))
        except Timeout:
            who = holder.read_text(encoding="utf-8").strip() if holder.exists() else "another process"
            raise IndexBusyError(
                f"The index at {self.folder} is being written by {who}; waited {timeout:.0f} s. "
                "Wait for that ingest to finish and run again (or raise POLICY_RAG_STORE__LOCK_TIMEOUT).") from None
        try:
            holder.write_text(f"pid {os.getpid()} on {socket.gethostname()}", encoding="utf-8")
            yield
        finally:
            lock.release()


class MemoryStore(ChromaStore):
    """An in-process index that disappears with the process (path ":memory:"), for evaluation baselines."""

    def __init__(self, settings: StoreSettings, embedder_name: str, dimension: int) -> None:
        super().__init__(settings, embedder_name, dimension)
        self.description = f"memory:{settings.collection}"
        self._thread_lock = threading.Lock()

    def _make_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))

    @contextmanager
    def _lock(self, timeout: float) -> Iterator[None]:
        if not self._thread_lock.acquire(timeout=timeout if timeout > 0 else -1):
            raise IndexBusyError(f"The in-memory index {self.description} is being written by another thread.")
        try:
            yield
        finally:
            self._thread_lock.release()
