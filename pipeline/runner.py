"""Run the stages over articles and collect records: the library behind the CLI and the API.

``doc_to_records`` is the one place a processed Doc becomes records; ``process``
streams articles through the per-language pipelines; ``run`` adds the reconciler
and the writers. A failure inside one document marks that document failed and the
run goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from .ingest import Article, find_boilerplate, ingest
from .nlp import PipelineInfo, cached_nlp, make_doc, pipeline_info
from .records import (
    BudgetFigure,
    DateKind,
    DateMention,
    DocStatus,
    Document,
    Lang,
    Person,
    Records,
    TroopCount,
    WeaponsOrder,
)

log = logging.getLogger(__name__)


@dataclass
class DocResult:
    """Records of one document, before the cross-document reconciler."""

    document: Document
    text: str = ""
    people: list[Person] = field(default_factory=list)
    dates: list[DateMention] = field(default_factory=list)
    troops: list[TroopCount] = field(default_factory=list)
    weapons_orders: list[WeaponsOrder] = field(default_factory=list)
    budgets: list[BudgetFigure] = field(default_factory=list)


def _by_offset(records: Iterable[Any]) -> list[Any]:
    def key(record: Any) -> tuple[int, int, str]:
        ev = record.evidence
        return (ev.start, ev.end, record.model_dump_json()) if ev is not None else (0, 0, "")

    return sorted(records, key=key)


def doc_to_records(doc: Doc, document: Document) -> DocResult:
    """The records a processed Doc holds, sorted by offset; the document gets its counts."""
    dates = [
        d
        for d in (doc._.dates or [])
        if d.kind is not DateKind.DURATION and d.evidence is not None and d.doc_id is not None
    ]
    words = sum(1 for token in doc if not (token.is_punct or token.is_space))
    sentences = sum(1 for _ in doc.sents) if doc.has_annotation("SENT_START") else 1
    return DocResult(
        document=document.model_copy(update={"sentences": sentences, "words": words}),
        text=doc.text,
        people=_by_offset(doc._.people or []),
        dates=_by_offset(dates),
        troops=_by_offset(doc._.troops or []),
        weapons_orders=_by_offset(doc._.weapons_orders or []),
        budgets=_by_offset(doc._.budgets or []),
    )


def _reference(document: Document) -> date | datetime | None:
    return document.published


def process(
    articles: Iterable[Article],
    model: str | None = None,
    infos: dict[str, PipelineInfo] | None = None,
) -> Iterator[DocResult]:
    """Each article through its language's pipeline; failures become failed documents."""
    for article in articles:
        document = article.document
        if not article.ok or document.lang is None:
            yield DocResult(document=document)
            continue
        lang = document.lang.value
        try:
            nlp = cached_nlp(lang, model)
            if infos is not None and lang not in infos:
                infos[lang] = pipeline_info(nlp)
            doc = make_doc(
                nlp,
                article.text,
                doc_id=document.doc_id,
                published=_reference(document),
                authors=document.authors,
                boilerplate=article.boilerplate,
            )
            yield doc_to_records(nlp(doc), document)
        except Exception as exc:  # one bad article never stops the run
            if isinstance(exc, OSError | ImportError) and model:
                raise  # the user named a model that cannot be loaded: unusable argument
            log.exception("failed on %s", document.source_path)
            failed = document.model_copy(
                update={
                    "status": DocStatus.FAILED,
                    "error": f"{Path(document.source_path).name}: pipeline error: "
                    f"{type(exc).__name__}: {exc}",
                }
            )
            yield DocResult(document=failed)


def collect(results: Iterable[DocResult]) -> Records:
    """Per-document results as one Records value, sorted by document then offset."""
    ordered = sorted(results, key=lambda r: r.document.doc_id)
    return Records(
        documents=tuple(r.document for r in ordered),
        people=tuple(p for r in ordered for p in r.people),
        dates=tuple(d for r in ordered for d in r.dates),
        troops=tuple(t for r in ordered for t in r.troops),
        weapons_orders=tuple(w for r in ordered for w in r.weapons_orders),
        budgets=tuple(b for r in ordered for b in r.budgets),
    )


def reconcile_records(records: Records) -> Records:
    """Add the reconciler's conflicts and fact summaries."""
    from .reconcile import reconcile

    conflicts, facts = reconcile(records)
    return records.model_copy(update={"conflicts": conflicts, "facts": facts})


def extract(
    text: str, lang: str = "de", published: date | datetime | None = None, doc_id: str = "text"
) -> Records:
    """Records for one text (no files written): the notebook's quickest path."""
    if lang not in {item.value for item in Lang}:
        raise ValueError(f"unsupported language {lang!r} (supported: de, en)")
    document = Document(doc_id=doc_id, source_path="<text>", lang=Lang(lang), published=published)
    article = Article(document, text, find_boilerplate(text, lang))
    return reconcile_records(collect(process([article])))


@dataclass
class RunReport:
    """What a run did, for the manifest and the terminal summary."""

    records: Records
    pipelines: dict[str, PipelineInfo]
    texts: dict[str, str]
    timings: dict[str, float]


def run_pipeline(
    input_dir: Path,
    model: str | None = None,
    lang: str | None = None,
    progress: Callable[[Iterable[Article]], Iterable[Article]] | None = None,
) -> RunReport:
    """Ingest, extract and reconcile everything below ``input_dir``."""
    started = time.perf_counter()
    articles: Iterable[Article] = list(ingest(input_dir, lang_hint=lang))
    ingested = time.perf_counter()
    if progress is not None:
        articles = progress(articles)
    infos: dict[str, PipelineInfo] = {}
    results = list(process(articles, model, infos))
    extracted = time.perf_counter()
    records = reconcile_records(collect(results))
    done = time.perf_counter()
    texts = {r.document.doc_id: r.text for r in results if r.document.status is DocStatus.OK}
    timings = {
        "ingest_s": round(ingested - started, 3),
        "extract_s": round(extracted - ingested, 3),
        "reconcile_s": round(done - extracted, 3),
        "total_s": round(done - started, 3),
    }
    return RunReport(records, infos, texts, timings)
