"""The service's errors: callers and model backends; subclasses of the tree drawn in ingest/errors.py.

    PolicyRagError (500, ingest/errors.py)
    ├── AuthError (401)
    ├── RateLimitError (429, retryable)
    └── BackendError (502, retryable)
        └── BackendTimeoutError (504, retryable)

The status is data, not HTTP: only service/api/errors.py turns an error into a response.
"""

from __future__ import annotations

from ingest import PolicyRagError

__all__ = ["AuthError", "RateLimitError", "BackendError", "BackendTimeoutError"]


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
    """A model backend (an LLM server or the in-process model) failed."""

    status_code = 502
    retryable = True


class BackendTimeoutError(BackendError):
    """A model backend did not answer in time."""

    status_code = 504
