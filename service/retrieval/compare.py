"""Comparisons across regions (「开封和安阳…分别」) and questions asking which places (「哪些省份…」): each region's
best hits in turn, so none is crowded out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from ingest import NATIONAL, chunk_region_path

if TYPE_CHECKING:
    from service.retrieval.retriever import Hit

__all__ = ["interleave", "spread", "provincial"]

_T = TypeVar("_T")


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
