"""API keys and per-key rate limits for the chat and bot endpoints (off when no keys are configured)."""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from service.errors import AuthError, RateLimitError
from service.settings import Settings

__all__ = ["RateLimiter", "require_api_key"]


class RateLimiter:
    """A moving one-minute window per key (the `limits` library, in memory)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, key: str) -> None:
        """Count one request; raise RateLimitError with Retry-After when over the limit."""
        if self._limiter.hit(self._item, key):
            return
        reset = self._limiter.get_window_stats(self._item, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise RateLimitError(f"请求过于频繁：每个 API key 每分钟最多 {self.per_minute} 次，请 {wait} 秒后重试。", wait)


def _presented_key(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key", "").strip()


def require_api_key(request: Request) -> str:
    """The caller's key, checked and counted; '' when the service runs without keys."""
    settings: Settings = request.app.state.settings
    if not settings.api.api_keys:
        return ""
    key = _presented_key(request)
    if not key:
        raise AuthError("缺少 API key：请在请求头中加入 Authorization: Bearer <key>（或 X-API-Key）。")
    if key not in settings.api.api_keys:
        raise AuthError("API key 无效，请检查后重试。")
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(key)
    return key
