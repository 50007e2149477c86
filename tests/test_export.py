"""Outputs: every file, the column contract, evidence that quotes the text, determinism, frames."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import execute_run, main
from pipeline.export import COLUMNS, load_records
from pipeline.records import Records

CONTRACT = {
    "documents": "doc_id source_path lang published publisher title status error sentences words",
    "people": "doc_id name aliases role role_en country mentions sentence start end quote",
    "dates": "doc_id text value kind granularity sentence start end quote",
    "troops": "doc_id force host count qualifier low high as_of sentence start end quote",
    "weapons_orders": "doc_id buyer seller system category quantity status sentence start end quote",
    "budgets": "doc_id country measure value unit status year sentence start end quote",
    "conflicts": "conflict_id fact subject kind explanation claims",
}
OUTPUTS = [f"{kind}.csv" for kind in COLUMNS] + ["records.json", "manifest.json"]


def run_dirs(eval_run: tuple[Path, dict]) -> list[Path]:
    out, _ = eval_run
    return sorted(p for p in (out / "eval").iterdir() if p.is_dir())


def test_every_output_is_written_with_contract_columns(eval_run: tuple[Path, dict]) -> None:
    for folder in run_dirs(eval_run):
        for name in OUTPUTS:
            assert (folder / name).is_file(), f"{folder}/{name} missing"
        for kind, columns in CONTRACT.items():
            with (folder / f"{kind}.csv").open(encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert set(columns.split()) <= set(header), (
                f"{kind}.csv lacks {set(columns.split()) - set(header)}"
            )


def test_every_quote_is_the_text_at_its_span(eval_run: tuple[Path, dict]) -> None:
    checked = 0
    for folder in run_dirs(eval_run):
        records = load_records(folder)
        texts = {
            d.doc_id: (folder / "texts" / f"{d.doc_id}.txt").read_text(encoding="utf-8")
            for d in records.documents
            if d.status.value == "ok"
        }
        for kind in ("people", "dates", "troops", "weapons_orders", "budgets"):
            for record in getattr(records, kind):
                ev = record.evidence
                assert ev is not None and ev.doc_id == record.doc_id
                assert texts[ev.doc_id][ev.start : ev.end] == ev.quote
                checked += 1
    assert checked > 0


def test_records_json_round_trips_and_frames_have_dtypes(eval_run: tuple[Path, dict]) -> None:
    folder = run_dirs(eval_run)[0]
    records = load_records(folder)
    assert Records.model_validate_json((folder / "records.json").read_text(encoding="utf-8")) == records
    frames = records.to_frames()
    assert set(frames) == set(COLUMNS)
    assert str(frames["troops"]["count"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(frames["documents"]["published"])
    assert len(frames["documents"]) == len(records.documents)


ARTICLE = (
    "Deutschland stockt Brigade in Litauen auf\n\n"
    "Die Bundeswehr will bis 2027 rund 4800 Soldatinnen und Soldaten dauerhaft in Litauen stationieren. "
    "Verteidigungsminister Boris Pistorius sagte am Montag, Deutschland stehe zu seinen Zusagen.\n"
)


@pytest.fixture()
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "brigade.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "brigade.meta.json").write_text(
        json.dumps({"lang": "de", "published": "2025-05-14", "publisher": "Tagesblatt"}), encoding="utf-8"
    )
    (folder / "leer.txt").write_bytes(b"")
    return folder


def test_two_runs_are_byte_identical_apart_from_timings(small_corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    execute_run(small_corpus, first, quiet=True)
    execute_run(small_corpus, second, quiet=True)
    for path in sorted(first.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path.name
    m1, m2 = (json.loads((d / "manifest.json").read_text(encoding="utf-8")) for d in (first, second))
    m1.pop("timings"), m2.pop("timings")
    assert json.dumps(m1).replace(str(first), "") == json.dumps(m2).replace(str(second), "")


def test_manifest_accounts_for_every_input(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", "--input", str(small_corpus), "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    inputs = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert set(inputs) == {"brigade.txt", "leer.txt"}
    assert inputs["brigade.txt"]["status"] == "ok" and len(inputs["brigade.txt"]["sha256"]) == 64
    assert inputs["leer.txt"]["status"] == "failed" and "empty file" in inputs["leer.txt"]["error"]
    assert manifest["pipelines"]["de"]["base"] == "blank:de"
    assert manifest["counts"]["documents"] == 2
    docs = list(csv.DictReader((out / "documents.csv").open(encoding="utf-8")))
    assert {d["status"] for d in docs} == {"ok", "failed"}
    assert (out / "texts" / "brigade.txt").read_text(encoding="utf-8") == ARTICLE


def test_empty_record_types_still_get_a_header(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "leer.txt").write_bytes(b"")
    execute_run(folder, tmp_path / "out", quiet=True)
    for kind in COLUMNS:
        lines = (tmp_path / "out" / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0].split(",")[0] == COLUMNS[kind][0]


def test_unusable_arguments_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--input", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: input folder not found") and err.count("\n") == 1
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (tmp_path / "in").mkdir()
    assert main(["run", "--input", str(tmp_path / "in"), "--out", str(blocker / "sub")]) == 2
    assert "cannot create output folder" in capsys.readouterr().err


def test_outputs_get_the_usual_file_mode(tmp_path: Path) -> None:
    import os

    from pipeline.export import atomic_write

    atomic_write(tmp_path / "x.csv", "a\n")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "x.csv").stat().st_mode & 0o777 == 0o666 & ~mask


def test_records_json_validates_against_the_committed_schema(eval_run: tuple[Path, dict]) -> None:
    import jsonschema

    from pipeline.schemas import SCHEMA_DIR

    schema = json.loads((SCHEMA_DIR / "Records.schema.json").read_text(encoding="utf-8"))
    for folder in run_dirs(eval_run):
        jsonschema.validate(json.loads((folder / "records.json").read_text(encoding="utf-8")), schema)
