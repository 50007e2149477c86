"""One document's facts in the terminal: ``python -m pipeline show DOC_ID``.

``document_facts`` is the library call (rows of plain strings, one table per record
type, each with the quote in its sentence); ``print_document`` renders them with rich,
the quote highlighted.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .export import load_records
from .records import Document, Records
from .report import (
    Context,
    fact_value,
    fmt_claim,
    fmt_count,
    fmt_date,
    fmt_enum,
    fmt_number,
    fmt_subject,
    quote_context,
    read_texts,
)

#: Table titles and their columns, in display order.
TABLES: dict[str, tuple[str, ...]] = {
    "troops": ("force", "host", "count", "as of", "modality"),
    "weapons_orders": ("buyer", "seller", "system", "category", "quantity", "status"),
    "budgets": ("country", "measure", "value", "unit", "status", "year"),
    "people": ("name", "role", "country", "mentions"),
    "dates": ("text", "value", "kind"),
    "conflicts": ("fact", "subject", "kind", "this source", "other sources"),
}


@dataclass(frozen=True)
class DocumentFacts:
    """What ``show`` prints: the document and, per table, rows with the quote's context."""

    document: Document
    tables: dict[str, list[tuple[dict[str, str], Context | None]]]

    def rows(self, kind: str) -> list[dict[str, str]]:
        """Plain rows of one table, each with its ``quote`` and sentence ``context``."""
        out = []
        for row, context in self.tables[kind]:
            text = "".join(s.text for s in context.segments) if context else ""
            out.append({**row, "context": text})
        return out


def _dash(value: Any) -> str:
    return "–" if value is None or value == "" else str(value)


def _row(kind: str, record: Any) -> dict[str, str]:
    values: tuple[Any, ...]
    if kind == "troops":
        values = (
            record.force,
            record.host,
            fmt_count(record),
            fmt_date(record.as_of),
            fmt_enum(record.modality),
        )
    elif kind == "weapons_orders":
        seller = _dash(record.seller) + (" (maker)" if record.seller_inferred else "")
        values = (
            record.buyer,
            seller,
            record.system,
            fmt_enum(record.category),
            fmt_number(record.quantity),
            fmt_enum(record.status),
        )
    elif kind == "budgets":
        values = (
            record.country,
            fmt_enum(record.measure),
            fmt_number(record.value),
            record.unit,
            fmt_enum(record.status),
            record.year,
        )
    elif kind == "people":
        role = (
            record.role
            if not record.role_en or record.role_en == record.role
            else f"{record.role} ({record.role_en})"
        )
        values = (record.name, role, record.country, record.mentions)
    else:
        values = (record.text, record.value or "unresolved", fmt_enum(record.kind))
    return {column: _dash(value) for column, value in zip(TABLES[kind], values, strict=True)}


def document_facts(records: Records, texts: dict[str, str], doc_id: str) -> DocumentFacts:
    """The facts of one document. Raises ``LookupError`` naming close doc_ids when it is unknown."""
    documents = {d.doc_id: d for d in records.documents}
    if doc_id not in documents:
        close = difflib.get_close_matches(doc_id, list(documents), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(documents)} documents in this run"
        raise LookupError(f"no document {doc_id!r}{hint}")
    text = texts.get(doc_id)
    tables: dict[str, list[tuple[dict[str, str], Context | None]]] = {}
    for kind in ("troops", "weapons_orders", "budgets", "people", "dates"):
        tables[kind] = []
        for record in getattr(records, kind):
            if record.doc_id != doc_id or record.evidence is None:
                continue
            numeric = kind in ("troops", "weapons_orders", "budgets")
            value = fact_value(record) if numeric else None
            row = {**_row(kind, record), "quote": record.evidence.quote}
            tables[kind].append((row, quote_context(text, record.evidence, value, number=numeric)))
    tables["conflicts"] = []
    for conflict in records.conflicts:
        mine = [c for c in conflict.claims if c.doc_id == doc_id]
        if not mine:
            continue
        unit = conflict.subject.get("unit")
        others = [
            f"{fmt_claim(c, unit)} ({c.publisher or c.doc_id})" for c in conflict.claims if c.doc_id != doc_id
        ]
        row = {
            "fact": fmt_enum(conflict.fact),
            "subject": fmt_subject(conflict.subject),
            "kind": fmt_enum(conflict.kind),
            "this source": "; ".join(fmt_claim(c, unit) for c in mine),
            "other sources": "; ".join(others),
            "quote": mine[0].quote,
        }
        tables["conflicts"].append((row, quote_context(text, mine[0].evidence, mine[0].value)))
    return DocumentFacts(documents[doc_id], tables)


def load_document_facts(out: Path, doc_id: str) -> DocumentFacts:
    """``document_facts`` for a run's output folder. Raises ``FileNotFoundError`` without records.json."""
    source = out / "records.json"
    if not source.is_file():
        raise FileNotFoundError(f"no records.json in {out} (run `python -m pipeline run --out {out}` first)")
    records = load_records(source)
    return document_facts(records, read_texts(out, [doc_id]), doc_id)


def print_document(facts: DocumentFacts, console: Any | None = None) -> None:
    """Rich tables: metadata, then each non-empty table with the quote highlighted in context."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    d = facts.document
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="dim")
    meta.add_column()
    for label, value in (
        ("document", d.doc_id),
        ("title", d.title),
        ("publisher", d.publisher),
        ("published", fmt_date(d.published)),
        ("language", fmt_enum(d.lang)),
        ("status", fmt_enum(d.status)),
        ("error", d.error),
    ):
        if value:
            meta.add_row(label, Text(str(value)))
    console.print(meta)
    styles = {"quote": "black on yellow", "number": "bold black on dark_orange"}
    for kind, columns in TABLES.items():
        rows = facts.tables[kind]
        if not rows:
            continue
        table = Table(title=f"{fmt_enum(kind)} ({len(rows)})", title_justify="left", show_lines=True)
        for column in columns:
            table.add_column(column, overflow="fold")
        table.add_column("in context", ratio=1, min_width=30)
        for row, context in rows:
            sentence = Text()
            if context is not None:
                for segment in context.segments:
                    sentence.append(segment.text, style=styles.get(segment.kind, ""))
            table.add_row(*(Text(row[c]) for c in columns), sentence)
        console.print(table)
    if not any(facts.tables.values()):
        console.print("no facts in this document", style="dim")
