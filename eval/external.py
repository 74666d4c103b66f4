"""External question sets (external-dev: NCPQA, Legal-DC): one split's documents indexed, its questions converted,
leave-gold-out unanswerables added, and the run reported (aggregates only for a `report` half)."""

from __future__ import annotations

import json
import os
import random
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eval.dataset import EvalQuestion, parse_question
from eval.metrics import canonical

__all__ = [
    "SETS",
    "SPLITS",
    "ENV_ROOT",
    "HELD_OUT_SUFFIX",
    "Selection",
    "find_root",
    "reserved_documents",
    "load_set",
    "select",
    "leave_gold_out",
    "anchor_evidence",
    "exclusion_filters",
    "documents_by_source",
    "chunk_texts",
    "index_selection",
]

SETS: tuple[str, ...] = ("ncpqa", "legal-dc")
SPLITS: tuple[str, ...] = ("tune", "report")
ENV_ROOT = "POLICY_RAG_EXTERNAL_DEV"
_REPO = Path(__file__).resolve().parent.parent
# Where the sets are looked for when neither --root nor the variable says: beside the checkout, then the shared disk.
_ROOTS: tuple[Path, ...] = (_REPO.parent / "shared" / "external-dev", Path("/work/shared/external-dev"))
RESERVED_FILE = "reserved-documents.txt"  # beside the sets' folder: documents kept for acceptance, never read
HELD_OUT_SUFFIX = "-lgo"  # id suffix of a leave-gold-out question


def find_root(root: str | Path | None = None) -> Path:
    """The external-dev folder: `root`, else $POLICY_RAG_EXTERNAL_DEV, else ../shared/external-dev or
    /work/shared/external-dev; FileNotFoundError naming them when none holds the sets."""
    candidates = [Path(root)] if root else [Path(p) for p in [os.environ.get(ENV_ROOT)] if p] + list(_ROOTS)
    for path in candidates:
        if all((path / name / "qa.jsonl").is_file() for name in SETS):
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise FileNotFoundError(f"No external-dev sets ({', '.join(SETS)}, each with qa.jsonl) in {tried}. "
                            f"Pass --root DIR or set {ENV_ROOT}.")


def reserved_documents(root: Path) -> frozenset[str] | None:
    """File names listed in reserved-documents.txt beside (or inside) `root`; None when there is no such list."""
    for path in (root.parent / RESERVED_FILE, root / RESERVED_FILE):
        if path.is_file():
            lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
            return frozenset(line for line in lines if line and not line.startswith("#"))
    return None


def load_set(set_dir: Path) -> list[EvalQuestion]:
    """A set's qa.jsonl as evaluation questions: one evidence string, its keys, no measure labels; the gold
    document and the split are kept in `extra` (`doc`, `split`)."""
    questions = []
    with (set_dir / "qa.jsonl").open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            row = json.loads(raw)
            evidence = row.get("evidence", [])
            row["evidence"] = [evidence] if isinstance(evidence, str) else evidence
            questions.append(parse_question(row, line=number))
    return questions


@dataclass
class Selection:
    """The documents of one split (or a sample of them) and their questions."""

    files: list[str]
    questions: list[EvalQuestion]
    split_documents: int  # documents of the split before sampling
    reserved_skipped: list[str] = field(default_factory=list)


def select(questions: Sequence[EvalQuestion], split: str, *, docs: int | None = None, seed: int = 0,
           reserved: Iterable[str] = ()) -> Selection:
    """The split's documents and questions, or the first `docs` of its documents in an order shuffled by `seed`
    (so a larger sample holds a smaller one and its index grows incrementally); reserved documents are skipped."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}. Choose from: {', '.join(SPLITS)}")
    held = frozenset(reserved)
    of_split = [q for q in questions if q.extra.get("split") == split]
    files = sorted({str(q.extra["doc"]) for q in of_split})
    total = len(files)
    if docs is not None:
        if docs < 1:
            raise ValueError(f"--docs must be at least 1, got {docs}")
        random.Random(seed).shuffle(files)  # the whole split, so the order does not depend on the reserved list
    skipped = sorted(f for f in files if f in held)
    files = [f for f in files if f not in held]
    if docs is not None:
        files = sorted(files[:docs])
    chosen = set(files)
    return Selection(files, [q for q in of_split if q.extra["doc"] in chosen], total, skipped)


def leave_gold_out(questions: Sequence[EvalQuestion], texts: dict[str, str]) -> tuple[list[EvalQuestion], int]:
    """Each answerable question asked again without its gold document: unanswerable unless another document of
    `texts` (file name -> text) holds its evidence. Returns the new questions and how many were left out."""
    folded = {name: canonical(text) for name, text in texts.items()}
    held_out: list[EvalQuestion] = []
    elsewhere = 0
    for q in questions:
        if not q.answerable:
            continue
        gold = q.extra["doc"]
        evidence = [canonical(e) for e in q.evidence]
        if any(e and e in text for name, text in folded.items() if name != gold for e in evidence):
            elsewhere += 1
            continue
        extra = {"doc": gold, "split": q.extra.get("split", ""), "held_out": True}
        held_out.append(EvalQuestion(f"{q.id}{HELD_OUT_SUFFIX}", q.question, "unanswerable", False, extra=extra))
    return held_out, elsewhere


ANCHOR_MIN_CHARS = 12  # the least of a gold passage, around an answer key, that a chunk must hold to stand for it


def _held_around(passage: str, start: int, end: int, text: str) -> str:
    """The longest run of `passage` holding passage[start:end] that `text` contains ('' when not even that)."""
    if passage[start:end] not in text:
        return ""
    while start > 0 and passage[start - 1:end] in text:
        start -= 1
    while end < len(passage) and passage[start:end + 1] in text:
        end += 1
    return passage[start:end]


def anchor_evidence(question: EvalQuestion, chunks: Sequence[str]) -> EvalQuestion | None:
    """A question whose gold passage no chunk of its document holds whole (it crosses a measure boundary, or holds
    a line the cleaner drops, such as a repeated headline or a reporter's byline), with the passage replaced by its
    answer-bearing part as indexed: the longest run of the passage around an answer key that one chunk of
    `chunks` (the gold document's, canonical) holds, if at least ANCHOR_MIN_CHARS long. None when the passage is
    held whole, or no chunk holds enough of it (the question keeps its passage and cannot reach recall 1)."""
    passages = [canonical(e) for e in question.evidence if e.strip()]
    if len(passages) != 1 or any(passages[0] in text for text in chunks):
        return None
    passage = passages[0]
    keys = [k for k in (canonical(key) for key in question.answer_keys) if k]
    best = ""
    for key in keys:
        for found in re.finditer(re.escape(key), passage):
            for text in chunks:
                held = _held_around(passage, found.start(), found.end(), text)
                best = max(best, held, key=len)
    if len(best) < min(ANCHOR_MIN_CHARS, len(passage)):
        return None
    return replace(question, evidence=[best], extra={**question.extra, "evidence_as_published": question.evidence})


def documents_by_source(store: Any) -> dict[str, set[str]]:
    """The ids of an index's documents by the file each was read from (a set's file name)."""
    doc_ids_of: dict[str, set[str]] = {}
    for doc_id, record in store.documents().items():
        doc_ids_of.setdefault(str(record.get("source", "")), set()).add(doc_id)
    return doc_ids_of


def chunk_texts(store: Any, doc_ids_of: dict[str, set[str]]) -> dict[str, list[str]]:
    """Each source file's chunk texts as indexed (`canonical`), for finding and anchoring gold passages."""
    catalog = store.catalog()
    return {name: [canonical(c.text) for d in ids for c in catalog.of_document(d)] for name, ids in doc_ids_of.items()}


def exclusion_filters(doc_ids_of: dict[str, frozenset[str]]) -> Callable[[EvalQuestion], Any]:
    """`run_eval`'s filters_for: a leave-gold-out question searches without its gold file's documents."""
    from service.retrieval.retriever import Filters

    def filters_for(question: EvalQuestion) -> Filters | None:
        if not question.extra.get("held_out"):
            return None
        excluded = doc_ids_of.get(str(question.extra["doc"]))
        if not excluded:
            raise RuntimeError(f"The gold document {question.extra['doc']} of {question.id} is not in the index.")
        return Filters(exclude_doc_ids=excluded)

    return filters_for


def index_selection(paths: Sequence[Path], index: str | Path, *, progress: bool = True) -> Any:
    """Index exactly `paths` into the folder `index` (incremental: unchanged files embed nothing; documents of
    other files are pruned). Returns the ingest report."""
    from tqdm import tqdm

    from ingest import build_embedder, ingest_paths, open_store
    from ingest.settings import IngestSettings

    settings = IngestSettings()
    settings.store.path = str(index)
    embedder = build_embedder(settings.embedder.name, settings.embedder.model, settings.embedder)
    store = open_store(settings.store, embedder.name, embedder.dimension)
    bar = tqdm(total=len(paths), unit="file", desc="index", disable=not progress, file=sys.stderr)
    try:
        report = ingest_paths(list(paths), store, embedder, prune=True, overlap=settings.chunk_overlap,
                              max_bytes=settings.max_file_bytes, progress=lambda _: bar.update())
    finally:
        bar.close()
        store.close()
    return report


def evaluate_external(set_name: str, split: str, index: str | Path, *, root: str | Path | None = None,
                      docs: int | None = None, seed: int = 0, presets: Sequence[str] = ("hybrid",),
                      held_out: bool = True, anchored: bool = True,
                      progress: bool = True) -> tuple[Any, list[EvalQuestion]]:
    """Index the selection, run every question (and its leave-gold-out twin) through `run_eval`; returns the
    report (meta filled in) and the questions run. `anchored`: a gold passage no chunk holds whole is scored by
    its answer-bearing part as indexed (`anchor_evidence`); else as published, out of reach of recall."""
    import time

    from eval.runner import build_qa, run_eval

    if set_name not in SETS:
        raise ValueError(f"Unknown set {set_name!r}. Choose from: {', '.join(SETS)}")
    base = find_root(root)
    set_dir = base / set_name
    reserved = reserved_documents(base)
    if reserved is None:
        print(f"warning: no {RESERVED_FILE} beside {base}: reserved documents cannot be checked", file=sys.stderr)
    selection = select(load_set(set_dir), split, docs=docs, seed=seed, reserved=reserved or ())
    if not selection.files:
        raise ValueError(f"No {split} documents in {set_dir}.")
    if reserved and (listed := reserved & set(selection.files)):  # never index a document kept for acceptance
        raise RuntimeError(f"Reserved documents were selected: {', '.join(sorted(listed))}")
    paths = [set_dir / "docs" / name for name in selection.files]
    ingested = index_selection(paths, index, progress=progress)
    if ingested.failed:
        names = ", ".join(f"{f.path.name} ({f.error})" for f in ingested.failed[:3])
        raise RuntimeError(f"{len(ingested.failed)} document(s) could not be indexed: {names}")
    embedded = sum(f.embedded for f in ingested.files)
    print(f"indexed {len(paths)} documents into {index}: {ingested.total_chunks} chunks, {embedded} embedded now, "
          f"{ingested.seconds:.1f} s", file=sys.stderr)

    qa = build_qa(str(index))
    doc_ids_of = documents_by_source(qa.retriever.store)
    questions = list(selection.questions)
    texts = {path.name: path.read_text(encoding="utf-8") for path in paths}
    twins, elsewhere = leave_gold_out(questions, texts) if held_out else ([], 0)
    indexed = chunk_texts(qa.retriever.store, doc_ids_of)
    findable = sum(all(any(canonical(e) in t for t in indexed.get(str(q.extra["doc"]), [])) for e in q.evidence)
                   for q in questions)
    anchored_count = 0
    if anchored:
        for position, q in enumerate(questions):
            if q.answerable and (moved := anchor_evidence(q, indexed.get(str(q.extra["doc"]), []))):
                questions[position] = moved
                anchored_count += 1
    started = time.perf_counter()
    report = run_eval([*questions, *twins], qa, list(presets), progress=progress,
                      filters_for=exclusion_filters({k: frozenset(v) for k, v in doc_ids_of.items()}))
    report.meta.update(
        dataset=f"{set_name}:{split}", index=str(index), set=set_name, split=split, root=str(base),
        sample={"docs": docs, "seed": seed} if docs else None, documents=len(paths),
        split_documents=selection.split_documents, reserved_skipped=len(selection.reserved_skipped),
        reserved_checked=reserved is not None, chunks=ingested.total_chunks, embedded_now=embedded,
        index_seconds=round(ingested.seconds, 1), run_seconds=round(time.perf_counter() - started, 1),
        answerable_questions=len(questions), leave_gold_out=len(twins), leave_gold_out_skipped=elsewhere,
        evidence_in_a_chunk=findable, evidence_anchored=anchored_count if anchored else None)
    return report, [*questions, *twins]
