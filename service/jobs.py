"""Background ingestion jobs: uploads, replacements and deletions run one at a time in a worker thread."""

from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest import NotFoundError, PolicyRagError, ingest_paths

if TYPE_CHECKING:
    from service.runtime import Runtime

__all__ = ["Job", "JobFile", "JobQueue", "safe_stem"]

_KEEP_JOBS = 1000


def safe_stem(name: str) -> str:
    """A file stem that is safe on disk and as a document id (the stem becomes the doc id)."""
    stem = Path(name.replace("\\", "/")).name.rsplit(".", 1)[0] if "." in Path(name).name else Path(name).name
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._-")[:80]
    return stem or f"upload-{uuid.uuid4().hex[:8]}"


@dataclass
class JobFile:
    """What happened to one file of a job."""

    name: str
    doc_ids: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    error: str = ""


@dataclass
class Job:
    """One background change to the index."""

    job_id: str
    kind: str  # upload, replace, delete
    status: str = "queued"  # queued, running, done, failed
    stage: str = "queued"
    progress: float = 0.0
    files: list[JobFile] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    error: str = ""
    created_at: float = field(default_factory=time.time)
    finished_at: float | None = None


class JobQueue:
    """This process's jobs (ids are per process: ask the replica that accepted the job)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-job")

    def get(self, job_id: str) -> Job:
        """A job by id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No job '{job_id}' on this replica. Job ids are kept by the replica that "
                                "accepted the upload, for its lifetime (the last 1000).")
        return job

    def _new(self, kind: str) -> Job:
        job = Job(uuid.uuid4().hex, kind)
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > _KEEP_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
        return job

    def submit_file(self, kind: str, file_name: str, raw: bytes, overrides: dict[str, str]) -> Job:
        """Ingest one file (saved under `file_name`) in the background."""
        job = self._new(kind)
        job.files = [JobFile(file_name)]
        self._pool.submit(self._run, job, lambda: self._ingest(job, file_name, raw, overrides))
        return job

    def submit_delete(self, doc_ids: list[str]) -> Job:
        """Delete documents in the background."""
        job = self._new("delete")
        job.doc_ids = list(doc_ids)
        self._pool.submit(self._run, job, lambda: self._delete(job))
        return job

    def _run(self, job: Job, work: Any) -> None:
        job.status = job.stage = "running"
        try:
            work()
        except PolicyRagError as exc:
            job.error = str(exc)
        except Exception as exc:  # a job must end with a status, whatever went wrong
            job.error = f"{exc.__class__.__name__}: {exc}"
        if not job.error:
            # Readers elsewhere check the generation every refresh_seconds: once that has passed,
            # every replica answers from the new index.
            job.stage = "publishing"
            time.sleep(self.runtime.settings.store.refresh_seconds + 0.1)
        job.status = "failed" if job.error else "done"
        job.stage = job.status
        job.progress = 1.0
        job.finished_at = time.time()

    def _ingest(self, job: Job, file_name: str, raw: bytes, overrides: dict[str, str]) -> None:
        runtime, settings = self.runtime, self.runtime.settings
        with tempfile.TemporaryDirectory(prefix="policy-rag-upload-") as folder:
            path = Path(folder) / file_name
            path.write_bytes(raw)
            job.stage = "waiting for the index writer lock"
            with runtime.store.writing():
                job.stage = "ingesting"
                report = ingest_paths([path], runtime.store, runtime.embedder, overlap=settings.chunk_overlap,
                                      max_bytes=max(settings.max_file_bytes, len(raw)),
                                      overrides={file_name: overrides})
        for result, entry in zip(report.files, job.files):
            entry.doc_ids = [d.doc_id for d in result.documents]
            entry.chunks = len(result.chunks)
            entry.embedded = result.embedded
            entry.error = result.error
        job.doc_ids = [d for f in job.files for d in f.doc_ids]
        if report.failed:
            job.error = "; ".join(f.error for f in report.failed)

    def _delete(self, job: Job) -> None:
        job.stage = "waiting for the index writer lock"
        self.runtime.store.delete_documents(job.doc_ids)

    def close(self) -> None:
        """Finish the running job and drop queued ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
