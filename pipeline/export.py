"""Write a run's outputs: CSV per record type, records.json, texts/ and manifest.json.

The CSV columns are a contract that outside checks read. Files are written
atomically (temp file + rename), UTF-8, rows in a stable order, so two runs on the
same input give byte-identical outputs apart from the manifest's timings.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .records import RECORD_TYPES, Records, dump
from .store import RecordSet

#: Column order of each CSV; evidence columns are flattened from ``record.evidence``.
EVIDENCE = ("sentence", "start", "end", "quote")
COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": (
        "doc_id", "source_path", "lang", "published", "publisher", "title",
        "status", "error", "sentences", "words",
    ),
    "people": ("doc_id", "name", "aliases", "role", "role_en", "country", "mentions", *EVIDENCE),
    "dates": ("doc_id", "text", "value", "kind", "granularity", "mod", *EVIDENCE),
    "troops": (
        "doc_id", "force", "host", "count", "qualifier", "low", "high", "as_of", "modality", *EVIDENCE,
    ),
    "weapons_orders": (
        "doc_id", "buyer", "seller", "seller_inferred", "system", "category", "quantity", "status", *EVIDENCE,
    ),
    "budgets": ("doc_id", "country", "measure", "value", "unit", "status", "year", "change", *EVIDENCE),
    "conflicts": (
        "conflict_id", "fact", "subject", "kind", "compatible", "days_apart",
        "possibly_changed_over_time", "explanation", "claims",
    ),
    "facts": (
        "fact", "subject", "state", "claims", "documents", "min_value", "max_value",
        "latest_doc_id", "latest_as_of", "latest_value",
    ),
}  # fmt: skip
#: Columns that hold JSON (lists and objects) inside a CSV cell.
JSON_COLUMNS = frozenset({"subject", "claims"})
LIST_COLUMNS = frozenset({"aliases"})


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temp file beside ``path`` and rename it over: readers never see half a file."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temp file beside ``path`` for a writer that wants a file name (Parquet); renamed over
    ``path`` when the block ends, removed when it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes files owner-only; outputs are for sharing
        os.close(fd)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_stream(path: Path, write: Callable[[TextIO], None]) -> None:
    """Like :func:`atomic_write`, for content produced piece by piece into a UTF-8 text handle."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, sort_keys=column == "subject")
    if column in LIST_COLUMNS:
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def iter_rows(kind: str, records: Iterable[Any]) -> Iterator[dict[str, str]]:
    """CSV rows for one record type, in the column order of ``COLUMNS[kind]``, one at a time."""
    for record in records:
        data = dump(record)
        evidence = data.pop("evidence", None) or {}
        flat = {**data, **{k: evidence.get(k) for k in EVIDENCE}} if kind != "documents" else data
        if kind == "conflicts":
            flat["claims"] = [{k: v for k, v in claim.items() if k != "evidence"} for claim in data["claims"]]
        yield {column: _cell(column, flat.get(column)) for column in COLUMNS[kind]}


def rows(kind: str, records: Iterable[Any]) -> list[dict[str, str]]:
    """CSV rows for one record type, in the column order of ``COLUMNS[kind]``."""
    return list(iter_rows(kind, records))


def write_csv(handle: TextIO, kind: str, records: Iterable[Any]) -> None:
    writer = csv.DictWriter(handle, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    writer.writerows(iter_rows(kind, records))


def to_csv(kind: str, records: Iterable[Any]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, kind, records)
    return buffer.getvalue()


def records_json(records: Records) -> str:
    return json.dumps(dump(records), ensure_ascii=False, indent=2) + "\n"


def write_records_json(handle: TextIO, records: RecordSet) -> None:
    """:func:`records_json`, byte for byte, written one record at a time (memory stays flat)."""
    handle.write("{")
    for k, name in enumerate(RECORD_TYPES):
        items = getattr(records, name)
        handle.write(("," if k else "") + "\n  " + json.dumps(name, ensure_ascii=False) + ": ")
        if not len(items):
            handle.write("[]")
            continue
        handle.write("[")
        for i, item in enumerate(items):
            body = json.dumps(dump(item), ensure_ascii=False, indent=2).replace("\n", "\n    ")
            handle.write(("," if i else "") + "\n    " + body)
        handle.write("\n  ]")
    handle.write("\n}\n")


def write_outputs(
    out: Path,
    records: RecordSet,
    texts: dict[str, str],
    manifest: dict[str, Any],
    extra: Iterable[Callable[[Path, RecordSet], None]] = (),
    formats: Collection[str] = ("csv", "json"),
) -> list[Path]:
    """Every output file of a run; returns the paths written.

    ``formats`` picks the CSVs (``csv``) and ``records.json`` (``json``); texts/ and the
    manifest are always written, other formats (Parquet, the report) come as ``extra`` writers.
    ``records`` may be a spool's lazy view: every writer iterates it and keeps nothing.
    """
    written = []
    if "csv" in formats:
        for kind in COLUMNS:
            path = out / f"{kind}.csv"
            atomic_stream(path, functools.partial(write_csv, kind=kind, records=getattr(records, kind)))
            written.append(path)
    for doc_id, text in sorted(texts.items()):
        path = out / "texts" / f"{doc_id}.txt"
        atomic_write(path, text)
    if "json" in formats:
        path = out / "records.json"
        atomic_stream(path, lambda handle: write_records_json(handle, records))
        written.append(path)
    for writer in extra:
        writer(out, records)
    path = out / "manifest.json"
    atomic_write(path, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    written.append(path)
    return written


def load_records(out: str | Path) -> Records:
    """The records of an earlier run, from its ``records.json``."""
    path = Path(out)
    if path.is_dir():
        path = path / "records.json"
    return Records.model_validate_json(path.read_text(encoding="utf-8"))


# ---- pandas ---------------------------------------------------------------------------------

_DATETIME_COLUMNS = frozenset({"published", "as_of", "latest_as_of"})
_INT_COLUMNS = frozenset(
    {"sentence", "start", "end", "count", "low", "high", "quantity", "year", "mentions", "sentences",
     "words", "claims", "documents", "days_apart"}
)  # fmt: skip


def to_frames(records: Records) -> dict[str, Any]:
    """One DataFrame per record type with the CSV's columns: datetimes, nullable Int64, lists."""
    return {kind: to_frame(kind, getattr(records, kind)) for kind in COLUMNS}


def to_frame(kind: str, records: Iterable[Any]) -> Any:
    """The DataFrame of one record type (see :func:`to_frames`)."""
    import pandas as pd

    columns = COLUMNS[kind]
    data = []
    for record in records:
        row = dump(record)
        evidence = row.pop("evidence", None) or {}
        row.update({k: evidence.get(k) for k in EVIDENCE if kind != "documents"})
        data.append({c: row.get(c) for c in columns})
    frame = pd.DataFrame(data, columns=list(columns))
    for column in columns:
        if column in _DATETIME_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce", format="ISO8601")
        elif column in _INT_COLUMNS and not (kind == "conflicts" and column == "claims"):
            frame[column] = frame[column].astype("Int64")
    return frame


# ---- Parquet --------------------------------------------------------------------------------

#: Columns that are floats (budgets ``value``, fact ranges); the rest follow ``to_frames``.
_FLOAT_COLUMNS = frozenset({("budgets", "value"), ("facts", "min_value"), ("facts", "max_value"),
                            ("facts", "latest_value")})  # fmt: skip
_BOOL_COLUMNS = frozenset({"seller_inferred", "compatible", "possibly_changed_over_time"})


def arrow_schema(kind: str) -> Any:
    """The fixed Parquet schema of one record type: the same columns whatever rows a run has.

    Integers are int64, dates UTC timestamps, ``aliases`` a list of strings; ``subject``
    and ``claims`` hold the same JSON text as the CSV cells.
    """
    import pyarrow as pa

    fields = []
    for column in COLUMNS[kind]:
        if column in _DATETIME_COLUMNS:
            type_ = pa.timestamp("us", tz="UTC")
        elif (kind, column) in _FLOAT_COLUMNS:
            type_ = pa.float64()
        elif column in _INT_COLUMNS and not (kind == "conflicts" and column == "claims"):
            type_ = pa.int64()
        elif column in _BOOL_COLUMNS:
            type_ = pa.bool_()
        elif column in LIST_COLUMNS:
            type_ = pa.list_(pa.string())
        else:
            type_ = pa.string()
        fields.append(pa.field(column, type_))
    return pa.schema(fields)


def to_parquet(kind: str, frame: Any) -> bytes:
    """One record type's DataFrame (from ``to_frames``) as Parquet bytes with ``arrow_schema``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(_arrow_table(kind, frame), sink)
    return bytes(sink.getvalue().to_pybytes())


def _arrow_table(kind: str, frame: Any) -> Any:
    import pyarrow as pa

    frame = frame.copy()
    for column in JSON_COLUMNS & set(frame.columns):
        if kind == "facts" and column == "claims":
            continue
        frame[column] = [None if v is None else _cell(column, v) for v in frame[column].astype(object)]
    return pa.Table.from_pandas(frame, schema=arrow_schema(kind), preserve_index=False)


#: Rows per Parquet row group when writing a run: memory holds one group's DataFrame at a time.
PARQUET_ROWS = 10_000


def write_parquet(out: Path, records: RecordSet) -> None:
    """``OUT/parquet/<type>.parquet`` for every record type (a ``write_outputs`` extra writer),
    ``PARQUET_ROWS`` records at a time; a run of fewer rows gives :func:`to_parquet`'s bytes."""
    import pyarrow.parquet as pq

    for kind in COLUMNS:
        items = iter(getattr(records, kind))
        with atomic_path(out / "parquet" / f"{kind}.parquet") as tmp:
            chunk = list(itertools.islice(items, PARQUET_ROWS))
            table = _arrow_table(kind, to_frame(kind, chunk))
            with pq.ParquetWriter(tmp, table.schema) as writer:
                writer.write_table(table)
                while chunk := list(itertools.islice(items, PARQUET_ROWS)):
                    writer.write_table(_arrow_table(kind, to_frame(kind, chunk)))
