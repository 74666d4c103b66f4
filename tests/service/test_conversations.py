"""The bot's conversation store and the rate limiter: bounds, expiry, windows."""

from __future__ import annotations

import pytest
import time_machine

from service.api.security import RateLimiter
from service.conversations import ConversationStore
from service.errors import RateLimitError


def test_history_is_bounded_and_expires() -> None:
    store = ConversationStore(max_turns=2, ttl=100, max_conversations=2)
    for n in range(3):
        store.append("a", f"q{n}", f"a{n}", now=float(n))
    assert [t["content"] for t in store.history("a", now=3.0)] == ["q1", "a1", "q2", "a2"]
    assert store.history("a", now=200.0) == []  # expired
    store.append("b", "q", "a", now=1.0)
    store.append("c", "q", "a", now=2.0)
    store.append("d", "q", "a", now=3.0)
    assert len(store) == 2 and store.history("b", now=4.0) == []  # least recently used dropped


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(per_minute=2)
    with time_machine.travel(1_800_000_000.0, tick=False) as clock:  # the limits library reads the wall clock
        limiter.check("k")  # t = 0
        clock.shift(1.0)
        limiter.check("k")  # t = 1
        clock.shift(1.0)
        with pytest.raises(RateLimitError) as err:
            limiter.check("k")  # t = 2
        assert err.value.retry_after == 58 and err.value.status_code == 429
        limiter.check("other")  # keys are counted apart
        clock.shift(58.5)
        limiter.check("k")  # t = 60.5: the first hit left the window
