"""Traditional and simplified Chinese: detect traditional text and give its simplified form for indexing."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["is_traditional", "to_simplified", "index_form"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SAMPLE = 2000  # characters looked at to decide; enough for a stable ratio, cheap on long documents
# Traditional text differs from its simplified form in roughly one character out of four or five; simplified
# text only in rare variant characters. One in twenty-five sits well between the two.
_MIN_CHANGED = 0.04


@lru_cache(maxsize=1)
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """The text converted to simplified characters (OpenCC t2s, phrase-aware)."""
    return str(_converter().convert(text))


def is_traditional(text: str) -> bool:
    """Whether the text is written in traditional characters (its simplified form differs enough)."""
    sample = text[:_SAMPLE]
    cjk = len(_CJK.findall(sample))
    if cjk == 0:
        return False
    simplified = to_simplified(sample)
    changed = sum(a != b for a, b in zip(sample, simplified)) if len(simplified) == len(sample) else cjk
    return changed / cjk >= _MIN_CHANGED


def index_form(text: str, traditional: bool) -> str:
    """What the embedder and the lexical index see: the simplified form of traditional text, else the text."""
    return to_simplified(text) if traditional else text
