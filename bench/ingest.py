"""Ingestion benchmark: cold and warm indexing of a corpus, per-document parse and embedding time, peak memory.

Measures, on a fresh temporary index (nothing is written under the repository except the report):

* cold ingest in-process: loading the bundled embedder, opening the store and `ingest_paths` over the corpus;
  embedding time per file is taken inside that same run (each file's `embed_passages` call is timed), and
  parse+chunk time per file with `ingest.pipeline.parse_file`;
* warm ingest in-process: `ingest_paths` again on the same store (nothing should be re-embedded);
* warm ingest as a new process: `python -m ingest CORPUS --index TMP --quiet`, wall time including imports,
  which is what a user re-running the command waits for;
* peak resident memory of this process (`getrusage`) and of the child process (its polled VmHWM).

Targets from the issue: the whole corpus in under 90 s cold and under 5 s warm.

Run (a few minutes on 2 CPU cores; the bundled embedder is CPU-bound):

    python bench/ingest.py [--corpus data/corpus] [--out reports/bench] [--repeat 1]

It prints a table and writes OUT/ingest.json and OUT/ingest.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

# This file is named ingest.py: drop its folder from the path so that `import ingest` finds the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from ingest.index.embedders import Embedder, build_embedder  # noqa: E402
from ingest.pipeline import expand_paths, ingest_paths, parse_file, window_chars  # noqa: E402
from ingest.settings import StoreSettings  # noqa: E402
from ingest.index.store import IndexStore, open_store  # noqa: E402

COLD_TARGET_S = 90.0
WARM_TARGET_S = 5.0


class TimedEmbedder:
    """Wraps an embedder and records how long each `embed_passages` call took and for how many texts."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_chars = inner.max_chars
        self.batch_size = inner.batch_size
        self.ingest_batch = getattr(inner, "ingest_batch", inner.batch_size)
        self.calls: list[tuple[int, float]] = []  # (texts, seconds) per call; a call may hold several files' chunks

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed and record the call."""
        t = time.perf_counter()
        out = self.inner.embed_passages(texts)
        self.calls.append((len(texts), time.perf_counter() - t))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one query (not timed; ingest does not call it)."""
        return self.inner.embed_query(text)


@dataclass
class ColdRun:
    """One cold ingest into a fresh index."""

    embedder: str
    load_s: float  # build_embedder + IndexStore
    ingest_s: float  # ingest_paths
    chunks: int
    embed_calls: list[tuple[int, float]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # busy time of parse, embed, write

    @property
    def total_s(self) -> float:
        """What a cold run costs from a loaded interpreter: model, store and ingest."""
        return self.load_s + self.ingest_s


def _maxrss_mib(who: int) -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss / 1024


def _parse_times(files: list[Path], max_chars: int) -> list[dict[str, Any]]:
    """Parse+chunk time per file (best of three, parsing is fast and noisy)."""
    rows = []
    for path in files:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = parse_file(path, max_chars=max_chars)
            times.append(time.perf_counter() - t)
        rows.append({"file": path.name, "bytes": path.stat().st_size, "documents": len(result.documents),
                     "chunks": len(result.chunks), "chars": sum(len(c.embed_text) for c in result.chunks),
                     "parse_s": min(times), "error": result.error})
    return rows


def _cold_run(corpus: Path, index: Path) -> tuple[ColdRun, IndexStore, Embedder]:
    t = time.perf_counter()
    embedder = TimedEmbedder(build_embedder("bundled"))
    store = open_store(StoreSettings(path=str(index)), embedder.name, embedder.dimension)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    report = ingest_paths([corpus], store, embedder)
    ingest_s = time.perf_counter() - t
    if report.failed:
        raise SystemExit(f"cold ingest failed: {[f.error for f in report.failed]}")
    run = ColdRun(embedder.name, load_s, ingest_s, report.total_chunks, list(embedder.calls),
                  stage_seconds=dict(report.stage_seconds))
    # Calls batch chunks across files: a file's share of the embedding time is its share of the chunks.
    texts = sum(n for n, _ in embedder.calls)
    per_text = sum(s for _, s in embedder.calls) / texts if texts else 0.0
    for f in report.files:
        run.files.append({"file": f.path.name, "embedded": f.embedded, "embed_s": f.embedded * per_text})
    return run, store, embedder


def _vm_hwm_mib(pid: int) -> float:
    """Peak resident memory of a running process (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return 0.0


def _warm_process(corpus: Path, index: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS (MiB, polled VmHWM), exit code and output tail of `python -m ingest`."""
    cmd = [sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--quiet"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_RAG_")}
    with tempfile.TemporaryFile() as output:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=_HERE.parent, stdout=output, stderr=subprocess.STDOUT)
        # RUSAGE_CHILDREN is no use here: Linux counts the pre-exec copy of this (larger) process in it.
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _vm_hwm_mib(proc.pid))
            if time.perf_counter() - t > 600:
                proc.kill()
            time.sleep(0.02)
        wall = time.perf_counter() - t
        output.seek(0)
        tail = output.read().decode("utf-8", errors="replace")[-2000:]
    return wall, peak, proc.returncode, tail


def _verdict(value: float, target: float) -> str:
    return "PASS" if value < target else "MISS"


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def _markdown(result: dict[str, Any]) -> str:
    s = result["summary"]
    per_file = [["file", "bytes", "docs", "chunks", "chars", "parse+chunk ms", "embed s (share)", "embed ms/chunk"]]
    for f in result["files"]:
        per_chunk = f"{1000 * f['embed_s'] / f['embedded']:.0f}" if f["embedded"] else "-"
        per_file.append([f["file"], str(f["bytes"]), str(f["documents"]), str(f["chunks"]), str(f["chars"]),
                         f"{1000 * f['parse_s']:.1f}", f"{f['embed_s']:.2f}", per_chunk])
    summary = [
        ["measure", "value", "target", "verdict"],
        ["cold: model load + store open (s)", f"{s['cold_load_s']:.2f}", "", ""],
        ["cold: ingest_paths (s)", f"{s['cold_ingest_s']:.2f}", "", ""],
        ["  of which embedding (s)", f"{s['cold_embed_s']:.2f}", "", ""],
        ["  of which parse+chunk (s, separate runs)", f"{s['parse_s']:.2f}", "", ""],
        ["  of which store writes + lexical index (s, rest)", f"{s['cold_store_s']:.2f}", "", ""],
        ["  (parse, embed and write overlap: busy seconds)", s["stage_seconds"], "", ""],
        ["cold total (s)", f"{s['cold_total_s']:.2f}", f"< {COLD_TARGET_S:.0f}",
         _verdict(s["cold_total_s"], COLD_TARGET_S)],
        ["chunks", str(s["chunks"]), "", ""],
        ["chunks/s (ingest_paths)", f"{s['chunks_per_s']:.2f}", "", ""],
        ["warm in-process (s)", f"{s['warm_inprocess_s']:.2f}", f"< {WARM_TARGET_S:.0f}",
         _verdict(s["warm_inprocess_s"], WARM_TARGET_S)],
        ["warm re-embedded chunks", str(s["warm_reembedded"]), "0", "PASS" if s["warm_reembedded"] == 0 else "MISS"],
        ["warm as a process, wall incl. imports (s)", f"{s['warm_process_s']:.2f}", f"< {WARM_TARGET_S:.0f}",
         _verdict(s["warm_process_s"], WARM_TARGET_S)],
        ["peak RSS, this process (MiB)", f"{s['maxrss_self_mib']:.0f}", "", ""],
        ["peak RSS, `python -m ingest` child (MiB, polled VmHWM)", f"{s['maxrss_child_mib']:.0f}", "", ""],
        ["RUSAGE_CHILDREN maxrss (MiB, includes this process's size at fork)",
         f"{s['maxrss_children_rusage_mib']:.0f}", "", ""],
    ]
    env = result["environment"]
    return "\n".join([
        "# Ingestion benchmark",
        "",
        f"{env['date']} · corpus `{env['corpus']}` ({env['files']} files) · {env['cpus']} CPUs · "
        f"load average before {env['loadavg_before']} after {env['loadavg_after']} · "
        f"repeats {env['repeat']} (figures are medians)",
        "",
        _table(summary),
        "",
        "## Per file (first cold run)",
        "",
        _table(per_file),
        "",
    ])


def run(corpus: Path, out: Path, repeat: int) -> dict[str, Any]:
    """Run the benchmark and write OUT/ingest.json and OUT/ingest.md."""
    corpus = corpus.resolve()
    files = expand_paths([corpus])
    if not files:
        raise SystemExit(f"No .txt or .md files under {corpus}.")
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        colds: list[ColdRun] = []
        warm_inprocess: list[float] = []
        warm_process: list[float] = []
        child_peaks: list[float] = []
        reembedded = 0
        parse_rows: list[dict[str, Any]] = []
        for i in range(repeat):
            index = work / f"index{i}"
            cold, store, embedder = _cold_run(corpus, index)
            colds.append(cold)
            if not parse_rows:
                parse_rows = _parse_times(files, window_chars(embedder.max_chars))
            t = time.perf_counter()
            warm = ingest_paths([corpus], store, embedder)
            warm_inprocess.append(time.perf_counter() - t)
            reembedded += sum(f.embedded for f in warm.files)
            del store  # release chromadb's handles before the child process opens the same folder
            wall, peak, code, tail = _warm_process(corpus, index)
            child_peaks.append(peak)
            if code != 0:
                raise SystemExit(f"`python -m ingest` exited with {code}:\n{tail}")
            warm_process.append(wall)
            print(f"run {i + 1}/{repeat}: cold {cold.total_s:.1f} s, warm {warm_inprocess[-1]:.2f} s, "
                  f"warm process {wall:.2f} s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    first = colds[0]
    embed_by_file = {f["file"]: f for f in first.files}
    rows = [dict(r, embedded=embed_by_file.get(r["file"], {}).get("embedded", 0),
                 embed_s=embed_by_file.get(r["file"], {}).get("embed_s", 0.0)) for r in parse_rows]
    med = statistics.median
    cold_embed = med(sum(s for _, s in c.embed_calls) for c in colds)
    parse_s = sum(r["parse_s"] for r in rows)
    cold_ingest = med(c.ingest_s for c in colds)
    summary = {
        "cold_load_s": med(c.load_s for c in colds),
        "cold_ingest_s": cold_ingest,
        "cold_embed_s": cold_embed,
        "parse_s": parse_s,
        "cold_store_s": max(0.0, cold_ingest - cold_embed - parse_s),
        "stage_seconds": ", ".join(f"{k} {v:.1f}" for k, v in first.stage_seconds.items()),
        "cold_total_s": med(c.total_s for c in colds),
        "chunks": first.chunks,
        "chunks_per_s": first.chunks / cold_ingest if cold_ingest else 0.0,
        "embed_ms_per_chunk": 1000 * cold_embed / max(1, sum(n for n, _ in first.embed_calls)),
        "warm_inprocess_s": med(warm_inprocess),
        "warm_reembedded": reembedded,
        "warm_process_s": med(warm_process),
        "maxrss_self_mib": _maxrss_mib(resource.RUSAGE_SELF),
        "maxrss_child_mib": max(child_peaks),
        "maxrss_children_rusage_mib": _maxrss_mib(resource.RUSAGE_CHILDREN),
        "targets": {"cold_s": COLD_TARGET_S, "warm_s": WARM_TARGET_S},
        "verdicts": {"cold": _verdict(med(c.total_s for c in colds), COLD_TARGET_S),
                     "warm_inprocess": _verdict(med(warm_inprocess), WARM_TARGET_S),
                     "warm_process": _verdict(med(warm_process), WARM_TARGET_S)},
    }
    result = {
        "environment": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "corpus": str(corpus), "files": len(files), "cpus": os.cpu_count(), "python": platform.python_version(),
            "embedder": first.embedder, "repeat": repeat,
            "loadavg_before": loadavg_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "summary": summary,
        "runs": [{"load_s": c.load_s, "ingest_s": c.ingest_s, "total_s": c.total_s,
                  "embed_s": sum(s for _, s in c.embed_calls)} for c in colds],
        "warm_inprocess_s": warm_inprocess,
        "warm_process_s": warm_process,
        "files": rows,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = _markdown(result)
    (out / "ingest.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"wrote {out / 'ingest.json'} and {out / 'ingest.md'}")
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run."""
    p = argparse.ArgumentParser(description="Benchmark cold and warm ingestion of a corpus into a temporary index.")
    p.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="folder of .txt/.md files")
    p.add_argument("--out", type=Path, default=Path("reports/bench"), help="folder for ingest.json and ingest.md")
    p.add_argument("--repeat", type=int, default=1, help="cold+warm rounds, each on a fresh index (medians reported)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    run(args.corpus, args.out, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
