"""`uvicorn --workers 2` in one process group on a real `chroma run` server: an upload taken by one worker is
answered by the other, without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from helpers import ROOT, ChromaServer, free_port, wait_http

CORPUS = ROOT / "data" / "corpus"
KAIFENG = "000_4551c735332e43b6"
ADMIN = {"Authorization": "Bearer admin-key-for-tests"}


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[str]:
    """Two uvicorn workers (one master process) serving the app factory against a fresh chroma server."""
    chroma = ChromaServer(tmp_path / "chroma", log=tmp_path / "chroma.log")
    chroma.start()
    port = free_port()
    env = dict(os.environ, POLICY_RAG_STORE__URL=chroma.url, POLICY_RAG_STORE__PATH=str(tmp_path / "local"),
               POLICY_RAG_API__ADMIN_KEYS='["admin-key-for-tests"]', POLICY_RAG_API__MAX_UPLOAD_BYTES="2000000")
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "service.main:create_served_app",
                                 "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=120, proc=proc, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()  # the master stops its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=30)
        chroma.stop()


def _on_new_connections(url: str, path: str, tries: int = 400) -> dict[int, dict]:  # type: ignore[type-arg]
    """GET `path` on fresh connections until two workers (by pid) answered; pid → body."""
    seen: dict[int, dict] = {}  # type: ignore[type-arg]
    for _ in range(tries):
        body = httpx.get(f"{url}{path}", timeout=10).json()
        seen[body["pid"]] = body
        if len(seen) == 2:
            break
    return seen


def test_an_upload_on_one_worker_is_answered_by_the_other(workers: str) -> None:
    url = workers
    deadline = time.monotonic() + 120
    while True:  # both workers loaded (an empty index) before anything is written
        states = _on_new_connections(url, "/readyz")
        if len(states) == 2 and all(s["status"] == "empty" for s in states.values()):
            break
        assert time.monotonic() < deadline, states
        time.sleep(0.5)
    pids = set(states)

    with httpx.Client(base_url=url, timeout=60) as first:  # one keep-alive connection: one worker
        writer = first.get("/healthz").json()["pid"]
        with (CORPUS / f"{KAIFENG}.txt").open("rb") as f:
            job = first.post("/v1/documents", headers=ADMIN, files={"file": (f"{KAIFENG}.txt", f)})
        assert job.status_code == 202, job.text
        while (status := first.get(f"/v1/jobs/{job.json()['job_id']}", headers=ADMIN).json())["status"] \
                not in ("done", "failed"):
            assert time.monotonic() < deadline + 300, status
            time.sleep(0.3)
        assert status["status"] == "done", status
        assert first.get("/healthz").json()["pid"] == writer  # the same worker all along

    (reader,) = pids - {writer}
    for _ in range(400):
        with httpx.Client(base_url=url, timeout=60) as other:
            if other.get("/healthz").json()["pid"] != reader:
                continue
            ready = other.get("/readyz").json()
            assert ready["status"] == "ready" and ready["chunks"] > 0, ready
            r = other.post("/v1/ask", json={"question": "开封市招商引资由哪个单位负责？"})
            assert r.status_code == 200, r.text
            assert any(c["ref"] == "开封市 第14条" for c in r.json()["citations"]), r.json()
            # the job lives in the worker that took it; this one never heard of it
            assert other.get(f"/v1/jobs/{job.json()['job_id']}", headers=ADMIN).status_code == 404
            assert other.get("/healthz").json()["pid"] == reader
            return
    pytest.fail(f"no new connection reached worker {reader}")
