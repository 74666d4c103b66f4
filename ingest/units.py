"""Responsible and lead units from a measure's closing parenthesis 「（X牵头，Y、Z按职责分工负责）」."""

from __future__ import annotations

import re

__all__ = ["responsibility", "split_units"]

# The last parenthesis of a measure, allowing one level of nesting: 「自然资源和规划局（林业局）」.
_CLOSING = re.compile(r"（((?:[^（）]|（[^（）]*）)*)）\s*$")
_DUTY_TAIL = re.compile(r"(按职责分工)?负责")
_ETC = re.compile(r"(等相关单位|等相关部门|等单位|等部门|等)$")


def split_units(text: str) -> list[str]:
    """「A、B及C」 → [A, B, C], without 「等相关单位」 tails."""
    units = []
    for part in re.split(r"[、，,]|及(?=[\u4e00-\u9fff]{2,})", text):
        part = _ETC.sub("", part.strip())
        if part and part not in units:
            units.append(part)
    return units


def responsibility(measure_text: str) -> tuple[list[str], list[str]]:
    """(responsible_units, lead_units) of a measure; the leads come first among the responsible."""
    m = _CLOSING.search(measure_text.rstrip("。； "))
    if not m:
        return [], []
    content = m.group(1).split("。", 1)[0]
    if "负责" not in content and "牵头" not in content:
        return [], []
    leads: list[str] = []
    if "牵头" in content:
        lead_part, content = content.split("牵头", 1)
        leads = split_units(lead_part)
        content = content.lstrip("，,、")
    while _DUTY_TAIL.search(content):
        content = _DUTY_TAIL.sub("", content)
    others = split_units(content)
    responsible = leads + [u for u in others if u not in leads]
    return responsible, leads
