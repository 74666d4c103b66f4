"""Server-side conversation history for the helpdesk bot: bounded per conversation, expiring, LRU-capped."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

__all__ = ["ConversationStore"]


class ConversationStore:
    """Keeps the last `max_turns` user/assistant pairs of each conversation for `ttl` seconds."""

    def __init__(self, max_turns: int = 6, ttl: float = 3600.0, max_conversations: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_turns = max_turns
        self._clock = clock
        self._now: float | None = None  # a caller-supplied clock reading (tests): it stands until the next one
        self._items: TTLCache[str, list[dict[str, str]]] = TTLCache(max_conversations, ttl, timer=self._time)
        self._lock = threading.Lock()

    def _time(self) -> float:
        return self._clock() if self._now is None else self._now

    def history(self, conversation_id: str, now: float | None = None) -> list[dict[str, str]]:
        """The turns so far (empty when new or expired)."""
        with self._lock:
            self._now = now if now is not None else self._now
            self._items.expire()
            return list(self._items.get(conversation_id, []))

    def append(self, conversation_id: str, question: str, answer: str, now: float | None = None) -> None:
        """Record one exchange, dropping the oldest turns and, beyond the cap, the least recently used conversation."""
        with self._lock:
            self._now = now if now is not None else self._now
            turns = self._items.pop(conversation_id, [])  # re-inserted: fresh expiry, most recently used
            turns = [*turns, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            self._items[conversation_id] = turns[-2 * self.max_turns:] if self.max_turns else []

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
