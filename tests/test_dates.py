"""The temporal tagger: corpus tables per language, resolution rules, properties, seeds."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import spacy
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.dates import DateMention, _alt, _atoms, extract, find_dates, load_lexicon
from pipeline.lexicon import trie_regex
from pipeline.nlp import make_doc
from pipeline.records import DateKind, DateMod, Granularity
from pipeline.timex import Tense, Timex, resolve

CORPUS = Path(__file__).parent / "corpus"
BRACKETS = re.compile(r"\[([^\]]+)\]")
MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
             "Oktober", "November", "Dezember"]  # fmt: skip
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]  # fmt: skip


def load_corpus(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / lang / "dates.yaml").read_text(encoding="utf-8"))
    return data


def corpus_cases(lang: str) -> list[Any]:
    data = load_corpus(lang)
    reference = date.fromisoformat(data["reference"])
    cases = []
    for group in data["cases"]:
        for sentence in group["sentences"]:
            cases.append(
                pytest.param(
                    lang,
                    reference,
                    sentence,
                    group["value"],
                    group.get("mod"),
                    group.get("kind"),
                    id=sentence[:60],
                )
            )
    return cases


def negative_cases(lang: str) -> list[Any]:
    data = load_corpus(lang)
    reference = date.fromisoformat(data["reference"])
    return [pytest.param(lang, reference, s, id=s[:60]) for s in data["negatives"]]


@pytest.mark.parametrize(
    ("lang", "reference", "sentence", "value", "mod", "kind"), corpus_cases("de") + corpus_cases("en")
)
def test_corpus(
    lang: str, reference: date, sentence: str, value: str, mod: str | None, kind: str | None
) -> None:
    marked = BRACKETS.search(sentence)
    assert marked, f"corpus sentence without [brackets]: {sentence}"
    text = BRACKETS.sub(r"\1", sentence)
    start = marked.start()
    expected = marked.group(1)
    mentions = find_dates(text, lang, reference)
    got = [(m.text, m.start, m.value) for m in mentions]
    hit = [m for m in mentions if m.start == start and m.text == expected]
    assert hit, f"{expected!r} not found in {got}"
    assert hit[0].value == value, got
    if mod is not None:
        assert hit[0].mod == DateMod(mod)
    if kind is not None:
        assert hit[0].kind == DateKind(kind)
    # nothing else in the sentence is read as a calendar date
    others = [m for m in mentions if m is not hit[0] and m.kind is not DateKind.DURATION]
    assert not others, f"extra mentions {[(m.text, m.value) for m in others]}"


@pytest.mark.parametrize(("lang", "reference", "sentence"), negative_cases("de") + negative_cases("en"))
def test_negatives(lang: str, reference: date, sentence: str) -> None:
    dates = [m for m in find_dates(sentence, lang, reference) if m.kind is not DateKind.DURATION]
    assert dates == [], [(m.text, m.value, m.rule) for m in dates]


def test_mentions_carry_offsets_rules_and_order() -> None:
    text = "Am Sonntag sagte er, die Reform komme bis 2027. Am 19. November 2023 begann die Übung."
    mentions = find_dates(text, "de", date(2024, 4, 10))
    assert [m.text for m in mentions] == ["Am Sonntag", "bis 2027", "19. November 2023"]
    assert all(text[m.start : m.end] == m.text for m in mentions)
    assert all(m.rule for m in mentions)
    assert [m.granularity for m in mentions] == [Granularity.DAY, Granularity.YEAR, Granularity.DAY]
    assert isinstance(mentions[0], DateMention)


def test_no_reference_leaves_relative_values_unresolved() -> None:
    text = "Am Sonntag traf er Biden, im vergangenen Jahr Xi; das Abkommen vom 10. April 2024 gilt bis 2027."
    mentions = find_dates(text, "de", None)
    values = {m.text: m.value for m in mentions}
    assert values["Am Sonntag"] is None
    assert values["im vergangenen Jahr"] is None
    assert values["10. April 2024"] == "2024-04-10"
    assert values["bis 2027"] == "2027"
    assert {m.kind for m in mentions if m.value is None} == {DateKind.RELATIVE}


def test_datetime_reference_uses_its_own_calendar_day() -> None:
    published = datetime.fromisoformat("2024-04-10T23:30:00+02:00")
    assert [m.value for m in find_dates("Das sagte sie gestern.", "de", published)] == ["2024-04-09"]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        # the same weekday as the reference is the reference day in both directions
        ("Er sagte am Mittwoch, dass er kommt.", "2024-04-10"),
        ("Er wird am Mittwoch kommen.", "2024-04-10"),
        # no tense marker: the nearest one (Thursday is tomorrow, Monday was two days ago)
        ("Gipfel in Rom am Donnerstag", "2024-04-11"),
        ("Gipfel in Rom am Montag", "2024-04-08"),
        # the marker closest to the date decides
        ("Er sagte am Freitag, die Regierung werde liefern.", "2024-04-05"),
        ("Sie sagte, die Regierung werde am Freitag liefern.", "2024-04-12"),
        # the direction is read from the date's own sentence only
        ("Die Minister werden sich treffen. Am Montag hatten sie telefoniert.", "2024-04-08"),
    ],
)
def test_tense_direction_de(sentence: str, value: str) -> None:
    mentions = [m for m in find_dates(sentence, "de", date(2024, 4, 10)) if m.granularity is Granularity.DAY]
    assert [m.value for m in mentions] == [value]


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("The minister said on Monday that talks had failed.", "2024-04-08"),
        ("The minister will travel to Kyiv on Monday.", "2024-04-15"),
        ("He said on Friday he would visit Kyiv on Sunday.", "2024-04-14"),
    ],
)
def test_tense_direction_en(sentence: str, value: str) -> None:
    mentions = [m for m in find_dates(sentence, "en", date(2024, 4, 10)) if m.granularity is Granularity.DAY]
    assert mentions[-1].value == value


def test_resolve_is_pure_and_tense_driven() -> None:
    sunday = Timex(0, 10, "weekday", Granularity.DAY, DateKind.RELATIVE, weekday=7)
    ref = date(2024, 4, 10)
    assert resolve(sunday, ref, Tense.PAST) == "2024-04-07"
    assert resolve(sunday, ref, Tense.FUTURE) == "2024-04-14"
    assert resolve(sunday, ref, None) == "2024-04-07"
    assert resolve(sunday, None, Tense.PAST) is None
    march = Timex(0, 5, "month", Granularity.MONTH, DateKind.RELATIVE, month=3)
    assert resolve(march, ref, Tense.FUTURE) == "2025-03"
    assert resolve(march, ref, Tense.PAST) == "2024-03"
    autumn = Timex(0, 5, "season", Granularity.SEASON, DateKind.RELATIVE, season="FA", shift=-1)
    assert resolve(autumn, ref) == "2023-FA"
    assert resolve(autumn, date(2024, 12, 5)) == "2024-FA"
    winter = Timex(0, 5, "season", Granularity.SEASON, DateKind.RELATIVE, season="WI", shift=0)
    assert resolve(winter, date(2025, 1, 15)) == "2024-WI"
    quarter = Timex(0, 5, "relative_unit", Granularity.QUARTER, DateKind.RELATIVE, offset=-1)
    assert resolve(quarter, date(2024, 2, 1)) == "2023-Q4"
    # ISO week-numbering year differs from the calendar year around New Year
    week = Timex(0, 5, "relative_unit", Granularity.WEEK, DateKind.RELATIVE, offset=0)
    assert resolve(week, date(2024, 12, 30)) == "2025-W01"


def test_extract_is_underspecified_before_resolution() -> None:
    [timex] = extract("Das sagte er am Sonntag.", "de")
    assert timex.weekday == 7 and timex.year is None and timex.needs_tense


def test_unsupported_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="no date rules"):
        find_dates("le 10 avril 2024", "fr", None)


# ---- properties --------------------------------------------------------------------------

DAYS = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))
REFERENCES = st.one_of(st.none(), st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))


def formats(day: date) -> list[tuple[str, str]]:
    de_month, en_month = MONTHS_DE[day.month - 1], MONTHS_EN[day.month - 1]
    return [
        ("de", f"{day.day:02d}.{day.month:02d}.{day.year}"),
        ("de", f"{day.day}.{day.month}.{day.year}"),
        ("de", f"{day.day}. {de_month} {day.year}"),
        ("de", day.isoformat()),
        ("en", f"{en_month} {day.day}, {day.year}"),
        ("en", f"{day.day} {en_month} {day.year}"),
        ("en", day.isoformat()),
    ]


@settings(max_examples=150, deadline=None)
@given(day=DAYS, reference=REFERENCES)
def test_absolute_dates_resolve_to_themselves(day: date, reference: date | None) -> None:
    for lang, written in formats(day):
        sentence = (
            f"Das Treffen am {written} verlief ruhig."
            if lang == "de"
            else f"The meeting on {written} was calm."
        )
        mentions = find_dates(sentence, lang, reference)
        assert [m.value for m in mentions] == [day.isoformat()], (written, mentions)
        assert mentions[0].kind is DateKind.ABSOLUTE
        assert written in mentions[0].text


@settings(max_examples=60, deadline=None)
@given(day=DAYS)
def test_month_and_year_formats_resolve_to_themselves(day: date) -> None:
    assert [
        m.value for m in find_dates(f"Im {MONTHS_DE[day.month - 1]} {day.year} begann es.", "de", None)
    ] == [f"{day.year:04d}-{day.month:02d}"]
    assert [
        m.value for m in find_dates(f"It began in {MONTHS_EN[day.month - 1]} {day.year}.", "en", None)
    ] == [f"{day.year:04d}-{day.month:02d}"]


@settings(max_examples=60, deadline=None)
@given(reference=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)), back=st.integers(0, 6))
def test_weekdays_resolve_within_a_week(reference: date, back: int) -> None:
    names = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    target = reference - timedelta(days=back)
    [past] = find_dates(f"Er sagte am {names[target.weekday()]}, es gehe voran.", "de", reference)
    assert past.value == target.isoformat()
    [future] = find_dates(f"Er wird am {names[target.weekday()]} sprechen.", "de", reference)
    assert future.value == (reference + timedelta(days=(7 - back) % 7)).isoformat()


ALPHABET = st.sampled_from(
    [
        *"0123456789 .,:-/–abcdefghijklmnopqrstuvwxyzäöüßAMSJQ'’\n",
        *("Mai ", "März ", "am ", "Sonntag", "vor ", "Jahren", "Ende ", "bis ", "2024", "1990er", "Uhr"),
        *("last ", "May ", "week", "ago", "in ", "Herbst", "Quartal", "Q1 ", "nächsten ", "heute"),
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(ALPHABET, max_size=40).map("".join),
    lang=st.sampled_from(["de", "en"]),
    reference=REFERENCES,
)
def test_random_text_never_raises(text: str, lang: str, reference: date | None) -> None:
    for m in find_dates(text, lang, reference):
        assert text[m.start : m.end] == m.text
        assert m.start < m.end


@settings(max_examples=50, deadline=None)
@given(text=st.text(max_size=200), lang=st.sampled_from(["de", "en"]))
def test_arbitrary_unicode_never_raises(text: str, lang: str) -> None:
    find_dates(text, lang, date(2024, 4, 10))


# ---- the stage on the seed articles ------------------------------------------------------


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(needle), text)]


def score_seed(text: str, gold: dict[str, Any], mentions: list[DateMention]) -> tuple[int, int, int]:
    """(true positives, predicted, gold) with GOLD.md's rule: value equal, text overlapping."""
    predicted = [m for m in mentions if m.kind is not DateKind.DURATION]
    optional = [span for needle in gold.get("optional", {}).get("dates", []) for span in _spans(text, needle)]
    counted = [m for m in predicted if not any(_overlaps(m.start, m.end, s, e) for s, e in optional)]
    gold_items: list[tuple[set[str], list[tuple[int, int]]]] = []
    for g in gold["dates"]:
        gold_items.append(({g["value"], *g.get("alternatives", [])}, _spans(text, g["text"])))
    used: set[int] = set()
    tp = 0
    for values, spans in gold_items:
        for i, m in enumerate(counted):
            if i in used or m.value not in values:
                continue
            if any(_overlaps(m.start, m.end, s, e) for s, e in spans):
                used.add(i)
                tp += 1
                break
    return tp, len(counted), len(gold_items)


def test_stage_on_seed_articles(seeds: Path) -> None:
    import pipeline.dates  # noqa: F401  (registers the factory)

    totals = [0, 0, 0]
    for meta_path in sorted(seeds.glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stem = meta_path.name.removesuffix(".meta.json")
        gold_path = seeds / f"{stem}.gold.json"
        if meta.get("lang") not in ("de", "en") or not gold_path.exists():
            continue
        text = (seeds / f"{stem}.txt").read_text(encoding="utf-8")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        published = meta.get("published")
        reference = datetime.fromisoformat(published) if published else None
        nlp = spacy.blank(meta["lang"])
        nlp.add_pipe("sentencizer")
        nlp.add_pipe("dates")
        doc = nlp(make_doc(nlp, text, doc_id=stem, published=reference))
        mentions: list[DateMention] = doc._.dates
        assert all(m.doc_id == stem and m.evidence is not None for m in mentions)
        assert all(m.evidence.quote == m.text for m in mentions if m.evidence)
        for i, n in enumerate(score_seed(text, gold, mentions)):
            totals[i] += n
    tp, predicted, expected = totals
    assert expected > 0
    precision, recall = tp / max(predicted, 1), tp / expected
    assert precision >= 0.85 and recall >= 0.85, (precision, recall)


def test_stage_skips_boilerplate_and_handles_no_reference() -> None:
    import pipeline.dates  # noqa: F401

    nlp = spacy.blank("de")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("dates")
    text = "Am Sonntag sprach er. Newsletter: Jetzt bis 2027 sparen!"
    cut = text.index("Newsletter")
    doc = nlp(make_doc(nlp, text, doc_id="d1", published=None, boilerplate=((cut, len(text)),)))
    assert [(m.text, m.value) for m in doc._.dates] == [("Am Sonntag", None)]
    assert doc._.dates[0].evidence.sentence == 0


@pytest.mark.parametrize("lang", ["de", "en", "fr"])
def test_stage_pipe_extracts_a_batch_first_and_equals_one_doc_at_a_time(lang: str) -> None:
    """DatesStage.pipe extracts every Doc of a batch before resolving any: the same dates
    (values, evidence, boilerplate skipped) as the stage called on each Doc."""
    from pipeline.dates import DatesStage

    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    data = load_corpus("en" if lang == "en" else "de")
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    texts += ["Am Sonntag sprach er. Newsletter: Jetzt bis 2027 sparen! On Monday he left."]

    def docs() -> list[spacy.tokens.Doc]:
        made = []
        for k, text in enumerate(texts):
            cut = text.find("Newsletter")
            ranges = ((cut, len(text)),) if cut >= 0 else ()
            doc = make_doc(nlp, text, f"d{k}", date(2024, 4, 10) + timedelta(days=k % 9), boilerplate=ranges)
            made.append(nlp.get_pipe("sentencizer")(doc))
        return made

    stage = DatesStage(lang)
    one_by_one = [stage(doc)._.dates for doc in docs()]
    assert [doc._.dates for doc in stage.pipe(docs(), batch_size=7)] == one_by_one
    assert any(one_by_one) == (lang != "fr")


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # a part of the day refers to the day last mentioned, else the reference day
        (
            "de",
            "Der Rat tagte am 3. März 2024. Am Abend einigte man sich.",
            [("3. März 2024", "2024-03-03"), ("Am Abend", "2024-03-03")],
        ),
        ("en", "The ministry corrected the figure in the afternoon.", [("in the afternoon", "2024-04-10")]),
        # "in der Nacht zum Donnerstag" is about the Thursday, not a separate night
        ("de", "In der Nacht zum Dienstag griffen Drohnen die Stadt an.", [("zum Dienstag", "2024-04-09")]),
        # "vom" and "seit" look back even next to a future marker
        ("de", "Möglich wird das durch die Grundgesetzänderung vom März.", [("vom März", "2024-03")]),
        # only the date's own clause counts for its tense
        (
            "de",
            "Zuvor hatte er die Konferenz eröffnet, die am Freitag zu Ende geht.",
            [("am Freitag", "2024-04-12")],
        ),
        (
            "en",
            "Estonia, which received launchers in January, plans to buy more.",
            [("in January", "2024-01")],
        ),
    ],
)
def test_context_rules(lang: str, text: str, expected: list[tuple[str, str]]) -> None:
    got = [
        (m.text, m.value)
        for m in find_dates(text, lang, date(2024, 4, 10))
        if m.kind is not DateKind.DURATION
    ]
    assert got == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        # a weekday beside a day without year picks the year (2024-04-16 is a Tuesday)
        (
            "de",
            "Das Treffen war für Dienstag, den 16. April, angesetzt.",
            [("Dienstag, den 16. April", "2024-04-16")],
        ),
        ("en", "The meeting was set for Tuesday, April 16.", [("Tuesday, April 16", "2024-04-16")]),
        # deictic phrases that look like a shifted day part
        ("en", "He said this morning that Germany would deliver.", [("this morning", "2024-04-13")]),
        ("en", "Drones struck the city last night.", [("last night", "2024-04-12")]),
        # no article or preposition in front of an absolute date
        ("en", "The 2024 budget was approved.", [("2024", "2024")]),
    ],
)
def test_day_year_and_span_rules(lang: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.text, m.value) for m in find_dates(text, lang, date(2024, 4, 13))] == expected


def test_no_wall_clock_in_the_tagger() -> None:
    import pipeline.dates
    import pipeline.timex

    for module in (pipeline.dates, pipeline.timex):
        source = Path(str(module.__file__)).read_text(encoding="utf-8")
        for call in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time(", "import dateparser"):
            assert call not in source, f"{module.__name__} uses {call}"


def test_every_rule_is_documented_and_produced_by_its_example() -> None:
    from pipeline.dates import RULES

    reference = date(2024, 4, 10)
    produced: set[str] = set()
    for examples in RULES.values():
        for example in examples.split(";"):
            text = example.split("(")[0].strip()
            for lang in ("de", "en"):
                produced |= {m.rule for m in find_dates(text, lang, reference)}
    assert produced == set(RULES)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_first_letter_guard_of_a_trie_keeps_its_matches(lang: str) -> None:
    """``_alt`` puts a class of first letters before a case-insensitive trie: every form, in
    any spelling ``re.IGNORECASE`` allows, still matches in full, and nothing else starts one."""
    lex = load_lexicon(lang)
    forms = [form for role in lex.triggers.values() for form in role]
    forms += [*lex.units, *lex.unit_words, *lex.deictic, *lex.numbers, *lex.holidays, *lex.count_after]
    guarded = re.compile(_alt(forms), re.IGNORECASE)
    plain = re.compile(trie_regex(_atoms(form.lower()) for form in set(forms)), re.IGNORECASE)
    assert guarded.pattern.startswith("(?=[")
    for form in forms:
        for spelling in (form, form.upper(), form.title(), form.swapcase(), f"{form}\n", f"x{form}"):
            got, want = guarded.match(spelling), plain.match(spelling)
            assert (got and got.span()) == (want and want.span()), spelling


def _pattern_texts(lang: str) -> list[str]:
    """Texts to compare two versions of the main pattern on, at every position: the corpus
    sentences and negatives, every lexicon form in four spellings in four frames, odd dates."""
    lex = load_lexicon(lang)
    data = load_corpus(lang)
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    texts += list(data["negatives"])
    triggers = [form for role in lex.triggers.values() for form in role]
    forms = [*lex.months, *lex.weekdays, *lex.seasons, *lex.units, *lex.unit_words, *lex.deictic]
    forms += [*lex.numbers, *lex.holidays, *triggers]
    for form in forms:
        for spelling in (form, form.upper(), form.title(), form.swapcase()):
            texts += [
                f"{spelling} 2024",
                f"am {spelling} 10. April",
                f"vor 3 {spelling}",
                f"in two {spelling} ago",
            ]
    texts += [
        "Q1 2025, q3/2024, 1990s, '90s, ’90er, 2033-34, 10.4.24, 2024-04-10 14:32, 4:12 PM GMT, March 11",
        # any Unicode digit matches \d
        "am \u0661\u0665.5. \u0663.4.2024 die \u0663\u0660er vor \u0663 Jahren,",
        "\u0661\u0660:\u0663\u0660 Uhr, \u0663 years ago",
    ]
    return texts


def _assert_same_matches(pattern: re.Pattern[str], other: re.Pattern[str], texts: list[str]) -> None:
    for text in texts:
        for i in range(len(text)):
            got, want = pattern.match(text, i), other.match(text, i)
            assert (got and (got.span(), got.lastgroup, got.groups())) == (
                want and (want.span(), want.lastgroup, want.groups())
            ), (text, i)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_first_character_guards_of_the_cores_keep_every_match(lang: str) -> None:
    """Each core of the main pattern opens with a class of the characters it may start with:
    the same matches (span, rule, groups) as the pattern without those classes, everywhere."""
    from pipeline.dates import tagger

    tag = tagger(lang)
    guards = re.compile(r"\(\?=\[(?:\\.|[^\]\\])*\]\)(?=\(\?P<c_)")
    assert guards.search(tag.regex.pattern)
    plain = re.compile(guards.sub("", tag.regex.pattern), re.IGNORECASE)
    _assert_same_matches(tag.regex, plain, _pattern_texts(lang))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_main_pattern_needs_no_guard_of_first_words(lang: str) -> None:
    """Every match starts with a lexicon word's first word, a digit, "Q1" or "'9": the pattern
    behind a look-ahead for those (the guard it once had) matches the same, everywhere."""
    from pipeline.dates import tagger

    tag, lex = tagger(lang), load_lexicon(lang)
    first_words = [form for role in lex.triggers.values() for form in role]
    first_words += [*lex.months, *lex.weekdays, *lex.seasons, *lex.units, *lex.unit_words]
    first_words += [*lex.deictic, *lex.numbers, *lex.holidays]
    guard = rf"(?=\d|['’]\d|Q[1-4]|{_alt(w.split()[0] for w in first_words)})"
    lookbehind = r"(?<![\w.])"
    assert tag.regex.pattern.startswith(lookbehind)
    guarded = re.compile(lookbehind + guard + tag.regex.pattern[len(lookbehind) :], re.IGNORECASE)
    _assert_same_matches(tag.regex, guarded, _pattern_texts(lang))


@pytest.mark.parametrize("lang", ["de", "en"])
def test_day_date_lead_keeps_every_match(lang: str) -> None:
    """The day-date cores share a look-ahead (a day or time, a month, or a weekday a digit or
    month follows): the same matches as without it, everywhere, also for weekdays and days."""
    from pipeline.dates import _build_pattern, tagger

    tag, lex = tagger(lang), load_lexicon(lang)
    plain = re.compile(_build_pattern(lex, day_lead=False), re.IGNORECASE)
    assert plain.pattern != tag.regex.pattern
    texts = _pattern_texts(lang)
    for weekday in lex.weekdays:
        for after in (
            "10. April 2024",
            "10.4.2024 - 14:32",
            "den 7. April",
            "the 7th of April",
            "April 6, 2024",
        ):
            texts += [f"{weekday}, {after}", f"{weekday} {after}", f"4:12 PM GMT, {weekday}, {after}"]
        texts += [f"am {weekday}, dem Tag", f"{weekday}abend", f"{weekday} April", f"{weekday},  the 2"]
    texts += [
        "10th of April, 1st May, 2nd  June, 3RD July, 4 Th, 14:32 Uhr, 2024-04-10T14:32, 4 PM GMT, May 3",
        "10 April 2024, April 10, 2024, am 12.5., 1.2.3, 2024, 2024-, 20241, ٣ April, ٣٣:30",
    ]
    _assert_same_matches(tag.regex, plain, texts)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_anchor_scan_finds_what_a_full_search_finds(lang: str) -> None:
    """The tagger's anchor scan (stopping at non-word characters) gives finditer's spans."""
    from pipeline.dates import _anchor_alternatives, load_lexicon, tagger

    tag, lex = tagger(lang), load_lexicon(lang)
    data = load_corpus(lang)
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    texts += list(data["negatives"])
    for form in (*lex.months, *lex.weekdays, *lex.seasons, *lex.units, *lex.unit_words, *lex.deictic):
        texts += [f"{form} 2024", f"({form.upper()}", f"x{form} und.{form}", f"10.4.{form}"]
        # every kind of character before a form: space, other non-word ones, word ones
        texts += [f"a\n{form}\t{form}\xa0{form}—{form}", f"_{form} é{form} 9{form} ß{form}"]
    texts += [
        "1990s '90s ’90er Q1/2025 \u0663\u0660er",
        "2024.2025-2026 10.4.10.5.",
        "\u0663.4. \u06630er '\u06630s",
    ]
    # the anchor's alternatives grouped by their first character: the same as one alternation
    plain = re.compile("(?<!\\w)(?:" + "|".join(regex for _, regex, _ in _anchor_alternatives(lex)) + ")")
    for text in texts:
        assert tag._anchors(text) == [m.span() for m in tag.anchor.finditer(text)], text
        for i in range(len(text)):
            got, want = tag.anchor.match(text, i), plain.match(text, i)
            assert (got and got.span()) == (want and want.span()), (text, i)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_skipping_the_tense_search_changes_no_value(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``resolve_all`` searches a sentence's tense markers only when some tense could change a
    value ("am Mittwoch" in a Wednesday article cannot): the same mentions as always searching."""
    import pipeline.dates

    data = load_corpus(lang)
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    text = " ".join(texts)
    references = [date(2024, 4, 10) + timedelta(days=n) for n in range(0, 400, 37)]
    skipped = [find_dates(text, lang, reference) for reference in references]
    monkeypatch.setattr(pipeline.dates, "_tense_matters", lambda t, reference: True)
    assert [find_dates(text, lang, reference) for reference in references] == skipped


@pytest.mark.parametrize("lang", ["de", "en"])
def test_markers_searched_up_to_a_date_give_its_closest_tense(lang: str) -> None:
    """A sentence's markers are searched only up to the first one after the date: the same
    closest tense as with every marker of the sentence."""
    from pipeline.dates import _clause, _SentenceMarkers, split_sentences, tagger

    tag = tagger(lang)
    data = load_corpus(lang)
    sentences = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    text = " ".join(sentences + list(data["negatives"]))
    starts = split_sentences(text)
    timexes = tag.extract(text)
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        every = tag.tense_markers(text, start, end)
        lazy = _SentenceMarkers(tag, text, start, end)
        for t in (t for t in timexes if start <= t.start < end):
            clause = _clause(text, t, start, end)
            expected = tag.closest_tense(every, t.start, t.end, clause)
            assert tag.closest_tense(lazy.up_to(t.end), t.start, t.end, clause) == expected, t


def test_a_reference_at_the_calendars_edge_still_takes_the_sentence_tense() -> None:
    """The future Wednesday after 9999-12-31 does not exist; the past tense picks the one before."""
    assert [(m.text, m.value) for m in find_dates("Am Mittwoch kam er.", "de", date(9999, 12, 31))] == [
        ("Am Mittwoch", "9999-12-29")
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_first_letter_lookahead_of_a_tense_row_keeps_its_matches(lang: str) -> None:
    """A regex row of ``dates_tense.tsv`` may open with a lookahead of its first letters: the
    tense pattern finds the same markers as with the rows written without it (also for
    letters that match only under IGNORECASE: ſ, İ, ı, the Kelvin sign)."""
    import copy
    from dataclasses import replace

    from pipeline.dates import tagger

    tag = tagger(lang)
    lead = re.compile(r"\A\(\?=\[[^\]]+\]\)")
    rows = tag.lex.tense_rows
    assert any(match == "regex" and lead.match(form) for form, _, match in rows)
    plain = copy.copy(tag)
    plain.lex = replace(tag.lex, tense_rows=tuple((lead.sub("", f), t, m) for f, t, m in rows))
    plain_regex, _ = plain._tense_pattern()
    data = load_corpus(lang)
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    texts += list(data["negatives"])
    for word in ("hat", "hatte", "ist", "sind", "sei", "will", "would", "shall", "to", "'ll", "has", "have"):
        for variant in (word, word.upper(), word.title(), word.replace("s", "ſ"), word.replace("i", "İ")):
            texts += [
                f"Er {variant} am Montag gesagt, {variant} gekauft.",
                f"It {variant} not be signed, {variant} been told.",
                f"x{variant} be signed ı{variant} \u212a{variant} gemacht",
            ]
    for text in texts:
        got = [(m.span(), m.lastgroup) for m in tag.tense_regex.finditer(text)]
        assert got == [(m.span(), m.lastgroup) for m in plain_regex.finditer(text)], text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_tense_words_grouped_by_first_letter_keep_their_matches(lang: str) -> None:
    """The tense word blocks are tries split by first letter, each group behind a class of its
    letters: the same markers as one trie per block, for every word in several spellings."""
    from pipeline.dates import tagger

    tag = tagger(lang)
    plain, _ = tag._tense_pattern(by_first_letter=False)
    assert plain.pattern != tag.tense_regex.pattern
    data = load_corpus(lang)
    texts = [BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"]]
    texts += list(data["negatives"])
    for form, _, match in tag.lex.tense_rows:
        if match == "word":
            for variant in (form, form.upper(), form.title(), form.swapcase(), form.replace("s", "ſ")):
                texts.append(f"Er {variant} am Montag, ({variant}) {variant}x x{variant} {variant[:-1]}.")
                kelvin = variant.replace("k", "\u212a")
                texts.append(f"{variant.replace('i', 'İ')} {kelvin} {variant.replace('i', 'ı')} {variant}")
    for text in texts:
        got = [(m.span(), m.lastgroup) for m in tag.tense_regex.finditer(text)]
        assert got == [(m.span(), m.lastgroup) for m in plain.finditer(text)], text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_without_a_tense_resolve_takes_the_past_or_the_future_value(lang: str) -> None:
    """``_tense_matters`` compares only the past and the future value: the value without a tense
    is one of them, for every expression of the corpus tables on references over three years
    (every weekday, month and season) and at the calendar's edges."""
    from pipeline.dates import _tense_matters, tagger

    data = load_corpus(lang)
    text = " ".join(BRACKETS.sub(r"\1", s) for group in data["cases"] for s in group["sentences"])
    timexes = tagger(lang).extract(text)
    timexes += [t._replace(shift=None, direction=None) for t in timexes]  # also every bare one
    edges = [date(1, 1, 1), date(1, 1, 7), date(9999, 12, 25), date(9999, 12, 31)]
    references = [date(2023, 1, 1) + timedelta(days=n) for n in range(0, 3 * 366, 5)] + edges
    for t in (t for t in timexes if t.needs_tense):
        for reference in references:
            try:
                values = {resolve(t, reference, tense) for tense in (Tense.PAST, Tense.FUTURE)}
            except OverflowError:
                assert _tense_matters(t, reference)
                continue
            assert resolve(t, reference) in values, (t, reference)
            assert _tense_matters(t, reference) == (len(values) > 1)
