"""Speed and memory: ``make bench`` (``python -m pipeline.bench``) prints a table and writes
``data/out/bench.json``.

1. Throughput: the sample articles (``data/raw``, and ``../shared/corpus/seeds`` when
   present) repeated to at least ``--words`` words, through the extraction stages
   (:func:`pipeline.runner.process`, records packed for the spool as ``pipeline run`` does)
   in one process and in one worker process per core (workers started once, warmed up
   outside the timing like the pipelines; and, in a row of its own, started per run as
   ``pipeline run`` starts them), next to spaCy's blank ``de`` tokenizer alone on the same
   texts in the same run (each row the fastest of ``--repeat``
   runs, as ``timeit`` reports; the rows take turns, one run each per round). Words per
   second by wall clock and by CPU time (CPU time is what to compare on a busy machine),
   and the ratio pipeline / tokenizer. Also the share of time per stage on the un-repeated
   corpus.
2. Scaling: the corpus written to a temp folder ``k`` times (separate article files and
   sidecars), each size run as ``python -m pipeline run`` does it, in a child process;
   wall time, CPU time of all processes and peak RSS of the run and of its workers.
3. The reconciler on ``--claims`` synthetic claims (``reconcile.synthetic_claims`` and
   ``reconcile_frame``), in a child process: time and peak RSS.

Timing lives here and in the runner's manifest timings, never in the stages.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "raw"
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
DEFAULT_OUT = REPO / "data" / "out" / "bench.json"
#: The pipeline should reach this share of the bare tokenizer's words per second.
TARGET_RATIO = 0.3


def corpus_dirs() -> list[Path]:
    return [d for d in (SAMPLE, SEEDS) if d.is_dir()]


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB. For this process Linux's VmHWM (reset by exec, unlike
    ``ru_maxrss``, which a child inherits from the parent it was forked from)."""
    status = Path("/proc/self/status")
    if who == resource.RUSAGE_SELF and status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    # ru_maxrss is in KiB on Linux, bytes on macOS
    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return round(resource.getrusage(who).ru_maxrss * scale, 1)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _all_cpu() -> float:
    """CPU seconds of this process and of its children, finished or still running (a
    :class:`~pipeline.runner.WorkerPool`'s workers outlive the runs they work for)."""
    import psutil

    running = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:  # it ended meanwhile: counted by RUSAGE_CHILDREN
            continue
        running += times.user + times.system
    return _cpu() + _children_cpu() + running


# ---- 1. throughput ---------------------------------------------------------------------------


def base_articles() -> list[Any]:
    """The usable sample (and seed) articles, ingested once."""
    from .ingest import ingest

    return [a for d in corpus_dirs() for a in ingest(d) if a.ok]


def _words(texts: Iterable[str]) -> int:
    import spacy

    tokenizer: Any = spacy.blank("de").tokenizer
    return sum(1 for doc in tokenizer.pipe(texts) for t in doc if not (t.is_punct or t.is_space))


def stage_shares(articles: Sequence[Any]) -> dict[str, float]:
    """CPU seconds per pipeline component (and tokenizer, doc_to_records) over ``articles``."""
    from .nlp import cached_nlp
    from .runner import article_doc, doc_to_records

    spent: defaultdict[str, float] = defaultdict(float)
    for article in articles:
        document = article.document
        nlp = cached_nlp(document.lang.value)
        started = time.process_time()
        doc = article_doc(nlp, article)
        spent["tokenizer"] += time.process_time() - started
        for name, component in nlp.pipeline:
            started = time.process_time()
            doc = component(doc)
            spent[name] += time.process_time() - started
        started = time.process_time()
        doc_to_records(doc, document)
        spent["doc_to_records"] += time.process_time() - started
    return {name: round(seconds, 3) for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])}


def _best(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each run's fastest of ``repeat`` (CPU of this process and of its
    finished children), as ``timeit`` does: the slower runs measure the machine's other work.
    The runs take turns, ``repeat`` rounds of one each, so a slow spell of the machine falls on
    every row alike instead of on whichever row was being measured (the ratio divides two)."""
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(max(1, repeat)):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), _all_cpu()
            run()
            timings[name].append((time.perf_counter() - wall, _all_cpu() - cpu))
    return {name: min(found) for name, found in timings.items()}


def throughput(min_words: int, repeat: int = 5) -> dict[str, Any]:
    import spacy

    from .nlp import cached_nlp
    from .runner import WorkerPool, process

    base = base_articles()
    base_words = _words(a.text for a in base)
    copies = max(1, -(-min_words // max(1, base_words)))
    corpus = base * copies
    texts = [a.text for a in corpus]
    words = base_words * copies

    for lang in sorted({a.document.lang.value for a in base}):
        cached_nlp(lang)  # build once, outside the timing
    list(process(base[:2]))

    tokenizer: Any = spacy.blank("de").tokenizer
    list(tokenizer.pipe(texts[:10]))

    def tokenize() -> None:
        for _ in tokenizer.pipe(texts, batch_size=256):
            pass

    # spaCy's own multi-process path for the bare tokenizer, for comparison: it ships every Doc
    # back through msgpack, which costs more than tokenising, so one process is its best
    blank = spacy.blank("de")

    def tokenize_parallel() -> None:
        for _ in blank.pipe(texts, batch_size=256, n_process=os.cpu_count() or 1):
            pass

    failures: list[int] = []

    # both rows extract as ``pipeline run`` does: results packed for its spool (in the worker
    # processes, which is also what keeps the parent's share of the work small)
    def run_one() -> None:
        results = process(corpus, n_process=1, packed=True)
        failures.append(sum(1 for r in results if r.document.status.value != "ok"))

    workers = os.cpu_count() or 1

    # workers started once and warmed up outside the timing, as the pipelines are built once:
    # the row measures extraction; starting workers is a cost per run, in the next row
    pool = WorkerPool(workers)

    def run_parallel() -> None:
        for _ in process(corpus, pool=pool, packed=True):
            pass

    # as ``pipeline run`` does: workers started for the run, their first batches slowed by
    # copying the pages of the main process they write to. Measured once the pool is gone:
    # while it runs, this process has a thread and would start workers without ``fork``.
    def run_started() -> None:
        for _ in process(corpus, n_process=workers, packed=True):
            pass

    with pool:
        run_parallel()
        best = _best(
            {
                "tokenizer": tokenize,
                "tokenizer_parallel": tokenize_parallel,
                "pipeline": run_one,
                "parallel": run_parallel,
            },
            repeat,
        )
    best |= _best({"started": run_started}, repeat)
    (tok_wall, tok_cpu), (tok_par_wall, tok_par_cpu) = best["tokenizer"], best["tokenizer_parallel"]
    (pipe_wall, pipe_cpu), (par_wall, par_cpu) = best["pipeline"], best["parallel"]
    started_wall, started_cpu = best["started"]
    failed = max(failures)

    shares = stage_shares(base)
    total = sum(shares.values()) or 1.0
    return {
        "documents": len(corpus),
        "copies": copies,
        "repeat": repeat,
        "words": words,
        "failed": failed,
        "tokenizer": {"wall_s": round(tok_wall, 3), "cpu_s": round(tok_cpu, 3)},
        "tokenizer_parallel": {
            "wall_s": round(tok_par_wall, 3),
            "cpu_s": round(tok_par_cpu, 3),
            "processes": os.cpu_count() or 1,
        },
        "tokenizer_parallel_wps": {"wall": round(words / tok_par_wall), "cpu": round(words / tok_par_cpu)},
        "pipeline": {"wall_s": round(pipe_wall, 3), "cpu_s": round(pipe_cpu, 3)},
        "pipeline_parallel": {"wall_s": round(par_wall, 3), "cpu_s": round(par_cpu, 3), "processes": workers},
        "pipeline_started": {
            "wall_s": round(started_wall, 3),
            "cpu_s": round(started_cpu, 3),
            "processes": workers,
        },
        "pipeline_started_wps": {"wall": round(words / started_wall), "cpu": round(words / started_cpu)},
        "tokenizer_wps": {"wall": round(words / tok_wall), "cpu": round(words / tok_cpu)},
        "pipeline_wps": {"wall": round(words / pipe_wall), "cpu": round(words / pipe_cpu)},
        "pipeline_parallel_wps": {"wall": round(words / par_wall), "cpu": round(words / par_cpu)},
        "ratio": {"wall": round(tok_wall / pipe_wall, 4), "cpu": round(tok_cpu / pipe_cpu, 4)},
        "ratio_parallel": {"wall": round(tok_wall / par_wall, 4), "cpu": round(tok_cpu / par_cpu, 4)},
        "ratio_started": {"wall": round(tok_wall / started_wall, 4), "cpu": round(tok_cpu / started_cpu, 4)},
        "target_ratio": TARGET_RATIO,
        "stage_cpu_s": shares,
        "stage_share": {name: round(seconds / total, 3) for name, seconds in shares.items()},
    }


# ---- 2. scaling ------------------------------------------------------------------------------


def write_corpus(dest: Path, copies: int, sources: Sequence[Path] | None = None) -> int:
    """``copies`` of every article (and its sidecar, with a unique id) as separate files; the count."""
    from .ingest import discover

    count = 0
    for source in sources if sources is not None else corpus_dirs():
        for path in discover(source):
            sidecar = path.with_name(path.stem + ".meta.json")
            meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else None
            for copy in range(copies):
                stem = f"r{copy:04d}_{path.stem}"
                shutil.copyfile(path, dest / f"{stem}{path.suffix}")
                if meta is not None:
                    meta_copy = dict(meta)
                    if meta_copy.get("id"):
                        meta_copy["id"] = f"r{copy:04d}_{meta_copy['id']}"
                    (dest / f"{stem}.meta.json").write_text(json.dumps(meta_copy), encoding="utf-8")
                count += 1
    return count


def child_run(input_dir: Path, out: Path, engine: str = "local") -> dict[str, Any]:
    """One real run, exactly as ``python -m pipeline run`` does it (runner, writers, report)."""
    from .cli import execute_run

    wall = time.perf_counter()
    report = execute_run(input_dir, out, quiet=True, formats="csv,json", engine=engine)
    return {
        "run_wall_s": round(time.perf_counter() - wall, 3),
        "timings": report.timings,
        "documents": len(report.documents),
        "cpu_s": round(_cpu() + _children_cpu(), 3),
        "rss_mb": _maxrss_mb(),
        "children_rss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
    }


def _children_cpu() -> float:
    """CPU of this process's finished children: the local engine's worker processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _child(args: list[str]) -> dict[str, Any]:
    """Run ``python -m pipeline.bench --child ARGS`` and return its JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.bench", "--child", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def scaling(scales: Sequence[int], engine: str = "local") -> list[dict[str, Any]]:
    rows = []
    for copies in scales:
        with tempfile.TemporaryDirectory(prefix="newsfacts-bench-") as tmp:
            source, out = Path(tmp) / "in", Path(tmp) / "out"
            source.mkdir()
            files = write_corpus(source, copies)
            words = _words(p.read_text(encoding="utf-8", errors="replace") for p in _articles(source))
            wall = time.perf_counter()
            result = _child(["run", str(source), str(out), engine])
            elapsed = time.perf_counter() - wall
        rows.append(
            {"scale": copies, "files": files, "words": words, "engine": engine, "wall_s": round(elapsed, 3)}
            | result
        )
    return rows


def _articles(folder: Path) -> list[Path]:
    from .ingest import discover

    return discover(folder)


# ---- 3. reconciler ---------------------------------------------------------------------------


def child_reconcile(n: int) -> dict[str, Any]:
    from .reconcile import reconcile_frame, synthetic_claims

    before = _maxrss_mb()
    wall = time.perf_counter()
    claims = synthetic_claims(n, seed=0)
    generated = time.perf_counter() - wall
    rss_claims = _maxrss_mb()
    wall, cpu = time.perf_counter(), _cpu()
    result = reconcile_frame(claims)
    return {
        "claims": n,
        "generate_s": round(generated, 3),
        "reconcile_wall_s": round(time.perf_counter() - wall, 3),
        "reconcile_cpu_s": round(_cpu() - cpu, 3),
        "conflicts": len(result.conflicts),
        "facts": len(result.facts),
        "rss_start_mb": before,
        "rss_claims_mb": rss_claims,
        "rss_peak_mb": _maxrss_mb(),
    }


# ---- table and main --------------------------------------------------------------------------


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    tp = result.get("throughput")
    if tp:
        table = Table(
            title=f"throughput: {tp['words']:,} words, {tp['documents']} documents "
            f"(fastest of {tp.get('repeat', 1)} runs per row)"
        )
        for column in ("", "wall s", "words/s (wall)", "cpu s", "words/s (cpu)"):
            table.add_column(column, justify="right" if column else "left")
        workers = tp["pipeline_parallel"]["processes"]
        lines = (
            ("blank de tokenizer", "tokenizer"),
            (f"blank de tokenizer, {tp['tokenizer_parallel']['processes']} processes", "tokenizer_parallel"),
            ("pipeline, 1 process", "pipeline"),
            (f"pipeline, {workers} processes", "pipeline_parallel"),
            (f"pipeline, {workers} processes, started per run", "pipeline_started"),
        )
        for label, name in lines:
            table.add_row(
                label,
                f"{tp[name]['wall_s']:.2f}",
                f"{tp[f'{name}_wps']['wall']:,}",
                f"{tp[name]['cpu_s']:.2f}",
                f"{tp[f'{name}_wps']['cpu']:,}",
            )
        for label, name in (
            ("1 process", "ratio"),
            (f"{workers} processes", "ratio_parallel"),
            (f"{workers} processes, started per run", "ratio_started"),
        ):
            table.add_row(
                f"ratio, {label} (target ≥ {tp['target_ratio']})",
                "",
                f"{tp[name]['wall']:.3f}",
                "",
                f"{tp[name]['cpu']:.3f}",
            )
        console.print(table)
        shares = Table(title="CPU share per stage (un-repeated corpus)")
        shares.add_column("stage")
        shares.add_column("cpu s", justify="right")
        shares.add_column("share", justify="right")
        for name, seconds in tp["stage_cpu_s"].items():
            shares.add_row(name, f"{seconds:.2f}", f"{tp['stage_share'][name]:.1%}")
        console.print(shares)
    rows = result.get("scaling")
    if rows:
        table = Table(title="scaling: `pipeline run` (runner, writers, report) in a child process")
        for column in (
            "scale",
            "files",
            "words",
            "wall s",
            "words/s (wall)",
            "cpu s (all processes)",
            "peak RSS MB (main)",
            "peak RSS MB (worker)",
        ):
            table.add_column(column, justify="right")
        for row in rows:
            table.add_row(
                f"{row['scale']}x",
                str(row["files"]),
                f"{row['words']:,}",
                f"{row['wall_s']:.1f}",
                f"{row['words'] / row['wall_s']:,.0f}",
                f"{row['cpu_s']:.1f}",
                f"{row['rss_mb']:.0f}",
                f"{row['children_rss_mb']:.0f}",
            )
        console.print(table)
    rec = result.get("reconcile")
    if rec:
        table = Table(title=f"reconciler: {rec['claims']:,} synthetic claims")
        for column in (
            "generate s",
            "reconcile wall s",
            "reconcile cpu s",
            "conflicts",
            "facts",
            "peak RSS MB",
        ):
            table.add_column(column, justify="right")
        table.add_row(
            f"{rec['generate_s']:.1f}",
            f"{rec['reconcile_wall_s']:.1f}",
            f"{rec['reconcile_cpu_s']:.1f}",
            f"{rec['conflicts']:,}",
            f"{rec['facts']:,}",
            f"{rec['rss_peak_mb']:.0f}",
        )
        console.print(table)


def machine() -> dict[str, Any]:
    import spacy

    return {
        "python": platform.python_version(),
        "spacy": spacy.about.__version__,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=200_000, help="throughput corpus size (words)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="throughput runs per row; the fastest counts (as in timeit)"
    )
    parser.add_argument(
        "--scales", default="1,10,100", help="corpus copies for the scaling runs (comma-separated)"
    )
    parser.add_argument("--claims", type=int, default=1_000_000, help="synthetic claims for the reconciler")
    parser.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="engine of the scaling runs"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated sections to skip: throughput,scaling,reconcile"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where bench.json goes")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        kind, *rest = args.child
        child = (
            child_run(Path(rest[0]), Path(rest[1]), rest[2])
            if kind == "run"
            else child_reconcile(int(rest[0]))
        )
        print(json.dumps(child))
        return 0

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    result: dict[str, Any] = {"machine": machine()}
    if "throughput" not in skip:
        result["throughput"] = throughput(args.words, args.repeat)
    if "scaling" not in skip:
        scales = [int(s) for s in args.scales.split(",") if s.strip()]
        result["scaling"] = scaling(scales, args.engine)
    if "reconcile" not in skip:
        result["reconcile"] = _child(["reconcile", str(args.claims)])
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
