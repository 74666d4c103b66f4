"""Rule-based rewriting of follow-up questions (「那郑州呢？」, 「它由谁负责？」) into standalone ones."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import FOLLOW_UP_WORDS, find_regions, mentions, tokenize
from service.settings import APISettings

__all__ = ["bounded_history", "rewrite_followup"]

_PRONOUN = re.compile(r"^(那|它|它们|这|这个|这条|这项|该|上述|其|那么|还有)")
_MORE = re.compile(r"还有(其他|别的|吗|呢)|其他的?(呢|吗)|还有哪些")


def bounded_history(history: Sequence[dict[str, str]], settings: APISettings) -> list[dict[str, str]]:
    """The last `history_turns` turns, cut to `history_chars` characters, newest kept."""
    turns = [h for h in history if h.get("role") in ("user", "assistant") and h.get("content")]
    turns = turns[-settings.history_turns * 2:] if settings.history_turns else []
    out: list[dict[str, str]] = []
    used = 0
    for turn in reversed(turns):
        used += len(turn["content"])
        if used > settings.history_chars:
            break
        out.append(turn)
    return list(reversed(out))


def rewrite_followup(question: str, history: Sequence[dict[str, str]], settings: APISettings) -> str:
    """A standalone question: carry over the region, topic or measure of the previous user turn."""
    turns = bounded_history(history, settings)
    previous = next((t["content"] for t in reversed(turns) if t["role"] == "user"), "")
    if not previous:
        return question
    q = question.strip().rstrip("？?。")
    regions = find_regions(q)
    topic = [t for t in tokenize(q) if t not in FOLLOW_UP_WORDS and not any(t in r for r in regions)]
    if _MORE.search(q):
        return f"{previous.rstrip('？?。')}还有哪些？"
    if regions and len(topic) <= 1:  # 「那郑州呢？」: the previous question about another place
        base = previous.rstrip("？?。")
        for named in sorted(mentions(base), key=lambda m: -m.start):  # drop the previous places as written
            base = base[: named.start] + base[named.end:]
        return f"{''.join(regions)}{base}？"
    if not regions and (_PRONOUN.match(q) or len(topic) <= 2):  # 「它由谁负责？」
        return f"{previous.rstrip('？?。')}，{q}？"
    return question
