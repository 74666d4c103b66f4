"""Service benchmark: latency, throughput, errors and memory of the real HTTP service over loopback.

Starts `python -m service` as a subprocess on a free 127.0.0.1 port against a copy of an index (or one built
first from the corpus when --index is not given), waits for `/readyz`, then drives it with httpx:

* sequentially, N requests to `POST /v1/search` ({"query": q, "top_k": 5}) and N to `POST /v1/ask`
  ({"question": q}, the configured answerer: extractive by default), cycling through ~30 questions of
  eval/datasets/dev.jsonl (search and ask use two disjoint, type-balanced lists, so that each endpoint meets
  every question once uncached: the retriever keeps an LRU cache of query embeddings);
* the same with C concurrent clients (threads, one httpx.Client each), bounded in count and time.

Reports p50/p95/p99 latency and throughput per endpoint and mode, non-200 responses, the share of time spent
embedding the query (server `timings.embed_ms` over the server-side total and over the client latency, for all
requests and for first-seen ones), server CPU per request, and the server's VmRSS/VmHWM after the runs.

Targets from the issue: /v1/search p50 < 50 ms and /v1/ask p50 < 80 ms sequentially; no errors with 8
concurrent clients.

Run:

    python bench/service.py [--index DIR] [--out reports/bench] [--requests 200] [--concurrency 8]

Without --index an index of --corpus is built first (1–4 minutes on 2 CPU cores). The given index is copied to
a temporary folder, so the benchmark never writes into it. Writes OUT/service.json and OUT/service.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "eval" / "datasets" / "dev.jsonl"
SEARCH_P50_TARGET_MS = 50.0
ASK_P50_TARGET_MS = 80.0
ENDPOINTS = {"search": "/v1/search", "ask": "/v1/ask"}


@dataclass
class Sample:
    """One request as the client saw it."""

    endpoint: str
    mode: str
    query: str
    first_seen: bool  # the server had not been sent this text before: its embedding was not cached
    latency_ms: float
    status: int
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)


# --- the server ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _build_index(corpus: Path, index: Path) -> float:
    """Index the corpus with `python -m ingest`; returns seconds."""
    print(f"building an index of {corpus} in {index} (1–4 minutes)…", file=sys.stderr)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_RAG_STORE__")}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ingest", str(corpus), "--index", str(index), "--quiet"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"`python -m ingest` failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    return time.perf_counter() - t


def _start_server(index: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), POLICY_RAG_STORE__PATH=str(index))
    with log.open("wb") as sink:  # the child keeps its own handle
        return subprocess.Popen([sys.executable, "-m", "service"], cwd=ROOT, env=env,
                                stdout=sink, stderr=subprocess.STDOUT)


def _wait_ready(proc: subprocess.Popen[bytes], base: str, log: Path, timeout_s: float) -> float:
    """Seconds until /readyz answers 200; fails when the server exits or the time runs out."""
    t = time.perf_counter()
    with httpx.Client(base_url=base, timeout=5.0) as client:
        while time.perf_counter() - t < timeout_s:
            if proc.poll() is not None:
                raise SystemExit(f"the service exited with {proc.returncode}:\n{_tail(log)}")
            try:
                if client.get("/readyz").status_code == 200:
                    return time.perf_counter() - t
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.25)
    raise SystemExit(f"the service was not ready after {timeout_s:.0f} s:\n{_tail(log)}")


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else ""


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _proc_memory_mib(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024  # kB
    return out


def _proc_cpu_s(pid: int) -> float:
    """User+system CPU seconds a process has used."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the load ---------------------------------------------------------------------------------------------


def _questions(count: int) -> tuple[list[str], list[str]]:
    """Two disjoint lists of `count` dev-set questions, spread evenly over the file (so over question types)."""
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["question"] for r in rows]
    if len(questions) < 2 * count:
        raise SystemExit(f"{DEV_SET} has {len(questions)} questions; --questions at most {len(questions) // 2}.")
    step = len(questions) / count
    picks = [int(i * step) for i in range(count)]
    return [questions[i] for i in picks], [questions[i + 1] for i in picks]


def _body(endpoint: str, query: str) -> dict[str, Any]:
    return {"query": query, "top_k": 5} if endpoint == "search" else {"question": query}


def _request(client: httpx.Client, endpoint: str, mode: str, query: str, first_seen: bool) -> Sample:
    t = time.perf_counter()
    try:
        response = client.post(ENDPOINTS[endpoint], json=_body(endpoint, query))
        latency = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            return Sample(endpoint, mode, query, first_seen, latency, response.status_code, response.text[:300])
        timings = {k: float(v) for k, v in (response.json().get("timings") or {}).items()}
        return Sample(endpoint, mode, query, first_seen, latency, 200, timings=timings)
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: a 200 whose body is not the expected JSON
        latency = (time.perf_counter() - t) * 1000
        return Sample(endpoint, mode, query, first_seen, latency, 0, f"{type(exc).__name__}: {exc}")


class _Seen:
    """Texts already sent to the server (thread-safe), to tell cached query embeddings from fresh ones."""

    def __init__(self) -> None:
        self._texts: set[str] = set()
        self._lock = threading.Lock()

    def first(self, text: str) -> bool:
        with self._lock:
            new = text not in self._texts
            self._texts.add(text)
            return new


def _sequential(base: str, endpoint: str, questions: list[str], n: int, seen: _Seen,
                deadline_s: float, timeout_s: float) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, timeout=timeout_s) as client:
        for query in itertools.islice(itertools.cycle(questions), n):
            if time.perf_counter() - t0 > deadline_s:
                break
            samples.append(_request(client, endpoint, "sequential", query, seen.first(query)))
    return samples, time.perf_counter() - t0


def _concurrent(base: str, endpoint: str, questions: list[str], n: int, clients: int, seen: _Seen,
                deadline_s: float, timeout_s: float) -> tuple[list[Sample], float]:
    samples: list[Sample] = []
    lock = threading.Lock()
    counter = itertools.count()
    t0 = time.perf_counter()

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=timeout_s) as client:
            while True:
                with lock:
                    i = next(counter)
                if i >= n or time.perf_counter() - t0 > deadline_s:
                    return
                query = questions[i % len(questions)]
                sample = _request(client, endpoint, "concurrent", query, seen.first(query))
                with lock:
                    samples.append(sample)

    threads = [threading.Thread(target=worker, name=f"client-{k}", daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline_s + timeout_s + 5)
    return samples, time.perf_counter() - t0


# --- figures ----------------------------------------------------------------------------------------------


def _server_total(sample: Sample) -> float:
    """Server-side milliseconds: /v1/ask reports total_ms; /v1/search only its stages (embed, dense, lexical)."""
    if "total_ms" in sample.timings:
        return sample.timings["total_ms"]
    return sum(v for k, v in sample.timings.items() if k in ("embed_ms", "dense_ms", "lexical_ms", "rerank_ms"))


def _share(num: list[float], den: list[float]) -> float | None:
    return sum(num) / sum(den) if den and sum(den) > 0 else None


def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _summarise(samples: list[Sample], wall_s: float, cpu_s: float) -> dict[str, Any]:
    ok = [s for s in samples if s.status == 200]
    lat = [s.latency_ms for s in ok]
    fresh = [s for s in ok if s.first_seen]
    cached = [s for s in ok if not s.first_seen]

    def embed_share(group: list[Sample]) -> dict[str, float | None]:
        embed = [s.timings.get("embed_ms", 0.0) for s in group]
        return {"of_server": _share(embed, [_server_total(s) for s in group]),
                "of_client": _share(embed, [s.latency_ms for s in group]),
                "embed_ms_p50": _pct(embed, 50)}

    stages = sorted({k for s in ok for k in s.timings})
    return {
        "requests": len(samples), "ok": len(ok), "errors": len(samples) - len(ok),
        "error_examples": sorted({f"{s.status} {s.error}"[:200] for s in samples if s.status != 200})[:5],
        "wall_s": wall_s, "throughput_rps": len(ok) / wall_s if wall_s else 0.0,
        "p50_ms": _pct(lat, 50), "p95_ms": _pct(lat, 95), "p99_ms": _pct(lat, 99),
        "mean_ms": float(np.mean(lat)) if lat else None, "max_ms": max(lat) if lat else None,
        "server_p50_ms": _pct([_server_total(s) for s in ok], 50),
        "stage_p50_ms": {k: _pct([s.timings[k] for s in ok if k in s.timings], 50) for k in stages},
        "first_seen": {"n": len(fresh), "p50_ms": _pct([s.latency_ms for s in fresh], 50), **embed_share(fresh)},
        "cached": {"n": len(cached), "p50_ms": _pct([s.latency_ms for s in cached], 50), **embed_share(cached)},
        "embed_share": embed_share(ok),
        "server_cpu_ms_per_request": 1000 * cpu_s / len(samples) if samples else None,
    }


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _pct_fmt(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def _markdown(result: dict[str, Any]) -> str:
    env, phases = result["environment"], result["phases"]
    latency = [["endpoint", "mode", "ok/sent", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s",
                "server p50 ms", "server CPU ms/req"]]
    embed = [["endpoint", "mode", "first-seen n", "first-seen p50 ms", "embed p50 ms (first-seen)",
              "embed/server (first-seen)", "embed/client (first-seen)", "cached p50 ms", "embed/server (all)",
              "embed/client (all)"]]
    stages = [["endpoint", "mode", "stage p50 ms"]]
    for key, p in phases.items():
        endpoint, mode = key.split("/")
        latency.append([endpoint, mode, f"{p['ok']}/{p['requests']}", str(p["errors"]), _fmt(p["p50_ms"]),
                        _fmt(p["p95_ms"]), _fmt(p["p99_ms"]), _fmt(p["max_ms"]), _fmt(p["throughput_rps"]),
                        _fmt(p["server_p50_ms"]), _fmt(p["server_cpu_ms_per_request"])])
        f, c, a = p["first_seen"], p["cached"], p["embed_share"]
        embed.append([endpoint, mode, str(f["n"]), _fmt(f["p50_ms"]), _fmt(f["embed_ms_p50"]),
                      _pct_fmt(f["of_server"]), _pct_fmt(f["of_client"]), _fmt(c["p50_ms"]),
                      _pct_fmt(a["of_server"]), _pct_fmt(a["of_client"])])
        stages.append([endpoint, mode, ", ".join(f"{k[:-3]} {_fmt(v)}" for k, v in p["stage_p50_ms"].items())])
    checks = [["check", "value", "target", "verdict"]]
    for check in result["checks"]:
        checks.append([check["name"], check["value"], check["target"], check["verdict"]])
    mem = result["server_memory_mib"]
    return "\n".join([
        "# Service benchmark",
        "",
        f"{env['date']} · index `{env['index']}` ({env['chunks']} chunks) · answerer `{env['answerer']}` · "
        f"{env['cpus']} CPUs · load average before {env['loadavg_before']} after {env['loadavg_after']} · "
        f"{env['requests']} requests per endpoint and mode, {env['concurrency']} concurrent clients, "
        f"{env['questions']} questions per endpoint · startup to ready {env['startup_s']:.1f} s",
        "",
        _table(checks),
        "",
        "## Latency and throughput (client-observed, loopback)",
        "",
        _table(latency),
        "",
        "## Query embedding",
        "",
        "The retriever caches query embeddings (LRU), so only a question's first request embeds it; "
        "server total for /v1/search is embed + dense + lexical (fusion and serialisation excluded).",
        "",
        _table(embed),
        "",
        "## Server stages (p50)",
        "",
        _table(stages),
        "",
        f"Server memory: VmRSS {mem['ready'].get('VmRSS', 0):.0f} MiB when ready, "
        f"VmRSS {mem['after'].get('VmRSS', 0):.0f} MiB and VmHWM (peak) {mem['after'].get('VmHWM', 0):.0f} MiB "
        "after the runs.",
        "",
    ])


def _checks(phases: dict[str, dict[str, Any]], clients: int) -> list[dict[str, str]]:
    def p50_check(key: str, target: float) -> dict[str, str]:
        value = phases[key]["p50_ms"]
        ok = value is not None and value < target and phases[key]["errors"] == 0
        return {"name": f"{key} p50", "value": f"{_fmt(value)} ms", "target": f"< {target:.0f} ms",
                "verdict": "PASS" if ok else "MISS"}

    errors = sum(p["errors"] for k, p in phases.items() if k.endswith("/concurrent"))
    sent = sum(p["requests"] for k, p in phases.items() if k.endswith("/concurrent"))
    def uncached(key: str, target: float) -> dict[str, str]:
        # Not an issue target: the same bound on questions the server sees for the first time.
        first = phases[key]["first_seen"]
        value = first["p50_ms"]
        return {"name": f"{key} p50, uncached queries only ({first['n']}; informative)",
                "value": f"{_fmt(value)} ms", "target": f"< {target:.0f} ms",
                "verdict": "-" if value is None else "PASS" if value < target else "MISS"}

    return [
        p50_check("search/sequential", SEARCH_P50_TARGET_MS),
        p50_check("ask/sequential", ASK_P50_TARGET_MS),
        {"name": f"errors with {clients} concurrent clients", "value": f"{errors} of {sent}", "target": "0",
         "verdict": "PASS" if errors == 0 and sent > 0 else "MISS"},
        uncached("search/sequential", SEARCH_P50_TARGET_MS),
        uncached("ask/sequential", ASK_P50_TARGET_MS),
    ]


def run(index: Path | None, corpus: Path, out: Path, requests: int, clients: int, count: int,
        phase_timeout_s: float, request_timeout_s: float, startup_timeout_s: float) -> dict[str, Any]:
    """Run the benchmark against a fresh server and write OUT/service.json and OUT/service.md."""
    loadavg_before = [round(x, 2) for x in os.getloadavg()]
    search_questions, ask_questions = _questions(count)
    work = Path(tempfile.mkdtemp(prefix="bench-service-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        served = work / "index"
        build_s = None
        if index is not None:
            shutil.copytree(index, served)
        else:
            build_s = _build_index(corpus.resolve(), served)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "service.log"
        proc = _start_server(served, port, log)
        startup_s = _wait_ready(proc, base, log, startup_timeout_s)
        ready = httpx.get(f"{base}/readyz", timeout=10).json()
        memory_ready = _proc_memory_mib(proc.pid)
        with httpx.Client(base_url=base, timeout=request_timeout_s) as client:  # first-request costs, not measured
            for endpoint in ENDPOINTS:
                client.post(ENDPOINTS[endpoint], json=_body(endpoint, "预热"))
        print(f"service ready in {startup_s:.1f} s on {base}; running…", file=sys.stderr)

        seen = _Seen()
        phases: dict[str, dict[str, Any]] = {}
        all_samples: list[Sample] = []
        plan: list[tuple[str, str, Callable[[], tuple[list[Sample], float]]]] = []
        for endpoint, questions in (("search", search_questions), ("ask", ask_questions)):
            plan.append((endpoint, "sequential", lambda e=endpoint, q=questions: _sequential(
                base, e, q, requests, seen, phase_timeout_s, request_timeout_s)))
        for endpoint, questions in (("search", search_questions), ("ask", ask_questions)):
            plan.append((endpoint, "concurrent", lambda e=endpoint, q=questions: _concurrent(
                base, e, q, requests, clients, seen, phase_timeout_s, request_timeout_s)))
        for endpoint, mode, phase in plan:
            cpu0 = _proc_cpu_s(proc.pid)
            samples, wall = phase()
            phases[f"{endpoint}/{mode}"] = _summarise(samples, wall, _proc_cpu_s(proc.pid) - cpu0)
            all_samples += samples
            p = phases[f"{endpoint}/{mode}"]
            print(f"  {endpoint}/{mode}: {p['ok']}/{p['requests']} ok, p50 {_fmt(p['p50_ms'])} ms, "
                  f"{_fmt(p['throughput_rps'])} req/s", file=sys.stderr)
        memory_after = _proc_memory_mib(proc.pid)
    finally:
        if proc is not None:
            _stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "environment": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "index": str(index) if index else f"built from {corpus}", "index_build_s": build_s,
            "chunks": ready.get("chunks"), "embedder": ready.get("embedder"), "answerer": ready.get("answerer"),
            "cpus": os.cpu_count(), "python": platform.python_version(), "requests": requests,
            "concurrency": clients, "questions": count, "startup_s": startup_s,
            "loadavg_before": loadavg_before, "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "checks": _checks(phases, clients),
        "phases": phases,
        "server_memory_mib": {"ready": memory_ready, "after": memory_after},
        "questions": {"search": search_questions, "ask": ask_questions},
        "samples": [asdict(s) for s in all_samples],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "service.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    markdown = _markdown(result)
    (out / "service.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"wrote {out / 'service.json'} and {out / 'service.md'}")
    return result


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run."""
    p = argparse.ArgumentParser(description="Benchmark the HTTP service (/v1/search, /v1/ask) over loopback.")
    p.add_argument("--index", type=Path, help="an existing index folder (copied first); default: build one")
    p.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus to index when --index is absent")
    p.add_argument("--out", type=Path, default=Path("reports/bench"), help="folder for service.json and service.md")
    p.add_argument("--requests", type=int, default=200, help="requests per endpoint and mode")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent clients in the concurrent runs")
    p.add_argument("--questions", type=int, default=30, help="dev-set questions per endpoint, cycled")
    p.add_argument("--phase-timeout", type=float, default=300.0, help="seconds after which a run stops sending")
    p.add_argument("--request-timeout", type=float, default=60.0, help="seconds before one request is abandoned")
    p.add_argument("--startup-timeout", type=float, default=600.0, help="seconds to wait for /readyz")
    args = p.parse_args(argv)
    if args.requests < 1 or not 1 <= args.concurrency <= 64 or args.questions < 1:
        p.error("--requests and --questions must be positive, --concurrency between 1 and 64")
    if args.index is not None and not args.index.is_dir():
        p.error(f"--index {args.index}: no such folder")
    run(args.index, args.corpus, args.out, args.requests, args.concurrency, args.questions,
        args.phase_timeout, args.request_timeout, args.startup_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
