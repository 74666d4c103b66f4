"""Reading files: encodings we accept and the errors (with their HTTP status) for everything else."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.errors import (
    CorruptFileError,
    DecodeError,
    EmptyDocumentError,
    InputError,
    TooLargeError,
    UnsupportedFormatError,
)
from ingest.loading import read_text

POLICY = (
    "济源市人民政府关于明确政府工作报告提出的2024年重点工作责任单位的通知\n"
    "四、突出集群发展，在产业转型增效上持续发力\n"
    "46.能源新能源产业围绕氢能、光伏、风电、生物质能等细分领域，力争储能装机容量达到25兆瓦。"
    "（发展改革和统计局、工业信息和科技局按职责分工负责）\n"
)
TITLE_ONLY = "扎实推进2024年下半年经济稳进向好若干措施"
RARE = "㐀䶵𠀀：扩展区汉字只有GB18030能编码。\n"  # four-byte GB18030 sequences; GBK cannot encode these


@pytest.mark.parametrize(("raw", "text"), [
    pytest.param(POLICY.encode("utf-8"), POLICY, id="utf-8"),
    pytest.param(b"\xef\xbb\xbf" + POLICY.encode("utf-8"), POLICY, id="utf-8-bom"),
    pytest.param(POLICY.encode("gbk"), POLICY, id="gbk"),
    pytest.param(POLICY.replace("\n", "\r\n").encode("gbk"), POLICY.replace("\n", "\r\n"), id="gbk-crlf"),
    pytest.param(TITLE_ONLY.encode("gbk"), TITLE_ONLY, id="gbk-one-line"),
    pytest.param((POLICY + RARE).encode("gb18030"), POLICY + RARE, id="gb18030"),
    pytest.param(POLICY.encode("utf-16"), POLICY, id="utf-16-bom"),
])
def test_text_files_decode(tmp_path: Path, raw: bytes, text: str) -> None:
    path = tmp_path / "policy.txt"
    path.write_bytes(raw)
    assert read_text(path) == text


def test_gbk_written_by_python_decodes(tmp_path: Path) -> None:
    path = tmp_path / "gbk.md"
    path.write_text(POLICY, encoding="gbk")
    assert read_text(path) == POLICY


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(("name", "raw", "error", "status"), [
    pytest.param("empty.txt", b"", EmptyDocumentError, 422, id="empty"),
    pytest.param("blank.txt", b" \r\n\t\n  ", EmptyDocumentError, 422, id="whitespace"),
    pytest.param("ideographic-space.txt", "\u3000\u3000\n".encode(), EmptyDocumentError, 422, id="ideographic-space"),
    pytest.param("bom.txt", b"\xef\xbb\xbf", EmptyDocumentError, 422, id="bom-only"),
    pytest.param("random.txt", random.Random(7).randbytes(4096) + b"\x00", DecodeError, 422, id="random-bytes"),
    pytest.param("image.txt", _png() + random.Random(8).randbytes(256), DecodeError, 422, id="png-header"),
    pytest.param("utf16-odd.txt", b"\xff\xfe" + b"abc", DecodeError, 422, id="utf-16-bom-truncated"),
    pytest.param("report.pdf", b"%PDF-1.4\n", CorruptFileError, 422, id="pdf-header-only"),
    pytest.param("report.docx", b"PK\x03\x04", CorruptFileError, 422, id="docx-truncated-zip"),
    pytest.param("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", UnsupportedFormatError, 415, id="legacy-doc"),
    pytest.param("README", POLICY.encode(), UnsupportedFormatError, 415, id="no-suffix"),
])
def test_unusable_files_raise(tmp_path: Path, name: str, raw: bytes, error: type[InputError], status: int) -> None:
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(error) as info:
        read_text(path)
    assert info.value.status_code == status
    assert name in str(info.value)  # the message says which file


@pytest.mark.parametrize("name", ["README", "report.odt"])
def test_unsupported_format_names_the_supported_ones(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(POLICY.encode())
    with pytest.raises(UnsupportedFormatError, match=r"\.txt, \.md, .*\.html.*\.docx, \.pdf"):
        read_text(path)


def test_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(POLICY * 10, encoding="utf-8")
    with pytest.raises(TooLargeError) as info:
        read_text(path, max_bytes=100)
    assert info.value.status_code == 413
    assert "100" in str(info.value)
    assert read_text(path, max_bytes=path.stat().st_size) == POLICY * 10  # the limit itself is allowed
