"""Underspecified temporal expressions and their resolution against a reference date.

HeidelTime's two steps: the tagger (:mod:`pipeline.dates`) extracts a :class:`Timex` that
holds only what the text says ("Sonntag", "vergangenen Herbst", "vor zwei Wochen"), and
:func:`resolve` - a pure function of the Timex, the reference date and the sentence's
tense - turns it into a TIMEX3 value. Nothing here reads the clock.

Direction for a weekday, month, season or quarter without year (HeidelTime's news
strategy): an explicit shift word decides ("vergangenen" = strictly before, "nächsten" =
strictly after, "diesem" = the same week/year); otherwise the sentence's tense (PAST =
the closest one on or before the reference, FUTURE = on or after); with no tense marker,
the nearest occurrence (ties: the past); for a weekday the past one unless the future one
is less than half as far (news mostly reports the past).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from .records import DateKind, DateMod, Granularity


class Tense(StrEnum):
    PAST = "PAST"
    FUTURE = "FUTURE"


#: Enum members read once: in Python 3.11 every ``Granularity.X`` is a descriptor call (~0.1 us),
#: and :func:`resolve` runs a few dozen times per document, testing several of them each time.
_YEAR, _SEASON, _QUARTER, _MONTH, _WEEK, _DAY, _MINUTE = (
    Granularity.YEAR,
    Granularity.SEASON,
    Granularity.QUARTER,
    Granularity.MONTH,
    Granularity.WEEK,
    Granularity.DAY,
    Granularity.MINUTE,
)
_DURATION = DateKind.DURATION
_PAST, _FUTURE = Tense.PAST, Tense.FUTURE

#: TIMEX3 season codes in calendar order; a season's index is ``4 * year + position``.
SEASONS: tuple[str, ...] = ("SP", "SU", "FA", "WI")

#: Duration designators for ``kind=duration`` values (TIMEX3 ``P60Y``).
_DURATION_UNIT: dict[Granularity, str] = {
    Granularity.DAY: "D",
    Granularity.WEEK: "W",
    Granularity.MONTH: "M",
    Granularity.YEAR: "Y",
}


class Timex(NamedTuple):
    """One extracted temporal expression, before resolution (HeidelTime's ``UNDEF`` value).

    Immutable; a NamedTuple rather than a frozen dataclass because the tagger builds one per
    candidate and a frozen dataclass sets its 22 fields one ``object.__setattr__`` at a time.

    Absolute parts (``year`` ... ``minute``, ``season``, ``quarter``, ``decade``) are what the
    text states. Relative parts say how to get the rest from the reference: ``offset`` counts
    ``granularity`` units from the reference (gestern = -1 day); ``shift`` is the explicit
    last/this/next (-1/0/+1) on a named weekday, month, season, quarter or weekend.
    """

    start: int
    end: int
    rule: str
    granularity: Granularity | None
    kind: DateKind = DateKind.ABSOLUTE
    mod: DateMod | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    season: str | None = None
    quarter: int | None = None
    decade: str | None = None
    weekday: int | None = None
    weekend: bool = False
    offset: int | None = None
    shift: int | None = None
    year_offset: int | None = None  # "im März nächsten Jahres": the year relative to the reference's
    direction: Tense | None = None  # set by the expression itself ("seit März": the past one)
    anaphoric: bool = False  # "am Nachmittag": the day last mentioned (else the reference day)
    duration: int | None = None

    @property
    def needs_tense(self) -> bool:
        """True when the direction must come from the sentence (a bare weekday/month/season...)."""
        if self.kind is _DURATION or self.year is not None or self.decade is not None:
            return False
        if (
            self.anaphoric
            or self.offset is not None
            or self.shift is not None
            or self.year_offset is not None
        ):
            return False
        return (
            self.weekday is not None
            or self.month is not None
            or self.season is not None
            or self.quarter is not None
            or self.weekend
        )


def as_date(reference: date | datetime | None) -> date | None:
    """The reference's calendar day, as written (a datetime's own local date, no tz conversion)."""
    if reference is None:
        return None
    if isinstance(reference, datetime):
        return reference.date()
    return reference


def _pick(back: int, ahead: int, tense: Tense | None, past_bias: bool = False) -> int:
    """Signed distance to choose: ``-back`` for the past side, ``ahead`` for the future side.

    Without a tense the nearer one wins (ties: the past). For weekdays (``past_bias``) the
    past wins unless the future one is less than half as far: news mostly reports what
    happened ("am Sonntag" in a Thursday article is last Sunday), but "am Donnerstag" in a
    Wednesday article is tomorrow.
    """
    if tense is _PAST:
        return -back
    if tense is _FUTURE:
        return ahead
    if past_bias:
        return ahead if 2 * ahead < back else -back
    return -back if back <= ahead else ahead


def _cyclic(
    current: int, target: int, period: int, shift: int | None, tense: Tense | None, past_bias: bool = False
) -> int:
    """Steps from ``current`` to the chosen ``target`` in a cycle (weekdays, months, seasons)."""
    back = (current - target) % period
    ahead = (target - current) % period
    if shift is not None:
        if shift < 0:
            return -(back or period) - period * (-shift - 1)
        if shift > 0:
            return (ahead or period) + period * (shift - 1)
    return _pick(back, ahead, tense, past_bias)


def add_months(day: date, months: int) -> tuple[int, int]:
    """(year, month) ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def season_index(day: date) -> int:
    """Index of the season holding ``day``; December opens the winter of its own year."""
    position = {12: 3, 1: 3, 2: 3}.get(day.month, (day.month - 3) // 3)
    year = day.year - 1 if day.month <= 2 else day.year
    return 4 * year + position


def iso_week(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def format_value(t: Timex, year: int, month: int | None = None, day: int | None = None) -> str:
    """A TIMEX3 value at ``t``'s granularity from calendar parts."""
    g = t.granularity
    if g is _SEASON:
        return f"{year}-{t.season}"
    if g is _QUARTER:
        return f"{year}-Q{t.quarter}"
    if g is _YEAR or month is None:
        return f"{year:04d}"
    if g is _MONTH or day is None:
        return f"{year:04d}-{month:02d}"
    if g is _MINUTE and t.hour is not None and t.minute is not None:
        return f"{year:04d}-{month:02d}-{day:02d}T{t.hour:02d}:{t.minute:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _resolve_offset(t: Timex, ref: date, n: int) -> str | None:
    g = t.granularity
    if t.weekend:
        return iso_week(ref + timedelta(weeks=n)) + "-WE"
    if g is _DAY:
        return (ref + timedelta(days=n)).isoformat()
    if g is _WEEK:
        return iso_week(ref + timedelta(weeks=n))
    if g is _MONTH:
        year, month = add_months(ref, n)
        return f"{year:04d}-{month:02d}"
    if g is _QUARTER:
        index = ref.year * 4 + (ref.month - 1) // 3 + n
        return f"{index // 4}-Q{index % 4 + 1}"
    if g is _YEAR:
        return f"{ref.year + n:04d}"
    return None


def _resolve_weekday(t: Timex, ref: date, tense: Tense | None, weekday: int) -> str:
    if t.shift == 0:  # "an diesem Mittwoch", "this Friday": the day in the reference's week
        day = ref + timedelta(days=weekday - ref.isoweekday())
    else:
        day = ref + timedelta(days=_cyclic(ref.isoweekday(), weekday, 7, t.shift, tense, past_bias=True))
    if t.granularity is _MINUTE and t.hour is not None and t.minute is not None:
        return f"{day.isoformat()}T{t.hour:02d}:{t.minute:02d}"
    return day.isoformat()


def _resolve_month(t: Timex, ref: date, tense: Tense | None, month: int) -> str:
    if t.day is not None and t.shift is None:
        # a day of a month: compare the full day, nearest by days when the tense is open
        this_year = _safe_date(ref.year, month, t.day)
        if this_year is None:
            return format_value(t, ref.year, month, t.day)
        if this_year == ref:
            year = ref.year
        elif this_year < ref:
            nxt = _safe_date(ref.year + 1, month, t.day)
            back, ahead = (ref - this_year).days, ((nxt - ref).days if nxt else 10**6)
            year = ref.year if _pick(back, ahead, tense) < 0 else ref.year + 1
        else:
            prev = _safe_date(ref.year - 1, month, t.day)
            back, ahead = ((ref - prev).days if prev else 10**6), (this_year - ref).days
            year = ref.year - 1 if _pick(back, ahead, tense) < 0 else ref.year
        if t.weekday is not None:
            # "Dienstag, den 16. April": the nearby year in which that day is that weekday
            for candidate in sorted((ref.year - 1, ref.year, ref.year + 1), key=lambda y: abs(y - year)):
                day = _safe_date(candidate, month, t.day)
                if day is not None and day.isoweekday() == t.weekday:
                    year = candidate
                    break
        return format_value(t, year, month, t.day)
    steps = 0 if t.shift == 0 else _cyclic(ref.month, month, 12, t.shift, tense)
    year, _ = add_months(ref, steps)
    return format_value(t, year, month, t.day)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve_season(t: Timex, ref: date, tense: Tense | None, season: str) -> str:
    current = season_index(ref)
    target = SEASONS.index(season)
    if t.shift == 0:
        # "diesen Sommer": the current season if it is that one, else the one in this calendar year
        index = current if current % 4 == target else 4 * ref.year + target
    else:
        index = current + _cyclic(current % 4, target, 4, t.shift, tense)
    return f"{index // 4}-{SEASONS[index % 4]}"


def _resolve_quarter(t: Timex, ref: date, tense: Tense | None, quarter: int) -> str:
    current = ref.year * 4 + (ref.month - 1) // 3
    if t.shift == 0:
        index = ref.year * 4 + quarter - 1
    else:
        index = current + _cyclic(current % 4, quarter - 1, 4, t.shift, tense)
    return f"{index // 4}-Q{index % 4 + 1}"


def _resolve_weekend(t: Timex, ref: date, tense: Tense | None) -> str:
    wd = ref.isoweekday()
    if t.shift is not None:
        # "am kommenden Wochenende" on a weekday is this week's; "vergangenen" is the one before
        weeks = t.shift - 1 if t.shift > 0 and wd < 6 else t.shift
    elif wd >= 6:  # on the weekend itself
        weeks = 0
    else:
        back, ahead = wd + 1, 6 - wd  # to last Saturday, to the coming Saturday
        weeks = -1 if _pick(back, ahead, tense) < 0 else 0
    return iso_week(ref + timedelta(weeks=weeks)) + "-WE"


def resolve(t: Timex, reference: date | datetime | None, tense: Tense | None = None) -> str | None:
    """The TIMEX3 value of ``t``: pure, from the text's parts, the reference and the tense.

    Returns None for a relative expression when there is no reference.
    """
    if t.kind is _DURATION:
        if t.duration is None or t.granularity is None:
            return None
        if t.granularity is _QUARTER:
            return f"P{3 * t.duration}M"
        unit = _DURATION_UNIT.get(t.granularity)
        return f"P{t.duration}{unit}" if unit else None
    if t.decade is not None:
        return t.decade
    if t.year is not None:
        return format_value(t, t.year, t.month, t.day)
    ref = as_date(reference)
    if ref is None:
        return None
    if t.anaphoric:
        return ref.isoformat()  # the caller prefers the day last mentioned in the text
    if t.year_offset is not None:
        return format_value(t, ref.year + t.year_offset, t.month, t.day)
    tense = t.direction or tense
    if t.offset is not None:
        return _resolve_offset(t, ref, t.offset)
    if t.weekday is not None and t.month is None:
        return _resolve_weekday(t, ref, tense, t.weekday)
    if t.month is not None:
        return _resolve_month(t, ref, tense, t.month)
    if t.season is not None:
        return _resolve_season(t, ref, tense, t.season)
    if t.quarter is not None:
        return _resolve_quarter(t, ref, tense, t.quarter)
    if t.weekend:
        return _resolve_weekend(t, ref, tense)
    return None
