"""A run's per-document records on disk, so memory stays flat however long the input is.

:class:`Spool` appends each document's records, as the stage stream yields them, to one
JSON-lines file per record kind (a line per document) in a temporary folder; memory keeps
only the Document rows, an index of byte spans and, per troop/budget/weapons record, the
compact row the reconciler reads (:class:`pipeline.reconcile.ClaimItem`, dropped once it
ran). :class:`SpooledRecords` reads the records back lazily, in the order
:func:`pipeline.runner.collect` gives (doc_id, then arrival, then offset), so the writers
produce the same bytes as from an in-memory ``Records``.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter

from .records import (
    CLAIM_KINDS,
    RECORD_TYPES,
    BudgetFigure,
    Conflict,
    DateMention,
    Document,
    FactSummary,
    Person,
    Records,
    TroopCount,
    WeaponsOrder,
)

if TYPE_CHECKING:
    from .reconcile import ClaimItem  # the reconciler imports pandas: not at start-up
    from .runner import DocResult

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")

#: Record kinds that belong to one document, in ``Records`` field order: what the spool holds.
DOC_KINDS = ("people", "dates", "troops", "weapons_orders", "budgets")


class Rows(Protocol[T_co]):
    """What a writer needs of one record kind: its length and its records in output order."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[T_co]: ...


class RecordSet(Protocol):
    """A run's records as the writers read them: a ``Records`` value or :class:`SpooledRecords`."""

    @property
    def documents(self) -> Rows[Document]: ...
    @property
    def people(self) -> Rows[Person]: ...
    @property
    def dates(self) -> Rows[DateMention]: ...
    @property
    def troops(self) -> Rows[TroopCount]: ...
    @property
    def weapons_orders(self) -> Rows[WeaponsOrder]: ...
    @property
    def budgets(self) -> Rows[BudgetFigure]: ...
    @property
    def conflicts(self) -> Rows[Conflict]: ...
    @property
    def facts(self) -> Rows[FactSummary]: ...


@dataclass(frozen=True)
class _Entry:
    """One spooled document: its row, arrival number and ``(offset, length)`` per kind (0: none)."""

    document: Document
    seq: int
    spans: tuple[tuple[int, int], ...]

    @property
    def order(self) -> tuple[str, int]:
        return (self.document.doc_id, self.seq)


@dataclass(frozen=True)
class Packed:
    """One document's records as the spool keeps them: a JSON line per kind that has records,
    the record counts, and the reconciler's claim items. A worker process packs its results,
    so the main process neither rebuilds the records nor serialises them again."""

    lines: dict[str, bytes]
    counts: dict[str, int]
    claims: dict[str, list[ClaimItem]]


def pack(result: DocResult) -> Packed:
    """:class:`Packed` of a document's records (the same bytes :meth:`Spool.add` writes)."""
    from .reconcile import claim_item

    lines: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for kind in DOC_KINDS:
        items: list[Any] = getattr(result, kind)
        if items:
            lines[kind] = _adapter(kind).dump_json(items) + b"\n"
            counts[kind] = len(items)
    claims: dict[str, list[ClaimItem]] = {}
    for kind in CLAIM_KINDS:
        if records := getattr(result, kind):
            claims[kind] = [claim_item(r) for r in records]
    return Packed(lines, counts, claims)


@cache
def _adapter(kind: str) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[RECORD_TYPES[kind]])  # type: ignore[valid-type]


class Spool:
    """Per-kind JSON-lines files under ``folder/.spool-*``, removed by :meth:`close` (or ``with``)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = Path(tempfile.mkdtemp(prefix=".spool-", dir=folder))
        self._files = {kind: open(self.folder / f"{kind}.jsonl", "w+b") for kind in DOC_KINDS}  # noqa: SIM115
        self._entries: list[_Entry] = []
        #: per reconciler kind: (entry, claim items of its records), in arrival order
        self._claims: dict[str, list[tuple[_Entry, list[ClaimItem]]]] = {kind: [] for kind in CLAIM_KINDS}
        self._sorted = True
        self.counts = dict.fromkeys(DOC_KINDS, 0)
        self.conflicts: tuple[Conflict, ...] = ()
        self.facts: tuple[FactSummary, ...] = ()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def add(self, result: DocResult) -> None:
        """Append one document's records (packed already by a worker, or packed here). Only
        its row, spans and claim items stay in memory."""
        packed = result.packed if result.packed is not None else pack(result)
        spans = []
        for kind in DOC_KINDS:
            self.counts[kind] += packed.counts.get(kind, 0)
            line = packed.lines.get(kind, b"")
            if not line:
                spans.append((0, 0))
                continue
            handle = self._files[kind]
            spans.append((handle.tell(), len(line)))
            handle.write(line)
        entry = _Entry(result.document, len(self._entries), tuple(spans))
        if self._entries and entry.order < self._entries[-1].order:
            self._sorted = False
        self._entries.append(entry)
        for kind, items in packed.claims.items():
            self._claims[kind].append((entry, items))

    @property
    def documents(self) -> tuple[Document, ...]:
        """The Document rows in output order (doc_id, then arrival)."""
        return tuple(entry.document for entry in self._ordered())

    def _ordered(self) -> list[_Entry]:
        if not self._sorted:
            self._entries.sort(key=lambda entry: entry.order)
            self._sorted = True
        return self._entries

    def reconcile(self) -> None:
        """Run the reconciler over the spooled claim items, keep its output, drop the items.
        Only the records a conflict cites are read back from the files."""
        from .reconcile import reconcile_items

        items: list[ClaimItem] = []
        where: list[tuple[_Entry, str, int]] = []  # (entry, kind, index in its document's list)
        for kind in CLAIM_KINDS:
            for entry, claimed in sorted(self._claims[kind], key=lambda pair: pair[0].order):
                items.extend(claimed)
                where.extend((entry, kind, i) for i in range(len(claimed)))

        parsed: dict[tuple[int, str], list[Any]] = {}  # a conflict cites its document's lines often

        def fetch(row: int) -> Any:
            entry, kind, i = where[row]
            key = (entry.seq, kind)
            if key not in parsed:
                if len(parsed) > 1024:
                    parsed.clear()
                parsed[key] = self._read(entry, kind)
            return parsed[key][i]

        self.conflicts, self.facts = reconcile_items(items, self.documents, fetch)
        self._claims = {kind: [] for kind in CLAIM_KINDS}

    def read(self, kind: str) -> Iterator[Any]:
        """The records of one kind, in output order, parsed one document at a time."""
        for entry in self._ordered():
            yield from self._read(entry, kind)

    def _read(self, entry: _Entry, kind: str) -> list[Any]:
        offset, length = entry.spans[DOC_KINDS.index(kind)]
        if not length:
            return []
        handle = self._files[kind]
        handle.flush()
        return _adapter(kind).validate_json(os.pread(handle.fileno(), length, offset))

    def by_document(self) -> Iterator[tuple[Document, dict[str, list[Any]]]]:
        """Each document with its records per kind; repeated doc_ids share their records, as in
        a report built from one ``Records`` value."""
        for _, group in itertools.groupby(self._ordered(), key=lambda entry: entry.document.doc_id):
            entries = list(group)
            tables = {kind: [r for entry in entries for r in self._read(entry, kind)] for kind in DOC_KINDS}
            for entry in entries:
                yield entry.document, tables

    def records(self) -> SpooledRecords:
        """A lazy view for the writers, readable until the spool is closed."""
        return SpooledRecords(self)

    def to_records(self) -> Records:
        """Everything in memory at once: for library callers that asked for a ``Records`` value."""
        view = self.records()
        return Records(**{kind: tuple(getattr(view, kind)) for kind in RECORD_TYPES})


@dataclass(frozen=True)
class Spooled(Generic[T]):
    """One record kind of a spool: ``len`` from the counts, iteration reads the files."""

    spool: Spool
    kind: str

    def __len__(self) -> int:
        return self.spool.counts[self.kind]

    def __iter__(self) -> Iterator[T]:
        return self.spool.read(self.kind)


class SpooledRecords:
    """The :class:`RecordSet` of a spooled run: Document rows, conflicts and facts in memory,
    per-document records read from the spool whenever a writer iterates them."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.documents: Sequence[Document] = spool.documents
        self.people: Spooled[Person] = Spooled(spool, "people")
        self.dates: Spooled[DateMention] = Spooled(spool, "dates")
        self.troops: Spooled[TroopCount] = Spooled(spool, "troops")
        self.weapons_orders: Spooled[WeaponsOrder] = Spooled(spool, "weapons_orders")
        self.budgets: Spooled[BudgetFigure] = Spooled(spool, "budgets")
        self.conflicts: Sequence[Conflict] = spool.conflicts
        self.facts: Sequence[FactSummary] = spool.facts
