"""Export the large real corpus of eval/datasets/scale_sources.json from bare git mirrors into one folder.

Each source names a public repository, the commit read, `include`/`exclude` glob patterns (fnmatch: `*` also
crosses `/`) and a format: `md`/`txt`/`html` files are copied as they are, `csv:<column>` writes each row's
column as one `.txt` document (its `title` column, when there is one, as the first line). The documents are
fetched public content: they go to a folder outside the repository and are never committed; the manifest is.

Run:

    python bench/scale_corpus.py --mirrors /work/.mirror --out /work/scale-corpus [--write-counts]

A mirror is `<mirrors>/<owner>+<name>/repo` (a bare git directory, as the fetch tool leaves it).
`--write-counts` stores the number of documents exported per source back into the manifest.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["export_source", "main"]

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "eval" / "datasets" / "scale_sources.json"
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff（）()·-]+")
csv.field_size_limit(sys.maxsize)


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-c", "core.quotepath=off", f"--git-dir={git_dir}", *args],
                          check=True, capture_output=True).stdout


def _selected(paths: list[str], include: list[str], exclude: list[str]) -> list[str]:
    """Paths matching an include pattern and no exclude pattern, sorted."""
    keep = [p for p in paths if any(fnmatch.fnmatchcase(p, g) for g in include)]
    return sorted(p for p in keep if not any(fnmatch.fnmatchcase(p, g) for g in exclude))


def _name(prefix: str, number: int, stem: str, suffix: str) -> str:
    return f"{prefix}_{number:05d}_{_UNSAFE.sub('_', stem)[:60]}{suffix}"


def export_source(source: dict[str, Any], mirrors: Path, out: Path) -> int:
    """Write one source's documents into `out`; the number written."""
    git_dir = mirrors / source["repo"].replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"No mirror of {source['repo']} at {git_dir}: fetch github:{source['repo']} first.")
    commit = source["commit"]
    paths = _git(git_dir, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
    prefix, fmt, written = source["prefix"], source["format"], 0
    for path in _selected(paths, source["include"], source.get("exclude", [])):
        data = _git(git_dir, "show", f"{commit}:{path}")
        stem = Path(path).stem
        if fmt.startswith("csv:"):
            column = fmt.split(":", 1)[1]
            for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))):
                text = (row.get(column) or "").strip()
                if not text:
                    continue
                title = (row.get("title") or "").strip()
                body = f"{title}\n{text}\n" if title and not text.startswith(title) else text + "\n"
                written += 1
                (out / _name(prefix, written, title or stem, ".txt")).write_text(body, encoding="utf-8")
        else:
            text = data.decode("utf-8", errors="strict").strip()
            if not text:
                continue
            written += 1
            (out / _name(prefix, written, stem, f".{fmt}")).write_text(text + "\n", encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    """Export every source of the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=Path("/work/scale-corpus"))
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--write-counts", action="store_true")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for source in manifest["sources"]:
        count = export_source(source, args.mirrors, args.out)
        print(f"{source['repo']}: {count} documents")
        source["count"] = count
        total += count
    manifest["total"] = total
    print(f"total: {total} documents in {args.out}")
    if args.write_counts:
        args.manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
