"""Cross-source reconciler: which claims of a run are about the same fact, and where they disagree.

A pure module (no spaCy). ``reconcile(records)`` turns troop counts, budget figures and
weapons orders of any number of documents (German and English alike) into claims,
groups them by fact and subject, and returns the conflicts and one summary per subject.
The vectorised core is ``reconcile_frame`` over a pandas table of claims; ``reconcile``
only builds that table and turns the (few) conflicts it finds into records.

Subjects (a claim is compared only with claims of the same subject):

- troops: ``(force, host)``;
- budgets: ``(country, unit, measure family)``; ``defense_budget`` and
  ``defense_spending`` are one family ``defense``, every other measure its own;
- weapons orders: ``(buyer, seller, system)``, system compared case- and
  hyphen-insensitively.

A record with a missing subject key (host, country, buyer, seller or system None) is
its own subject: never compared, reported as ``single_source``.

Intervals (what a figure allows under its qualifier): ``exact`` is the value plus or
minus half its written precision, read as at least two significant digits
(50,000 -> 49,500..50,500; 2 -> 1.95..2.05; 2.5 -> 2.45..2.55); ``approx`` widens that
to ``approx_tolerance`` (10 %); ``more_than``/``at_least`` is ``[v, inf)``,
``less_than``/``at_most`` is ``[0, v]``, ``range`` is ``[low, high]``.

Troops and budgets: claims of one subject are first collapsed to distinct *figures*
``(value, qualifier, status, year)``; only pairs of distinct figures are compared, so
a subject that a hundred sources agree on costs one row, not 5,000 pairs. Two figures
whose years are both given and differ are different facts; a missing year matches any
year, except for military aid, which comes in many packages, and except between two
forward-looking figures (target, planned, proposed), whose horizon is part of the goal
("3 % one day" and "2.5 % by 2027" are two goals). Otherwise:

- same value (``|a - b|`` below half the coarser rounding step), same status family ->
  agreement (qualifiers may differ: "more than 50,000" and "about 50,000" agree);
- same value, different status family (actual vs target/planned/proposed) ->
  ``status_mismatch``;
- different values, same status family -> ``value_mismatch`` with ``compatible`` telling
  whether the two intervals still overlap;
- different values and status families -> different facts, nothing raised.

Weapons orders: one subject may hold several true orders. ``quantity_mismatch`` is raised
only between two known quantities of the same status family (planned / ordered, sold,
financed / delivered) from different documents within ``changed_after_days`` of each
other, never between a new and a used-stock order, and never for a quote marked as a
further order ("weitere", "another": ``data/reconcile_order_markers.tsv``). When the
first report of a later stage comes after the first report of an earlier one, the
subject gets one ``status_change`` with both dates; two documents giving different
stages on the same day are a ``status_mismatch``.

Every conflict carries ``days_apart`` (the gap between the two sides' dates, 0 when
they overlap) and ``possibly_changed_over_time`` when that gap exceeds
``changed_after_days``. Duplicate mentions of one figure in one document count once;
two figures of one document can conflict (a correction further down). ``conflict_id`` is
a sha256 prefix of fact, subject and the sorted claims (doc_id, start, end, value), so
it does not depend on input order. Facts: one summary per subject with its deduplicated
claims, documents, value range and latest claim (by as_of, then doc_id, then offset);
``conflict`` when any conflict but a ``status_change`` touches it, else ``agreed`` with
two or more documents, else ``single_source``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .lexicon import load_tsv
from .records import (
    CLAIM_KINDS,
    BudgetFigure,
    BudgetMeasure,
    Claim,
    Conflict,
    ConflictKind,
    Document,
    Evidence,
    FactState,
    FactSummary,
    FactType,
    Number,
    Qualifier,
    Records,
    TroopCount,
    WeaponsOrder,
)

__all__ = [
    "CLAIM_COLUMNS",
    "ClaimItem",
    "Reconciled",
    "claim_interval",
    "claim_item",
    "claims_frame",
    "conflict_id",
    "country_adjective",
    "country_name",
    "explain",
    "intervals",
    "measure_family",
    "order_kind",
    "precision_step",
    "reconcile",
    "reconcile_frame",
    "reconcile_items",
    "status_family",
    "synthetic_claims",
]

#: Columns of the claims table that ``reconcile_frame`` reads. ``subject`` is a
#: canonical key string (None: ungroupable), ``value`` is the count, amount or
#: quantity (NaN: unknown), ``as_of`` a date, ``year`` NaN when not given,
#: ``order_kind`` "", "additional" or "used" (weapons only), ``year_strict`` True where
#: a missing year must not match any year (military aid packages), ``row`` the caller's id.
CLAIM_COLUMNS = (
    "fact",
    "subject",
    "doc_id",
    "start",
    "end",
    "as_of",
    "value",
    "qualifier",
    "low",
    "high",
    "status",
    "year",
    "order_kind",
    "year_strict",
    "row",
)

_TROOPS = FactType.TROOPS.value
_BUDGETS = FactType.BUDGETS.value
_WEAPONS = FactType.WEAPONS_ORDERS.value

#: Status families. Troops (modality) and budgets: what is vs what is meant to be.
_VALUE_FAMILY = {"actual": 0, "target": 1, "planned": 1, "proposed": 1}
_FORWARD = 1  # the family of forward-looking figures
#: Weapons: stages an order moves through; ordered/sold/financed are one deal seen
#: from the buyer's, the seller's and the payer's side.
_ORDER_STAGE = {"planned": 0, "ordered": 1, "sold": 1, "financed": 1, "delivered": 2}
_MEASURE_FAMILY = {
    BudgetMeasure.DEFENSE_BUDGET: "defense",
    BudgetMeasure.DEFENSE_SPENDING: "defense",
}
#: Measures that come in many packages: a figure without a year is not "the" figure.
_YEAR_STRICT = frozenset({BudgetMeasure.MILITARY_AID})
_MEASURE_NAMES = {
    "defense": "defense budget",
    "special_fund": "special defense fund",
    "procurement": "defense procurement budget",
    "military_aid": "military aid",
    "multi_year_plan": "multi-year defense plan",
}
#: Sources named per side of an explanation; the rest are counted.
_MAX_SOURCES = 3
_QUALIFIERS = tuple(q.value for q in Qualifier)
_QUALIFIER_WORDS = {
    "exact": "",
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "at_most": "up to ",
}


# --------------------------------------------------------------------------- small pure functions


def measure_family(measure: BudgetMeasure | str) -> str:
    """The budget measure family: defense_budget and defense_spending are both ``defense``."""
    measure = BudgetMeasure(measure)
    return _MEASURE_FAMILY.get(measure, measure.value)


def status_family(fact: str, status: str) -> int:
    """0/1 for actual vs intended (troops, budgets); 0/1/2 for the stages of a weapons order."""
    table = _ORDER_STAGE if fact == _WEAPONS else _VALUE_FAMILY
    return table.get(status, -1)


@lru_cache(maxsize=1)
def _order_markers() -> tuple[tuple[str, re.Pattern[str]], ...]:
    words: dict[str, list[str]] = {}
    for row in load_tsv("reconcile_order_markers.tsv"):
        word = row["word"]
        body = re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else "")
        words.setdefault(row["kind"], []).append(body)
    return tuple(
        (kind, re.compile(r"(?<![\w-])(?:" + "|".join(bodies) + r")(?![\w-])", re.IGNORECASE))
        for kind, bodies in sorted(words.items())
    )


def order_kind(quote: str) -> str:
    """``additional`` when a quote speaks of a further order, ``used`` for used stock, else ""."""
    found = {kind for kind, pattern in _order_markers() if pattern.search(quote)}
    return "additional" if "additional" in found else "used" if "used" in found else ""


def precision_step(values: np.ndarray[Any, Any] | Sequence[float]) -> np.ndarray[Any, Any]:
    """The rounding step a written figure implies, read as at least two significant digits.

    Decimals give their own step (2.5 -> 0.1); integers the power of ten of their trailing
    zeros, but never coarser than the second significant digit (50000 -> 1000,
    55000 -> 1000, 400 -> 10, 35 -> 1, 2 -> 0.1). NaN stays NaN.
    """
    flat = np.abs(np.asarray(values, dtype=float)).ravel()
    distinct, inverse = np.unique(flat, return_inverse=True)  # news repeats few figures
    return _step(distinct)[inverse].reshape(np.shape(values))


def _step(v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    step = np.full(v.shape, np.nan)
    finite = np.isfinite(v)
    rest = finite.copy()
    step[finite & (v == 0)] = 1.0
    rest &= v != 0
    is_int = rest & np.isclose(v, np.round(v), rtol=0, atol=1e-9)
    for decimals in range(6, 0, -1):  # decimals: the finest power that leaves an integer
        scaled = v * 10.0**decimals
        whole = np.isclose(scaled, np.round(scaled), rtol=1e-12, atol=1e-6)
        step = np.where(rest & ~is_int & whole, 10.0**-decimals, step)
    step = np.where(rest & ~is_int & np.isnan(step), 1e-6, step)
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.where(is_int, v, 1.0)))
    zeros = np.zeros(v.shape)
    for k in range(1, 16):
        zeros = np.where(is_int & (np.mod(np.round(v), 10.0**k) == 0), k, zeros)
    exponent = np.minimum(zeros, magnitude - 1)
    return np.where(is_int, 10.0**exponent, step)


def intervals(
    value: np.ndarray[Any, Any] | Sequence[float],
    qualifier: np.ndarray[Any, Any] | Sequence[str],
    low: np.ndarray[Any, Any] | Sequence[float],
    high: np.ndarray[Any, Any] | Sequence[float],
    tolerance: float = 0.10,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(lo, hi, step) arrays: the interval each claim allows under its qualifier (strings)."""
    lookup = {q: i for i, q in enumerate(_QUALIFIERS)}
    codes = np.array([lookup[Qualifier(q).value] for q in qualifier], dtype="int64")
    return _intervals_coded(
        np.asarray(value, dtype=float), codes, np.asarray(low), np.asarray(high), tolerance
    )


def _intervals_coded(
    v: np.ndarray[Any, Any],
    qcode: np.ndarray[Any, Any],
    low: np.ndarray[Any, Any],
    high: np.ndarray[Any, Any],
    tolerance: float,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    step = precision_step(v)
    half = step / 2
    lo, hi = v - half, v + half
    code = {q: i for i, q in enumerate(_QUALIFIERS)}
    approx = qcode == code["approx"]
    wide = np.maximum(np.abs(v) * tolerance, half)
    lo = np.where(approx, v - wide, lo)
    hi = np.where(approx, v + wide, hi)
    above = (qcode == code["more_than"]) | (qcode == code["at_least"])
    lo = np.where(above, v, lo)
    hi = np.where(above, np.inf, hi)
    below = (qcode == code["less_than"]) | (qcode == code["at_most"])
    lo = np.where(below, np.minimum(v, 0.0), lo)
    hi = np.where(below, v, hi)
    low_a, high_a = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    ranged = (qcode == code["range"]) & ~np.isnan(low_a) & ~np.isnan(high_a)
    lo = np.where(ranged, low_a, lo)
    hi = np.where(ranged, high_a, hi)
    return lo, hi, step


def claim_interval(
    value: float,
    qualifier: Qualifier | str = Qualifier.EXACT,
    low: float | None = None,
    high: float | None = None,
    tolerance: float = 0.10,
) -> tuple[float, float]:
    """The interval of one figure: ``claim_interval(50000, "more_than") == (50000, inf)``."""
    nan = float("nan")
    lo, hi, _ = intervals(
        np.array([value]),
        [Qualifier(qualifier).value],
        np.array([nan if low is None else low]),
        np.array([nan if high is None else high]),
        tolerance,
    )
    return float(lo[0]), float(hi[0])


# --------------------------------------------------------------------------- the vectorised core


@dataclass(frozen=True)
class Reconciled:
    """What ``reconcile_frame`` returns (all ids are integers; strings only where named).

    ``claims``: the deduplicated claims, numeric: ``gid`` (subject group), ``fact``
    (0 troops, 1 budgets, 2 weapons_orders), ``doc`` (sorted doc_id code), ``day``
    (days since 1970-01-01, NaN unknown), ``value``, ``lo``/``hi`` (interval), ``step``,
    ``family`` (status family), ``figure`` (distinct troop/budget figure) and ``qfigure``
    (distinct weapons quantity), -1 where not applicable, and the caller's ``row``.
    ``conflicts``: ``gid, fact, subject, kind, side, a, b, compatible, days_apart,
    possibly_changed_over_time``; ``side`` says whether ``a``/``b`` are ``figure`` ids,
    ``qfigure`` ids or single ``row`` ids of ``claims``.
    ``facts``: ``gid, fact, subject, claims, documents, min_value, max_value, latest_row,
    state``, one row per subject group.
    """

    claims: pd.DataFrame
    conflicts: pd.DataFrame
    facts: pd.DataFrame


_FACTS = (_TROOPS, _BUDGETS, _WEAPONS)
_ORDER_KINDS = ("", "additional", "used")
_CONFLICT_COLUMNS = (
    "gid",
    "fact",
    "subject",
    "kind",
    "side",
    "a",
    "b",
    "compatible",
    "days_apart",
    "possibly_changed_over_time",
)


def _days(as_of: pd.Series) -> np.ndarray[Any, Any]:
    stamps = pd.to_datetime(as_of, errors="coerce")
    days = stamps.to_numpy(dtype="datetime64[D]").astype("int64").astype(float)
    days[stamps.isna().to_numpy()] = np.nan
    return days


def _coded(column: pd.Series, table: Sequence[str], name: str) -> np.ndarray[Any, Any]:
    """Codes of a string column by position in ``table`` (cheap: maps distinct values only)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    lookup = {value: i for i, value in enumerate(table)}
    unknown = [u for u in uniques if str(u) not in lookup]
    if unknown:
        raise ValueError(f"unknown {name} values {unknown[:5]}")
    mapped = np.array([lookup[str(u)] for u in uniques] + [0], dtype="int64")
    return mapped[np.asarray(codes)]


def _sorted_codes(column: pd.Series) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Sorted integer codes (-1 for missing) and the distinct values: order-independent."""
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype="int64"), np.asarray(uniques, dtype=object)


def _order(keys: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """Stable sort order by ``keys`` (primary first): dense ranks packed into one int64.

    Much faster than ``np.lexsort`` over many float keys; ranks are re-densified whenever
    the packed number would overflow.
    """
    packed = np.zeros(len(keys[0]), dtype="int64")
    size = 1
    for key in keys:
        rank, card = _dense(np.asarray(key))
        if size * card >= 2**62:
            uniq, inverse = np.unique(packed, return_inverse=True)
            packed, size = inverse.ravel().astype("int64"), len(uniq)
        packed = packed * card + rank
        size *= card
    order: np.ndarray[Any, Any] = np.argsort(packed, kind="stable")
    return order


def _dense(key: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], int]:
    """Order-preserving integer ranks of a key and their count (offsets for integral keys)."""
    if len(key) and np.issubdtype(key.dtype, np.number):
        low, high = key.min(), key.max()
        whole = np.isfinite(low) and np.isfinite(high) and high - low < 2**31
        if whole and (np.issubdtype(key.dtype, np.integer) or np.array_equal(key, np.round(key))):
            return (key - low).astype("int64"), int(high - low) + 1
    distinct, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel().astype("int64"), max(len(distinct), 1)


def _changes(keys: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """True where a row of sorted key columns differs from the row before (first row True)."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for key in keys:
            new[1:] |= key[1:] != key[:-1]
    return new


def _prepare(claims: pd.DataFrame, tolerance: float) -> tuple[pd.DataFrame, np.ndarray[Any, Any]]:
    """Typed, grouped and deduplicated claims, and the subject key of each group id."""
    optional = {"start", "end", "order_kind", "low", "high", "year", "year_strict"}
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns and c not in optional]
    if missing:
        raise ValueError(f"claims frame lacks columns {missing}")
    n = len(claims)

    def numeric(name: str) -> np.ndarray[Any, Any]:
        if name not in claims:
            return np.full(n, np.nan)
        return np.asarray(pd.to_numeric(claims[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan))

    fact = _coded(claims["fact"], _FACTS, "fact")
    qualifier = claims["qualifier"].astype(object).where(claims["qualifier"].notna(), "exact")
    qcode = _coded(qualifier, _QUALIFIERS, "qualifier")
    kcode = (
        _coded(claims["order_kind"].astype(object).fillna(""), _ORDER_KINDS, "order_kind")
        if ("order_kind" in claims)
        else np.zeros(n, "int64")
    )
    kcode = np.where(fact == 2, kcode, 0)  # order kinds only tell weapons orders apart
    scode, statuses = _sorted_codes(claims["status"].astype(object))
    stage = np.array([_ORDER_STAGE.get(str(s), -1) for s in statuses] + [-1], dtype="int64")
    value_family = np.array([_VALUE_FAMILY.get(str(s), -1) for s in statuses] + [-1], dtype="int64")
    family = np.where(fact == 2, stage[scode], value_family[scode])
    subj, subjects = _sorted_codes(claims["subject"])
    doc, _ = _sorted_codes(claims["doc_id"].astype(object))
    value = numeric("value")
    year = numeric("year")
    start = claims["start"].to_numpy(dtype="int64") if "start" in claims else np.zeros(n, "int64")
    end = claims["end"].to_numpy(dtype="int64") if "end" in claims else np.zeros(n, "int64")
    low, high = numeric("low"), numeric("high")
    day = _days(claims["as_of"])
    strict = (
        claims["year_strict"].fillna(False).to_numpy(dtype=bool)
        if "year_strict" in claims
        else np.zeros(n, dtype=bool)
    )
    value_key = np.where(np.isnan(value), -np.inf, value)
    # Group ids: sorted (fact, subject); ungroupable claims each get their own, after them.
    grouped = subj >= 0
    width = len(subjects) + 1
    group_codes, group_keys = pd.factorize(fact[grouped] * width + subj[grouped], sort=True)
    gid = np.empty(n, dtype="int64")
    gid[grouped] = group_codes
    lone = np.flatnonzero(~grouped)
    lone = (
        lone[_order([fact[lone], doc[lone], start[lone], end[lone], value_key[lone]])] if len(lone) else lone
    )
    gid[lone] = len(group_keys) + np.arange(len(lone))
    gid_subject = np.concatenate(
        [subjects[np.asarray(group_keys, dtype="int64") % width], np.full(len(lone), None, dtype=object)]
    )
    year_key = np.where(np.isnan(year), -1.0, year)
    low_key, high_key = np.nan_to_num(low, nan=-np.inf), np.nan_to_num(high, nan=-np.inf)
    tag = (qcode * (len(statuses) + 1) + scode + 1) * len(_ORDER_KINDS) + kcode
    # Sort by figure, then document, then position; duplicate mentions of one figure in
    # one document count once (the first).
    figure_cols = (gid, value_key, tag, year_key, low_key, high_key)
    order = _order([*figure_cols, doc, start, end, np.nan_to_num(day, nan=-1e18)])
    keep = order[_changes([a[order] for a in (*figure_cols, doc)])]
    lo, hi, step = _intervals_coded(value[keep], qcode[keep], low[keep], high[keep], tolerance)
    df = pd.DataFrame(
        {
            "gid": gid[keep],
            "fact": fact[keep],
            "doc": doc[keep],
            "start": start[keep],
            "end": end[keep],
            "day": day[keep],
            "value": value[keep],
            "qcode": qcode[keep],
            "scode": scode[keep],
            "year": year[keep],
            "kcode": kcode[keep],
            "year_strict": strict[keep],
            "family": family[keep],
            "lo": lo,
            "hi": hi,
            "step": step,
            "row": claims["row"].to_numpy()[keep],
        }
    )
    # Distinct troop/budget figures: runs of equal (gid, value, qualifier, status, year).
    figure = np.cumsum(_changes([a[keep] for a in figure_cols])) - 1
    df["figure"] = np.where(df["fact"].to_numpy() != 2, figure, -1)
    return df, gid_subject


def _gap(a_min: Any, a_max: Any, b_min: Any, b_max: Any) -> np.ndarray[Any, Any]:
    """Days between two date ranges (0 when they overlap; NaN when a date is unknown)."""
    a0, a1, b0, b1 = (np.asarray(x, dtype=float) for x in (a_min, a_max, b_min, b_max))
    gap: np.ndarray[Any, Any] = np.maximum(np.maximum(b0 - a1, a0 - b1), 0.0)
    return gap


def _pairs(units: pd.DataFrame, by: list[str], uid: str) -> pd.DataFrame:
    """All pairs ``uid_a < uid_b`` of units sharing ``by`` (only groups with two or more units)."""
    multi = units[units.duplicated(by, keep=False)]
    merged = multi.merge(multi, on=by, suffixes=("_a", "_b"))
    return merged[merged[f"{uid}_a"] < merged[f"{uid}_b"]].reset_index(drop=True)


def _units(df: pd.DataFrame, name: str, columns: Sequence[str]) -> pd.DataFrame:
    """One row per distinct figure ``name``: its first values, documents and date range."""
    sub = df[df[name].to_numpy() >= 0]
    grouped = sub.groupby(name, sort=True)
    spec: dict[str, Any] = {c: (c, "first") for c in columns}
    spec.update(
        day_min=("day", "min"), day_max=("day", "max"), docs=("doc", "nunique"), doc_first=("doc", "min")
    )
    units: pd.DataFrame = grouped.agg(**spec).reset_index()
    return units


def _known(values: np.ndarray[Any, Any], known: np.ndarray[Any, Any]) -> pd.arrays.BooleanArray:
    """A nullable boolean array: ``values`` where ``known``, NA elsewhere."""
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


def _empty_conflicts() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _CONFLICT_COLUMNS})


def _value_conflicts(df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """value_mismatch / status_mismatch between distinct troop and budget figures."""
    columns = ["gid", "fact", "value", "year", "year_strict", "family", "lo", "hi", "step"]
    units = _units(df, "figure", columns)
    pairs = _pairs(units, ["gid", "fact"], "figure")
    if pairs.empty:
        return _empty_conflicts()
    year_a, year_b = pairs["year_a"].to_numpy(), pairs["year_b"].to_numpy()
    strict = pairs["year_strict_a"].to_numpy(dtype=bool) | pairs["year_strict_b"].to_numpy(dtype=bool)
    # A missing year matches any year, except between two forward-looking figures (target,
    # planned, proposed): their horizon is part of the figure, so "3 % one day" and
    # "2.5 % by 2027" are two goals, not a disagreement.
    forward = (pairs["family_a"].to_numpy() == _FORWARD) & (pairs["family_b"].to_numpy() == _FORWARD)
    missing = np.isnan(year_a) | np.isnan(year_b)
    both_missing = np.isnan(year_a) & np.isnan(year_b)
    year_ok = both_missing | (year_a == year_b) | (missing & ~strict & ~forward)
    coarse = np.maximum(pairs["step_a"].to_numpy(), pairs["step_b"].to_numpy())
    same_value = np.abs(pairs["value_a"].to_numpy() - pairs["value_b"].to_numpy()) * 2 < coarse
    same_family = pairs["family_a"].to_numpy() == pairs["family_b"].to_numpy()
    value_mismatch = year_ok & ~same_value & same_family
    status_mismatch = year_ok & same_value & ~same_family
    keep = value_mismatch | status_mismatch
    pairs = pairs[keep].reset_index(drop=True)
    is_value = value_mismatch[keep]
    overlap = np.maximum(pairs["lo_a"].to_numpy(), pairs["lo_b"].to_numpy()) <= np.minimum(
        pairs["hi_a"].to_numpy(), pairs["hi_b"].to_numpy()
    )
    kind = np.where(is_value, ConflictKind.VALUE_MISMATCH.value, ConflictKind.STATUS_MISMATCH.value)
    days = _gap(pairs["day_min_a"], pairs["day_max_a"], pairs["day_min_b"], pairs["day_max_b"])
    return pd.DataFrame(
        {
            "gid": pairs["gid"],
            "fact": pairs["fact"],
            "kind": kind,
            "side": "figure",
            "a": pairs["figure_a"],
            "b": pairs["figure_b"],
            "compatible": _known(overlap, is_value),
            "days_apart": days,
            "possibly_changed_over_time": days > threshold,
        }
    )


def _quantity_conflicts(df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """quantity_mismatch: the same order (same stage family) with two known quantities."""
    mask = (
        (df["fact"].to_numpy() == 2)
        & df["value"].notna().to_numpy()
        & (df["kcode"].to_numpy() != _ORDER_KINDS.index("additional"))
        & (df["family"].to_numpy() >= 0)
    )
    ids = np.full(len(df), -1, dtype="int64")
    if mask.any():
        ids[mask] = df[mask].groupby(["gid", "family", "kcode", "value"], sort=True).ngroup().to_numpy()
    df["qfigure"] = ids
    if not mask.any():
        return _empty_conflicts()
    units = _units(df, "qfigure", ["gid", "fact", "family", "kcode"])
    pairs = _pairs(units, ["gid", "fact", "family", "kcode"], "qfigure")
    if pairs.empty:
        return _empty_conflicts()
    one_doc = (
        (pairs["docs_a"] == 1) & (pairs["docs_b"] == 1) & (pairs["doc_first_a"] == pairs["doc_first_b"])
    ).to_numpy()
    days = _gap(pairs["day_min_a"], pairs["day_max_a"], pairs["day_min_b"], pairs["day_max_b"])
    keep = ~one_doc & ~(days > threshold)
    pairs = pairs[keep].reset_index(drop=True)
    days = days[keep]
    return pd.DataFrame(
        {
            "gid": pairs["gid"],
            "fact": pairs["fact"],
            "kind": ConflictKind.QUANTITY_MISMATCH.value,
            "side": "qfigure",
            "a": pairs["qfigure_a"],
            "b": pairs["qfigure_b"],
            "compatible": _known(np.zeros(len(pairs), dtype=bool), np.ones(len(pairs), dtype=bool)),
            "days_apart": days,
            "possibly_changed_over_time": False,
        }
    )


def _stage_conflicts(df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """status_change (a later stage first reported later) or status_mismatch (same day)."""
    sub = df[(df["fact"].to_numpy() == 2) & (df["family"].to_numpy() >= 0) & df["day"].notna().to_numpy()]
    if sub.empty:
        return _empty_conflicts()
    first = sub.sort_values(["gid", "family", "day", "doc", "start", "end", "value"], na_position="first")
    first = first.drop_duplicates(["gid", "family"], keep="first")
    pairs = _pairs(first[["gid", "fact", "family", "day", "doc", "row"]], ["gid", "fact"], "family")
    if pairs.empty:
        return _empty_conflicts()
    days = (pairs["day_b"] - pairs["day_a"]).to_numpy()
    change = days > 0
    clash = (days == 0) & (pairs["doc_a"] != pairs["doc_b"]).to_numpy()
    keep = change | clash
    pairs = pairs[keep].reset_index(drop=True)
    change = change[keep]
    days = days[keep]
    return pd.DataFrame(
        {
            "gid": pairs["gid"],
            "fact": pairs["fact"],
            "kind": np.where(change, ConflictKind.STATUS_CHANGE.value, ConflictKind.STATUS_MISMATCH.value),
            "side": "row",
            "a": pairs["row_a"],
            "b": pairs["row_b"],
            "compatible": _known(np.zeros(len(pairs), dtype=bool), ~change),
            "days_apart": days,
            "possibly_changed_over_time": days > threshold,
        }
    )


def _facts(df: pd.DataFrame, conflicts: pd.DataFrame) -> pd.DataFrame:
    grouped = df.groupby("gid", sort=True)
    facts = grouped.agg(
        fact=("fact", "first"),
        claims=("row", "size"),
        documents=("doc", "nunique"),
        min_value=("value", "min"),
        max_value=("value", "max"),
    )
    day = np.nan_to_num(df["day"].to_numpy(), nan=-1e18)
    order = _order([df["gid"].to_numpy(), day, *(df[c].to_numpy() for c in ("doc", "start", "end"))])
    gids = df["gid"].to_numpy()[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = gids[1:] != gids[:-1]
    facts["latest_row"] = pd.Series(df["row"].to_numpy()[order][last], index=gids[last])
    disputed = conflicts.loc[conflicts["kind"] != ConflictKind.STATUS_CHANGE.value, "gid"].unique()
    single = facts["documents"].to_numpy() < 2
    state = np.where(single, FactState.SINGLE_SOURCE.value, FactState.AGREED.value)
    facts["state"] = np.where(facts.index.isin(disputed), FactState.CONFLICT.value, state)
    return facts.reset_index()


def reconcile_frame(
    claims: pd.DataFrame, *, changed_after_days: int = 180, approx_tolerance: float = 0.10
) -> Reconciled:
    """The vectorised reconciler over a table of claims (columns: :data:`CLAIM_COLUMNS`).

    Cost: one sort of the claims, a few group-bys, and one self-join per subject over its
    *distinct* figures only, so ~O(n log n) when subjects have few distinct figures.
    """
    df, subjects = _prepare(claims, approx_tolerance)
    parts = [
        _value_conflicts(df, changed_after_days),
        _quantity_conflicts(df, changed_after_days),
        _stage_conflicts(df, changed_after_days),
    ]
    parts = [p for p in parts if not p.empty]
    conflicts = pd.concat(parts, ignore_index=True) if parts else _empty_conflicts()
    conflicts["subject"] = subjects[conflicts["gid"].to_numpy(dtype="int64")]
    conflicts["fact"] = np.asarray(_FACTS, dtype=object)[conflicts["fact"].to_numpy(dtype="int64")]
    conflicts = conflicts[list(_CONFLICT_COLUMNS)]
    conflicts = conflicts.sort_values(["gid", "kind", "side", "a", "b"], kind="stable").reset_index(drop=True)
    facts = _facts(df, conflicts)
    facts["subject"] = subjects[facts["gid"].to_numpy(dtype="int64")]
    facts["fact"] = np.asarray(_FACTS, dtype=object)[facts["fact"].to_numpy(dtype="int64")]
    return Reconciled(claims=df, conflicts=conflicts, facts=facts)


def synthetic_claims(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` random claims for benchmarks: ~8 claims per subject, ~20 per document.

    Most claims of a subject repeat its base figure (some with another qualifier); about
    one in eight gives a 10 % different value, another status or a year; weapons
    quantities are sometimes unknown or marked "additional"; 1 % lack a subject key.
    Columns as :data:`CLAIM_COLUMNS`, strings as categoricals.
    """
    rng = np.random.default_rng(seed)
    n_subjects = max(1, n // 8)
    n_docs = max(1, n // 20)
    subject = rng.integers(0, n_subjects, n)
    fact = (np.arange(n_subjects) % 3)[subject]
    weapons = fact == 2
    base = rng.choice(np.array([2.0, 40.0, 2_500.0, 50_000.0, 1.2e10]), n_subjects)[subject]
    value = base * rng.choice(np.array([1.0, 1.1, 0.9]), n, p=[0.9, 0.05, 0.05])
    value = np.where(weapons & (rng.random(n) < 0.2), np.nan, value)
    doc = rng.integers(0, n_docs, n)
    doc_day = rng.integers(0, 3 * 365, n_docs)
    status = np.where(
        weapons,
        rng.choice(np.array(["ordered", "sold", "planned", "delivered"]), n, p=[0.7, 0.1, 0.1, 0.1]),
        rng.choice(np.array(["actual", "target", "planned"]), n, p=[0.9, 0.05, 0.05]),
    )
    qualifier = np.where(
        weapons,
        "exact",
        rng.choice(np.array(["exact", "approx", "more_than", "at_most"]), n, p=[0.6, 0.3, 0.05, 0.05]),
    )
    year = np.where((fact == 1) & (rng.random(n) < 0.1), rng.integers(2024, 2028, n), np.nan)
    names = pd.Index([f"s{i:07d}" for i in range(n_subjects)], dtype=object)
    subject_codes = np.where(rng.random(n) >= 0.01, subject, -1)  # -1: no subject key
    subjects = pd.Categorical.from_codes(subject_codes, categories=names)
    doc_names = pd.Index([f"d{i:07d}" for i in range(n_docs)], dtype=object)
    start = rng.integers(0, 10_000, n)
    return pd.DataFrame(
        {
            "fact": pd.Categorical.from_codes(fact, categories=pd.Index(list(_FACTS), dtype=object)),
            "subject": subjects,
            "doc_id": pd.Categorical.from_codes(doc, categories=doc_names),
            "start": start,
            "end": start + 20,
            "as_of": pd.Timestamp("2023-01-01") + pd.to_timedelta(doc_day[doc], unit="D"),
            "value": value,
            "qualifier": pd.Categorical(qualifier),
            "low": np.nan,
            "high": np.nan,
            "status": pd.Categorical(status),
            "year": year,
            "order_kind": pd.Categorical(np.where(rng.random(n) < 0.05, "additional", "")),
            "year_strict": np.zeros(n, dtype=bool),
            "row": np.arange(n),
        }
    )


# --------------------------------------------------------------------------- records in, records out


AnyRecord = TroopCount | BudgetFigure | WeaponsOrder


@dataclass(frozen=True, slots=True)
class ClaimItem:
    """What the reconciler keeps of one troop, budget or weapons record: its row of the
    claims table and its display subject. A run's spool holds these instead of the records
    (far less memory) and fetches a record again only for the claims a conflict
    cites."""

    fact: str
    key: str | None  # canonical subject key; None: ungroupable
    subject: dict[str, str]
    doc_id: str
    as_of: date | None  # the record's own date; None: its document's publication date
    #: start, end, value, qualifier, low, high, status, year, order_kind, year_strict
    values: tuple[Any, ...]


def _system_key(system: str) -> str:
    return " ".join(re.split(r"[\s\-]+", system.casefold())).strip()


def _subject(record: AnyRecord) -> tuple[str, str | None, dict[str, str]]:
    """(fact, key, display subject) of a record."""
    pairs: list[tuple[str, str | None, str | None]]  # (name, key value, display value)
    if isinstance(record, TroopCount):
        fact = _TROOPS
        pairs = [("force", record.force, record.force), ("host", record.host, record.host)]
    elif isinstance(record, BudgetFigure):
        fact = _BUDGETS
        family = measure_family(record.measure)
        pairs = [("country", record.country, record.country), ("unit", record.unit, record.unit)]
        pairs.append(("measure", family, family))
    else:
        fact = _WEAPONS
        system = record.system
        pairs = [
            ("buyer", record.buyer, record.buyer),
            ("seller", record.seller, record.seller),
            ("system", _system_key(system) if system else None, system),
        ]
    subject = {name: shown for name, _, shown in pairs if shown is not None}
    complete = all(value for _, value, _ in pairs)
    key = "|".join(f"{name}={value}" for name, value, _ in pairs) if complete else None
    return fact, key, subject


def _reading(record: AnyRecord) -> tuple[Number | None, Qualifier | None, str, int | None]:
    """(value, qualifier, status, year) of a record, as its claim states them; weapons orders
    have no qualifier, troop counts and orders no year."""
    if isinstance(record, TroopCount):
        return record.count, record.qualifier, record.modality.value, None
    if isinstance(record, BudgetFigure):
        return record.value, record.qualifier, record.status.value, record.year
    return record.quantity, None, record.status.value, None


def claim_item(record: AnyRecord) -> ClaimItem:
    """The :class:`ClaimItem` of a troop count, budget figure or weapons order."""
    fact, key, subject = _subject(record)
    value, qualifier, status, year = _reading(record)
    low, high = (record.low, record.high) if isinstance(record, TroopCount) else (None, None)
    evidence = record.evidence
    values = (
        evidence.start,
        evidence.end,
        value,
        qualifier.value if qualifier is not None else "exact",
        low,
        high,
        status,
        year,
        order_kind(evidence.quote) if isinstance(record, WeaponsOrder) else "",
        isinstance(record, BudgetFigure) and record.measure in _YEAR_STRICT,
    )
    return ClaimItem(fact, key, subject, record.doc_id, record.as_of, values)


def _published(document: Document | None) -> date | None:
    if document is None or document.published is None:
        return None
    published = document.published
    return published.date() if isinstance(published, datetime) else published


def _claim_records(records: Records) -> list[AnyRecord]:
    """Troop counts, budget figures and weapons orders in claims-table row order."""
    return [record for kind in CLAIM_KINDS for record in getattr(records, kind)]


def _as_ofs(items: Sequence[ClaimItem], documents: Iterable[Document]) -> list[date | None]:
    """Each claim's date: its own, else its document's publication date (the last document of
    a repeated doc_id wins, as everywhere a run maps doc_ids to documents)."""
    by_id = {d.doc_id: d for d in documents}
    return [item.as_of or _published(by_id.get(item.doc_id)) for item in items]


def claims_frame(records: Records) -> pd.DataFrame:
    """The claims table of a run's records (``row`` = position in troops+budgets+weapons)."""
    items = [claim_item(r) for r in _claim_records(records)]
    return _frame(items, _as_ofs(items, records.documents))


#: The claims-table columns a :class:`ClaimItem` carries in ``values``, in that order.
_VALUE_COLUMNS = tuple(c for c in CLAIM_COLUMNS if c not in ("fact", "subject", "doc_id", "as_of", "row"))


def _frame(items: Sequence[ClaimItem], as_ofs: Sequence[date | None]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {
        "fact": [item.fact for item in items],
        "subject": [item.key for item in items],
        "doc_id": [item.doc_id for item in items],
        "as_of": list(as_ofs),
    }
    for i, name in enumerate(_VALUE_COLUMNS):
        columns[name] = [item.values[i] for item in items]
    columns["row"] = list(range(len(items)))
    frame = pd.DataFrame(columns, columns=list(CLAIM_COLUMNS))
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame


def _number(value: float | None) -> Number | None:
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    value = float(f"{float(value):.12g}")
    return int(value) if value.is_integer() else value


def conflict_id(fact: str, subject: dict[str, str], claims: Sequence[Claim]) -> str:
    """sha256 prefix of a canonical JSON of fact, subject and the sorted claims."""
    canonical = {
        "fact": fact,
        "subject": dict(sorted(subject.items())),
        "claims": sorted(
            [c.doc_id, c.evidence.start, c.evidence.end, None if c.value is None else float(c.value)]
            for c in claims
        ),
    }
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def _short_names() -> dict[str, tuple[str, str]]:
    return {row["code"]: (row["name"], row["adjective"]) for row in load_tsv("reconcile_names.tsv")}


def country_adjective(code: str) -> str:
    """English adjective for troops: "DE" -> "German", "US" -> "US"; else the short name."""
    known = _short_names().get(code)
    return known[1] if known and known[1] else country_name(code)


@cache
def country_name(code: str) -> str:
    """Short English name of a country code: "US" -> "US", "JP" -> "Japan", "KR" -> "South Korea"."""
    if code in _short_names():
        return _short_names()[code][0]
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def _format_number(value: Number) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def _amount(value: Number, unit: str | None) -> str:
    if unit is None:
        return _format_number(value)
    if unit == "percent_gdp":
        return f"{_format_number(value)}% of GDP"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{unit} {_format_number(round(value / size, 2))} {word}"
    return f"{unit} {_format_number(value)}"


def _figure(fact: str, claim: Claim, subject: dict[str, str], kind: ConflictKind) -> str:
    """How one claim reads in an explanation: "more than 50,000", "2% of GDP as target for 2027"."""
    if fact == _WEAPONS:
        count = "" if claim.value is None else f"{_format_number(claim.value)}"
        if kind is ConflictKind.QUANTITY_MISMATCH:
            return count
        return f"{count} {claim.status}" if count else str(claim.status)
    unit = subject.get("unit") if fact == _BUDGETS else None
    if claim.value is None:
        text = "unknown"
    elif claim.qualifier is Qualifier.RANGE and claim.low is not None and claim.high is not None:
        text = f"between {_amount(claim.low, unit)} and {_amount(claim.high, unit)}"
    else:
        text = _QUALIFIER_WORDS.get(claim.qualifier.value if claim.qualifier else "exact", "")
        text += _amount(claim.value, unit)
    if kind is ConflictKind.STATUS_MISMATCH:
        text += f" as {claim.status}"
    if claim.year is not None:
        text += f" for {claim.year}"
    return text


def _subject_phrase(fact: str, subject: dict[str, str]) -> str:
    def name(key: str) -> str:
        return country_name(subject[key]) if key in subject else "unknown"

    if fact == _TROOPS:
        force = country_adjective(subject["force"]) if "force" in subject else "unknown"
        return f"{force} troops in {name('host')}"
    if fact == _BUDGETS:
        measure = _MEASURE_NAMES.get(subject.get("measure", ""), "defense budget")
        return f"{name('country')}'s {measure}"
    return f"{subject.get('system', 'weapons')} for {name('buyer')} from {name('seller')}"


def _side(fact: str, claims: Sequence[Claim], subject: dict[str, str], kind: ConflictKind) -> str:
    named = [
        f"{c.publisher or c.doc_id}, {c.as_of.isoformat()}" if c.as_of else (c.publisher or c.doc_id)
        for c in claims[:_MAX_SOURCES]
    ]
    if len(claims) > _MAX_SOURCES:
        named.append(f"and {len(claims) - _MAX_SOURCES} more")
    return f"{_figure(fact, claims[0], subject, kind)} ({'; '.join(named)})"


def explain(
    fact: str,
    subject: dict[str, str],
    kind: ConflictKind,
    side_a: Sequence[Claim],
    side_b: Sequence[Claim],
    compatible: bool | None,
    days_apart: int | None,
) -> str:
    """One English sentence for a conflict (sides in date order)."""
    what = _subject_phrase(fact, subject)
    docs = {c.doc_id for c in (*side_a, *side_b)}
    who = "Sources disagree on" if len(docs) > 1 else "One source contradicts itself on"
    a, b = _side(fact, side_a, subject, kind), _side(fact, side_b, subject, kind)
    if kind is ConflictKind.STATUS_CHANGE:
        text = f"The status of {what} moved on: {a} then {b}"
    elif kind is ConflictKind.STATUS_MISMATCH:
        text = f"{who} the status of {what}: {a} vs {b}"
    elif kind is ConflictKind.QUANTITY_MISMATCH:
        text = f"{who} the quantity of {what}: {a} vs {b}"
    else:
        text = f"{who} {what}: {a} vs {b}"
    if compatible is not None and kind is ConflictKind.VALUE_MISMATCH:
        text += (
            "; compatible under their qualifiers" if compatible else "; incompatible under their qualifiers"
        )
    if days_apart is not None:
        text += (
            "; same day" if days_apart == 0 else f"; {days_apart} day{'s' if days_apart != 1 else ''} apart"
        )
    return text + "."


def _claim(r: AnyRecord, as_of: date | None, publisher: str | None, lo: float, hi: float) -> Claim:
    evidence: Evidence = r.evidence
    value, qualifier, status, year = _reading(r)
    # the interval the reconciler read from the qualifier; orders have none
    low, high = (None, None) if isinstance(r, WeaponsOrder) else (_number(lo), _number(hi))
    return Claim(
        doc_id=r.doc_id,
        publisher=publisher,
        as_of=as_of,
        value=value,
        qualifier=qualifier,
        low=low,
        high=high,
        status=status,
        year=year,
        quote=evidence.quote,
        evidence=evidence,
    )


def _claim_order(claim: Claim) -> tuple[date, str, int, int]:
    return (claim.as_of or date.min, claim.doc_id, claim.evidence.start, claim.evidence.end)


def _subject_json(subject: dict[str, str]) -> str:
    return json.dumps(subject, sort_keys=True, ensure_ascii=False)


def _display_subjects(items: Sequence[ClaimItem], claims: pd.DataFrame) -> dict[int, dict[str, str]]:
    """Display subject per group; a weapons system shows its smallest spelling."""
    out: dict[int, dict[str, str]] = {}
    for gid, row in zip(claims["gid"].tolist(), claims["row"].tolist(), strict=True):
        subject = items[int(row)].subject
        known = out.get(int(gid))
        if known is None or ("system" in subject and subject["system"] < known.get("system", "\uffff")):
            out[int(gid)] = subject
    return out


def reconcile(
    records: Records, *, changed_after_days: int = 180, approx_tolerance: float = 0.10
) -> tuple[tuple[Conflict, ...], tuple[FactSummary, ...]]:
    """Conflicts and fact summaries over every troop, budget and weapons record of a run."""
    claimed = _claim_records(records)
    return reconcile_items(
        [claim_item(r) for r in claimed],
        records.documents,
        claimed.__getitem__,
        changed_after_days=changed_after_days,
        approx_tolerance=approx_tolerance,
    )


def reconcile_items(
    items: Sequence[ClaimItem],
    documents: Iterable[Document],
    fetch: Callable[[int], AnyRecord],
    *,
    changed_after_days: int = 180,
    approx_tolerance: float = 0.10,
) -> tuple[tuple[Conflict, ...], tuple[FactSummary, ...]]:
    """:func:`reconcile` over claim items (troops, then budgets, then weapons, each in document
    order); ``fetch(i)`` gives the record of ``items[i]``, asked only for cited claims."""
    if not items:
        return (), ()
    documents = list(documents)
    publishers = {d.doc_id: d.publisher for d in documents}
    as_ofs = _as_ofs(items, documents)
    result = reconcile_frame(
        _frame(items, as_ofs), changed_after_days=changed_after_days, approx_tolerance=approx_tolerance
    )
    claims = result.claims
    subjects = _display_subjects(items, claims)
    bounds = {
        int(row): (float(lo), float(hi))
        for row, lo, hi in zip(
            claims["row"].tolist(), claims["lo"].tolist(), claims["hi"].tolist(), strict=True
        )
    }

    built: dict[int, Claim] = {}

    def claim(row: int) -> Claim:
        if row not in built:
            lo, hi = bounds.get(row, (math.nan, math.nan))
            built[row] = _claim(fetch(row), as_ofs[row], publishers.get(items[row].doc_id), lo, hi)
        return built[row]

    members: dict[tuple[str, int], list[int]] = {}
    for side in ("figure", "qfigure"):
        for ident, row in zip(claims[side].tolist(), claims["row"].tolist(), strict=True):
            if ident >= 0:
                members.setdefault((side, int(ident)), []).append(int(row))

    sides: dict[tuple[str, int], list[Claim]] = {}

    def side_claims(side: str, ident: int) -> list[Claim]:
        if (side, ident) not in sides:
            rows = [ident] if side == "row" else members[(side, ident)]
            sides[(side, ident)] = sorted((claim(r) for r in rows), key=_claim_order)
        return sides[(side, ident)]

    conflicts = []
    for c in result.conflicts.to_dict("records"):
        fact, subject, kind = str(c["fact"]), subjects[int(c["gid"])], ConflictKind(str(c["kind"]))
        a, b = side_claims(str(c["side"]), int(c["a"])), side_claims(str(c["side"]), int(c["b"]))
        if _claim_order(b[0]) < _claim_order(a[0]):
            a, b = b, a
        days = None if pd.isna(c["days_apart"]) else int(c["days_apart"])
        compatible = None if pd.isna(c["compatible"]) else bool(c["compatible"])
        both = sorted([*a, *b], key=_claim_order)
        conflicts.append(
            Conflict(
                conflict_id=conflict_id(fact, subject, both),
                fact=FactType(fact),
                subject=subject,
                kind=kind,
                compatible=compatible,
                days_apart=days,
                possibly_changed_over_time=bool(c["possibly_changed_over_time"]),
                explanation=explain(fact, subject, kind, a, b, compatible, days),
                claims=tuple(both),
            )
        )
    conflicts.sort(key=lambda c: (c.fact.value, _subject_json(c.subject), c.conflict_id))

    facts = []
    for f in result.facts.to_dict("records"):
        latest = int(f["latest_row"])
        facts.append(
            FactSummary(
                fact=FactType(str(f["fact"])),
                subject=subjects[int(f["gid"])],
                claims=int(f["claims"]),
                documents=int(f["documents"]),
                min_value=_number(float(f["min_value"])),
                max_value=_number(float(f["max_value"])),
                latest_doc_id=items[latest].doc_id,
                latest_as_of=as_ofs[latest],
                latest_value=items[latest].values[_VALUE_COLUMNS.index("value")],
                state=FactState(str(f["state"])),
            )
        )
    facts.sort(key=lambda f: (f.fact.value, _subject_json(f.subject), f.model_dump_json()))
    return tuple(conflicts), tuple(facts)
