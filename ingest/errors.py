"""The project's exception tree; every class knows its HTTP status and whether a retry may help.

    PolicyRagError (500)
    ├── InputError (422)
    │   ├── UnsupportedFormatError (415)
    │   ├── EmptyDocumentError (422)
    │   ├── DecodeError (422)
    │   ├── CorruptFileError (422)
    │   ├── NoTextLayerError (422)
    │   ├── EncryptedFileError (422)
    │   ├── InvalidMetadataError (422)
    │   ├── TooLargeError (413)
    │   └── DocumentExistsError (409)
    ├── ConfigError (500)
    │   └── IndexMismatchError (409)
    ├── IndexNotReadyError (503)
    ├── StoreUnavailableError (503, retryable)
    ├── IndexBusyError (409, retryable)
    ├── NotFoundError (404)
    ├── AuthError (401)
    ├── RateLimitError (429, retryable)
    ├── BackendError (502, retryable)
    │   ├── BackendTimeoutError (504, retryable)
    │   └── EmbedderUnavailableError (503, retryable)
    └── MissingExtraError (500)
"""

from __future__ import annotations

__all__ = [
    "PolicyRagError",
    "InputError",
    "UnsupportedFormatError",
    "EmptyDocumentError",
    "DecodeError",
    "TooLargeError",
    "CorruptFileError",
    "NoTextLayerError",
    "EncryptedFileError",
    "InvalidMetadataError",
    "DocumentExistsError",
    "ConfigError",
    "IndexMismatchError",
    "IndexNotReadyError",
    "StoreUnavailableError",
    "IndexBusyError",
    "NotFoundError",
    "AuthError",
    "RateLimitError",
    "BackendError",
    "BackendTimeoutError",
    "EmbedderUnavailableError",
    "MissingExtraError",
]


class PolicyRagError(Exception):
    """Base of every error this project raises on purpose."""

    status_code: int = 500
    retryable: bool = False


class InputError(PolicyRagError):
    """The caller gave something we cannot use."""

    status_code = 422


class UnsupportedFormatError(InputError):
    """A file type we do not read."""

    status_code = 415


class EmptyDocumentError(InputError):
    """A file with no usable text."""


class DecodeError(InputError):
    """A file that is binary or in an encoding we cannot detect."""


class TooLargeError(InputError):
    """A file or request over the configured size limit."""

    status_code = 413


class CorruptFileError(InputError):
    """A file that is damaged or is not what its name says (junk renamed .pdf, a .docx that is no zip)."""


class NoTextLayerError(InputError):
    """A PDF without extractable text: a scanned image that needs OCR first."""


class EncryptedFileError(InputError):
    """A password-protected file we cannot open."""


class InvalidMetadataError(InputError):
    """A sidecar .meta.json or markdown front matter that is malformed or names unknown fields."""


class DocumentExistsError(InputError):
    """An upload would overwrite a document that is already indexed."""

    status_code = 409


class ConfigError(PolicyRagError):
    """Settings that contradict each other or name something that does not exist."""


class IndexMismatchError(ConfigError):
    """The index on disk was built with other settings than the current ones."""

    status_code = 409


class IndexNotReadyError(PolicyRagError):
    """The index is empty or not loaded yet."""

    status_code = 503
    retryable = True


class StoreUnavailableError(PolicyRagError):
    """The index store (a chromadb server) cannot be reached; the message names it."""

    status_code = 503
    retryable = True
    retry_after = 2


class IndexBusyError(PolicyRagError):
    """Another writer holds the index; the message names it."""

    status_code = 409
    retryable = True


class NotFoundError(PolicyRagError):
    """A document or measure that the index does not hold."""

    status_code = 404


class AuthError(PolicyRagError):
    """A missing or wrong API key."""

    status_code = 401


class RateLimitError(PolicyRagError):
    """Too many requests for one key; `retry_after` says how many seconds to wait."""

    status_code = 429
    retryable = True

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BackendError(PolicyRagError):
    """A model backend (LLM, embedder server) failed."""

    status_code = 502
    retryable = True


class BackendTimeoutError(BackendError):
    """A model backend did not answer in time."""

    status_code = 504


class EmbedderUnavailableError(BackendError):
    """The embedding server is down, unreachable or overloaded; searching and indexing wait for it."""

    status_code = 503


class MissingExtraError(PolicyRagError):
    """An optional dependency is not installed; the message names the pip extra."""
