"""Articles citing other articles of their own document (「违反本规定第四条规定的，处…罚款」): the words of the
cited article are what the citing one is about, so a question in those words reaches the penalty."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ingest import ARTICLE_REF, Chunk, ChunkCatalog, chinese_to_int

__all__ = ["cited_articles", "cited_text", "citing_articles"]

_NUM = r"[〇零一二两三四五六七八九十百千\d]+"
# 「本规定第四条」「本条例第九条、第十条或者第十一条」「本办法第十二条第二款」
_CITED = re.compile(rf"本(?:规定|办法|条例|细则|规则|决定|实施办法)((?:第{_NUM}条(?:第{_NUM}款)?(?:[、，,]|和|或者?|及|以及)?)+)")


def cited_articles(text: str) -> list[str]:
    """The article numbers a text cites in its own document, in order, each once."""
    found: list[str] = []
    for m in _CITED.finditer(text):
        for ref in ARTICLE_REF.finditer(m.group(1)):
            number = str(chinese_to_int(ref.group("num")))
            if number not in found:
                found.append(number)
    return found


def _cites(chunk: Chunk) -> list[str]:
    """The other articles of its document a chunk cites."""
    return [n for n in cited_articles(chunk.text) if n != chunk.measure]


def cited_text(chunk: Chunk, catalog: ChunkCatalog) -> str:
    """The text of the articles a chunk cites in its own document ('' when it cites none)."""
    wanted = _cites(chunk)
    if not wanted:
        return ""
    return "\n".join(c.text for c in catalog.of_document(chunk.doc_id) if c.measure in wanted)


def citing_articles(chunks: Iterable[Chunk], keep: Callable[[Chunk], bool]) -> dict[str, list[Chunk]]:
    """Article number → the chunks (of one document, those `keep` accepts) that cite it."""
    citing: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        if keep(chunk):
            for number in _cites(chunk):
                citing.setdefault(number, []).append(chunk)
    return citing
