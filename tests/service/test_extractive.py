"""The extractive answerer's clause picker on bodies that are only punctuation or start with it."""

from __future__ import annotations

import pytest

from service.answerers.extractive import best_clause


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("。", ""),
        ("！？", ""),
        ("；。派出医护人员100名。", "派出医护人员100名"),
    ],
)
def test_best_clause_skips_sentences_without_clauses(body: str, expected: str) -> None:
    assert best_clause(body, ["医护人员"], want_number=True) == expected
