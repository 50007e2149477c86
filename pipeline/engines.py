"""Where extraction runs: in this process (``local``) or over a Dask cluster (``dask``).

The Dask engine is the local engine's :func:`pipeline.runner.process` run on workers:
the client ingests the files (so workers need no access to the input folder), sends
the articles in partitions, and each worker processes a partition with the pipeline
it builds once per process (:func:`pipeline.nlp.cached_nlp`). Results come back as
the same compact per-document records; the client writes texts and runs the
reconciler on everything gathered, so outputs are identical to a local run.

Without a scheduler address a :class:`~distributed.LocalCluster` (one single-threaded
worker process per core) is started for the run and shut down after it.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .ingest import Article
from .nlp import PipelineInfo
from .runner import DocResult, chunks, failed_result, process

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: Articles per task: a task costs the scheduler about a millisecond and eight articles take
#: a worker seconds, while small partitions keep workers evenly loaded and memory low.
PARTITION_SIZE = 8
#: Partitions in flight per worker: keeps workers busy while the client holds only a few.
IN_FLIGHT_PER_WORKER = 3


def process_partition(
    articles: list[Article], model: str | None = None
) -> tuple[list[DocResult], dict[str, PipelineInfo]]:
    """What a worker does with one partition: the local engine, on this worker's cached pipelines."""
    infos: dict[str, PipelineInfo] = {}
    return list(process(articles, model, infos)), infos


def _distributed() -> Any:
    """``dask.distributed``, imported on first use (untyped here: its API is called dynamically)."""
    return importlib.import_module("dask.distributed")


def _client(scheduler: str | None, n_workers: int | None, processes: bool) -> tuple[Any, Any]:
    distributed = _distributed()
    if scheduler:
        return distributed.Client(scheduler), None
    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,  # one pipeline per process; spaCy stages are not meant to share one
        processes=processes,
        dashboard_address=None,
    )
    return distributed.Client(cluster), cluster


def process_dask(
    articles: Iterable[Article],
    model: str | None = None,
    infos: dict[str, PipelineInfo] | None = None,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    partition_size: int = PARTITION_SIZE,
) -> Iterator[DocResult]:
    """Per-document results computed on a Dask cluster, as partitions finish (order is free:
    the runner sorts by doc_id). Only a few partitions per worker are in flight, so a long
    input streams through without piling up on the client or the workers.

    A partition whose task fails (a worker died, a result that cannot be sent back) becomes
    failed documents naming the reason; the run goes on.
    """
    client, cluster = _client(scheduler, n_workers, processes)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * IN_FLIGHT_PER_WORKER
        pending = chunks(articles, partition_size)
        sent: dict[str, list[Article]] = {}

        def submit(chunk: list[Article]) -> Any:
            future = client.submit(process_partition, chunk, model, pure=False)
            sent[future.key] = chunk
            return future

        queue = _distributed().as_completed([submit(chunk) for chunk in islice(pending, limit)])
        for future in queue:
            chunk = sent.pop(future.key)
            try:
                results, found = future.result()
            except Exception as exc:  # the whole partition is lost, not the run
                log.exception("dask partition of %d documents failed", len(chunk))
                results = [
                    failed_result(a.document, exc) if a.ok else DocResult(document=a.document) for a in chunk
                ]
                found = {}
            future.release()
            if infos is not None:
                for lang, info in found.items():
                    infos.setdefault(lang, info)
            yield from results
            following = next(pending, None)
            if following is not None:
                queue.add(submit(following))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
