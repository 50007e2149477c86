"""The disk spool behind ``pipeline run``: the same bytes as writing from an in-memory
``Records``, in doc_id order whatever order documents arrive in, and never left behind."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TextIO

import pyarrow.parquet as pq
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline import export, runner
from pipeline.cli import execute_run
from pipeline.export import load_records, to_frames, to_parquet, write_outputs, write_parquet
from pipeline.ingest import ingest
from pipeline.records import RECORD_TYPES, DocStatus, Document, Records
from pipeline.report import report_writer
from pipeline.runner import DocResult, collect, failed_result, process, reconcile_records
from pipeline.store import Spool

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def results() -> list[DocResult]:
    """data/raw through the stages, in input order."""
    return list(process(ingest(REPO / "data" / "raw")))


def _fresh(results: list[DocResult]) -> list[DocResult]:
    """Copies, so that no test sees what another did to a result."""
    return [
        DocResult(
            r.document,
            "",
            list(r.people),
            list(r.dates),
            list(r.troops),
            list(r.weapons_orders),
            list(r.budgets),
        )
        for r in results
    ]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("packed", [False, True], ids=["records", "packed by a worker"])
def test_spooled_outputs_equal_in_memory_outputs_in_any_arrival_order(
    results: list[DocResult], tmp_path: Path, packed: bool
) -> None:
    records = reconcile_records(collect(_fresh(results)))
    assert records.troops and records.conflicts  # the sample exercises the reconciler
    texts = {r.document.doc_id: r.text for r in results if r.text}  # the report quotes them in context
    assert len(texts) == len(results)
    write_outputs(
        tmp_path / "memory", records, texts, {}, extra=[write_parquet, report_writer], formats=("csv", "json")
    )
    shuffled = _fresh(results)
    random.Random(7).shuffle(shuffled)  # the Dask engine yields documents in any order
    assert [r.document.doc_id for r in shuffled] != sorted(r.document.doc_id for r in shuffled)
    with Spool(tmp_path / "spooled") as spool:
        for result in shuffled:
            if packed:
                result = result.packed_copy()
                assert result.packed is not None and not (result.people or result.dates or result.troops)
            spool.add(result)
        spool.reconcile()
        write_outputs(
            tmp_path / "spooled",
            spool.records(),
            texts,
            {},
            extra=[write_parquet, report_writer],
            formats=("csv", "json"),
        )
        assert spool.to_records() == records
        assert {kind: len(getattr(spool.records(), kind)) for kind in RECORD_TYPES} == {
            kind: len(getattr(records, kind)) for kind in RECORD_TYPES
        }
    assert _files(tmp_path / "spooled") == _files(tmp_path / "memory")
    assert (
        "quotes are shown without their sentences" not in (tmp_path / "spooled" / "report.html").read_text()
    )


def test_parquet_written_in_row_groups_holds_the_same_table(
    results: list[DocResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = reconcile_records(collect(_fresh(results)))
    monkeypatch.setattr(export, "PARQUET_ROWS", 7)
    write_parquet(tmp_path, records)
    for kind, frame in to_frames(records).items():
        path = tmp_path / "parquet" / f"{kind}.parquet"
        whole = tmp_path / f"{kind}.whole.parquet"
        whole.write_bytes(to_parquet(kind, frame))
        chunked, expected = pq.read_table(path), pq.read_table(whole)
        assert chunked.equals(expected), kind
        assert pq.ParquetFile(path).num_row_groups == max(1, -(-len(frame) // 7))


def test_failed_documents_are_spooled_and_counted(tmp_path: Path) -> None:
    ok = DocResult(Document(doc_id="b", source_path="b.txt"))
    failed = failed_result(Document(doc_id="a", source_path="a.txt"), RuntimeError("boom"))
    with Spool(tmp_path) as spool:
        spool.add(ok)
        spool.add(failed)
        spool.reconcile()
        assert [d.doc_id for d in spool.documents] == ["a", "b"]
        assert spool.documents[0].status is DocStatus.FAILED
        assert spool.to_records() == Records(documents=(failed.document, ok.document))


def test_the_spool_lives_in_the_output_folder_and_is_removed(tmp_path: Path) -> None:
    with Spool(tmp_path) as spool:
        assert spool.folder.parent == tmp_path and spool.folder.is_dir()
    assert not spool.folder.exists()


@Language.component("test_store_explode")
def _explode(doc: Doc) -> Doc:
    if "BOOM" in doc.text:
        raise RuntimeError("boom")
    return doc


@pytest.fixture()
def small_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two articles on a cheap pipeline, one of which fails inside the stages."""
    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("test_store_explode")
    monkeypatch.setattr(runner, "cached_nlp", lambda lang, model=None: nlp)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "de_a.txt").write_text("Die Bundeswehr ist da. Eins zwei.", encoding="utf-8")
    (corpus / "de_b.txt").write_text("Hier BOOM.", encoding="utf-8")
    return corpus


def test_a_run_leaves_no_spool_and_accounts_for_a_failed_document(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = execute_run(small_corpus, out, quiet=True, lang="de")
    assert not list(out.glob(".spool-*"))
    assert [(d.doc_id, d.status) for d in report.documents] == [
        ("de_a", DocStatus.OK),
        ("de_b", DocStatus.FAILED),
    ]
    assert report.counts["documents"] == 2
    assert report.records == load_records(out)  # read back from the records.json the run wrote
    assert "de_b" in (out / "documents.csv").read_text(encoding="utf-8")


def test_a_failing_writer_leaves_no_spool_and_no_half_written_file(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(handle: TextIO, records: object) -> None:
        handle.write("{")
        raise OSError("disk full")

    monkeypatch.setattr(export, "write_records_json", broken)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        execute_run(small_corpus, out, quiet=True, lang="de")
    assert not list(out.glob(".spool-*"))
    assert not (out / "records.json").exists()
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temp files either


def test_records_of_a_run_without_json_are_not_kept(small_corpus: Path, tmp_path: Path) -> None:
    report = execute_run(small_corpus, tmp_path / "out", quiet=True, lang="de", formats="csv")
    assert len(report.documents) == 2
    with pytest.raises(LookupError, match=r"records\.json"):
        _ = report.records
