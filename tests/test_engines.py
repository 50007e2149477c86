"""Engines: the streaming local engine (batches, failure isolation, texts as they come) and
the Dask engine, whose outputs must be byte-identical to the local engine's."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline import runner
from pipeline.cli import main
from pipeline.export import COLUMNS, load_records, records_json, to_csv, write_outputs
from pipeline.ingest import Article
from pipeline.records import DocStatus, Document, Lang, Records
from pipeline.runner import process, run_pipeline

REPO = Path(__file__).resolve().parent.parent


@Language.component("test_engines_explode")
def _explode(doc: Doc) -> Doc:
    if "BOOM" in doc.text:
        raise RuntimeError("boom")
    return doc


@pytest.fixture()
def blank_pipeline(monkeypatch: pytest.MonkeyPatch) -> Language:
    """A cheap pipeline (blank + sentencizer + a component that fails on 'BOOM') for every language."""
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("test_engines_explode")
    monkeypatch.setattr(runner, "cached_nlp", lambda lang, model=None: nlp)
    return nlp


def _article(doc_id: str, text: str, lang: Lang | None = Lang.DE) -> Article:
    if lang is None:
        document = Document(doc_id=doc_id, source_path=f"{doc_id}.txt", status=DocStatus.FAILED, error="x")
        return Article(document)
    return Article(Document(doc_id=doc_id, source_path=f"{doc_id}.txt", lang=lang), text)


def test_a_failing_document_fails_alone_and_order_is_kept(blank_pipeline: Language) -> None:
    articles = [
        _article("a", "Eins. Zwei."),
        _article("b", "Hier BOOM."),
        _article("c", "", lang=None),
        _article("d", "One sentence.", lang=Lang.EN),
        _article("e", "Drei."),
    ]
    results = list(process(articles, batch_size=3))
    assert [r.document.doc_id for r in results] == ["a", "b", "c", "d", "e"]
    assert [r.document.status for r in results] == [
        DocStatus.OK,
        DocStatus.FAILED,
        DocStatus.FAILED,
        DocStatus.OK,
        DocStatus.OK,
    ]
    assert "boom" in (results[1].document.error or "")
    assert results[0].document.sentences == 2 and results[0].document.words == 2
    assert results[0].text == "Eins. Zwei."


def test_process_reads_articles_lazily(blank_pipeline: Language) -> None:
    pulled: list[int] = []

    def articles() -> Iterator[Article]:
        for i in range(100):
            pulled.append(i)
            yield _article(f"d{i:03d}", f"Satz {i}.")

    stream = process(articles(), batch_size=4)
    first = next(stream)
    assert first.document.doc_id == "d000"
    assert len(pulled) == 4  # one batch, not the whole input


def test_texts_go_to_the_sink_as_they_come(blank_pipeline: Language) -> None:
    seen: dict[str, str] = {}
    report = run_pipeline(REPO / "data" / "raw", on_text=seen.__setitem__)
    ok = {d.doc_id for d in report.records.documents if d.status is DocStatus.OK}
    assert ok and set(seen) == ok
    assert report.texts == {}
    for doc_id, text in seen.items():
        assert text.endswith("\n") and len(text) > 100, doc_id


def _dump(results: list[runner.DocResult]) -> list[str]:
    return [
        record.model_dump_json()
        for r in results
        for record in (r.document, *r.people, *r.dates, *r.troops, *r.weapons_orders, *r.budgets)
    ]


def test_worker_processes_give_the_same_records_in_the_same_order() -> None:
    from pipeline.ingest import ingest

    articles = list(ingest(REPO / "data" / "raw"))
    one = list(process(articles, n_process=1))
    infos: dict[str, object] = {}
    two = list(process(articles, n_process=2, batch_size=3, infos=infos))  # type: ignore[arg-type]
    assert [r.document.doc_id for r in two] == [a.document.doc_id for a in articles]
    assert _dump(two) == _dump(one)
    assert sum(len(r.people) for r in two) > 20
    assert set(infos) == {"de", "en"}  # the workers report the pipelines they used


def test_records_on_the_same_span_are_ordered_by_content_not_by_discovery() -> None:
    from pipeline.records import DateKind, DateMention, Evidence

    text = "Am 3. Mai 2024 und am 1. Juni 2024 trafen sie sich."

    def mention(start: int, end: int, value: str) -> DateMention:
        evidence = Evidence.from_text("d", text, start, end, 0)
        return DateMention(
            text=text[start:end],
            start=start,
            end=end,
            value=value,
            kind=DateKind.ABSOLUTE,
            doc_id="d",
            evidence=evidence,
        )

    june = mention(22, 34, "2024-06-01")
    may = mention(3, 14, "2024-05-03")
    may_again = mention(3, 14, "2024-05-04")  # two readings of one span
    for order in ([june, may_again, may], [may, june, may_again], [may_again, may, june]):
        assert runner._by_offset(order) == [may, may_again, june]


def test_collections_are_rare_while_a_batch_runs_and_the_setting_comes_back() -> None:
    import gc

    before = gc.get_threshold()
    with runner._rare_collections():
        inside = gc.get_threshold()
        with runner._rare_collections():  # a use inside another leaves the setting alone
            assert gc.get_threshold() == inside
        assert gc.get_threshold() == inside
    assert inside[0] == runner.GC_GEN0_THRESHOLD > before[0]
    assert gc.get_threshold() == before


def _dies_on_die(
    chunk: list[Article], model: str | None, packed: bool = False
) -> tuple[list[runner.DocResult], dict[str, object]]:
    import os

    if any("DIE" in a.text for a in chunk):
        os._exit(3)  # a worker killed mid-batch (out of memory, a crash in native code)
    return [runner.DocResult(document=a.document, text="from a worker") for a in chunk], {}


def test_a_dead_worker_costs_no_document(blank_pipeline: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    monkeypatch.setattr(runner, "_worker_chunk", _dies_on_die)
    monkeypatch.setattr(runner, "_pool_context", lambda: multiprocessing.get_context("fork"))
    articles = [_article(f"d{i:02d}", "Hier DIE." if i == 5 else f"Satz {i}.") for i in range(12)]
    results = list(process(articles, n_process=2, batch_size=2))
    assert [r.document.doc_id for r in results] == [f"d{i:02d}" for i in range(12)]
    assert all(r.document.status is DocStatus.OK for r in results)
    assert results[0].text == "from a worker"
    assert results[5].text == "Hier DIE."  # its batch was redone in this process


def _worker_pid(
    chunk: list[Article], model: str | None, packed: bool = False
) -> tuple[list[runner.DocResult], dict[str, object]]:
    import os

    return [runner.DocResult(document=a.document, text=str(os.getpid())) for a in chunk], {}


def test_a_worker_pool_serves_call_after_call_with_the_same_workers(
    blank_pipeline: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing
    import os

    monkeypatch.setattr(runner, "_worker_chunk", _worker_pid)
    monkeypatch.setattr(runner, "_pool_context", lambda: multiprocessing.get_context("fork"))
    articles = [_article(f"d{i:02d}", f"Satz {i}.") for i in range(8)]
    with runner.WorkerPool(2) as pool:
        first = list(process(articles, batch_size=2, pool=pool))
        second = list(process(articles, batch_size=2, pool=pool))
    assert [r.document.doc_id for r in second] == [a.document.doc_id for a in articles]
    first_pids, second_pids = {r.text for r in first}, {r.text for r in second}
    assert str(os.getpid()) not in first_pids | second_pids  # done by workers, not here
    assert second_pids <= first_pids  # the workers of the first call did the second
    assert pool._executor is None  # leaving the block stopped them


def test_a_pool_that_lost_a_worker_starts_new_ones_for_the_next_call(
    blank_pipeline: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    monkeypatch.setattr(runner, "_worker_chunk", _dies_on_die)
    monkeypatch.setattr(runner, "_pool_context", lambda: multiprocessing.get_context("fork"))
    dying = [_article(f"d{i:02d}", "Hier DIE." if i == 1 else f"Satz {i}.") for i in range(4)]
    calm = [_article(f"c{i:02d}", f"Satz {i}.") for i in range(4)]
    with runner.WorkerPool(2) as pool:
        assert all(r.document.status is DocStatus.OK for r in process(dying, batch_size=1, pool=pool))
        assert pool._executor is None  # the broken pool was let go
        results = list(process(calm, batch_size=1, pool=pool))
    assert [r.text for r in results] == ["from a worker"] * 4


def test_pipeline_records_are_the_same_from_a_worker_pool() -> None:
    from pipeline.ingest import ingest

    articles = list(ingest(REPO / "data" / "raw"))[:6]
    one = list(process(articles, n_process=1))
    with runner.WorkerPool(2) as pool:
        for _ in range(2):
            assert _dump(list(process(articles, batch_size=2, pool=pool))) == _dump(one)


def test_jobs_must_be_positive_and_local(tmp_path: Path) -> None:
    from pipeline.cli import UsageError, execute_run

    with pytest.raises(UsageError, match="--jobs must be at least 1"):
        execute_run(REPO / "data" / "raw", tmp_path, jobs=0)
    with pytest.raises(UsageError, match="local engine"):
        execute_run(REPO / "data" / "raw", tmp_path, jobs=2, engine="dask")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,  # as on a real cluster; stages keep per-document state, so no threads
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as local_cluster:
        yield local_cluster


def test_dask_engine_outputs_are_identical_to_local(cluster: object, tmp_path: Path) -> None:
    # The local run is a fresh process started together with the Dask run, so both read the
    # same stage code even while someone edits the checkout.
    args = ["run", "--input", str(REPO / "data" / "raw"), "--format", "csv,json"]
    local, out = tmp_path / "local", tmp_path / "dask"
    local_run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *args, "--out", str(local)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    assert main([*args, "--out", str(out), "--engine", "dask", "--scheduler", address]) == 0
    _, errors = local_run.communicate(timeout=300)
    assert local_run.returncode == 0, errors
    for name in [*(f"{kind}.csv" for kind in COLUMNS), "records.json"]:
        assert (out / name).read_bytes() == (local / name).read_bytes(), name
    local_texts = sorted(p.name for p in (local / "texts").iterdir())
    assert sorted(p.name for p in (out / "texts").iterdir()) == local_texts
    for name in local_texts:
        assert (out / "texts" / name).read_bytes() == (local / "texts" / name).read_bytes(), name


def test_streamed_writers_match_the_in_memory_ones(eval_run: tuple[Path, dict], tmp_path: Path) -> None:
    local = eval_run[0] / "eval" / "sample"
    records = load_records(local)
    assert (local / "records.json").read_text(encoding="utf-8") == records_json(records)
    for kind in COLUMNS:
        assert (local / f"{kind}.csv").read_text(encoding="utf-8") == to_csv(kind, getattr(records, kind))
    write_outputs(tmp_path, Records(), {}, {})
    assert (tmp_path / "records.json").read_text(encoding="utf-8") == records_json(Records())


def test_scheduler_needs_the_dask_engine(tmp_path: Path) -> None:
    args = ["run", "--input", str(REPO / "data" / "raw"), "--out", str(tmp_path)]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:8786"]) == 2


def test_bench_corpus_copies_are_distinct_documents(tmp_path: Path) -> None:
    from pipeline.bench import write_corpus
    from pipeline.ingest import discover, ingest_file

    files = write_corpus(tmp_path, 2, [REPO / "data" / "raw"])
    paths = [p for p in discover(tmp_path) if p.suffix == ".txt" and p.with_suffix(".meta.json").exists()]
    assert files == 2 * len(discover(REPO / "data" / "raw"))
    ids = {ingest_file(p, tmp_path).document.doc_id for p in paths}
    assert len(ids) == len(paths)  # sidecar ids are made unique per copy


def test_bench_reconciler_section_writes_json(tmp_path: Path) -> None:
    import json

    from pipeline.bench import main as bench_main

    out = tmp_path / "bench.json"
    assert bench_main(["--skip", "throughput,scaling", "--claims", "2000", "--out", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["reconcile"]["claims"] == 2000 and result["reconcile"]["rss_peak_mb"] > 0
