"""Parse the citations in a model's answer and verify each sentence against the passages it cites."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from service.answerers.base import REFUSAL, Answer, Passage, Verification, citation_from_chunk

__all__ = [
    "UnverifiedMode",
    "Quantity",
    "verify_answer",
    "is_refusal",
    "split_sentences",
    "extract_quantities",
    "resolve_citation",
]

UnverifiedMode = Literal["drop", "flag"]

_OPENERS = "【[［〔"
_CLOSERS = "】]］〕"
_TERMINATORS = "。！？；!?;"
_MARKER = re.compile(r"[【\[［〔]([^【】\[\]［］〔〕\n]{1,80})[】\]］〕]")
_LEADING_MARKERS = re.compile(r"^\s*((?:[【\[［〔][^【】\[\]［］〔〕\n]{1,80}[】\]］〕]\s*)+)")
_KEY_SEPARATORS = re.compile(r"[,，、;；/]")
_ANSWER_PREFIX = re.compile(r"^\s*(?:回答|答案|答)\s*[:：]\s*")
_LIST_PREFIX = re.compile(r"^\s*(?:\d{1,2}[.、)）](?!\d)|[-*•])\s*")
_SPACES = re.compile(r"\s+")
_HALF_WIDTH = {code: code - 0xFEE0 for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
_HALF_WIDTH.update({ord("％"): ord("%"), ord("．"): ord(".")})

# Longest first so that 兆瓦时 wins over 兆瓦 and 个百分点 over 个.
_UNITS = sorted(
    """兆瓦时 千瓦时 万千瓦 吉瓦 兆瓦 千瓦 瓦 千伏 度 吨 千克 公斤 克 平方公里 平方千米 平方米 立方米 公里 千米 米 亩 公顷
    元 美元 人次 人 名 户 家 个百分点 百分点 个 项 座 所 张 台 辆 套 条 件 次 场 批 栋 处 支 种 类 部 间 床 位 只 头 株 棵
    篇 期 轮 届 级 倍 岁 小时 分钟 天 日 号 周 个月 月 季度 年 % ‰ GW MW kWh kW km""".split(),
    key=len,
    reverse=True,
)
_QUANTITY = re.compile(
    r"(?<![\d.])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>万亿|亿|万|千|百)?(?:余|多)?"
    r"(?P<unit>" + "|".join(re.escape(unit) for unit in _UNITS) + r")?"
)


@dataclass(frozen=True)
class Quantity:
    """A number with its multiplier and unit, e.g. 1.44万人 → (1.44, 万, 人)."""

    text: str
    number: Decimal
    mult: str = ""
    unit: str = ""

    def found_in(self, evidence: Sequence[Quantity]) -> bool:
        """True if a quantity in the evidence has the same value (and unit, when this one names one)."""
        return any(
            other.number == self.number
            and (not self.mult or other.mult == self.mult)
            and (not self.unit or other.unit == self.unit)
            for other in evidence
        )


@dataclass
class _Sentence:
    """One sentence of the answer while it is being checked."""

    text: str
    ends_line: bool = False
    keys: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _squash(text: str) -> str:
    """NFKC (full-width digits, ％, brackets) without any whitespace: the form we compare in."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def _half_width(text: str) -> str:
    """Full-width digits, letters, ％ and ． as ASCII; Chinese punctuation is left alone."""
    return text.translate(_HALF_WIDTH)


def extract_quantities(text: str) -> list[Quantity]:
    """Every Arabic number in the text with its multiplier and unit; ordinals (第46条) are skipped."""
    squashed = _SPACES.sub("", _half_width(text))
    quantities = []
    for match in _QUANTITY.finditer(squashed):
        if match.start() > 0 and squashed[match.start() - 1] == "第":
            continue
        try:
            number = Decimal(match["number"].replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the regex only matches digits
            continue
        quantities.append(Quantity(match.group(0), number, match["mult"] or "", match["unit"] or ""))
    return quantities


def is_refusal(text: str) -> bool:
    """True if the text is (or starts with) the refusal sentence, ignoring spaces and an 「回答：」 prefix."""
    squashed = _squash(_ANSWER_PREFIX.sub("", text))
    return squashed.startswith(_squash(REFUSAL).rstrip("。"))


def resolve_citation(content: str, passages: Sequence[Passage]) -> tuple[list[str], list[str]]:
    """Map the inside of one bracket to passage keys; returns (keys, unknown parts)."""
    by_squashed = {_squash(p.key): p.key for p in passages}
    whole = _squash(content)
    if whole in by_squashed:
        return [by_squashed[whole]], []
    keys: list[str] = []
    unknown: list[str] = []
    for part in _KEY_SEPARATORS.split(content):
        squashed = _squash(part)
        if not squashed:
            continue
        key = _resolve_part(squashed, passages, by_squashed)
        if key is None:
            unknown.append(part.strip())
        elif key not in keys:
            keys.append(key)
    return keys, unknown


def _resolve_part(squashed: str, passages: Sequence[Passage], by_squashed: dict[str, str]) -> str | None:
    """Resolve one label: exact, a 1-based passage number, or an unambiguous partial label."""
    if squashed in by_squashed:
        return by_squashed[squashed]
    if squashed.isdigit():
        index = int(squashed) - 1
        return passages[index].key if 0 <= index < len(passages) else None
    # 【第46条】 for 济源市 第46条, or 【出处：济源市第46条】: accept only when exactly one key fits.
    if any(ch.isdigit() for ch in squashed):
        fits = [key for norm, key in by_squashed.items() if norm.endswith(squashed) or squashed.endswith(norm)]
        if len(fits) == 1:
            return fits[0]
    return None


def split_sentences(text: str) -> list[str]:
    """Split at 。！？；and newlines, keeping brackets whole and moving a citation that follows the
    full stop (「…25兆瓦。【济源市 第46条】」) in front of it."""
    return [sentence.text for sentence in _split(text)]


def _split(text: str) -> list[_Sentence]:
    """Split into sentences that remember whether they ended a line."""
    pieces: list[_Sentence] = []
    buffer: list[str] = []
    depth = 0

    def flush(ends_line: bool) -> None:
        piece = "".join(buffer)
        buffer.clear()
        if piece.strip():
            pieces.append(_Sentence(piece.strip(), ends_line))
        elif ends_line and pieces:
            pieces[-1].ends_line = True

    for ch in text:
        if ch == "\n":
            depth = 0
            flush(ends_line=True)
            continue
        buffer.append(ch)
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif ch in _TERMINATORS and depth == 0:
            flush(ends_line=False)
    flush(ends_line=False)

    sentences: list[_Sentence] = []
    for piece in pieces:
        leading = _LEADING_MARKERS.match(piece.text)
        if leading and sentences and not sentences[-1].ends_line:
            previous = sentences[-1]
            body = previous.text.rstrip(_TERMINATORS)
            stop = previous.text[len(body) :]
            previous.text = body + leading.group(1).strip() + stop
            piece.text = piece.text[leading.end() :].strip()
        if piece.text.strip(_TERMINATORS + " "):
            sentences.append(piece)
        elif sentences:
            sentences[-1].ends_line = sentences[-1].ends_line or piece.ends_line
    return sentences


def _normalise_markers(sentence: _Sentence, passages: Sequence[Passage]) -> str:
    """Rewrite the sentence's markers as 【key】, once per key; record keys and unknown labels."""

    def replace(match: re.Match[str]) -> str:
        keys, unknown = resolve_citation(match.group(1), passages)
        sentence.unknown.extend(unknown)
        fresh = [key for key in keys if key not in sentence.keys]
        sentence.keys.extend(fresh)
        return "".join(f"【{key}】" for key in fresh)

    return _MARKER.sub(replace, sentence.text)


def _missing_quantities(plain: str, evidence: Sequence[Quantity]) -> list[str]:
    """The quantities of a sentence that the evidence does not contain."""
    checked = _LIST_PREFIX.sub("", plain)
    return [q.text for q in extract_quantities(checked) if not q.found_in(evidence)]


def verify_answer(
    raw: str,
    passages: Sequence[Passage],
    *,
    mode: UnverifiedMode = "drop",
    allow_uncited: bool = False,
    backend: str = "",
) -> Answer:
    """Clean a model's raw answer: keep only cited sentences whose numbers occur in the cited passages.

    Unknown (hallucinated) citation labels are removed and reported; a sentence left without a
    citation is dropped unless it is the refusal sentence or `allow_uncited` is set (its numbers are
    then checked against every passage). A sentence with a number absent from its cited passages is
    removed (`mode="drop"`) or kept and reported (`mode="flag"`). `Verification.dropped` holds each
    reported sentence with the reason appended in brackets. If nothing survives, the returned text is
    empty and `refused` is False, so a caller can tell "refused" from "unverifiable".
    """
    if mode not in ("drop", "flag"):
        raise ValueError(f"Unknown on_unverified mode {mode!r}. Choose from: drop, flag")
    text = _half_width(_ANSWER_PREFIX.sub("", raw if isinstance(raw, str) else "")).strip()
    if is_refusal(text):
        return Answer(REFUSAL, [], refused=True, verification=Verification(checked=1), backend=backend)

    by_key = {p.key: p for p in passages}
    evidence = {p.key: extract_quantities(p.chunk.text) for p in passages}
    everything = [q for quantities in evidence.values() for q in quantities]
    refusal = _squash(REFUSAL).rstrip("。")
    kept: list[_Sentence] = []
    dropped: list[str] = []
    checked = refusals = 0
    for sentence in _split(text):
        sentence.text = _normalise_markers(sentence, passages)
        plain = _MARKER.sub("", sentence.text)
        if not _squash(plain).strip(_TERMINATORS + "，,：:、"):
            continue  # a fragment of punctuation or stray brackets
        checked += 1
        for label in sentence.unknown:
            dropped.append(f"【{label}】（出处不存在，已删除）")
        if _squash(plain).rstrip(_TERMINATORS) == refusal:
            sentence.keys.clear()
            sentence.text = plain
            refusals += 1
            kept.append(sentence)
            continue
        if not sentence.keys and not allow_uncited:
            dropped.append(f"{plain}（未标注出处）")
            _carry_line_break(sentence, kept)
            continue
        cited = [q for key in sentence.keys for q in evidence[key]] if sentence.keys else everything
        missing = _missing_quantities(plain, cited)
        if missing:
            reason = "数字不在所引条文中：" + "、".join(missing)
            if mode == "drop":
                dropped.append(f"{sentence.text}（{reason}）")
                _carry_line_break(sentence, kept)
                continue
            dropped.append(f"{sentence.text}（{reason}；已保留）")
        kept.append(sentence)

    verification = Verification(checked=checked, dropped=dropped)
    if kept and refusals == len(kept):
        return Answer(REFUSAL, [], refused=True, verification=verification, backend=backend)
    order: list[str] = []
    for sentence in kept:
        order.extend(key for key in sentence.keys if key not in order)
    cleaned = "".join(s.text + ("\n" if s.ends_line else "") for s in kept).strip()
    return Answer(
        text=cleaned,
        citations=[citation_from_chunk(key, by_key[key].chunk) for key in order],
        refused=False,
        verification=verification,
        backend=backend,
    )


def _carry_line_break(sentence: _Sentence, kept: list[_Sentence]) -> None:
    """Keep paragraph breaks when the sentence that ended a line is dropped."""
    if sentence.ends_line and kept:
        kept[-1].ends_line = True
