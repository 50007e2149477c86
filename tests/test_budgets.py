"""Budget figures: corpus tables (tests/corpus/<lang>/budgets.yaml), status and unit rules,
and the seed articles' gold (skipped when ../shared is absent)."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline import budgets
from pipeline.budgets import BudgetsStage
from pipeline.facts import folded
from pipeline.lexicon import lang_file, load_tsv
from pipeline.records import BudgetFigure, BudgetStatus

from .test_troops import _seed_docs, assert_fields, corpus_cases, corpus_negatives, run


@pytest.mark.parametrize(("lang", "expect", "text", "published"), corpus_cases("budgets.yaml"))
def test_budgets_corpus(lang: str, expect: dict[str, Any], text: str, published: date) -> None:
    budgets = run(text, lang, published)._.budgets
    assert len(budgets) == 1, f"{text!r}: {budgets}"
    assert_fields(budgets[0], expect)
    ev = budgets[0].evidence
    assert text[ev.start : ev.end] == ev.quote


@pytest.mark.parametrize(("lang", "text", "published"), corpus_negatives("budgets.yaml"))
def test_budgets_negatives(lang: str, text: str, published: date) -> None:
    assert run(text, lang, published)._.budgets == []


def test_amounts_are_whole_units_as_int() -> None:
    doc = run("Tokio plant einen Verteidigungsetat von 8,7 Billionen Yen.", "de", date(2024, 12, 1))
    (record,) = doc._.budgets
    assert isinstance(record, BudgetFigure)
    assert record.value == 8_700_000_000_000 and isinstance(record.value, int)
    assert (record.country, record.unit, record.status) == ("JP", "JPY", BudgetStatus.PLANNED)


def test_old_and_new_value_of_a_change() -> None:
    text = "Der Wehretat steigt von 52 Milliarden Euro auf 58 Milliarden Euro."
    doc = run(f"Deutschland baut die Bundeswehr aus. {text}", "de", date(2024, 4, 10))
    figures = [(b.country, b.value, b.change) for b in doc._.budgets]
    assert figures == [("DE", 52_000_000_000, None), ("DE", 58_000_000_000, "increased")]


def test_figure_in_the_next_sentence_takes_the_budget_term() -> None:
    text = (
        "Das japanische Kabinett billigte den Verteidigungshaushalt für das Fiskaljahr 2025. "
        "Der Haushalt ist Teil eines Fünfjahresplans. "
        "Für die Jahre 2023 bis 2027 sind darin insgesamt 43 Billionen Yen vorgesehen."
    )
    (record,) = run(text, "de", date(2024, 12, 27))._.budgets
    assert (record.country, record.measure.value, record.value, record.status) == (
        "JP",
        "multi_year_plan",
        43_000_000_000_000,
        BudgetStatus.PLANNED,
    )


def test_a_headline_repeating_the_body_gives_one_figure() -> None:
    text = (
        "Japan verdoppelt Verteidigungshaushalt auf zwei Prozent des BIP\n\n"
        "Japan verdoppelte den Verteidigungshaushalt auf zwei Prozent des Bruttoinlandsprodukts."
    )
    assert len(run(text, "de", date(2024, 4, 10))._.budgets) == 1


def test_seed_budgets_match_gold(seeds: Path) -> None:
    for doc, gold in _seed_docs(seeds):
        got = [(b.country, b.value, b.unit, b.status.value, b.year, b.measure.value) for b in doc._.budgets]
        want = [
            (g["country"], g["value"], g["unit"], g["status"], g["year"], g["measure"])
            for g in gold["budgets"]
        ]
        assert got == want, gold["doc"]


def test_bare_percentage_continues_a_comparison_of_gdp_shares() -> None:
    text = (
        "Litauen will in diesem Jahr 5,38 Prozent seiner Wirtschaftsleistung für Verteidigung ausgeben, "
        "Estland plant für 2027 mit 5,4 Prozent. "
        "Lettland hat sich verpflichtet, bis 2028 fünf Prozent zu erreichen. "
        "Die Inflation lag zuletzt bei 3,1 Prozent."
    )
    figures = [(b.country, b.value, b.unit, b.year) for b in run(text, "de", date(2025, 6, 1))._.budgets]
    assert figures == [
        ("LT", 5.38, "percent_gdp", 2025),
        ("EE", 5.4, "percent_gdp", 2027),
        ("LV", 5, "percent_gdp", 2028),
    ]


def _figures(text: str, lang: str, published: date = date(2025, 11, 20)) -> list[tuple[Any, ...]]:
    return [
        (b.country, b.value, b.unit, b.status.value, b.year) for b in run(text, lang, published)._.budgets
    ]


def test_coordinated_gdp_shares_each_get_their_own_country() -> None:
    text = (
        "Litauen will 2026 5,38 Prozent der Wirtschaftsleistung für Verteidigung ausgeben, "
        "Estland plant für 2027 mit 5,4 Prozent."
    )
    assert _figures(text, "de") == [
        ("LT", 5.38, "percent_gdp", "target", 2026),
        ("EE", 5.4, "percent_gdp", "planned", 2027),
    ]


def test_percentage_continuing_a_gdp_topic_in_the_next_sentence() -> None:
    text = (
        "Die Verteidigungsausgaben Schwedens sollen bis 2030 auf 3,5 Prozent der Wirtschaftsleistung "
        "steigen. 2025 lag der Wert nach Angaben des Ministeriums bei 2,3 Prozent."
    )
    assert _figures(text, "de") == [
        ("SE", 3.5, "percent_gdp", "planned", 2030),
        ("SE", 2.3, "percent_gdp", "actual", 2025),
    ]
    unrelated = (
        "Polen gibt 4,7 Prozent seiner Wirtschaftsleistung für Verteidigung aus. "
        "Die Inflation lag bei 4,1 Prozent."
    )
    assert [f[1] for f in _figures(unrelated, "de")] == [4.7]


def test_bare_dollar_is_the_own_currency_only_for_dollar_states() -> None:
    assert _figures("Kanada erhöht den Verteidigungsetat auf 38,6 Milliarden Dollar.", "de")[0][2] == "CAD"
    assert _figures("Polen erhöht den Verteidigungsetat auf 38,6 Milliarden Dollar.", "de")[0][2] == "USD"
    assert _figures("Kanada erhöht den Verteidigungsetat auf 38,6 Milliarden US-Dollar.", "de")[0][2] == "USD"
    assert _figures("Canada will raise its defence budget to $38.6 billion.", "en")[0][2] == "USD"


def test_fiscal_year_named_by_its_first_month() -> None:
    text = (
        "Japan's defence ministry will ask for a record 8.8 trillion yen "
        "for the fiscal year beginning next April."
    )
    assert _figures(text, "en", date(2025, 8, 29)) == [("JP", 8_800_000_000_000, "JPY", "proposed", 2026)]
    assert _figures(text, "en", date(2026, 1, 10)) == [("JP", 8_800_000_000_000, "JPY", "proposed", 2026)]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_terms_grouped_by_opening_letter_are_the_terms_of_the_plain_alternation(lang: str) -> None:
    patterns = [r["pattern"] for r in load_tsv(lang_file(lang, "budget_terms.tsv"))]
    prefix = r"[\w-]*?" if lang == "de" else ""
    groups = "|".join(f"(?P<t{i}>{p})" for i, p in enumerate(patterns))
    plain = re.compile(rf"(?<![\w-]){prefix}(?:{groups})(?!\w)", re.IGNORECASE)
    stage = BudgetsStage(lang)
    texts = [
        "Der US-Verteidigungshaushalt und das Sondervermögen für die Bundeswehr, Militärhilfe "
        "für die Ukraine; in neue Waffen und Ausrüstung, Fünfjahresplan, Armee-Budget.",
        "a record $886 billion defense budget, military aid, spending on defence, the Army's budget.",
    ]
    for text in texts:
        want = [(m.start(), m.end(), m.start(m.lastgroup or 0), m.lastgroup) for m in plain.finditer(text)]
        got = [(t.start, t.end, t.head) for t in stage._terms(text, 0, len(text), folded(text))]
        assert got == [w[:3] for w in want]
        assert [t.measure for t in stage._terms(text, 0, len(text), folded(text))] == [
            stage.measures[int((w[3] or "t0")[1:])] for w in want
        ]


@pytest.mark.parametrize(
    ("pattern", "plain"),
    [
        (budgets._CLAUSE_BREAK, r"(?<!-)[,;]\s"),
        (
            budgets._YEAR_SPAN,
            r"(?<!\d)(?:19|20)\d{2}\s*(?:bis|to|through|until|–|-)\s*(?:19|20)\d{2}(?!\d)",
        ),
    ],
)
def test_look_behind_after_the_first_mark_matches_the_plain_form(
    pattern: re.Pattern[str], plain: str
) -> None:
    """Random strings of the marks, digits, years and range words, searched from every start:
    the same matches as the pattern with its look-behind in front."""
    simple = re.compile(plain)
    pieces = ["1", "2", "9", "0", "19", "20", "2023", "1999", " ", "-", ",", ";", "a", "bis", "to", "–", "٣"]
    rnd = random.Random(7)
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        for pos in range(len(text) + 1):
            found = [m.span() for m in pattern.finditer(text, pos)]
            assert found == [m.span() for m in simple.finditer(text, pos)], (text, pos)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_first_letter_look_aheads_keep_the_matches(lang: str) -> None:
    """Cue and word-list patterns led by a look-ahead of their opening letters find what the
    same patterns without it find, also with capitals, ſ, İ and the Kelvin sign."""
    stage = BudgetsStage(lang)
    pairs: list[tuple[re.Pattern[str], str]] = [
        (budgets._RATE, r"(?<!\w)(?:um|by|up|down)\s+$"),
        (budgets._FROM, r"(?<!\w)(?:von|from)\s+(?:\w+\s+){0,2}$"),
        (stage.spans, "(?<![\\w-])(?:" + "|".join(_column(lang, "budget_spans.tsv")) + ")"),
        (stage.demands, "(?<![\\w-])(?:" + "|".join(_column(lang, "budget_demands.tsv")) + ")"),
        (
            stage.alliance.pattern,
            "(?<![\\w-])(?:" + "|".join(_column(lang, "budget_alliance.tsv")) + ")(?!\\w)",
        ),
    ]
    assert all(pattern.pattern.startswith("(?=[") for pattern, _ in pairs)
    for cue, raw in zip(stage.status.cues, _column(lang, "modality.tsv", "budgets"), strict=True):
        anchored = raw.startswith("^") or raw.endswith("$")
        pairs.append((cue.pattern, raw if anchored else rf"(?<![\w-])(?:{raw})"))
    words = sorted({w for _, plain in pairs for w in re.findall(r"[a-zäöüß]{2,}", plain)})
    texts = [
        f"{w} {w.upper()} x{w} -{w.capitalize()} {w.replace('s', 'ſ')} {w.replace('i', 'İ')} "
        f"{w.replace('k', chr(0x212A))} von 2 um "
        for w in words
    ]
    for pattern, plain in pairs:
        simple = re.compile(plain, re.IGNORECASE)
        for text in texts:
            for pos in (0, len(text) // 2):
                found, expected = pattern.search(text, pos), simple.search(text, pos)
                assert (found and found.span()) == (expected and expected.span()), (plain, text, pos)


def _column(lang: str, name: str, label: str | None = None) -> list[str]:
    """The patterns of a word list (with a label column: of the rows labelled)."""
    rows = load_tsv(lang_file(lang, name))
    return [r["pattern"] for r in rows if label is None or r[label] not in ("", "-")]


def test_own_clause_chunk_from_the_segment_s_last_break() -> None:
    """The clause chunk start derived from the segment's last break equals a search of the
    narrower window itself, wherever the window starts."""
    rnd = random.Random(5)
    for _ in range(3000):
        text = "".join(rnd.choice(["a", " ", ",", ";", "-", ", ", "x,y"]) for _ in range(rnd.randint(0, 20)))
        end = len(text)
        own_break = budgets._last_clause_break(text, 0, end)
        for chunk in range(end + 1):
            expected = max([chunk, *(m.end() for m in budgets._CLAUSE_BREAK.finditer(text, chunk, end))])
            derived = own_break[1] if own_break is not None and own_break[0] >= chunk else chunk
            assert derived == expected, (text, chunk)


def test_compound_matches_equal_the_lazy_prefix_search() -> None:
    """German terms found by searching the rows and walking back to the word start are the
    matches (start, end, row, term start) of the rows behind a lazy compound prefix."""
    stage = BudgetsStage("de")
    patterns = _column("de", "budget_terms.tsv")
    rows = "|".join(f"(?P<t{i}>{p})" for i, p in enumerate(patterns))
    prefixed = re.compile(rf"(?<![\w-])[\w-]*?(?:{rows})(?!\w)", re.IGNORECASE)
    regex = stage.term_rows._build(tuple(range(len(patterns))))
    words = sorted(set(re.findall(r"[a-zäöüß]{3,}", " ".join(patterns))))
    pieces = [*words, "-", " ", "US", "x", "_", "3", ", ", "für die ", "Verteidigungsetat-", "Wehretat"]
    rnd = random.Random(17)
    for _ in range(4000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        for pos in (0, rnd.randint(0, len(text))):
            expected = [
                (m.start(), m.end(), m.lastgroup, m.start(m.lastgroup or 0))
                for m in prefixed.finditer(text, pos)
            ]
            found = [
                (word, m.end(), m.lastgroup, m.start(m.lastgroup or 0))
                for word, m in budgets._compound_matches(regex, text, pos, len(text))
            ]
            assert found == expected, (text, pos)
