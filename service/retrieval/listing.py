"""「有哪些」 questions: every measure that covers the topic, found through the index's lookups, not a scan."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import ANSWER_KIND_WORDS, Chunk, ChunkCatalog, LexicalIndex, region_matches, tokenize
from service.retrieval.evidence import coverage as topic_coverage
from service.retrieval.evidence import topic_terms
from service.retrieval.query import QueryAnalysis
from service.retrieval.retriever import Filters, Hit, chunk_region_path

__all__ = ["list_topic", "enumerates", "expand_list", "per_place", "MEMBER_COVERAGE"]

MEMBER_COVERAGE = 0.6  # the share of a list's topic a measure must hold to belong to it
_DEFINITIONS = re.compile(r"用语的?含义")
_ENUMERATION_DEPTH = 3  # how far down the ranking a measure listing the items itself is looked for
_ENUMERATION = re.compile(r"(?:下列|以下|如下)[^。；]{0,20}：|：\s*[（(][一1][）)]")


def list_topic(analysis: QueryAnalysis, places: set[str]) -> tuple[list[str], list[str]]:
    """(search words, topic words) of a list question: no places, no words that only ask for a list."""
    words = [t for t in dict.fromkeys(tokenize(analysis.question)) if t not in ANSWER_KIND_WORDS and len(t) > 1
             and t not in places and not any(t in r for r in analysis.regions)]
    content = set(topic_terms(analysis.question, analysis.regions))
    # jieba's search mode repeats parts of long words (以旧换新 → 以旧, 换新): keep the longest forms.
    topic = [t for t in words if not any(t != o and t in o for o in words) and (t in content or not content)]
    return words, topic or [t for t in words if not any(t != o and t in o for o in words)]


def enumerates(chunk: Chunk, topic: Sequence[str]) -> bool:
    """A measure that itself lists the items asked for (「可以对下列事项申请法律援助：（一）…」); a definitions
    article (「下列用语的含义：」) lists words, not measures."""
    return bool(_ENUMERATION.search(chunk.text)) and not _DEFINITIONS.search(chunk.text) \
        and topic_coverage({t: 1.0 for t in topic}, chunk.text) >= MEMBER_COVERAGE


def _coverage(chunk: Chunk, topic: Sequence[str]) -> float:
    """The share of the topic one sentence of a measure holds with its headings, leaving out the words of its
    document's title: in a regulation on one river every article names the river, so the river does not make an
    article part of the list; and a long passage adds up scattered words that no sentence of it puts together."""
    own = [t for t in topic if t not in chunk.doc_title] or list(topic)
    weight = sum(len(t) for t in own)
    return max(sum(len(t) for t in own if t in sentence or t in chunk.section)
               for sentence in re.split(r"(?<=[。；！？\n])", chunk.text)) / weight


def expand_list(catalog: ChunkCatalog, lexical: LexicalIndex, analysis: QueryAnalysis, hits: Sequence[Hit],
                filters: Filters, max_list: int) -> list[Hit]:
    """Every measure of the top hit's document (of the places compared, when several are) that covers the topic:
    a section whose heading names it, or most of its words; a measure near the top alone when it enumerates the
    items itself. `hits`: the supported hits, best first, which are the answer when no measure covers the topic."""
    places = {name for region in catalog.region_facts() for name in (region, region.rstrip("市县省区"))}
    words, topic = list_topic(analysis, places)
    if not topic:
        return list(hits)
    # A list of measures is one document's, the top hit's, unless places are compared: drawn from several
    # documents, it would mix whose measures each one is.
    top = hits[0].chunk.doc_id if hits and len(analysis.regions) < 2 else None
    hits = [h for h in hits if top is None or h.chunk.doc_id == top]
    members = _members(hits, {t: 1.0 for t in topic})  # the answer when no measure found below covers the topic
    enumerating = next((h for h in hits[:_ENUMERATION_DEPTH] if enumerates(h.chunk, topic)), None)
    if enumerating is not None:
        return [enumerating]

    def in_scope(chunk: Chunk) -> bool:
        return any(region_matches(chunk_region_path(chunk), r) for r in analysis.regions)

    # The named regions narrow the list when any of their measures passes the filters (stops at the first).
    scoped = any(filters.accepts(c) and c.part == 0 and in_scope(c) for r in analysis.regions
                 for d in catalog.region_documents(r) for c in catalog.of_document(d))
    # Candidates from the lexical index (chunks holding a topic word or a part of one), not a scan of every chunk.
    holding = [c for i in sorted(lexical.containing(words)) if (c := catalog.chunks.get(i)) is not None]
    chunks = [c for c in holding if filters.accepts(c) and c.part == 0 and (not scoped or in_scope(c))
              and (top is None or c.doc_id == top)]
    phrase = max(topic, key=len)
    in_section = [c for c in chunks if c.numbered_section() and phrase in c.section]
    matching = [c for c in chunks if _coverage(c, topic) >= MEMBER_COVERAGE]
    picked = in_section if len(in_section) >= 2 else matching
    if not picked:
        return members
    picked.sort(key=lambda c: (c.region, c.doc_id, _measure_order(c)))
    scores = {h.chunk.chunk_id: h.score for h in hits}
    return [Hit(c, scores.get(c.chunk_id, 0.0)) for c in picked[:max_list]]


def _measure_order(chunk: Chunk) -> tuple[int, str]:
    return (int(chunk.measure), "") if chunk.measure.isdigit() else (10_000, chunk.measure)


def per_place(supported: Sequence[Hit], topic: dict[str, float], limit: int) -> list[Hit]:
    """「哪些省份…」: each place once, by its best supported hit; a place after the first only when that hit holds
    most of the topic (its document's title and headings count: a regulation on the topic is about it)."""
    best: dict[str, Hit] = {}
    for hit in supported:
        best.setdefault(hit.chunk.region, hit)
    return _members(list(best.values())[:limit], topic)


def _members(hits: Sequence[Hit], topic: dict[str, float]) -> list[Hit]:
    """The first hit, the others under its heading, and each other one holding most of the topic (its document's
    title and headings count: a regulation on the topic is about it): a hit sharing a word or two is no item."""
    first = hits[0].chunk if hits else None
    return list(hits[:1]) + [h for h in hits[1:] if first is not None and first.section and (
        h.chunk.doc_id, h.chunk.section) == (first.doc_id, first.section) or topic_coverage(
        topic, f"{h.chunk.doc_title}\n{h.chunk.section}\n{h.chunk.text}") >= MEMBER_COVERAGE]
