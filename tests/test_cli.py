"""The command line: every command documented with an example, show and report on a run's outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import FORMATS, build_parser, execute_run, main
from pipeline.export import COLUMNS, load_records, write_outputs
from pipeline.report import REPORT_NAME, render_report
from pipeline.show import document_facts, load_document_facts
from tests.test_report import sample


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_says_what_it_does_with_an_example() -> None:
    parser = build_parser()
    helps = {a.dest: a.help for a in parser._subparsers._group_actions[0]._choices_actions}  # type: ignore[union-attr]
    commands = subcommands()
    assert {"run", "eval", "report", "show"} <= set(commands)
    top = parser.format_help()
    for name, sub in commands.items():
        assert helps.get(name), f"{name} has no one-line help"
        assert sub.description, f"{name} has no description"
        text = sub.format_help()
        assert "example" in text and f"python -m pipeline {name}" in text, f"{name} help lacks an example"
        assert f"python -m pipeline {name}" in top, f"top-level help lacks an example of {name}"


@pytest.fixture()
def sample_out(tmp_path: Path) -> Path:
    """A run's outputs written from hand-built records (conflict, every fact type)."""
    records, texts = sample()
    out = tmp_path / "out"
    write_outputs(out, records, texts, {})
    return out


def test_show_returns_the_documents_facts(sample_out: Path) -> None:
    facts = load_document_facts(sample_out, "de_brigade")
    assert facts.document.publisher == "Tagesblatt"
    (troop,) = facts.rows("troops")
    assert troop["force"] == "DE" and troop["host"] == "LT" and troop["count"] == "about 4,800"
    assert troop["quote"] == "rund 4.800 Soldatinnen und Soldaten"
    assert troop["context"].startswith("Am 14. Mai sagte") and troop["context"].endswith("stationieren.")
    (order,) = facts.rows("weapons_orders")
    assert order["system"] == "F-35" and order["quantity"] == "35" and order["seller"] == "US (maker)"
    (budget,) = facts.rows("budgets")
    assert budget["value"] == "62.4 bn" and budget["unit"] == "EUR" and budget["year"] == "2026"
    assert [p["name"] for p in facts.rows("people")] == ["Boris Pistorius"]
    (conflict,) = facts.rows("conflicts")
    assert (
        conflict["this source"] == "about 4,800"
        and "more than 5,000 (Daily Ledger)" in conflict["other sources"]
    )


def test_show_command_prints_and_fails_with_one_line(
    sample_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "en_brigade", "--out", str(sample_out)]) == 0
    assert "Daily Ledger" in capsys.readouterr().out
    assert main(["show", "de_brigad", "--out", str(sample_out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "de_brigade" in err
    assert main(["show", "de_brigade", "--out", str(sample_out / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no records.json") and err.count("\n") == 1


def test_show_on_failed_document_has_no_facts(sample_out: Path) -> None:
    records, texts = sample()
    facts = document_facts(records, texts, "leer")
    assert facts.document.error == "leer.txt: empty file"
    assert not any(facts.tables.values())


def test_report_command_regenerates_report_from_outputs(
    sample_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records, texts = sample()
    (sample_out / REPORT_NAME).unlink(missing_ok=True)
    assert main(["report", "--out", str(sample_out)]) == 0
    assert (sample_out / REPORT_NAME).read_text(encoding="utf-8") == render_report(records, texts)
    assert main(["report", "--out", str(sample_out), "--dest", str(tmp_path / "share")]) == 0
    assert (tmp_path / "share" / REPORT_NAME).is_file()
    capsys.readouterr()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["report", "--out", str(sample_out), "--dest", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the report") and err.count("\n") == 1
    assert main(["report", "--out", str(tmp_path / "nothing")]) == 2


ARTICLE = (
    "Bundeswehr verstärkt Präsenz in Litauen\n\n"
    "Die Bundeswehr will bis 2027 rund 4800 Soldaten dauerhaft in Litauen stationieren, "
    "sagte Verteidigungsminister Boris Pistorius am Montag in Vilnius.\n"
)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "litauen.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "litauen.meta.json").write_text(
        json.dumps(
            {
                "lang": "de",
                "published": "2025-05-12",
                "publisher": "Tagesblatt",
                "title": "Bundeswehr verstärkt Präsenz in Litauen",
            }
        ),
        encoding="utf-8",
    )
    return folder


def test_run_writes_every_format_and_the_report_and_show_reads_it(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["run", "--input", str(corpus), "--out", str(out)]) == 0
    assert FORMATS == ("csv", "json", "parquet")
    for kind in COLUMNS:
        assert (out / f"{kind}.csv").is_file()
        frame = pd.read_parquet(out / "parquet" / f"{kind}.parquet")
        assert list(frame.columns) == list(COLUMNS[kind])
    records = load_records(out)
    docs = pd.read_parquet(out / "parquet" / "documents.parquet")
    assert docs["doc_id"].tolist() == [d.doc_id for d in records.documents] == ["litauen"]
    assert str(docs["published"].dtype).startswith("datetime64")
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert 'id="doc-litauen"' in html and "Bundeswehr verstärkt Präsenz in Litauen" in html
    facts = load_document_facts(out, "litauen")
    assert facts.document.title == "Bundeswehr verstärkt Präsenz in Litauen"
    assert all(row["context"] for row in facts.rows("people"))
    report = (out / REPORT_NAME).read_bytes()
    (out / REPORT_NAME).unlink()
    assert main(["report", "--out", str(out)]) == 0
    assert (out / REPORT_NAME).read_bytes() == report, "report rebuilt from outputs differs from the run's"


def test_format_chooses_outputs(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "csv_only"
    execute_run(corpus, out, quiet=True, formats="csv")
    assert (out / "documents.csv").is_file() and (out / REPORT_NAME).is_file()
    assert not (out / "records.json").exists() and not (out / "parquet").exists()
    out = tmp_path / "parquet_only"
    execute_run(corpus, out, quiet=True, formats=["parquet", "html"])
    assert (out / "parquet" / "troops.parquet").is_file() and not (out / "troops.csv").exists()
    assert main(["run", "--input", str(corpus), "--out", str(tmp_path / "x"), "--format", "csv,xlsx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --format: unknown xlsx") and err.count("\n") == 1
