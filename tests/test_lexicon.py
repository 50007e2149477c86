"""Every data file parses, opens with its format line, and has no duplicate rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.lexicon import DATA_DIR, parse_tsv

TSV_FILES = sorted(DATA_DIR.rglob("*.tsv"))
YAML_FILES = sorted([*DATA_DIR.rglob("*.yaml"), *DATA_DIR.rglob("*.yml")])


def test_there_are_data_files() -> None:
    assert len(TSV_FILES) >= 2


@pytest.mark.parametrize("path", TSV_FILES, ids=lambda p: str(p.relative_to(DATA_DIR)))
def test_tsv_is_well_formed_without_duplicates(path: Path) -> None:
    columns, rows = parse_tsv(path)
    assert columns and all(columns), f"{path}: empty column name in format line"
    assert rows, f"{path}: no rows"
    seen: set[tuple[str, ...]] = set()
    for row in rows:
        key = tuple(row[c].casefold() for c in columns)
        assert key not in seen, f"{path}: duplicate row {row}"
        seen.add(key)
        assert row[columns[0]], f"{path}: row without a first column: {row}"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DATA_DIR)))
def test_yaml_opens_with_format_line_and_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# format:"), f"{path}: first line must be '# format: ...'"
    assert yaml.safe_load(text) is not None
