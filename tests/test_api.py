"""The notebook API: extract one text, run a folder, load an earlier run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from pipeline import Records, extract, load_records, run


def test_extract_returns_records_with_a_document() -> None:
    records = extract(
        "Der Bundestag billigte am Donnerstag den Verteidigungshaushalt.",
        lang="de",
        published=date(2025, 6, 5),
    )
    assert isinstance(records, Records)
    (document,) = records.documents
    assert document.status.value == "ok" and document.sentences == 1 and document.words == 7


def test_extract_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        extract("Le budget de la défense augmente.", lang="fr")


def test_run_writes_outputs_and_load_records_reads_them(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Pentagon plans new base\n\nThe Pentagon said on Monday it would expand its base in Poland.\n",
        encoding="utf-8",
    )
    (folder / "a.meta.json").write_text(
        json.dumps({"lang": "en", "published": "2025-02-12"}), encoding="utf-8"
    )
    records = run(folder, tmp_path / "out")
    assert load_records(tmp_path / "out") == records
    assert [d.doc_id for d in records.documents] == ["a"]
