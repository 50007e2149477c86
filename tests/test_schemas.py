"""Committed JSON Schemas match the record models, and records.json validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pipeline import schemas
from pipeline.records import Evidence


def test_committed_schemas_are_current() -> None:
    assert schemas.main(["--check"]) == 0


def test_check_fails_on_drift(tmp_path: Path) -> None:
    assert schemas.main(["--dir", str(tmp_path)]) == 0
    (tmp_path / "Person.schema.json").write_text("{}", encoding="utf-8")
    assert schemas.main(["--check", "--dir", str(tmp_path)]) == 1


def test_evidence_rejects_a_quote_that_does_not_fit_its_span() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        Evidence(doc_id="d", sentence=0, start=3, end=5, quote="abc")


def test_records_schema_accepts_an_empty_run() -> None:
    schema = json.loads((schemas.SCHEMA_DIR / "Records.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate({"documents": [], "people": []}, schema)
