"""The corpus and index errors, and the base of the project's tree; each knows its status and whether to retry.

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
    ├── IndexNotReadyError (503, retryable)
    ├── StoreUnavailableError (503, retryable)
    ├── IndexBusyError (409, retryable)
    ├── NotFoundError (404)
    ├── EmbedderError (502, retryable)
    │   ├── EmbedderTimeoutError (503, retryable)
    │   └── EmbedderUnavailableError (503, retryable)
    ├── MissingExtraError (500)
    └── … the service's own errors (service/errors.py: AuthError, RateLimitError, BackendError)

The status is data, not HTTP: only service/api/errors.py turns an error into a response.
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
    "EmbedderError",
    "EmbedderTimeoutError",
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
    """The index store (a chromadb server, or a folder held by another process) cannot be used now."""

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


class EmbedderError(PolicyRagError):
    """An embedding server failed or answered with something unusable."""

    status_code = 502
    retryable = True


class EmbedderTimeoutError(EmbedderError):
    """An embedding server did not answer in time (hung or overloaded): like a server that is away, a 503."""

    status_code = 503
    retry_after = 2


class EmbedderUnavailableError(EmbedderError):
    """The embedding server is down, unreachable or overloaded; searching and indexing wait for it."""

    status_code = 503


class MissingExtraError(PolicyRagError):
    """An optional dependency is not installed; the message names the pip extra."""
