"""Real indexes: a traditional-script document found by a simplified question, and bad files through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from format_writers import write_docx, write_pdf, write_scanned_pdf  # noqa: E402
from tiny_models import build_tiny_sentence_transformer  # noqa: E402

from ingest.index.embedders import build_embedder  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from ingest.script import is_traditional, to_simplified  # noqa: E402
from ingest.settings import StoreSettings  # noqa: E402
from ingest.index.store import open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "corpus"
JIYUAN = CORPUS / "004_1db4aff5efda3015.txt"
KAIFENG = CORPUS / "000_4551c735332e43b6.txt"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny offline sentence-transformers model: indexing stays fast."""
    return build_tiny_sentence_transformer(tmp_path_factory.mktemp("models") / "tiny-st")


def test_traditional_detection() -> None:
    import opencc

    simplified = JIYUAN.read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(simplified)
    assert is_traditional(traditional)
    assert not is_traditional(simplified)
    assert not is_traditional(KAIFENG.read_text(encoding="utf-8"))
    assert to_simplified("儲能裝機容量") == "储能装机容量"


def test_simplified_question_finds_a_traditional_document(tmp_path: Path, tiny_model: Path) -> None:
    import opencc

    folder = tmp_path / "docs"
    folder.mkdir()
    traditional = opencc.OpenCC("s2t").convert(JIYUAN.read_text(encoding="utf-8"))
    assert "儲能裝機容量" in traditional
    (folder / "jiyuan-traditional.txt").write_text(traditional, encoding="utf-8")
    (folder / KAIFENG.name).write_bytes(KAIFENG.read_bytes())
    embedder = build_embedder("sentence-transformers", str(tiny_model))
    store = open_store(StoreSettings(path=str(tmp_path / "index")), embedder.name, embedder.dimension)
    report = ingest_paths([folder], store, embedder)
    assert not report.failed, [f.error for f in report.failed]

    hits = store.lexical().search("储能装机容量达到多少", 3)
    chunks = store.all_chunks()
    best = chunks[hits[0][0]]
    assert best.doc_id == "jiyuan-traditional" and best.measure == "46"
    assert "儲能裝機容量達到25兆瓦" in best.text  # shown and cited as written
    assert "储能装机容量达到25兆瓦" in best.embed_text  # indexed simplified
    kaifeng = next(c for c in chunks.values() if c.doc_id == KAIFENG.stem)
    assert kaifeng.embed_text.endswith(kaifeng.text)  # simplified documents are indexed unchanged


def run_ingest(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_bad_files_are_reported_each_with_its_reason_and_nothing_indexed_is_lost(tmp_path: Path,
                                                                                 tiny_model: Path) -> None:
    index = tmp_path / "index"
    model = ("--embedder", "sentence-transformers", "--model", tiny_model, "--index", index, "--quiet")
    first = run_ingest(KAIFENG, *model)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "21 chunks in the index" in first.stdout

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    paragraphs = JIYUAN.read_text(encoding="utf-8").splitlines()
    write_docx(paragraphs, inbox / "jiyuan.docx")  # the good file among the bad
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "junk.pdf").write_bytes(os.urandom(4096))
    write_scanned_pdf(inbox / "scan.pdf")
    write_pdf(paragraphs[:20], inbox / "locked.pdf", encrypt_password="secret")
    (inbox / "notzip.docx").write_text("我是纯文本，不是Word文件。", encoding="utf-8")
    with open(inbox / "huge.txt", "wb") as handle:  # sparse: 200 MB on paper, nothing on disk or in memory
        handle.truncate(200 * 1024 * 1024)
    second = run_ingest(inbox, *model)
    assert second.returncode == 1, second.stderr + second.stdout
    failed = {Path(line.split()[1].rstrip(":")).name: line
              for line in second.stdout.splitlines() if line.startswith("FAILED ")}
    assert set(failed) == {"empty.txt", "junk.pdf", "scan.pdf", "locked.pdf", "notzip.docx", "huge.txt"}
    assert "the file is empty" in failed["empty.txt"]
    assert "not a PDF file" in failed["junk.pdf"]
    assert "this PDF has no text layer (a scanned image?); OCR it first" in failed["scan.pdf"]
    assert "password-protected" in failed["locked.pdf"]
    assert "not a .docx file" in failed["notzip.docx"]
    assert "209715200 bytes is over the limit" in failed["huge.txt"]
    assert "176 chunks in the index" in second.stdout  # Kaifeng's 21 kept, the notice's 155 added

    embedder = build_embedder("sentence-transformers", str(tiny_model))
    store = open_store(StoreSettings(path=str(index)), embedder.name, embedder.dimension)
    assert {c.doc_id for c in store.all_chunks().values()} == {KAIFENG.stem, "jiyuan"}
