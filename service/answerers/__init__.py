"""Answer backends, registered by name: extractive (default), openai, llamacpp."""

from __future__ import annotations

from collections.abc import Callable

from ingest import ConfigError
from service.answerers.base import REFUSAL, Answer, Answerer, Passage
from service.settings import Settings

__all__ = ["ANSWERERS", "build_answerer", "REFUSAL", "Answer", "Answerer", "Passage"]


def _extractive(settings: Settings) -> Answerer:
    from service.answerers.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer()


def _openai(settings: Settings) -> Answerer:
    from service.answerers.extractive import ExtractiveAnswerer
    from service.answerers.guarded import VerifiedAnswerer
    from service.answerers.openai_http import OpenAIAnswerer

    llm = settings.llm
    model = OpenAIAnswerer(llm.base_url, llm.model, api_key=llm.api_key or None, timeout=llm.timeout,
                           connect_timeout=llm.connect_timeout, max_retries=llm.max_retries)
    return VerifiedAnswerer(model, ExtractiveAnswerer(), on_unverified=settings.answer.on_unverified)


def _llamacpp(settings: Settings) -> Answerer:
    from service.answerers.extractive import ExtractiveAnswerer
    from service.answerers.guarded import VerifiedAnswerer
    from service.answerers.llamacpp import LlamaCppAnswerer

    llm = settings.llm
    model = LlamaCppAnswerer(llm.model_path, n_ctx=llm.n_ctx, n_threads=llm.n_threads)
    return VerifiedAnswerer(model, ExtractiveAnswerer(), on_unverified=settings.answer.on_unverified)


ANSWERERS: dict[str, Callable[[Settings], Answerer]] = {
    "extractive": _extractive,
    "openai": _openai,
    "llamacpp": _llamacpp,
}


def build_answerer(settings: Settings) -> Answerer:
    """The answerer the settings name."""
    try:
        factory = ANSWERERS[settings.answer.backend]
    except KeyError:
        raise ConfigError(f"Unknown answerer '{settings.answer.backend}'. Choose from: {', '.join(ANSWERERS)}") from None
    return factory(settings)
