"""Weapons stage: systems lexicon, corpus tables (expected order -> wordings, negatives),
the compound and context rules, and the seed articles."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import pytest
import yaml

from pipeline.lexicon import lang_file, load_tsv
from pipeline.nlp import cached_nlp, make_doc
from pipeline.records import OrderStatus, WeaponCategory, WeaponsOrder
from pipeline.weapons import alias_variants, find_systems, lexicon, load_systems

CORPUS = Path(__file__).parent / "corpus"
KEYS = ("buyer", "seller", "system", "quantity", "status")
OPTIONAL_KEYS = ("category", "seller_inferred")


def _corpus(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / lang / "weapons.yaml").read_text(encoding="utf-8"))
    return data


def _cases(lang: str) -> list[tuple[dict[str, Any], str]]:
    return [(case["expect"], s) for case in _corpus(lang)["cases"] for s in case["sentences"]]


def orders(text: str, lang: str, published: date = date(2024, 4, 10)) -> list[WeaponsOrder]:
    nlp = cached_nlp(lang)
    doc = nlp(make_doc(nlp, text, doc_id="t", published=published))
    result: list[WeaponsOrder] = doc._.weapons_orders
    return result


def _as_dict(order: WeaponsOrder) -> dict[str, Any]:
    data: dict[str, Any] = order.model_dump(mode="json")
    return data


# ---- the lexicon ---------------------------------------------------------------------------


def test_systems_lexicon_has_at_least_100_systems_with_valid_categories_and_makers() -> None:
    rows = load_tsv("weapons_systems.tsv")
    assert len(rows) >= 100
    valid = {c.value for c in WeaponCategory}
    for row in rows:
        assert row["category"] in valid, row
        for code in row["maker"].split("|"):
            assert code == "-" or pycountry.countries.get(alpha_2=code) is not None, row


def test_no_alias_names_two_systems_even_after_generated_variants() -> None:
    owner: dict[str, str] = {}
    for system, aliases in load_systems():
        for alias, _ in aliases:
            for form in alias_variants(alias):
                assert owner.setdefault(form, system.name) == system.name, (form, owner[form], system.name)
    names = Counter(system.name for system, _ in load_systems())
    assert [n for n, k in names.items() if k > 1] == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_trigger_and_blocker_files_use_known_values(lang: str) -> None:
    statuses = {s.value for s in OrderStatus}
    for row in load_tsv(lang_file(lang, "order_triggers.tsv")):
        assert row["match"] in {"lemma", "word", "suffix", "separable"}, row
        assert row["status"] in statuses, row
        # every deal word names its subject's role; a planned row without one is a modal cue
        assert row["actor"] != "-" or row["status"] == "planned", row
        assert row["actor"] in {"-", "buyer", "seller", "arrival", "approver"}, row
    for row in load_tsv(lang_file(lang, "order_blockers.tsv")):
        assert row["kind"] in {"loss", "combat", "negation", "request", "use"}, row
    assert {r["kind"] for r in load_tsv(lang_file(lang, "order_clause_words.tsv"))} <= {"rel", "conj", "incl"}
    ellipsis = {r["kind"] for r in load_tsv(lang_file(lang, "order_ellipsis.tsv"))}
    assert ellipsis <= {"one", "more", "ordinal", "of", "verb", "def"}
    roles = {r["role"] for r in load_tsv(lang_file(lang, "order_prepositions.tsv"))}
    assert roles <= {"seller", "buyer", "agent", "beneficiary", "counterpart", "origin", "source"}


def test_makers_have_valid_codes() -> None:
    for row in load_tsv("weapons_makers.tsv"):
        assert pycountry.countries.get(alpha_2=row["code"]) is not None, row


def test_alias_variants() -> None:
    assert set(alias_variants("Leopard 2")) >= {"Leopard 2", "Leopard-2", "Leopard2"}
    assert "Himars" in alias_variants("HIMARS")
    assert "Iris-T SLM" in alias_variants("IRIS-T SLM")


# ---- finding systems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "system"),
    [
        ("Tomahawk-Marschflugkörper", "de", "Tomahawk"),
        ("Patriot-Raketenabwehrsysteme", "de", "Patriot"),
        ("F-35-Kampfjets", "de", "F-35"),
        ("Leopard-2-Panzer", "de", "Leopard 2"),
        ("Leopard-2A8", "de", "Leopard 2"),
        ("Leopard 2A8", "de", "Leopard 2"),
        ("Leopard-Panzer", "de", "Leopard 2"),
        ("Abrams tanks", "en", "Abrams"),
        ("F-35A", "en", "F-35"),
        ("IRIS-T-SLM-Systeme", "de", "IRIS-T SLM"),
        ("Typ-212CD-U-Boote", "de", "U212CD"),
        ("155-mm-Munition", "de", "155mm ammunition"),
        ("Taurus-Lieferung", "de", "Taurus"),
        ("Eurofightern", "de", "Eurofighter"),
        ("Tomahawks", "en", "Tomahawk"),
        ("Himars-Raketenwerfer", "de", "HIMARS"),
        ("Rafale-M", "de", "Rafale"),
    ],
)
def test_find_systems_handles_compounds_and_variants(text: str, lang: str, system: str) -> None:
    found = find_systems(text, lang)
    assert [m.system.name for m in found] == [system]


def test_find_systems_offset_shifts_mentions() -> None:
    """A sentence's mentions built where they stand in the Doc equal the shifted ones,
    also for one mention in two aliases ("AH-64E Apache")."""
    from dataclasses import replace

    text = "Polen bestellt 96 AH-64E Apache und 400 Tomahawk-Marschflugkörper."
    found = find_systems(text, "de")
    assert len(found) == 2
    shifted = [replace(m, start=m.start + 17, end=m.end + 17) for m in found]
    assert find_systems(text, "de", 17) == shifted


@pytest.mark.parametrize(
    "text", ["F-35-Programm", "Taurus-Debatte", "Patriot-Hersteller", "Tigerente", "Leopardenfell"]
)
def test_compound_with_unlicensed_tail_is_no_system(text: str) -> None:
    assert find_systems(text, "de") == []


def test_category_nouns_cover_german_heads() -> None:
    from pipeline.weapons import is_category_noun

    lex = lexicon("de")
    for word in ("Kampfjets", "Raketenabwehrsysteme", "U-Boote", "Haubitzen", "Fregatten", "Drohnen"):
        assert is_category_noun(word.split("-")[-1], lex), word
    assert not is_category_noun("Programm", lex)


# ---- corpus tables -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_corpus_files_are_well_formed(lang: str) -> None:
    data = _corpus(lang)
    assert data["cases"] and data["negatives"]
    for case in data["cases"]:
        assert set(KEYS) <= set(case["expect"]), case
        assert case["sentences"], case


def _check(expect: dict[str, Any], sentence: str, lang: str) -> None:
    found = [_as_dict(o) for o in orders(sentence, lang)]
    assert len(found) == 1, (sentence, found)
    got = found[0]
    for key in (*KEYS, *OPTIONAL_KEYS):
        if key in expect:
            assert got[key] == expect[key], (sentence, key, got)
    assert got["evidence"]["quote"] and got["as_of"] == "2024-04-10"
    assert got["rule"].startswith("weapons.")


@pytest.mark.parametrize(("expect", "sentence"), _cases("de"))
def test_de_corpus(expect: dict[str, Any], sentence: str) -> None:
    _check(expect, sentence, "de")


@pytest.mark.parametrize(("expect", "sentence"), _cases("en"))
def test_en_corpus(expect: dict[str, Any], sentence: str) -> None:
    _check(expect, sentence, "en")


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [(s, "de") for s in _corpus("de")["negatives"]] + [(s, "en") for s in _corpus("en")["negatives"]],
)
def test_negatives_yield_no_order(sentence: str, lang: str) -> None:
    assert orders(sentence, lang) == []


# ---- single rules --------------------------------------------------------------------------


def test_identifier_is_never_a_quantity() -> None:
    (order,) = orders("Deutschland kauft F-35-Kampfjets.", "de")
    assert order.quantity is None


def test_continuation_sentence_shares_the_previous_deal() -> None:
    text = (
        "Die USA haben den Verkauf von 82 HIMARS-Raketenwerfern an Taiwan genehmigt. "
        "Hinzu kommen 60 Panzerhaubitzen vom Typ M109A7 sowie Panzerabwehrraketen vom Typ Javelin."
    )
    got = {(o.system, o.buyer, o.seller, o.quantity, o.status.value) for o in orders(text, "de")}
    assert got == {
        ("HIMARS", "TW", "US", 82, "sold"),
        ("M109A7", "TW", "US", 60, "sold"),
        ("Javelin", "TW", "US", None, "sold"),
    }


def test_coordinated_sellers_give_one_order_each() -> None:
    text = "The transfer of F-16 fighter jets from Denmark and the Netherlands to Ukraine is under way."
    got = {(o.buyer, o.seller, o.system) for o in orders(text, "en")}
    assert got == {("UA", "DK", "F-16"), ("UA", "NL", "F-16")}


def test_repeated_deal_is_reported_once() -> None:
    text = (
        "Japan hat 400 Tomahawk-Marschflugkörper aus den USA bestellt. "
        "Die Tomahawk-Marschflugkörper hat Japan in den USA bestellt, sagte der Minister."
    )
    assert len(orders(text, "de")) == 1


def test_boilerplate_is_skipped() -> None:
    nlp = cached_nlp("de")
    text = "Anzeige: Polen hat 250 Abrams-Panzer bestellt."
    doc = nlp(make_doc(nlp, text, doc_id="t", boilerplate=((0, len(text)),)))
    assert doc._.weapons_orders == []


# ---- seed articles -------------------------------------------------------------------------


def _matches(order: WeaponsOrder, gold: dict[str, Any]) -> bool:
    return all(getattr(order, key) == gold.get(key) for key in ("buyer", "seller", "system", "quantity"))


def test_seed_articles_yield_the_gold_orders_and_nothing_else(seeds: Path) -> None:
    from pipeline.ingest import ingest_file
    from pipeline.runner import article_doc

    for gold_path in sorted(seeds.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if not isinstance(gold, dict) or "weapons_orders" not in gold:
            continue
        article = ingest_file(seeds / f"{gold['doc']}.txt", seeds)
        assert article.ok and article.document.lang is not None
        nlp = cached_nlp(article.document.lang.value)
        doc = nlp(article_doc(nlp, article))
        found: list[WeaponsOrder] = doc._.weapons_orders
        required = gold["weapons_orders"]
        optional = gold.get("optional", {}).get("weapons_orders", [])
        for entry in required:
            hits = [o for o in found if _matches(o, entry)]
            assert hits, (gold["doc"], entry, found)
            assert hits[0].status.value == entry["status"]
        spurious = [o for o in found if not any(_matches(o, g) for g in [*required, *optional])]
        assert spurious == [], gold["doc"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            "Bislang hat Deutschland zwei Patriot-Systeme an die Ukraine geliefert, "
            "ein drittes hatte der Kanzler im April zugesagt.",
            "de",
            {("Patriot", "UA", "DE", 2, "delivered"), ("Patriot", "UA", "DE", 1, "planned")},
        ),
        (
            "Die Ukraine hat drei Feuereinheiten des IRIS-T SLM erhalten, die erste im Oktober 2022. "
            "Eine weitere solle bis Ende des Monats übergeben werden.",
            "de",
            {("IRIS-T SLM", "UA", "DE", 3, "delivered"), ("IRIS-T SLM", "UA", "DE", 1, "planned")},
        ),
        (
            "The transfer of F-16 jets from the Netherlands to Ukraine is under way. "
            "Denmark has pledged 19 of the aircraft.",
            "en",
            {("F-16", "UA", "NL", None, "delivered"), ("F-16", "UA", "DK", 19, "planned")},
        ),
        (
            "Germany has delivered two Patriot systems to Ukraine. Another will be delivered in June.",
            "en",
            {("Patriot", "UA", "DE", 2, "delivered"), ("Patriot", "UA", "DE", 1, "planned")},
        ),
        (
            "Polen hat 250 Abrams bestellt. Eine weitere Bestellung ist nicht geplant.",
            "de",
            {("Abrams", "PL", "US", 250, "ordered")},
        ),
    ],
)
def test_elliptic_follow_up_counts_more_of_the_system_before(
    text: str, lang: str, expected: set[tuple[str, str, str, int | None, str]]
) -> None:
    got = {(o.system, o.buyer, o.seller, o.quantity, o.status.value) for o in orders(text, lang)}
    assert got == expected


def test_anaphor_points_back_to_the_last_system_of_a_fitting_kind() -> None:
    text = (
        "Polen hat den Kampfpanzer K2 und die Panzerhaubitze K9 getestet. "
        "Von den 180 Kampfpanzern, die Warschau 2022 in Südkorea bestellt hatte, sind 40 eingetroffen."
    )
    got = {(o.system, o.buyer, o.seller, o.quantity, o.status.value, o.rule) for o in orders(text, "de")}
    assert got == {("K2", "PL", "KR", 180, "ordered", "weapons.anaphor")}


def test_anaphor_reaches_only_a_few_sentences_back() -> None:
    text = (
        "The F-35 is a stealth fighter. It was designed in Texas. It flies fast. It is expensive. "
        "Canada ordered 12 of the jets."
    )
    assert orders(text, "en") == []


def test_a_stated_seller_beats_an_inferred_one_for_the_same_deal() -> None:
    text = (
        "Die Luftwaffe hat das Raketenabwehrsystem Arrow 3 in Deutschland in Dienst gestellt. "
        "Die Bundesregierung hatte Arrow 3 2023 bei Israel bestellt."
    )
    (order,) = orders(text, "de")
    got = (order.buyer, order.seller, order.status.value, order.seller_inferred)
    assert got == ("DE", "IL", "ordered", False)


def test_partitive_follow_up_counts_the_system_before() -> None:
    text = (
        "Die Ukraine bekommt den Kampfjet F-16. Die Niederlande haben bisher 24 der Maschinen zugesagt. "
        "Die ersten zehn Piloten werden in den USA ausgebildet."
    )
    got = {(o.system, o.buyer, o.seller, o.quantity, o.status.value) for o in orders(text, "de")}
    assert got == {("F-16", "UA", "US", None, "delivered"), ("F-16", "UA", "NL", 24, "planned")}


# ---- the speed-ups keep what they replace --------------------------------------------------


@pytest.mark.parametrize("lang", ["de", "en"])
def test_cue_index_finds_what_testing_every_cue_finds(lang: str) -> None:
    from pipeline.weapons import _endings, _table_cues

    lex = lexicon(lang)

    def naive(word: str, lemma: str, cues: tuple[Any, ...]) -> list[Any]:
        lower, lemma = word.lower(), lemma.lower()
        found = [
            c
            for c in cues
            if (c.match == "lemma" and lemma == c.form)
            or (c.match == "word" and lower == c.form)
            or (
                c.match not in ("lemma", "word", "separable")
                and any(lower.endswith(c.form + e) for e in _endings(lang))
            )
        ]
        return sorted(found, key=lambda c: (c.match == "suffix", -len(c.form)))

    forms = {c.form for c in (*lex.triggers, *lex.blockers)}
    words = {w for f in forms for w in (f, f + "en", f + "s", "waffen" + f, f[1:], f.capitalize(), f + "x")}
    for word in sorted(words):
        for lemma in (word, "kaufen", "buy"):
            assert list(_table_cues(word, lemma, lang, "triggers")) == naive(word, lemma, lex.triggers), word
            assert list(_table_cues(word, lemma, lang, "blockers")) == naive(word, lemma, lex.blockers), word
