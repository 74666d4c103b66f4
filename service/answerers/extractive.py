"""The default answerer: no model; it quotes the sentences of the retrieved measures that answer the question.

Every word of an answer is either a verbatim clause of a cited measure, one of that measure's
responsible units, or fixed connective text; so it cannot state a number or a unit the
measure does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ingest.lexical import tokenize
from ingest.models import Chunk
from service.answerers.base import REFUSAL, Answer, Intent, Passage, citation_from_chunk

__all__ = ["ExtractiveAnswerer", "measure_body", "best_clause", "responsibility_phrase"]

_NUMBER_PREFIX = re.compile(r"^(\d{1,3}[.、．]|第[^条]{1,5}条|重点工作\s*\d+\s*[：:]?|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)")
_CLOSING_UNITS = re.compile(r"（[^（）]*(?:（[^（）]*）[^（）]*)*(负责|牵头)[^（）]*）\s*$")
_GENERIC = set("目标 多少 措施 工作 提出 推进 加快 哪些 什么 怎么 如何 方面 情况 要求 内容 规定 城市 文件 哪个 哪一条 "
               "负责 单位 部门 责任 牵头 主要 相关 有关 关于 达到 全年 力争 市 县 区 条 讲".split())


def measure_body(chunk: Chunk) -> str:
    """The measure's words without its number and without the closing units parenthesis."""
    lines = [line for line in _NUMBER_PREFIX.sub("", chunk.text.strip()).split("\n") if line]
    text = "".join(line if line[-1] in "。；！？：" else line + "。" for line in lines[:-1]) + (lines[-1] if lines else "")
    return _CLOSING_UNITS.sub("", text.rstrip("。； ")).rstrip("。； ")


def _terms(question: str, regions: Sequence[str]) -> list[str]:
    place_chars = "".join(regions)
    return [t for t in dict.fromkeys(tokenize(question)) if t not in _GENERIC and t not in place_chars and len(t) > 1]


def best_clause(body: str, terms: Sequence[str], *, want_number: bool) -> str:
    """The clause (split at ，；。) that covers most question terms; a short clause keeps its neighbour."""
    sentences = [s for s in re.split(r"(?<=[。；！？])", body) if s.strip()]
    best, best_score = "", -1.0
    for sentence in sentences:
        clauses = [c for c in re.split(r"[，。；！？]", sentence) if c.strip()]
        for i, clause in enumerate(clauses):
            score = sum(len(t) for t in terms if t in clause)
            if want_number and re.search(r"\d", clause):
                score += 1.5
            if score > best_score:
                best_score = score
                best = clause if len(clause) >= 10 or i + 1 >= len(clauses) else f"{clause}，{clauses[i + 1]}"
    return best.strip()


def _leading_sentences(body: str, limit: int) -> str:
    """Whole sentences from the start, up to `limit` characters (at least one)."""
    out = ""
    for sentence in re.split(r"(?<=[。；])", body):
        if out and len(out) + len(sentence) > limit:
            break
        out += sentence
    return out.rstrip("。；")


def responsibility_phrase(chunk: Chunk) -> str:
    """「由A牵头，B、C按职责分工负责」 from the measure's own unit names."""
    if not chunk.responsible_units:
        return ""
    others = [u for u in chunk.responsible_units if u not in chunk.lead_units]
    if chunk.lead_units:
        phrase = f"由{'、'.join(chunk.lead_units)}牵头"
        return phrase + (f"，{'、'.join(others)}按职责分工负责" if others else "")
    if len(others) == 1:
        return f"由{others[0]}负责"
    return f"由{'、'.join(others)}按职责分工负责"


class ExtractiveAnswerer:
    """Grounded extractive answers with 【label】 citations."""

    name = "extractive"
    supports_streaming = True

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """Quote what answers the question from the passages, or refuse."""
        if not passages:
            return Answer(REFUSAL, refused=True, backend=self.name)
        terms = _terms(question, intent.regions)
        if intent.asks_list and len(passages) > 1:
            return self._listing(passages, intent)
        chosen = self._chosen(passages, intent)
        parts = []
        for passage in chosen:
            if intent.explicit:  # the question names the measure: say what it says
                clause = _leading_sentences(measure_body(passage.chunk), 200)
            else:
                clause = best_clause(measure_body(passage.chunk), terms, want_number=intent.asks_number)
            if not clause:
                continue
            sentence = f"{clause}【{passage.key}】"
            units = responsibility_phrase(passage.chunk) if intent.asks_responsible else ""
            parts.append(f"{sentence}，{units}。" if units else f"{sentence}。")
        if not parts:
            return Answer(REFUSAL, refused=True, backend=self.name)
        return Answer("".join(parts), [citation_from_chunk(p.key, p.chunk) for p in chosen], backend=self.name)

    @staticmethod
    def _chosen(passages: Sequence[Passage], intent: Intent) -> list[Passage]:
        """The top passage, or the best one per region when the question compares regions."""
        if len(intent.regions) > 1 or intent.explicit:
            picked: list[Passage] = []
            for passage in passages:
                key = passage.chunk.measure if intent.explicit else passage.chunk.region
                if all((p.chunk.measure if intent.explicit else p.chunk.region) != key or
                       (intent.explicit and p.chunk.doc_id != passage.chunk.doc_id) for p in picked):
                    picked.append(passage)
            return picked[: max(2, len(intent.regions))]
        return [passages[0]]

    def _listing(self, passages: Sequence[Passage], intent: Intent) -> Answer:
        lines = []
        for n, passage in enumerate(passages, start=1):
            chunk = passage.chunk
            title = chunk.measure_title or measure_body(chunk)[:40]
            line = f"{n}. {title}【{passage.key}】"
            if intent.asks_responsible and chunk.responsible_units:
                line += f"（{responsibility_phrase(chunk)}）"
            lines.append(line)
        text = f"共找到{len(lines)}条相关内容：\n" + "\n".join(lines)
        return Answer(text, [citation_from_chunk(p.key, p.chunk) for p in passages], backend=self.name)

    def stream(self, question: str, passages: Sequence[Passage], intent: Intent) -> Iterator[str | Answer]:
        """One delta with the whole answer, then the answer."""
        result = self.answer(question, passages, intent)
        yield result.text
        yield result
