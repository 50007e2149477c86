"""Run the stages over articles and collect records: the library behind the CLI and the API.

``doc_to_records`` is the one place a processed Doc becomes records; ``process``
streams articles through the per-language pipelines; ``run`` adds the reconciler
and the writers. A failure inside one document marks that document failed and the
run goes on.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import multiprocessing.context
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from itertools import groupby, islice
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .ingest import Article, find_boilerplate, ingest
from .nlp import PipelineInfo, cached_nlp, doc_text, extension, make_doc, pipeline_info, token_table
from .records import (
    RECORD_TYPES,
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
from .store import Packed, RecordSet, Spool, pack

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
    #: the records serialised for a :class:`~pipeline.store.Spool` (the lists above are then empty)
    packed: Packed | None = None

    def packed_copy(self) -> DocResult:
        """This result with its records packed for the spool: what a worker sends back when the
        run spools, cheaper to send and to receive than the records themselves."""
        return DocResult(document=self.document, text=self.text, packed=pack(self))


def _span(record: Any) -> tuple[int, int]:
    ev = record.evidence
    return (ev.start, ev.end) if ev is not None else (0, 0)


def _tie_key(record: Any) -> str:
    return record.model_dump_json() if record.evidence is not None else ""


def _by_offset(records: Iterable[Any]) -> list[Any]:
    """Sorted by evidence span; records on the same span by their JSON, so the order never
    depends on the stages' order of discovery. Serialised only where spans tie: rare, and
    serialising every record for the key was a visible share of a document's time."""
    ordered = sorted(records, key=_span)
    result: list[Any] = []
    for _, group in groupby(ordered, key=_span):
        tied = list(group)
        if len(tied) > 1:
            tied.sort(key=_tie_key)
        result.extend(tied)
    return result


def doc_to_records(doc: Doc, document: Document) -> DocResult:
    """The records a processed Doc holds, sorted by offset; the document gets its counts."""
    dates = [
        d
        for d in (extension(doc, "dates") or [])
        if d.kind is not DateKind.DURATION and d.evidence is not None and d.doc_id is not None
    ]
    table = token_table(doc)
    sentences = len(table.sents) if doc.has_annotation("SENT_START") else 1
    return DocResult(
        document=document.model_copy(update={"sentences": sentences, "words": table.words}),
        text=doc_text(doc),
        people=_by_offset(extension(doc, "people") or []),
        dates=_by_offset(dates),
        troops=_by_offset(extension(doc, "troops") or []),
        weapons_orders=_by_offset(extension(doc, "weapons_orders") or []),
        budgets=_by_offset(extension(doc, "budgets") or []),
    )


#: Documents per ``nlp.pipe`` batch: enough to amortise the per-batch cost, few enough that
#: only a handful of Docs are alive at once (memory stays flat however long the input is).
BATCH_SIZE = 32


def failed_result(document: Document, exc: BaseException) -> DocResult:
    failed = document.model_copy(
        update={
            "status": DocStatus.FAILED,
            "error": f"{Path(document.source_path).name}: pipeline error: {type(exc).__name__}: {exc}",
        }
    )
    return DocResult(document=failed)


def article_doc(nlp: Language, article: Article) -> Doc:
    """A tokenised Doc of an ingested article with the metadata every stage reads."""
    document = article.document
    return make_doc(
        nlp,
        article.text,
        doc_id=document.doc_id,
        published=document.published,
        authors=document.authors,
        boilerplate=article.boilerplate,
    )


def _one(nlp: Language, article: Article) -> DocResult:
    """One article on its own: the fallback when its batch failed, so only the bad one fails."""
    try:
        return doc_to_records(nlp(article_doc(nlp, article)), article.document)
    except Exception as exc:  # one bad article never stops the run
        log.exception("failed on %s", article.document.source_path)
        return failed_result(article.document, exc)


def _batch(nlp: Language, articles: list[Article]) -> list[DocResult]:
    """Articles of one language through ``nlp.pipe``; a failing batch is redone one by one."""
    try:
        docs = nlp.pipe((article_doc(nlp, a) for a in articles), batch_size=len(articles))
        return [doc_to_records(doc, a.document) for doc, a in zip(docs, articles, strict=True)]
    except Exception:
        log.debug("batch of %d failed; processing its documents one by one", len(articles))
        return [_one(nlp, a) for a in articles]


def process(
    articles: Iterable[Article],
    model: str | None = None,
    infos: dict[str, PipelineInfo] | None = None,
    batch_size: int = BATCH_SIZE,
    n_process: int | None = 1,
    packed: bool = False,
    pool: WorkerPool | None = None,
) -> Iterator[DocResult]:
    """Each article through its language's pipeline, in input order; failures become failed documents.

    Articles are read lazily and run through ``nlp.pipe`` ``batch_size`` at a time, so
    at most a few batches of Docs are alive; nothing else is kept. ``n_process`` > 1
    spreads the batches over that many worker processes (``None``: one per core, once
    the input turns out to be longer than one batch); the order and the records are
    the same as in one process. ``pool``: the batches go to these already running workers
    instead (``n_process`` is then ignored). ``packed``: results carry their records
    serialised for a :class:`~pipeline.store.Spool` (``DocResult.packed``) instead of as
    record lists.
    """
    pending = chunks(articles, batch_size)
    if pool is not None:
        yield from _process_parallel(pending, model, infos, pool, packed)
        return
    if n_process is None:
        first = next(pending, None)
        if first is None:
            return
        yield from _run_chunk(first, model, infos, packed)
        n_process = os.cpu_count() or 1
    if n_process <= 1:
        for chunk in pending:
            yield from _run_chunk(chunk, model, infos, packed)
        return
    with WorkerPool(n_process) as fresh:
        yield from _process_parallel(pending, model, infos, fresh, packed)


#: Allocations between young-generation collections while documents are processed (Python's
#: default is 700). A document leaves thousands of short-lived objects and no reference cycles
#: (collections during a run found nothing to free), so the default only spent ~5 % of the
#: time on collections that freed nothing; reference counting frees the rest as before.
GC_GEN0_THRESHOLD = 50_000


@contextmanager
def _rare_collections() -> Iterator[None]:
    """Python's cycle collector set to run rarely, for the duration of a batch. A use inside
    another (or beside one, in another thread) finds the setting made and leaves it alone."""
    before = gc.get_threshold()
    if before[0] >= GC_GEN0_THRESHOLD or not gc.isenabled():
        yield
        return
    gc.set_threshold(GC_GEN0_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run_chunk(
    chunk: list[Article], model: str | None, infos: dict[str, PipelineInfo] | None, packed: bool
) -> list[DocResult]:
    with _rare_collections():
        results = _process_chunk(chunk, model, infos)
        return [r.packed_copy() for r in results] if packed else results


def _process_chunk(
    chunk: list[Article], model: str | None, infos: dict[str, PipelineInfo] | None
) -> list[DocResult]:
    results: dict[int, DocResult] = {}
    by_lang: dict[str, list[int]] = {}
    for i, article in enumerate(chunk):
        if not article.ok or article.document.lang is None:
            results[i] = DocResult(document=article.document)
        else:
            by_lang.setdefault(article.document.lang.value, []).append(i)
    for lang, members in by_lang.items():
        try:
            nlp = cached_nlp(lang, model)
        except Exception as exc:
            if isinstance(exc, OSError | ImportError) and model:
                raise  # the user named a model that cannot be loaded: unusable argument
            log.exception("cannot build the %s pipeline", lang)
            results.update({i: failed_result(chunk[i].document, exc) for i in members})
            continue
        if infos is not None and lang not in infos:
            infos[lang] = pipeline_info(nlp)
        for i, result in zip(members, _batch(nlp, [chunk[i] for i in members]), strict=True):
            results[i] = result
    return [results[i] for i in range(len(chunk))]


def _worker_chunk(
    chunk: list[Article], model: str | None, packed: bool = False
) -> tuple[list[DocResult], dict[str, PipelineInfo]]:
    """What a worker process does with one batch: the one-process path, on its cached pipelines."""
    infos: dict[str, PipelineInfo] = {}
    return _run_chunk(chunk, model, infos, packed), infos


#: Batches queued per worker: enough to keep every core busy, few enough to keep memory flat.
IN_FLIGHT_PER_PROCESS = 2


def _pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` while this process has one thread: workers inherit the pipelines already built
    (building one costs seconds). With other threads alive (a progress bar) forking could copy
    a held lock, so workers then come from a ``forkserver`` and build their own."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class WorkerPool:
    """Worker processes for :func:`process`, kept for as many calls as the caller makes.

    ``process(..., n_process=N)`` starts N workers and stops them when the input is done; a
    caller that extracts again and again (a feed read every hour, a notebook, the benchmark's
    repeated runs) can start them once instead: ``with WorkerPool(2) as pool: process(a,
    pool=pool); process(b, pool=pool)``. Starting is not free: a new worker's first batch
    costs two to three times a later one (it copies every memory page of the main process it
    writes to, and maps fresh memory), on top of the fork itself. A worker that died takes
    the pool down with it; the next call starts a new one.
    """

    def __init__(self, n_process: int) -> None:
        self.n_process = max(1, n_process)
        self._executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=self.n_process, mp_context=_pool_context())
        return self._executor

    def broken(self) -> None:
        """Forget a pool that lost a worker (its remaining workers are stopped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _process_parallel(
    pending: Iterator[list[Article]],
    model: str | None,
    infos: dict[str, PipelineInfo] | None,
    workers: WorkerPool,
    packed: bool = False,
) -> Iterator[DocResult]:
    """Batches on worker processes, results in input order. A batch whose worker failed (it
    died, its result could not be sent back) is redone in this process, where a bad article
    fails alone; a broken pool hands the rest of the input to this process."""
    window: deque[tuple[list[Article], Future[tuple[list[DocResult], dict[str, PipelineInfo]]] | None]]
    window = deque()
    pool = workers.executor()
    broken = False

    def submit(chunk: list[Article]) -> None:
        nonlocal broken
        future = None
        if not broken:
            try:
                future = pool.submit(_worker_chunk, chunk, model, packed)
            except BrokenProcessPool:
                broken = True
        window.append((chunk, future))

    for chunk in islice(pending, workers.n_process * IN_FLIGHT_PER_PROCESS):
        submit(chunk)
    while window:
        chunk, future = window.popleft()
        results: list[DocResult] | None = None
        if future is not None:
            try:
                results, found = future.result()
                if infos is not None:
                    for lang, info in found.items():
                        infos.setdefault(lang, info)
            except Exception as exc:
                broken = broken or isinstance(exc, BrokenProcessPool)
                log.warning("worker failed on a batch of %d (%s); redoing it here", len(chunk), exc)
        if results is None:
            results = _run_chunk(chunk, model, infos, packed)
        yield from results
        following = next(pending, None)
        if following is not None:
            submit(following)
    if broken:
        workers.broken()


def chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, max(1, size))):
        yield chunk


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
    """What a run did, for the manifest and the terminal summary.

    ``documents`` and ``counts`` (records per kind) are always in memory; ``records`` (every
    record at once) is loaded by ``load`` on first use: the run's own result when it kept
    records in memory, else what the caller put there (the CLI: the written records.json).
    ``texts`` holds the documents' texts only when the run had no ``on_text`` sink.
    """

    documents: tuple[Document, ...]
    counts: dict[str, int]
    pipelines: dict[str, PipelineInfo]
    texts: dict[str, str]
    timings: dict[str, float]
    load: Callable[[], Records]

    @cached_property
    def records(self) -> Records:
        return self.load()


class _Timed:
    """An iterator that adds the time spent producing its items to ``seconds``."""

    def __init__(self, items: Iterable[Article]) -> None:
        self.items = iter(items)
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Article]:
        return self

    def __next__(self) -> Article:
        started = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - started


def run_pipeline(
    input_dir: Path,
    model: str | None = None,
    lang: str | None = None,
    progress: Callable[[Iterable[Article]], Iterable[Article]] | None = None,
    on_text: Callable[[str, str], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    n_process: int | None = 1,
    spool: Spool | None = None,
) -> RunReport:
    """Ingest, extract and reconcile everything below ``input_dir``.

    Streams: files are read one at a time and each document's text goes to
    ``on_text(doc_id, text)`` as soon as it is processed (the CLI writes ``texts/``
    with it). Without a ``spool`` the records are collected in memory (``report.records``);
    with one, each document's records go to the spool as they come and memory stays flat:
    the writers then read ``spool.records()`` (the spool also holds conflicts and facts).
    ``n_process`` worker processes extract locally (see :func:`process`); ``engine="dask"``
    extracts on a Dask cluster (``scheduler`` address, else a LocalCluster); outputs are the same.
    """
    started = time.perf_counter()
    ingesting = _Timed(ingest(input_dir, lang_hint=lang))
    articles: Iterable[Article] = progress(ingesting) if progress is not None else ingesting
    infos: dict[str, PipelineInfo] = {}
    if engine == "dask":
        from .engines import process_dask

        stream = process_dask(articles, model, infos, scheduler=scheduler)
    elif engine == "local":
        stream = process(articles, model, infos, n_process=n_process, packed=spool is not None)
    else:
        raise ValueError(f"unknown engine {engine!r} (local or dask)")
    results: list[DocResult] = []
    texts: dict[str, str] = {}
    for result in stream:
        if result.document.status is DocStatus.OK:
            if on_text is None:
                texts[result.document.doc_id] = result.text
            else:
                on_text(result.document.doc_id, result.text)
        result.text = ""  # only the compact records are kept
        if spool is None:
            results.append(result)
        else:
            spool.add(result)
    extracted = time.perf_counter()
    view: RecordSet
    load: Callable[[], Records]
    if spool is None:
        records = reconcile_records(collect(results))
        view, load = records, functools.partial(_same, records)
    else:
        spool.reconcile()
        view, load = spool.records(), spool.to_records
    counts = {kind: len(getattr(view, kind)) for kind in RECORD_TYPES}
    done = time.perf_counter()
    timings = {
        "ingest_s": round(ingesting.seconds, 3),
        "extract_s": round(extracted - started - ingesting.seconds, 3),
        "reconcile_s": round(done - extracted, 3),
        "total_s": round(done - started, 3),
    }
    return RunReport(tuple(view.documents), counts, infos, texts, timings, load)


def _same(records: Records) -> Records:
    return records
