"""Chunk texts read from a table that processes share, instead of two Python strings per chunk per process.

A generation's texts and embed texts are written once, in chunk id order, beside its lexical files
(`lexical_files.py`); a chunk mapped onto that table (`map_texts`) decodes its text when asked for it. Setting
the text (`dataclasses.replace`, an assignment) keeps the new value in the chunk as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from ingest.models import Chunk

__all__ = ["TextTable", "MappedChunk", "build_text_table", "chunk_rows", "map_texts"]

# Row 2r + 1 holds a chunk's embed text as a marker and the rest: _SUFFIXED + the header when the embed text is
# the header followed by the text (it usually is: stored once), _WHOLE + the embed text otherwise.
_SUFFIXED, _WHOLE = "\x00", "\x01"


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

    def _own(self, name: str) -> str | None:
        own = self.__dict__.get(name)
        return None if own is None else str(own)

    def _text(self) -> str:
        own = self._own("text")
        if own is not None:
            return own
        table, row = self.__dict__["_at"]
        return table.get(2 * row)  # type: ignore[no-any-return]

    def _embed_text(self) -> str:
        own = self._own("embed_text")
        if own is not None:
            return own
        table, row = self.__dict__["_at"]
        stored = table.get(2 * row + 1)
        return stored[1:] + table.get(2 * row) if stored[:1] == _SUFFIXED else stored[1:]  # type: ignore[no-any-return]

    text = property(_text, lambda self, value: self.__dict__.__setitem__("text", value))  # type: ignore[assignment]
    embed_text = property(_embed_text,  # type: ignore[assignment]
                          lambda self, value: self.__dict__.__setitem__("embed_text", value))

    def __eq__(self, other: object) -> bool:  # a plain Chunk with the same fields is equal (dataclass eq is not)
        if not isinstance(other, Chunk):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Chunk))

    __hash__ = None  # type: ignore[assignment]


def chunk_rows(chunks: Iterable[Chunk]) -> Iterator[str]:
    """The two rows of each chunk, in order, for `build_text_table`."""
    for chunk in chunks:
        text, embed_text = chunk.text, chunk.embed_text
        yield text
        if text and embed_text.endswith(text):
            yield _SUFFIXED + embed_text[:-len(text)]
        else:
            yield _WHOLE + embed_text


def map_texts(chunks: Sequence[Chunk], table: TextTable) -> None:
    """Point chunks (in table order: chunk r owns rows 2r and 2r + 1) at the table, dropping their own strings."""
    if len(table) != 2 * len(chunks):
        raise ValueError(f"a table of {len(table)} texts for {len(chunks)} chunks")
    # In this order, each step one atomic store: a request thread reading the chunk meanwhile sees either its
    # own strings or the table (a rebase re-points chunks that the snapshot being served shares).
    for row, chunk in enumerate(chunks):
        state: dict[str, Any] = chunk.__dict__
        state["_at"] = (table, row)
        if type(chunk) is Chunk:
            chunk.__class__ = MappedChunk
        state.pop("text", None)
        state.pop("embed_text", None)
