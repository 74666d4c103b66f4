"""The answerability decision: answer from the clauses that carry what is asked, say what is missing, or refuse.

A hit supports the question by a mix of two dimensionless scores: the share of the question's topic
words it holds (lexical), and how far its dense similarity stands above the other candidates', in
standard deviations (semantic, relative to this query's own score distribution, so it reads the same
with any embedder). A hit answers when its support reaches `min_support` and one of its sentences holds
a value of each kind asked (a number with a unit for 多少, a date for 什么时候, a unit for 谁负责) beside
a word the question asks about, and names what that value belongs to (「逢石河抽水蓄能电站的装机容量」 is not answered
by 「储能装机容量达到25兆瓦」). A supported hit without that value makes a partial answer, when it is on the topic
asked: it holds the rare words below (similarity alone does not make a partial answer).

A hit answers only if it also holds the question's distinctive words that the searchable documents use (each
word weighed by its rarity there, `rarity`): a passage on a neighbouring topic shares the common words and the
asked kind of value, not the rare ones (「机动车驾驶证有效期」 is not answered by 「许可证有效期为5年」). Words no
searchable document holds weigh as the rarest (「火星基地」 asked of an index that never says 火星: a passage on some
other 基地 does not answer it), and a hit whose similarity stands far above the other candidates' answers whatever its
words (a paraphrase such as 「老人饭堂」 for 老年食堂).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from service.retrieval.evidence import SOFT_KINDS, Asked, best_sentence_coverage, coverage, sentence_carries
from service.retrieval.retriever import Hit

__all__ = ["Judgement", "support", "judge", "rarity", "known_coverage", "semantic", "Z_FULL", "SENTENCE_FLOOR"]

_NONE: Mapping[str, str] = MappingProxyType({})
_NO_RARITY: Mapping[str, float] = MappingProxyType({})
Z_FULL = 4.0  # a hit this many standard deviations above the candidates' mean is as similar as it gets
# A question asking no particular value (「地铁票价会不会调整」) is answered by a sentence holding at least this
# share of its topic, with the document's title and headings; words scattered over a clause are not an answer.
SENTENCE_FLOOR = 0.3


@dataclass
class Judgement:
    """What the evidence allows: 'answer' (with the answering hits first), 'partial' or 'refuse'."""

    verdict: str
    hits: list[Hit] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # kinds of fact asked but not found (partial answers)
    supported: list[Hit] = field(default_factory=list)  # the hits whose support reached the bar, in retrieval order
    reason: str = ""
    answering: list[Hit] = field(default_factory=list)  # the supported hits holding what is asked (verdict 'answer')
    sentence: str = ""  # the sentence of hits[0] the answer model chose, when it decided
    also: str = ""  # a sentence of the same measure the model found nearly as likely (RUNNER_UP): quoted too
    similar_only: bool = False  # no answering hit holds `min_known` of the rare topic: similarity alone answers
    answerability: float | None = None  # the answer model's gate on an answer it weighed (kept when it refuses)


def _context(hit: Hit, cited: Mapping[str, str]) -> str:
    """What every sentence of a hit is about: its document, its headings, the articles it cites."""
    chunk = hit.chunk
    return f"{chunk.doc_title}\n{chunk.section}\n{chunk.subsection}\n{cited.get(chunk.chunk_id, '')}"


def _searchable(hit: Hit, cited: Mapping[str, str]) -> str:
    return f"{_context(hit, cited)}\n{hit.chunk.text}"


def rarity(frequencies: Mapping[str, int], chunks: int) -> dict[str, float]:
    """Each word's rarity among the searchable chunks (BM25's idf, ln(1 + (N - df + ½) / (df + ½))), highest for a
    word none of them holds: `frequencies` maps a word to how many of the `chunks` searchable chunks hold it."""
    return {word: math.log(1 + (chunks - df + 0.5) / (df + 0.5)) for word, df in frequencies.items()}


def known_coverage(weights: Mapping[str, float], rare: Mapping[str, float], text: str) -> float:
    """The share of the question's topic words the text holds, each weighed by its weight times its rarity; 1.0
    when the question has no weighed topic word (nothing to look for)."""
    total = sum(w * rare.get(t, 0.0) for t, w in weights.items())
    if total <= 0:
        return 1.0
    return sum(w * rare.get(t, 0.0) for t, w in weights.items() if t in text) / total


def semantic(hit: Hit, dense_mean: float, dense_std: float) -> float:
    """How far a hit's similarity stands above the candidates' mean, in [0, 1] (Z_FULL standard deviations: 1)."""
    if hit.dense is None or dense_std <= 0:
        return 0.0
    return min(max((hit.dense - dense_mean) / dense_std / Z_FULL, 0.0), 1.0)


def support(hit: Hit, asked: Asked, dense_mean: float, dense_std: float, lexical_share: float,
            cited: Mapping[str, str] = _NONE) -> float:
    """How well a hit covers the question, in [0, 1]: lexical_share of topic coverage, the rest relative similarity.
    `cited`: chunk id → the text of the articles it cites (「违反本规定第四条规定的」 is about 第四条)."""
    lexical = coverage(asked.weights, _searchable(hit, cited))
    if hit.dense is None or dense_std <= 0:
        return lexical
    return lexical_share * lexical + (1 - lexical_share) * semantic(hit, dense_mean, dense_std)


def judge(asked: Asked, hits: Sequence[Hit], *, dense_mean: float, dense_std: float, min_support: float,
          lexical_share: float, depth: int = 5, cited: Mapping[str, str] = _NONE,
          rare: Mapping[str, float] = _NO_RARITY, min_known: float = 0.0, known_semantic: float = 1.0) -> Judgement:
    """Decide from the top `depth` hits; answering hits come first, the most squarely answering one first.
    `rare`: topic word → its rarity among the searchable chunks (`rarity`); a hit answers only when it holds
    `min_known` of the rarity-weighted topic (`known_coverage`) or its `semantic` similarity reaches
    `known_semantic`."""
    head = list(hits[:depth])
    scored = [(hit, support(hit, asked, dense_mean, dense_std, lexical_share, cited)) for hit in head]
    supported = [hit for hit, s in scored if s >= min_support]
    if not supported:
        return Judgement("refuse", reason="检索到的条目与问题关联太弱")
    # How squarely each supported hit answers: the topic coverage of its best value sentence, read in context.
    square = {id(h): best_sentence_coverage(asked, h.chunk.text, _context(h, cited)) for h in supported}
    known = {id(h): known_coverage(asked.weights, rare, _searchable(h, cited)) >= min_known for h in supported}
    # a soft kind (SOFT_KINDS) orders the answering clauses through `square` but does not decide whether one answers
    hard = replace(asked, kinds=[k for k in asked.kinds if k not in SOFT_KINDS])
    floor = square if hard.kinds == asked.kinds else \
        {id(h): best_sentence_coverage(hard, h.chunk.text, _context(h, cited)) for h in supported}
    answering = [h for h in supported
                 if all(sentence_carries(k, asked, h.chunk.text, h.chunk) for k in hard.kinds)
                 and (hard.kinds or floor[id(h)] >= SENTENCE_FLOOR)
                 and (known[id(h)] or semantic(h, dense_mean, dense_std) >= known_semantic)]
    # The clause that answers most squarely first: its topic coverage plus that of its best value sentence; the
    # retrieval order (which already weighs similarity) breaks ties.
    answering.sort(key=lambda h: -(coverage(asked.weights, _searchable(h, cited)) + square[id(h)]))
    if answering:
        rest = [h for h in hits if all(h is not a for a in answering)]
        return Judgement("answer", answering + rest, supported=supported, answering=answering,
                         similar_only=not any(known[id(h)] for h in answering))
    # a partial answer says what the documents do write on the topic asked: a clause without its rare words is no
    # part of an answer, however similar (「济源市火星基地建设目标」 is not told about another 基地 of 济源's)
    on_topic = [h for h in supported if known[id(h)]]
    if not on_topic:
        return Judgement("refuse", reason="检索到的条目不是问题所问的事", supported=supported)
    best = on_topic[0]
    missing = [k for k in hard.kinds if not sentence_carries(k, asked, best.chunk.text, best.chunk)]
    return Judgement("partial", [best], missing, reason="条目没有写明所问的内容", supported=supported)
