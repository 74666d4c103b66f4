"""The default answerer: no model; it quotes the sentences of the retrieved measures that answer the question.

Every word of an answer is either a verbatim clause of a cited measure, one of that measure's
responsible units, or fixed connective text; so it cannot state a number or a unit the
measure does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ingest import GENERIC_TERMS, Chunk, strip_marker, tokenize
from service.answerers.base import REFUSAL, Answer, Intent, Passage, citation_from_chunk
from service.retrieval.evidence import asked as ask_for
from service.retrieval.evidence import carries

__all__ = ["ExtractiveAnswerer", "measure_body", "best_clause", "responsibility_phrase", "partial_answer", "answer_span"]

_UNIT_MARKERS = ("item", "article", "key_task", "heading", "paren")
_CLOSING_UNITS = re.compile(r"（[^（）]*(?:（[^（）]*）[^（）]*)*(负责|牵头)[^（）]*）\s*$")


def measure_body(chunk: Chunk) -> str:
    """The measure's words without its number and without the closing units parenthesis (nor the document's title
    lines an opening chunk shows above them)."""
    lines = [line for line in strip_marker(chunk.text[chunk.heading_chars:], _UNIT_MARKERS).split("\n") if line]
    text = "".join(line if line[-1] in "。；！？：" else line + "。" for line in lines[:-1]) + (lines[-1] if lines else "")
    return _CLOSING_UNITS.sub("", text.rstrip("。； ")).rstrip("。； ")


def _terms(question: str, regions: Sequence[str]) -> list[str]:
    place_chars = "".join(regions)
    return [t for t in dict.fromkeys(tokenize(question)) if t not in GENERIC_TERMS and t not in place_chars and len(t) > 1]


def _clause_score(clause: str, terms: Sequence[str], want_number: bool, need_number: bool = False) -> float:
    if need_number and not re.search(r"\d", clause):
        return 0.0
    score = float(sum(len(t) for t in terms if t in clause))
    if want_number and re.search(r"\d", clause):
        score += 1.5
    return score


def best_clause(body: str, terms: Sequence[str], *, want_number: bool, max_chars: int = 120,
                need_number: bool = False) -> str:
    """The verbatim span of the best sentence that covers its best-scoring clauses.

    Clauses are split at ，；。; a span runs from the first to the last clause scoring at least half
    the best (so 「开工项目279个，竣工项目247个，完成投资1350亿元」 stays whole), within max_chars.
    """
    best_span, best_score = "", -1.0
    for sentence in (s for s in re.split(r"(?<=[。；！？])", body) if s.strip()):
        clauses = [c for c in re.split(r"[，。；！？]", sentence) if c.strip()]
        if not clauses:  # punctuation only: nothing to quote
            continue
        scores = [_clause_score(c, terms, want_number, need_number) for c in clauses]
        top = max(scores)
        if top <= best_score:
            continue
        keep = [i for i, sc in enumerate(scores) if sc >= top / 2 and sc > 0] or [scores.index(top)]
        first = last = scores.index(top)
        for i in keep:  # widen towards other strong clauses while the span stays short
            lo, hi = min(first, i), max(first, last, i)
            if len("，".join(clauses[lo:hi + 1])) <= max_chars:
                first, last = lo, hi
        span = "，".join(c.strip() for c in clauses[first:last + 1])
        if len(span) < 10 and last + 1 < len(clauses):  # a very short clause keeps its neighbour
            span = f"{span}，{clauses[last + 1].strip()}"
        best_span, best_score = span, top
    if need_number and best_score <= 1.5:  # no clause with a number that shares a word with the question
        return ""
    return best_span.strip()


def answer_span(body: str, terms: Sequence[str], kinds: Sequence[str], focus: Sequence[str] = (), *,
                unit: str = "", max_chars: int = 160, items: bool = False, chosen: str = "") -> str:
    """Whole sentences that answer: the best one (topic words, plus a value of each asked kind), then one for
    each other thing asked that it leaves out (「能延长多久」), and the items of a list it introduces.

    A regulation's 「擅自…的，处二千元以上二万元以下罚款」 is one sentence: its value is never cut off.
    `items`: the question asks for a list (「用在哪些方面」), so a sentence introducing items (「并用于：（一）…」)
    is worth as much as one holding an asked value.
    `chosen`: the sentence the answer model found to answer; it is the best one when the body holds it.
    """
    sentences = [s for s in re.split(r"(?<=[。；！？])", body) if s.strip()]
    if not sentences:
        return ""

    introduces = [items and bool(_INTRODUCES.search(s)) for s in sentences]

    def score(i: int) -> float:
        sentence = sentences[i]
        found = [t for t in terms if t in sentence]
        # jieba's search mode adds the parts of long words (水土保持 → 水土, 保持): count a part only alone
        topic = float(sum(len(t) for t in found if not any(t != o and t in o for o in found)))
        lists = 4.0 if topic and introduces[i] else 0.0
        return topic + lists + sum(4.0 for kind in kinds if carries(kind, sentence, unit=unit))

    scores = [score(i) for i in range(len(sentences))]
    # ties go to the earlier sentence, or for a list question to one introducing the items
    best = max(range(len(sentences)), key=lambda i: (scores[i], introduces[i], -i))
    if chosen and chosen in sentences:
        best = sentences.index(chosen)
    if len(sentences[best]) > max_chars:  # one long sentence: its best clauses
        return best_clause(sentences[best], terms, want_number="quantity" in kinds, max_chars=max_chars)
    keep = {best}
    size = len(sentences[best])
    for i in sorted(range(len(sentences)), key=lambda i: -scores[i]) if kinds else ():  # more of the asked values
        if i in keep or scores[i] < max(scores[best] / 2, 4.5) or not any(carries(k, sentences[i]) for k in kinds):
            continue
        if size + len(sentences[i]) > max_chars * 1.5:
            break
        keep.add(i)
        size += len(sentences[i])
    uncovered = [f for f in focus if not any(f in sentences[i] for i in keep)]
    for word in uncovered:  # another value the question asks for
        j = next((j for j, s in enumerate(sentences) if word in s and any(carries(k, s) for k in kinds)), None)
        if j is not None and j not in keep and size + len(sentences[j]) <= max_chars * 1.5:
            keep.add(j)
            size += len(sentences[j])
    if _INTRODUCES.search(sentences[best]):  # 「享有下列礼遇：」 answers with its items
        for i in range(best + 1, len(sentences)):
            if not _ITEM.match(sentences[i]) or size + len(sentences[i]) > max_chars * 2:
                break
            keep.add(i)
            size += len(sentences[i])
    listing = len(keep) > 1 and _ITEM.match(sentences[max(keep)])
    parts = [sentences[i] if listing else _trim(sentences[i], focus or terms, kinds, unit) for i in sorted(keep)]
    return "".join(parts).rstrip("。；，： ")


def _trim(sentence: str, words: Sequence[str], kinds: Sequence[str], unit: str, *, longer_than: int = 60) -> str:
    """A long sentence from its first clause naming what is asked to its last clause holding an asked value."""
    if len(sentence) <= longer_than:
        return sentence
    clauses = re.split(r"(?<=[，,：])", sentence)
    named = [i for i, c in enumerate(clauses) if any(w in c for w in words)]
    valued = [i for i, c in enumerate(clauses) if any(carries(k, c, unit=unit) for k in kinds)]
    if not named:
        return sentence
    first = min(named + valued[:1])
    last = max(named[-1:] + valued) if valued else len(clauses) - 1  # no value asked: the whole predicate
    span = "".join(clauses[first:last + 1])
    return span if span.endswith(("。", "；")) else span.rstrip("，,：") + "。"


_ITEM = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[一二三四五六七八九十]+、)")
_INTRODUCES = re.compile(r"：\s*$|：" + _ITEM.pattern)  # a sentence that introduces a list of items


_WHOLE_ARTICLE = 200  # a measure this short is quoted whole when it is the answer itself (第N条, 「哪一条讲…」)


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
    if not chunk.responsible_units:  # units the parser could not split: quote the closing parenthesis itself
        closing = _CLOSING_UNITS.search(chunk.text.rstrip("。； "))
        return f"责任单位：{closing.group(0).strip()[1:-1]}" if closing else ""
    others = [u for u in chunk.responsible_units if u not in chunk.lead_units]
    if chunk.lead_units:
        phrase = f"由{'、'.join(chunk.lead_units)}牵头"
        return phrase + (f"，{'、'.join(others)}按职责分工负责" if others else "")
    if len(others) == 1:
        return f"由{others[0]}负责"
    return f"由{'、'.join(others)}按职责分工负责"


_MISSING = {"quantity": "具体数值", "date": "具体时间", "units": "由哪个单位负责"}


def partial_answer(question: str, passage: Passage, missing: Sequence[str], *, backend: str) -> Answer:
    """「文件提到…，但没有写明…」: what the best clause says on the topic, and which asked fact it does not state."""
    terms = _terms(question, [])
    clause = best_clause(measure_body(passage.chunk), terms, want_number=False)
    lacking = "、".join(_MISSING[k] for k in missing if k in _MISSING) or "所问的内容"
    text = f"文件提到{clause}【{passage.key}】，但没有写明{lacking}。"
    return Answer(text, [citation_from_chunk(passage.key, passage.chunk)], refused=True, partial=True, backend=backend)


class ExtractiveAnswerer:
    """Grounded extractive answers with 【label】 citations."""

    name = "extractive"
    supports_streaming = True

    def answer(self, question: str, passages: Sequence[Passage], intent: Intent) -> Answer:
        """Quote what answers the question from the passages, or refuse."""
        if not passages:
            return Answer(REFUSAL, refused=True, backend=self.name)
        terms = _terms(question, intent.regions)
        asked = ask_for(question, intent.regions)
        if intent.asks_list and len(passages) > 1:
            return self._listing(passages, intent, terms)
        chosen = self._chosen(passages, intent)
        parts, quoted = [], []
        for passage in chosen:
            body = measure_body(passage.chunk)
            if intent.explicit or (intent.asks_locate and len(body) <= _WHOLE_ARTICLE):
                clause = _leading_sentences(body, _WHOLE_ARTICLE)  # the measure named or asked for: what it says
            else:
                clause = answer_span(body, terms, asked.kinds, asked.focus, unit=asked.unit,
                                     items=intent.asks_list and not intent.asks_places, chosen=passage.sentence)
            if not clause:
                continue
            title = passage.chunk.measure_title
            if intent.asks_locate and title and title not in clause:  # 「哪一条…」: the measure by its title too
                clause = f"{title}：{clause}"
            sentence = f"{clause}【{passage.key}】"
            units = responsibility_phrase(passage.chunk) if intent.asks_responsible else ""
            parts.append(f"{sentence}，{units}。" if units else f"{sentence}。")
            quoted.append(passage)
        if not parts:
            return Answer(REFUSAL, refused=True, backend=self.name)
        # a citation only for the measures the answer quotes: one with nothing to quote is not evidence
        return Answer("".join(parts), [citation_from_chunk(p.key, p.chunk) for p in quoted], backend=self.name)

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

    def _listing(self, passages: Sequence[Passage], intent: Intent, terms: Sequence[str]) -> Answer:
        lines = []
        for n, passage in enumerate(passages, start=1):
            chunk = passage.chunk
            body = measure_body(chunk)
            detail = best_clause(body, terms, want_number=True, max_chars=80)
            title = chunk.measure_title
            if not title:  # an untitled article: its best clause alone, not a cut-off opening before it
                title = detail or _leading_sentences(body, 80)
            elif detail and detail not in title and title not in detail:
                title = f"{title}：{detail}"
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
