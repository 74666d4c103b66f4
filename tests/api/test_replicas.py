"""Two service replicas and a real `chroma run` server: uploads, deletions and a store outage seen by both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpers import free_port, start_service, stop_process, wait_http


CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
KAIFENG = "000_4551c735332e43b6"
ZHENGZHOU = "002_7c0b39c9789cfac6"
ADMIN = {"Authorization": "Bearer admin-key-for-tests"}


class ChromaServer:
    """A `chroma run` process that tests may stop and start again on the same port and folder."""

    def __init__(self, folder: Path) -> None:
        self.binary = Path(sys.executable).parent / "chroma"
        if not self.binary.exists():
            pytest.skip(f"no chroma binary next to {sys.executable}")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([str(self.binary), "run", "--path", str(self.folder), "--host", "127.0.0.1",
                                      "--port", str(self.port)], env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"{self.url}/api/v2/heartbeat", timeout=60, proc=self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def replicas(chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Replica A takes admin requests; replica B has no admin key. Each has its own empty local folder."""
    common = {"POLICY_RAG_STORE__URL": chroma.url, "POLICY_RAG_API__MAX_UPLOAD_BYTES": "2000000"}
    a, url_a = start_service(dict(common, POLICY_RAG_STORE__PATH=str(tmp_path_factory.mktemp("a")),
                                  POLICY_RAG_API__ADMIN_KEYS='["admin-key-for-tests"]'))
    b, url_b = start_service(dict(common, POLICY_RAG_STORE__PATH=str(tmp_path_factory.mktemp("b"))))
    try:
        for url, proc in ((url_a, a), (url_b, b)):
            wait_http(f"{url}/healthz", timeout=120, proc=proc)
            _wait_loaded(url)  # admin writes answer 503 while the index loads
        yield url_a, url_b
    finally:
        stop_process(a)
        stop_process(b)


def _wait_loaded(url: str) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + 120
    while True:
        body = httpx.get(f"{url}/readyz", timeout=10).json()
        if body["status"] != "loading" or time.time() > deadline:
            return body  # type: ignore[no-any-return]
        time.sleep(0.3)


def _upload(url: str, path: Path, **fields: str) -> dict:  # type: ignore[type-arg]
    with path.open("rb") as f:
        r = httpx.post(f"{url}/v1/documents", headers=ADMIN, files={"file": (path.name, f)}, data=fields, timeout=30)
    assert r.status_code == 202, r.text
    return r.json()  # type: ignore[no-any-return]


def _wait_job(url: str, job_id: str) -> dict:  # type: ignore[type-arg]
    deadline = time.time() + 300
    while time.time() < deadline:
        job = httpx.get(f"{url}/v1/jobs/{job_id}", headers=ADMIN, timeout=10).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.3)
    raise TimeoutError(job_id)


def test_upload_on_one_replica_answer_on_the_other_delete_on_both(replicas: tuple[str, str]) -> None:
    a, b = replicas
    assert _wait_loaded(b)["status"] == "empty"  # started on an empty index
    assert httpx.post(f"{b}/v1/ask", json={"question": "开封市招商引资由哪个单位负责？"}, timeout=30).status_code == 503

    jobs = [_upload(a, CORPUS / f"{KAIFENG}.txt"), _upload(a, CORPUS / f"{ZHENGZHOU}.txt")]
    done = [_wait_job(a, j["job_id"]) for j in jobs]
    assert [j["status"] for j in done] == ["done", "done"], done
    assert done[0]["doc_ids"] == [KAIFENG] and done[0]["files"][0]["chunks"] > 0

    # Answerable on the other replica as soon as the job says done, without a restart.
    assert httpx.get(f"{b}/readyz", timeout=10).json()["status"] == "ready"
    r = httpx.post(f"{b}/v1/ask", json={"question": "开封市招商引资由哪个单位负责？"}, timeout=60)
    assert r.status_code == 200, r.text
    assert "市商务局" in r.json()["answer"]
    assert any(c["ref"] == "开封市 第14条" for c in r.json()["citations"])
    assert {d["doc_id"] for d in httpx.get(f"{b}/v1/documents", timeout=10).json()} == {KAIFENG, ZHENGZHOU}

    # The same file again is a conflict; PUT replaces it (with a region override), DELETE removes it.
    with (CORPUS / f"{KAIFENG}.txt").open("rb") as f:
        again = httpx.post(f"{a}/v1/documents", headers=ADMIN, files={"file": (f"{KAIFENG}.txt", f)}, timeout=30)
    assert again.status_code == 409 and f"PUT /v1/documents/{KAIFENG}" in again.json()["detail"]

    r = httpx.delete(f"{a}/v1/documents/{KAIFENG}", headers=ADMIN, timeout=30)
    assert r.status_code == 202, r.text
    assert _wait_job(a, r.json()["job_id"])["status"] == "done"
    for url in (a, b):
        assert {d["doc_id"] for d in httpx.get(f"{url}/v1/documents", timeout=10).json()} == {ZHENGZHOU}
        hits = httpx.post(f"{url}/v1/search", json={"query": "开封市招商引资", "top_k": 10}, timeout=30).json()
        assert all(h["doc_id"] != KAIFENG for h in hits["results"])
        assert httpx.get(f"{url}/v1/documents/{KAIFENG}", timeout=10).status_code == 404


def test_admin_routes_need_an_admin_key_and_check_what_they_get(replicas: tuple[str, str], tmp_path: Path) -> None:
    a, b = replicas
    _wait_loaded(a)
    text = CORPUS / f"{KAIFENG}.txt"
    off = httpx.post(f"{b}/v1/documents", files={"file": ("x.txt", b"abc")}, headers=ADMIN, timeout=10)
    assert off.status_code == 403 and "POLICY_RAG_API__ADMIN_KEYS" in off.json()["detail"]
    assert httpx.post(f"{a}/v1/documents", files={"file": ("x.txt", b"abc")}, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer not-the-key"}
    assert httpx.delete(f"{a}/v1/documents/{ZHENGZHOU}", headers=wrong, timeout=10).status_code == 401

    # The type comes from the bytes, not the name: an old Word binary called .txt is refused as Word ...
    doc = httpx.post(f"{a}/v1/documents", headers=ADMIN, timeout=10,
                     files={"file": ("report.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)})
    assert doc.status_code == 415 and ".docx" in doc.json()["detail"]
    # ... and a broken PDF called .txt is read as a PDF: the job fails with the file's reason.
    pdf = httpx.post(f"{a}/v1/documents", headers=ADMIN, files={"file": ("report.txt", b"%PDF-1.7\n%\xe2\xe3")},
                     timeout=10)
    assert pdf.status_code == 202, pdf.text
    failed = _wait_job(a, pdf.json()["job_id"])
    assert failed["status"] == "failed" and "PDF" in (failed["error"] + str(failed["files"])), failed
    big = httpx.post(f"{a}/v1/documents", headers=ADMIN, files={"file": ("big.txt", text.read_bytes() * 200)},
                     timeout=30)
    assert big.status_code == 413, big.text
    bad_date = httpx.post(f"{a}/v1/documents", headers=ADMIN, files={"file": ("n.txt", text.read_bytes())},
                          data={"date": "March"}, timeout=10)
    assert bad_date.status_code == 422
    assert httpx.get(f"{a}/v1/jobs/nope", headers=ADMIN, timeout=10).status_code == 404


def test_a_store_outage_gives_503_and_the_replicas_recover(chroma: ChromaServer, replicas: tuple[str, str]) -> None:
    a, b = replicas
    if _wait_loaded(b)["status"] != "ready":
        _wait_job(a, _upload(a, CORPUS / f"{ZHENGZHOU}.txt", title="郑州市重点工作")["job_id"])
    statuses: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def hammer(url: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                for path, body in (("/v1/search", {"query": "郑好融"}), ("/v1/ask", {"question": "郑好融是什么？"})):
                    r = client.post(f"{url}{path}", json=body)
                    statuses.append((path, r.status_code, r.headers.get("retry-after", "")))
                r = client.get(f"{url}/readyz")
                statuses.append(("/readyz", r.status_code, r.headers.get("retry-after", "")))
                time.sleep(0.05)

    threads = [threading.Thread(target=hammer, args=(url,)) for url in (a, b)]
    for t in threads:
        t.start()
    time.sleep(1)
    chroma.stop()
    time.sleep(3)
    down = httpx.get(f"{b}/readyz", timeout=10)
    assert down.status_code == 503 and "chromadb server" in down.json()["detail"]
    assert httpx.get(f"{b}/healthz", timeout=10).status_code == 200
    r = httpx.post(f"{b}/v1/search", json={"query": "郑好融"}, timeout=10)
    assert r.status_code == 503 and r.headers["retry-after"] and "chromadb server" in r.json()["detail"]
    chroma.start()
    time.sleep(3)
    stop.set()
    for t in threads:
        t.join()
    codes = {code for _, code, _ in statuses}
    assert codes <= {200, 503}, [s for s in statuses if s[1] not in (200, 503)][:5]
    assert 503 in codes and all(ra for _, code, ra in statuses if code == 503)
    for url in (a, b):  # recovered by themselves
        assert httpx.get(f"{url}/readyz", timeout=10).status_code == 200
        hits = httpx.post(f"{url}/v1/search", json={"query": "郑好融", "top_k": 3}, timeout=30).json()["results"]
        assert hits[0]["doc_id"] == ZHENGZHOU
