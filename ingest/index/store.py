"""Opening the index: the engine registry (embedded folder or chromadb server) and the shared names."""

from __future__ import annotations

from collections.abc import Callable

from ingest.index.base import REBUILD_HINT, IndexStore, content_hash, document_record
from ingest.index.chroma import ChromaStore
from ingest.settings import StoreSettings

__all__ = ["IndexStore", "STORES", "open_store", "destroy_store", "content_hash", "document_record", "REBUILD_HINT"]


def _embedded(settings: StoreSettings, embedder_name: str, dimension: int) -> ChromaStore:
    from ingest.index.embedded import EmbeddedStore

    return EmbeddedStore(settings, embedder_name, dimension)


def _memory(settings: StoreSettings, embedder_name: str, dimension: int) -> ChromaStore:
    from ingest.index.embedded import MemoryStore

    return MemoryStore(settings, embedder_name, dimension)


def _server(settings: StoreSettings, embedder_name: str, dimension: int) -> ChromaStore:
    from ingest.index.server import ServerStore

    return ServerStore(settings, embedder_name, dimension)


# One entry per engine; another engine is one module implementing `IndexStore` plus one line here.
STORES: dict[str, Callable[[StoreSettings, str, int], IndexStore]] = {
    "embedded": _embedded,
    "server": _server,
    "memory": _memory,
}


def _engine(settings: StoreSettings) -> str:
    return "server" if settings.url else "memory" if settings.path == ":memory:" else "embedded"


def open_store(settings: StoreSettings, embedder_name: str, dimension: int, *, check: bool = True) -> IndexStore:
    """The index the settings name (a server when `url` is set, in-process for path ":memory:"); `check` connects now."""
    store = STORES[_engine(settings)](settings, embedder_name, dimension)
    if check:
        store.check()
    return store


def destroy_store(settings: StoreSettings) -> None:
    """Delete the index's collections, whatever embedder built them (for `--rebuild`)."""
    STORES[_engine(settings)](settings, "", 0).destroy()
