"""`python -m ingest` as a user runs it: dry-run JSON, per-file errors, the summary table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.index.embedders import build_embedder
from ingest.settings import StoreSettings
from ingest.index.store import open_store

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
JIYUAN = CORPUS / "004_1db4aff5efda3015.txt"
KAIFENG = CORPUS / "000_4551c735332e43b6.txt"
METADATA_KEYS = {
    "chunk_id", "doc_id", "doc_title", "region", "issuer", "date", "doc_type", "section", "subsection", "measure",
    "measure_title", "responsible_units", "lead_units", "source", "span_start", "span_end", "text",
}


def run_ingest(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m ingest ARGS` from the repository root."""
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_dry_run_prints_one_json_object_per_chunk_and_writes_nothing(tmp_path: Path) -> None:
    index = tmp_path / "index"
    result = run_ingest("--dry-run", "--json", JIYUAN.relative_to(ROOT), "--index", index)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 155  # 前言 and measures 1–154
    for row in rows:
        assert METADATA_KEYS <= row.keys(), METADATA_KEYS - row.keys()
    measure_46 = next(r for r in rows if r["measure"] == "46")
    assert measure_46["region"] == "济源市"
    assert measure_46["date"] == "2024-06-27"
    assert measure_46["source"] == JIYUAN.name
    assert measure_46["responsible_units"] == ["发展改革和统计局", "工业信息和科技局"]
    assert measure_46["span_end"] - measure_46["span_start"] == len(measure_46["text"])
    assert not index.exists()


def test_bad_files_are_reported_and_the_good_one_is_indexed(tmp_path: Path) -> None:
    pdf = tmp_path / "report.doc"
    pdf.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    index = tmp_path / "index"
    # The real bundled embedder on one small file (20 measures): the path a user takes by default.
    result = run_ingest(KAIFENG, pdf, empty, "--index", index, "--embedder", "bundled", "--quiet")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    failed = {Path(line.split()[1].rstrip(":")).name: line for line in out.splitlines() if line.startswith("FAILED ")}
    assert set(failed) == {"report.doc", "empty.txt"}
    assert "files are not supported" in failed["report.doc"] and "save it as .docx" in failed["report.doc"]
    assert "the file is empty" in failed["empty.txt"]
    summary = next(line for line in out.splitlines() if line.startswith("扎实推进2024年下半年经济稳进向好若干措施"))
    assert summary.split()[1:] == ["开封市", "2024-09-06", "21", "21"]  # region, date, measures, embedded
    assert "21 chunks in the index" in out

    embedder = build_embedder("bundled")  # only for its name and dimension, which the index records
    store = open_store(StoreSettings(path=str(index)), embedder.name, embedder.dimension)
    assert store.count() == 21
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG.stem}
