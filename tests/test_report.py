"""The HTML report: conflicts as cards, facts, per-document tables, chart, escaping, browser."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.cli import execute_run, main
from pipeline.export import write_outputs
from pipeline.records import (
    BudgetFigure,
    Claim,
    Conflict,
    ConflictKind,
    DateKind,
    DateMention,
    Document,
    Evidence,
    FactState,
    FactSummary,
    FactType,
    Lang,
    OrderStatus,
    Person,
    Qualifier,
    Records,
    TroopCount,
    WeaponsOrder,
)
from pipeline.report import (
    REPORT_NAME,
    _date_ticks,
    anchor,
    browse,
    find_browser,
    fmt_number,
    number_span,
    quote_context,
    render_report,
    report_from_outputs,
    sentence_bounds,
    troop_series,
    write_report,
)

DE_TEXT = (
    "Deutschland stockt Brigade in Litauen auf\n\n"
    "Am 14. Mai sagte Verteidigungsminister Boris Pistorius in Vilnius, die Bundeswehr werde rund "
    "4.800 Soldatinnen und Soldaten dauerhaft in Litauen stationieren. Der Wehretat steigt 2026 auf "
    "62,4 Milliarden Euro. Deutschland bestellt zudem 35 F-35.\n"
)
EN_TEXT = (
    "Germany's Lithuania brigade grows\n\n"
    "Berlin will keep more than 5,000 troops in Lithuania by 2027, a ministry spokesman said on Monday. "
    "The deployment is the largest since the Cold War.\n"
)
HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'


def ev(doc_id: str, text: str, quote: str, sentence: int = 0) -> Evidence:
    start = text.index(quote)
    return Evidence.from_text(doc_id, text, start, start + len(quote), sentence)


def sample(extra_title: str = "") -> tuple[Records, dict[str, str]]:
    """Two sources that disagree about German troops in Lithuania, plus one of each fact type."""
    de_troops = TroopCount(
        doc_id="de_brigade",
        force="DE",
        host="LT",
        count=4800,
        qualifier=Qualifier.APPROX,
        as_of=date(2025, 5, 14),
        evidence=ev("de_brigade", DE_TEXT, "rund 4.800 Soldatinnen und Soldaten", 1),
    )
    en_troops = TroopCount(
        doc_id="en_brigade",
        force="DE",
        host="LT",
        count=5000,
        qualifier=Qualifier.MORE_THAN,
        as_of=date(2025, 6, 2),
        evidence=ev("en_brigade", EN_TEXT, "more than 5,000 troops", 1),
    )
    claims = tuple(
        Claim(
            doc_id=t.doc_id,
            publisher=pub,
            as_of=t.as_of,
            value=t.count,
            qualifier=t.qualifier,
            quote=t.evidence.quote,
            evidence=t.evidence,
        )
        for t, pub in ((de_troops, "Tagesblatt"), (en_troops, "Daily Ledger"))
    )
    records = Records(
        documents=(
            Document(
                doc_id="de_brigade",
                source_path="in/de_brigade.txt",
                lang=Lang.DE,
                published=date(2025, 5, 14),
                publisher="Tagesblatt",
                title="Deutschland stockt Brigade in Litauen auf" + extra_title,
            ),
            Document(
                doc_id="en_brigade",
                source_path="in/en_brigade.txt",
                lang=Lang.EN,
                published=date(2025, 6, 2),
                publisher="Daily Ledger",
                title="Germany's Lithuania brigade grows",
            ),
            Document(doc_id="leer", source_path="in/leer.txt", status="failed", error="leer.txt: empty file"),
        ),
        people=(
            Person(
                doc_id="de_brigade",
                name="Boris Pistorius",
                role="Verteidigungsminister",
                role_en="defence minister",
                country="DE",
                evidence=ev("de_brigade", DE_TEXT, "Boris Pistorius", 1),
            ),
        ),
        dates=(
            DateMention(
                text="14. Mai",
                start=DE_TEXT.index("14. Mai"),
                end=DE_TEXT.index("14. Mai") + 7,
                value="2025-05-14",
                kind=DateKind.ABSOLUTE,
                doc_id="de_brigade",
                evidence=ev("de_brigade", DE_TEXT, "14. Mai", 1),
            ),
        ),
        troops=(de_troops, en_troops),
        weapons_orders=(
            WeaponsOrder(
                doc_id="de_brigade",
                buyer="DE",
                seller="US",
                seller_inferred=True,
                system="F-35",
                quantity=35,
                status=OrderStatus.ORDERED,
                evidence=ev("de_brigade", DE_TEXT, "35 F-35", 3),
            ),
        ),
        budgets=(
            BudgetFigure(
                doc_id="de_brigade",
                country="DE",
                value=62.4e9,
                unit="EUR",
                year=2026,
                evidence=ev("de_brigade", DE_TEXT, "62,4 Milliarden Euro", 2),
            ),
        ),
        conflicts=(
            Conflict(
                conflict_id="troops-DE-LT-1",
                fact=FactType.TROOPS,
                subject={"force": "DE", "host": "LT"},
                kind=ConflictKind.VALUE_MISMATCH,
                compatible=False,
                days_apart=19,
                possibly_changed_over_time=True,
                explanation="Tagesblatt says about 4,800, Daily Ledger more than 5,000.",
                claims=claims,
            ),
        ),
        facts=(
            FactSummary(
                fact=FactType.TROOPS,
                subject={"force": "DE", "host": "LT"},
                claims=2,
                documents=2,
                min_value=4800,
                max_value=5000,
                latest_doc_id="en_brigade",
                latest_as_of=date(2025, 6, 2),
                latest_value=5000,
                state=FactState.CONFLICT,
            ),
            FactSummary(
                fact=FactType.BUDGETS,
                subject={"country": "DE", "measure": "defense_budget", "year": "2026"},
                claims=1,
                documents=1,
                min_value=62.4e9,
                max_value=62.4e9,
                latest_doc_id="de_brigade",
                latest_value=62.4e9,
                state=FactState.SINGLE_SOURCE,
            ),
        ),
    )
    return records, {"de_brigade": DE_TEXT, "en_brigade": EN_TEXT}


class Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def assert_inert(html: str) -> None:
    """No script, no inline event handler, no external resource anywhere in the page."""
    for tag, attrs in tags(html):
        assert tag not in {"script", "img", "iframe", "object", "embed", "link"}, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, name, value)


# ---- pieces --------------------------------------------------------------------------------


def test_sentence_context_skips_ordinal_dots_and_marks_quote_and_number() -> None:
    records, _texts = sample()
    troop = records.troops[0]
    lo, hi = sentence_bounds(DE_TEXT, troop.evidence.start, troop.evidence.end)
    assert DE_TEXT[lo:hi].startswith("Am 14. Mai sagte") and DE_TEXT[lo:hi].endswith("stationieren.")
    context = quote_context(DE_TEXT, troop.evidence, troop.count)
    kinds = [(s.kind, s.text) for s in context.segments]
    assert ("number", "4.800") in kinds
    assert "".join(s.text for s in context.segments) == DE_TEXT[lo:hi]
    assert not context.clipped_before and not context.clipped_after


def test_number_span_reads_german_and_english_and_scaled_numbers() -> None:
    assert number_span("more than 5,000 troops", 5000) == (10, 15)
    assert number_span("62,4 Milliarden Euro", 62.4e9) == (0, 4)
    assert number_span("35 F-35", 35) == (0, 2)
    assert number_span("zweitausend Soldaten", 2000) is None
    assert fmt_number(4800) == "4,800" and fmt_number(62.4e9) == "62.4 bn" and fmt_number(None) == "–"
    assert fmt_number(4.3e13) == "43 tn" and fmt_number(152.8e9) == "152.8 bn" and fmt_number(2.5) == "2.5"
    assert number_span("8.7 trillion yen, part of a 43 trillion yen build-up", 4.3e13) == (28, 30)


def test_long_sentences_are_clipped_around_the_quote() -> None:
    text = "a " * 400 + "QUOTE 12 " + "b " * 400
    start = text.index("QUOTE")
    lo, hi = sentence_bounds(text, start, start + 8)
    assert lo > 0 and hi < len(text) and hi - lo < 500


def test_chart_date_ticks_are_calendar_dates() -> None:
    assert _date_ticks(date(2020, 5, 1), date(2026, 2, 1)) == [date(y, 1, 1) for y in (2022, 2024, 2026)]
    assert _date_ticks(date(2025, 1, 10), date(2025, 6, 20))[:2] == [date(2025, 2, 1), date(2025, 3, 1)]
    days = _date_ticks(date(2025, 5, 1), date(2025, 5, 31))
    assert 2 <= len(days) <= 6 and days[0] == date(2025, 5, 1)


def test_troop_series_groups_by_subject_and_source() -> None:
    records, _ = sample()
    series = troop_series(records)
    assert list(series) == [("DE", "LT")]
    by_source = series[("DE", "LT")]
    assert sorted(by_source) == ["Daily Ledger", "Tagesblatt"]
    assert [(d, t.count) for d, t in by_source["Tagesblatt"]] == [(date(2025, 5, 14), 4800)]


# ---- the page ------------------------------------------------------------------------------


def test_report_shows_conflict_cards_facts_documents_and_chart() -> None:
    records, texts = sample()
    html = render_report(records, texts)
    assert_inert(html)
    conflicts = html[html.index('id="conflicts"') : html.index('id="facts"')]
    assert conflicts.count('class="card conflict"') == 1
    for needle in (
        "Tagesblatt",
        "Daily Ledger",
        "about 4,800",
        "more than 5,000",
        "2025-05-14",
        "2025-06-02",
    ):
        assert needle in conflicts, needle
    assert '<mark class="num">4.800</mark>' in conflicts and '<mark class="num">5,000</mark>' in conflicts
    assert "Tagesblatt says about 4,800" in conflicts
    facts = html[html.index('id="facts"') : html.index('id="chart"')]
    assert facts.count("<tr>") == 3 and "single source" in facts
    chart = html[html.index('id="chart"') : html.index('id="documents"')]
    assert chart.count("<svg") == 1 and "DE troops in LT" in chart
    assert "<title>Tagesblatt: about 4,800 as of 2025-05-14 (de_brigade)</title>" in chart
    assert chart.count("<circle") == 2 + 2  # two claims, two legend entries
    docs = html[html.index('id="documents"') :]
    assert docs.count('class="card doc"') == 3
    for needle in ("Boris Pistorius", "defence minister", "F-35", "62.4 bn EUR", "leer.txt: empty file"):
        assert needle in docs, needle
    assert '<mark class="num">62,4</mark>' in docs
    assert 'href="#doc-en_brigade"' in html and 'id="doc-en_brigade"' in html


def test_no_conflicts_is_said_and_empty_records_render() -> None:
    html = render_report(Records(), {})
    assert "No conflicts" in html and "No dated troop counts" in html
    assert_inert(html)


def test_hostile_article_text_is_escaped() -> None:
    records, texts = sample(extra_title=HOSTILE)
    evil = "Boris Pistorius " + HOSTILE
    text = DE_TEXT.replace("Boris Pistorius", evil)
    person = records.people[0].model_copy(update={"name": evil, "evidence": ev("de_brigade", text, evil, 1)})
    docs = tuple(
        d.model_copy(update={"publisher": HOSTILE}) if d.doc_id == "en_brigade" else d
        for d in records.documents
    )
    records = records.model_copy(update={"people": (person,), "documents": docs})
    html = render_report(records, {**texts, "de_brigade": text})
    assert_inert(html)
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_report_is_deterministic(tmp_path: Path) -> None:
    records, texts = sample()
    assert render_report(records, texts) == render_report(records, texts)
    one = write_report(tmp_path / "one", records, texts)
    two = write_report(tmp_path / "two", records, texts)
    assert one.read_bytes() == two.read_bytes()


def test_report_command_rebuilds_from_outputs(tmp_path: Path) -> None:
    records, texts = sample()
    out = tmp_path / "out"
    write_outputs(out, records, texts, {})
    (out / REPORT_NAME).unlink(missing_ok=True)
    path = report_from_outputs(out)
    assert path == out / REPORT_NAME
    assert path.read_text(encoding="utf-8") == render_report(records, texts)
    assert main(["report", "--out", str(tmp_path / "nothing")]) == 2


# ---- in a real browser ---------------------------------------------------------------------

PWN = '"><img src=x onerror="document.title=\'pwned\'">'
BROWSER_CORPUS = {
    "de_litauen": (
        {"lang": "de", "published": "2025-05-14", "publisher": "Tagesblatt",
         "title": "Brigade Litauen " + HOSTILE},
        "Deutschland stockt Brigade in Litauen auf\n\n"
        "Die Bundeswehr will bis 2027 rund 4800 Soldaten dauerhaft in Litauen stationieren, sagte "
        "Verteidigungsminister Boris Pistorius am Montag in Vilnius. " + HOSTILE + " " + PWN + "\n",
    ),
    "en_litauen": (
        {"lang": "en", "published": "2025-06-02", "publisher": "Daily Ledger " + PWN,
         "title": "Germany's Lithuania brigade grows"},
        "Germany's Lithuania brigade grows\n\n"
        "Germany will keep more than 5,000 troops in Lithuania by 2027, Defence Minister Boris Pistorius "
        "said on Monday in Vilnius.\n",
    ),
}  # fmt: skip


def test_report_in_headless_chromium(tmp_path: Path) -> None:
    """The real pipeline on a small hostile corpus; Chromium loads the report and runs nothing."""
    browser = find_browser()
    if browser is None:
        pytest.skip(
            "no chromium binary on PATH: `make browser` (or apt-get install chromium) to run this test"
        )
    folder = tmp_path / "in"
    folder.mkdir()
    for doc_id, (meta, text) in BROWSER_CORPUS.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        (folder / f"{doc_id}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    out = tmp_path / "out"
    records = execute_run(folder, out, quiet=True).records
    html = (out / REPORT_NAME).read_text(encoding="utf-8")
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    png = out / "report.png"
    dom = browse(out / REPORT_NAME, screenshot=png, browser=browser)
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and title.group(1) == "newsfacts report", "a script changed the title"
    assert_inert(dom)
    assert "<script" not in dom and "<img" not in dom
    assert 'id="conflicts"' in dom and 'id="facts"' in dom and 'id="documents"' in dom
    assert dom.count('class="card conflict"') == len(records.conflicts)
    for document in records.documents:
        assert f'id="{anchor(document.doc_id)}"' in dom
    assert "&lt;img src=x onerror=" in dom  # the payload is shown as text
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
