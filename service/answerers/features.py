"""Generic features of a (question, candidate sentence) pair, for the learned answer decision.

Each retrieved measure in the top hits is cut into the sentences the extractive answerer quotes; each sentence
gets the same named, dimensionless signals on any corpus: how much of the question's topic it holds (alone, with
its document's title and headings, and as its whole measure), whether it holds a value of the kind asked (a number
in the asked unit, a date, an agency), whether it names what the value belongs to, how similar its measure is to
the question and where fusion ranked it, and where the sentence stands in its measure. Nothing here names a word
of any document or question set: the words come from the question grammar in `service.retrieval.evidence`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from service.answerers.extractive import measure_body, measure_sentences
from service.retrieval.answerability import known_coverage
from service.retrieval.evidence import (Asked, carries, char_coverage, coverage, has_date, has_quantity, in_unit,
                                        names_subject, names_units, sentence_carries)
from service.retrieval.retriever import Hit

__all__ = ["FEATURES", "GATE_FEATURES", "RANK_FEATURES", "Candidate", "sentences_of", "candidates", "question_vector",
           "measure_vectors", "MAX_SENTENCES"]

FEATURES: tuple[str, ...] = (
    # lexical coverage of the question's topic words
    "sentence_topic", "sentence_topic_in_context", "measure_topic", "sentence_chars", "sentence_phrases",
    "focus_near", "subject_named", "title_topic", "heading_topic",
    # the kind of value asked, and whether the sentence (or its measure) holds it
    "asks_quantity", "asks_date", "asks_units", "asks_unit", "asks_nothing", "asks_list",
    "kinds_in_sentence", "unit_in_sentence", "quantity_in_sentence", "date_in_sentence", "agency_in_sentence",
    "kinds_in_measure", "kinds_x_topic",
    # the sentence's measure in retrieval: similarity, fused rank and margins
    "dense", "dense_z", "dense_missing", "lexical_found", "fused_relative", "rank_inverse", "margin_next",
    "question_margin",
    # place and position
    "asks_place", "place_named", "position", "first_sentence", "sentence_length",
    # the rule decision (service.retrieval.answerability), for this measure and for the question, as signals
    "rule_supported", "rule_answering", "rules_answer", "rules_partial",
    # the sentence against the other candidates of its question
    "best_topic_in_pool", "topic_below_best", "kinds_in_pool",
    # the question's rare topic words (each weighed by its rarity among the chunks searched) held by the measure,
    # by the sentence in context, and the best of the pool
    "known_measure", "known_sentence", "best_known_in_pool",
    # the question's topic words no chunk searched holds (a weighed share: what nothing indexed can answer), and
    # whether the measure holds the rarest topic word some chunk does
    "topic_unheld", "rarest_held",
)
# The question-level signals of the answerability gate (`answer_model.Gate`): each candidate feature's largest and
# mean value over the question's pool, the best evidence anywhere and how much of the pool is like it.
GATE_FEATURES: tuple[str, ...] = tuple(f"{how}_{name}" for how in ("max", "mean") for name in FEATURES)
# The measure ranker's signals (`answer_model.Ranker`): each candidate feature's largest value over a measure's
# sentences, but the rule decision's (made after ranking, on the measures ranked first), and the measure's fused rank.
RANK_FEATURES: tuple[str, ...] = (*(name for name in FEATURES if not name.startswith("rule")), "log_rank")
_RANKED = [FEATURES.index(name) for name in RANK_FEATURES[:-1]]
MAX_SENTENCES = 40  # per measure: a very long article's later sentences are not looked at
Z_FULL = 4.0  # as service.retrieval.answerability: this many standard deviations above the mean is as similar as it gets
_NONE: Mapping[str, str] = MappingProxyType({})
_NO_RARITY: Mapping[str, float] = MappingProxyType({})


@dataclass
class Candidate:
    """One sentence of one retrieved measure, with its features (named as in FEATURES)."""

    hit: Hit
    rank: int  # the hit's place in the retrieval order, from 0
    sentence: str
    position: int  # the sentence's place in its measure, from 0
    features: dict[str, float] = field(default_factory=dict)

    def vector(self) -> list[float]:
        """The features in FEATURES order."""
        return [self.features[name] for name in FEATURES]


def sentences_of(hit: Hit) -> list[str]:
    """The sentences of a measure as the extractive answerer quotes them (its body, cut after 。；！？ and a closing
    quotation mark after one)."""
    return measure_sentences(measure_body(hit.chunk))[:MAX_SENTENCES]


def _share(words: Sequence[str], text: str) -> float:
    return sum(w in text for w in words) / len(words) if words else 0.0


def candidates(asked: Asked, hits: Sequence[Hit], *, dense_mean: float, dense_std: float,
               regions: Collection[str] = (), asks_list: bool = False, cited: Mapping[str, str] = _NONE,
               supported: Collection[int] = (), answering: Collection[int] = (),
               verdict: str = "", rare: Mapping[str, float] = _NO_RARITY,
               unheld: Collection[str] = ()) -> list[Candidate]:
    """Every sentence of every hit, with its features. `supported`/`answering`: ids (``id(hit)``) of the hits the
    rule decision found supported and answering, `verdict` its decision for the question; `cited`: chunk id →
    the articles it cites; `rare`: topic word → its rarity among the chunks searched (an empty map: every
    `known_*` feature is 1, nothing to look for); `unheld`: the topic words no chunk searched holds."""
    if not hits:
        return []
    top = max(hits[0].score, 1e-9)
    scores = [h.score for h in hits]
    question_margin = (scores[0] - scores[1]) / top if len(scores) > 1 else 1.0
    words = list(asked.weights)
    kinds = [k for k in asked.kinds if k != "validity"]
    total = sum(asked.weights.values())
    topic_unheld = sum(w for t, w in asked.weights.items() if t in unheld) / total if total > 0 else 0.0
    held = [t for t in words if t in rare and t not in unheld]
    rarest = max(held, key=lambda t: (rare[t] * asked.weights[t], t), default="")
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        context = f"{chunk.doc_title}\n{chunk.section}\n{chunk.subsection}\n{cited.get(chunk.chunk_id, '')}"
        measure = {
            "measure_topic": coverage(asked.weights, f"{context}\n{chunk.text}"),
            "title_topic": coverage(asked.weights, chunk.doc_title) if words else 0.0,
            "heading_topic": coverage(asked.weights, f"{chunk.section}\n{chunk.subsection}") if words else 0.0,
            "kinds_in_measure": float(all(sentence_carries(k, asked, chunk.text, chunk) for k in kinds)) if kinds else 0.0,
            "dense": hit.dense if hit.dense is not None else 0.0,
            "dense_z": _clip((hit.dense - dense_mean) / dense_std / Z_FULL) if hit.dense is not None and dense_std > 0
            else 0.0,
            "dense_missing": float(hit.dense is None),
            "lexical_found": float(hit.lexical is not None),
            "fused_relative": hit.score / top,
            "rank_inverse": 1.0 / (rank + 1),
            "margin_next": (hit.score - scores[rank + 1]) / top if rank + 1 < len(scores) else 0.0,
            "question_margin": question_margin,
            "asks_place": float(bool(regions)),
            "place_named": float(any(r and (r in chunk.region or r in chunk.doc_title) for r in regions)),
            "rule_supported": float(id(hit) in supported),
            "rule_answering": float(id(hit) in answering),
            "rules_answer": float(verdict == "answer"),
            "rules_partial": float(verdict == "partial"),
            "known_measure": known_coverage(asked.weights, rare, f"{context}\n{chunk.text}"),
            "topic_unheld": topic_unheld,
            "rarest_held": float(not rarest or rarest in f"{context}\n{chunk.text}"),
        }
        sentences = sentences_of(hit)
        for position, sentence in enumerate(sentences):
            topic = coverage(asked.weights, sentence) if words else 0.0
            carried = [carries(k, sentence, chunk, asked.unit) for k in kinds]
            kinds_share = sum(carried) / len(carried) if carried else 0.0
            in_context = coverage(asked.weights, f"{sentence}\n{context}") if words else 0.0
            features = dict(
                measure,
                sentence_topic=topic,
                sentence_topic_in_context=in_context,
                sentence_chars=char_coverage(words, sentence) if words else 0.0,
                sentence_phrases=_share(asked.phrases, sentence),
                focus_near=max((char_coverage([f], sentence) for f in asked.focus), default=0.0),
                subject_named=float(names_subject(asked, sentence, chunk.doc_title)) if asked.subject else 0.0,
                asks_quantity=float("quantity" in kinds),
                asks_date=float("date" in kinds),
                asks_units=float("units" in kinds),
                asks_unit=float(bool(asked.unit)),
                asks_nothing=float(not kinds),
                asks_list=float(asks_list),
                kinds_in_sentence=kinds_share,
                unit_in_sentence=float(bool(asked.unit) and in_unit(sentence, asked.unit)),
                quantity_in_sentence=float(has_quantity(sentence)),
                date_in_sentence=float(has_date(sentence)),
                agency_in_sentence=float(names_units(sentence)),
                kinds_x_topic=kinds_share * in_context,
                known_sentence=known_coverage(asked.weights, rare, f"{sentence}\n{context}"),
                position=position / max(len(sentences) - 1, 1),
                first_sentence=float(position == 0),
                sentence_length=min(math.log1p(len(sentence)) / math.log1p(400), 1.0),
            )
            out.append(Candidate(hit, rank, sentence, position, features))
    best_topic = max((c.features["sentence_topic_in_context"] for c in out), default=0.0)
    kinds_found = float(any(c.features["kinds_in_sentence"] == 1.0 for c in out)) if kinds else 0.0
    best_known = max((c.features["known_sentence"] for c in out), default=0.0)
    for c in out:
        c.features.update(best_topic_in_pool=best_topic, kinds_in_pool=kinds_found, best_known_in_pool=best_known,
                          topic_below_best=best_topic - c.features["sentence_topic_in_context"])
    return out


def question_vector(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The gate's features (GATE_FEATURES order) of a question whose candidates have these vectors (FEATURES
    order, at least one)."""
    columns = list(zip(*vectors))
    return [max(column) for column in columns] + [sum(column) / len(column) for column in columns]


def measure_vectors(pool: Sequence[Candidate], count: int) -> list[list[float]]:
    """The ranker's features (RANK_FEATURES order) of each of the `count` hits `pool` was made from, in their
    retrieval order; a measure without sentences has zeros but for its rank."""
    best: dict[int, list[float]] = {}
    for c in pool:
        vector = c.vector()
        row = [vector[i] for i in _RANKED]
        best[c.rank] = [max(a, b) for a, b in zip(best[c.rank], row)] if c.rank in best else row
    return [[*best.get(rank, [0.0] * len(_RANKED)), math.log1p(rank)] for rank in range(count)]


def _clip(value: float) -> float:
    return min(max(value, -0.5), 1.5)
