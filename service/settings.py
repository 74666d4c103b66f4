"""All service settings, from the environment (prefix POLICY_RAG_, nested with __)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from ingest import ConfigError, IngestSettings

__all__ = ["CALIBRATION_FILE", "save_calibration", "apply_calibration", "RetrievalSettings", "AnswerSettings", "LLMSettings", "APISettings", "Settings", "get_settings"]


class RetrievalSettings(BaseModel):
    """Hybrid retrieval: candidates from each side, fusion, reranking and the answerability decision."""

    fusion: Literal["rrf", "weighted"] = Field("weighted", description="How dense and BM25 rankings are combined: "
                                                     "min-max normalised scores (weighted) won on the dev set.")
    rrf_k: int = Field(60, ge=1, le=1000, description="The k of reciprocal rank fusion.")
    dense_weight: float = Field(1.4, ge=0, le=10, description="Weight of the dense ranking in fusion (BM25's is "
                                "`lexical_weight`); chosen on the external sets' tune halves and the dev sets, where "
                                "1.2–1.7 were a plateau (README, issue 19).")
    lexical_weight: float = Field(1.0, ge=0, le=10, description="Weight of the BM25 ranking in fusion.")
    phrase_weight: float = Field(0.2, ge=0, le=10, description="Weight, in fusion, of the share of the question's "
                                 "multi-word names (「固体废物综合治理行动」) a candidate holds as written.")
    candidates: int = Field(40, ge=5, le=500, description="Candidates taken from each side before fusion.")
    filtered_pool: int = Field(1000, ge=5, le=100_000, description="Candidates taken from each side when a filter or "
                               "a region named in the question narrows the search (every match when fewer).")
    region_mode: Literal["restrict", "boost", "off"] = Field(
        "restrict", description="What a region named in the question does: keep only that region (and passages "
        "elsewhere that name it), rank it first, or nothing.")
    reranker: str = Field("", description="A sentence-transformers CrossEncoder name or path; empty for none.")
    rerank_candidates: int = Field(20, ge=1, le=200, description="How many fused candidates the reranker rescores.")
    min_support: float = Field(0.45, ge=0, le=1, description="Least support (topic coverage mixed with relative "
                               "similarity, 0–1) for a clause to answer; `python -m eval calibrate` sweeps it.")
    lexical_share: float = Field(0.7, ge=0, le=1, description="Weight of topic-word coverage in support; the rest "
                                 "is how far the clause's similarity stands above the other candidates'.")
    min_known: float = Field(0.35, ge=0, le=1, description="Least share of the question's topic words, each weighed "
                             "by its rarity among the searchable chunks, that an answering clause (with its title "
                             "and headings) holds; words no searchable chunk holds weigh the most.")
    known_semantic: float = Field(0.6, ge=0, le=1, description="Relative similarity (standard deviations above the "
                                  "candidates' mean / 4) at which a clause answers whatever `min_known` says "
                                  "(when the answer model reaches its threshold too).")
    max_list: int = Field(40, ge=1, le=200, description="Most measures a 「有哪些」 answer lists.")
    in_force_margin: float = Field(0.25, ge=0, le=1, description="A hit of a document not in force goes after the "
                                   "in-force documents' hits scoring within this share of its score (0: no reordering).")


class AnswerSettings(BaseModel):
    """Which answerer writes answers."""

    backend: Literal["extractive", "openai", "llamacpp"] = Field("extractive", description="The answer backend.")
    on_unverified: Literal["drop", "flag"] = Field("drop", description="Drop LLM sentences that fail verification, "
                                                                       "or keep them and flag the answer.")
    model: Literal["on", "off", "veto"] = Field("veto", description="on: the learned answer decision "
                                                "(service/answerers/answer_model.json, `python -m eval train`) picks "
                                                "the answering sentence and decides answer or refuse; veto: the rules "
                                                "decide whether to answer, and a rules answer the model finds very "
                                                "unlikely (below the file's `veto`) is refused, one it finds likely "
                                                "(its threshold) quotes the model's sentence; off: the rules.")
    model_path: str = Field("", description="Another answer model file (default: the one shipped with the package).")
    gate: bool = Field(True, description="With the answer model on or veto: an answer is refused when the model "
                       "file's answerability gate finds the question unlikely to be answerable from the measures "
                       "retrieved (false: no gate, unless a request sets its own `min_answerability`).")
    gate_threshold: float | None = Field(None, ge=0.0, le=1.0, description="The gate's threshold for this index "
                                         "(`python -m eval calibrate` chooses one on a dataset of the corpus); "
                                         "unset: the model file's. A request's `min_answerability` overrides it.")
    rank: bool = Field(True, description="With the answer model on or veto: the model file's measure ranker "
                       "reorders the top 20 fused measures of a hybrid search by how likely each holds what is asked "
                       "(false: fused order).")


class LLMSettings(BaseModel):
    """Model backends (used when answer.backend is openai or llamacpp)."""

    base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1.")
    model: str = Field("", description="Model name sent to the endpoint.")
    api_key: str = Field("", description="Bearer key for the endpoint, if it needs one.")
    timeout: float = Field(60.0, gt=0, le=600, description="Seconds the server has to answer a model call (read "
                           "timeout); past it the extractive answer is given instead.")
    connect_timeout: float = Field(5.0, gt=0, le=600, description="Seconds to open a connection to the server.")
    max_retries: int = Field(2, ge=0, le=10, description="Retries on 429/5xx with backoff.")
    model_path: str = Field("", description="A GGUF file for the in-process llamacpp backend.")
    n_ctx: int = Field(4096, ge=512, le=131072, description="llama.cpp context size.")
    n_threads: int | None = Field(None, ge=1, le=256, description="llama.cpp threads (default: all cores).")


class APISettings(BaseModel):
    """HTTP limits, keys and conversation bounds."""

    max_question_chars: int = Field(1000, ge=10, le=20000, description="Longest question, search query or bot message "
                                    "accepted (longer gets 422).")
    max_top_k: int = Field(50, ge=1, le=500, description="Largest top_k that /v1/ask, /v1/search and chat "
                                                           "accept (larger gets 422).")
    history_turns: int = Field(6, ge=0, le=50, description="Most previous turns used to rewrite a "
                                                           "follow-up, and kept per bot conversation.")
    history_chars: int = Field(4000, ge=0, le=100000, description="Most characters of history used.")
    api_keys: list[str] = Field(default_factory=list, description="Keys that protect the chat and bot endpoints; "
                                                                    "empty means open (local use).")
    admin_keys: list[str] = Field(default_factory=list, description="Keys for uploading, replacing and deleting "
                                                                      "documents; empty means those routes are off.")
    max_upload_bytes: int = Field(50_000_000, ge=1, description="Largest document upload accepted (413 above).")
    rate_limit_per_minute: int = Field(60, ge=1, le=100000, description="Requests per key per minute.")
    conversation_ttl_seconds: int = Field(3600, ge=10, description="How long the bot keeps a conversation.")
    max_in_flight: int = Field(64, ge=1, le=100000, description="API requests (/v1/…) one process works on at "
                               "once; more get 503 with Retry-After at once instead of queueing. Per worker.")
    idle_trim_seconds: float = Field(2.0, ge=0, le=3600, description="After this many seconds with no API "
                                     "request in flight, a worker hands the memory its requests freed back to the "
                                     "OS (glibc's malloc_trim, once per busy period); 0 turns it off.")
    busy_trim_seconds: float = Field(10.0, ge=0, le=3600, description="Under load that never pauses, the same "
                                     "trim at most this often (each holds up allocating requests for ~60 ms at 136k "
                                     "chunks); 0 turns it off.")
    threads: int = Field(8, ge=1, le=200, description="Threads per process running the synchronous routes "
                                                      "(Starlette's default is 40); retrieval holds the GIL, so "
                                                      "more threads only queue on it. Scale with WORKERS instead.")


class Settings(IngestSettings):
    """The whole service configuration."""

    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    api: APISettings = Field(default_factory=APISettings)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.answer.backend == "openai" and not (self.llm.base_url and self.llm.model):
            raise ConfigError("answer.backend=openai needs POLICY_RAG_LLM__BASE_URL and POLICY_RAG_LLM__MODEL.")
        if self.answer.backend == "llamacpp" and not self.llm.model_path:
            raise ConfigError("answer.backend=llamacpp needs POLICY_RAG_LLM__MODEL_PATH (a .gguf file).")
        return self


CALIBRATION_FILE = "calibration.json"


def save_calibration(index: str, min_support: float, lexical_share: float,
                     gate_threshold: float | None = None) -> Path:
    """Store calibrated answerability thresholds with an index (embedded stores: a file in its folder), the answer
    model's gate threshold among them when one was chosen."""
    path = Path(index) / CALIBRATION_FILE
    stored: dict[str, float] = {"min_support": min_support, "lexical_share": lexical_share}
    if gate_threshold is not None:
        stored["gate_threshold"] = gate_threshold
    path.write_text(json.dumps(stored), encoding="utf-8")
    return path


def apply_calibration(settings: Settings) -> bool:
    """Use the thresholds stored with the index unless the environment set them; whether a file was applied."""
    path = Path(settings.store.path) / CALIBRATION_FILE
    if settings.store.url or not path.is_file():
        return False
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        values = {k: float(stored[k]) for k in ("min_support", "lexical_share")}
        gate = {"gate_threshold": float(stored["gate_threshold"])} if "gate_threshold" in stored else {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a calibration file ({exc}). Rebuild it with `python -m eval calibrate "
                          f"--index {settings.store.path} --save`, or delete it.") from exc
    try:
        checked = RetrievalSettings.model_validate(values)
        answer = AnswerSettings.model_validate(gate)
    except ValidationError as exc:
        raise ConfigError(f"{path} holds thresholds out of range ({exc.errors()[0]['msg']}). Rebuild it with "
                          f"`python -m eval calibrate --index {settings.store.path} --save`, or delete it.") from exc
    r = settings.retrieval
    for key in values:
        if key not in r.model_fields_set:
            setattr(r, key, getattr(checked, key))
    if gate and "gate_threshold" not in settings.answer.model_fields_set:
        settings.answer.gate_threshold = answer.gate_threshold
    return True


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
