"""The analyst's HTML report: conflicts first, then the fact table, a troop chart and every document.

``OUT/report.html`` is one self-contained file: inline CSS and SVG, no JavaScript, no
network, readable on a laptop and printable. Every piece of article text reaches the
page through Jinja2 autoescaping; nothing from an article is ever marked safe (the
only unescaped markup is the chart SVG that matplotlib writes, whose text matplotlib
escapes itself). The output is deterministic: no clock, sorted input, a fixed SVG
hash salt and no SVG date, so two runs on the same records give the same bytes.

``write_report(out, records)`` is the hook every run calls; ``report_from_outputs(out)``
rebuilds the report from an earlier run's ``records.json`` and ``texts/``.
"""

from __future__ import annotations

import bisect
import math
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .export import atomic_stream, load_records
from .records import (
    Claim,
    DocStatus,
    Document,
    Evidence,
    FactState,
    FactSummary,
    Number,
    Qualifier,
    TroopCount,
)
from .store import RecordSet, SpooledRecords

REPORT_NAME = "report.html"
#: Characters of context shown on each side of a quote when its sentence runs longer.
CONTEXT_LIMIT = 220
#: At most this many troop charts (the subjects with the most claims).
MAX_CHARTS = 12

# A sentence ends at . ! or ? (not after a digit: "14. Mai", "2. Brigade") followed by
# closing quotes and whitespace, or at a line break.
_BOUNDARY = re.compile(r"(?<!\d)[.!?][\"'“”»«)]*\s+|\n\s*")
_NUMERIC = re.compile(r"\d+(?:[.,\u00a0\u202f' ]\d{3})*(?:[.,]\d+)?")

QUALIFIER_TEXT: dict[Qualifier, str] = {
    Qualifier.EXACT: "",
    Qualifier.APPROX: "about ",
    Qualifier.MORE_THAN: "more than ",
    Qualifier.AT_LEAST: "at least ",
    Qualifier.LESS_THAN: "less than ",
    Qualifier.AT_MOST: "at most ",
    Qualifier.RANGE: "",
}
FACT_TITLES = {"troops": "Troops", "weapons_orders": "Weapons order", "budgets": "Budget"}


# ---- quotes in their sentence ---------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of a sentence: plain ``text``, the record's ``quote``, or the ``number`` in it."""

    text: str
    kind: str = "text"


@dataclass(frozen=True)
class Context:
    """A quote in its sentence, cut into segments; ``clipped_*`` when the sentence was shortened."""

    segments: tuple[Segment, ...]
    clipped_before: bool = False
    clipped_after: bool = False


def sentence_bounds(text: str, start: int, end: int, limit: int = CONTEXT_LIMIT) -> tuple[int, int]:
    """The sentence around ``text[start:end]``, at most ``limit`` characters either side."""
    lo, hi, _, _ = _bounds(_boundaries(text), text, start, end, limit)
    return lo, hi


def _boundaries(text: str) -> tuple[list[int], list[int]]:
    matches = list(_BOUNDARY.finditer(text))
    return [m.start() for m in matches], [m.end() for m in matches]


def _bounds(
    marks: tuple[list[int], list[int]], text: str, start: int, end: int, limit: int
) -> tuple[int, int, bool, bool]:
    """Sentence bounds and whether each side was clipped to ``limit``."""
    starts, ends = marks
    i = bisect.bisect_right(ends, start)
    lo = ends[i - 1] if i else 0
    j = bisect.bisect_left(starts, end)
    hi = starts[j] + 1 if j < len(starts) else len(text)
    if text[hi - 1 : hi].isspace():
        hi -= 1
    clipped_lo = clipped_hi = False
    if start - lo > limit:
        cut = text.find(" ", start - limit, start)
        lo, clipped_lo = (cut + 1 if cut != -1 else start - limit), True
    if hi - end > limit:
        cut = text.rfind(" ", end, end + limit)
        hi, clipped_hi = (cut if cut != -1 else end + limit), True
    return lo, hi, clipped_lo, clipped_hi


def number_span(quote: str, value: Number | None) -> tuple[int, int] | None:
    """Where ``value`` is written inside ``quote`` (digits only); the only number when unsure."""
    found = list(_NUMERIC.finditer(quote))
    if not found:
        return None
    if value is not None:
        for match in found:
            if any(_close(reading, value) for reading in _readings(match.group())):
                return match.span()
    return found[0].span() if len(found) == 1 else None


def _readings(written: str) -> set[float]:
    """A written number read the German way and the English way."""
    compact = re.sub(r"[\u00a0\u202f' ]", "", written)
    readings = set()
    for thousands, decimal in ((".", ","), (",", ".")):
        candidate = compact.replace(thousands, "").replace(decimal, ".")
        try:
            readings.add(float(candidate))
        except ValueError:
            continue
    return readings


def _close(reading: float, value: Number) -> bool:
    target = float(value)
    return any(
        abs(reading * scale - target) <= 1e-6 * max(1.0, abs(target)) for scale in (1, 1e3, 1e6, 1e9, 1e12)
    )


def quote_context(
    text: str | None,
    evidence: Evidence,
    value: Number | None = None,
    marks: tuple[list[int], list[int]] | None = None,
    number: bool = True,
) -> Context:
    """The evidence's sentence with the quote (and, if ``number``, the number in it) as segments."""
    quote = evidence.quote
    if text is None or text[evidence.start : evidence.end] != quote:
        return Context(tuple(_quote_segments(quote, value, number)))
    lo, hi, clipped_lo, clipped_hi = _bounds(
        marks or _boundaries(text), text, evidence.start, evidence.end, CONTEXT_LIMIT
    )
    segments = [
        Segment(text[lo : evidence.start]),
        *_quote_segments(quote, value, number),
        Segment(text[evidence.end : hi]),
    ]
    return Context(
        tuple(s for s in segments if s.text),
        clipped_before=clipped_lo,
        clipped_after=clipped_hi,
    )


def _quote_segments(quote: str, value: Number | None, number: bool = True) -> list[Segment]:
    span = number_span(quote, value) if number else None
    if span is None:
        return [Segment(quote, "quote")]
    a, b = span
    parts = [Segment(quote[:a], "quote"), Segment(quote[a:b], "number"), Segment(quote[b:], "quote")]
    return [p for p in parts if p.text]


# ---- formatting -----------------------------------------------------------------------------


def fmt_number(value: Number | None) -> str:
    """4800 -> '4,800'; 1.5e9 -> '1.5 bn'; 8.7e12 -> '8.7 tn'; 2.5 -> '2.5'; None -> '–'."""
    if value is None:
        return "–"
    magnitude = abs(value)
    for size, word in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if magnitude >= size:
            return f"{_decimals(value / size, 2)} {word}"
    if isinstance(value, float) and not value.is_integer():
        return _decimals(value, 3)
    return f"{int(value):,}"


def _decimals(value: float, places: int) -> str:
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def fmt_unit(unit: str | None) -> str:
    """'EUR' -> ' EUR', 'percent_gdp' -> '% of GDP', None -> ''."""
    if not unit:
        return ""
    return "% of GDP" if unit == "percent_gdp" else f" {unit}"


def fmt_claim(claim: Claim, unit: str | None = None) -> str:
    """A claim's value as its source put it: 'about 4,800', '3,000–5,000', '1.13 bn EUR'."""
    if claim.value is None:
        return fmt_enum(claim.status) if claim.status else "–"
    if claim.qualifier is Qualifier.RANGE and claim.low is not None and claim.high is not None:
        return f"{fmt_number(claim.low)}–{fmt_number(claim.high)}{fmt_unit(unit)}"
    qualifier = QUALIFIER_TEXT.get(claim.qualifier or Qualifier.EXACT, "")
    return qualifier + fmt_number(claim.value) + fmt_unit(unit)


def fmt_count(record: TroopCount) -> str:
    if record.qualifier is Qualifier.RANGE and record.low is not None and record.high is not None:
        return f"{fmt_number(record.low)}–{fmt_number(record.high)}"
    return QUALIFIER_TEXT.get(record.qualifier, "") + fmt_number(record.count)


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M")
            if (value.hour, value.minute) != (0, 0)
            else value.date().isoformat()
        )
    return value.isoformat()


def fmt_subject(subject: Mapping[str, str]) -> str:
    return " · ".join(f"{key} {value}" for key, value in subject.items())


def fmt_enum(value: Any) -> str:
    if value is None:
        return "–"
    raw = getattr(value, "value", value)
    return str(raw).replace("_", " ")


def anchor(doc_id: str) -> str:
    """A fragment id for a document's section (characters outside [A-Za-z0-9_-] become '-')."""
    return "doc-" + re.sub(r"[^A-Za-z0-9_-]", "-", doc_id)


# ---- the troop chart ------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    points: int


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def troop_series(records: RecordSet) -> dict[tuple[str, str], dict[str, list[tuple[date, TroopCount]]]]:
    """Troop claims per subject (force, host), per source (publisher or doc_id), by date.

    A claim's date is its ``as_of``, else its document's publication date; undated
    claims are left out.
    """
    docs = {d.doc_id: d for d in records.documents}
    series: dict[tuple[str, str], dict[str, list[tuple[date, TroopCount]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for troop in records.troops:
        document = docs.get(troop.doc_id)
        when = troop.as_of or _day(document.published if document else None)
        if when is None:
            continue
        source = (document.publisher if document else None) or troop.doc_id
        series[(troop.force, troop.host or "")][source].append((when, troop))
    return {
        subject: {
            source: sorted(points, key=lambda p: (p[0], p[1].count)) for source, points in sorted(by.items())
        }
        for subject, by in sorted(series.items())
    }


def troop_charts(records: RecordSet, limit: int = MAX_CHARTS) -> list[Chart]:
    """One small inline SVG per troop subject: each source's claimed counts over time."""
    series = troop_series(records)
    ranked = sorted(series.items(), key=lambda item: (-sum(len(p) for p in item[1].values()), item[0]))
    return [_chart(subject, by_source) for subject, by_source in ranked[:limit]]


#: Series colours (Tableau 10): distinguishable, and readable when printed in grey.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Mark:
    """One claim in the chart: position, optional range bar, and its hover text."""

    x: float
    y: float
    y_low: float | None
    y_high: float | None
    tip: str


@dataclass(frozen=True)
class Series:
    source: str
    color: str
    marks: tuple[Mark, ...]
    path: str  # polyline points, "" for a single claim


@dataclass(frozen=True)
class Plot:
    """Geometry of one chart, in SVG user units; drawn by ``troop_chart.svg.j2``."""

    title: str
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    series: tuple[Series, ...]


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _date_ticks(lo: date, hi: date) -> list[date]:
    """Calendar ticks between lo and hi: years, months or days, at most about six."""
    span = (hi - lo).days
    if span > 3 * 365:
        step = max(1, math.ceil((hi.year - lo.year + 1) / 6))
        return [date(y, 1, 1) for y in range(lo.year, hi.year + 1, step) if lo <= date(y, 1, 1) <= hi]
    if span > 90:
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 6)
        ticks = []
        y, m = lo.year, lo.month
        while date(y, m, 1) <= hi:
            if date(y, m, 1) >= lo and (m - 1) % step == 0:
                ticks.append(date(y, m, 1))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return ticks
    step = next(s for s in (1, 2, 7, 14, 30) if span / s <= 6)
    return [date.fromordinal(o) for o in range(lo.toordinal(), hi.toordinal() + 1, step)]


def _date_label(day: date, lo: date, hi: date, first: date) -> str:
    span = (hi - lo).days
    if span > 3 * 365:
        return str(day.year)
    if span > 90:
        return f"{_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} {_MONTHS[day.month - 1]}" + (f" {day.year}" if day == first else "")


def _plot(subject: tuple[str, str], by_source: dict[str, list[tuple[date, TroopCount]]]) -> Plot:
    force, host = subject
    title = f"{force} troops in {host}" if host else f"{force} troops"
    days = [when for points in by_source.values() for when, _ in points]
    first, last = min(days), max(days)
    pad = max(20, round((last - first).days * 0.08))
    lo, hi = date.fromordinal(first.toordinal() - pad), date.fromordinal(last.toordinal() + pad)
    top_value = max((t.high or t.count) for points in by_source.values() for _, t in points)
    y_step = _nice_step(max(1, top_value) * 1.1)
    y_max = y_step * math.ceil(max(1, top_value) * 1.1 / y_step)
    width, left, right, top = 520, 76, 24, 30
    plot_height = 180
    bottom = top + plot_height
    height = bottom + 30 + 16 * len(by_source)

    def x_at(day: date) -> float:
        return round(left + (day - lo).days / max(1, (hi - lo).days) * (width - left - right), 1)

    def y_at(value: float) -> float:
        return round(bottom - value / y_max * plot_height, 1)

    series = []
    count = len(by_source)
    for i, (source, points) in enumerate(by_source.items()):
        nudge = (i - (count - 1) / 2) * 4  # sources on the same day sit side by side
        marks = tuple(
            Mark(
                x=round(x_at(when) + nudge, 1),
                y=y_at(t.count),
                y_low=y_at(t.low) if t.low is not None else None,
                y_high=y_at(t.high) if t.high is not None else None,
                tip=f"{source}: {fmt_count(t)} as of {when.isoformat()} ({t.doc_id})",
            )
            for when, t in points
        )
        path = " ".join(f"{m.x},{m.y}" for m in marks) if len(marks) > 1 else ""
        series.append(Series(source, PALETTE[i % len(PALETTE)], marks, path))
    tick_days = _date_ticks(lo, hi)
    x_ticks = tuple(Tick(x_at(day), _date_label(day, lo, hi, tick_days[0])) for day in tick_days)
    y_ticks = tuple(
        Tick(y_at(k * y_step), fmt_number(int(k * y_step) if float(k * y_step).is_integer() else k * y_step))
        for k in range(round(y_max / y_step) + 1)
    )
    return Plot(title, width, height, left, top, width - right, bottom, x_ticks, y_ticks, tuple(series))


def _chart(subject: tuple[str, str], by_source: dict[str, list[tuple[date, TroopCount]]]) -> Chart:
    plot = _plot(subject, by_source)
    # An autoescaping template: sources and labels are escaped like every other article text.
    svg = environment().get_template("troop_chart.svg.j2").render(plot=plot)
    return Chart(title=plot.title, svg=Markup(svg), points=sum(len(p) for p in by_source.values()))


# ---- the page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocView:
    """One document's section: metadata and its facts with their contexts."""

    document: Document
    has_text: bool
    tables: dict[str, list[tuple[Any, Context]]]


def fact_value(record: Any) -> Number | None:
    """The number a fact record states (troop count, order quantity, budget value)."""
    for name in ("count", "quantity", "value"):
        value = getattr(record, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    return None


FACT_KINDS = ("people", "dates", "troops", "weapons_orders", "budgets")


def build_view(records: RecordSet, texts: Mapping[str, str]) -> dict[str, Any]:
    """What the template shows. Conflicts, facts and charts are computed here; ``documents``
    is lazy: each document's records, text and contexts are read while the template renders
    that document, so a streamed render holds one document at a time."""

    conflicts = [
        (
            conflict,
            [
                (claim, quote_context(texts.get(claim.evidence.doc_id), claim.evidence, claim.value))
                for claim in conflict.claims
            ],
        )
        for conflict in records.conflicts
    ]
    published = sorted(day for d in records.documents if (day := _day(d.published)) is not None)
    return {
        "records": records,
        "documents": _DocViews(records, texts),
        "conflicts": conflicts,
        "facts": _sorted_facts(list(records.facts)),
        "charts": troop_charts(records),
        "ok": sum(1 for d in records.documents if d.status is DocStatus.OK),
        "failed": sum(1 for d in records.documents if d.status is DocStatus.FAILED),
        "first_published": published[0] if published else None,
        "last_published": published[-1] if published else None,
        "publishers": {d.doc_id: d.publisher for d in records.documents},
        "known_docs": {d.doc_id for d in records.documents},
    }


@dataclass(frozen=True)
class _DocViews:
    """The documents' sections, built one at a time as the template iterates them."""

    records: RecordSet
    texts: Mapping[str, str]

    def __len__(self) -> int:
        return len(self.records.documents)

    def __iter__(self) -> Iterator[DocView]:
        for document, tables in per_document(self.records):
            text = self.texts.get(document.doc_id)
            marks = _boundaries(text) if text is not None else None

            def ctx(evidence: Evidence | None, value: Number | None, number: bool) -> Context:
                if evidence is None:
                    return Context(())
                if evidence.doc_id == document.doc_id:  # noqa: B023 (used within this iteration)
                    return quote_context(text, evidence, value, marks, number)  # noqa: B023
                return quote_context(self.texts.get(evidence.doc_id), evidence, value, None, number)

            views = {}
            for kind in FACT_KINDS:
                numeric = kind in ("troops", "weapons_orders", "budgets")
                views[kind] = [
                    (record, ctx(record.evidence, fact_value(record) if numeric else None, numeric))
                    for record in tables.get(kind, [])
                ]
            yield DocView(document, text is not None, views)


def per_document(records: RecordSet) -> Iterator[tuple[Document, dict[str, list[Any]]]]:
    """Each document with its records per kind, in document order (a spool reads them per
    document; an in-memory ``Records`` is grouped by doc_id)."""
    if isinstance(records, SpooledRecords):
        yield from records.spool.by_document()
        return
    grouped: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for kind in FACT_KINDS:
        for record in getattr(records, kind):
            grouped[record.doc_id or ""][kind].append(record)
    for document in records.documents:
        yield document, grouped.get(document.doc_id, {})


def _sorted_facts(facts: Sequence[FactSummary]) -> list[FactSummary]:
    order = {FactState.CONFLICT: 0, FactState.AGREED: 1, FactState.SINGLE_SOURCE: 2}
    return sorted(facts, key=lambda f: (order[f.state], f.fact.value, sorted(f.subject.items())))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        number=fmt_number,
        claim=fmt_claim,
        count=fmt_count,
        day=fmt_date,
        subject=fmt_subject,
        enum=fmt_enum,
        unit=fmt_unit,
        anchor=anchor,
    )
    env.globals["fact_titles"] = FACT_TITLES
    return env


def render_report(records: RecordSet, texts: Mapping[str, str]) -> str:
    """The report's HTML for these records and document texts (``doc_id -> text``)."""
    return "".join(stream_report(records, texts))


def stream_report(records: RecordSet, texts: Mapping[str, str]) -> Iterator[str]:
    """:func:`render_report` piece by piece (Jinja's ``generate``): one document in memory at a time."""
    return environment().get_template("report.html.j2").generate(build_view(records, texts))


def read_texts(out: Path, doc_ids: Iterable[str]) -> dict[str, str]:
    """The plain texts a run wrote to ``OUT/texts/<doc_id>.txt`` (missing ones are skipped)."""
    texts = {}
    for doc_id in doc_ids:
        path = out / "texts" / f"{doc_id}.txt"
        if path.is_file():
            texts[doc_id] = path.read_text(encoding="utf-8")
    return texts


class TextFiles(Mapping[str, str]):
    """:func:`read_texts` as a lazy mapping: a text is read from ``OUT/texts/`` when looked up."""

    def __init__(self, out: Path, doc_ids: Iterable[str]) -> None:
        self.folder = out / "texts"
        self.doc_ids = frozenset(doc_ids)

    def _path(self, doc_id: str) -> Path | None:
        path = self.folder / f"{doc_id}.txt"
        return path if doc_id in self.doc_ids and path.is_file() else None

    def __getitem__(self, doc_id: str) -> str:
        path = self._path(doc_id)
        if path is None:
            raise KeyError(doc_id)
        return path.read_text(encoding="utf-8")

    def __iter__(self) -> Iterator[str]:
        return (doc_id for doc_id in sorted(self.doc_ids) if self._path(doc_id) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def write_report(out: Path, records: RecordSet, texts: Mapping[str, str] | None = None) -> Path:
    """Write ``OUT/report.html``, streamed; texts default to the run's ``OUT/texts/``, read as
    each document is rendered. The run's writer hook."""
    sources = TextFiles(out, (d.doc_id for d in records.documents)) if texts is None else texts
    path = out / REPORT_NAME
    atomic_stream(path, lambda handle: handle.writelines(stream_report(records, sources)))
    return path


def report_writer(out: Path, records: RecordSet) -> None:
    """``write_report`` in the shape of a ``write_outputs`` extra writer."""
    write_report(out, records)


def report_from_outputs(out: Path, dest: Path | None = None) -> Path:
    """Rebuild the report from an earlier run's ``records.json`` and ``texts/``.

    Raises ``FileNotFoundError`` when ``out`` holds no ``records.json``.
    """
    source = out / "records.json"
    if not source.is_file():
        raise FileNotFoundError(f"no records.json in {out} (run `python -m pipeline run --out {out}` first)")
    records = load_records(source)
    texts = TextFiles(out, (d.doc_id for d in records.documents))
    return write_report(dest or out, records, texts)


# ---- a look in a real browser ---------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Headless, offline, no profile state: the report needs nothing from the network.
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def find_browser() -> str | None:
    """The first headless-capable Chromium on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(
    html: Path,
    screenshot: Path | None = None,
    size: tuple[int, int] = (1280, 1800),
    browser: str | None = None,
    timeout: float = 120,
) -> str:
    """Open ``html`` in headless Chromium; return the DOM after load, optionally save a PNG.

    Raises ``FileNotFoundError`` when no Chromium is installed.
    """
    binary = browser or find_browser()
    if binary is None:
        raise FileNotFoundError("no chromium binary on PATH (apt-get install chromium)")
    url = html.resolve().as_uri()

    def call(*args: str) -> str:
        with tempfile.TemporaryDirectory(prefix="newsfacts-chromium-") as profile:
            done = subprocess.run(
                [binary, *BROWSER_FLAGS, f"--user-data-dir={profile}", *args, url],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        return done.stdout

    dom = call("--dump-dom")
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        call(f"--screenshot={screenshot.resolve()}", f"--window-size={size[0]},{size[1]}")
    return dom


__all__ = [
    "REPORT_NAME",
    "Chart",
    "Context",
    "Segment",
    "browse",
    "build_view",
    "fact_value",
    "find_browser",
    "fmt_claim",
    "fmt_number",
    "number_span",
    "quote_context",
    "render_report",
    "report_from_outputs",
    "report_writer",
    "sentence_bounds",
    "stream_report",
    "troop_charts",
    "troop_series",
    "write_report",
]
