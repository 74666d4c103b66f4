"""`python -m ingest PATH...`: index files or folders, or print their chunks with --dry-run --json."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ingest.index.embedders import build_embedder
from ingest.errors import PolicyRagError
from ingest.lifecycle import LIFECYCLE_FIELDS
from ingest.pipeline import FileResult, IngestReport, expand_paths, ingest_paths, parse_file, window_chars
from ingest.settings import IngestSettings
from ingest.index.store import destroy_store, open_store

__all__ = ["build_parser", "main"]

# The bundled embedder's window, used by --dry-run so that it needs no model.
_DRY_RUN_MAX_CHARS = 480


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest", description="Index policy documents by measure.")
    p.add_argument("paths", nargs="+", type=Path, help="files (.txt, .md, .html, .docx, .pdf) or folders")
    p.add_argument("--dry-run", action="store_true", help="parse and chunk only; write nothing")
    p.add_argument("--json", action="store_true", help="with --dry-run: one JSON object per chunk on stdout")
    p.add_argument("--prune", action="store_true", help="remove documents whose files are not among PATHS")
    p.add_argument("--rebuild", action="store_true", help="delete the index first and build it anew")
    p.add_argument("--index", help="index folder (default: POLICY_RAG_STORE__PATH or .data/index)")
    p.add_argument("--embedder", help="embedder name (default: POLICY_RAG_EMBEDDER__NAME or bundled)")
    p.add_argument("--model", help="embedder model name or path")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _dry_run(args: argparse.Namespace, settings: IngestSettings) -> int:
    failed = 0
    for path in expand_paths(args.paths):
        result = parse_file(path, max_chars=window_chars(_DRY_RUN_MAX_CHARS), overlap=settings.chunk_overlap,
                            max_bytes=settings.max_file_bytes)
        if result.error:
            failed += 1
            print(f"error: {result.error}", file=sys.stderr)
            continue
        documents = {d.doc_id: d for d in result.documents}
        for chunk in result.chunks:
            if args.json:  # each row carries its document's lifecycle (doc_number is a chunk field already)
                life = {name: getattr(documents[chunk.doc_id], name) for name in LIFECYCLE_FIELDS}
                print(json.dumps({**chunk.to_json(), **life}, ensure_ascii=False))
            else:
                print(f"{chunk.chunk_id}\t{chunk.measure_label}\t{chunk.measure_title}")
    return 1 if failed else 0


class _Progress:
    """A tqdm bar over files, with documents and chunks per second since the start."""

    def __init__(self, total: int, *, disable: bool) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="file", disable=disable, file=sys.stderr, dynamic_ncols=True)
        self._started = time.perf_counter()
        self.documents = 0
        self.chunks = 0

    def file_done(self, result: FileResult) -> None:
        """One file published, left unchanged or failed."""
        if not result.error:
            self.documents += len(result.documents)
            self.chunks += len(result.chunks)
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._bar.set_postfix_str(f"{self.documents} docs, {self.documents / elapsed:.1f} docs/s, "
                                  f"{self.chunks / elapsed:.0f} chunks/s", refresh=False)
        self._bar.update(1)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bar.close()


def _summary(report: IngestReport) -> str:
    rows = [("document", "region", "date", "measures", "embedded")]
    for f in report.files:
        for d in f.documents:
            n = sum(1 for c in f.chunks if c.doc_id == d.doc_id and c.part == 0)
            rows.append((d.title[:40], d.region or "-", d.date or "-", str(n), ""))
        if f.documents:
            rows[-1] = rows[-1][:4] + (str(f.embedded),)
    widths = [max(_width(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)) for r in rows]
    lines.append(f"{report.total_chunks} chunks in the index"
                 + (f"; pruned {len(report.pruned)} document(s)" if report.pruned else ""))
    done = sum(len(f.chunks) for f in report.files if not f.error)
    if report.seconds:
        busy = ", ".join(f"{stage} {secs:.1f} s" for stage, secs in report.stage_seconds.items())
        lines.append(f"{done} chunks of {len(report.files) - len(report.failed)} file(s) in {report.seconds:.1f} s "
                     f"({done / report.seconds:.0f} chunks/s; busy: {busy})")
    for f in report.failed:
        lines.append(f"FAILED {f.path}: {f.error}")
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (1 when any file failed)."""
    args = build_parser().parse_args(argv)
    settings = IngestSettings()
    if args.index:
        settings.store.path = args.index
    if args.embedder:
        settings.embedder.name = args.embedder
    if args.model:
        settings.embedder.model = args.model
    if args.dry_run:
        return _dry_run(args, settings)
    try:
        embedder = build_embedder(settings.embedder.name, settings.embedder.model, settings.embedder)
        if args.rebuild:
            destroy_store(settings.store)
        store = open_store(settings.store, embedder.name, embedder.dimension)
        files = expand_paths(args.paths)
        try:
            with _Progress(len(files), disable=args.quiet) as progress:
                report = ingest_paths(args.paths, store, embedder, prune=args.prune, overlap=settings.chunk_overlap,
                                      max_bytes=settings.max_file_bytes, progress=progress.file_done)
        finally:
            store.close()
    except PolicyRagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(_summary(report))
    return 1 if report.failed else 0
