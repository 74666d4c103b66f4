"""Responsible and lead units of a measure, in the forms documents print them.

- a closing parenthesis 「（X牵头，Y、Z按职责分工负责）」 (today's measure lists);
- a parenthesis inside the measure 「…（X牵头，Y配合），…」, one per task;
- labels 「牵头单位：X；责任单位：Y、Z」, 「配合单位：…」, 「参加单位：…」, on the last line or their own line.
Lead units (牵头) are kept apart; the responsible units list the leads first, then the others.
"""

from __future__ import annotations

import re

__all__ = ["responsibility", "split_units", "column_role", "task_line"]

# A parenthesis, allowing one level of nesting: 「自然资源和规划局（林业局）」.
_PAREN = re.compile(r"（((?:[^（）]|（[^（）]*）)*)）")
_CLOSING = re.compile(_PAREN.pattern + r"\s*$")
_LEAD_ROLE = "牵头"
_OTHER_ROLES = r"按职责分工负责|分工负责|共同负责|负责|配合|参与|参加|协助|协同"
_ROLE_TAIL = re.compile(rf"({_LEAD_ROLE}|{_OTHER_ROLES})+$")
_CLAUSE = re.compile(r"[，,；;]")
_LABEL = re.compile(
    r"(?P<role>牵头单位|牵头部门|责任单位|责任部门|主责单位|配合单位|配合部门|参加单位|参与单位|协办单位|协助单位)"
    r"[：:]\s*(?P<units>(?:[^；;。\n（）：:]|（[^（）]*）)+)"
)
_ETC = re.compile(r"(等相关单位|等相关部门|等单位|等部门|等)$")
_LEAD_NOTE = re.compile(r"[（(]牵头[）)]$")


def split_units(text: str) -> list[str]:
    """「A、B及C」 → [A, B, C], without 「等相关单位」 tails."""
    units = []
    for part in re.split(r"[、，,]|及(?=[\u4e00-\u9fff]{2,})", text):
        part = _ETC.sub("", part.strip().removeprefix("由"))
        if part and part not in units:
            units.append(part)
    return units


def _roles(content: str, *, strict: bool) -> tuple[list[str], list[str]] | None:
    """(leads, others) of 「X牵头，Y、Z按职责分工负责」; strict: every clause must end with a role."""
    content = content.split("。", 1)[0]
    if not _ROLE_TAIL.search(content):
        return None
    leads: list[str] = []
    others: list[str] = []
    pending = ""
    for clause in _CLAUSE.split(content):
        pending = f"{pending}、{clause}" if pending else clause
        m = _ROLE_TAIL.search(pending)
        if not m:
            continue
        names = split_units(pending[:m.start()])
        (leads if _LEAD_ROLE in m.group() else others).extend(names)
        pending = ""
    if pending and strict:
        return None
    if strict and any(len(u) > 20 for u in leads + others):
        return None  # a sentence, not a list of units
    return leads, others


def _labelled(text: str) -> tuple[list[str], list[str]] | None:
    """(leads, others) from 「牵头单位：…；责任单位：…」 labels."""
    leads: list[str] = []
    others: list[str] = []
    found = False
    for m in _LABEL.finditer(text):
        found = True
        for unit in split_units(m.group("units")):
            if m.group("role").startswith(("牵头", "主责")) or _LEAD_NOTE.search(unit):
                leads.append(_LEAD_NOTE.sub("", unit))
            else:
                others.append(unit)
    return (leads, others) if found else None


def _merge(leads: list[str], others: list[str]) -> tuple[list[str], list[str]]:
    leads = list(dict.fromkeys(leads))
    return leads + [u for u in dict.fromkeys(others) if u not in leads], leads


def responsibility(measure_text: str, *, labels_only: bool = False) -> tuple[list[str], list[str]]:
    """(responsible_units, lead_units) of a measure; the leads come first among the responsible.

    `labels_only` reads only 「责任单位：…」 labels (for a section's unit, whose parentheses may note who does what
    in passing)."""
    text = measure_text.rstrip("。； \n")
    labelled = _labelled(text)
    if labelled:
        return _merge(*labelled)
    if labels_only:
        return [], []
    closing = _CLOSING.search(text)
    leads: list[str] = []
    others: list[str] = []
    for m in _PAREN.finditer(text):  # one parenthesis per task inside the measure, the last one lenient
        is_last = closing is not None and m.start() == closing.start()
        roles = _roles(m.group(1), strict=not is_last)
        if roles:
            leads.extend(roles[0])
            others.extend(roles[1])
    return _merge(leads, others)


# The header of a task-division table's column of units (任务分工表: 牵头单位 | 责任单位 | 配合单位 | 指导部门).
_UNIT_COLUMN = re.compile(r"(?:单位|部门|处室|科室)$|^(?:牵头|责任|配合|协办|参与)")
_LEAD_COLUMN = re.compile(r"牵头|主责")
_HELP_COLUMN = re.compile(r"配合|协办|协助|参与|参加")
_NUMBER_COLUMN = re.compile(r"^(?:序号|编号|序)$")


def column_role(header: str) -> str:
    """What a task table's column holds, from its header: 牵头单位, 配合单位 or 责任单位 (the label
    `responsibility` reads), "number" for 序号, else "" (the task's words)."""
    header = re.sub(r"\s+", "", header)
    if _NUMBER_COLUMN.match(header):
        return "number"
    if not _UNIT_COLUMN.search(header) or len(header) > 8:
        return ""
    if _LEAD_COLUMN.search(header):
        return "牵头单位"
    return "配合单位" if _HELP_COLUMN.search(header) else "责任单位"


def task_line(roles: list[str], cells: list[str]) -> str:
    """One row of a task-division table as a measure line: 「3.任务…。牵头单位：X；配合单位：Y」."""
    number = next((c for r, c in zip(roles, cells) if r == "number" and c.isdigit()), "")
    words = [c for r, c in zip(roles, cells) if not r and c]
    task = "".join(w if w.endswith(("。", "；", "：", "！", "？")) else w + "。" for w in words).rstrip("。")
    labels = "；".join(f"{r}：{c}" for r, c in zip(roles, cells) if r not in ("", "number") and c)
    line = f"{number}.{task}" if number else task
    return f"{line}。{labels}" if labels else line
