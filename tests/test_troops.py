"""Troop counts: corpus tables (tests/corpus/<lang>/troops.yaml), the shared sentence
helpers, and the seed articles' gold (skipped when ../shared is absent)."""

from __future__ import annotations

import itertools
import json
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import facts
from pipeline.budgets import BudgetsStage
from pipeline.facts import (
    CountryIndex,
    Cues,
    Gated,
    folded,
    opening_letters,
    required_literals,
    segment,
    sentences,
    to_date,
)
from pipeline.lexicon import DATA_DIR, lang_file, load_tsv
from pipeline.nlp import cached_nlp, make_doc
from pipeline.records import DateKind, DateMention, TroopCount
from pipeline.troops import _noun_rows, _nouns

CORPUS = Path(__file__).parent / "corpus"


def load_corpus(lang: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / lang / name).read_text(encoding="utf-8"))
    return data


def corpus_cases(name: str) -> list[tuple[str, dict[str, Any], str, date]]:
    cases = []
    for lang in ("de", "en"):
        data = load_corpus(lang, name)
        for case in data["cases"]:
            for text in case["texts"]:
                cases.append((lang, case["expect"], text, data["published"]))
    return cases


def corpus_negatives(name: str) -> list[tuple[str, str, date]]:
    return [
        (lang, text, load_corpus(lang, name)["published"])
        for lang in ("de", "en")
        for text in load_corpus(lang, name)["negatives"]
    ]


def run(text: str, lang: str, published: date, doc_id: str = "t") -> Any:
    nlp = cached_nlp(lang)
    return nlp(make_doc(nlp, text, doc_id=doc_id, published=published))


def assert_fields(record: Any, expect: dict[str, Any]) -> None:
    for field, want in expect.items():
        got = getattr(record, field)
        got = getattr(got, "value", got)
        if isinstance(got, date):
            got = got.isoformat()
        if isinstance(want, date):
            want = want.isoformat()
        assert got == want, f"{field}: {got!r} != {want!r} ({record.evidence.quote!r})"


@pytest.mark.parametrize(("lang", "expect", "text", "published"), corpus_cases("troops.yaml"))
def test_troops_corpus(lang: str, expect: dict[str, Any], text: str, published: date) -> None:
    troops = run(text, lang, published)._.troops
    assert len(troops) == 1, f"{text!r}: {troops}"
    assert_fields(troops[0], expect)
    ev = troops[0].evidence
    assert text[ev.start : ev.end] == ev.quote and str(expect["count"])[:2] in ev.quote.replace(
        ".", ""
    ).replace(",", "")


@pytest.mark.parametrize(("lang", "text", "published"), corpus_negatives("troops.yaml"))
def test_troops_negatives(lang: str, text: str, published: date) -> None:
    assert run(text, lang, published)._.troops == []


def test_troops_records_are_typed_and_carry_rule() -> None:
    doc = run("Die USA haben mehr als 50.000 Soldaten in Japan stationiert.", "de", date(2024, 4, 10), "d1")
    (record,) = doc._.troops
    assert isinstance(record, TroopCount)
    assert record.doc_id == "d1" and record.rule.startswith("troops.")
    assert (record.low, record.high) == (50000, None) or record.low is None or record.low >= 50000


def test_troops_skip_boilerplate() -> None:
    text = "Newsletter: Die USA haben mehr als 50.000 Soldaten in Japan stationiert."
    nlp = cached_nlp("de")
    doc = nlp(make_doc(nlp, text, published=date(2024, 4, 10), boilerplate=((0, len(text)),)))
    assert doc._.troops == []


def test_count_without_country_inherits_from_previous_count() -> None:
    text = (
        "Derzeit sind etwa 400 Soldaten der deutschen Brigade in Litauen. "
        "Bis Ende 2027 soll der Verband auf rund 4800 Soldaten anwachsen."
    )
    troops = run(text, "de", date(2025, 5, 22))._.troops
    assert [(t.force, t.host, t.count) for t in troops] == [("DE", "LT", 400), ("DE", "LT", 4800)]
    assert troops[1].as_of == date(2027, 1, 1)


# ---- shared helpers (pipeline.facts) -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027", date(2027, 1, 1)),
        ("2024-09", date(2024, 9, 1)),
        ("2024-04-07", date(2024, 4, 7)),
        ("2024-04-11T14:32", date(2024, 4, 11)),
        ("2024-W15", date(2024, 4, 8)),
        ("2023-FA", date(2023, 9, 1)),
        ("2025-Q2", date(2025, 4, 1)),
        (None, None),
        ("soon", None),
    ],
)
def test_to_date(value: str | None, expected: date | None) -> None:
    assert to_date(value) == expected


@pytest.mark.parametrize(
    ("pattern", "needed"),
    [
        ("soldat(?:en|innen)", ("soldat",)),
        ("[\\w-]*ziel(?:marke|vorgabe)?\\s+(?:von\\s+)?$", ("ziel",)),
        ("is\\s+set\\s+to", ("set",)),
        ("jahres?plan", ("jahre",)),
        ("\\u00e4bc", ("bc",)),
        ("\\N{EM DASH}xyz", ("xyz",)),
        ("ab{2}cd", ("cd",)),
        ("truppen|soldaten", ("truppen", "soldaten")),
        ("truppen|\\d+", ()),
        ("(?i)truppen", ()),
        ("(?:in|für)\\s+waffen", ("waffen",)),
        ("für\\s+(?:die\\s+)?(?:verteidigung|rüstung)\\b", ("verteidigung", "rüstung")),
        ("(?:go(?:es)?|went)\\s+\\d", ("go", "went")),
        ("(?:armee)?budget", ("budget",)),
        ("(?=truppen)\\w+", ()),
        ("[(]truppen[)]", ("truppen",)),
    ],
)
def test_required_literals(pattern: str, needed: tuple[str, ...]) -> None:
    assert required_literals(pattern) == needed


@pytest.mark.parametrize(
    ("pattern", "letters"),
    [
        ("soldat(?:en|innen)|truppen", "st"),
        ("(?:fünf|zehn|mehr)jahr", "fmz"),
        ("(?P<x>ab|cd)e", "ac"),
        ("Kx", "k"),
        ("angehörige[n]?\\s+", "a"),
        ("\\w+", ""),
        ("[ab]c", ""),
        ("(?:die\\s+)?x", ""),
        ("a?b", ""),
        ("(?:a|)b", ""),
        ("(?:ab)+c", ""),
        ("(?=a)b", ""),
        ("(?i)ab", ""),
        ("", ""),
    ],
)
def test_opening_letters(pattern: str, letters: str) -> None:
    assert opening_letters(pattern) == letters


@pytest.mark.parametrize("lang", ["de", "en"])
def test_opening_guard_keeps_the_matches(lang: str) -> None:
    """Noun and term alternations with the look-ahead of opening letters match as without it
    (same spans, same row, same compound prefix), also with ſ, İ, the Kelvin sign and capitals."""
    nouns = list(load_tsv(lang_file(lang, "troop_nouns.tsv")))
    terms = [row["pattern"] for row in load_tsv(lang_file(lang, "budget_terms.tsv"))]
    words = re.findall(r"[a-zäöüß]{3,}", " ".join(terms + [row["pattern"] for row in nouns]))
    texts = [
        " ".join([w, w.upper(), "US-" + w.capitalize(), "Bundes" + w, w.replace("s", "ſ"), "x" + w])
        + " für die "
        + w.replace("k", "\u212a").replace("i", "İ")
        for w in words
    ]
    for position in ("after", "before"):
        rows = [row for row in nouns if row["position"] == position]
        guarded = _noun_rows(rows)._build(tuple(range(len(rows))))
        parts = [
            ("[\\w.-]*?" if row["compound"] == "yes" else "") + f"(?P<h{i}>(?:{row['pattern']}))"
            for i, row in enumerate(rows)
        ]
        plain = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?!\w)", re.I)
        for text in texts:
            assert _matches(guarded, text) == _matches(plain, text), text
    prefix = r"[\w-]*?" if lang == "de" else ""
    rows_alternation = "|".join(f"(?P<t{i}>{p})" for i, p in enumerate(terms))
    plain = re.compile(rf"(?<![\w-]){prefix}(?:{rows_alternation})(?!\w)", re.I)
    stage = BudgetsStage(lang)
    for text in texts:
        found = [(t.start, t.end, t.head) for t in stage._terms(text, 0, len(text), folded(text))]
        assert found == [(m.start(), m.end(), m.start(m.lastgroup or 0)) for m in plain.finditer(text)], text


def _matches(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str | None, int]]:
    return [(m.span(), m.lastgroup, m.start(m.lastgroup or 0)) for m in pattern.finditer(text)]


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize(
    ("name", "label_col", "scope_col"),
    [
        ("modality.tsv", "budgets", "scope"),
        ("modality.tsv", "troops", "scope"),
        ("budget_changes.tsv", "change", None),
    ],
)
def test_cues_search_only_the_cues_a_text_may_hold(
    lang: str, name: str, label_col: str, scope_col: str | None
) -> None:
    """Labels, ``has`` and ``first`` give what one search per cue gives."""
    cues = Cues(lang, name, label_col, scope_col)
    texts = [
        "Die Regierung will bis 2027 das Ziel von zwei Prozent erreichen, schlägt der Minister vor.",
        "The cabinet approved a draft budget; spending is set to double to meet the 2% target.",
        "Das Kabinett billigte den Entwurf. ſchlägt (langes s) İn KELVIN \u212a",
        "Keine Zahl hier, nur Worte.",
    ]
    for text in texts:
        for scope in {c.scope for c in cues.cues}:
            matches = sorted(
                (m.start(), -i, m.end(), c.label)
                for i, c in enumerate(cues.cues)
                if c.scope == scope
                for m in [c.pattern.search(text)]
                if m
            )
            assert cues.labels(text, scope) == {label for *_, label in matches}
            for label in {c.label for c in cues.cues}:
                assert cues.has(label, text, scope) == any(lab == label for *_, lab in matches)
            if matches:
                start = matches[0][0]
                first = min((m for m in matches if m[0] == start), key=lambda m: -m[1])
                assert cues.first(text, scope) == (first[0], first[2], first[3])
            else:
                assert cues.first(text, scope) is None


@pytest.mark.parametrize("lang", ["de", "en"])
def test_noun_search_with_the_rows_a_sentence_may_hold_finds_every_noun(lang: str) -> None:
    rows = [r for r in load_tsv(lang_file(lang, "troop_nouns.tsv")) if r["position"] == "after"]
    compound = r"[\w.-]*?"
    parts = [
        f"{compound if r['compound'] == 'yes' else ''}(?P<h{i}>(?:{r['pattern']}))"
        for i, r in enumerate(rows)
    ]
    full = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
    texts = [
        "Rund 35.000 US-Soldaten und 1.200 Marines sind in Japan, dazu 300 Fallschirmjäger.",
        "28,500 US troops, 5,000 soldiers and 300 service members remain.",
        "Die ſoldaten (langes s) und 50 SOLDATEN; İn 20 Kämpfer, 3 Mann.",  # "ſ" matches "s"
        "Keine Zahl hier, nur Worte.",
    ]
    noun_rows = _noun_rows(rows)
    for text in texts:
        want = [(m.start(), m.end(), m.start(m.lastgroup or 0)) for m in full.finditer(text)]
        found = _nouns(noun_rows, text, 0, len(text), folded(text))
        assert [(n.start, n.end, n.head) for n in found] == want


def test_a_gated_search_finds_what_the_plain_search_finds() -> None:
    patterns = [
        re.compile(r"(?<!\w)(?:nato|otan)", re.IGNORECASE),
        re.compile(r"(?<!\w)(?:bip|gdp|bruttoinlandsprodukt\w*|gross domestic product)", re.IGNORECASE),
        re.compile(r"(?<![\w-])(?:ſtaat|verteidigung)", re.IGNORECASE),
        re.compile(r"(?<!\w)\d+(?!\w)"),  # no literal: always searched
    ]
    texts = [
        "Die NATO-Staaten wollen zwei Prozent des BIP ausgeben.",
        "Two percent of gross domestic product, the Otan target.",
        "Der Staat (langes s: ſtaat) und die VERTEIDIGUNG; İn KELVIN \u212a, 2025.",
        "Keine Zahl hier, nur Worte.",
        "",
    ]
    for pattern in patterns:
        gated = Gated(pattern)
        for text in texts:
            for pos, endpos in ((0, None), (4, len(text) - 2), (10, 12)):
                plain = pattern.search(text, pos, len(text) if endpos is None else endpos)
                found = gated.search(text, pos, endpos)
                assert (found and found.span()) == (plain and plain.span()), (pattern.pattern, text, pos)


def test_sentences_split_at_blank_lines_and_after_years() -> None:
    text = "Titel ohne Punkt\n\nDer Etat für 2025. Der Haushalt steigt.\n \nEnde 2024.\n\nNeu."
    doc = run(text, "de", date(2025, 1, 1))
    assert [text[s:e] for s, e in sentences(doc)] == [
        "Titel ohne Punkt",
        "Der Etat für 2025.",
        "Der Haushalt steigt.",
        "Ende 2024.",
        "Neu.",
    ]


def test_sentences_leave_out_each_part_overlapping_boilerplate() -> None:
    text = (
        "Erster Satz.\n\nWerbung hier.\n\nZweiter Satz für 2025. Dritter Satz.\n\nMehr Werbung.\n\nLetzter."
    )
    ads = ((text.index("Werbung"), text.index("Werbung") + 7), (text.index("Mehr"), text.index("Mehr") + 4))
    nlp = cached_nlp("de")
    doc = nlp(make_doc(nlp, text, published=date(2025, 1, 1), boilerplate=ads))
    assert [text[s:e] for s, e in sentences(doc)] == [
        "Erster Satz.",
        "Zweiter Satz für 2025.",
        "Dritter Satz.",
        "Letzter.",
    ]


@pytest.mark.parametrize(
    ("pattern", "plain"),
    [
        (facts._SEGMENT_BREAK, r"[:;]\s|\s[–—]\s|\s-\s"),
        (facts._CLAUSE_END, r"(?<!-)[,;:]\s|\s[–—]\s|\("),
    ],
)
def test_class_led_breaks_match_their_plain_form(pattern: re.Pattern[str], plain: str) -> None:
    """Every string of up to four characters from the marks' alphabet, searched whole and from
    each start: the same matches as the alternation the pattern was rewritten from."""
    simple = re.compile(plain)
    for size in range(5):
        for chars in itertools.product("a1 ,;:-–—(\n", repeat=size):
            text = "".join(chars)
            for pos in range(len(text) + 1):
                found = [m.span() for m in pattern.finditer(text, pos)]
                assert found == [m.span() for m in simple.finditer(text, pos)], (text, pos)


def test_people_pattern_look_ahead_keeps_the_matches() -> None:
    """The known-people pattern led by a look-ahead of first characters matches as without it."""
    pattern, names = facts._people_pattern()
    alternation = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    plain = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    texts = [f"{n}, x{n} {n}s {n.upper()} -{n}- _{n}" for n in names]
    for text in texts:
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_country_index_gives_the_mentions_of_a_span() -> None:
    text = "Japan und Südkorea: die USA haben 50.000 Soldaten in Japan, Deutschland 1000 in Litauen."
    doc = run(text, "de", date(2024, 4, 10))
    index = CountryIndex(doc)
    assert index.ordered and len(index.mentions) >= 4
    bounds = sorted({0, len(text), *(m.start for m in index.mentions), *(m.end for m in index.mentions)})
    for start in bounds:
        for end in bounds:
            expected = [m for m in index.mentions if m.start >= start and m.end <= end]
            assert index.within(start, end) == expected
            index.ordered = False  # the fallback for mentions out of text order
            assert index.within(start, end) == expected
            index.ordered = True


def test_segment_splits_at_colon_and_dash() -> None:
    text = "Kishida hat das Militär gestärkt: Japan verdoppelte den Etat – ein Rekord."
    start, end = segment(text, 0, len(text), text.index("verdoppelte"))
    assert text[start:end] == "Japan verdoppelte den Etat"


@pytest.mark.parametrize(
    "path", sorted(DATA_DIR.glob("*/modality*.tsv")) + sorted(DATA_DIR.glob("*/troop_*.tsv"))
)
def test_cue_files_compile(path: Path) -> None:
    rel = str(path.relative_to(DATA_DIR))
    rows = load_tsv(rel)
    assert rows
    if "pattern" in rows[0] and "troops" in rows[0]:
        cues = Cues(path.parent.name, path.name, "troops", "scope")
        assert all(c.scope in {"before", "after", "clause"} for c in cues.cues)


# ---- the seed articles -------------------------------------------------------------------


def _seed_docs(seeds: Path) -> list[tuple[Any, dict[str, Any]]]:
    docs = []
    for gold_path in sorted(seeds.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if not isinstance(gold, dict) or "doc" not in gold:
            continue
        text = (seeds / f"{gold['doc']}.txt").read_text(encoding="utf-8")
        meta = json.loads((seeds / f"{gold['doc']}.meta.json").read_text(encoding="utf-8"))
        published = date.fromisoformat(meta["published"][:10])
        docs.append((run(text, gold["lang"], published, gold["doc"]), gold))
    return docs


def test_seed_troops_match_gold(seeds: Path) -> None:
    for doc, gold in _seed_docs(seeds):
        got = [
            (t.force, t.host, t.count, t.qualifier.value, t.as_of.isoformat() if t.as_of else None)
            for t in doc._.troops
        ]
        want = [(g["force"], g["host"], g["count"], g["qualifier"], g["as_of"]) for g in gold["troops"]]
        assert got == want, gold["doc"]


def test_in_date_answers_as_a_scan_of_the_dates() -> None:
    """facts.in_date answers what a scan of the ordered dates answers."""
    from pipeline.facts import in_date

    rnd = random.Random(3)
    nlp = cached_nlp("de")
    for _ in range(500):
        spans = sorted(
            (s, s + rnd.randint(1, 6)) for s in (rnd.randint(0, 40) for _ in range(rnd.randint(0, 6)))
        )
        dates = [
            DateMention(text="x" * (end - start), start=start, end=end, kind=DateKind.ABSOLUTE, rule="t")
            for start, end in spans
        ]
        doc = nlp.make_doc("x " * 30)
        doc._.dates = dates
        for start in range(45):
            for end in range(start + 1, start + 8):
                scanned = False
                for d in dates:
                    if d.start >= end:
                        break
                    if start < d.end:
                        scanned = True
                        break
                assert in_date(doc, start, end) == scanned, (spans, start, end)
