"""Fixtures for ingest tests: a factory of real files in every format, from a list of paragraphs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from format_writers import write_bytes, write_docx, write_government_page, write_pdf

Factory = Callable[..., Path]


@pytest.fixture
def format_files(tmp_path: Path) -> dict[str, Factory]:
    """Writers by format name; each takes paragraphs and a file name and returns the file's path in tmp_path."""
    return {
        "docx": lambda paragraphs, name="doc.docx", **kw: write_docx(paragraphs, tmp_path / name, **kw),
        "pdf": lambda paragraphs, name="doc.pdf", **kw: write_pdf(paragraphs, tmp_path / name, **kw),
        "html": lambda paragraphs, name="doc.html", **kw: write_government_page(paragraphs, tmp_path / name, **kw),
        "gbk": lambda paragraphs, name="doc.txt": write_bytes(tmp_path / name, "\r\n".join(paragraphs).encode("gbk")),
    }
