"""The record types: the one contract every stage, writer and outside check reads.

Records are frozen and forbid unknown fields, so a typo in a stage fails loudly
instead of silently dropping a value. Collections are tuples because Pydantic's
``frozen`` is shallow. ``schemas/`` is generated from this module
(``python -m pipeline.schemas``); a test fails when it drifts.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: ISO 3166-1 alpha-2, or one of the few organisations that field forces or budgets.
CountryCode = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{2}|NATO|EU|UN)$")]
#: ISO 4217 currency code, or ``percent_gdp`` for shares of gross domestic product.
BudgetUnit = Annotated[str, StringConstraints(pattern=r"^(?:[A-Z]{3}|percent_gdp)$")]
Number = int | float


class Lang(StrEnum):
    DE = "de"
    EN = "en"


class DocStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"


class Qualifier(StrEnum):
    """How a stated figure relates to the true one (see GOLD.md)."""

    EXACT = "exact"
    APPROX = "approx"
    MORE_THAN = "more_than"
    AT_LEAST = "at_least"
    LESS_THAN = "less_than"
    AT_MOST = "at_most"
    RANGE = "range"


class NumberKind(StrEnum):
    QUANTITY = "quantity"
    VAGUE = "vague"  # "Hunderte", "Tausende": an order of magnitude, not a count
    IDENTIFIER = "identifier"  # "F-35", "Leopard 2": part of a name, never a quantity


class DateKind(StrEnum):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    DURATION = "duration"  # "seit 60 Jahren": no calendar anchor, left out of dates.csv


class Granularity(StrEnum):
    YEAR = "year"
    SEASON = "season"
    QUARTER = "quarter"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    MINUTE = "minute"


class DateMod(StrEnum):
    """TIMEX3 modifiers: where in the period, or which side of it."""

    START = "START"
    MID = "MID"
    END = "END"
    BEFORE = "BEFORE"
    AFTER = "AFTER"


class Modality(StrEnum):
    ACTUAL = "actual"
    PLANNED = "planned"
    PROPOSED = "proposed"


class OrderStatus(StrEnum):
    ORDERED = "ordered"
    PLANNED = "planned"
    DELIVERED = "delivered"
    SOLD = "sold"
    FINANCED = "financed"


class BudgetStatus(StrEnum):
    ACTUAL = "actual"
    TARGET = "target"
    PLANNED = "planned"
    PROPOSED = "proposed"


class BudgetMeasure(StrEnum):
    DEFENSE_BUDGET = "defense_budget"
    DEFENSE_SPENDING = "defense_spending"
    SPECIAL_FUND = "special_fund"
    PROCUREMENT = "procurement"
    MILITARY_AID = "military_aid"
    MULTI_YEAR_PLAN = "multi_year_plan"


class WeaponCategory(StrEnum):
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    AIR_DEFENSE_SYSTEM = "air_defense_system"
    ANTI_TANK_MISSILE = "anti_tank_missile"
    FIGHTER_JET = "fighter_jet"
    BOMBER = "bomber"
    TRANSPORT_AIRCRAFT = "transport_aircraft"
    PATROL_AIRCRAFT = "patrol_aircraft"
    HELICOPTER = "helicopter"
    DRONE = "drone"
    TANK = "tank"
    ARMORED_VEHICLE = "armored_vehicle"
    ARTILLERY = "artillery"
    ROCKET_ARTILLERY = "rocket_artillery"
    FRIGATE = "frigate"
    DESTROYER = "destroyer"
    CORVETTE = "corvette"
    SUBMARINE = "submarine"
    AIRCRAFT_CARRIER = "aircraft_carrier"
    MUNITION = "munition"
    RADAR = "radar"
    OTHER = "other"


class FactType(StrEnum):
    TROOPS = "troops"
    WEAPONS_ORDERS = "weapons_orders"
    BUDGETS = "budgets"


class ConflictKind(StrEnum):
    VALUE_MISMATCH = "value_mismatch"
    STATUS_MISMATCH = "status_mismatch"
    QUANTITY_MISMATCH = "quantity_mismatch"
    STATUS_CHANGE = "status_change"


class FactState(StrEnum):
    AGREED = "agreed"
    SINGLE_SOURCE = "single_source"
    CONFLICT = "conflict"


class Record(BaseModel):
    """Base of every record: immutable, strict about field names."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class Evidence(Record):
    """Where a record comes from: ``quote == text[start:end]`` of the document's plain text."""

    doc_id: str
    sentence: int = Field(ge=0, description="0-based sentence index in the document")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str

    @model_validator(mode="after")
    def _span_matches_quote(self) -> Evidence:
        if self.end < self.start or self.end - self.start != len(self.quote):
            raise ValueError(
                f"evidence span {self.start}:{self.end} does not fit quote of length {len(self.quote)}"
            )
        return self

    @classmethod
    def from_text(cls, doc_id: str, text: str, start: int, end: int, sentence: int) -> Evidence:
        """The only sanctioned way to build evidence: the quote is cut from the text itself."""
        return cls(doc_id=doc_id, sentence=sentence, start=start, end=end, quote=text[start:end])


class Document(Record):
    doc_id: str
    source_path: str
    lang: Lang | None = None
    published: date | datetime | None = None
    updated: date | datetime | None = None
    publisher: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    source_url: str | None = None
    status: DocStatus = DocStatus.OK
    error: str | None = None
    warnings: tuple[str, ...] = ()
    sentences: int = 0
    words: int = 0
    sha256: str | None = None


class NumberMention(Record):
    """A number as written, with the interval its qualifier implies (``find_numbers``)."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    value: Number
    unit: str | None = None  # None, "percent", an ISO 4217 code, or a unit word's canonical form
    qualifier: Qualifier = Qualifier.EXACT
    low: Number | None = None
    high: Number | None = None
    kind: NumberKind = NumberKind.QUANTITY
    rule: str = ""


class DateMention(Record):
    """A temporal expression. ``find_dates`` returns it without evidence; every one the
    pipeline emits carries evidence (with ``doc_id``)."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    value: str | None = None  # ISO 8601 / TIMEX3 at the text's granularity; None = unresolved
    kind: DateKind
    granularity: Granularity | None = None
    mod: DateMod | None = None
    rule: str = ""
    doc_id: str | None = None
    evidence: Evidence | None = None


class Person(Record):
    doc_id: str
    name: str
    aliases: tuple[str, ...] = ()
    role: str | None = None  # as written in the source language
    role_en: str | None = None  # normalised English role
    country: CountryCode | None = None
    mentions: int = Field(default=1, ge=1)
    rule: str = ""
    evidence: Evidence


class TroopCount(Record):
    doc_id: str
    force: CountryCode
    host: CountryCode | None = None
    count: int = Field(ge=0)
    qualifier: Qualifier = Qualifier.EXACT
    low: int | None = None
    high: int | None = None
    as_of: date | None = None
    modality: Modality = Modality.ACTUAL
    rule: str = ""
    evidence: Evidence


class WeaponsOrder(Record):
    doc_id: str
    buyer: CountryCode | None = None
    seller: CountryCode | None = None
    seller_inferred: bool = False  # seller taken from the system's maker, not the text
    system: str | None = None
    category: WeaponCategory | None = None
    quantity: int | None = Field(default=None, ge=0)
    status: OrderStatus
    as_of: date | None = None
    rule: str = ""
    evidence: Evidence


class BudgetFigure(Record):
    doc_id: str
    country: CountryCode | None = None
    measure: BudgetMeasure = BudgetMeasure.DEFENSE_BUDGET
    value: Number
    unit: BudgetUnit
    qualifier: Qualifier = Qualifier.EXACT
    status: BudgetStatus = BudgetStatus.ACTUAL
    year: int | None = None
    change: str | None = None  # "doubled", "increased", ... when the text says so
    as_of: date | None = None
    rule: str = ""
    evidence: Evidence


class Claim(Record):
    """One source's statement inside a conflict."""

    doc_id: str
    publisher: str | None = None
    as_of: date | None = None
    value: Number | None = None
    qualifier: Qualifier | None = None
    low: Number | None = None
    high: Number | None = None
    status: str | None = None
    year: int | None = None
    quote: str
    evidence: Evidence


class Conflict(Record):
    conflict_id: str
    fact: FactType
    subject: dict[str, str]  # the keys that say two claims are about the same thing
    kind: ConflictKind
    compatible: bool | None = None  # can both claims be true under their qualifiers?
    days_apart: int | None = None
    possibly_changed_over_time: bool = False
    explanation: str
    claims: tuple[Claim, ...]


class FactSummary(Record):
    """One row per fact subject: how many sources, what range, and whether they agree."""

    fact: FactType
    subject: dict[str, str]
    claims: int
    documents: int
    min_value: Number | None = None
    max_value: Number | None = None
    latest_doc_id: str | None = None
    latest_as_of: date | None = None
    latest_value: Number | None = None
    state: FactState


def dump(record: BaseModel) -> dict[str, Any]:
    """JSON-ready dict with a stable key order (field order) for deterministic output."""
    return record.model_dump(mode="json")


#: records.json keys, CSV file stems and record types, in output order.
RECORD_TYPES: dict[str, type[Record]] = {
    "documents": Document,
    "people": Person,
    "dates": DateMention,
    "troops": TroopCount,
    "weapons_orders": WeaponsOrder,
    "budgets": BudgetFigure,
    "conflicts": Conflict,
    "facts": FactSummary,
}

#: The kinds the reconciler compares, in the row order of its claims table.
CLAIM_KINDS = ("troops", "budgets", "weapons_orders")


class Records(Record):
    """Everything one run produced; ``records.json`` is this model's JSON."""

    documents: tuple[Document, ...] = ()
    people: tuple[Person, ...] = ()
    dates: tuple[DateMention, ...] = ()
    troops: tuple[TroopCount, ...] = ()
    weapons_orders: tuple[WeaponsOrder, ...] = ()
    budgets: tuple[BudgetFigure, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    facts: tuple[FactSummary, ...] = ()

    def to_frames(self) -> dict[str, Any]:
        """One pandas DataFrame per record type, with proper dtypes (see ``pipeline.export``)."""
        from .export import to_frames

        return to_frames(self)
