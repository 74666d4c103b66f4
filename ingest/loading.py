"""Reading files: format checks, encoding detection and decoding to text."""

from __future__ import annotations

from pathlib import Path

from charset_normalizer import from_bytes

from ingest.errors import DecodeError, EmptyDocumentError, TooLargeError, UnsupportedFormatError

__all__ = ["SUPPORTED_SUFFIXES", "decode_bytes", "read_text"]

SUPPORTED_SUFFIXES = (".txt", ".md")

# Encodings we accept from detection; anything else is more likely a wrong guess on binary data.
# UTF-16 only with its byte-order mark: without it, any even-length GBK text also decodes as UTF-16.
_CJK_ENCODINGS = {"gb18030", "gbk", "gb2312", "big5", "hz", "cp936"}


def _looks_like_text(text: str) -> bool:
    """Most characters are printable (CJK, letters, punctuation, whitespace)."""
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return bad / len(text) < 0.01


def decode_bytes(raw: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM) or a detected Chinese legacy encoding (GB18030/GBK)."""
    if not raw.strip():
        raise EmptyDocumentError(f"{name}: the file is empty.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DecodeError(f"{name}: the file starts like UTF-16 but is not valid UTF-16.") from None
        if _looks_like_text(text):
            return text
    if b"\x00" in raw:
        raise DecodeError(f"{name}: this looks like a binary file, not text (it contains NUL bytes).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(raw, cp_isolation=sorted(_CJK_ENCODINGS)).best()
        if best is None or best.encoding.lower() not in _CJK_ENCODINGS:
            raise DecodeError(
                f"{name}: the text is neither UTF-8 nor a recognisable GB18030/GBK encoding; "
                "save it as UTF-8 and try again."
            ) from None
        # GB18030 is a superset of GBK and GB2312: decode with it whatever the detector named.
        encoding = "gb18030" if best.encoding.lower() in {"gbk", "gb2312", "cp936", "hz"} else best.encoding
        text = raw.decode(encoding, errors="strict")
    if not text.strip():
        raise EmptyDocumentError(f"{name}: the file holds no text.")
    if not _looks_like_text(text):
        raise DecodeError(f"{name}: this looks like a binary file, not text.")
    return text


def read_text(path: Path, *, max_bytes: int = 20_000_000) -> str:
    """Read one supported file as text, with clear errors for everything we cannot use."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnsupportedFormatError(
            f"{path.name}: unsupported format '{path.suffix or '(none)'}'; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)} (UTF-8 or GB18030/GBK text)."
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLargeError(f"{path.name}: {size} bytes is over the limit of {max_bytes} bytes.")
    return decode_bytes(path.read_bytes(), path.name)
