"""The corpus and index errors, and the base of the project's tree; each knows its status and whether to retry.

    PolicyRagError (500)
    ├── InputError (422)
    │   ├── UnsupportedFormatError (415)
    │   ├── EmptyDocumentError (422)
    │   ├── DecodeError (422)
    │   └── TooLargeError (413)
    ├── ConfigError (500)
    │   └── IndexMismatchError (409)
    ├── IndexNotReadyError (503, retryable)
    ├── NotFoundError (404)
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
    "ConfigError",
    "IndexMismatchError",
    "IndexNotReadyError",
    "NotFoundError",
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


class ConfigError(PolicyRagError):
    """Settings that contradict each other or name something that does not exist."""


class IndexMismatchError(ConfigError):
    """The index on disk was built with other settings than the current ones."""

    status_code = 409


class IndexNotReadyError(PolicyRagError):
    """The index is empty or not loaded yet."""

    status_code = 503
    retryable = True


class NotFoundError(PolicyRagError):
    """A document or measure that the index does not hold."""

    status_code = 404


class MissingExtraError(PolicyRagError):
    """An optional dependency is not installed; the message names the pip extra."""
