"""Command line: each command is a thin call into the library.

python -m pipeline run --input data/raw --out data/out
python -m pipeline eval --out data/out
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__
from .export import write_outputs
from .ingest import Article
from .records import RECORD_TYPES, DocStatus
from .runner import RunReport, run_pipeline

EPILOG_RUN = """example:
  python -m pipeline run --input data/raw --out data/out
  python -m pipeline run --input ../shared/corpus/seeds --out /tmp/seeds --model de_core_news_lg"""


class UsageError(Exception):
    """An argument the run cannot work with: one clear line, exit code 2."""


def _progress(articles: Iterable[Article]) -> Iterable[Article]:
    from tqdm import tqdm

    items = list(articles)
    # A bar only where someone watches a long run; tqdm hides itself when stderr is no terminal.
    bar: Iterable[Article] = tqdm(
        items, desc="articles", unit="doc", disable=None if len(items) > 20 else True
    )
    return bar


def manifest(report: RunReport) -> dict[str, Any]:
    records = report.records
    return {
        "package": "newsfacts-pipeline",
        "version": __version__,
        "pipelines": {
            lang: {
                "base": info.base,
                "version": info.version,
                "statistical": info.statistical,
                "components": list(info.components),
            }
            for lang, info in sorted(report.pipelines.items())
        },
        "inputs": [
            {
                "path": d.source_path,
                "doc_id": d.doc_id,
                "sha256": d.sha256,
                "status": d.status.value,
                "error": d.error,
                "warnings": list(d.warnings),
            }
            for d in sorted(records.documents, key=lambda d: d.source_path)
        ],
        "counts": {kind: len(getattr(records, kind)) for kind in RECORD_TYPES},
        "timings": report.timings,
    }


def execute_run(
    input_dir: Path, out: Path, model: str | None = None, lang: str | None = None, quiet: bool = False
) -> RunReport:
    """Validate arguments, run, write outputs."""
    if not input_dir.exists():
        raise UsageError(f"input folder not found: {input_dir}")
    if lang is not None and lang not in ("de", "en"):
        raise UsageError(f"--lang must be de or en, not {lang!r}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
    if not os.access(out, os.W_OK):
        raise UsageError(f"output folder is not writable: {out}")
    try:
        report = run_pipeline(input_dir, model=model, lang=lang, progress=None if quiet else _progress)
    except (OSError, ImportError) as exc:
        if model:
            raise UsageError(f"cannot load spaCy pipeline {model!r}: {exc}") from exc
        raise
    write_outputs(out, report.records, report.texts, manifest(report))
    return report


def summary(report: RunReport, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    records = report.records
    ok = sum(1 for d in records.documents if d.status is DocStatus.OK)
    failed = [d for d in records.documents if d.status is DocStatus.FAILED]
    console = Console(stderr=False)
    table = Table(title=f"newsfacts run → {out}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents ok", str(ok))
    table.add_row("documents failed", str(len(failed)))
    for kind in ("people", "dates", "troops", "weapons_orders", "budgets", "conflicts"):
        table.add_row(kind, str(len(getattr(records, kind))))
    console.print(table)
    for d in failed:
        console.print(f"[red]failed[/red] {d.error}", highlight=False)
    for lang, info in sorted(report.pipelines.items()):
        console.print(f"{lang}: spaCy pipeline {info.base}", highlight=False)


def cmd_run(args: argparse.Namespace) -> int:
    report = execute_run(args.input, args.out, model=args.model, lang=args.lang)
    summary(report, args.out)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_corpora, print_table

    result = evaluate_corpora(args.out, model=args.model)
    print_table(result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Extract people, dates, troop numbers, weapons orders and defence budgets from "
        "German and English news, with evidence, and flag where sources disagree.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="extract records from a folder of articles",
        description="Read .txt/.md/.html articles (with optional .meta.json sidecars) and write "
        "CSV/JSON records, conflicts and a manifest.",
        epilog=EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--input", type=Path, default=Path("data/raw"), help="folder of articles (recursive)")
    run.add_argument("--out", type=Path, default=Path("data/out"), help="output folder")
    run.add_argument(
        "--model", default=None, help="spaCy pipeline name or path (default: installed or blank)"
    )
    run.add_argument("--lang", default=None, help="language for articles without one (de|en)")
    run.set_defaults(func=cmd_run)

    ev = sub.add_parser(
        "eval",
        help="score the pipeline against gold annotations",
        description="Run the pipeline on data/raw (gold in data/gold) and on ../shared/corpus/seeds when "
        "present, and print precision/recall/F1 per record type; writes OUT/eval.json.",
        epilog="example:\n  python -m pipeline eval --out data/out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("--out", type=Path, default=Path("data/out"), help="where eval runs and eval.json go")
    ev.add_argument("--model", default=None, help="spaCy pipeline name or path")
    ev.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
