"""The shared half of every LLM answerer: prompt building, verification and follow-up condensing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from service.answerers.base import REFUSAL, Answer, Intent, Passage, Verification
from service.answerers.citations import UnverifiedMode, verify_answer
from service.answerers.prompting import PromptTemplate, format_passages, load_prompt

__all__ = ["Message", "LLMAnswerer", "refusal_answer"]

Message = dict[str, str]

_QUESTION_PREFIX = re.compile(r"^\s*(?:独立问题|改写后的问题|问题)\s*[:：]\s*")
_ROLE_NAMES = {"user": "用户", "assistant": "助手"}


def refusal_answer(backend: str, verification: Verification | None = None) -> Answer:
    """The refusal answer, with no citations."""
    return Answer(REFUSAL, [], refused=True, verification=verification or Verification(), backend=backend)


class LLMAnswerer:
    """Base class: subclasses implement `complete` and `stream_complete`; the rest is shared."""

    name = "llm"
    supports_streaming = True

    def __init__(
        self,
        *,
        on_unverified: UnverifiedMode = "drop",
        allow_uncited: bool = False,
        answer_prompt: PromptTemplate | None = None,
        condense_prompt: PromptTemplate | None = None,
    ) -> None:
        self.on_unverified: UnverifiedMode = on_unverified
        self.allow_uncited = allow_uncited
        self.answer_prompt = answer_prompt or load_prompt("answer.zh")
        self.condense_prompt = condense_prompt or load_prompt("condense.zh")
        self.calls = 0  # model calls that got a reply, so tests and metrics can see the model was used

    # The two calls a backend provides.
    def complete(self, messages: Sequence[Message]) -> str:
        """Send chat messages, return the whole reply."""
        raise NotImplementedError

    def stream_complete(self, messages: Sequence[Message]) -> Iterator[str]:
        """Send chat messages, yield the reply in text deltas."""
        raise NotImplementedError

    def build_messages(self, question: str, passages: Sequence[Passage]) -> list[Message]:
        """The chat messages for one question: a single user turn rendered from prompts/answer.zh.txt."""
        prompt = self.answer_prompt.render(question=question, passages=format_passages(passages), refusal=REFUSAL)
        return [{"role": "user", "content": prompt}]

    def generate(self, question: str, passages: Sequence[Passage]) -> str:
        """The model's raw, unverified answer."""
        return self.complete(self.build_messages(question, passages))

    def generate_stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """The model's raw, unverified answer in text deltas."""
        return self.stream_complete(self.build_messages(question, passages))

    def verify(self, raw: str, passages: Sequence[Passage], mode: UnverifiedMode | None = None) -> Answer:
        """Run the citation verifier on a raw answer (an empty text means nothing survived)."""
        return verify_answer(
            raw, passages, mode=mode or self.on_unverified, allow_uncited=self.allow_uncited, backend=self.name
        )

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """Generate and verify; standalone, an answer with nothing verifiable reads as the refusal."""
        if not passages:
            return refusal_answer(self.name)
        return self._finish(self.verify(self.generate(question, passages), passages))

    def stream(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        """Yield raw deltas, then the verified `Answer`, whose text replaces what was streamed."""
        if not passages:
            yield refusal_answer(self.name)
            return
        parts: list[str] = []
        for delta in self.generate_stream(question, passages):
            parts.append(delta)
            yield delta
        yield self._finish(self.verify("".join(parts), passages))

    def _finish(self, verified: Answer) -> Answer:
        """Turn an answer emptied by verification into the refusal, keeping the verification."""
        if verified.text.strip():
            return verified
        return refusal_answer(self.name, verified.verification)

    def condense(self, history: str | Sequence[tuple[str, str]], question: str) -> str:
        """Rewrite a follow-up into a standalone question; `history` is text or (role, text) turns."""
        if not isinstance(history, str):
            history = "\n".join(f"{_ROLE_NAMES.get(role, role)}：{text}" for role, text in history)
        if not history.strip():
            return question
        prompt = self.condense_prompt.render(history=history, question=question)
        reply = self.complete([{"role": "user", "content": prompt}])
        lines = [line for line in reply.strip().splitlines() if line.strip()]
        rewritten = _QUESTION_PREFIX.sub("", lines[0]).strip().strip("「」\"'") if lines else ""
        return rewritten or question
