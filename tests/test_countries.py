"""Country resolver: names, demonyms, prefixes, capitals, places, orgs, anaphors."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from pipeline.countries import (
    KINDS,
    CountryMention,
    _mention_matches,
    _patterns,
    country_before,
    country_code,
    doc_countries,
    find_countries,
)
from pipeline.lexicon import lang_file, load_tsv
from pipeline.nlp import build_nlp, make_doc


def codes(text: str, lang: str) -> list[str]:
    return [m.code for m in find_countries(text, lang)]


def triples(text: str, lang: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.code, m.kind) for m in find_countries(text, lang)]


@pytest.mark.parametrize(
    ("word", "lang", "code"),
    [
        ("japanische", "de", "JP"),
        ("Japanische", "de", "JP"),
        ("japanischen", "de", "JP"),
        ("USA", "de", "US"),
        ("Vereinigten Staaten", "de", "US"),
        ("Amerika", "de", "US"),
        ("Tokio", "de", "JP"),
        ("US-Soldaten", "de", "US"),
        ("US-Verteidigungsminister", "de", "US"),
        ("Bundeswehr", "de", "DE"),
        ("Bundeswehrsoldaten", "de", "DE"),
        ("NATO-Gipfel", "de", "NATO"),
        ("Nato", "de", "NATO"),
        ("Japans", "de", "JP"),
        ("Deutschlands", "de", "DE"),
        ("Chinas", "de", "CN"),
        ("Indiens", "de", "IN"),
        ("Indien", "de", "IN"),
        ("Japaner", "de", "JP"),
        ("Amerikanerin", "de", "US"),
        ("Chinesen", "de", "CN"),
        ("Russen", "de", "RU"),
        ("Franzosen", "de", "FR"),
        ("Korea", "de", "KR"),
        ("Südkoreas", "de", "KR"),
        ("Nordkorea", "de", "KP"),
        ("Volksrepublik", "de", "CN"),
        ("Großbritannien", "de", "GB"),
        ("Kyjiw", "de", "UA"),
        ("Okinawa", "de", "JP"),
        ("Ramstein", "de", "DE"),
        ("Washingtoner", "de", "US"),
        ("Peking", "de", "CN"),
        ("Europäischen Union", "de", "EU"),
        ("Vereinten Nationen", "de", "UN"),
        ("U.S.", "en", "US"),
        ("US", "en", "US"),
        ("United States", "en", "US"),
        ("Britain", "en", "GB"),
        ("UK", "en", "GB"),
        ("Japanese", "en", "JP"),
        ("American", "en", "US"),
        ("Americans", "en", "US"),
        ("Philippine", "en", "PH"),
        ("Filipinos", "en", "PH"),
        ("South Korea", "en", "KR"),
        ("Beijing", "en", "CN"),
        ("Kyiv", "en", "UA"),
        ("Guam", "en", "US"),
        ("Japan's", "en", "JP"),
        ("Pentagon", "en", "US"),
    ],
)
def test_country_code(word: str, lang: str, code: str) -> None:
    assert country_code(word, lang) == code


@pytest.mark.parametrize(
    ("word", "lang"),
    [
        ("uns", "de"),
        ("us", "en"),
        ("Kishida", "de"),
        ("Kishida-Besuch", "de"),
        ("Südamerika", "de"),
        ("Chinakohl", "de"),
        ("Georgia", "en"),
        ("South America", "en"),
        ("Jordan", "en"),
        ("", "de"),
    ],
)
def test_country_code_false_friends(word: str, lang: str) -> None:
    assert country_code(word, lang) is None


def test_german_sentence_kinds_and_prepositions() -> None:
    text = "Ungefähr 55.000 US-Militärpersonal sind an Basen in ganz Japan stationiert."
    found = find_countries(text, "de")
    assert [(m.text, m.code, m.kind, m.preposition) for m in found] == [
        ("US", "US", "prefix", None),
        ("Japan", "JP", "name", "in ganz"),
    ]
    assert found[0].compound == "US-Militärpersonal"
    assert all(text[m.start : m.end] == m.text for m in found)


def test_prepositions_with_articles() -> None:
    text = "Japan hat Raketen aus den USA bestellt und liefert Waffen an die Philippinen."
    assert [(m.code, m.preposition) for m in find_countries(text, "de")] == [
        ("JP", None),
        ("US", "aus den"),
        ("PH", "an die"),
    ]
    text = "Washington will send more troops to the Philippines and to Japan."
    assert [(m.code, m.kind, m.preposition) for m in find_countries(text, "en")] == [
        ("US", "capital", None),
        ("PH", "name", "to the"),
        ("JP", "name", "to"),
    ]


def test_demonyms_capitals_and_places_in_german() -> None:
    text = (
        "Der japanische Premierminister traf in Washington den philippinischen Präsidenten; "
        "die Koordination erfolgt zum Missfallen Japans über das Kommando auf Hawaii. "
        "Peking und Moskau protestierten, die Chinesen sprachen von Provokation."
    )
    assert triples(text, "de") == [
        ("japanische", "JP", "demonym"),
        ("Washington", "US", "capital"),
        ("philippinischen", "PH", "demonym"),
        ("Japans", "JP", "name"),
        ("Hawaii", "US", "place"),
        ("Peking", "CN", "capital"),
        ("Moskau", "RU", "capital"),
        ("Chinesen", "CN", "demonym"),
    ]


def test_german_false_friends() -> None:
    # "uns" is never the US; "Südamerika" is not America; "Indiens" is India's genitive.
    text = (
        "Sie müssen uns nicht schützen, sagte er. In Südamerika und Indiens Nachbarschaft wächst die Sorge."
    )
    assert codes(text, "de") == ["IN"]
    # China inside the genitive "Chinas" is one mention, not a partial match.
    assert triples("ein Gegengewicht zu Chinas Einfluss", "de") == [("Chinas", "CN", "name")]


def test_compounds_with_several_countries() -> None:
    text = "Der US-Japan-Vertrag und die amerikanisch-japanische Allianz; US- und EU-Truppen."
    assert triples(text, "de") == [
        ("US", "US", "prefix"),
        ("Japan", "JP", "prefix"),
        ("amerikanisch", "US", "demonym"),
        ("japanische", "JP", "demonym"),
        ("US", "US", "prefix"),
        ("EU", "EU", "prefix"),
    ]


def test_english_sentences() -> None:
    text = (
        "The U.S. has about 55,000 troops in Japan, while South Korea hosts 28,500 American "
        "soldiers. Let us see what Latin America and Georgia say."
    )
    assert triples(text, "en") == [
        ("U.S.", "US", "name"),
        ("Japan", "JP", "name"),
        ("South Korea", "KR", "name"),
        ("American", "US", "demonym"),
    ]


def test_orgs() -> None:
    text = "Die Nato und die EU beraten, die UN schweigen; NATO-Gipfel in Vilnius."
    assert [(m.code, m.kind) for m in find_countries(text, "de")] == [
        ("NATO", "org"),
        ("EU", "org"),
        ("UN", "org"),
        ("NATO", "prefix"),
        ("LT", "capital"),
    ]


def test_mentions_are_ordered_and_well_formed() -> None:
    text = "Tokio, Washington. Die Bundeswehr schickt Soldaten nach Litauen und in die Ukraine."
    found = find_countries(text, "de")
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(isinstance(m, CountryMention) and m.kind in KINDS for m in found)
    assert [(m.code, m.preposition) for m in found][-2:] == [("LT", "nach"), ("UA", "in die")]


@pytest.fixture(scope="module")
def nlp_de():
    return build_nlp("de")


@pytest.fixture(scope="module")
def nlp_en():
    return build_nlp("en")


def test_anaphor_prefers_subject_over_prepositional_mentions(nlp_de) -> None:
    text = (
        "Auch hat Japan 400 Marschflugkörper aus den USA bestellt und entwickelt Raketen, "
        "die Basen in China erreichen können. Das Land verkauft zudem Raketenabwehrsysteme an die USA."
    )
    doc = nlp_de(make_doc(nlp_de, text, doc_id="t"))
    anaphors = [m for m in doc_countries(doc) if m.kind == "anaphor"]
    assert [(m.text, m.code) for m in anaphors] == [("Das Land", "JP")]
    assert country_before(doc, text.index("Das Land")) == "JP"


def test_anaphor_genitive_and_english(nlp_de, nlp_en) -> None:
    text = "Nakatani sagte, dass Japan die Verteidigungsfähigkeiten des Landes stärken werde."
    doc = nlp_de(make_doc(nlp_de, text))
    assert [(m.text, m.code) for m in doc_countries(doc) if m.kind == "anaphor"] == [("des Landes", "JP")]
    text = "South Korea hosts 28,500 US troops. The country plans to buy more F-35 jets."
    doc = nlp_en(make_doc(nlp_en, text))
    assert [(m.text, m.code) for m in doc_countries(doc) if m.kind == "anaphor"] == [("The country", "KR")]


def test_anaphor_without_antecedent_is_dropped(nlp_de) -> None:
    doc = nlp_de(make_doc(nlp_de, "Das Land hat gewählt."))
    assert doc_countries(doc) == []
    assert country_before(doc, 5) is None


def test_doc_countries_respects_boilerplate_and_caches(nlp_de) -> None:
    text = "Japan rüstet auf. Anzeige: Reisen nach Italien günstig buchen."
    start = text.index("Anzeige")
    doc = nlp_de(make_doc(nlp_de, text, boilerplate=((start, len(text)),)))
    first = doc_countries(doc)
    assert [m.code for m in first] == ["JP"]
    assert doc_countries(doc) == first
    doc.to_bytes()  # the cache keeps user_data serialisable


def test_country_lexicons_have_no_conflicting_surfaces() -> None:
    """A surface form names one country per language (blocked look-alikes aside)."""
    for col in ("de", "en"):
        seen: dict[str, set[str]] = defaultdict(set)
        for row in load_tsv("countries.tsv"):
            for name in filter(None, row[col].split("|")):
                seen[name].add(row["code"])
        for row in load_tsv(f"{col}/demonyms.tsv"):
            for form in filter(None, [row["stem"], *row["nouns"].split("|")]):
                seen[form].add(row["code"])
        clashes = {s: c for s, c in seen.items() if len(c) > 1}
        assert not clashes, (col, clashes)
    kinds = {row["kind"] for row in load_tsv("places.tsv")}
    assert kinds <= {"capital", "place", "org"}


def test_doc_countries_cache_survives_serialisation(nlp_de) -> None:
    """After ``Doc.to_bytes``/``from_bytes`` the cached mentions come back as lists of fields."""
    doc = nlp_de(make_doc(nlp_de, "Japan und China verhandeln. Das Land will mehr."))
    first = doc_countries(doc)
    doc.user_data["newsfacts.countries"] = [list(m) for m in first]  # what msgpack gives back
    assert doc_countries(doc) == first
    assert all(isinstance(m, CountryMention) for m in doc_countries(doc))


@pytest.mark.parametrize(
    "text",
    [
        "USA",
        "U.S. U.K.",
        "Japan,China.US-Soldaten",
        "xJapan Japanx Japan-Japan",
        "Bundeswehrsoldaten in den USA",
        "",
    ],
)
def test_mention_search_matches_a_lookbehind_regex(text: str) -> None:
    mention = _patterns("de")[0]
    trie = mention.first.pattern
    with_lookbehind = re.compile(r"(?<!\w)" + trie)
    found = [m.span(m.lastindex or 0) for m in _mention_matches(mention, text)]
    assert found == [m.span() for m in with_lookbehind.finditer(text)]


def _forward_preposition(text: str, start: int, lang: str) -> str | None:
    """The preposition reader as a plain forward search (what the reversed match replaces)."""
    words = load_tsv(lang_file(lang, "country_prepositions.tsv"))

    def alternation(kind: str) -> str:
        chosen = sorted((w["word"] for w in words if w["kind"] == kind), key=lambda s: (-len(s), s))
        return "|".join(re.escape(w) for w in chosen)

    before = re.compile(
        rf"(?<!\w)((?:{alternation('prep')})(?:\s+(?:{alternation('det')})){{0,2}})\s+$", re.IGNORECASE
    )
    m = before.search(text[max(0, start - 40) : start])
    return " ".join(m.group(1).lower().split()) if m else None


@pytest.mark.parametrize("lang", ["de", "en"])
def test_reversed_preposition_reader_equals_a_forward_search(lang: str) -> None:
    import random

    from pipeline.countries import _preposition

    words = [w["word"] for w in load_tsv(lang_file(lang, "country_prepositions.tsv"))]
    pieces = [*words, *(w.upper() for w in words), "Soldaten", "troops", "x", "(", "„", "-", "2024"]
    gaps = [" ", "  ", "\n", "\t", " \n ", "", ",", "\u00a0"]
    rng = random.Random(7)
    texts = [
        "Die Soldaten in den USA und aus ganz Japan, von der Ukraine, nach  Polen, (in Japan), zwischen "
        "den beiden; gegenüber der Türkei. In the Philippines, from all the US bases, to  Japan.",
        *("".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(12)) for _ in range(400)),
    ]
    before = _patterns(lang)[1]
    checked = 0
    for text in texts:
        for start in range(len(text) + 1):
            assert _preposition(text, start, before) == _forward_preposition(text, start, lang), (text, start)
            checked += _forward_preposition(text, start, lang) is not None
    assert checked > 300  # the texts do put prepositions before many positions


def test_compound_end_reads_letters_digits_and_hyphens_as_isalnum_does() -> None:
    from pipeline.countries import _compound_end

    def by_hand(text: str, end: int) -> int:
        i = end
        while i < len(text) and (text[i].isalnum() or text[i] == "-"):
            i += 1
        return i

    for cp in range(0x3000):  # Latin, Greek, Cyrillic, ..., digits, marks, punctuation, spaces
        text = f"US-a{chr(cp)}b-2 x"
        assert _compound_end(text, 3) == by_hand(text, 3), hex(cp)
    assert _compound_end("US-Militärpersonal,", 3) == len("US-Militärpersonal")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_anaphor_search_from_the_space_finds_what_a_full_scan_finds(lang: str) -> None:
    import random

    from pipeline.countries import _anaphor_matches
    from pipeline.lexicon import finditer_not_after

    regex = _patterns(lang)[2]
    phrases = [r["phrase"] for r in load_tsv(lang_file(lang, "country_anaphors.tsv"))]
    pieces = [
        *phrases,
        *(p.upper() for p in phrases),
        *(p.title() for p in phrases),
        *("x" + p for p in phrases),
        *(p + "s" for p in phrases),
        *(p.replace(" ", "  ") for p in phrases),
        "das",
        "the",
        "island",
        "Land",
        "nation",
    ]
    gaps = [" ", "", "\n", ",", "-", "_", "\u00a0"]
    rng = random.Random(3)
    texts = ["".join(rng.choice(pieces) + rng.choice(gaps) for _ in range(8)) for _ in range(1500)]
    found = 0
    for text in texts:
        expected = [(m.start(), m.end()) for m in finditer_not_after(regex.phrase, text)]
        assert [(m.start(), m.end()) for m in _anaphor_matches(regex, text)] == expected, text
        found += len(expected)
    assert found > 1000
