"""Lexical index benchmark at scale: the per-generation rebuild (jieba + bm25s) against the incremental index.

Builds N synthetic chunks (default 100,000) from the chunk texts of a real index: each copy of a text gets its
numbers changed (so the vocabulary grows the way a larger corpus's does) and its own document id. Measures:

* today: jieba over every chunk plus `bm25s.BM25.index`, what every reader did after every write;
* incremental: `LexicalIndex.from_tokens` from stored tokens (a reader's first load), adding 100 new chunks
  (jieba for them included) and deleting 100, what a reader does after a write;
* the chunk catalog: built once, and derived for a write of 100 chunks;
* query latency p50/p95 at k = 40 over the questions of an evaluation set, for bm25s, the incremental index and
  the incremental index restricted to 1,000 allowed chunks (a filter), and how far scores differ from bm25s's
  (after the adds and deletes above, undone, so both hold the same chunks);
* resident memory (VmRSS) added by each index.

Run (a few minutes on 2 cores, most of it jieba):

    python bench/lexical.py [--index /tmp/realindex] [--chunks 100000] [--out reports/bench]

It prints a table and writes OUT/lexical.json and OUT/lexical.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_ROOT))

import bm25s  # noqa: E402

from ingest.index.catalog import ChunkCatalog  # noqa: E402
from ingest.index.lexical import LexicalIndex, tokenize  # noqa: E402
from ingest.models import Chunk  # noqa: E402

_DIGITS = re.compile(r"\d+")


def _rss_mib() -> float:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _read_chunks(index: Path) -> list[Chunk]:
    """The chunks stored in an index folder (every stored version; duplicates do no harm here)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(index), settings=ChromaSettings(anonymized_telemetry=False))
    try:
        got = client.get_collection("measures").get(include=["metadatas", "documents"])
        return [Chunk.from_metadata(m, d or "", m.get("embed_text", "")) for m, d in zip(got["metadatas"], got["documents"])]
    finally:
        client.close()


def _vary(text: str, rng: random.Random) -> str:
    return _DIGITS.sub(lambda m: str(rng.randint(1, 10 ** min(len(m.group()), 4))), text)


def synthetic(base: list[Chunk], n: int, seed: int = 7) -> list[Chunk]:
    """n chunks: copies of the base chunks with their numbers changed, each copy of a document a new document."""
    rng = random.Random(seed)
    out: list[Chunk] = []
    copy = 0
    while len(out) < n:
        for chunk in base:
            if len(out) >= n:
                break
            doc_id = f"{chunk.doc_id}c{copy:04d}"
            out.append(replace(chunk, doc_id=doc_id, chunk_id=chunk.chunk_id.replace(chunk.doc_id, doc_id, 1),
                               text=_vary(chunk.text, rng), embed_text=_vary(chunk.embed_text or chunk.text, rng)))
        copy += 1
    return out


def _timed(action: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    value = action()
    return value, time.perf_counter() - t


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000}


def run(index: Path, n: int, dataset: Path, out: Path) -> dict[str, Any]:
    """Run every measurement; returns the figures."""
    base = _read_chunks(index)
    chunks = synthetic(base, n)
    ids = [c.chunk_id for c in chunks]
    texts = [c.embed_text or c.text for c in chunks]
    questions = [json.loads(line)["question"] for line in dataset.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(chunks)} chunks from {len(base)} stored chunks of {index}; {len(questions)} questions", flush=True)

    tokens, t_tokenize = _timed(lambda: [tokenize(t) for t in texts])
    gc.collect()
    rss0 = _rss_mib()
    old, t_bm25s = _timed(lambda: _bm25s(tokens))
    gc.collect()
    rss_bm25s = _rss_mib() - rss0
    rss1 = _rss_mib()
    new, t_build = _timed(lambda: LexicalIndex.from_tokens(ids, tokens))
    gc.collect()
    rss_new = _rss_mib() - rss1
    print(f"tokenize {t_tokenize:.1f} s, bm25s index {t_bm25s:.1f} s, incremental build {t_build:.1f} s", flush=True)

    rng = random.Random(11)
    extra = synthetic(rng.sample(base, 100), 100, seed=99)
    extra = [replace(c, chunk_id=c.chunk_id + "x", doc_id=c.doc_id + "x") for c in extra]
    _, t_add = _timed(lambda: new.add((c.chunk_id, tokenize(c.embed_text or c.text)) for c in extra))
    victims = rng.sample(ids, 100)
    _, t_delete = _timed(lambda: new.delete(victims))
    position = {i: n for n, i in enumerate(ids)}
    _, t_readd = _timed(lambda: new.add((i, tokens[position[i]]) for i in victims))
    new.delete(c.chunk_id for c in extra)  # back to bm25s's chunks: scores are compared below, after the changes
    assert len(new) == len(ids)

    catalog_chunks = {c.chunk_id: c for c in sorted(chunks, key=lambda c: c.chunk_id)}  # the store keeps id order
    catalog, t_catalog = _timed(lambda: ChunkCatalog.build(catalog_chunks))
    changed = [replace(c, text=c.text + "。") for c in rng.sample(chunks, 100)]

    def next_generation() -> ChunkCatalog:
        merged = dict(catalog_chunks)
        merged.update({c.chunk_id: c for c in changed})
        ordered = {cid: merged[cid] for cid in sorted(merged)}  # what the store does per generation
        return catalog.evolve(ordered, [catalog_chunks[c.chunk_id] for c in changed], changed)

    _, t_evolve = _timed(next_generation)

    vocab = old.vocab_dict
    allowed = set(rng.sample(ids, 1000))
    lat_old, lat_new, lat_allowed, rel_errors = [], [], [], []
    overlaps: list[bool] = []
    for question in questions:
        t = time.perf_counter()  # both sides tokenise the question inside the timing
        query_tokens = [t for t in tokenize(question) if t in vocab]
        if not query_tokens:
            continue
        docs, scores = old.retrieve([query_tokens], k=40, show_progress=False, n_threads=1)
        lat_old.append(time.perf_counter() - t)
        ranked, took = _timed(lambda: new.search(question, 40))
        lat_new.append(took)
        _, took = _timed(lambda: new.search(question, 40, allowed))
        lat_allowed.append(took)
        reference = {ids[int(i)]: float(s) for i, s in zip(docs[0], scores[0]) if s > 0}
        mine = dict(ranked)
        # Synthetic copies tie exactly, and ties may come in either order: compare the top 10 scores.
        top_old, top_new = list(reference.values())[:10], [s for _, s in ranked[:10]]
        overlaps.append(len(top_old) == len(top_new) and all(abs(a - b) <= 1e-5 * a for a, b in zip(top_old, top_new)))
        rel_errors.extend(abs(mine[i] - s) / s for i, s in reference.items() if i in mine)

    figures: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "chunks": len(chunks), "base_chunks": len(base), "questions": len(lat_new),
        "today_full_rebuild_s": t_tokenize + t_bm25s, "jieba_all_chunks_s": t_tokenize, "bm25s_index_s": t_bm25s,
        "incremental_build_from_stored_tokens_s": t_build,
        "add_100_chunks_s": t_add, "delete_100_chunks_s": t_delete, "re_add_100_chunks_s": t_readd,
        "catalog_build_s": t_catalog, "catalog_next_generation_100_changed_s": t_evolve,
        "query_bm25s": _percentiles(lat_old), "query_incremental": _percentiles(lat_new),
        "query_incremental_1000_allowed": _percentiles(lat_allowed),
        "score_max_relative_difference_vs_bm25s": max(rel_errors, default=0.0),
        "top10_same_scores_vs_bm25s": statistics.mean(overlaps) if overlaps else 1.0,
        "rss_bm25s_mib": rss_bm25s, "rss_incremental_mib": rss_new,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "lexical.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "lexical.md").write_text(_markdown(figures), encoding="utf-8")
    return figures


def _bm25s(tokens: list[list[str]]) -> bm25s.BM25:
    retriever = bm25s.BM25()
    retriever.index([t or ["_"] for t in tokens], show_progress=False)
    return retriever


def _markdown(f: dict[str, Any]) -> str:
    rows = [
        ("a write seen by a reader, today (jieba over every chunk + bm25s index)", f"{f['today_full_rebuild_s']:.1f} s"),
        ("  of which jieba / bm25s", f"{f['jieba_all_chunks_s']:.1f} s / {f['bm25s_index_s']:.1f} s"),
        ("incremental: first load from stored tokens (no jieba)", f"{f['incremental_build_from_stored_tokens_s']:.1f} s"),
        ("incremental: add 100 chunks (jieba included) / delete 100 / re-add 100",
         f"{f['add_100_chunks_s'] * 1000:.0f} / {f['delete_100_chunks_s'] * 1000:.0f} / "
         f"{f['re_add_100_chunks_s'] * 1000:.0f} ms"),
        ("chunk catalog: build / next generation with 100 chunks changed",
         f"{f['catalog_build_s']:.2f} s / {f['catalog_next_generation_100_changed_s'] * 1000:.0f} ms"),
        ("query p50 / p95, bm25s", f"{f['query_bm25s']['p50_ms']:.1f} / {f['query_bm25s']['p95_ms']:.1f} ms"),
        ("query p50 / p95, incremental", f"{f['query_incremental']['p50_ms']:.1f} / {f['query_incremental']['p95_ms']:.1f} ms"),
        ("query p50 / p95, incremental within 1,000 allowed chunks",
         f"{f['query_incremental_1000_allowed']['p50_ms']:.1f} / {f['query_incremental_1000_allowed']['p95_ms']:.1f} ms"),
        ("scores vs bm25s: largest relative difference / share of queries with the same top-10 scores",
         f"{f['score_max_relative_difference_vs_bm25s']:.1e} / {f['top10_same_scores_vs_bm25s']:.3f}"),
        ("memory added (RSS): bm25s / incremental", f"{f['rss_bm25s_mib']:.0f} / {f['rss_incremental_mib']:.0f} MiB"),
    ]
    lines = [f"# Lexical index, {f['chunks']:,} chunks", "",
             f"{f['when']}, {f['machine']}; {f['chunks']:,} synthetic chunks from {f['base_chunks']} stored ones, "
             f"{f['questions']} questions.", "", "| what | figure |", "| --- | --- |"]
    lines += [f"| {what} | {value} |" for what, value in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--index", type=Path, default=Path("/tmp/realindex"), help="an index folder to take texts from")
    parser.add_argument("--chunks", type=int, default=100_000, help="synthetic chunks to build")
    parser.add_argument("--dataset", type=Path, default=_ROOT / "eval" / "datasets" / "real_dev.jsonl",
                        help="JSONL questions used as queries")
    parser.add_argument("--out", type=Path, default=_ROOT / "reports" / "bench", help="report folder")
    args = parser.parse_args(argv)
    figures = run(args.index, args.chunks, args.dataset, args.out)
    print(_markdown(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
