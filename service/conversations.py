"""Server-side conversation history for the helpdesk bot: bounded per conversation, expiring, LRU-capped."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = ["ConversationStore"]


@dataclass
class _Conversation:
    turns: list[dict[str, str]] = field(default_factory=list)
    touched: float = 0.0


class ConversationStore:
    """Keeps the last `max_turns` user/assistant pairs of each conversation for `ttl` seconds."""

    def __init__(self, max_turns: int = 6, ttl: float = 3600.0, max_conversations: int = 10_000) -> None:
        self.max_turns = max_turns
        self.ttl = ttl
        self.max_conversations = max_conversations
        self._items: OrderedDict[str, _Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, conversation_id: str, now: float | None = None) -> list[dict[str, str]]:
        """The turns so far (empty when new or expired)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            conv = self._items.get(conversation_id)
            if conv is None or now - conv.touched > self.ttl:
                self._items.pop(conversation_id, None)
                return []
            return list(conv.turns)

    def append(self, conversation_id: str, question: str, answer: str, now: float | None = None) -> None:
        """Record one exchange, dropping the oldest turns and conversations beyond the bounds."""
        now = time.monotonic() if now is None else now
        with self._lock:
            conv = self._items.pop(conversation_id, None)
            if conv is None or now - conv.touched > self.ttl:
                conv = _Conversation()
            conv.turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            conv.turns = conv.turns[-2 * self.max_turns:] if self.max_turns else []
            conv.touched = now
            self._items[conversation_id] = conv
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
