"""Evaluation reports: report.json, report.md with presets side by side, and PNG charts when matplotlib is installed."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import mean
from eval.runner import EvalReport, PresetReport, QuestionResult

__all__ = ["TABLES", "MAIN_METRICS", "format_value", "format_table", "main_table", "stricter_rows", "stricter_table",
           "EVIDENCE_RANK_FIGURES", "evidence_rank_rows", "evidence_rank_table", "further_tables", "write_report"]

# Metric groups, each one table with the presets as columns.
TABLES: dict[str, list[str]] = {
    "Retrieval (answerable questions)": ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"],
    "Equal context budget": ["context_chars", "recall@budget"],
    "Answers (answerable questions)": ["key_fact", "citation_precision", "citation_recall"],
    "Refusal (all questions; unanswerable is the positive class)": [
        "refusal_precision", "refusal_recall", "refusal_f1", "false_refusal_rate"],
    "Latency (ms, per question)": ["p50_total_ms", "p95_total_ms"],
}
MAIN_METRICS: list[str] = [name for names in TABLES.values() for name in names]
_FAILURES_SHOWN = 3  # results listed per failure


def format_value(name: str, value: float | None) -> str:
    """A metric as the tables print it: ratios with 3 decimals, characters and milliseconds rounded."""
    if value is None:
        return "—"
    if name == "context_chars":
        return f"{value:.0f}"
    if name.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.3f}"


def format_table(rows: Sequence[Sequence[str]], *, markdown: bool) -> str:
    """Rows of cells (the first row is the header) as a Markdown table or aligned plain text."""
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join("---" for _ in rows[0]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows[1:]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))).rstrip() for row in rows)


def _metric_rows(report: EvalReport, names: Sequence[str]) -> list[list[str]]:
    presets = list(report.presets)
    rows = [["metric", *presets]]
    for name in names:
        if any(name in p.metrics for p in report.presets.values()):
            rows.append([name, *(format_value(name, report.presets[p].metrics.get(name)) for p in presets)])
    return rows


def main_table(report: EvalReport) -> str:
    """The summary table printed by `python -m eval run`: every main metric, presets side by side."""
    return format_table(_metric_rows(report, MAIN_METRICS), markdown=False)


_STRICTER = ("key_fact", "citation_precision", "false_refusal_rate", "refusal_recall", "refusal_precision")


def stricter_rows(preset: PresetReport) -> list[list[str]]:
    """A preset's `stricter_gate` figures, one row per threshold."""
    return [["min_answerability", *_STRICTER]] + [[f"{row['threshold']:.2f}", *(format_value(n, row[n])
                                                                                for n in _STRICTER)]
                                                  for row in preset.stricter_gate]


EVIDENCE_RANK_FIGURES = ("key_fact", "citation_precision", "false_refusal_rate")  # of each `by_evidence_rank` row


def evidence_rank_rows(preset: PresetReport) -> list[list[str]]:
    """A preset's `by_evidence_rank` figures, one row per place of the evidence."""
    return [["evidence ranked", "questions", *EVIDENCE_RANK_FIGURES]] + [
        [row["evidence"], f"{row['questions']} ({row['share']:.1%})",
         *(format_value(n, row[n]) for n in EVIDENCE_RANK_FIGURES)] for row in preset.by_evidence_rank]


@dataclass(frozen=True)
class _Section:
    """A table per preset that a report holds beside its main tables, when the run weighed it."""

    title: str  # the report.md heading; lower-cased at its start, what the commands print under each preset's name
    intro: str  # report.md's words under the heading
    figures: Callable[[PresetReport], list[Any]]  # the preset's rows of it (none: the run did not weigh it)
    rows: Callable[[PresetReport], list[list[str]]]  # the table's cells

    def printed(self, report: EvalReport) -> str:
        """Each preset's table as the commands print it ('' when no preset has one)."""
        caption = self.title[0].lower() + self.title[1:]
        return "\n\n".join(f"{name}: {caption}\n{format_table(self.rows(p), markdown=False)}"
                            for name, p in report.presets.items() if self.figures(p))

    def markdown(self, report: EvalReport) -> list[str]:
        """report.md's lines of it: the heading, its words and each preset's table (none when no preset has one)."""
        if not any(self.figures(p) for p in report.presets.values()):
            return []
        out = [f"## {self.title}", "", self.intro, ""]
        for name, preset in report.presets.items():
            if self.figures(preset):
                out += [f"### {name}", "", format_table(self.rows(preset), markdown=True), ""]
        return out


_STRICTER_GATE = _Section(
    "A stricter answerability gate", "The figures had the gate refused every answer it found less answerable than "
    "each threshold (a request's `min_answerability`); exact, from the run's own answers.",
    lambda p: p.stricter_gate, stricter_rows)
_EVIDENCE_RANK = _Section(
    "Answers by where the evidence ranked", "The answerable questions by where retrieval put their evidence (some "
    "of it first; else some in the first five; else none): what better ranking could gain is the gap between the "
    "first row and the others.", lambda p: p.by_evidence_rank, evidence_rank_rows)
_SECTIONS = (_STRICTER_GATE, _EVIDENCE_RANK)  # in the order they are printed and written


def stricter_table(report: EvalReport) -> str:
    """The `stricter_gate` figures of each preset that has them, as the commands print them ('' when none)."""
    return _STRICTER_GATE.printed(report)


def evidence_rank_table(report: EvalReport) -> str:
    """The `by_evidence_rank` figures of each preset that has them, as the commands print them ('' when none)."""
    return _EVIDENCE_RANK.printed(report)


def further_tables(report: EvalReport) -> str:
    """What `eval run` and `eval external` print after the main table: the stricter-gate and evidence-rank tables
    the report has ('' when none)."""
    return "\n\n".join(table for table in (section.printed(report) for section in _SECTIONS) if table)


def _latency_rows(report: EvalReport) -> list[list[str]]:
    presets = list(report.presets)
    stages = list(dict.fromkeys(s for p in report.presets.values() for s in p.latency))
    rows = [["stage", *presets]]
    for stage in stages:
        for pct in ("p50", "p95"):
            cells = [format_value("_ms", report.presets[p].latency[stage][pct])
                     if stage in report.presets[p].latency else "—" for p in presets]
            rows.append([f"{stage} {pct}", *cells])
    return rows


def _type_rows(report: EvalReport) -> list[list[str]]:
    """Recall@5 (or the largest k below it) per question type."""
    presets = list(report.presets)
    first = next(iter(report.presets.values()))
    types = list(dict.fromkeys(q.type for q in first.questions if q.answerable))
    rows = [["type (n)", *presets]]
    for kind in types:
        cells = []
        for p in presets:
            qs = [q for q in report.presets[p].questions if q.type == kind]
            cells.append(format_value("recall", mean(q.scores.get("recall@5", q.scores.get("recall@1"))
                                                     for q in qs)))
        rows.append([f"{kind} ({sum(q.type == kind for q in first.questions)})", *cells])
    return rows


def _clip(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failure_md(q: QuestionResult) -> list[str]:
    lines = [f"- **{q.id}** ({q.type}) {q.question} — {'; '.join(q.problems)}"]
    if q.evidence:
        lines.append(f"  - expected evidence: {' / '.join(f'`{e}`' for e in q.evidence)}")
    if q.measures or q.answer_keys:
        lines.append(f"  - expected measures: {', '.join(q.measures) or '—'}; keys: {', '.join(q.answer_keys) or '—'}")
    if not q.answerable:
        lines.append("  - expected: a refusal")
    if q.answer is not None:
        lines.append(f"  - answer: {_clip(q.answer, 160)}")
    for rank, hit in enumerate(q.retrieved[:_FAILURES_SHOWN], start=1):
        lines.append(f"  - got #{rank}: [{hit.label}] {_clip(hit.text)}")
    return lines


CHARTS_HINT = "Charts need matplotlib, which the base install leaves out: pip install 'policy-rag[eval]' (or '.[eval]')."


def _markdown(report: EvalReport, charts: Sequence[Path], charts_note: str = "", *, per_question: bool = True) -> str:
    meta = report.meta
    out = ["# Evaluation report", ""]
    facts = [f"{key}: {meta[key]}" for key in ("created", "mode", "dataset", "index", "url", "questions", "answerable",
                                               "embedder", "answer_backend", "k_max", "budget_chars") if key in meta]
    out += [f"- {fact}" for fact in facts]
    out += ["", "Evidence and answer keys are compared after the index's own text cleaning (NFKC, full-width "
            "Chinese punctuation) with all whitespace removed. `naive` is the baseline of fixed "
            f"{meta.get('naive', {}).get('chunk_chars', 500)}-character windows (retrieval only); its citations are "
            "its top 2 windows, precise only when a window holds gold evidence and overlaps a single measure. "
            "`recall@budget` reads the ranked results up to the same number of characters for every preset.", ""]
    for title, names in TABLES.items():
        if title.startswith("Latency"):
            out += [f"## {title}", "", format_table(_latency_rows(report), markdown=True), ""]
        else:
            out += [f"## {title}", "", format_table(_metric_rows(report, names), markdown=True), ""]
    out += ["## Recall@5 by question type", "", format_table(_type_rows(report), markdown=True), ""]
    for section in _SECTIONS:
        out += section.markdown(report)
    if charts:
        out += ["## Charts", ""] + [f"![{path.stem}]({path.name})" for path in charts] + [""]
    elif charts_note:
        out += ["## Charts", "", charts_note, ""]
    if not per_question:
        out += ["## Failures", "", "Not listed: this report holds aggregate figures only (a `report` half of an "
                "external set, whose individual questions are not read).", ""]
        return "\n".join(out)
    out += ["## Failures", ""]
    for name, preset in report.presets.items():
        failures = preset.failures
        out += [f"### {name}: {len(failures)} of {len(preset.questions)} questions", ""]
        for q in failures:
            out += _failure_md(q)
        out.append("")
    return "\n".join(out)


def _charts(report: EvalReport, out_dir: Path) -> list[Path] | None:
    """recall_at_k.png and latency.png, or None without matplotlib; labels stay English (no CJK font assumed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    paths = []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, preset in report.presets.items():
        ks = list(range(1, len(preset.recall_curve) + 1))
        ax.plot(ks, preset.recall_curve, marker="o", label=name)
    ax.set(xlabel="k", ylabel="Recall@k", title="Recall@k per preset (answerable questions)", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend()
    paths.append(out_dir / "recall_at_k.png")
    fig.tight_layout()
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    timed = {name: [q.timings["total_ms"] for q in p.questions if "total_ms" in q.timings]
             for name, p in report.presets.items()}
    timed = {name: values for name, values in timed.items() if values}
    if timed:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.boxplot(list(timed.values()), showfliers=True)
        ax.set_xticks(range(1, len(timed) + 1), list(timed))
        ax.set(ylabel="total ms per question", title="Latency per preset (naive: retrieval only)")
        ax.set_yscale("log")
        ax.grid(alpha=0.3, axis="y")
        paths.append(out_dir / "latency.png")
        fig.tight_layout()
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths


def _preset_json(preset: PresetReport) -> dict[str, object]:
    return {"metrics": preset.metrics, "latency": preset.latency, "recall_curve": preset.recall_curve,
            "stricter_gate": preset.stricter_gate, "by_evidence_rank": preset.by_evidence_rank}


def write_report(report: EvalReport, out_dir: str | Path, *, charts: bool = True,
                 per_question: bool = True) -> list[Path]:
    """Write report.json, report.md and the charts into `out_dir`; returns the paths written.

    `per_question=False` writes aggregates only: no question rows in report.json, no failures in report.md.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    drawn = _charts(report, out) if charts else []
    pictures = drawn if drawn is not None else []
    note = CHARTS_HINT if drawn is None else ""
    full = report.to_json()
    data = {"meta": dict(full["meta"], per_question=per_question),
            "summary": {name: _preset_json(p) for name, p in report.presets.items()}}
    if per_question:
        data["presets"] = full["presets"]
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    md_path = out / "report.md"
    md_path.write_text(_markdown(report, pictures, note, per_question=per_question), encoding="utf-8")
    return [json_path, md_path, *pictures]
