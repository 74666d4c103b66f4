"""Ingest overhead benchmark: how many chunks per second this process manages when the embedding server is instant.

The issue's target: "Ingest with the OpenAI-compatible backend is limited by the server, not by this process:
≥ 200 chunks/s of our own overhead when the server answers instantly."

What it does:

* starts a real HTTP server in a child process (Starlette under uvicorn on loopback) answering
  `POST /v1/embeddings` at once with deterministic vectors (picked by a hash of each text from a pool serialised
  in advance, so the server spends almost nothing per request). It is a stand-in for a GPU embedding server
  (TEI, vLLM, Infinity): only the protocol is real, the vectors mean nothing;
* copies the real documents (`/work/real-corpus` or POLICY_RAG_REAL_CORPUS) under different names until the
  corpus has at least `--min-chunks` chunks; each copy after the first gets a sidecar `.meta.json` with a
  changed title, so that its chunks differ (identical chunks would reuse vectors and skip the embedder);
* sets `POLICY_RAG_EMBEDDER__NAME=openai` and the server's URL, builds the embedder and the store the way
  `python -m ingest` does, and runs `ingest_paths` over the corpus into a temporary index;
* reports chunks/s overall and the busy time of each stage (parse, embed, write); with the pipelined ingest
  the stages overlap, so their sum can exceed the wall time.

Run (a minute or two on 2 cores):

    python bench/ingest_overhead.py [--corpus /work/real-corpus] [--out reports/bench] [--min-chunks 5000]
                                    [--dimension 1024] [--profile]

It prints the figures and writes OUT/ingest_overhead.json and OUT/ingest_overhead.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np

# Run as a script from bench/: drop its folder from the path so that `import ingest` finds the package.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

TARGET_CHUNKS_PER_S = 200.0
_MODEL = "standin/bge-m3"  # bge-m3 takes no prefixes; the name is only recorded in the index
_POOL = 1024  # distinct vectors the stand-in server serves


# --- the stand-in embedding server (runs in a child process) ------------------------------------------

def _serve(port: int, dimension: int) -> None:
    """Serve `POST /v1/embeddings` on loopback with precomputed vectors until killed."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    rng = np.random.default_rng(7)
    pool = rng.standard_normal((_POOL, dimension)).astype(np.float32)
    pool /= np.linalg.norm(pool, axis=1, keepdims=True)
    encoded = [json.dumps([round(float(x), 6) for x in row]) for row in pool]

    async def embeddings(request: Request) -> Response:
        body = json.loads(await request.body())
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        items = [f'{{"object":"embedding","index":{i},"embedding":{encoded[zlib.crc32(t.encode()) % _POOL]}}}'
                 for i, t in enumerate(texts)]
        payload = ('{"object":"list","model":' + json.dumps(body.get("model", "")) + ',"data":[' + ",".join(items)
                   + '],"usage":{"prompt_tokens":0,"total_tokens":0}}')
        return Response(payload, media_type="application/json")

    app = Starlette(routes=[Route("/v1/embeddings", embeddings, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _standin_server(dimension: int) -> Iterator[str]:
    """The stand-in server in a child process; yields its /v1 URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(port),
                             "--dimension", str(dimension)])
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.post(f"{url}/embeddings", json={"model": _MODEL, "input": ["探测"]}, timeout=2)
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the stand-in embedding server did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# --- the corpus ---------------------------------------------------------------------------------------

def _find_corpus(given: Path | None) -> Path:
    for candidate in (given, os.environ.get("POLICY_RAG_REAL_CORPUS"), "/work/real-corpus",
                      _HERE.parent.parent / "shared" / "real-corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    raise SystemExit("No real corpus: pass --corpus or set POLICY_RAG_REAL_CORPUS (see eval/DATASET.md).")


def _build_corpus(source: Path, target: Path, min_chunks: int, max_chars: int) -> tuple[int, int, int]:
    """Copies of the documents under new names until `min_chunks`; returns (files, chunks, copies)."""
    from ingest.pipeline import expand_paths, parse_file

    originals = [(p, parse_file(p, max_chars=max_chars)) for p in expand_paths([source])]
    originals = [(p, r) for p, r in originals if not r.error]
    per_copy = sum(len(r.chunks) for _, r in originals)
    if not per_copy:
        raise SystemExit(f"No document under {source} could be parsed.")
    copies = -(-min_chunks // per_copy)
    target.mkdir(parents=True)
    for k in range(copies):
        for path, result in originals:
            copy = target / f"c{k}_{path.name}"
            shutil.copy(path, copy)
            if k:  # another title changes every chunk's header, so the copy is embedded anew
                title = f"{result.documents[0].title}（第{k + 1}份）"
                copy.with_name(copy.name + ".meta.json").write_text(json.dumps({"title": title}, ensure_ascii=False),
                                                                    encoding="utf-8")
    return len(originals) * copies, per_copy * copies, copies


# --- timing wrappers ----------------------------------------------------------------------------------

class _TimedEmbedder:
    """Delegates to an embedder and adds up the time spent in `embed_passages` (in any thread)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        t = time.perf_counter()
        try:
            return self.inner.embed_passages(texts)
        finally:
            self.seconds += time.perf_counter() - t
            self.texts += len(texts)
            self.calls += 1


class _TimedStore:
    """Delegates to a store and adds up the time spent in `replace_documents`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def replace_documents(self, *args: Any, **kwargs: Any) -> bool:
        t = time.perf_counter()
        try:
            return bool(self.inner.replace_documents(*args, **kwargs))
        finally:
            self.seconds += time.perf_counter() - t


# --- the run ------------------------------------------------------------------------------------------

def _ingest(corpus: Path, index: Path, url: str, profile: Path | None) -> dict[str, Any]:
    """One cold ingest of `corpus` into `index` through the stand-in server, as `python -m ingest` builds it."""
    os.environ.update({"POLICY_RAG_EMBEDDER__NAME": "openai", "POLICY_RAG_EMBEDDER__BASE_URL": url,
                       "POLICY_RAG_EMBEDDER__MODEL": _MODEL, "POLICY_RAG_STORE__PATH": str(index)})
    from ingest.index.embedders import build_embedder
    from ingest.index.store import open_store
    from ingest.pipeline import ingest_paths
    from ingest.settings import IngestSettings

    settings = IngestSettings()
    t = time.perf_counter()
    embedder = _TimedEmbedder(build_embedder(settings.embedder.name, settings.embedder.model, settings.embedder))
    store = _TimedStore(open_store(settings.store, embedder.name, embedder.dimension))
    setup_s = time.perf_counter() - t
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t, cpu = time.perf_counter(), time.process_time()
    try:
        report = ingest_paths([corpus], store, embedder, overlap=settings.chunk_overlap,  # type: ignore[arg-type]
                              max_bytes=settings.max_file_bytes)
    finally:
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(str(profile))
        store.close()
        embedder.inner.close()
    if report.failed:
        raise SystemExit(f"ingest failed: {[f.error for f in report.failed][:3]}")
    chunks = sum(len(f.chunks) for f in report.files)
    stages = dict(getattr(report, "stage_seconds", {}) or {})
    stages.setdefault("embed", embedder.seconds)
    stages.setdefault("write", store.seconds)
    stages.setdefault("parse", max(0.0, wall - embedder.seconds - store.seconds))  # sequential ingest: the rest
    return {
        "setup_s": setup_s, "ingest_s": wall, "chunks": chunks, "index_chunks": report.total_chunks,
        "embedded": sum(f.embedded for f in report.files), "embed_requests_batches": embedder.calls,
        "chunks_per_s": chunks / wall, "cpu_s": cpu, "chunks_per_cpu_s": chunks / cpu, "docs_per_s": sum(len(f.documents) for f in report.files) / wall,
        "stage_seconds": stages,
        "stage_chunks_per_s": {k: (chunks / v if v else None) for k, v in stages.items()},
    }


def _markdown(result: dict[str, Any]) -> str:
    r, env = result["run"], result["environment"]
    rows = [["measure", "value"],
            ["chunks (files)", f"{r['chunks']} ({env['files']} files, {env['copies']} copies of the corpus)"],
            ["chunks embedded", str(r["embedded"])],
            ["ingest_paths wall (s)", f"{r['ingest_s']:.2f}"],
            ["**chunks/s overall**", f"**{r['chunks_per_s']:.1f}** (target ≥ {TARGET_CHUNKS_PER_S:.0f}: "
                                     f"{result['verdict']})"],
            ["documents/s", f"{r['docs_per_s']:.1f}"],
            ["CPU time of this process (s) / chunks per CPU second",
             f"{r['cpu_s']:.2f} / {r['chunks_per_cpu_s']:.0f} (independent of other load on the machine)"]]
    for stage, secs in r["stage_seconds"].items():
        rate = r["stage_chunks_per_s"][stage]
        rows.append([f"{stage} busy (s) / chunks/s", f"{secs:.2f} / {rate:.0f}" if rate else f"{secs:.2f} / -"])
    rows.append(["embedder + store setup (s)", f"{r['setup_s']:.2f}"])
    table = ["| " + " | ".join(rows[0]) + " |", "|---|---|"] + ["| " + " | ".join(x) + " |" for x in rows[1:]]
    return "\n".join([
        "# Ingest overhead with an instant OpenAI-compatible embedding server",
        "",
        f"{env['date']} · corpus `{env['corpus']}` · {env['cpus']} CPUs · vectors of {env['dimension']} dims · "
        f"load average before {env['loadavg_before']} after {env['loadavg_after']}",
        "",
        "The server is a stand-in (precomputed vectors, no model), so these are this process's own costs: "
        "parsing, HTTP and JSON, chromadb writes. Stage times are busy times; they overlap when ingest pipelines.",
        "",
        *table,
        "",
    ])


def run(corpus: Path | None, out: Path, min_chunks: int, dimension: int, profile: bool) -> dict[str, Any]:
    """Run the benchmark and write OUT/ingest_overhead.json and OUT/ingest_overhead.md."""
    from ingest.pipeline import window_chars

    source = _find_corpus(corpus).resolve()
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    try:
        files, chunks, copies = _build_corpus(source, work / "corpus", min_chunks, window_chars(480))
        print(f"corpus: {files} files, {chunks} chunks ({copies} copies of {source})", file=sys.stderr)
        out.mkdir(parents=True, exist_ok=True)
        with _standin_server(dimension) as url:
            run_result = _ingest(work / "corpus", work / "index", url,
                                 out / "ingest_overhead.prof" if profile else None)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "environment": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "corpus": str(source),
            "files": files, "copies": copies, "dimension": dimension, "cpus": os.cpu_count(),
            "python": platform.python_version(), "loadavg_before": loadavg_before,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "target_chunks_per_s": TARGET_CHUNKS_PER_S,
        "verdict": "PASS" if run_result["chunks_per_s"] >= TARGET_CHUNKS_PER_S else "MISS",
        "run": run_result,
    }
    (out / "ingest_overhead.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = _markdown(result)
    (out / "ingest_overhead.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"wrote {out / 'ingest_overhead.json'} and {out / 'ingest_overhead.md'}")
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run (or, with --serve, be the stand-in server)."""
    p = argparse.ArgumentParser(description="Ingest overhead with an instant stand-in embedding server.")
    p.add_argument("--corpus", type=Path, help="folder of real documents (default: /work/real-corpus)")
    p.add_argument("--out", type=Path, default=Path("reports/bench"), help="folder for the reports")
    p.add_argument("--min-chunks", type=int, default=5000, help="copy the corpus until it has this many chunks")
    p.add_argument("--dimension", type=int, default=1024, help="vector size the stand-in server returns")
    p.add_argument("--profile", action="store_true", help="also write OUT/ingest_overhead.prof (cProfile)")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: run the stand-in server on this port
    args = p.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.dimension)
        return 0
    run(args.corpus, args.out, args.min_chunks, args.dimension, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
