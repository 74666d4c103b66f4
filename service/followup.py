"""Rule-based rewriting of follow-up questions (「那郑州呢？」, 「由哪些部门负责？」) into standalone ones.

The conversation's subject is the last user question, itself resolved against the turns before it. A follow-up
keeps that subject and changes one thing: the ask (「由谁负责」), the place (「那开封呢」), the measure number
(「第二条呢」, 「下一条呢」), the year (「那2023年呢」), or asks for more (「还有吗」). A question with a topic
of its own is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest import (
    ANSWER_KIND_WORDS,
    ARTICLE_REF,
    FOLLOW_UP_WORDS,
    FUNCTION_WORDS,
    GENERIC_TERMS,
    QUESTION_WORDS,
    chinese_to_int,
    find_regions,
    mentions,
    tokenize,
)
from service.settings import APISettings

__all__ = ["bounded_history", "rewrite_followup"]

# Connectors and pronouns a follow-up opens with (「那」, 「它」, 「该措施」, 「这项工作」).
_PRONOUN = re.compile(r"^(?:(?:那么|那|还有|另外|它们|它|这个|这条|这项|这些|这|那个|那条|该|上述|其|此)"
                      r"(?:措施|工作|任务|条|项|个|事)?的?)+")
# Asking for more of the same list.
_MORE = re.compile(r"^(还有|其他|其它|别的|其余|另外)"
                   r"(还有|其他|其它|别的|其余|的|吗|呢|么|哪些|什么|措施|内容|条目|做法|要求|呀|啊)*$")
# Ordinal moves: 「下一条」, 「上一条」, 「第二条」.
_STEP = re.compile(r"(下|上|后|前)一?条")
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年")
# The ask a question ends with (「目标是多少」 keeps 「目标」): what a follow-up replaces.
_ASK_TAIL = re.compile(
    r"(由哪(个|些)(单位|部门)负责|由谁负责|谁负责|是什么|是多少|有多少|有哪些.*|讲(了)?什么|讲的是什么|"
    r"什么时候.*|何时.*|怎么.*|如何.*|多少.*|有什么.*|呢|吗)$")
# Words that only say how the follow-up is asked (「换成」, 「有没有」).
_SWAP_WORDS = re.compile(r"换成|换作|改成|如果是|那么|有没有|有吗|怎么样|情况|的")
_STOP = FOLLOW_UP_WORDS | QUESTION_WORDS | FUNCTION_WORDS | ANSWER_KIND_WORDS | GENERIC_TERMS
_OWN_TOPIC_CHARS = 3  # a question whose topic words (past its ask) span this many characters is a new one


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


def _bare(text: str) -> str:
    """The text without surrounding space and final punctuation."""
    return text.strip().rstrip("？?。！!，, ")


def _topic_chars(text: str, regions: Sequence[str]) -> int:
    """How many characters of the text name a topic (not a place, a pronoun or the shape of a question)."""
    words = {t for t in tokenize(text) if t not in _STOP and not _stop_compound(t)
             and not any(t in r for r in regions)}
    return sum(len(w) for w in words if not any(w != o and w in o for o in words))


def _stop_compound(word: str) -> bool:
    """Whether the word is two stop words run together (「具体内容」)."""
    return any(word[:i] in _STOP and word[i:] in _STOP for i in range(1, len(word)))


def _without_regions(text: str) -> str:
    """The text with every place it names removed, as written."""
    for named in sorted(mentions(text), key=lambda m: -m.start):
        text = text[: named.start] + text[named.end:]
    return text


def _subject(previous: str) -> str:
    """The previous question without its final ask: 「济源市储能装机容量目标是多少」 → 「济源市储能装机容量目标」."""
    subject = _ASK_TAIL.sub("", previous)
    return subject if len(subject) >= 2 else previous


def _measure_number(previous: str, answer: str) -> int | None:
    """The measure number the conversation is about: named in the question, else first cited in the answer."""
    for text in (previous, answer):
        found = ARTICLE_REF.search(text)
        if found:
            return chinese_to_int(found.group("num"))
    return None


def _ordinal(q: str, regions: list[str], previous: str, answer: str) -> str | None:
    """「第二条呢」, 「下一条呢」, 「第47条由谁负责」: the same document, another measure."""
    step = _STEP.search(q)
    named = ARTICLE_REF.search(q)
    if regions or (step is None and named is None):
        return None
    ask = _PRONOUN.sub("", (_STEP if named is None else ARTICLE_REF).sub("", q, count=1)).strip("呢吗么的")
    if _topic_chars(_ASK_TAIL.sub("", ask), []) > 0:
        return None
    if named is not None:
        number = chinese_to_int(named.group("num"))
    else:
        current = _measure_number(previous, answer)
        if current is None:
            return None
        number = current + (1 if step and step.group(1) in "下后" else -1)
    if ask:
        return f"{''.join(find_regions(previous))}第{number}条{ask}？"
    if ARTICLE_REF.search(previous):
        return ARTICLE_REF.sub(f"第{number}条", previous, count=1) + "？"
    return f"{''.join(find_regions(previous))}第{number}条讲什么？"


def _year(q: str, previous: str) -> str | None:
    """「那2023年呢」: the previous question about another year."""
    year = _YEAR.search(q)
    if year is None or _topic_chars(_YEAR.sub("", q), []) > 0:
        return None
    if _YEAR.search(previous):
        return _YEAR.sub(year.group(0), previous, count=1) + "？"
    return f"{year.group(0)}{previous}？"


def _place(q: str, regions: list[str], previous: str) -> str | None:
    """「那开封呢」, 「换成郑州呢」, 「安阳有没有」: the previous question about another place."""
    if not regions or _topic_chars(_SWAP_WORDS.sub("", _without_regions(q)), regions) > 0:
        return None
    return f"{''.join(regions)}{_without_regions(previous)}？"


def _new_ask(q: str, regions: list[str], previous: str) -> str | None:
    """「它由谁负责」, 「由哪些部门负责」, 「具体内容是什么」: the previous subject with the new ask."""
    ask = _PRONOUN.sub("", q) or q
    subject = _subject(previous)
    overlap = next((k for k in range(len(ask), 1, -1) if subject.endswith(ask[:k])), 0)  # 「目标」+「目标是多少」
    if regions or (_topic_chars(_ASK_TAIL.sub("", ask), []) >= _OWN_TOPIC_CHARS and not _PRONOUN.match(q)):
        return None
    return f"{subject}{ask[overlap:]}？"


def _resolve(question: str, previous: str, answer: str) -> str:
    """One follow-up against the standalone previous question and the answer given to it."""
    q = _bare(question)
    prev = _bare(previous)
    if not q or not prev:
        return question
    if _MORE.match(q):
        return f"{_subject(prev)}还有哪些？"
    regions = find_regions(q)
    for rewritten in (_ordinal(q, regions, prev, answer), _year(q, prev), _place(q, regions, prev),
                      _new_ask(q, regions, prev)):
        if rewritten is not None:
            return rewritten
    return question


def rewrite_followup(question: str, history: Sequence[dict[str, str]], settings: APISettings) -> str:
    """A standalone question: each user turn is resolved against the one before, then this one against the last."""
    previous, answer = "", ""
    for turn in bounded_history(history, settings):
        if turn["role"] == "user":
            previous = _resolve(turn["content"], previous, answer) if previous else turn["content"]
            answer = ""
        else:
            answer = turn["content"]
    return _resolve(question, previous, answer) if previous else question
