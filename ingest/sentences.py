"""A measure's sentences as answers quote them: ingestion embeds them, the answer model weighs them.

One definition for both sides, so the vector stored for a measure's sentence n is the vector of the sentence the
answer model reads as sentence n.
"""

from __future__ import annotations

import hashlib
import re

from ingest.metadata import strip_byline
from ingest.models import Chunk
from ingest.numbering import strip_marker

__all__ = ["MAX_SENTENCES", "SENTENCE_END", "CLOSING_UNITS", "measure_body", "measure_sentences", "chunk_sentences",
           "sentence_key"]

SENTENCES_VERSION = 1  # bump when the cutting changes: stored sentence vectors are then embedded again
MAX_SENTENCES = 40  # per measure: a very long article's later sentences are not looked at
_UNIT_MARKERS = ("item", "article", "key_task", "heading", "paren")
CLOSING_UNITS = re.compile(r"（[^（）]*(?:（[^（）]*）[^（）]*)*(负责|牵头)[^（）]*）\s*$")
SENTENCE_END = re.compile(r"(?<=[。；！？])(?![”’」』])|(?<=[。；！？][”’」』])")


def measure_body(chunk: Chunk) -> str:
    """The measure's words without its number and without the closing units parenthesis (nor the document's title
    lines an opening chunk shows above them, nor a news item's credit lines)."""
    body = strip_marker(chunk.text[chunk.heading_chars:], _UNIT_MARKERS)
    lines = [line for line in map(strip_byline, body.split("\n")) if line]
    text = "".join(line if line[-1] in "。；！？：" else line + "。" for line in lines[:-1]) + (lines[-1] if lines else "")
    return CLOSING_UNITS.sub("", text.rstrip("。； ")).rstrip("。； ")


def measure_sentences(body: str) -> list[str]:
    """A measure body's sentences, as answers quote them."""
    return [s for s in SENTENCE_END.split(body) if s.strip()]


def chunk_sentences(chunk: Chunk) -> list[str]:
    """The sentences of a measure the answer model reads (its body cut after 。；！？ and a closing quotation mark
    after one), at most MAX_SENTENCES."""
    return measure_sentences(measure_body(chunk))[:MAX_SENTENCES]


def sentence_key(sentences: list[str]) -> str:
    """What a measure's sentence vectors are stored under: chunks with the same sentences share them."""
    return hashlib.sha1("\n".join([str(SENTENCES_VERSION), *sentences]).encode()).hexdigest()[:20]
