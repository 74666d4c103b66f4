"""Prompt templates loaded from `prompts/`, rendered with named placeholders."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ingest import ConfigError
from service.answerers.base import Passage

__all__ = ["PROMPTS_DIR", "PromptTemplate", "load_prompt", "format_passages"]

# The top-level `prompts` package: the repository's prompts/ folder, or its installed copy inside a wheel.
PROMPTS_DIR = Path(str(files("prompts")))

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt file's text and the placeholders it expects."""

    name: str
    text: str

    @property
    def variables(self) -> frozenset[str]:
        """The names of the `{placeholders}` in the template."""
        return _placeholders(self.name, self.text)

    def render(self, **values: object) -> str:
        """Fill every placeholder; a missing or unknown variable is a `ConfigError`."""
        expected = self.variables
        missing = sorted(expected - values.keys())
        if missing:
            raise ConfigError(
                f"Prompt '{self.name}' needs variable(s) {', '.join(missing)}; "
                f"pass them to render() (expected: {', '.join(sorted(expected))})."
            )
        extra = sorted(values.keys() - expected)
        if extra:
            raise ConfigError(
                f"Prompt '{self.name}' has no placeholder for {', '.join(extra)}; "
                f"add {{{extra[0]}}} to prompts/{self.name}.txt or stop passing it."
            )
        return self.text.format(**values)


def _placeholders(name: str, text: str) -> frozenset[str]:
    """Parse the placeholder names, rejecting positional or malformed fields."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as exc:
        raise ConfigError(f"Prompt '{name}' is not a valid template ({exc}); write literal braces as {{{{ }}}}.") from exc
    bad = [field for field in fields if not field.isidentifier()]
    if bad:
        raise ConfigError(f"Prompt '{name}' has placeholder(s) {bad!r}; use named ones like {{question}}.")
    return frozenset(fields)


def load_prompt(name: str, prompts_dir: Path | str | None = None) -> PromptTemplate:
    """Read `prompts/<name>.txt` (or `<prompts_dir>/<name>.txt`) into a template."""
    folder = Path(prompts_dir) if prompts_dir is not None else PROMPTS_DIR
    path = folder / f"{name}.txt"
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in folder.glob("*.txt"))) or "none"
        raise ConfigError(f"Prompt file {path} does not exist. Available prompts in {folder}: {available}.")
    text = path.read_text(encoding="utf-8")
    template = PromptTemplate(name=name, text=text)
    template.variables  # noqa: B018 - validate placeholders when loading, not at first use
    return template


def format_passages(passages: Sequence[Passage]) -> str:
    """Number the passages with their citation labels, one per line: [1] 【label】 text."""
    lines = []
    for number, passage in enumerate(passages, start=1):
        text = _WHITESPACE.sub(" ", passage.chunk.text).strip()
        lines.append(f"[{number}] 【{passage.key}】 {text}")
    return "\n".join(lines)
