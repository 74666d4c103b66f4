"""Hand-set document fields: a sidecar <name>.meta.json, or front matter at the top of a markdown file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.documents import OVERRIDABLE_FIELDS
from ingest.pipeline import expand_paths, parse_file

TEXT = "某某县关于促进就业的若干措施\n一、总体要求\n1.稳定就业岗位。（人社局负责）\n2.扩大就业容量。（发改委负责）\n"
FIELDS = {"title": "促进就业十条", "region": "河南省某某县", "date": "2024-05-06", "issuer": "某某县人民政府"}


def _parse(path: Path):  # type: ignore[no-untyped-def]
    return parse_file(path, max_chars=400)


@pytest.mark.parametrize("sidecar_name", ["jobs.txt.meta.json", "jobs.meta.json"])
def test_sidecar_overrides_every_field_and_is_not_a_document(tmp_path: Path, sidecar_name: str) -> None:
    (tmp_path / "jobs.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / sidecar_name).write_text(json.dumps(FIELDS, ensure_ascii=False), encoding="utf-8")
    assert expand_paths([tmp_path]) == [tmp_path / "jobs.txt"]
    assert expand_paths([tmp_path / sidecar_name]) == []
    result = _parse(tmp_path / "jobs.txt")
    assert not result.error, result.error
    doc = result.documents[0]
    assert (doc.title, doc.region, doc.date, doc.issuer) == tuple(FIELDS.values())
    assert {c.region for c in result.chunks} == {"河南省某某县"}
    assert result.chunks[0].doc_title == "促进就业十条"


def test_markdown_front_matter_overrides_and_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "jobs.md"
    path.write_text("---\ntitle: 促进就业十条\ndate: 2024-05-06\ndoc_type: 通知\n---\n" + TEXT, encoding="utf-8")
    result = _parse(path)
    assert not result.error, result.error
    doc = result.documents[0]
    assert (doc.title, doc.date, doc.doc_type) == ("促进就业十条", "2024-05-06", "通知")
    assert "title:" not in doc.text and "---" not in doc.text


def test_sidecar_wins_over_front_matter(tmp_path: Path) -> None:
    (tmp_path / "jobs.md").write_text("---\ntitle: 前言里的标题\nregion: 某某县\n---\n" + TEXT, encoding="utf-8")
    (tmp_path / "jobs.meta.json").write_text('{"title": "旁注文件的标题"}', encoding="utf-8")
    doc = _parse(tmp_path / "jobs.md").documents[0]
    assert (doc.title, doc.region) == ("旁注文件的标题", "某某县")


@pytest.mark.parametrize(("sidecar", "message"), [
    ('{"titel": "x"}', "unknown document field(s) titel"),
    ('{"date": "2024年5月6日"}', "yyyy-mm-dd"),
    ('{"title": ["a", "b"]}', "must be text"),
    ('["title"]', "expected an object"),
    ('{"title": ', "not valid UTF-8 JSON"),
])
def test_bad_sidecars_fail_the_file_with_a_reason(tmp_path: Path, sidecar: str, message: str) -> None:
    (tmp_path / "jobs.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "jobs.meta.json").write_text(sidecar, encoding="utf-8")
    result = _parse(tmp_path / "jobs.txt")
    assert message in result.error
    if "unknown" in message:
        assert all(field in result.error for field in ("title", "region", "date", "issuer", "doc_type"))
        assert set(OVERRIDABLE_FIELDS) >= {"title", "region", "date", "issuer", "doc_type"}
