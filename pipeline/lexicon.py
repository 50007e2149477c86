"""The one loader for word lists under ``pipeline/data/``.

Every data file opens with a format line, as HeidelTime's resources do:
``# format: col1<TAB>col2<TAB>...`` for TSV. Further ``#`` lines are comments.
Keeping vocabulary in data files lets linguists grow it without touching code,
and lets one test check every file for malformed or duplicate rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


class LexiconError(ValueError):
    """A data file is malformed: names the file and line."""


def data_path(relpath: str) -> Path:
    return DATA_DIR / relpath


def parse_tsv(path: Path) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """Columns and rows of a TSV data file; raises LexiconError on a bad row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith("# format:"):
        raise LexiconError(f"{path}: first line must be '# format: col1<TAB>col2...'")
    columns = tuple(c.strip() for c in lines[0].removeprefix("# format:").strip().split("\t"))
    rows: list[dict[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) > len(columns):
            raise LexiconError(f"{path}:{number}: {len(cells)} cells, format has {len(columns)}")
        cells += [""] * (len(columns) - len(cells))
        rows.append(dict(zip(columns, (c.strip() for c in cells), strict=True)))
    return columns, rows


@cache
def load_tsv(relpath: str) -> tuple[dict[str, str], ...]:
    """Rows of ``pipeline/data/<relpath>`` as dicts keyed by the format line's columns."""
    return tuple(parse_tsv(data_path(relpath))[1])


@cache
def load_yaml(relpath: str) -> Any:
    """A YAML data file; its first line must be a ``# format:`` comment too."""
    path = data_path(relpath)
    text = path.read_text(encoding="utf-8")
    if not text.startswith("# format:"):
        raise LexiconError(f"{path}: first line must be a '# format: ...' comment")
    return yaml.safe_load(text)


def lang_file(lang: str, name: str) -> str:
    """Relative path of a per-language data file, e.g. ``de/months.tsv``."""
    return f"{lang}/{name}"


def trie_regex(paths: Iterable[Sequence[str]]) -> str:
    """A regex for any of ``paths`` (each a sequence of regex atoms), written as a trie.

    Python's ``re`` tries a flat alternation's branches one by one at every position (the
    lexicons have thousands of entries), a trie only the branch that goes on with the next
    character. A path that ends where a longer one goes on becomes an optional group, and
    ``?`` is greedy, so longer forms are tried first, as in a longest-first alternation.
    ``""`` for no paths.
    """
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for atom in path:
            node = node.setdefault(atom, {})
        node[""] = {}  # a form ends here

    def regex(node: dict[str, Any]) -> str:
        branches = [atom + regex(child) for atom, child in sorted(node.items()) if atom]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return regex(root)


def literal_trie(surfaces: Iterable[str]) -> str:
    """:func:`trie_regex` of literal strings (every character escaped)."""
    return trie_regex([re.escape(ch) for ch in surface] for surface in surfaces)


#: A word character: what ``finditer_not_after`` and its hand-made twins look for before a hit.
WORD_CHAR = re.compile(r"\w")


def finditer_not_after(
    pattern: re.Pattern[str],
    text: str,
    pos: int = 0,
    endpos: int | None = None,
    *,
    before: re.Pattern[str] = WORD_CHAR,
) -> Iterator[re.Match[str]]:
    r"""``pattern.finditer(text, pos, endpos)``, keeping the matches whose previous character
    does not match ``before`` (by default a word character): what a leading ``(?<!\w)`` (or
    ``(?<!...)``) in the pattern would do.

    Done by hand because such a lookbehind keeps ``re`` from skipping ahead to where a match
    can start (a literal trie's first characters): it tries every position, and scans were two
    to three times slower. After a rejected hit the search goes on one character later, as
    the lookbehind version would.
    """
    end = len(text) if endpos is None else endpos
    m = pattern.search(text, pos, end)
    while m is not None:
        at = m.start()
        if at > 0 and before.match(text, at - 1):
            m = pattern.search(text, at + 1, end)
            continue
        yield m
        m = pattern.search(text, m.end() if m.end() > at else at + 1, end)
