"""Reconciler: grouping, intervals, conflict kinds, time, ids, explanations, scale core."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.reconcile import (
    CLAIM_COLUMNS,
    Reconciled,
    claim_interval,
    claim_item,
    claims_frame,
    country_name,
    measure_family,
    order_kind,
    precision_step,
    reconcile,
    reconcile_frame,
    reconcile_items,
    synthetic_claims,
)
from pipeline.records import (
    BudgetFigure,
    BudgetMeasure,
    BudgetStatus,
    ConflictKind,
    Document,
    Evidence,
    FactState,
    FactType,
    Lang,
    Modality,
    OrderStatus,
    Qualifier,
    Records,
    TroopCount,
    WeaponsOrder,
)

# --------------------------------------------------------------------------- builders

R = TypeVar("R", TroopCount, BudgetFigure)


def doc(doc_id: str, published: date, publisher: str, lang: Lang = Lang.DE) -> Document:
    return Document(
        doc_id=doc_id, source_path=f"{doc_id}.txt", lang=lang, published=published, publisher=publisher
    )


def evidence(doc_id: str, text: str, quote: str, occurrence: int = 0) -> Evidence:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return Evidence.from_text(doc_id, text, start, start + len(quote), 0)


def troops(doc_id: str, text: str, quote: str, count: int, **kw: object) -> TroopCount:
    fields = {"force": "US", "host": "JP", **kw}
    return TroopCount(doc_id=doc_id, count=count, evidence=evidence(doc_id, text, quote), **fields)


def budget(doc_id: str, text: str, quote: str, value: float, **kw: object) -> BudgetFigure:
    fields = {"country": "JP", "unit": "percent_gdp", **kw}
    return BudgetFigure(doc_id=doc_id, value=value, evidence=evidence(doc_id, text, quote), **fields)


def order(
    doc_id: str, text: str, quote: str, quantity: int | None, status: OrderStatus, **kw: object
) -> WeaponsOrder:
    fields = {"buyer": "DE", "seller": "US", "system": "F-35", **kw}
    return WeaponsOrder(
        doc_id=doc_id,
        quantity=quantity,
        status=status,
        evidence=evidence(doc_id, text, quote),
        **fields,
    )


HB = doc("hb", date(2024, 4, 10), "Handelsblatt")
FT = doc("ft", date(2025, 3, 30), "Financial Times (German translation)")
HB_TEXT = (
    "Die Vereinigten Staaten haben mehr als 50.000 Soldaten in Japan stationiert. "
    "Tokio hat den Verteidigungsetat auf zwei Prozent des BIP verdoppelt."
)
FT_TEXT = (
    "Etwa 55.000 amerikanische Soldatinnen und Soldaten dienen auf Stützpunkten in Japan. "
    "Washington dringt darauf, dass Tokio über das Ziel von 2 Prozent des BIP bis 2027 hinausgeht."
)


def seed_like() -> Records:
    return Records(
        documents=(HB, FT),
        troops=(
            troops("hb", HB_TEXT, "mehr als 50.000 Soldaten", 50_000, qualifier=Qualifier.MORE_THAN),
            troops(
                "ft", FT_TEXT, "Etwa 55.000 amerikanische Soldatinnen", 55_000, qualifier=Qualifier.APPROX
            ),
        ),
        budgets=(
            budget("hb", HB_TEXT, "zwei Prozent des BIP", 2, measure=BudgetMeasure.DEFENSE_BUDGET),
            budget(
                "ft",
                FT_TEXT,
                "Ziel von 2 Prozent des BIP bis 2027",
                2,
                measure=BudgetMeasure.DEFENSE_SPENDING,
                status=BudgetStatus.TARGET,
                year=2027,
            ),
        ),
    )


def kinds(records: Records) -> list[tuple[str, str]]:
    conflicts, _ = reconcile(records)
    return [(c.fact.value, c.kind.value) for c in conflicts]


# --------------------------------------------------------------------------- the seed-like pair


def test_reconcile_items_reads_back_only_the_records_a_conflict_cites() -> None:
    records = seed_like()
    single = order("hb", HB_TEXT, "Die Vereinigten Staaten", None, OrderStatus.PLANNED)  # its own subject
    records = records.model_copy(update={"weapons_orders": (single,)})
    claimed: list[TroopCount | BudgetFigure | WeaponsOrder] = [
        *records.troops,
        *records.budgets,
        *records.weapons_orders,
    ]
    asked: list[int] = []

    def fetch(row: int) -> TroopCount | BudgetFigure | WeaponsOrder:
        asked.append(row)
        return claimed[row]

    conflicts, facts = reconcile_items([claim_item(r) for r in claimed], records.documents, fetch)
    assert (conflicts, facts) == reconcile(records)
    cited = {(c.doc_id, c.evidence.start) for conflict in conflicts for c in conflict.claims}
    assert {(claimed[row].doc_id, claimed[row].evidence.start) for row in asked} == cited
    assert len(conflicts) == 2 and claimed.index(single) not in asked  # uncited claims stay compact
    assert any(f.latest_doc_id == "hb" and f.fact is FactType.WEAPONS_ORDERS for f in facts)


def test_seed_like_troops_are_a_compatible_value_mismatch_354_days_apart() -> None:
    conflicts, _ = reconcile(seed_like())
    (c,) = [c for c in conflicts if c.fact is FactType.TROOPS]
    assert c.kind is ConflictKind.VALUE_MISMATCH
    assert c.subject == {"force": "US", "host": "JP"}
    assert c.compatible is True
    assert c.days_apart == 354
    assert c.possibly_changed_over_time is True
    assert [(x.doc_id, x.value, x.qualifier) for x in c.claims] == [
        ("hb", 50_000, Qualifier.MORE_THAN),
        ("ft", 55_000, Qualifier.APPROX),
    ]
    assert c.claims[0].low == 50_000 and c.claims[0].high is None  # [50,000, inf)
    assert (c.claims[1].low, c.claims[1].high) == (49_500, 60_500)
    assert c.claims[0].publisher == "Handelsblatt" and c.claims[0].as_of == date(2024, 4, 10)
    assert c.claims[0].quote == "mehr als 50.000 Soldaten"


def test_seed_like_explanation_text() -> None:
    conflicts, _ = reconcile(seed_like())
    (c,) = [c for c in conflicts if c.fact is FactType.TROOPS]
    assert c.explanation == (
        "Sources disagree on US troops in Japan: more than 50,000 (Handelsblatt, 2024-04-10) vs "
        "about 55,000 (Financial Times (German translation), 2025-03-30); compatible under their "
        "qualifiers; 354 days apart."
    )


def test_seed_like_budget_actual_vs_target_is_a_status_mismatch() -> None:
    conflicts, _ = reconcile(seed_like())
    (c,) = [c for c in conflicts if c.fact is FactType.BUDGETS]
    assert c.kind is ConflictKind.STATUS_MISMATCH
    assert c.subject == {"country": "JP", "unit": "percent_gdp", "measure": "defense"}
    assert [(x.doc_id, x.status, x.year) for x in c.claims] == [
        ("hb", "actual", None),
        ("ft", "target", 2027),
    ]
    assert c.days_apart == 354
    assert c.explanation == (
        "Sources disagree on the status of Japan's defense budget: 2% of GDP as actual "
        "(Handelsblatt, 2024-04-10) vs 2% of GDP as target for 2027 "
        "(Financial Times (German translation), 2025-03-30); 354 days apart."
    )


def test_seed_like_facts_summarise_each_subject() -> None:
    _, facts = reconcile(seed_like())
    by_fact = {f.fact: f for f in facts}
    t = by_fact[FactType.TROOPS]
    assert (t.claims, t.documents, t.min_value, t.max_value) == (2, 2, 50_000, 55_000)
    assert (t.latest_doc_id, t.latest_as_of, t.latest_value) == ("ft", date(2025, 3, 30), 55_000)
    assert t.state is FactState.CONFLICT
    assert by_fact[FactType.BUDGETS].state is FactState.CONFLICT


def test_seed_like_conflicts_are_found_by_the_gold_scorer(seeds: Path) -> None:
    """Same documents as the seed gold: the scorer finds both gold conflicts, no false ones."""
    from pipeline.evaluate import score_conflicts

    ids = {"hb": "000_67fdb0937d1453af", "ft": "002_39d861253e1aea32"}
    base = seed_like()

    def rename(record: R) -> R:
        new = ids[record.doc_id]
        ev = record.evidence.model_copy(update={"doc_id": new})
        return record.model_copy(update={"doc_id": new, "evidence": ev})

    records = Records(
        documents=tuple(d.model_copy(update={"doc_id": ids[d.doc_id]}) for d in base.documents),
        troops=tuple(rename(t) for t in base.troops),
        budgets=tuple(rename(b) for b in base.budgets),
    )
    conflicts, _ = reconcile(records)
    score = score_conflicts(
        records.model_copy(update={"conflicts": conflicts}), seeds / "conflicts.gold.json"
    )
    assert (score["gold"], score["found"], score["false"]) == (2, 2, [])


# --------------------------------------------------------------------------- agreement and grouping


def test_agreeing_german_and_english_claims_raise_nothing_and_count_as_agreed() -> None:
    de = (
        "Rund 50.000 US-Soldaten sind in Japan stationiert. "
        "Japan gibt zwei Prozent des BIP für Verteidigung aus."
    )
    en = "About 50,000 US troops are based in Japan. Japan spends 2% of GDP on defence."
    records = Records(
        documents=(doc("de1", date(2024, 5, 1), "FAZ"), doc("en1", date(2024, 5, 3), "Reuters", Lang.EN)),
        troops=(
            troops("de1", de, "Rund 50.000 US-Soldaten", 50_000, qualifier=Qualifier.APPROX),
            troops("en1", en, "About 50,000 US troops", 50_000, qualifier=Qualifier.APPROX),
        ),
        budgets=(
            budget("de1", de, "zwei Prozent des BIP", 2),
            budget("en1", en, "2% of GDP", 2, measure=BudgetMeasure.DEFENSE_SPENDING),
        ),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    assert [(f.fact, f.documents, f.state) for f in facts] == [
        (FactType.BUDGETS, 2, FactState.AGREED),
        (FactType.TROOPS, 2, FactState.AGREED),
    ]


def test_same_value_with_another_qualifier_is_no_conflict() -> None:
    de = "Mehr als 50.000 US-Soldaten sind in Japan."
    en = "Roughly 50,400 US troops are in Japan."
    records = Records(
        documents=(doc("de1", date(2024, 5, 1), "FAZ"), doc("en1", date(2024, 5, 3), "Reuters", Lang.EN)),
        troops=(
            troops("de1", de, "Mehr als 50.000 US-Soldaten", 50_000, qualifier=Qualifier.MORE_THAN),
            troops("en1", en, "Roughly 50,400 US troops", 50_400, qualifier=Qualifier.APPROX),
        ),
    )
    assert kinds(records) == []


def test_german_and_english_claims_about_one_subject_meet_in_one_group() -> None:
    de = "Rund 38.000 US-Soldaten sind in Deutschland stationiert."
    en = "About 35,000 American troops are stationed in Germany."
    records = Records(
        documents=(doc("de1", date(2024, 5, 1), "Spiegel"), doc("en1", date(2024, 5, 20), "AP", Lang.EN)),
        troops=(
            troops("de1", de, "Rund 38.000 US-Soldaten", 38_000, host="DE", qualifier=Qualifier.APPROX),
            troops("en1", en, "About 35,000 American troops", 35_000, host="DE", qualifier=Qualifier.APPROX),
        ),
    )
    conflicts, facts = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.VALUE_MISMATCH and c.compatible is True
    assert {x.doc_id for x in c.claims} == {"de1", "en1"}
    assert c.days_apart == 19 and c.possibly_changed_over_time is False
    assert "US troops in Germany" in c.explanation and "19 days apart" in c.explanation
    (f,) = facts
    assert (f.documents, f.state) == (2, FactState.CONFLICT)


def test_different_hosts_or_forces_are_never_grouped() -> None:
    text = (
        "Die USA haben 50.000 Soldaten in Japan, 35.000 in Deutschland; "
        "Großbritannien hat 20.000 in Deutschland."
    )
    records = Records(
        documents=(doc("a", date(2024, 1, 1), "Zeit"),),
        troops=(
            troops("a", text, "50.000 Soldaten in Japan", 50_000),
            troops("a", text, "35.000 in Deutschland", 35_000, host="DE"),
            troops("a", text, "20.000 in Deutschland", 20_000, force="GB", host="DE"),
        ),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    assert sorted((f.subject["force"], f.subject["host"]) for f in facts) == [
        ("GB", "DE"),
        ("US", "DE"),
        ("US", "JP"),
    ]
    assert all(f.state is FactState.SINGLE_SOURCE for f in facts)


def test_missing_subject_keys_are_never_grouped() -> None:
    text = "Die USA haben 50.000 Soldaten im Ausland. Die USA haben 60.000 Soldaten im Ausland."
    other = "Die USA haben 70.000 Soldaten im Ausland."
    records = Records(
        documents=(doc("a", date(2024, 1, 1), "Zeit"), doc("b", date(2024, 1, 2), "Welt")),
        troops=(
            troops("a", text, "50.000 Soldaten", 50_000, host=None),
            troops("a", text, "60.000 Soldaten", 60_000, host=None),
            troops("b", other, "70.000 Soldaten", 70_000, host=None),
        ),
        budgets=(budget("b", other, "70.000", 70_000, country=None, unit="EUR"),),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    assert len(facts) == 4 and all(f.state is FactState.SINGLE_SOURCE for f in facts)
    assert {f.subject.get("host") for f in facts if f.fact is FactType.TROOPS} == {None}


def test_a_correction_in_a_later_paragraph_conflicts_within_one_document() -> None:
    text = (
        "Zunächst war von 3.000 Bundeswehrsoldaten in Litauen die Rede. "
        "In einer früheren Version hieß es 3.000; richtig ist: 4.800 Soldaten sollen dort dienen."
    )
    records = Records(
        documents=(doc("a", date(2024, 6, 1), "Tagesschau"),),
        troops=(
            troops("a", text, "3.000 Bundeswehrsoldaten", 3_000, force="DE", host="LT"),
            troops("a", text, "4.800 Soldaten", 4_800, force="DE", host="LT"),
        ),
    )
    conflicts, facts = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.VALUE_MISMATCH and c.compatible is False and c.days_apart == 0
    assert c.explanation.startswith("One source contradicts itself on German troops in Lithuania: 3,000")
    assert facts[0].latest_value == 4_800  # the later paragraph is the latest claim


def test_duplicate_mentions_of_one_figure_in_one_document_count_once() -> None:
    text = "Mehr als 50.000 US-Soldaten sind in Japan. Noch einmal: mehr als 50.000 US-Soldaten."
    records = Records(
        documents=(doc("a", date(2024, 6, 1), "Tagesschau"),),
        troops=(
            troops("a", text, "mehr als 50.000 US-Soldaten", 50_000, qualifier=Qualifier.MORE_THAN),
            troops("a", text, "Mehr als 50.000 US-Soldaten", 50_000, qualifier=Qualifier.MORE_THAN),
        ),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    assert (facts[0].claims, facts[0].documents, facts[0].state) == (1, 1, FactState.SINGLE_SOURCE)


def test_troop_modality_planned_vs_actual_of_another_size_is_another_fact() -> None:
    de = "Derzeit sind 5.000 Soldaten in Litauen."
    en = "Germany plans to station 4,800 troops in Lithuania."
    records = Records(
        documents=(doc("a", date(2024, 6, 1), "Tagesschau"), doc("b", date(2024, 6, 3), "DW", Lang.EN)),
        troops=(
            troops("a", de, "5.000 Soldaten", 5_000, force="DE", host="LT"),
            troops("b", en, "4,800 troops", 4_800, force="DE", host="LT", modality=Modality.PLANNED),
        ),
    )
    assert kinds(records) == []


# --------------------------------------------------------------------------- budgets


def test_budget_years_statuses_and_measures_keep_different_facts_apart() -> None:
    de = (
        "2023 lagen die Ausgaben bei 1,6 Prozent des BIP. Ziel sind 3,5 Prozent bis 2030. "
        "Das Sondervermögen umfasst 100 Milliarden Euro, der Haushalt 52 Milliarden Euro."
    )
    en = (
        "In 2024 spending reached 2.1% of GDP. The 2030 target is 3.5%. "
        "The five-year plan totals 43 trillion yen."
    )
    records = Records(
        documents=(doc("a", date(2024, 6, 1), "Handelsblatt"), doc("b", date(2024, 7, 1), "Nikkei", Lang.EN)),
        budgets=(
            budget("a", de, "1,6 Prozent des BIP", 1.6, country="DE", year=2023),
            budget("b", en, "2.1% of GDP", 2.1, country="DE", year=2024),
            budget("a", de, "3,5 Prozent bis 2030", 3.5, country="DE", status=BudgetStatus.TARGET, year=2030),
            budget("b", en, "3.5%", 3.5, country="DE", status=BudgetStatus.TARGET, year=2030),
            budget(
                "a",
                de,
                "100 Milliarden Euro",
                100e9,
                country="DE",
                unit="EUR",
                measure=BudgetMeasure.SPECIAL_FUND,
            ),
            budget("a", de, "52 Milliarden Euro", 52e9, country="DE", unit="EUR"),
            budget("b", en, "43 trillion yen", 43e12, unit="JPY", measure=BudgetMeasure.MULTI_YEAR_PLAN),
        ),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    measures = sorted((f.subject["unit"], f.subject["measure"], f.claims) for f in facts)
    assert measures == [
        ("EUR", "defense", 1),
        ("EUR", "special_fund", 1),
        ("JPY", "multi_year_plan", 1),
        ("percent_gdp", "defense", 4),
    ]


def test_goals_with_and_without_a_horizon_are_different_goals() -> None:
    de = (
        "London will die Ausgaben bis 2027 auf 2,5 Prozent des BIP erhöhen; "
        "langfristig sollen es 3 Prozent sein."
    )
    en = "Britain has committed to spend 2.6% of GDP on defence by 2027."
    records = Records(
        documents=(
            doc("a", date(2025, 3, 3), "Handelsblatt"),
            doc("b", date(2025, 7, 28), "Reuters", Lang.EN),
        ),
        budgets=(
            budget("a", de, "2,5 Prozent des BIP", 2.5, country="GB", status=BudgetStatus.TARGET, year=2027),
            budget("a", de, "3 Prozent", 3, country="GB", status=BudgetStatus.TARGET),
            budget("b", en, "2.6% of GDP", 2.6, country="GB", status=BudgetStatus.TARGET, year=2027),
        ),
    )
    conflicts, _ = reconcile(records)
    # The 2027 goals disagree; the open-ended 3 % goal is another goal, not a contradiction.
    (c,) = conflicts
    assert c.kind is ConflictKind.VALUE_MISMATCH
    assert sorted(float(claim.value or 0) for claim in c.claims) == [2.5, 2.6]


def test_budget_values_of_the_same_year_disagree() -> None:
    de = "Der Wehretat 2025 beträgt 52 Milliarden Euro."
    en = "Germany's 2025 defence budget is about 62 billion euros."
    records = Records(
        documents=(
            doc("a", date(2025, 1, 10), "Handelsblatt"),
            doc("b", date(2025, 2, 1), "Reuters", Lang.EN),
        ),
        budgets=(
            budget("a", de, "52 Milliarden Euro", 52e9, country="DE", unit="EUR", year=2025),
            budget(
                "b",
                en,
                "about 62 billion euros",
                62e9,
                country="DE",
                unit="EUR",
                year=2025,
                qualifier=Qualifier.APPROX,
            ),
        ),
    )
    conflicts, _ = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.VALUE_MISMATCH and c.compatible is False
    assert c.explanation == (
        "Sources disagree on Germany's defense budget: EUR 52 billion for 2025 (Handelsblatt, 2025-01-10) "
        "vs about EUR 62 billion for 2025 (Reuters, 2025-02-01); incompatible under their qualifiers; "
        "22 days apart."
    )


def test_military_aid_packages_without_a_year_are_not_the_annual_total() -> None:
    de = "Die Ukraine-Hilfe des Bundes summiert sich 2024 auf rund 7,1 Milliarden Euro."
    en = (
        "Germany announced a new military aid package worth 1.13 billion euros. "
        "In 2024 aid totals 8 billion euros."
    )
    aid = {"country": "DE", "unit": "EUR", "measure": BudgetMeasure.MILITARY_AID}
    records = Records(
        documents=(
            doc("a", date(2024, 6, 11), "tagesschau.de"),
            doc("b", date(2024, 2, 17), "Reuters", Lang.EN),
        ),
        budgets=(
            budget("a", de, "rund 7,1 Milliarden Euro", 7.1e9, year=2024, qualifier=Qualifier.APPROX, **aid),
            budget("b", en, "1.13 billion euros", 1.13e9, **aid),
            budget("b", en, "8 billion euros", 8e9, year=2024, **aid),
        ),
    )
    conflicts, _ = reconcile(records)
    (c,) = conflicts  # 7.1 vs 8 billion for 2024; the undated package conflicts with neither
    assert c.kind is ConflictKind.VALUE_MISMATCH and {x.value for x in c.claims} == {7.1e9, 8e9}
    assert c.explanation.startswith(
        "Sources disagree on Germany's military aid: EUR 8 billion for 2024 (Reuters"
    )


# --------------------------------------------------------------------------- weapons orders


def test_status_moving_on_over_time_is_a_status_change_not_a_quantity_mismatch() -> None:
    de = "Deutschland plant den Kauf von 35 F-35-Kampfjets."
    en = "Germany has ordered 35 F-35 fighter jets from the United States."
    records = Records(
        documents=(doc("a", date(2022, 3, 14), "Spiegel"), doc("b", date(2023, 1, 10), "Reuters", Lang.EN)),
        weapons_orders=(
            order("a", de, "plant den Kauf von 35 F-35-Kampfjets", 35, OrderStatus.PLANNED),
            order("b", en, "ordered 35 F-35 fighter jets", 35, OrderStatus.ORDERED, system="f-35"),
        ),
    )
    conflicts, facts = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.STATUS_CHANGE
    assert [(x.status, x.as_of) for x in c.claims] == [
        ("planned", date(2022, 3, 14)),
        ("ordered", date(2023, 1, 10)),
    ]
    assert c.days_apart == 302 and c.possibly_changed_over_time is True
    assert c.subject == {"buyer": "DE", "seller": "US", "system": "F-35"}
    assert c.explanation == (
        "The status of F-35 for Germany from US moved on: 35 planned (Spiegel, 2022-03-14) "
        "then 35 ordered (Reuters, 2023-01-10); 302 days apart."
    )
    assert facts[0].state is FactState.AGREED  # a status change is not a disagreement


def test_a_second_contract_is_a_separate_order() -> None:
    first = "Deutschland hat 35 F-35 bestellt."
    second = "Deutschland bestellt weitere 15 F-35."
    records = Records(
        documents=(doc("a", date(2025, 1, 10), "FAZ"), doc("b", date(2025, 3, 1), "Welt")),
        weapons_orders=(
            order("a", first, "35 F-35 bestellt", 35, OrderStatus.ORDERED),
            order("b", second, "bestellt weitere 15 F-35", 15, OrderStatus.ORDERED),
        ),
    )
    assert kinds(records) == []


def test_orders_far_apart_in_time_are_separate_orders() -> None:
    first = "Deutschland hat 35 F-35 bestellt."
    later = "Germany ordered 20 F-35 jets."
    records = Records(
        documents=(doc("a", date(2022, 12, 1), "FAZ"), doc("b", date(2025, 3, 1), "Reuters", Lang.EN)),
        weapons_orders=(
            order("a", first, "35 F-35 bestellt", 35, OrderStatus.ORDERED),
            order("b", later, "ordered 20 F-35 jets", 20, OrderStatus.ORDERED),
        ),
    )
    assert kinds(records) == []


def test_same_order_with_different_quantities_from_two_sources_is_a_quantity_mismatch() -> None:
    de = "Tokio kauft in Washington 400 Marschflugkörper vom Typ Tomahawk."
    en = "The US sold 500 Tomahawk missiles to Japan."
    records = Records(
        documents=(
            doc("a", date(2024, 4, 10), "Handelsblatt"),
            doc("b", date(2024, 5, 1), "Reuters", Lang.EN),
        ),
        weapons_orders=(
            order(
                "a",
                de,
                "kauft in Washington 400 Marschflugkörper vom Typ Tomahawk",
                400,
                OrderStatus.ORDERED,
                buyer="JP",
                system="Tomahawk",
            ),
            order(
                "b",
                en,
                "sold 500 Tomahawk missiles to Japan",
                500,
                OrderStatus.SOLD,
                buyer="JP",
                system="Tomahawk",
            ),
        ),
    )
    conflicts, _ = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.QUANTITY_MISMATCH and c.compatible is False
    assert c.days_apart == 21 and c.possibly_changed_over_time is False
    assert c.explanation == (
        "Sources disagree on the quantity of Tomahawk for Japan from US: 400 (Handelsblatt, 2024-04-10) "
        "vs 500 (Reuters, 2024-05-01); 21 days apart."
    )


def test_unknown_quantity_or_one_document_gives_no_quantity_mismatch() -> None:
    de = "Japan hat Tomahawk bestellt, zunächst 200, dann 400 Tomahawk."
    en = "Japan ordered Tomahawk missiles."
    records = Records(
        documents=(doc("a", date(2024, 4, 10), "Handelsblatt"), doc("b", date(2024, 4, 12), "AP", Lang.EN)),
        weapons_orders=(
            order("a", de, "zunächst 200", 200, OrderStatus.ORDERED, buyer="JP", system="Tomahawk"),
            order("a", de, "dann 400 Tomahawk", 400, OrderStatus.ORDERED, buyer="JP", system="Tomahawk"),
            order(
                "b", en, "ordered Tomahawk missiles", None, OrderStatus.ORDERED, buyer="JP", system="Tomahawk"
            ),
        ),
    )
    assert kinds(records) == []


def test_two_sources_giving_different_stages_on_the_same_day_are_a_status_mismatch() -> None:
    de = "Polen hat 96 Apache bestellt."
    en = "Poland plans to buy 96 Apache helicopters."
    records = Records(
        documents=(doc("a", date(2024, 8, 1), "FAZ"), doc("b", date(2024, 8, 1), "Reuters", Lang.EN)),
        weapons_orders=(
            order("a", de, "96 Apache bestellt", 96, OrderStatus.ORDERED, buyer="PL", system="Apache"),
            order("b", en, "plans to buy 96 Apache", 96, OrderStatus.PLANNED, buyer="PL", system="Apache"),
        ),
    )
    conflicts, _ = reconcile(records)
    (c,) = conflicts
    assert c.kind is ConflictKind.STATUS_MISMATCH and c.days_apart == 0
    assert c.explanation.startswith("Sources disagree on the status of Apache for Poland from US:")


def test_order_kind_markers() -> None:
    assert order_kind("bestellt weitere 15 F-35") == "additional"
    assert order_kind("ordered another 12 jets") == "additional"
    assert order_kind("sold second-hand Leopard tanks") == "used"
    assert order_kind("gebrauchte Panzer geliefert") == "used"
    assert order_kind("Japan hat 400 Tomahawk bestellt") == ""


# --------------------------------------------------------------------------- small functions


def test_intervals_follow_the_qualifier() -> None:
    assert claim_interval(50_000, "more_than") == (50_000, math.inf)
    assert claim_interval(55_000, "approx") == pytest.approx((49_500, 60_500))
    assert claim_interval(55_000, "approx", tolerance=0.2) == pytest.approx((44_000, 66_000))
    assert claim_interval(50_000, "exact") == (49_500, 50_500)
    assert claim_interval(400, "at_most") == (0, 400)
    assert claim_interval(45_000, "range", low=40_000, high=50_000) == (40_000, 50_000)
    assert claim_interval(2.5, "exact") == pytest.approx((2.45, 2.55))


def test_precision_step_reads_two_significant_digits_at_most() -> None:
    assert list(precision_step([50_000, 55_000, 400, 35, 2, 2.5, 100e9, 12_345])) == pytest.approx(
        [1_000, 1_000, 10, 1, 0.1, 0.1, 1e10, 1]
    )


def test_measure_family_and_country_names() -> None:
    assert measure_family("defense_budget") == measure_family("defense_spending") == "defense"
    assert measure_family(BudgetMeasure.MULTI_YEAR_PLAN) == "multi_year_plan"
    assert [country_name(c) for c in ("US", "JP", "KR", "GB", "DE", "NATO")] == [
        "US",
        "Japan",
        "South Korea",
        "UK",
        "Germany",
        "NATO",
    ]
    assert country_name("EE") == "Estonia"  # pycountry fallback
    assert country_name("XX") == "XX"


def test_conflict_ids_are_short_stable_hex_and_output_is_sorted() -> None:
    conflicts, facts = reconcile(seed_like())
    assert all(len(c.conflict_id) == 16 and int(c.conflict_id, 16) >= 0 for c in conflicts)
    assert len({c.conflict_id for c in conflicts}) == len(conflicts)
    assert [c.fact.value for c in conflicts] == sorted(c.fact.value for c in conflicts)
    assert reconcile(seed_like()) == (conflicts, facts)


def test_thresholds_are_configurable() -> None:
    conflicts, _ = reconcile(seed_like(), changed_after_days=400)
    assert all(c.possibly_changed_over_time is False for c in conflicts)
    conflicts, _ = reconcile(seed_like(), approx_tolerance=0.05)  # 55,000 ± 5 % still overlaps
    assert next(c for c in conflicts if c.fact is FactType.TROOPS).compatible is True


def test_empty_run() -> None:
    assert reconcile(Records()) == ((), ())


# --------------------------------------------------------------------------- properties


def mixed() -> Records:
    """Several subjects, both languages, every conflict kind."""
    weapons_de = "Deutschland plant den Kauf von 35 F-35. Japan hat 400 Tomahawk bestellt."
    weapons_en = "Germany ordered 35 F-35 jets. The US sold 500 Tomahawk missiles to Japan."
    base = seed_like()
    extra_de = "Rund 38.000 US-Soldaten sind in Deutschland."
    extra_en = "About 35,000 US troops are in Germany."
    return Records(
        documents=(
            *base.documents,
            doc("w1", date(2024, 4, 1), "Spiegel"),
            doc("w2", date(2024, 4, 20), "Reuters", Lang.EN),
        ),
        troops=(
            *base.troops,
            troops("w1", extra_de, "Rund 38.000 US-Soldaten", 38_000, host="DE", qualifier=Qualifier.APPROX),
            troops("w2", extra_en, "About 35,000 US troops", 35_000, host="DE", qualifier=Qualifier.APPROX),
            troops("w2", extra_en, "About 35,000 US troops", 35_000, host=None, qualifier=Qualifier.APPROX),
        ),
        budgets=base.budgets,
        weapons_orders=(
            order("w1", weapons_de, "plant den Kauf von 35 F-35", 35, OrderStatus.PLANNED),
            order("w2", weapons_en, "ordered 35 F-35 jets", 35, OrderStatus.ORDERED),
            order(
                "w1",
                weapons_de,
                "400 Tomahawk bestellt",
                400,
                OrderStatus.ORDERED,
                buyer="JP",
                system="Tomahawk",
            ),
            order(
                "w2",
                weapons_en,
                "sold 500 Tomahawk missiles",
                500,
                OrderStatus.SOLD,
                buyer="JP",
                system="Tomahawk",
            ),
        ),
    )


def test_mixed_run_has_every_kind() -> None:
    assert sorted(kinds(mixed())) == [
        ("budgets", "status_mismatch"),
        ("troops", "value_mismatch"),
        ("troops", "value_mismatch"),
        ("weapons_orders", "quantity_mismatch"),
        ("weapons_orders", "status_change"),
    ]


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_same_conflicts_ids_and_facts(rnd: random.Random) -> None:
    records = mixed()
    expected = reconcile(records)
    shuffled = records.model_copy(
        update={
            name: tuple(rnd.sample(list(getattr(records, name)), len(getattr(records, name))))
            for name in ("documents", "troops", "budgets", "weapons_orders")
        }
    )
    assert reconcile(shuffled) == expected


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_a_duplicated_record_never_conflicts_with_itself(data: st.DataObject) -> None:
    records = mixed()
    expected_conflicts, _ = reconcile(records)
    name = data.draw(st.sampled_from(["troops", "budgets", "weapons_orders"]))
    pool = list(getattr(records, name))
    record = data.draw(st.sampled_from(pool))
    alone = Records(documents=records.documents, **{name: (record, record)})
    assert reconcile(alone)[0] == ()
    doubled = records.model_copy(update={name: (*pool, record)})
    assert reconcile(doubled)[0] == expected_conflicts


@settings(max_examples=30, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=200_000),
    qualifier=st.sampled_from(list(Qualifier)),
    status=st.sampled_from(list(BudgetStatus)),
    year=st.none() | st.integers(2020, 2030),
)
def test_one_claim_repeated_across_documents_never_conflicts(
    count: int, qualifier: Qualifier, status: BudgetStatus, year: int | None
) -> None:
    text = f"Die Zahl lautet {count}."
    quote = str(count)
    records = Records(
        documents=(doc("a", date(2024, 1, 1), "A"), doc("b", date(2025, 1, 1), "B")),
        troops=tuple(troops(d, text, quote, count, qualifier=qualifier) for d in ("a", "b")),
        budgets=tuple(budget(d, text, quote, count, status=status, year=year) for d in ("a", "b")),
    )
    conflicts, facts = reconcile(records)
    assert conflicts == ()
    assert all(f.state is FactState.AGREED for f in facts)


# --------------------------------------------------------------------------- the vectorised core


def test_claims_frame_has_the_documented_columns() -> None:
    frame = claims_frame(mixed())
    assert tuple(frame.columns) == CLAIM_COLUMNS
    assert set(frame["fact"]) == {"troops", "budgets", "weapons_orders"}
    assert frame["subject"].isna().sum() == 1  # the troop count without host


def test_synthetic_claims_reconcile_deterministically_and_order_independently() -> None:
    claims = synthetic_claims(5_000, seed=3)
    assert set(CLAIM_COLUMNS) <= set(claims.columns) and len(claims) == 5_000
    first = reconcile_frame(claims)
    again = reconcile_frame(synthetic_claims(5_000, seed=3))
    assert first.conflicts.equals(again.conflicts)
    assert set(first.conflicts["kind"]) == {k.value for k in ConflictKind}
    shuffled = reconcile_frame(claims.sample(frac=1.0, random_state=7))

    def signature(result: Reconciled) -> list[tuple[object, ...]]:
        c = result.conflicts
        return sorted(zip(c["subject"], c["kind"], c["days_apart"], c["compatible"].astype(str), strict=True))

    assert signature(shuffled) == signature(first)
    facts = first.facts
    assert facts["claims"].sum() == len(first.claims)
    assert set(facts["state"]) == {s.value for s in FactState}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-3, 3),
            st.sampled_from([0.5, 2.0, -math.inf, 1e18, 7.0]),
            st.integers(0, 2**40),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_packed_sort_order_equals_lexsort(rows: list[tuple[int, float, int]]) -> None:
    import numpy as np

    from pipeline.reconcile import _order

    keys = [np.array([r[i] for r in rows]) for i in range(3)]
    expected = np.lexsort(tuple(reversed(keys)))
    assert _order(keys).tolist() == expected.tolist()


def test_many_agreeing_sources_make_one_conflict_with_a_short_explanation() -> None:
    texts = {f"n{i}": f"Rund {50 + (i == 5) * 5}.000 US-Soldaten sind in Japan." for i in range(6)}
    records = Records(
        documents=tuple(doc(d, date(2024, 3, 1 + i), f"Zeitung {i}") for i, d in enumerate(texts)),
        troops=tuple(
            troops(d, t, t[: t.index(" sind")], 55_000 if d == "n5" else 50_000, qualifier=Qualifier.APPROX)
            for d, t in texts.items()
        ),
    )
    conflicts, facts = reconcile(records)
    (c,) = conflicts  # five agreeing sources vs one: one conflict, not five
    assert len(c.claims) == 6 and c.days_apart == 1
    assert (
        "(Zeitung 0, 2024-03-01; Zeitung 1, 2024-03-02; Zeitung 2, 2024-03-03; and 2 more)" in c.explanation
    )
    assert (facts[0].claims, facts[0].documents) == (6, 6)


@pytest.mark.parametrize("n", [0, 1, 2, 50])
def test_reconcile_frame_handles_tiny_and_subjectless_tables(n: int) -> None:
    result = reconcile_frame(synthetic_claims(n, seed=1))
    assert len(result.facts) <= len(result.claims) <= n
    lone = synthetic_claims(n, seed=1).assign(subject=None)
    assert reconcile_frame(lone).conflicts.empty
