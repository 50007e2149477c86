"""The number layer: corpus tables (tests/corpus/<lang>/numbers.yaml), properties, the stage."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp import cached_nlp, make_doc
from pipeline.numbers import NumberMention, find_numbers, numbers_in, quantities
from pipeline.records import NumberKind, Qualifier

CORPUS = Path(__file__).parent / "corpus"
BRACKETS = re.compile(r"\[([^\]]*)\]")


def _load(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / lang / "numbers.yaml").read_text(encoding="utf-8"))
    return data


def _unbracket(sentence: str) -> tuple[str, list[tuple[int, int]]]:
    """The plain sentence and the character spans of its [bracketed] parts."""
    plain, spans, pos = [], [], 0
    length = 0
    for m in BRACKETS.finditer(sentence):
        plain.append(sentence[pos : m.start()])
        length += m.start() - pos
        spans.append((length, length + len(m.group(1))))
        plain.append(m.group(1))
        length += len(m.group(1))
        pos = m.end()
    plain.append(sentence[pos:])
    return "".join(plain), spans


def corpus_cases(lang: str) -> list[Any]:
    out = []
    for case in _load(lang)["cases"]:
        for sentence in case["sentences"]:
            out.append(pytest.param(lang, case, sentence, id=f"{lang}:{sentence[:60]}"))
    return out


def listed(lang: str, key: str) -> list[Any]:
    return [pytest.param(lang, s, id=f"{lang}:{s[:60]}") for s in _load(lang).get(key, [])]


@pytest.mark.parametrize(("lang", "case", "sentence"), corpus_cases("de") + corpus_cases("en"))
def test_corpus(lang: str, case: dict[str, Any], sentence: str) -> None:
    text, spans = _unbracket(sentence)
    assert len(spans) == 1, "one [bracketed] mention per corpus sentence"
    start, end = spans[0]
    found = find_numbers(text, lang)
    at = [n for n in found if (n.start, n.end) == (start, end)]
    assert at, f"no mention {text[start:end]!r}; found {[(n.text, n.value) for n in found]}"
    n = at[0]
    value = case["value"]
    qualifier = case.get("qualifier", "exact")
    assert n.text == text[start:end]
    assert n.value == value and type(n.value) is type(value)
    assert n.unit == case.get("unit")
    assert n.qualifier == Qualifier(qualifier)
    assert n.kind == NumberKind(case.get("kind", "quantity"))
    assert n.low == case.get("low", value)
    assert n.high == case.get("high", value)
    assert n.rule.startswith(f"{lang}.")


@pytest.mark.parametrize(("lang", "sentence"), listed("de", "negatives") + listed("en", "negatives"))
def test_negatives(lang: str, sentence: str) -> None:
    found = quantities(find_numbers(sentence, lang))
    assert found == [], [(n.text, n.value, n.rule) for n in found]


@pytest.mark.parametrize(("lang", "sentence"), listed("de", "identifiers") + listed("en", "identifiers"))
def test_identifiers(lang: str, sentence: str) -> None:
    text, spans = _unbracket(sentence)
    found = find_numbers(text, lang)
    for start, end in spans:
        assert any((n.start, n.end) == (start, end) and n.kind is NumberKind.IDENTIFIER for n in found), (
            f"{text[start:end]!r} not an identifier in {[(n.text, n.kind.value) for n in found]}"
        )
        overlapping = [n for n in quantities(found) if n.start < end and start < n.end]
        assert overlapping == [], overlapping


# ---- behaviour beyond the tables -----------------------------------------------------------


def test_quantity_and_identifier_in_one_phrase() -> None:
    found = find_numbers("Japan kauft 35 F-35-Kampfjets und 400 Tomahawk.", "de")
    assert [(n.text, n.value, n.kind) for n in found] == [
        ("35", 35, NumberKind.QUANTITY),
        ("F-35", 35, NumberKind.IDENTIFIER),
        ("400", 400, NumberKind.QUANTITY),
    ]


@pytest.mark.parametrize(
    ("lang", "text", "value"),
    [
        ("de", "Es kamen 1.500 Soldaten.", 1500),
        ("en", "It cost 1.500 units.", 1.5),
        ("de", "Es kamen 1,500 Soldaten.", 1.5),
        ("en", "Some 1,500 soldiers came.", 1500),
        ("de", "Der Wert liegt bei 1.234,5 Punkten.", 1234.5),
        ("en", "The value is 1,234.5 points.", 1234.5),
        ("de", "Das sind 54,000 Soldaten laut Übersetzung.", 54000),
        ("en", "That is 2.000 troops in German style.", 2000),
        ("de", "Die Quote liegt bei 0.125 Prozent.", 0.125),
    ],
)
def test_language_and_shape_decide_separators(lang: str, text: str, value: float) -> None:
    values = [n.value for n in quantities(find_numbers(text, lang))]
    assert values == [value]


def test_german_billion_is_ten_to_the_twelfth_and_english_is_ten_to_the_ninth() -> None:
    assert find_numbers("Es geht um 1 Billion Euro.", "de")[0].value == 10**12
    assert find_numbers("It is about 1 billion euros.", "en")[0].value == 10**9


def test_scale_needing_a_currency_is_not_read_without_one() -> None:
    assert [n.value for n in find_numbers("The ship is 5m long.", "en")] == []
    assert [n.value for n in find_numbers("The deal is worth $5m.", "en")] == [5_000_000]


def test_range_rejected_when_second_number_is_a_year() -> None:
    found = quantities(find_numbers("Die Zahl soll von 50.000 bis 2025 steigen.", "de"))
    assert [(n.text, n.qualifier) for n in found] == [("50.000", Qualifier.EXACT)]


def test_two_numbers_joined_by_und_are_no_range_without_zwischen() -> None:
    found = find_numbers("Japan kauft 2 und Korea 3 Fregatten.", "de")
    assert [(n.value, n.qualifier) for n in found] == [(2, Qualifier.EXACT), (3, Qualifier.EXACT)]


def test_offsets_slice_the_source_and_mentions_are_ordered() -> None:
    text = "Rund 100 Milliarden Euro, mehr als 50.000 Soldaten und 35 F-35 bis 2027."
    found = find_numbers(text, "de")
    assert found and all(text[n.start : n.end] == n.text for n in found)
    assert [n.start for n in found] == sorted(n.start for n in found)


def test_regional_language_tags_use_the_base_grammar() -> None:
    assert [n.value for n in find_numbers("Rund 2.000 Soldaten.", "de-AT")] == [2000]
    assert [n.value for n in find_numbers("About 2,000 troops.", "en_GB")] == [2000]


def test_unsupported_language_is_an_error() -> None:
    with pytest.raises(ValueError):
        find_numbers("12 soldats", "fr")


# ---- properties ----------------------------------------------------------------------------


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    return sep.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def _format(value: Decimal, lang: str, sep: str, decimals: int) -> str:
    integral = str(int(value))
    text = _group(integral, sep) if sep else integral
    if decimals:
        frac = f"{value:.{decimals}f}".split(".")[1]
        text += ("," if lang == "de" else ".") + frac
    return text


GROUPING = {"de": ["", ".", "\u202f", "\u00a0"], "en": ["", ",", "\u202f"]}
SCALES = {
    "de": [("", 1), ("Millionen", 10**6), ("Mrd.", 10**9)],
    "en": [("", 1), ("million", 10**6), ("bn", 10**9)],
}
CURRENCY = {"de": ["", "Euro", "US-Dollar", "Yen"], "en": ["", "euros", "dollars", "yen"]}
SYMBOL = {"de": ["", "€", "$"], "en": ["", "$", "£", "€", "US$"]}
CODE = {
    "Euro": "EUR",
    "US-Dollar": "USD",
    "Yen": "JPY",
    "euros": "EUR",
    "dollars": "USD",
    "yen": "JPY",
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "£": "GBP",
}


@settings(max_examples=300, deadline=None)
@given(
    lang=st.sampled_from(["de", "en"]),
    integral=st.integers(min_value=0, max_value=10**12),
    decimals=st.integers(min_value=0, max_value=2),
    cents=st.integers(min_value=0, max_value=99),
    data=st.data(),
)
def test_formatted_numbers_parse_back(lang: str, integral: int, decimals: int, cents: int, data: Any) -> None:
    sep = data.draw(st.sampled_from(GROUPING[lang]))
    scale, factor = data.draw(st.sampled_from(SCALES[lang]))
    currency = data.draw(st.sampled_from(CURRENCY[lang]))
    value = Decimal(integral) + (Decimal(cents) / 100 if decimals else 0)
    if decimals == 1:
        value = Decimal(integral) + Decimal(cents // 10) / 10
    written = _format(value, lang, sep, decimals)
    plain_int = not decimals and not (sep and integral >= 1000)
    if plain_int and not currency and not scale and (1800 <= integral <= 2100 or len(str(integral)) >= 7):
        currency = CURRENCY[lang][1]  # a bare year or id-like digit string is no amount on its own
    if plain_int and len(written) > 1 and written.startswith("0"):
        return
    symbol = "" if currency else data.draw(st.sampled_from(SYMBOL[lang]))
    phrase = symbol + " ".join(p for p in (written, scale, currency) if p)
    text = (
        f"Die Regierung nannte {phrase} als Ziel."
        if lang == "de"
        else f"The ministry cited {phrase} as the aim."
    )
    found = quantities(find_numbers(text, lang))
    assert len(found) == 1, (text, found)
    n = found[0]
    assert n.text == phrase
    assert Decimal(str(n.value)) == value * factor
    assert n.unit == CODE.get(currency or symbol)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), lang=st.sampled_from(["de", "en"]))
def test_random_text_never_raises(text: str, lang: str) -> None:
    for n in find_numbers(text, lang):
        assert text[n.start : n.end] == n.text


NUMBERISH = st.text(alphabet="0123456789.,-–/: \u202f$€%kmbnMrdioTsd", max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=NUMBERISH, lang=st.sampled_from(["de", "en"]))
def test_number_like_noise_never_raises(text: str, lang: str) -> None:
    for n in find_numbers(text, lang):
        assert text[n.start : n.end] == n.text
        assert n.low is None or n.high is None or n.low <= n.high


# ---- the spaCy stage -----------------------------------------------------------------------


def test_stage_marks_numbers_on_the_doc() -> None:
    nlp = cached_nlp("de")
    doc = nlp("Die USA haben mehr als 50.000 Soldaten in Japan. Japan kauft 35 F-35-Kampfjets.")
    assert isinstance(doc._.numbers, list) and all(isinstance(n, NumberMention) for n in doc._.numbers)
    assert [n.text for n in doc._.numbers] == ["mehr als 50.000", "35", "F-35"]
    spans = doc.spans["numbers"]
    assert [s.label_ for s in spans] == ["quantity", "quantity", "identifier"]
    assert spans[0].text == "mehr als 50.000"
    second = list(doc.sents)[1]
    assert [n.value for n in numbers_in(doc, second.start_char, second.end_char)] == [35]
    assert [n.text for n in numbers_in(doc, second.start_char, second.end_char, kinds=tuple(NumberKind))] == [
        "35",
        "F-35",
    ]


def test_stage_skips_boilerplate() -> None:
    nlp = cached_nlp("en")
    text = "Subscribe now for $1 a week. The US has about 54,000 troops in Japan."
    doc = nlp(make_doc(nlp, text, boilerplate=((0, 28),)))
    assert [n.text for n in doc._.numbers] == ["about 54,000"]


def test_stage_in_english_pipeline() -> None:
    doc = cached_nlp("en")("Congress approved $886 billion, up 3 percent.")
    assert [(n.value, n.unit) for n in doc._.numbers] == [(886_000_000_000, "USD"), (3, "percent")]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "de",
            "Die Quote steigt von 1,5 auf 2 Prozent.",
            [("1,5", 1.5, "percent"), ("2 Prozent", 2, "percent")],
        ),
        (
            "de",
            "Der Etat wächst von 50 auf 60 Milliarden Euro.",
            [("50", 50_000_000_000, "EUR"), ("60 Milliarden Euro", 60_000_000_000, "EUR")],
        ),
        (
            "en",
            "Spending rose from 2 to 2.5 percent of GDP.",
            [("2", 2, "percent"), ("2.5 percent", 2.5, "percent")],
        ),
        (
            "en",
            "The budget grew from $50 to $60 billion.",
            [("$50", 50_000_000_000, "USD"), ("$60 billion", 60_000_000_000, "USD")],
        ),
    ],
)
def test_change_gives_two_figures_sharing_scale_and_unit(
    lang: str, text: str, expected: list[tuple[str, float, str]]
) -> None:
    found = find_numbers(text, lang)
    assert [(n.text, n.value, n.unit) for n in found] == expected
    assert all(n.qualifier is Qualifier.EXACT for n in found)


# ---- gold: every stated figure of the gold files is a number mention -------------------------

GOLD_DIRS = (
    Path(__file__).resolve().parent.parent / "data" / "gold",
    CORPUS.parent.parent.parent / "shared" / "corpus" / "seeds",
)
FIGURES = (("troops", "count"), ("weapons_orders", "quantity"), ("budgets", "value"))


def gold_figures() -> list[Any]:
    """(lang, text, quote start, quote, figure, troop qualifier) for each figure quoted verbatim."""
    out = []
    for directory in GOLD_DIRS:
        for path in sorted(directory.glob("*.gold.json")) if directory.is_dir() else ():
            gold = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(gold, dict) or "doc" not in gold:
                continue
            raw = [directory / f"{gold['doc']}.txt", directory.parent / "raw" / f"{gold['doc']}.txt"]
            source = next((p for p in raw if p.is_file()), None)
            if source is None:
                continue
            text = source.read_text(encoding="utf-8")
            for kind, key in FIGURES:
                for record in gold.get(kind, []):
                    # A lone article counting one ("eine weitere") is left to the extractors.
                    value, quote = record.get(key), record.get("quote", "")
                    start = text.find(quote) if quote else -1
                    if value is None or value == 1 or start < 0:
                        continue
                    qualifier = record.get("qualifier", "exact") if kind == "troops" else None
                    out.append(
                        pytest.param(
                            gold["lang"], text, start, quote, value, qualifier, id=f"{path.stem}:{value}"
                        )
                    )
    return out


@pytest.mark.parametrize(("lang", "text", "start", "quote", "value", "qualifier"), gold_figures())
def test_gold_figures_are_number_mentions(
    lang: str, text: str, start: int, quote: str, value: float, qualifier: str | None
) -> None:
    inside = [
        n for n in quantities(find_numbers(text, lang)) if start <= n.start and n.end <= start + len(quote)
    ]
    matching = [n for n in inside if n.value == value]
    assert matching, f"{value} not read in {quote!r}: {[(n.text, n.value) for n in inside]}"
    if qualifier is not None:
        assert matching[0].qualifier == Qualifier(qualifier)


@given(
    lakhs=st.integers(min_value=1, max_value=99),
    hundredths=st.integers(min_value=0, max_value=99),
    scale=st.sampled_from([("lakh", 10**5), ("crore", 10**7), ("lakh crore", 10**12)]),
    prefix=st.sampled_from(["₹", "Rs ", ""]),
)
def test_indian_scales_multiply_exactly(
    lakhs: int, hundredths: int, scale: tuple[str, int], prefix: str
) -> None:
    """ "₹7.48 lakh crore" is 7.48 * 10^12 rupees; lakh 10^5, crore 10^7, in both languages."""
    word, factor = scale
    for lang, sep in (("en", "."), ("de", ",")):
        written = f"{lakhs}{sep}{hundredths:02d}"
        suffix = "" if prefix else (" rupees" if lang == "en" else " Rupien")
        (mention,) = quantities(find_numbers(f"Es sind {prefix}{written} {word}{suffix}.", lang))
        assert mention.value == (lakhs * 100 + hundredths) * factor // 100
        assert mention.unit == "INR"


def _indian(n: int) -> str:
    """``n`` in Indian digit grouping: the last three digits, then pairs ("1,80,000")."""
    head, tail = str(n)[:-3], str(n)[-3:]
    pairs: list[str] = []
    while head:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([*pairs, tail])


@given(n=st.integers(min_value=100_000, max_value=99_99_99_999), prefix=st.sampled_from(["₹", "Rs "]))
def test_indian_digit_grouping_reads_back(n: int, prefix: str) -> None:
    """ "₹1,80,000 crore" is 180000 crore: lakh grouping parses like plain digits."""
    (mention,) = quantities(find_numbers(f"The budget is {prefix}{_indian(n)} crore.", "en"))
    assert mention.value == n * 10**7 and mention.unit == "INR"


def _gate_texts(lang: str) -> list[str]:
    """Every corpus sentence, and every number word, article, quantifier and scale word of the
    lexicon in a few spellings and contexts (glued letters, brackets, other scripts' digits)."""
    from pipeline.lexicon import lang_file, load_tsv
    from pipeline.numbers import _grammar

    g = _grammar(lang)
    data = _load(lang)
    texts = [BRACKETS.sub(r"\1", s) for case in data["cases"] for s in case["sentences"]]
    texts += [s for key in ("negatives", "identifiers") for s in data.get(key, [])]
    forms = [*g.morphemes, *g.inflected, *g.vague, *g.articles, *g.scales.folded, *g.scales.exact]
    forms += [r["form"] for r in load_tsv(lang_file(lang, "numbers_vague.tsv"))]
    for form in forms:
        for spelling in (form, form.upper(), form.capitalize(), form.replace(" ", "\u00a0 ")):
            texts += [f"{spelling} Millionen", f"x ({spelling} billion", f"„{spelling}-5", f"a{spelling} 3"]
    texts += ["K2 und F-35", "+49 30 1234567", "\u0663\u0660 Tage", "1.000.000 $", "Q3 2024", "_7 x"]
    texts += ["1’000'5 und 3,5.2", "K2.5 F-35,5 x.5 a,7 ,5 .25", "1.5K2 2,5-3 7.F-16 1,A4"]
    joiners = [r["word"] for r in load_tsv(lang_file(lang, "numbers_words.tsv")) if r["use"] == "joiner"]
    for first in g.morphemes:  # compounds: a short part goes on with the next one ("einhundert")
        texts += [f"({first}{second} x" for second in [*g.morphemes, *joiners]]
        texts += [f"{first.capitalize()}{second.upper()}" for second in [*g.morphemes, *joiners]]
    return texts


@pytest.mark.parametrize("lang", ["de", "en"])
def test_master_is_only_tried_where_it_can_match(lang: str) -> None:
    """The scanner runs its master regex only at the gate's places; a test at every character
    finds no match elsewhere (a new lexicon form must not slip past the gate)."""
    from pipeline.numbers import _grammar, _Scanner

    master = _grammar(lang).master
    for text in _gate_texts(lang):
        starts = set(_Scanner(_grammar(lang), text).starts())
        missed = [p for p in range(len(text) + 1) if p not in starts and master.match(text, p)]
        assert not missed, (text, missed)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_guarded_alternations_match_like_plain_ones(lang: str) -> None:
    """The first-letter look-aheads of ``_alternation`` only filter: the same forms match as
    with a plain longest-first alternation, in any case and context (odd case-folding
    characters such as the Kelvin sign and the long s included)."""
    from pipeline.lexicon import lang_file, load_tsv
    from pipeline.numbers import _alternation, _form_pattern

    forms = [(r["form"], False) for r in load_tsv(lang_file(lang, "numbers_units.tsv"))]
    forms += [(r["form"], "cs" in r["flags"]) for r in load_tsv(lang_file(lang, "numbers_scales.tsv"))]
    forms += [(r["form"], r["form"].isupper()) for r in load_tsv("currencies.tsv")]
    ordered = sorted(set(forms), key=lambda f: (-len(f[0]), f[0]))
    plain = "|".join(p if cs else f"(?i:{p})" for f, cs in ordered for p in [_form_pattern(f)])
    guarded, reference = re.compile(f"(?:{_alternation(forms)})x?"), re.compile(f"(?:{plain})x?")
    texts = ["", " ", "x", "\u212a", "\u017f", "k", "s"]
    for form, _ in ordered:
        for spelling in (form, form.upper(), form.lower(), form.capitalize()):
            texts += [spelling, f"{spelling}x", f"{spelling} 5", f"a{spelling}", f"{spelling}-Land"]
            texts += [spelling.replace("k", "\u212a").replace("s", "\u017f")]
    for text in texts:
        for pos in range(min(len(text), 2) + 1):
            got, want = guarded.match(text, pos), reference.match(text, pos)
            assert (got and got.span()) == (want and want.span()), (text, pos)


def test_number_spans_cover_the_tokens_char_span_would_expand_to() -> None:
    from pipeline.numbers import token_spans

    nlp = cached_nlp("de")
    text = "Die USA haben  mehr als 50.000 Soldaten\n\nin Japan. 35 F-35-Kampfjets! (rund 1,2 Mrd. Euro)"
    doc = nlp(text)
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            mention = NumberMention(text=text[start:end], start=start, end=end, value=1)
            expected = doc.char_span(start, end, alignment_mode="expand")
            assert expected is not None
            (span,) = token_spans(doc, [mention])
            assert (span.start, span.end) == (expected.start, expected.end), (start, end)


def _phrase_before_reference(scanner: Any, end: int, count: int, phrases: Any) -> tuple[int, str] | None:
    """``phrase_before`` without pruning: the key of every 1..count words, longest first."""
    words: list[Any] = []
    while len(words) < count and (word := scanner.last_word(words[-1].left if words else end)) is not None:
        words.append(word)
    for k in range(len(words), 0, -1):
        tail = words[k - 1 :: -1]
        key = " ".join(w.key for w in tail if w.key) if phrases.fold else " ".join(w.text for w in tail)
        if key in phrases.forms:
            return words[k - 1].start, key
    return None


@pytest.mark.parametrize("lang", ["de", "en"])
def test_phrase_lookup_reads_back_only_while_a_phrase_can_end_there(lang: str) -> None:
    """Words before a number are read back only while they still end some phrase; the
    result is that of trying every number of words (lone brackets, case, long phrases)."""
    from pipeline.numbers import _grammar, _Scanner

    g = _grammar(lang)
    lookups = [
        (g.qual_words, g.qualifier_phrases),
        (g.id_prefix_words, g.id_prefixes),
        (1, g.date_before),
        (1, g.year_cues),
        (2, g.ordinal_before),
        (4, g.qualifier_phrases),
    ]
    texts = [BRACKETS.sub(r"\1", s) for case in _load(lang)["cases"] for s in case["sentences"]]
    for _, phrases in lookups:
        for form in phrases.forms:
            for spelling in (form, form.upper(), form.capitalize()):
                words = spelling.split(" ")
                texts += [
                    f"x {spelling} 5",
                    f"„{spelling} 5",
                    f"nicht {spelling}  5",
                    f"{words[-1]} {spelling} 5",
                ]
                texts += [
                    " ( ".join(words) + " 5",
                    f"{words[0]} ( {spelling} 5",
                    f"{spelling}\u2011{spelling} 5",
                ]
    for text in texts:
        scanner = _Scanner(g, text)
        for end in range(1, len(text) + 1):
            for count, phrases in lookups:
                want = _phrase_before_reference(scanner, end, count, phrases)
                assert scanner.phrase_before(end, count, phrases) == want, (text, end, count)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_skip_guard_only_filters(lang: str) -> None:
    """The master with its skip patterns behind ``skip_guard`` matches like the master without
    it: same span and alternative at every position (dates, times, phones, ordinals, amounts)."""
    from pipeline.numbers import _grammar

    g = _grammar(lang)
    plain = re.compile(g.master.pattern.replace(g.skip_guard, "", 1))
    texts = _gate_texts(lang)
    shapes = ["10.04.2024", "10.4.", "1.2.", "2024-04-10", "10/4/2024", "2023/24", "14:32", "2:1", "19th"]
    shapes += ["+49 30 1234567", "030 1234567", "0,5", "007", "3-4", "50.000", "2024.", "1,5", "35,", "2nd"]
    for marker in ["Uhr", "h", "a.m.", "p.m.", "am", "GMT", "local time", "o'clock", "ET"]:
        shapes += [f"9 {marker}", f"14.30 {marker}", f"9{marker}", f"14:30\u00a0{marker}", f"123 {marker}"]
    texts += [
        f"{pre}{shape}{post}" for shape in shapes for pre in ("", "x ", "(") for post in ("", " x", ".")
    ]
    for text in texts:
        for pos in range(len(text) + 1):
            got, want = g.master.match(text, pos), plain.match(text, pos)
            same = (got and (got.span(), got.lastgroup)) == (want and (want.span(), want.lastgroup))
            assert same, (text, pos)


def test_kept_number_values_do_not_depend_on_the_spelling_seen_first() -> None:
    """``_to_number`` is kept per Decimal value: equal values written differently give the
    same int or float, whichever came first."""
    from pipeline.numbers import _to_number

    for first, second in [("2.50", "2.5"), ("1.0", "1"), ("1E+3", "1000"), ("-0", "0"), ("0.10", "0.1")]:
        a, b = Decimal(first), Decimal(second)
        _to_number.cache_clear()
        got = _to_number(a), _to_number(b)
        _to_number.cache_clear()
        want = _to_number.__wrapped__(a), _to_number.__wrapped__(b)
        assert got == want and [type(x) for x in got] == [type(x) for x in want], (first, second)


def test_gate_heads_let_through_every_case_folding_of_a_letter() -> None:
    """``_head_char(c)`` lets through every character ``(?i:c)`` matches (checked against all
    of Unicode for each character of a number word), so the gate's classes never reject what
    the master's case-insensitive words accept; and the gate stops at every character that is
    no letter (a stop skipped must be a letter, which neither of its branches takes)."""
    from pipeline.lexicon import lang_file, load_tsv
    from pipeline.numbers import LATIN1_LETTERS, _head_char

    everything = "".join(map(chr, range(0x110000)))
    rows = [r for lang in ("de", "en") for r in load_tsv(lang_file(lang, "numbers_words.tsv"))]
    chars = {c for r in rows for c in r["word"]}
    chars |= set("abcdefghijklmnopqrstuvwxyzäöüß")
    # every character that matches one of them in some case, found in one pass over Unicode
    candidates = set(re.findall("(?i:" + "|".join(map(re.escape, chars)) + ")", everything))
    for char in sorted(chars):
        folded = {x for x in candidates if re.fullmatch(f"(?i:{re.escape(char)})", x)}
        assert folded and all(re.fullmatch(_head_char(char), x) for x in folded), char
    skipped = re.findall(f"[{LATIN1_LETTERS}]", everything)
    assert all(c.isalpha() and not re.match(r"\d", c) for c in skipped)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("a few thousand troops and dozens of tanks", "en"),
        ("several hundred soldiers, thousands of drones", "en"),
        ("zwei Milliarden Euro und einige tausend Soldaten", "de"),
        ("Dutzende Panzer, mehrere hundert Millionen Dollar", "de"),
    ],
)
def test_letters_re_folds_like_ascii_read_as_the_ascii_letter(text: str, lang: str) -> None:
    """Long s, dotless i and dotted capital I match s and i under IGNORECASE although
    ``str.lower`` keeps them apart: the lexicon lookup must read them as ``re`` does."""
    plain = [(n.start, n.end, n.value, n.qualifier) for n in find_numbers(text, lang)]
    assert plain
    long_s, dotless_i = text.replace("s", "\u017f"), text.replace("i", "\u0131")
    odd_spellings = (long_s, dotless_i, text.upper().replace("I", "\u0130"))
    for odd in odd_spellings:
        assert [(n.start, n.end, n.value, n.qualifier) for n in find_numbers(odd, lang)] == plain, odd
