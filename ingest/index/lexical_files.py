"""One copy of a generation's lexical index and chunk texts per host: files that every process maps read-only.

The first process to need a generation's index builds it under the folder's file lock, writes the arrays (`.npy`) and a
manifest into a temporary folder and renames that folder into place; the others wait for the lock and map the
same files with `np.load(mmap_mode="r")`, so the page cache holds one copy however many workers read it. A
folder whose manifest is missing, names other chunks or another format, or whose files differ from the sizes it
records (a torn write, a truncated file) is removed and built again, never used. Older generations' folders are
removed once a newer one is written (processes still mapping them keep their pages until they let go).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from ingest.index.chunk_texts import TextTable, build_text_table
from ingest.index.lexical import TOKENIZER_VERSION, LexicalIndex
from ingest.index.lexical_arrays import LexicalArrays, build_arrays

__all__ = ["LexicalCache", "FORMAT_VERSION"]

FORMAT_VERSION = 3
_TEXT_FILES = ("text_offsets", "text_blob")
_MANIFEST = "manifest.json"
KEEP = 2  # generation folders kept: the newest and the one before, which readers may still be opening
LOCK_TIMEOUT = 600.0
_log = logging.getLogger(__name__)

Entries = Iterable[tuple[Sequence[str], Sequence[int]]]  # per chunk in id order: (distinct terms, frequencies)
Shared = tuple[LexicalIndex, TextTable]


def _ids_digest(ids: Sequence[str]) -> str:
    digest = hashlib.sha1()
    for chunk_id in ids:
        digest.update(chunk_id.encode())
        digest.update(b"\n")
    return digest.hexdigest()


class LexicalCache:
    """The folder holding one store's shared lexical indexes, one subfolder per generation."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, generation: str) -> Path:
        return self.folder / f"gen-{generation}"

    def open(self, generation: str, ids: Sequence[str]) -> Shared | None:
        """The generation's index and texts mapped from its files, or None when they are missing or not intact."""
        found = self._read(self._path(generation), ids)
        return None if found is None else (LexicalIndex(generation, found[0], ids), found[1])

    def open_or_build(self, generation: str, ids: Sequence[str], entries: Callable[[], Entries],
                      texts: Callable[[], Iterable[str]]) -> Shared:
        """The generation's shared index and text table: mapped when some process wrote them, else built, written
        and mapped. `ids` are the chunk ids in slot order (sorted); `entries` their terms and `texts` their text
        and embed text (two strings per chunk) in the same order."""
        found = self.open(generation, ids)
        if found is not None:
            return found
        from filelock import FileLock, Timeout

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.folder / "build.lock"), timeout=LOCK_TIMEOUT):
                found = self.open(generation, ids)  # built by the process we waited for
                if found is not None:
                    return found
                self._discard(self._path(generation))  # absent, or torn: never used
                self._write(generation, ids, build_arrays(entries()), build_text_table(texts()))
                found = self.open(generation, ids)
                if found is None:
                    raise OSError(f"the lexical index written to {self._path(generation)} does not read back")
                self._prune(keep=generation)
                return found
        except (OSError, Timeout) as exc:  # a full or read-only disk: serve from memory rather than fail
            _log.warning("Shared lexical index unavailable (%s); this process keeps its own copy.", exc)
            return LexicalIndex(generation, build_arrays(entries()), ids), build_text_table(texts())

    # --- files ---------------------------------------------------------------------------------------

    def _write(self, generation: str, ids: Sequence[str], arrays: LexicalArrays, texts: TextTable) -> None:
        """Write into a temporary folder, then rename it into place: readers see all of it or nothing."""
        tmp = self.folder / f".tmp-{generation}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            sizes = {}
            named = {**{name: getattr(arrays, name) for name in LexicalArrays.names()},
                     "text_offsets": texts.offsets, "text_blob": texts.blob}
            for name, values in named.items():
                path = tmp / f"{name}.npy"
                with open(path, "wb") as handle:
                    np.save(handle, values, allow_pickle=False)
                    handle.flush()
                    os.fsync(handle.fileno())
                sizes[name] = path.stat().st_size
            manifest = {"format": FORMAT_VERSION, "tokenizer": TOKENIZER_VERSION, "generation": generation,
                        "chunks": len(ids), "ids_sha1": _ids_digest(ids), "sizes": sizes}
            with open(tmp / _MANIFEST, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(tmp, self._path(generation))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _read(self, path: Path, ids: Sequence[str]) -> tuple[LexicalArrays, TextTable] | None:
        try:
            manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if manifest.get("format") != FORMAT_VERSION or manifest.get("tokenizer") != TOKENIZER_VERSION or \
                manifest.get("chunks") != len(ids) or manifest.get("ids_sha1") != _ids_digest(ids):
            return None
        sizes = manifest.get("sizes", {})
        loaded = {}
        try:
            for name in [*LexicalArrays.names(), *_TEXT_FILES]:
                file = path / f"{name}.npy"
                if file.stat().st_size != sizes.get(name):
                    return None
                loaded[name] = np.load(file, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError):
            return None
        table = TextTable(loaded.pop("text_offsets"), loaded.pop("text_blob"))
        arrays = LexicalArrays(**loaded)
        intact = arrays.consistent() and arrays.n_chunks == len(ids) and table.consistent() and \
            len(table) == 2 * len(ids)
        return (arrays, table) if intact else None

    def _discard(self, path: Path) -> None:
        """Remove a folder: renamed aside first, so nobody opens it half-deleted."""
        if path.exists():
            trash = self.folder / f".trash-{uuid.uuid4().hex[:8]}"
            os.rename(path, trash)
            shutil.rmtree(trash, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        """Remove all but the newest KEEP generation folders (and temporary folders over an hour old)."""
        folders = sorted((p for p in self.folder.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime,
                         reverse=True)
        for old in [p for p in folders if p.name != f"gen-{keep}"][KEEP - 1:]:
            try:
                self._discard(old)
            except OSError:
                pass  # another process pruned it first
        for tmp in self.folder.glob(".tmp-*"):
            try:
                if time.time() - tmp.stat().st_mtime > 3600:
                    shutil.rmtree(tmp, ignore_errors=True)
            except OSError:
                pass
