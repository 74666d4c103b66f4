"""Chunk texts read from a table that processes share, instead of two Python strings per chunk per process.

A generation's texts and embed texts are written once, in chunk id order, beside its lexical files
(`lexical_files.py`); a chunk mapped onto that table (`map_texts`) decodes its text when asked for it. Setting
the text (`dataclasses.replace`, an assignment) keeps the new value in the chunk as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from ingest.models import Chunk

__all__ = ["TextTable", "MappedChunk", "build_text_table", "map_texts"]


class TextTable:
    """Strings by row: row r is blob[offsets[r]:offsets[r + 1]] in UTF-8."""

    def __init__(self, offsets: np.ndarray, blob: np.ndarray) -> None:
        self.offsets = offsets
        self.blob = blob
        self._view = blob.data  # a memoryview: slicing it copies nothing

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def consistent(self) -> bool:
        return len(self.offsets) >= 1 and int(self.offsets[-1]) == len(self.blob)

    def get(self, row: int) -> str:
        return str(self._view[int(self.offsets[row]):int(self.offsets[row + 1])], "utf-8")


def build_text_table(texts: Iterable[str]) -> TextTable:
    """Pack strings into a table (in memory)."""
    encoded = [t.encode() for t in texts]
    sizes = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy() if encoded else np.empty(0, dtype=np.uint8)
    return TextTable(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), blob)


class MappedChunk(Chunk):
    """A chunk whose `text` and `embed_text` come from rows 2r and 2r + 1 of a shared table."""

    def _mapped(self, name: str, row: int) -> str:
        own = self.__dict__.get(name)
        if own is not None:
            return str(own)
        return self.__dict__["_texts"].get(2 * self.__dict__["_row"] + row)  # type: ignore[no-any-return]

    text = property(lambda self: self._mapped("text", 0),  # type: ignore[assignment]
                    lambda self, value: self.__dict__.__setitem__("text", value))
    embed_text = property(lambda self: self._mapped("embed_text", 1),  # type: ignore[assignment]
                          lambda self, value: self.__dict__.__setitem__("embed_text", value))

    def __eq__(self, other: object) -> bool:  # a plain Chunk with the same fields is equal (dataclass eq is not)
        if not isinstance(other, Chunk):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Chunk))

    __hash__ = None  # type: ignore[assignment]


def map_texts(chunks: Sequence[Chunk], table: TextTable) -> None:
    """Point chunks (in table order: chunk r owns rows 2r and 2r + 1) at the table, dropping their own strings."""
    if len(table) != 2 * len(chunks):
        raise ValueError(f"a table of {len(table)} texts for {len(chunks)} chunks")
    for row, chunk in enumerate(chunks):
        state: dict[str, Any] = chunk.__dict__
        if type(chunk) is Chunk:
            chunk.__class__ = MappedChunk
        state.pop("text", None)
        state.pop("embed_text", None)
        state["_texts"], state["_row"] = table, row
