"""Corpus model and index: loading, parsing documents into measures, embedding and storing them.

This module is the public surface that `service/` and `eval/` use; everything else is internal. Errors are
imported eagerly (they are tiny); the rest loads on first use, so `import ingest` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ingest.errors import (
    ConfigError,
    DecodeError,
    EmptyDocumentError,
    IndexMismatchError,
    IndexNotReadyError,
    InputError,
    MissingExtraError,
    NotFoundError,
    PolicyRagError,
    TooLargeError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from ingest.cleaning import normalize_line
    from ingest.embedders import EMBEDDERS, Embedder, build_embedder
    from ingest.embedders.sentence_transformers import load_sentence_transformers_model
    from ingest.lexical import tokenize
    from ingest.metadata import CITIES, COUNTIES, OTHER_PLACES, find_regions
    from ingest.models import Chunk, Document, Measure, measure_label
    from ingest.parsing import chinese_to_int
    from ingest.pipeline import IngestReport, expand_paths, ingest_paths, parse_file
    from ingest.settings import EmbedderSettings, IngestSettings, StoreSettings
    from ingest.stopwords import (
        ANSWER_KIND_WORDS,
        FOLLOW_UP_WORDS,
        FUNCTION_WORDS,
        GENERIC_TERMS,
        LEXICAL_STOP_WORDS,
        QUESTION_WORDS,
    )
    from ingest.store import REBUILD_HINT, IndexStore

# name -> the module that defines it, imported on first access.
_LAZY = {
    "normalize_line": "ingest.cleaning",
    "EMBEDDERS": "ingest.embedders",
    "Embedder": "ingest.embedders",
    "build_embedder": "ingest.embedders",
    "load_sentence_transformers_model": "ingest.embedders.sentence_transformers",
    "tokenize": "ingest.lexical",
    "CITIES": "ingest.metadata",
    "COUNTIES": "ingest.metadata",
    "OTHER_PLACES": "ingest.metadata",
    "find_regions": "ingest.metadata",
    "Chunk": "ingest.models",
    "Document": "ingest.models",
    "Measure": "ingest.models",
    "measure_label": "ingest.models",
    "chinese_to_int": "ingest.parsing",
    "IngestReport": "ingest.pipeline",
    "expand_paths": "ingest.pipeline",
    "ingest_paths": "ingest.pipeline",
    "parse_file": "ingest.pipeline",
    "EmbedderSettings": "ingest.settings",
    "IngestSettings": "ingest.settings",
    "StoreSettings": "ingest.settings",
    "ANSWER_KIND_WORDS": "ingest.stopwords",
    "FOLLOW_UP_WORDS": "ingest.stopwords",
    "FUNCTION_WORDS": "ingest.stopwords",
    "GENERIC_TERMS": "ingest.stopwords",
    "LEXICAL_STOP_WORDS": "ingest.stopwords",
    "QUESTION_WORDS": "ingest.stopwords",
    "REBUILD_HINT": "ingest.store",
    "IndexStore": "ingest.store",
}

__all__ = [
    # errors
    "PolicyRagError", "InputError", "UnsupportedFormatError", "EmptyDocumentError", "DecodeError", "TooLargeError",
    "ConfigError", "IndexMismatchError", "IndexNotReadyError", "NotFoundError", "MissingExtraError",
    # the index and its models
    "IndexStore", "REBUILD_HINT", "Chunk", "Document", "Measure", "measure_label",
    # settings, embedders, ingestion
    "IngestSettings", "StoreSettings", "EmbedderSettings", "Embedder", "EMBEDDERS", "build_embedder",
    "load_sentence_transformers_model", "IngestReport", "ingest_paths", "parse_file", "expand_paths",
    # text helpers: tokens, stop words, cleaning, regions, numerals
    "tokenize", "FUNCTION_WORDS", "QUESTION_WORDS", "FOLLOW_UP_WORDS", "ANSWER_KIND_WORDS", "GENERIC_TERMS",
    "LEXICAL_STOP_WORDS", "normalize_line", "find_regions", "CITIES", "COUNTIES", "OTHER_PLACES", "chinese_to_int",
]


def __getattr__(name: str) -> Any:
    """Import the defining module of a public name on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
