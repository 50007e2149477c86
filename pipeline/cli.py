"""Command line: each command is a thin call into the library.

python -m pipeline run --input data/raw --out data/out
python -m pipeline eval --out data/out
python -m pipeline report --out data/out
python -m pipeline show de_01_japan_budget --out data/out
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import __version__
from .export import atomic_write, load_records, write_outputs
from .ingest import Article
from .records import RECORD_TYPES, DocStatus, Records
from .runner import RunReport, run_pipeline
from .store import Spool

EPILOG_RUN = """example:
  python -m pipeline run --input data/raw --out data/out
  python -m pipeline run --input data/raw --out /tmp/out --format csv,json
  python -m pipeline run --input ../shared/corpus/seeds --out /tmp/seeds --model de_core_news_lg
  python -m pipeline run --input big/ --out /tmp/big --jobs 4                     # 4 processes here
  python -m pipeline run --input big/ --out /tmp/big --engine dask                # LocalCluster
  python -m pipeline run --input big/ --out /tmp/big --engine dask --scheduler tcp://host:8786

outputs (in --out): <type>.csv, records.json, parquet/<type>.parquet (as chosen by --format),
texts/<doc_id>.txt, manifest.json and report.html (always)."""
EPILOG_MAIN = """examples:
  python -m pipeline run --input data/raw --out data/out     # extract; writes data/out/report.html
  python -m pipeline show de_01_japan_budget                 # one document's facts in the terminal
  python -m pipeline report --out data/out                   # rebuild report.html from outputs
  python -m pipeline eval --out data/out                     # precision/recall against gold

each command has its own --help."""
#: Output formats ``run --format`` can choose; texts/, manifest.json and report.html are always written.
FORMATS = ("csv", "json", "parquet")


class UsageError(Exception):
    """An argument the run cannot work with: one clear line, exit code 2."""


def _progress(articles: Iterable[Article]) -> Iterable[Article]:
    from tqdm import tqdm

    # Peek at 21 articles only: the run streams, and a bar is for long runs someone watches
    # (tqdm hides itself when stderr is no terminal).
    iterator = iter(articles)
    head = list(itertools.islice(iterator, 21))
    bar: Iterable[Article] = tqdm(
        itertools.chain(head, iterator), desc="articles", unit="doc", disable=None if len(head) > 20 else True
    )
    return bar


def manifest(report: RunReport) -> dict[str, Any]:
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
            for d in sorted(report.documents, key=lambda d: d.source_path)
        ],
        "counts": {kind: report.counts[kind] for kind in RECORD_TYPES},
        "timings": report.timings,
    }


def parse_formats(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"csv,parquet"`` -> ``("csv", "parquet")``; None means every format."""
    if value is None:
        return FORMATS
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = {item.strip().lower() for item in items if item.strip()}
    chosen.discard("html")  # the report is always written
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise UsageError(f"--format: unknown {', '.join(unknown)} (choose from {', '.join(FORMATS)}, html)")
    return tuple(f for f in FORMATS if f in chosen)


def execute_run(
    input_dir: Path,
    out: Path,
    model: str | None = None,
    lang: str | None = None,
    quiet: bool = False,
    formats: str | Iterable[str] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    jobs: int | None = None,
) -> RunReport:
    """Validate arguments, run, write outputs (``formats``: see ``FORMATS``; report.html always).

    Records are spooled to disk in ``out`` while the run lasts, so memory stays flat; the
    report's ``records`` are read back from the written records.json when asked for.
    """
    chosen = parse_formats(formats)
    if not input_dir.exists():
        raise UsageError(f"input folder not found: {input_dir}")
    if lang is not None and lang not in ("de", "en"):
        raise UsageError(f"--lang must be de or en, not {lang!r}")
    if engine not in ("local", "dask"):
        raise UsageError(f"--engine must be local or dask, not {engine!r}")
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    if jobs is not None and engine != "local":
        raise UsageError("--jobs is for the local engine; a Dask cluster sets its own workers")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
    if not os.access(out, os.W_OK):
        raise UsageError(f"output folder is not writable: {out}")
    from .export import write_parquet
    from .report import report_writer

    extra = [write_parquet] if "parquet" in chosen else []
    extra.append(report_writer)
    with Spool(out) as spool:  # removed however the run ends
        try:
            report = run_pipeline(
                input_dir,
                model=model,
                lang=lang,
                progress=None if quiet else _progress,
                on_text=lambda doc_id, text: atomic_write(out / "texts" / f"{doc_id}.txt", text),
                engine=engine,
                scheduler=scheduler,
                n_process=jobs,
                spool=spool,
            )
        except (OSError, ImportError) as exc:
            if model:
                raise UsageError(f"cannot load spaCy pipeline {model!r}: {exc}") from exc
            raise
        write_outputs(out, spool.records(), report.texts, manifest(report), extra=extra, formats=chosen)
    load = functools.partial(load_records, out) if "json" in chosen else _not_kept
    return dataclasses.replace(report, load=load)


def _not_kept() -> Records:
    raise LookupError("this run wrote no records.json (--format without json): its records were not kept")


def summary(report: RunReport, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    ok = sum(1 for d in report.documents if d.status is DocStatus.OK)
    failed = [d for d in report.documents if d.status is DocStatus.FAILED]
    console = Console(stderr=False)
    table = Table(title=f"newsfacts run → {out}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("documents ok", str(ok))
    table.add_row("documents failed", str(len(failed)))
    for kind in ("people", "dates", "troops", "weapons_orders", "budgets", "conflicts"):
        table.add_row(kind, str(report.counts[kind]))
    console.print(table)
    for d in failed:
        console.print(f"[red]failed[/red] {d.error}", highlight=False)
    for lang, info in sorted(report.pipelines.items()):
        console.print(f"{lang}: spaCy pipeline {info.base}", highlight=False)


def cmd_run(args: argparse.Namespace) -> int:
    report = execute_run(
        args.input,
        args.out,
        model=args.model,
        lang=args.lang,
        formats=args.format,
        engine=args.engine,
        scheduler=args.scheduler,
        jobs=args.jobs,
    )
    summary(report, args.out)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import report_from_outputs

    try:
        path = report_from_outputs(args.out, args.dest)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"cannot write the report: {exc.strerror or exc}") from exc
    print(path)
    if args.screenshot:
        from .report import browse, find_browser

        if find_browser() is None:
            print("no chromium binary: screenshot skipped", file=sys.stderr)
        else:
            browse(path, screenshot=path.with_suffix(".png"))
            print(path.with_suffix(".png"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .show import load_document_facts, print_document

    try:
        facts = load_document_facts(args.out, args.doc_id)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from exc
    except LookupError as exc:
        raise UsageError(str(exc.args[0] if exc.args else exc)) from exc
    print_document(facts)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_corpora, print_table

    result = evaluate_corpora(args.out, model=args.model, holdout=args.holdout)
    print_table(result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Extract people, dates, troop numbers, weapons orders and defence budgets from "
        "German and English news, with evidence, and flag where sources disagree.",
        epilog=EPILOG_MAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser(
        "run",
        help="extract records from a folder of articles",
        description="Read .txt/.md/.html articles (with optional .meta.json sidecars) and write "
        "CSV/JSON/Parquet records, conflicts, a manifest and the HTML report (report.html).",
        epilog=EPILOG_RUN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--input", type=Path, default=Path("data/raw"), help="folder of articles (recursive)")
    run.add_argument("--out", type=Path, default=Path("data/out"), help="output folder")
    run.add_argument(
        "--model", default=None, help="spaCy pipeline name or path (default: installed or blank)"
    )
    run.add_argument("--lang", default=None, help="language for articles without one (de|en)")
    run.add_argument(
        "--format",
        default=",".join(FORMATS),
        help="comma-separated outputs: csv, json, parquet (default: all); report.html is always "
        "written, and `report`/`show` need json",
    )
    run.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where extraction runs: this process (default) or a Dask cluster (same outputs)",
    )
    run.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes of the local engine (default: one per core once the input is longer "
        "than one batch of 32 articles; 1: everything in this process); outputs are the same",
    )
    run.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://host:8786 (with --engine dask; default: a LocalCluster)",
    )
    run.set_defaults(func=cmd_run)

    ev = sub.add_parser(
        "eval",
        help="score the pipeline against gold annotations",
        description="Run the pipeline on data/raw (gold in data/gold) and on ../shared/corpus/seeds when "
        "present, and print precision/recall/F1 per record type; writes OUT/eval.json.",
        epilog="example:\n  python -m pipeline eval --out data/out\n"
        "  python -m pipeline eval --out data/out --holdout   # also the held-out corpus (as make eval)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("--out", type=Path, default=Path("data/out"), help="where eval runs and eval.json go")
    ev.add_argument("--model", default=None, help="spaCy pipeline name or path")
    ev.add_argument(
        "--holdout",
        action="store_true",
        help="also score data/holdout (reported, never gated; keep it unseen while writing rules)",
    )
    ev.set_defaults(func=cmd_eval)

    rep = sub.add_parser(
        "report",
        help="rebuild report.html from a run's outputs",
        description="Render OUT/report.html again from OUT/records.json and OUT/texts/ (every run "
        "already writes it): conflicts side by side, the facts, a troop chart and every document.",
        epilog="example:\n  python -m pipeline report --out data/out\n"
        "  python -m pipeline report --out data/out --dest /tmp/share   # writes /tmp/share/report.html\n"
        "  python -m pipeline report --out data/out --screenshot        # and data/out/report.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rep.add_argument("--out", type=Path, default=Path("data/out"), help="output folder of a run")
    rep.add_argument("--dest", type=Path, default=None, help="folder for report.html (default: --out)")
    rep.add_argument(
        "--screenshot",
        action="store_true",
        help="also save report.png beside it with headless Chromium (skipped when not installed)",
    )
    rep.set_defaults(func=cmd_report)

    show = sub.add_parser(
        "show",
        help="print one document's facts in the terminal",
        description="Print a document's metadata, troops, weapons orders, budgets, people, dates and "
        "conflicts as tables, each with its quote highlighted in the sentence (from a run's outputs).",
        epilog="example:\n  python -m pipeline show de_01_japan_budget\n"
        "  python -m pipeline show en_01_japan_philippines --out /tmp/out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("doc_id", help="document id (the article's file name without extension)")
    show.add_argument("--out", type=Path, default=Path("data/out"), help="output folder of a run")
    show.set_defaults(func=cmd_show)
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
