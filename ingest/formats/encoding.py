"""Decoding bytes to text: UTF-8 (with or without BOM), UTF-16 with BOM, or detected GB18030/GBK."""

from __future__ import annotations

from charset_normalizer import from_bytes

from ingest.errors import DecodeError, EmptyDocumentError

__all__ = ["decode_bytes", "decode_as", "looks_like_text"]

# Encodings we accept from detection; anything else is more likely a wrong guess on binary data.
# UTF-16 only with its byte-order mark: without it, any even-length GBK text also decodes as UTF-16.
_CJK_ENCODINGS = {"gb18030", "gbk", "gb2312", "big5", "hz", "cp936"}
# GB18030 is a superset of GBK and GB2312: decode with it whatever a page or the detector named.
_GB_FAMILY = {"gbk", "gb2312", "cp936", "hz", "x-gbk", "gb_2312-80", "euc-cn"}


def looks_like_text(text: str) -> bool:
    """Most characters are printable (CJK, letters, punctuation, whitespace)."""
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0xE000 <= ord(ch) <= 0xF8FF or ch == "\ufffd")
    return bad / len(text) < 0.01


def decode_as(raw: bytes, encoding: str) -> str | None:
    """Decode with a declared encoding (a page's <meta charset>), or None when it does not fit the bytes."""
    name = encoding.strip().lower()
    if name in _GB_FAMILY:
        name = "gb18030"
    try:
        return raw.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None


def decode_bytes(raw: bytes, name: str = "input") -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM or a detected Chinese legacy encoding (GB18030/GBK)."""
    if not raw.strip():
        raise EmptyDocumentError(f"{name}: the file is empty.")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise DecodeError(f"{name}: the file starts like UTF-16 but is not valid UTF-16.") from None
        if looks_like_text(text):
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
        encoding = "gb18030" if best.encoding.lower() in _GB_FAMILY else best.encoding
        text = raw.decode(encoding, errors="strict")
    if not text.strip():
        raise EmptyDocumentError(f"{name}: the file holds no text.")
    if not looks_like_text(text):
        raise DecodeError(f"{name}: this looks like a binary file, not text.")
    return text
