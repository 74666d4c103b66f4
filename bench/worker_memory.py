"""Where one service worker's memory goes: load an index as a worker does, then drop its parts one at a time.

Each step reports the process's RSS after a garbage collection and glibc's `malloc_trim`, so a drop is the
memory that part really pins (its objects and the heap pages they keep from being returned), not just the
objects' own size. Steps: the interpreter; imports; jieba, rjieba and the gazetteer warmed; the chromadb
client; the snapshot (chunks, document records, catalog, lexical index) loaded; a dense query; then the
lexical index, the catalog, the document records and the chunks dropped in turn. What stays at the end is
the interpreter, the libraries and chromadb (its HNSW vectors included).

Run (the embedder name and dimension must be those the index was built with; bench/scale.py's stand-in:
openai:standin-hash, 384):

    python bench/worker_memory.py --index /work/scale-idx/index-1000 [--embedder openai:standin-hash] [--dimension 384]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))


def _rss_mib() -> float:
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass  # not glibc: the figures then include freed memory the allocator keeps
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    """Load the index step by step and print RSS after each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--embedder", default="openai:standin-hash")
    parser.add_argument("--dimension", type=int, default=384)
    args = parser.parse_args(argv)
    last = 0.0

    def step(what: str) -> None:
        nonlocal last
        now = _rss_mib()
        print(f"{what:52s} {now:7.0f} MiB  ({now - last:+.0f})", flush=True)
        last = now

    step("interpreter")
    import numpy as np

    import service.main  # noqa: F401
    from ingest import gazetteer, open_store, tokenize
    from ingest.settings import StoreSettings
    from service.retrieval.evidence import asked
    step("imports (service, ingest, chromadb)")
    tokenize("预热")
    asked("预热是多少？")
    gazetteer.load()
    step("jieba, rjieba and the gazetteer warmed")
    store = open_store(StoreSettings(path=str(args.index)), args.embedder, args.dimension)
    step("chromadb client open")
    started = time.perf_counter()
    snapshot = store._current()  # type: ignore[attr-defined]
    seconds = time.perf_counter() - started
    step(f"snapshot loaded: {len(snapshot.chunks)} chunks in {seconds:.1f} s")
    store.dense_search(np.ones(args.dimension, dtype=np.float32), 5)
    step("a dense query")
    store._lexical = None  # type: ignore[attr-defined]
    step("lexical index dropped")
    snapshot.catalog = None
    step("catalog dropped")
    snapshot.documents = {}
    step("document records dropped")
    snapshot.chunks, snapshot.logical = {}, {}
    step("chunks dropped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
