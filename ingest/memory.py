"""Handing freed heap memory back to the operating system.

glibc keeps the pages of freed objects for reuse: a heap cannot shrink past a live object above them, and each
thread's arena keeps its own. A long-running worker that loaded an index and served a burst of requests so holds
hundreds of MiB it no longer uses. `malloc_trim(0)` gives back every whole free page of every arena.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

__all__ = ["release_freed_memory"]


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """glibc's malloc_trim, or None on another C library (musl, macOS)."""
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_freed_memory() -> bool:
    """Return the free pages of every malloc arena to the OS; False where the C library cannot (not glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
