"""An LLM answerer behind the citation verifier, with a fallback answerer for when the model fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace

from service.answerers.base import Answer, Answerer, Intent, Passage, Verification
from service.answerers.citations import UnverifiedMode
from service.answerers.llm import LLMAnswerer, refusal_answer

__all__ = ["VerifiedAnswerer"]

logger = logging.getLogger(__name__)


class VerifiedAnswerer:
    """Answer with the LLM when its answer survives verification, else with the fallback.

    Falls back (returning the fallback's answer with `fallback=True`, carrying the LLM's
    `Verification`) when the LLM raises anything, returns something that is not text, or writes
    nothing that survives the citation verifier. Model failures never raise; a failing fallback does.

    Refusals: a small model refuses too readily, while the retrieved passages often do answer. So
    when passages are present and the LLM refuses, the fallback is asked too: if it also refuses, the
    LLM's refusal stands (`fallback=False`); if it answers, its answer is returned with
    `fallback=True`. With no passages the refusal is returned without calling either.
    """

    def __init__(self, llm: LLMAnswerer, fallback: Answerer, on_unverified: UnverifiedMode = "drop") -> None:
        if on_unverified not in ("drop", "flag"):
            raise ValueError(f"Unknown on_unverified mode {on_unverified!r}. Choose from: drop, flag")
        self.llm = llm
        self.fallback = fallback
        self.on_unverified: UnverifiedMode = on_unverified
        self.name = llm.name
        self.supports_streaming = llm.supports_streaming

    def close(self) -> None:
        """Close the model's client, when it holds one (an HTTP connection pool)."""
        close = getattr(self.llm, "close", None)
        if close is not None:
            close()

    def condense(self, history: Sequence[tuple[str, str]], question: str) -> str:
        """The LLM's standalone rewrite of a follow-up; '' when the model fails (callers use their rules)."""
        try:
            return self.llm.condense(history, question)
        except Exception as exc:  # a model failure must not fail the request
            logger.warning("LLM condense failed, using the rule-based rewrite: %s", exc)
            return ""

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """The verified LLM answer, or the fallback's."""
        if not passages:
            return refusal_answer(self.llm.name)
        try:
            raw = self.llm.generate(question, passages)
            verified = self.llm.verify(raw, passages, mode=self.on_unverified)
        except Exception as exc:  # any model failure: the fallback answers instead
            logger.warning("LLM answerer %r failed, using the fallback: %s", self.llm.name, exc)
            return self._fallback(question, passages, intent, None)
        return self._decide(verified, question, passages, intent)

    def stream(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        """Stream the LLM's deltas; the final `Answer` is authoritative and may be the fallback's."""
        if not passages:
            yield refusal_answer(self.llm.name)
            return
        parts: list[str] = []
        try:
            for delta in self.llm.generate_stream(question, passages):
                parts.append(delta)
                yield delta
            verified = self.llm.verify("".join(parts), passages, mode=self.on_unverified)
        except Exception as exc:  # any model failure: the fallback answers instead
            logger.warning("LLM answerer %r failed while streaming, using the fallback: %s", self.llm.name, exc)
            if parts:  # the client already shows LLM text: only the final Answer can replace it
                yield self._fallback(question, passages, intent, None)
            else:
                yield from self._stream_fallback(question, passages, intent)
            return
        yield self._decide(verified, question, passages, intent)

    def _decide(self, verified: Answer, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """Keep a verified answer; replace an emptied one; check a refusal against the fallback."""
        if verified.refused:
            other = self.fallback.answer(question, passages, intent)
            return verified if other.refused else _as_fallback(other, verified.verification)
        if not verified.text.strip():
            logger.info("Nothing in the LLM answer survived verification: %s", verified.verification)
            return self._fallback(question, passages, intent, verified.verification)
        return verified

    def _fallback(
        self, question: str, passages: Sequence[Passage], intent: Intent, verification: Verification | None
    ) -> Answer:
        return _as_fallback(self.fallback.answer(question, passages, intent), verification)

    def _stream_fallback(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        """The fallback's own stream when it has one, else its answer as one delta."""
        if self.fallback.supports_streaming:
            for item in self.fallback.stream(question, passages, intent):
                yield _as_fallback(item, None) if isinstance(item, Answer) else item
            return
        answer = self._fallback(question, passages, intent, None)
        if answer.text:
            yield answer.text
        yield answer


def _as_fallback(answer: Answer, verification: Verification | None) -> Answer:
    """Mark an answer as the fallback's, keeping what the LLM's verification found."""
    return replace(answer, fallback=True, verification=verification or answer.verification)
