"""What notebooks import: ``from pipeline import run, extract, load_records``."""

from __future__ import annotations

from pathlib import Path

from .export import load_records
from .records import Records
from .runner import extract

__all__ = ["Records", "extract", "load_records", "run"]


def run(
    input: str | Path = "data/raw",
    out: str | Path = "data/out",
    model: str | None = None,
    lang: str | None = None,
) -> Records:
    """Run the pipeline on a folder of articles, write every output to ``out``, return the records
    (read back from ``out/records.json``: the run itself keeps them on disk)."""
    from .cli import execute_run

    return execute_run(Path(input), Path(out), model=model, lang=lang, quiet=True).records
