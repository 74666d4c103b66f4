"""Corpus model and index: loading, parsing documents into measures, embedding and storing them.

This module is the public surface that `service/` and `eval/` use; everything else is internal. Errors are
imported eagerly (they are tiny); the rest loads on first use, so `import ingest` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ingest.errors import __all__ as _ERROR_NAMES
from ingest.errors import (
    ConfigError,
    CorruptFileError,
    DecodeError,
    DocumentExistsError,
    EmbedderError,
    EmbedderTimeoutError,
    EmbedderUnavailableError,
    EmptyDocumentError,
    EncryptedFileError,
    IndexBusyError,
    IndexMismatchError,
    IndexNotReadyError,
    InputError,
    InvalidMetadataError,
    MissingExtraError,
    NoTextLayerError,
    NotFoundError,
    PolicyRagError,
    StoreUnavailableError,
    TooLargeError,
    UnsupportedFormatError,
)

if TYPE_CHECKING:
    from ingest.cleaning import normalize_line
    from ingest.formats import SUPPORTED_SUFFIXES, sniff_suffix
    from ingest.chunking import join_windows
    from ingest.metadata import NATIONAL, document_genre, strip_byline
    from ingest.lifecycle import LIFECYCLE_FIELDS, REPEALED, stated_term
    from ingest.memory import release_freed_memory
    from ingest.gazetteer import find_regions, is_place_name, mentions, region_matches, region_path
    from ingest.index.embedders import EMBEDDERS, Embedder, build_embedder
    from ingest.index.embedders.sentence_transformers import load_sentence_transformers_model
    from ingest.index.catalog import ChunkCatalog, chunk_region_path
    from ingest.index.lexical import LexicalIndex, tokenize
    from ingest.index.store import REBUILD_HINT, IndexStore, open_store, destroy_store
    from ingest.models import Chunk, Document, Measure, measure_label
    from ingest.numbering import ARTICLE_REF, KEY_TASK_REF, chinese_to_int, strip_marker
    from ingest.pipeline import IngestReport, expand_paths, ingest_paths, parse_file, window_chars
    from ingest.settings import EmbedderSettings, IngestSettings, StoreSettings
    from ingest.script import index_form, is_traditional
    from ingest.stopwords import ANSWER_KIND_WORDS, FOLLOW_UP_WORDS, FUNCTION_WORDS, GENERIC_TERMS, LEXICAL_STOP_WORDS, QUESTION_WORDS, VALUE_KIND_WORDS

# name -> the module that defines it, imported on first access.
_LAZY = {
    "normalize_line": "ingest.cleaning",
    "document_genre": "ingest.metadata",
    "join_windows": "ingest.chunking",
    "NATIONAL": "ingest.metadata",
    "strip_byline": "ingest.metadata",
    "LIFECYCLE_FIELDS": "ingest.lifecycle",
    "REPEALED": "ingest.lifecycle",
    "stated_term": "ingest.lifecycle",
    "release_freed_memory": "ingest.memory",
    "SUPPORTED_SUFFIXES": "ingest.formats",
    "sniff_suffix": "ingest.formats",
    "find_regions": "ingest.gazetteer",
    "is_place_name": "ingest.gazetteer",
    "mentions": "ingest.gazetteer",
    "region_matches": "ingest.gazetteer",
    "region_path": "ingest.gazetteer",
    "EMBEDDERS": "ingest.index.embedders",
    "Embedder": "ingest.index.embedders",
    "build_embedder": "ingest.index.embedders",
    "load_sentence_transformers_model": "ingest.index.embedders.sentence_transformers",
    "ChunkCatalog": "ingest.index.catalog",
    "chunk_region_path": "ingest.index.catalog",
    "LexicalIndex": "ingest.index.lexical",
    "tokenize": "ingest.index.lexical",
    "REBUILD_HINT": "ingest.index.store",
    "IndexStore": "ingest.index.store",
    "open_store": "ingest.index.store",
    "destroy_store": "ingest.index.store",
    "Chunk": "ingest.models",
    "Document": "ingest.models",
    "Measure": "ingest.models",
    "measure_label": "ingest.models",
    "ARTICLE_REF": "ingest.numbering",
    "KEY_TASK_REF": "ingest.numbering",
    "chinese_to_int": "ingest.numbering",
    "strip_marker": "ingest.numbering",
    "IngestReport": "ingest.pipeline",
    "expand_paths": "ingest.pipeline",
    "ingest_paths": "ingest.pipeline",
    "parse_file": "ingest.pipeline",
    "window_chars": "ingest.pipeline",
    "EmbedderSettings": "ingest.settings",
    "IngestSettings": "ingest.settings",
    "StoreSettings": "ingest.settings",
    "index_form": "ingest.script",
    "is_traditional": "ingest.script",
    "ANSWER_KIND_WORDS": "ingest.stopwords",
    "FOLLOW_UP_WORDS": "ingest.stopwords",
    "FUNCTION_WORDS": "ingest.stopwords",
    "GENERIC_TERMS": "ingest.stopwords",
    "LEXICAL_STOP_WORDS": "ingest.stopwords",
    "QUESTION_WORDS": "ingest.stopwords",
    "VALUE_KIND_WORDS": "ingest.stopwords",
}

__all__ = [*_ERROR_NAMES, *_LAZY]  # the errors, then everything else (loaded on first use)


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
