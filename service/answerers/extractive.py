"""The default answerer: no model; it quotes the sentences of the retrieved measures that answer the question.

Every word of an answer is either a verbatim clause of a cited measure, one of that measure's
responsible units, or fixed connective text; so it cannot state a number or a unit the
measure does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ingest import (FUNCTION_WORDS, GENERIC_TERMS, QUESTION_WORDS, VALUE_KIND_WORDS, Chunk, strip_byline, strip_marker,
                    tokenize)
from service.answerers.base import REFUSAL, Answer, Intent, Passage, citation_from_chunk
from service.retrieval.evidence import asked as ask_for
from service.retrieval.evidence import carries

__all__ = ["ExtractiveAnswerer", "measure_body", "best_clause", "responsibility_phrase", "partial_answer", "answer_span",
           "asked_parts"]

_UNIT_MARKERS = ("item", "article", "key_task", "heading", "paren")
_CLOSING_UNITS = re.compile(r"（[^（）]*(?:（[^（）]*）[^（）]*)*(负责|牵头)[^（）]*）\s*$")


def measure_body(chunk: Chunk) -> str:
    """The measure's words without its number and without the closing units parenthesis (nor the document's title
    lines an opening chunk shows above them, nor a news item's credit lines)."""
    body = strip_marker(chunk.text[chunk.heading_chars:], _UNIT_MARKERS)
    lines = [line for line in map(strip_byline, body.split("\n")) if line]
    text = "".join(line if line[-1] in "。；！？：" else line + "。" for line in lines[:-1]) + (lines[-1] if lines else "")
    return _CLOSING_UNITS.sub("", text.rstrip("。； ")).rstrip("。； ")


def _terms(question: str, regions: Sequence[str]) -> list[str]:
    place_chars = "".join(regions)
    return [t for t in dict.fromkeys(tokenize(question)) if t not in GENERIC_TERMS and t not in place_chars and len(t) > 1]


def best_clause(body: str, terms: Sequence[str], *, want_number: bool, max_chars: int = 120,
                kinds: Sequence[str] = ()) -> str:
    """The verbatim span of the best sentence that covers its best-scoring clauses.

    A clause scores the question's terms it holds, and more when it holds a number (`want_number`); the span
    reaches the nearest clause holding a value of another asked kind (`kinds`: a date, a sanction) when the best
    clauses hold none: 「从2020年1月28日10时起，全市所有公交线路暂停运营」 keeps its date.
    Clauses are split at ，；。; a span runs from the first to the last clause scoring at least half
    the best (so 「开工项目279个，竣工项目247个，完成投资1350亿元」 stays whole), then on to the clauses after it
    (「把医疗资源集中到一线，从29个省份调集2万多名医护人员」), within max_chars.
    """
    best_span, best_score = "", -1.0
    valued = [k for k in kinds if k in ("date", "sanction", "contact")]  # a clause can hold (a quantity: want_number)
    for sentence in measure_sentences(body):
        clauses = [c.strip() for c in re.split(r"[，。；！？]", sentence) if c.strip()]
        scores = [sum(len(t) for t in terms if t in c) + (1.5 if want_number and re.search(r"\d", c) else 0.0)
                  for c in clauses]
        if not clauses or max(scores) <= best_score:  # punctuation only, or no better than the best so far
            continue
        top = max(scores)
        first = last = scores.index(top)
        for i in (i for i, sc in enumerate(scores) if sc >= top / 2 and sc > 0):  # widen towards strong clauses
            if len("，".join(clauses[min(first, i):max(last, i) + 1])) <= max_chars:
                first, last = min(first, i), max(last, i)
        holding = [i for i, c in enumerate(clauses) if any(carries(k, c) for k in valued)]
        if holding and not any(first <= i <= last for i in holding):  # and towards the nearest holding the value
            i = min(holding, key=lambda i: min(abs(i - first), abs(i - last)))
            if len("，".join(clauses[min(first, i):max(last, i) + 1])) <= max_chars:
                first, last = min(first, i), max(last, i)
        while last + 1 < len(clauses) and len("，".join(clauses[first:last + 2])) <= max_chars:
            last += 1  # what follows the words asked about says what is done with them: up to the bound
        best_span, best_score = "，".join(clauses[first:last + 1]), top
    return best_span.strip()


def answer_span(body: str, terms: Sequence[str], kinds: Sequence[str], focus: Sequence[str] = (), *,
                unit: str = "", max_chars: int = 160, items: bool = False, chosen: str = "", also: str = "",
                question: str = "", restating: bool = False) -> str:
    """Whole sentences that answer: the best one (topic words, plus a value of each asked kind), then one for
    each other thing asked that it leaves out (「能延长多久」), and the items of a list it introduces.

    A regulation's 「擅自…的，处二千元以上二万元以下罚款」 is one sentence: its value is never cut off.
    `items`: the question asks for a list (「用在哪些方面」), so a sentence introducing items (「并用于：（一）…」)
    is worth as much as one holding an asked value.
    `chosen`: the sentence the answer model found to answer; it is the best one when the body holds it, unless a
    list is asked and the rules' best sentence introduces the items. `also`: a sentence the model found nearly as
    likely; it is quoted too (with its clause group), in the measure's order, when it fits.
    `restating`: a short sentence repeating the question's own words is no answer (not so for 「哪部分提到…」).
    """
    sentences = measure_sentences(body)
    if not sentences:
        return ""

    introduces = [items and bool(_INTRODUCES.search(s)) for s in sentences]

    def score(i: int) -> float:
        sentence = sentences[i]
        if restating and _restates(sentence, question):
            return 0.0  # 「国家发展改革委办公厅」 asked how it lowers costs: the question's own words answer nothing
        found = [t for t in terms if t in sentence]
        # jieba's search mode adds the parts of long words (水土保持 → 水土, 保持): count a part only alone
        topic = float(sum(len(t) for t in found if not any(t != o and t in o for o in found)))
        lists = 4.0 if topic and introduces[i] else 0.0
        return topic + lists + sum(4.0 for kind in kinds if carries(kind, sentence, unit=unit))

    scores = [score(i) for i in range(len(sentences))]
    # ties go, for a list question, to a sentence introducing the items, then to the one holding more of the
    # question's character pairs (its words in its order: 「非法扣留快件」), then to the earlier one
    pairs = _pairs(question)
    best = max(range(len(sentences)),
               key=lambda i: (scores[i], introduces[i], sum(p in sentences[i] for p in pairs), -i))
    if chosen and chosen in sentences and not introduces[best]:  # the items asked for come before the model's choice
        best = sentences.index(chosen)
    if len(sentences[best]) > max_chars:  # one long sentence: its best clauses (and the runner-up, when it fits)
        clauses = best_clause(sentences[best], terms, want_number="quantity" in kinds, max_chars=max_chars,
                              kinds=kinds)
        if also in sentences and also != sentences[best] and len(clauses) + len(also) <= max_chars * 1.5:
            before = sentences.index(also) < best
            clauses = f"{also}{clauses}" if before else f"{clauses}。{also}"
        return clauses.rstrip("。；，： ")
    keep = set(_clause_group(sentences, best, max_chars))  # 「…的，给予警告；逾期不改正的，处100元以下罚款」 whole
    if also in sentences and len(also) <= max_chars:
        group = set(_clause_group(sentences, sentences.index(also), max_chars)) - keep
        if sum(len(sentences[i]) for i in keep | group) <= max_chars * 1.5:
            keep |= group
    size = sum(len(sentences[i]) for i in keep)
    uncovered = [f for f in focus if not any(f in sentences[i] for i in keep)]
    for i in sorted(range(len(sentences)), key=lambda i: -scores[i]) if kinds else ():  # more of the asked values:
        # a strong sentence, or one naming what the question asks beside a value that the others leave out
        strong = scores[i] >= max(scores[best] / 2, 4.5) or any(f in sentences[i] for f in uncovered)
        if i not in keep and strong and any(carries(k, sentences[i]) for k in kinds) \
                and size + len(sentences[i]) <= max_chars * 1.5:
            keep.add(i)
            size += len(sentences[i])
    if _INTRODUCES.search(sentences[best]):  # 「享有下列礼遇：」 answers with its items
        for i in range(best + 1, len(sentences)):
            if not _ITEM.match(sentences[i]) or size + len(sentences[i]) > max_chars * 2:
                break
            keep.add(i)
            size += len(sentences[i])
    return "".join(sentences[i] for i in sorted(keep)).rstrip("。；，： ")


def _restates(sentence: str, question: str) -> bool:
    """Whether a short sentence says nothing the question does not: fewer than four Chinese characters of its own
    and no number the question lacks (a signature line, a heading repeating the question)."""
    chinese = [c for c in sentence if "\u4e00" <= c <= "\u9fff"]
    own = [c for c in chinese if c not in question]
    return len(chinese) <= 16 and len(own) < 4 and all(n in question for n in re.findall(r"\d+(?:\.\d+)?", sentence))


def _pairs(text: str) -> set[str]:
    """The character pairs of the text's runs of Chinese characters, letters and digits."""
    return {run[i:i + 2] for run in re.findall(r"[\u4e00-\u9fffA-Za-z0-9]+", text) for i in range(len(run) - 1)}


def _clause_group(sentences: Sequence[str], i: int, max_chars: int) -> range:
    """The sentences cut at ； around sentence i that make one sentence ending in 。！？, when it fits max_chars."""
    first = i
    while first > 0 and sentences[first - 1].endswith("；"):
        first -= 1
    last = i
    while last + 1 < len(sentences) and sentences[last].endswith("；"):
        last += 1
    if sum(len(s) for s in sentences[first:last + 1]) > max_chars:
        return range(i, i + 1)
    return range(first, last + 1)


_ITEM = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[一二三四五六七八九十]+、)")
_INTRODUCES = re.compile(r"：\s*$|：" + _ITEM.pattern)  # a sentence that introduces a list of items


_ASKS = re.compile(r"怎|如何|什么|哪|谁|多少|几|多久|多长|吗|呢|是否|能否")
_PLAIN = FUNCTION_WORDS | QUESTION_WORDS | VALUE_KIND_WORDS | GENERIC_TERMS


def asked_parts(question: str) -> list[str]:
    """The parts of a question that each ask something (「个人要被罚多少钱」「怎么赔」): cut at its punctuation, a
    piece that asks nothing joined to the one after it; a question asking one thing has one part."""
    parts, pending = [], ""
    for piece in re.split(r"([，,、；;？?。！!])", question):
        pending += piece
        if _ASKS.search(piece):
            parts.append(pending.strip("，,、；;？?。！! "))
            pending = ""
    return parts


def _other_asked(question: str, regions: Sequence[str], passages: Sequence[Passage],
                 answered: str) -> list[tuple[Passage, str]]:
    """For each part of a question asking two things that the answer so far matches less well than a sentence of
    the passages does, that sentence (the best one, by the part's own words and the kinds of value it asks)."""
    parts = asked_parts(question)
    if len(parts) < 2:
        return []
    words = [[w for w in dict.fromkeys(tokenize(p)) if w not in _PLAIN and w not in "".join(regions)] for p in parts]
    out: list[tuple[Passage, str]] = []
    kinds: list[str] = []
    for part, own in zip(parts, words):
        kinds = [k for k in ask_for(part, regions).kinds if k != "validity"] or (kinds if part.endswith("呢") else [])
        own = [w for w in own if not any(w in other for o in words if o is not own for other in o)]

        def score(text: str) -> float:
            return sum(len(w) for w in own if w in text) + 4.0 * sum(carries(k, text) for k in kinds)

        found = [(score(s), p, "".join(ss[j] for j in _clause_group(ss, i, 160)))
                 for p in passages for ss in [measure_sentences(measure_body(p.chunk))] for i, s in enumerate(ss)]
        best = max(found, key=lambda c: c[0], default=None)
        if own and best is not None and best[0] > score(answered) and len(answered) + len(best[2]) <= 320:
            answered += best[2]
            out.append((best[1], best[2].rstrip("。；，： ")))
    return out


# Where a sentence ends: after 。；！？, or after the closing quotation mark that follows one (「…就医。”他说」 ends
# at 」”」, so the next sentence does not start with it).
SENTENCE_END = re.compile(r"(?<=[。；！？])(?![”’」』])|(?<=[。；！？][”’」』])")


def measure_sentences(body: str) -> list[str]:
    """A measure body's sentences, as answers quote them."""
    return [s for s in SENTENCE_END.split(body) if s.strip()]


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


_MISSING = {"quantity": "具体数值", "date": "具体时间", "units": "由哪个单位负责", "contact": "联系方式"}


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
                clause = answer_span(body, terms, asked.kinds, asked.focus, unit=asked.unit, question=question,
                                     items=intent.asks_list and not intent.asks_places, chosen=passage.sentence,
                                     also=passage.also, restating=not intent.asks_locate)
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
        if len(chosen) == 1:  # 「罚多少钱、怎么赔？」: each thing asked from the measure that states it
            for passage, clause in _other_asked(question, intent.regions, passages[:3], "".join(parts)):
                parts.append(f"{clause}【{passage.key}】。")
                quoted += [passage] if passage not in quoted else []
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
            title = chunk.measure_title
            body = measure_body(chunk)
            # what the measure does beyond its title: the title's own words are no detail
            detail = best_clause(body.replace(title, "", 1) if title else body, terms, want_number=True, max_chars=80)
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
