"""Reading files: the size limit, the format reader, and overrides from a sidecar or front matter."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import EmptyDocumentError, TooLargeError, UnsupportedFormatError
from ingest.formats import SUPPORTED_SUFFIXES, LoadedText, decode_bytes, reader_for
from ingest.formats.overrides import is_sidecar, read_sidecar

__all__ = ["SUPPORTED_SUFFIXES", "LoadedText", "decode_bytes", "is_document_file", "load_file", "read_text"]

_SNIFF_BYTES = 2048


def is_document_file(path: Path) -> bool:
    """Whether a folder scan should pick up this file (a supported suffix, and not a sidecar)."""
    return path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and not is_sidecar(path)


def load_file(path: Path, *, max_bytes: int = 20_000_000) -> LoadedText:
    """Read one file of any supported format into text, with its overrides; clear errors for the rest."""
    if not path.is_file():
        raise UnsupportedFormatError(f"{path}: no such file.")
    size = path.stat().st_size  # checked before reading a byte: a 200 MB file is never loaded
    if size == 0:
        raise EmptyDocumentError(f"{path.name}: the file is empty.")
    if size > max_bytes:
        raise TooLargeError(f"{path.name}: {size} bytes is over the limit of {max_bytes} bytes.")
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
        reader = reader_for(path, head)
        raw = head + handle.read()
    loaded = reader.read(raw, path.name)
    loaded.overrides = {**loaded.overrides, **read_sidecar(path)}  # the sidecar wins over front matter
    return loaded


def read_text(path: Path, *, max_bytes: int = 20_000_000) -> str:
    """The text of one file, without overrides (for callers that only need the words)."""
    return load_file(path, max_bytes=max_bytes).text
