"""Comparisons across regions (「开封和安阳…分别」): each region's best hits in turn, so none is crowded out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = ["interleave"]

_T = TypeVar("_T")


def interleave(ranked: Sequence[Sequence[_T]], limit: int) -> list[_T]:
    """The first of every list, then the second of every list, …, at most `limit` (at least one per list)."""
    merged: list[_T] = []
    for rank in range(max((len(r) for r in ranked), default=0)):
        merged.extend(r[rank] for r in ranked if rank < len(r))
    return merged[: max(limit, len(ranked))]
