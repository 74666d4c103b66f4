"""`python -m eval`: run the evaluation, validate a dataset, calibrate the refusal thresholds."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.dataset import DatasetError, EvalQuestion, load_dataset, validate_dataset
from eval.structure import StructureError
from eval.runner import DEFAULT_CACHE, DEFAULT_CORPUS, METRICS, NAIVE, EvalReport, available_presets, build_qa

__all__ = ["DEFAULT_DATASET", "DEFAULT_STRUCTURE", "Threshold", "parse_threshold", "check_thresholds",
           "calibrate_refusal", "compare_reports", "compare_stricter", "compare_by_evidence_rank", "parse_gap", "main"]

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets" / "dev.jsonl"
DEFAULT_OUT = Path("reports/eval")
DEFAULT_STRUCTURE = Path(__file__).resolve().parent / "datasets" / "sample_structure.jsonl"
_ALL_PRESETS = ["bm25", "dense", "hybrid", "hybrid+rerank", NAIVE]
_SUPPORT_GRID = [round(0.3 + 0.025 * i, 3) for i in range(25)]  # 0.300 … 0.900
_SHARE_GRID = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
_GATE_GRID = [round(0.02 * i, 2) for i in range(31)]  # 0.00 … 0.60: the answer model's gate threshold


@dataclass
class Threshold:
    """One `--min` requirement: metric of preset (None: the default target) must be at least value."""

    preset: str | None
    metric: str
    value: float


def parse_threshold(text: str) -> Threshold:
    """Parse `recall@5=0.8` or `bm25:recall@5=0.8`, rejecting unknown metric names."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise ValueError(f"--min {text!r}: expected METRIC=VALUE, e.g. recall@5=0.8")
    preset, _, metric = name.strip().rpartition(":")
    metric = metric.strip()
    if metric not in METRICS:
        raise ValueError(f"--min {text!r}: unknown metric {metric!r}. Choose from: {', '.join(METRICS)}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"--min {text!r}: {raw!r} is not a number") from None
    return Threshold(preset.strip() or None, metric, value)


def check_thresholds(report: EvalReport, thresholds: Sequence[Threshold]) -> list[str]:
    """A sentence for every requirement the report misses; the default target is hybrid, else the first preset."""
    default = "hybrid" if "hybrid" in report.presets else next(iter(report.presets))
    problems = []
    for t in thresholds:
        preset = t.preset or default
        if preset not in report.presets:
            problems.append(f"{preset}:{t.metric}: preset {preset!r} was not evaluated")
            continue
        value = report.metric(preset, t.metric)
        if value is None:
            problems.append(f"{preset}:{t.metric}: not available for this preset")
        elif value < t.value:
            problems.append(f"{preset}:{t.metric} = {value:.3f}, below the required {t.value:g}")
    return problems


def _questions(path: str, limit: int | None) -> list[EvalQuestion]:
    questions = load_dataset(path)
    return questions[:limit] if limit else questions


# --- run ------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from eval.report import further_tables, main_table, write_report
    from eval.runner import run_eval, run_eval_http

    thresholds = [parse_threshold(t) for t in args.min or []]
    questions = _questions(args.dataset, args.limit)
    if args.against:
        if args.preset:
            print("note: --preset is ignored with --against (the service answers with its default preset)",
                  file=sys.stderr)
        report = run_eval_http(questions, args.against, progress=not args.no_progress, budget_chars=args.budget)
    else:
        qa = build_qa(args.index)
        presets = list(dict.fromkeys(args.preset or available_presets(qa.settings)))
        report = run_eval(questions, qa, presets, progress=not args.no_progress, corpus_dir=args.corpus,
                          cache_dir=Path(args.cache), budget_chars=args.budget)
        report.meta["index"] = qa.settings.store.path
    report.meta["dataset"] = str(args.dataset)
    written = write_report(report, args.out)
    print(main_table(report))
    if further := further_tables(report):
        print(f"\n{further}")
    print(f"\n{len(questions)} questions; report: {', '.join(str(p) for p in written)}")
    if not any(p.suffix == ".png" for p in written):
        from eval.report import CHARTS_HINT

        print(f"note: no charts. {CHARTS_HINT}", file=sys.stderr)
    problems = check_thresholds(report, thresholds)
    for problem in problems:
        print(f"FAILED --min {problem}", file=sys.stderr)
    return 1 if problems else 0


# --- external -----------------------------------------------------------------------------------


def _external(args: argparse.Namespace) -> int:
    import json

    from eval.external import evaluate_external
    from eval.report import further_tables, main_table, write_report

    thresholds = [parse_threshold(t) for t in args.min or []]
    presets = list(dict.fromkeys(args.preset or ["hybrid"]))
    report, questions = evaluate_external(args.set, args.split, args.index, root=args.root, docs=args.docs,
                                          seed=args.seed, presets=presets, held_out=not args.no_leave_gold_out,
                                          anchored=not args.evidence_as_published,
                                          progress=not args.no_progress)
    # A report half is run for aggregate figures only: none of its questions is written or printed.
    per_question = args.split == "tune"
    written = write_report(report, args.out, per_question=per_question)
    if per_question:
        dataset = Path(args.out) / "dataset.jsonl"
        dataset.write_text("".join(json.dumps(q.to_json(), ensure_ascii=False) + "\n" for q in questions),
                           encoding="utf-8")
        written.append(dataset)
    meta = report.meta
    print(main_table(report))
    if further := further_tables(report):
        print(f"\n{further}")
    print(f"\n{meta['answerable_questions']} questions and {meta['leave_gold_out']} leave-gold-out twins "
          f"({meta['leave_gold_out_skipped']} left out: another indexed document holds their evidence) on "
          f"{meta['documents']} of {meta['split_documents']} {args.split} documents ({meta['chunks']} chunks; "
          f"evidence found in a chunk for {meta['evidence_in_a_chunk']}"
          + (f", scored by its part as indexed for {anchored}" if (anchored := meta.get("evidence_anchored")) else "")
          + f"); report: {', '.join(map(str, written))}")
    problems = check_thresholds(report, thresholds)
    for problem in problems:
        print(f"FAILED --min {problem}", file=sys.stderr)
    return 1 if problems else 0


# --- validate -------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> int:
    questions = load_dataset(args.file)
    problems = validate_dataset(questions, args.corpus)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}", file=sys.stderr)
        return 1
    print(f"ok: {len(questions)} questions ({sum(not q.answerable for q in questions)} unanswerable)")
    return 0


# --- calibrate ------------------------------------------------------------------------------------


def calibrate_refusal(questions: Sequence[EvalQuestion], qa: Any, *, preset: str = "hybrid",
                      max_false_refusals: float = 0.05, support_grid: Sequence[float] = _SUPPORT_GRID,
                      share_grid: Sequence[float] = _SHARE_GRID,
                      gate_grid: Sequence[float] = _GATE_GRID) -> dict[str, Any]:
    """Sweep (min_support, lexical_share) through `qa.decide`; the best refusal F1 within the false-refusal cap.
    Then, with the answer model's gate on, its threshold at the best pair (`gate`: None without a gate).

    Partial answers count as refusals. The cap counts only false refusals the thresholds cause: those made
    whatever they are (out-of-scope regions or years, no hits, no value of the asked kind) are reported as `fixed`.
    """
    from eval.metrics import refusal_scores

    searched = []
    for q in questions:
        analysis = qa.analyze(q.question)
        depth = 20 if analysis.intent.asks_responsible else 5
        searched.append((q, analysis, qa.retriever.search(q.question, depth, preset=preset, analysis=analysis)))
    answerable = sum(q.answerable for q in questions)
    settings = qa.settings.retrieval
    saved = (settings.min_support, settings.lexical_share)

    def refused(support: float, share: float) -> list[str]:
        settings.min_support, settings.lexical_share = support, share
        out = []
        for _, analysis, result in searched:
            judgement = qa.decide(analysis, result)
            out.append("" if judgement.verdict == "answer" else judgement.reason or judgement.verdict)
        return out

    def score(support: float, share: float) -> dict[str, Any]:
        why = refused(support, share)
        scores = refusal_scores([(bool(w), q.answerable) for w, (q, _, _) in zip(why, searched)])
        added = scores["false_refusals"] - len(fixed)
        return dict(scores, min_support=support, lexical_share=share, added_false_refusals=added,
                    false_refusal_rate=scores["false_refusals"] / answerable if answerable else 0.0,
                    added_rate=added / answerable if answerable else 0.0)

    missed: list[EvalQuestion] = []
    allowed: list[dict[str, Any]] = []
    best = None
    gate: dict[str, Any] | None = None
    answer = qa.settings.answer
    saved_gate = answer.gate_threshold
    model = getattr(qa, "answer_model", None)
    try:
        answer.gate_threshold = 0.0  # the gate is a threshold too: what it refuses is not refused whatever they are
        off = refused(0.0, saved[1])
        answer.gate_threshold = saved_gate
        fixed = [(q, why) for why, (q, _, _) in zip(off, searched) if why and q.answerable]
        current = score(*saved)
        grid = [score(t, w) for t in support_grid for w in share_grid]
        allowed = [g for g in grid if g["added_rate"] <= max_false_refusals]
        # Ties are common on a small set: prefer fewer false refusals, then the lower (less refusing) threshold.
        allowed.sort(key=lambda g: (-(g["f1"] or 0.0), g["false_refusals"], g["min_support"], -g["lexical_share"]))
        if allowed:
            best = allowed[0]
            if answer.gate and model is not None and model.gate is not None:
                gate = _sweep_gate(lambda: score(best["min_support"], best["lexical_share"]), answer,
                                   model.gate.threshold, gate_grid, max_false_refusals)
                answer.gate_threshold = gate["best"]["gate_threshold"] if gate["best"] else saved_gate
            at_best = refused(best["min_support"], best["lexical_share"])
            missed = [q for why, (q, _, _) in zip(at_best, searched) if not why and not q.answerable]
    finally:
        settings.min_support, settings.lexical_share = saved
        answer.gate_threshold = saved_gate
    tied = [g for g in allowed if g["f1"] == best["f1"] and g["false_refusals"] == best["false_refusals"]] \
        if best else []
    return {"preset": preset, "questions": len(questions), "unanswerable": len(questions) - answerable,
            "max_false_refusals": max_false_refusals, "current": current, "best": best, "tied": tied,
            "evaluated": len(grid), "grid": grid, "fixed_false_refusals": [(q.id, q.question, why) for q, why in fixed],
            "missed_at_best": [(q.id, q.question) for q in missed], "gate": gate}


def _sweep_gate(score: Callable[[], dict[str, Any]], answer: Any, shipped: float, grid: Sequence[float],
                max_false_refusals: float) -> dict[str, Any]:
    """The answer model's gate threshold swept at the chosen (min_support, lexical_share): the best refusal F1
    within the false-refusal cap, and the file's own. Ties go to fewer false refusals, then to the threshold
    nearest the file's: a dataset that cannot tell thresholds apart leaves the one chosen on the training halves."""
    def at(threshold: float) -> dict[str, Any]:
        answer.gate_threshold = threshold
        return dict(score(), gate_threshold=threshold)

    current = at(shipped)
    swept = [at(t) for t in grid] + ([] if shipped in grid else [current])
    allowed = sorted((g for g in swept if g["added_rate"] <= max_false_refusals),
                     key=lambda g: (-(g["f1"] or 0.0), g["false_refusals"], abs(g["gate_threshold"] - shipped)))
    return {"current": current, "best": allowed[0] if allowed else None, "grid": swept}


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _describe(label: str, g: dict[str, Any]) -> str:
    return (f"{label}: min_support={g['min_support']:.3f} lexical_share={g['lexical_share']:.2f}  "
            f"refusal P={_fmt(g['precision'])} R={_fmt(g['recall'])} F1={_fmt(g['f1'])}  "
            f"false refusals {g['false_refusals']}/{g['total'] - g['unanswerable']} "
            f"({g['false_refusal_rate']:.1%}; {g['added_false_refusals']} from the thresholds), "
            f"missed {g['missed_refusals']}/{g['unanswerable']}")


def _calibrate(args: argparse.Namespace) -> int:
    from service.settings import save_calibration

    questions = _questions(args.dataset, args.limit)
    qa = build_qa(args.index)
    result = calibrate_refusal(questions, qa, preset=args.preset, max_false_refusals=args.max_false_refusals)
    print(f"{result['questions']} questions ({result['unanswerable']} unanswerable), preset {result['preset']}, "
          f"{result['evaluated']} threshold pairs; false refusals the thresholds cause capped at "
          f"{result['max_false_refusals']:.0%} of answerable questions")
    fixed = result["fixed_false_refusals"]
    if fixed:
        print(f"{len(fixed)} answerable question(s) are refused whatever the thresholds:")
        for qid, question, why in fixed:
            print(f"  {qid} {question} — {why}")
    print(_describe("current", result["current"]))
    best = result["best"]
    if best is None:
        print("no threshold pair keeps false refusals within the cap", file=sys.stderr)
        return 1
    print(_describe("best   ", best))
    tied = result["tied"]
    support = sorted({g["min_support"] for g in tied})
    print(f"{len(tied)} pair(s) tie with the best: min_support {support[0]:.3f}–{support[-1]:.3f}")
    if result["missed_at_best"]:
        print("unanswerable questions still answered at the best pair:")
        for qid, question in result["missed_at_best"]:
            print(f"  {qid} {question}")
    gate = result["gate"]
    chosen_gate = gate["best"]["gate_threshold"] if gate and gate["best"] else None
    if gate:
        print(_describe(f"gate {gate['current']['gate_threshold']:.2f} (the model file's)", gate["current"]))
        if gate["best"]:
            print(_describe(f"gate {chosen_gate:.2f} (best)  ", gate["best"]))
        else:
            print("no gate threshold keeps false refusals within the cap: the model file's stays")
    if args.save:
        path = save_calibration(qa.settings.store.path, best["min_support"], best["lexical_share"], chosen_gate)
        print(f"\nsaved with the index: {path} (the service reads it unless the variables below are set)")
    print(f"\nPOLICY_RAG_RETRIEVAL__MIN_SUPPORT={best['min_support']:.3f}\n"
          f"POLICY_RAG_RETRIEVAL__LEXICAL_SHARE={best['lexical_share']:.2f}")
    if chosen_gate is not None:
        print(f"POLICY_RAG_ANSWER__GATE_THRESHOLD={chosen_gate:.2f}")
    return 0


# --- structure ----------------------------------------------------------------------------------


def _structure(args: argparse.Namespace) -> int:
    from eval.report import format_table
    from eval.structure import (
        check_acceptance,
        document_table,
        evaluate_structure,
        kind_table,
        load_expected,
        summary_table,
        write_structure_report,
    )

    report = evaluate_structure(args.corpus, load_expected(args.expected))
    report.meta["expected"] = str(args.expected)
    written = write_structure_report(report, args.out)
    print(format_table(document_table(report), markdown=False))
    print()
    print(format_table(summary_table(report), markdown=False))
    if kind_table(report):
        print()
        print(format_table(kind_table(report), markdown=False))
    print(f"\n{len(report.documents)} documents; report: {', '.join(str(p) for p in written)}")
    problems = check_acceptance(report)
    for problem in problems:
        print(f"{'FAILED' if args.strict else 'below acceptance'}: {problem}", file=sys.stderr)
    return 1 if problems and args.strict else 0


# --- lifecycle --------------------------------------------------------------------------------


def _lifecycle(args: argparse.Namespace) -> int:
    from eval.lifecycle import evaluate_lifecycle, lifecycle_table, lifecycle_totals, load_lifecycle
    from eval.report import format_table
    from eval.structure import ACCEPTANCE

    results = evaluate_lifecycle(args.corpus, load_lifecycle(args.expected))
    misses = lifecycle_table(results)
    if len(misses) > 1:
        print(format_table(misses, markdown=False), end="\n\n")
    rows = [["check", "right", "of", "rate"]]
    for name, (right, total) in lifecycle_totals(results).items():
        rows.append([name, str(right), str(total), f"{right / total:.1%}" if total else "—"])
    print(format_table(rows, markdown=False))
    right, total = lifecycle_totals(results)["lifecycle"]
    below = bool(total) and right / total < ACCEPTANCE["lifecycle"]
    if below:
        print(f"{'FAILED' if args.strict else 'below acceptance'}: lifecycle {right}/{total} is below "
              f"{ACCEPTANCE['lifecycle']:.0%}", file=sys.stderr)
    return 1 if below and args.strict else 0


# --- compare ----------------------------------------------------------------------------------

_COMPARED = ["recall@5", "mrr@10", "key_fact", "citation_precision", "citation_recall", "refusal_precision",
             "refusal_recall", "false_refusal_rate", "p50_total_ms", "p95_total_ms"]


def _summary_of(report: dict[str, Any], preset: str) -> dict[str, Any]:
    """A report's summary of one preset (report.json keeps it under `summary`, and its metrics under `presets` too
    when it lists the questions)."""
    groups = report.get("summary") or report.get("presets") or {}
    summary: dict[str, Any] = groups.get(preset, {})
    return summary


def _metrics_of(report: dict[str, Any], preset: str) -> dict[str, Any]:
    """A report's summary metrics of one preset."""
    metrics: dict[str, Any] = _summary_of(report, preset).get("metrics", {})
    return metrics


def _side_by_side(reports: Sequence[tuple[str, dict[str, Any]]], preset: str, figures: str, key: str,
                  header: str, cell: Callable[[dict[str, Any]], str], *, order: Sequence[Any] = (),
                  label: Callable[[Any], str] = str) -> list[list[str]]:
    """A table with one column per report: one row per `key` value (`label` of it) of the rows of the reports'
    `figures` summaries, in `order` (else sorted), each report's cell `cell` of its row or a dash when it has none;
    `header` heads the first column. Empty when no report has any such row."""
    keyed = {name: {row[key]: row for row in _summary_of(report, preset).get(figures, [])} for name, report in reports}
    seen = {k for rows in keyed.values() for k in rows}
    if not seen:
        return []
    table = [[header, *(name for name, _ in reports)]]
    for k in order or sorted(seen):
        table.append([label(k), *("—" if (row := keyed[name].get(k)) is None else cell(row) for name, _ in reports)])
    return table


def compare_stricter(reports: Sequence[tuple[str, dict[str, Any]]], preset: str = "hybrid") -> list[list[str]]:
    """A table with one column per report: at each stricter gate threshold any report weighed (`stricter_gate`),
    its key facts, answerable refused and refusal recall; empty when none weighed one."""
    from eval.report import format_value

    return _side_by_side(reports, preset, "stricter_gate", "threshold", "min_answerability", lambda row: " / ".join(
        format_value(n, row[n]) for n in ("key_fact", "false_refusal_rate", "refusal_recall")),
                         label=lambda threshold: f"{threshold:.2f}")


def compare_by_evidence_rank(reports: Sequence[tuple[str, dict[str, Any]]],
                             preset: str = "hybrid") -> list[list[str]]:
    """A table with one column per report: for each place of the evidence (`by_evidence_rank`), the share of the
    answerable questions there and their key facts / citation precision / share refused; empty when no report has
    the figures."""
    from eval.report import EVIDENCE_RANK_FIGURES, format_value
    from eval.runner import EVIDENCE_RANKS

    return _side_by_side(reports, preset, "by_evidence_rank", "evidence", "evidence ranked", lambda row: (
        f"{row['share']:.1%}: " + " / ".join(format_value(n, row[n]) for n in EVIDENCE_RANK_FIGURES)),
                         order=EVIDENCE_RANKS)


def parse_gap(text: str) -> tuple[str, str]:
    """`--gap A:B`: the names of two compared reports whose difference (B − A) gets a column after B."""
    first, sep, second = text.partition(":")
    if not sep or not first.strip() or not second.strip():
        raise ValueError(f"--gap {text!r}: expected TUNE:REPORT, two report names, e.g. ncpqa-tune:ncpqa-report")
    return first.strip(), second.strip()


def _cells(report: dict[str, Any], preset: str) -> list[tuple[str, str, float | None]]:
    """One report's column: (row label, text, number for gap columns or None)."""
    from eval.report import format_value

    meta = report["meta"]
    total, answerable = meta.get("questions"), meta.get("answerable")
    unanswerable = total - answerable if isinstance(total, int) and isinstance(answerable, int) else None
    documents = f"{meta['documents']} ({meta.get('chunks', '?')})" if "documents" in meta else ""
    thresholds = meta.get("retrieval", {})
    cells: list[tuple[str, str, float | None]] = [
        ("questions", str(meta.get("questions", "")), None),
        ("unanswerable", "" if unanswerable is None else str(unanswerable), None),
        ("dataset", Path(str(meta.get("dataset", ""))).name, None),
        ("documents (chunks)", documents, None),
    ]
    metrics = _metrics_of(report, preset)
    cells += [(metric, format_value(metric, metrics.get(metric)), metrics.get(metric)) for metric in _COMPARED]
    cells.append(("min_support / lexical_share",
                  f"{thresholds.get('min_support', '—')} / {thresholds.get('lexical_share', '—')}", None))
    return cells


def _gap_cells(first: list[tuple[str, str, float | None]],
               second: list[tuple[str, str, float | None]]) -> list[tuple[str, str, float | None]]:
    """second − first for the metric rows, signed; empty for the descriptive rows."""
    from eval.report import format_value

    out: list[tuple[str, str, float | None]] = []
    for (label, _, a), (_, text, b) in zip(first, second):
        if label not in _COMPARED:
            out.append((label, "", None))
        elif a is None or b is None:
            out.append((label, "—", None))
        else:
            shown = format_value(label, b - a)
            out.append((label, shown if shown.startswith("-") else f"+{shown}", b - a))
    return out


def compare_reports(reports: Sequence[tuple[str, dict[str, Any]]], preset: str = "hybrid",
                    gaps: Sequence[tuple[str, str]] = ()) -> list[list[str]]:
    """A table with one column per report (one corpus or one half each): the chosen preset's headline metrics.
    Each gap (A, B) adds a column `B − A` right after B, e.g. an external set's report half against its tune half."""
    names = [name for name, _ in reports]
    for pair in gaps:
        missing = [n for n in pair if n not in names]
        if missing:
            raise ValueError(f"--gap {':'.join(pair)}: no report named {', '.join(missing)} "
                             f"(names: {', '.join(names)})")
    cells = {name: _cells(report, preset) for name, report in reports}
    columns: list[tuple[str, list[tuple[str, str, float | None]]]] = []
    for name in names:
        columns.append((name, cells[name]))
        columns += [(f"{name} − {first}", _gap_cells(cells[first], cells[name])) for first, second in gaps
                    if second == name]
    rows = [["metric", *(title for title, _ in columns)]]
    for i, (label, _, _) in enumerate(cells[names[0]]):
        rows.append([label, *(column[i][1] for _, column in columns)])
    return rows


def _compare(args: argparse.Namespace) -> int:
    import json

    from eval.report import format_table

    reports = []
    for item in args.reports:
        name, sep, path = item.partition("=")
        path = path if sep else name
        report_file = Path(path) / "report.json" if Path(path).is_dir() else Path(path)
        try:
            reports.append((name if sep else report_file.parent.name, json.loads(report_file.read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            print(f"cannot read {report_file}: {exc}. Write it with `python -m eval run --out DIR`.", file=sys.stderr)
            return 2
    rows = compare_reports(reports, args.preset, [parse_gap(g) for g in args.gap or []])
    stricter = compare_stricter(reports, args.preset)
    ranked = compare_by_evidence_rank(reports, args.preset)
    print(format_table(rows, markdown=False))
    if stricter:
        print(f"\nA stricter answerability gate (key facts / answerable refused / refusal recall)\n"
              f"{format_table(stricter, markdown=False)}")
    if ranked:
        print(f"\nAnswers by where the evidence ranked (share of the answerable questions: key facts / citation "
              f"precision / refused)\n{format_table(ranked, markdown=False)}")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = f"# Evaluation on {len(reports)} corpora ({args.preset})\n\n{format_table(rows, markdown=True)}\n"
        if stricter:
            text += ("\n## A stricter answerability gate\n\nAt each threshold above the one in effect (a request's "
                     "`min_answerability`): key facts / answerable refused / refusal recall, exact from each run's "
                     f"own answers (README, \"A stricter gate\").\n\n{format_table(stricter, markdown=True)}\n")
        if ranked:
            text += ("\n## Answers by where the evidence ranked\n\nThe answerable questions by where retrieval put "
                     "their evidence: the share of them there, and their key facts / citation precision / share "
                     f"refused.\n\n{format_table(ranked, markdown=True)}\n")
        out.write_text(text, encoding="utf-8")
        print(f"\nwritten: {out}")
    return 0


# --- entry point ----------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    metrics = "\n".join(f"  {name:<20} {text}" for name, text in METRICS.items())
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="evaluate retrieval presets and answers, write report.json/report.md/charts",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluate the service on a dataset and write a report.",
        epilog=f"metrics for --min (applied to the hybrid preset, or to the service with --against; "
               f"PRESET:METRIC=VALUE names another preset):\n{metrics}\n\n"
               "exit status: 0 when every --min holds, 1 when one fails, 2 on usage or index errors")
    run.add_argument("--dataset", default=str(DEFAULT_DATASET), help="JSONL dataset (default: %(default)s)")
    run.add_argument("--index", help="index folder (default: POLICY_RAG_STORE__PATH or .data/index)")
    run.add_argument("--preset", action="append", choices=_ALL_PRESETS,
                     help="preset to evaluate, repeatable (default: bm25 dense hybrid naive, plus hybrid+rerank "
                          "when a reranker is configured)")
    run.add_argument("--against", metavar="URL", help="evaluate a running service over HTTP instead (its default "
                                                      "preset only), e.g. http://127.0.0.1:8000")
    run.add_argument("--out", default=str(DEFAULT_OUT), help="report folder (default: %(default)s)")
    run.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    run.add_argument("--min", action="append", metavar="METRIC=VALUE",
                     help="fail (exit 1) when METRIC is below VALUE, e.g. recall@5=0.8 or bm25:key_fact=0.5")
    run.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus folder for the naive baseline "
                                                                   "(default: %(default)s)")
    run.add_argument("--budget", type=int, default=1000, metavar="CHARS",
                     help="characters of results read for recall@budget (default: %(default)s, two naive chunks)")
    run.add_argument("--cache", default=str(DEFAULT_CACHE), help="where naive-baseline vectors are cached "
                                                                 "(default: %(default)s)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    run.set_defaults(handler=_run)

    external = commands.add_parser(
        "external", help="evaluate on one half of an external question set (external-dev: ncpqa, legal-dc)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Index the documents of one split of an external set (or a sample of them) into --index "
                    "(incrementally: re-running embeds nothing new; documents outside the selection are pruned, so "
                    "keep one folder per set, split and sample), run its questions plus a leave-gold-out twin of "
                    "each (the question asked without its gold document, unanswerable unless another indexed "
                    "document holds its evidence) and write a report. Only `tune` is for tuning: a `report` half "
                    "writes aggregate figures only, never a question.",
        epilog="exit status: 0 when every --min holds, 1 when one fails, 2 on usage, data or index errors")
    external.add_argument("--set", required=True, choices=["ncpqa", "legal-dc"], help="which set")
    external.add_argument("--split", required=True, choices=["tune", "report"], help="which half")
    external.add_argument("--docs", type=int, metavar="N", help="only N documents of the split (a sample fixed by "
                          "--seed; a larger N holds the smaller sample) and their questions")
    external.add_argument("--seed", type=int, default=0, help="sample seed (default: %(default)s)")
    external.add_argument("--index", required=True, help="index folder for this set, split and sample (reused)")
    external.add_argument("--out", required=True, help="report folder")
    external.add_argument("--root", help="the external-dev folder (default: $POLICY_RAG_EXTERNAL_DEV, "
                          "../shared/external-dev or /work/shared/external-dev)")
    external.add_argument("--preset", action="append", choices=_ALL_PRESETS[:-1],
                          help="preset to evaluate, repeatable (default: hybrid)")
    external.add_argument("--no-leave-gold-out", action="store_true", help="only the answerable questions")
    external.add_argument("--evidence-as-published", action="store_true",
                          help="score a gold passage no chunk holds whole as published (out of reach of recall), not "
                               "by its answer-bearing part as indexed")
    external.add_argument("--min", action="append", metavar="METRIC=VALUE", help="as for `run`")
    external.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    external.set_defaults(handler=_external)

    validate = commands.add_parser("validate", help="check a dataset against the corpus; exit 1 on problems")
    validate.add_argument("file", help="JSONL dataset")
    validate.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus folder (default: %(default)s)")
    validate.set_defaults(handler=_validate)

    calibrate = commands.add_parser(
        "calibrate", help="sweep the answerability thresholds min_support and lexical_share (and the answer "
                          "model's gate) on a dataset",
        description="Sweep retrieval.min_support (0.30–0.90 by 0.025) and retrieval.lexical_share (0.5–1.0) "
                    "through QAService.decide and print the pair with the best refusal F1 on unanswerable "
                    "questions while false refusals of answerable ones stay within the cap; then, with the "
                    "answer model's gate on, its threshold (0–0.6 by 0.02) at that pair, the same way; --save "
                    "stores them with the index.")
    calibrate.add_argument("--dataset", default=str(DEFAULT_DATASET), help="JSONL dataset (default: %(default)s)")
    calibrate.add_argument("--index", help="index folder (default: POLICY_RAG_STORE__PATH or .data/index)")
    calibrate.add_argument("--preset", default="hybrid", choices=_ALL_PRESETS[:-1], help="(default: %(default)s)")
    calibrate.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    calibrate.add_argument("--max-false-refusals", type=float, default=0.05, metavar="RATE",
                           help="largest share of answerable questions refused (default: %(default)s)")
    calibrate.add_argument("--save", action="store_true", help="write the best pair into the index folder "
                           "(calibration.json), where the service reads it")
    calibrate.set_defaults(handler=_calibrate)

    compare = commands.add_parser(
        "compare", help="put the reports of several corpora side by side",
        description="Read report.json files written by `run` (one per corpus) and print their headline metrics "
                    "side by side; --out writes the table as markdown.")
    compare.add_argument("reports", nargs="+", metavar="[NAME=]REPORT", help="a report folder or report.json")
    compare.add_argument("--preset", default="hybrid", help="preset to compare (default: %(default)s)")
    compare.add_argument("--gap", action="append", metavar="A:B",
                         help="add a column B − A after report B, repeatable (e.g. ncpqa-tune:ncpqa-report)")
    compare.add_argument("--out", help="markdown file to write, e.g. reports/eval/corpora.md")
    compare.set_defaults(handler=_compare)

    structure = commands.add_parser(
        "structure", help="score parsed region, date, title and measures against an expected-structure file",
        description="Parse every document of an expected-structure JSONL file with the ingest dry-run path "
                    "(no embedding, no index) and report region, date, title, measure count and sample "
                    "measures with their units, per document and in total.",
        epilog="exit status: 0, or 1 with --strict when a check is below the acceptance threshold "
               "(region, date, title 95%, measures 90%), 2 on usage errors")
    structure.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="folder of documents (default: %(default)s)")
    structure.add_argument("--expected", default=str(DEFAULT_STRUCTURE),
                           help="expected-structure JSONL (default: %(default)s)")
    structure.add_argument("--out", default="reports/structure", help="report folder (default: %(default)s)")
    structure.add_argument("--strict", action="store_true", help="exit 1 when an acceptance threshold is missed")
    structure.set_defaults(handler=_structure)

    lifecycle = commands.add_parser(
        "lifecycle", help="score parsed lifecycle fields (文号, effective and expiry dates, replaced documents)",
        description="Parse every document of a lifecycle truth JSONL file with the ingest dry-run path and "
                    "compare the fields each line gives (see eval/lifecycle.py).",
        epilog="exit status: 0, or 1 with --strict when lifecycle right is below 90%")
    lifecycle.add_argument("--corpus", required=True, help="folder of documents")
    lifecycle.add_argument("--expected", required=True, help="lifecycle truth JSONL")
    lifecycle.add_argument("--strict", action="store_true", help="exit 1 when below the acceptance threshold")
    lifecycle.set_defaults(handler=_lifecycle)

    trainer = commands.add_parser(
        "train", help="fit the answer model on tune halves and dev sets → service/answerers/answer_model.json",
        description="Label (question, candidate sentence) pairs from the top retrieved measures of each question, "
                    "fit a logistic regression (blended with boosted trees with --blend below 1) and write the "
                    "model file (see eval/train.py). Use only tune halves and your own dev sets.")
    trainer.add_argument("--external", action="append", default=[], metavar="SET=INDEX",
                         help="an external set's tune questions over an index of its tune documents, repeatable "
                              "(e.g. ncpqa=/work/ext-index/ncpqa-tune-all)")
    trainer.add_argument("--dataset", action="append", default=[], metavar="FILE=INDEX",
                         help="a dev set over its index, repeatable (e.g. eval/datasets/dev.jsonl=.data/index)")
    trainer.add_argument("--root", help="external-dev folder (default: $POLICY_RAG_EXTERNAL_DEV or ../shared/...)")
    trainer.add_argument("--limit", type=int, metavar="N", help="only the first N questions of each source")
    trainer.add_argument("--pairs", metavar="FILE",
                         help="fit on the pairs an earlier --save-pairs wrote, with no retrieval (instead of "
                              "--external and --dataset)")
    trainer.add_argument("--without", action="append", default=[], metavar="SOURCE",
                         help="with --pairs: leave out a source's questions (e.g. ncpqa:tune), repeatable; a model "
                              "fitted without a corpus, run on it, shows how the model carries to one it has not seen")
    trainer.add_argument("--ranker-only", metavar="MODEL",
                         help="with --pairs: refit only the measure ranker, from the pairs' ranking rows, into a copy "
                              "of MODEL (its answer model and gate kept as they are), written to --out")
    trainer.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength (default: 1.0)")
    trainer.add_argument("--blend", type=float, default=None, metavar="SHARE",
                         help="the logistic regression's share of the probability, boosted trees' the rest "
                              "(default: eval.train.BLEND, 1: the regression alone)")
    trainer.add_argument("--out", default="service/answerers/answer_model.json", help="model file (default: %(default)s)")
    trainer.add_argument("--save-pairs", metavar="FILE", help="also write the labelled pairs (JSONL, one question a line)")
    trainer.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    trainer.set_defaults(handler=_train)

    learners = commands.add_parser(
        "learners", help="compare learners for the answer model on saved training pairs (out of fold)",
        description="Refit each learner out of fold on the pairs `train --save-pairs` wrote and print, per source, "
                    "the veto `train` would choose and the rules-with-veto figures at a range of vetoes. Writes "
                    "no model (see eval/learners.py).")
    learners.add_argument("--pairs", required=True, help="pairs file written by `train --save-pairs`")
    learners.add_argument("--learner", action="append", choices=["logistic", "trees", "boosted", "blend"],
                          default=None, help="learner to fit, repeatable (default: logistic and blend)")
    learners.add_argument("--vetoes", default="0,0.02,0.04,0.06,0.08,0.1,0.15,0.2",
                          help="comma-separated vetoes to report (default: %(default)s)")
    learners.add_argument("--runner-up", default="0.9,0.75,0.5,0.25,0",
                          help="comma-separated shares of the best sentence's probability at which its runner-up (and "
                               "another measure's best sentence) is quoted too, to report beside quoting it alone "
                               "(default: %(default)s)")
    learners.add_argument("--out", help="also write the figures as JSON")
    learners.set_defaults(handler=_learners)
    return parser


def _learners(args: argparse.Namespace) -> int:
    from eval.learners import compare, load_pairs

    try:
        vetoes = [float(v) for v in args.vetoes.split(",") if v.strip()]
    except ValueError as exc:
        raise ValueError(f"--vetoes wants numbers separated by commas, got {args.vetoes!r}") from exc
    try:
        shares = [float(v) for v in args.runner_up.split(",") if v.strip()]
    except ValueError as exc:
        raise ValueError(f"--runner-up wants numbers separated by commas, got {args.runner_up!r}") from exc
    groups, strict = load_pairs(args.pairs)
    figures = compare(groups, args.learner or ["logistic", "blend"], vetoes=vetoes, strict=strict, shares=shares)
    for name, result in figures.items():
        print(f"{name}: veto chosen {result['chosen']['veto']:.3f}")
        for veto, by_source in [(f"{result['chosen']['veto']:.3f}", result["chosen"]["by_source"]),
                                *result["sweep"].items()]:
            cells = "  ".join(f"{s} {f['answerable_refused']:.3f} {f['refusal_recall']:.2f}/{f['refusal_precision']:.2f}"
                              for s, f in by_source.items())
            print(f"  veto {veto}  {cells}")
        for share, by_source in result["quoted"].items():
            cells = "  ".join(f"{s} {f['answering_quoted']:.3f} +{f['extra_sentences']:.2f}"
                              for s, f in by_source.items())
            print(f"  runner-up {share}  {cells}")
        for share, by_source in result["measures"].items():
            cells = "  ".join(f"{s} {f['answering_quoted']:.3f} {f['precision']:.3f} +{f['extra_measures']:.2f}"
                              for s, f in by_source.items())
            print(f"  second measure {share}  {cells}")
    print("(veto rows, per source: answerable refused, refusal recall/precision; runner-up rows: answerable questions "
          "whose quoted sentences hold an answering one, sentences quoted beyond the first; second-measure rows: "
          "the same for the measures quoted, the share of quoted measures holding one, measures beyond the first; "
          "out of fold)")
    if args.out:
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _train(args: argparse.Namespace) -> int:
    from eval.train import BLEND, dataset_source, external_source, train, write_model

    command = "python -m eval " + shlex.join(args.argv)
    blend = BLEND if args.blend is None else args.blend
    if args.pairs:
        from eval.learners import load_pairs, load_ranking

        if args.external or args.dataset or args.save_pairs:
            raise ValueError("--pairs fits on saved pairs: give no --external, --dataset or --save-pairs with it.")
        groups, strict = load_pairs(args.pairs)
        ranking = load_ranking(args.pairs)
        present = list(dict.fromkeys(g.source for g in groups))
        if unknown := [name for name in args.without if name not in present]:
            raise ValueError(f"--without {', '.join(unknown)}: the pairs hold {', '.join(present)}.")
        groups = [g for g in groups if g.source not in args.without]
        ranking = [g for g in ranking if g.source not in args.without]
        if not groups:
            raise ValueError("--without leaves no questions to fit on.")
        if args.ranker_only:
            from eval.train import refit_ranker

            return _trained_ranker(refit_ranker(args.ranker_only, ranking, args.out, command=command,
                                                files=[Path(args.pairs)]), args.out)
        counts = {name: sum(g.source == name for g in groups) for name in dict.fromkeys(g.source for g in groups)}
        model = write_model(groups, strict, args.out, command=command, c=args.c, blend=blend,
                            files=[Path(args.pairs)], sources=[{"label": n, "questions": k} for n, k in counts.items()],
                            ranking=ranking)
        return _trained(model, args.out)
    if args.without or args.ranker_only:
        raise ValueError("--without and --ranker-only refit from saved pairs: give them with --pairs.")
    sources = []
    for spec in args.external:
        name, _, index = spec.partition("=")
        if not index:
            raise ValueError(f"--external wants SET=INDEX, got {spec!r}")
        qa = build_qa(index, answer_model=False)  # the pairs' features need no model, and the old one may not load
        sources.append((external_source(name, index, qa, root=args.root, limit=args.limit), qa))
    for spec in args.dataset:
        path, _, index = spec.partition("=")
        if not index:
            raise ValueError(f"--dataset wants FILE=INDEX, got {spec!r}")
        sources.append((dataset_source(path, index, limit=args.limit), build_qa(index, answer_model=False)))
    if not sources:
        raise ValueError("Give at least one --external SET=INDEX or --dataset FILE=INDEX.")
    model = train(sources, args.out, command=command, c=args.c, blend=blend, progress=not args.no_progress,
                  save_pairs=args.save_pairs)
    return _trained(model, args.out)


def _trained(model: dict[str, Any], out: str) -> int:
    """Print what `train` wrote: the out-of-fold figures at the threshold, at the veto and with the gate."""
    figures = model["figures"]["out_of_fold"]
    print(f"{model['figures']['questions']} questions, {model['figures']['pairs']} pairs "
          f"({model['figures']['answering_pairs']} answering); threshold {model['threshold']:.2f}")
    for name, f in [("all", figures), *model["figures"]["by_source"].items()]:
        print(f"  {name:<22} right sentence {f['right_sentence']:.3f}  answerable refused {f['answerable_refused']:.3f}"
              f"  refusal R/P {f['refusal_recall']:.3f}/{f['refusal_precision']:.3f}")
    veto = model["figures"]["veto"]
    print(f"veto {model['veto']:.3f} (model=veto: the rules, a rules answer below it refused), out of fold:")
    _print_change(veto["rules"], veto["by_source"])
    gate = model["figures"]["gate"]
    if model["gate"] is None:
        print(f"gate: none ({gate['skipped']})")
    else:
        print(f"gate {model['gate']['threshold']:.2f} (a rules-with-veto answer whose question is less likely "
              f"answerable is refused), out of fold:")
        _print_change(gate["rules_with_veto"], gate["by_source"])
        if gate.get("held_out"):
            print("gate fitted without the source (its threshold chosen on the others), on the source:")
            _print_change(gate["rules_with_veto"], gate["held_out"])
    return _trained_ranker(model, out)


def _trained_ranker(model: dict[str, Any], out: str) -> int:
    """Print the ranker's out-of-fold figures of what `train` wrote, and where."""
    ranker = model["figures"]["ranker"]
    if model["ranker"] is None:
        print(f"ranker: none ({ranker['skipped']})")
    else:
        print("ranker (the top 20 fused measures reordered), out of fold: evidence in the first / first five")
        for name, f in ranker["by_source"].items():
            print(f"  {name:<22} {f['fused_at_1']:.3f} / {f['fused_at_5']:.3f} → {f['ranked_at_1']:.3f} / "
                  f"{f['ranked_at_5']:.3f}  ({f['questions']} questions)")
    print(f"model: {out}")
    return 0


def _print_change(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Per source, answerable refused and refusal recall/precision before → after a decision is added."""
    for name, f in after.items():
        r = before[name]
        print(f"  {name:<22} answerable refused {r['answerable_refused']:.3f} → {f['answerable_refused']:.3f}"
              f"  refusal R/P {r['refusal_recall']:.3f}/{r['refusal_precision']:.3f} → "
              f"{f['refusal_recall']:.3f}/{f['refusal_precision']:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run one command; returns the exit status."""
    from ingest import PolicyRagError

    args = _parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # recorded by `train` in the model file
    try:
        status: int = args.handler(args)
    except (DatasetError, StructureError, PolicyRagError, ValueError, RuntimeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
