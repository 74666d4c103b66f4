"""Tests of the prompt loader: rendering, missing and unknown variables, the passage list."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import ConfigError
from service.answerers.base import REFUSAL, Passage
from service.answerers.prompting import PROMPTS_DIR, format_passages, load_prompt


def test_prompts_folder_is_found_from_the_package() -> None:
    assert (PROMPTS_DIR / "answer.zh.txt").is_file()


def test_answer_prompt_renders_every_placeholder(passages: list[Passage]) -> None:
    prompt = load_prompt("answer.zh")

    text = prompt.render(question="济源市储能装机目标是多少？", passages=format_passages(passages), refusal=REFUSAL)

    assert prompt.variables == {"question", "passages", "refusal"}
    assert "济源市储能装机目标是多少？" in text
    assert "[1] 【济源市 第46条】 46.能源新能源产业" in text
    assert "[3] 【郑州市 第12条】" in text
    assert REFUSAL in text
    assert "{" not in text and "}" not in text


def test_condense_prompt_renders() -> None:
    text = load_prompt("condense.zh").render(history="用户：济源市储能目标是多少？", question="郑州呢？")

    assert "用户：济源市储能目标是多少？" in text
    assert "郑州呢？" in text


def test_missing_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="needs variable\\(s\\) refusal"):
        load_prompt("answer.zh").render(question="q", passages="p")


def test_extra_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="no placeholder for region"):
        load_prompt("answer.zh").render(question="q", passages="p", refusal=REFUSAL, region="济源市")


def test_values_with_braces_are_inserted_literally(tmp_path: Path) -> None:
    (tmp_path / "echo.txt").write_text("问：{question}", encoding="utf-8")

    assert load_prompt("echo", tmp_path).render(question="{passages}") == "问：{passages}"


def test_missing_prompt_file_lists_the_available_ones(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("x", encoding="utf-8")

    with pytest.raises(ConfigError, match="Available prompts in .*: other"):
        load_prompt("answer.zh", tmp_path)


@pytest.mark.parametrize("template", ["位置参数 {}", "属性 {question.text}", "未闭合 {question"])
def test_malformed_templates_fail_when_loaded(tmp_path: Path, template: str) -> None:
    (tmp_path / "bad.txt").write_text(template, encoding="utf-8")

    with pytest.raises(ConfigError, match="Prompt 'bad'"):
        load_prompt("bad", tmp_path)


def test_format_passages_one_line_each(make_passage) -> None:  # type: ignore[no-untyped-def]
    lines = format_passages([make_passage("济源市 第46条", "46.能源\n新能源  产业。"), make_passage("济源市 第47条", "47.就业。")])

    assert lines == "[1] 【济源市 第46条】 46.能源 新能源 产业。\n[2] 【济源市 第47条】 47.就业。"
