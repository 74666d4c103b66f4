"""Comparisons across regions (「开封和安阳…分别」) and questions asking which places (「哪些省份…」): each region's
best hits in turn, so none is crowded out."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, TypeVar

from ingest import NATIONAL, chunk_region_path, mentions

if TYPE_CHECKING:
    from service.retrieval.retriever import Hit

__all__ = ["interleave", "spread", "provincial", "about_one"]

_T = TypeVar("_T")
# What joins the places of a comparison (「河北、吉林和西藏」): dropped with a place left out.
_JOINER = re.compile(r"\s*(?:[、，,/]|和|与|及|以及|跟|同|或|还是)\s*")
_JOINED = re.compile(_JOINER.pattern + "$")


def interleave(ranked: Sequence[Sequence[_T]], limit: int) -> list[_T]:
    """The first of every list, then the second of every list, …, at most `limit` (at least one per list)."""
    merged: list[_T] = []
    for rank in range(max((len(r) for r in ranked), default=0)):
        merged.extend(r[rank] for r in ranked if rank < len(r))
    return merged[: max(limit, len(ranked))]


def spread(ranked: Sequence[_T], key: Callable[[_T], str], limit: int) -> list[_T]:
    """One ranking regrouped by `key` (groups in the order of their best item) and interleaved: the best of each
    group first, then the second of each, …, at most `limit`."""
    groups: dict[str, list[_T]] = {}
    for item in ranked:
        groups.setdefault(key(item), []).append(item)
    return interleave(list(groups.values()), limit)[:limit]


def provincial(hits: Sequence[Hit]) -> list[Hit]:
    """The hits from provinces' own documents (「哪些省份…」), when there are any: not the State's, not a city's."""
    own = [h for h in hits if len(path := chunk_region_path(h.chunk)) == 1 and path[0] != NATIONAL]
    return own or list(hits)


def about_one(question: str, region: str, known: Collection[str] = ()) -> str:
    """The question as asked of one of the places it compares (「河北、吉林2026年…分别」 → 「河北2026年…分别」): the
    other places' names would pull each place's search towards the passages that name them."""
    named = mentions(question, known)
    if all(m.place.name != region for m in named):  # the region is not named here (an enclosing one is)
        return question
    text = question
    for i in reversed(range(len(named))):
        m = named[i]
        if m.place.name == region:
            continue
        before, after = text[: m.start], text[m.end:]
        following = named[i + 1] if i + 1 < len(named) else None
        if following is not None and following.place.name == region and \
                _JOINED.search(gap := question[m.end: following.start]):
            after = after[len(gap):]  # 「济南山体保护和浚县古城保护」 → 「浚县古城保护」
        elif joiner := _JOINER.match(after):  # 「吉林、河北」 → 「河北」
            after = after[joiner.end():]
        elif joined := _JOINED.search(before):  # 「河北、吉林2026年」 → 「河北2026年」
            before = before[: joined.start()]
        text = before + after
    return text
