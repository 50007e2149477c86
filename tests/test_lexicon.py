"""Every data file parses, opens with its format line, and has no duplicate rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipeline.lexicon import DATA_DIR, finditer_not_after, literal_trie, parse_tsv, trie_regex

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


def test_literal_trie_prefers_the_longest_form_like_a_flat_alternation() -> None:
    surfaces = ["F-1", "F-16", "F-16V", "F-35", "K2", "K2PL", "Leopard 2", "Leopard", "AB", "ABC"]
    flat = re.compile("|".join(re.escape(s) for s in sorted(surfaces, key=lambda s: (-len(s), s))))
    trie = re.compile(literal_trie(surfaces))
    texts = ["F-16V und F-16 und F-1x", "K2PLs, K2", "Leopard 2A8 / Leopard", "ABCD ABX", ""]
    for text in texts:
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in flat.finditer(text)], text
        for pos in range(len(text)):  # a backtracking tail must see the same fallbacks
            tail = r"(?:V|PL)?(?!\w)"
            got = re.compile(f"(?:{trie.pattern}){tail}").match(text, pos)
            want = re.compile(f"(?:{flat.pattern}){tail}").match(text, pos)
            assert (got and got.span()) == (want and want.span()), (text, pos)


def test_trie_regex_takes_regex_atoms() -> None:
    pattern = re.compile(trie_regex([["a", r"\s+", "b"], ["a"], ["c", "d"]]))
    assert [m.group() for m in pattern.finditer("a  b a cd c")] == ["a  b", "a", "cd"]
    assert trie_regex([]) == ""


@pytest.mark.parametrize(
    "text",
    [
        "Das Land hat aufgerüstet; des Landes Armee wächst. Im Bundesland und Deutschland das Landgericht.",
        "The country said the nation's army – not this country's navy – grew. Thecountry, thenation.",
        "dem Land",
        "",
    ],
)
def test_finditer_not_after_matches_a_lookbehind_regex(text: str) -> None:
    pattern = re.compile(r"(?:des Landes|das Land|dem Land|the country|the nation|this country)(?!\w)", re.I)
    with_lookbehind = re.compile(r"(?<!\w)" + pattern.pattern, re.I)
    found = [(m.start(), m.end()) for m in finditer_not_after(pattern, text)]
    assert found == [(m.start(), m.end()) for m in with_lookbehind.finditer(text)]


def test_finditer_not_after_keeps_to_its_window_and_moves_past_empty_matches() -> None:
    text = "Xthe country, the country and the country"
    pattern = re.compile(r"the country")
    with_lookbehind = re.compile(r"(?<!\w)the country")
    assert [m.start() for m in finditer_not_after(pattern, text, 5, 30)] == [
        m.start() for m in with_lookbehind.finditer(text, 5, 30)
    ]
    empty = re.compile(r"(?=c)")
    assert [m.start() for m in finditer_not_after(empty, text, before=re.compile(r"\s"))] == [
        m.start() for m in re.compile(r"(?<!\s)(?=c)").finditer(text)
    ]
