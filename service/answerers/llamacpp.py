"""An answerer running a local GGUF model in-process through llama-cpp-python."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest import ConfigError, MissingExtraError
from service.errors import BackendError
from service.answerers.citations import UnverifiedMode
from service.answerers.llm import LLMAnswerer, Message

__all__ = ["LlamaCppAnswerer"]


class LlamaCppAnswerer(LLMAnswerer):
    """Answers with `llama_cpp.Llama.create_chat_completion` on a GGUF file; one generation at a time."""

    name = "llamacpp"
    supports_streaming = True

    def __init__(
        self,
        model_path: str | Path,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        temperature: float = 0.1,
        max_tokens: int = 512,
        *,
        on_unverified: UnverifiedMode = "drop",
        allow_uncited: bool = False,
    ) -> None:
        super().__init__(on_unverified=on_unverified, allow_uncited=allow_uncited)
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"GGUF model file {path} does not exist; set POLICY_RAG_LLM__MODEL_PATH to a .gguf file.")
        try:
            import llama_cpp
        except ImportError as exc:
            raise MissingExtraError(
                "The llamacpp answer backend needs llama-cpp-python: pip install 'policy-rag[llamacpp]'"
            ) from exc
        self.model_path = path
        self.temperature = temperature
        self.max_tokens = max_tokens
        # llama.cpp contexts are not thread-safe, and FastAPI runs sync handlers in a thread pool.
        self._lock = threading.Lock()
        try:
            self._llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ConfigError(
                f"llama.cpp cannot load {path} ({exc}); point POLICY_RAG_LLM__MODEL_PATH at a valid GGUF model."
            ) from exc

    def _create(self, messages: Sequence[Message], *, stream: bool) -> Any:
        return self._llm.create_chat_completion(
            messages=list(messages),  # type: ignore[arg-type]
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=stream,
        )

    def complete(self, messages: Sequence[Message]) -> str:
        """Generate the whole reply."""
        with self._lock:
            try:
                result = self._create(messages, stream=False)
            except (ValueError, RuntimeError) as exc:
                raise self._backend_error(exc) from exc
        self.calls += 1
        content = result["choices"][0]["message"].get("content")
        return content if isinstance(content, str) else ""

    def stream_complete(self, messages: Sequence[Message]) -> Iterator[str]:
        """Generate the reply in text deltas, holding the model for the whole generation."""
        with self._lock:
            try:
                chunks = self._create(messages, stream=True)
                self.calls += 1
                for chunk in chunks:
                    content = (chunk["choices"][0].get("delta") or {}).get("content")
                    if content:
                        yield content
            except (ValueError, RuntimeError) as exc:
                raise self._backend_error(exc) from exc

    def _backend_error(self, exc: Exception) -> BackendError:
        """Translate a llama.cpp failure, naming the likely fix."""
        return BackendError(
            f"llama.cpp failed on {self.model_path.name} ({exc}); if the prompt is too long, "
            "raise POLICY_RAG_LLM__N_CTX or retrieve fewer passages."
        )
