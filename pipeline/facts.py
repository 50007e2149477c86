"""Sentence-level helpers shared by the fact stages (troops, budgets, weapons).

A fact stage finds an anchor (a number next to a trigger word) and then asks the
same questions: which clause states it, which country acts (the subject), where
("in Japan", "nach Litauen", "auf Okinawa"), how sure the text is (cues like "will",
"schlägt vor", "Ziel"), which calendar date it gives, and what evidence to cite.
This module answers them on top of the shared stages: numbers (``doc._.numbers``),
dates (``doc._.dates``) and countries (:func:`pipeline.countries.doc_countries`).

- :func:`sentences`, :func:`segment`, :func:`fact_evidence`: where a fact is stated.
- :func:`numbers_in`, :func:`dates_in`, :func:`countries_in`: mentions inside a span.
- :func:`actor_before`, :func:`compound_country`, :func:`owner_after`,
  :func:`located`: who is who, by position and preposition.
- :class:`Cues`: regular-expression word lists from ``pipeline/data/<lang>/*.tsv``.
- :func:`calendar_date`, :func:`published_date`: ``as_of`` values.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from spacy.tokens import Doc

from .countries import ORG_CODES, CountryMention, doc_countries
from .lexicon import lang_file, load_tsv
from .nlp import doc_text, evidence, token_table
from .records import DateKind, DateMention, Evidence, Granularity, NumberKind, NumberMention

#: Characters that end a segment inside a sentence: colon, semicolon, dashes used as
#: punctuation. A fact's clause never crosses them.
_SEGMENT_BREAK = re.compile(r"[:;]\s|\s[–—]\s|\s-\s")
#: Where a clause ends after the fact: a comma or semicolon followed by a space
#: (a comma inside "28,500" is not followed by a space).
_CLAUSE_END = re.compile(r"(?<!-)[,;:]\s|\s[–—]\s|\(")
#: A date text that gives the start of a period, not the date of a figure.
_SINCE = re.compile(r"^(?:seit|since|ab|from)\b", re.IGNORECASE)
_SINCE_BEFORE = re.compile(r"(?<!\w)(?:seit|since|ab)\s+$", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"(?<!\w)(\w+)\s+(?:(?:the|der|die|das|den|dem|des)\s+)?$", re.IGNORECASE)
_PERIOD = re.compile(r"^(\d{4})-(SP|SU|FA|WI|Q1|Q2|Q3|Q4)$")
_PERIOD_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12, "Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10}
#: A full stop after a year, before a capital ("für 2025. Der"); the pattern starts at the
#: stop, not at a look-behind, so a search skips to the next "." instead of trying every position.
_YEAR_STOP = re.compile(r"\.(?<=(?<!\d)(?:19|20)\d\d\.)\s+(?=[A-ZÄÖÜ„\"])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})")
_YMD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:$|T)")


def lang_of(doc: Doc) -> str:
    return "de" if doc.lang_.startswith("de") else "en"


# ---- where a fact is stated ------------------------------------------------------------


def sentences(doc: Doc) -> list[tuple[int, int]]:
    """Character spans of the Doc's sentences outside boilerplate, surrounding space trimmed.

    Computed once per Doc from its token table (every fact stage asks) and kept as plain
    tuples on ``doc.user_data``."""
    cached = doc.user_data.get(_SENTENCES_KEY)
    if cached is None:
        cached = doc.user_data[_SENTENCES_KEY] = tuple(_sentences(doc))
    return list(cached)


_SENTENCES_KEY = "newsfacts.fact_sentences"


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    text = doc_text(doc)
    table = token_table(doc)
    boilerplate: tuple[tuple[int, int], ...] = tuple(doc._.boilerplate)
    cuts = _cuts(text)
    cut_starts = [start for start, _, _ in cuts]
    spans: list[tuple[int, int]] = []
    for first, last in table.sents:
        if first >= last:  # an empty Doc
            continue
        start, end = table.idxs[first], table.ends[last - 1]
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        parts: list[tuple[int, int]] = []
        i = bisect.bisect_left(cut_starts, start)
        while i < len(cuts) and cuts[i][2] <= end:
            parts.append((start, cuts[i][1]))
            start = cuts[i][2]
            i += 1
        parts.append((start, end))
        for part_start, part_end in parts:
            if part_end > part_start and not (
                boilerplate
                and any(part_start < b_end and part_end > b_start for b_start, b_end in boilerplate)
            ):
                spans.append((part_start, part_end))
    return spans


def _cuts(text: str) -> list[tuple[int, int, int]]:
    """Where a tokenizer sentence is cut, as (match start, end of the left part, start of the
    right part): at a blank line (a headline or list item without a full stop runs into the
    next paragraph) and after a year's full stop (the German tokenizer reads "2025." as an
    ordinal, so "... für 2025. Der Haushalt" stays one sentence), though not where the stop
    runs into a blank line.

    Found in one pass over the text. Both patterns match only a stop and whitespace, so a
    sentence, which starts and ends with non-space, is cut at exactly the matches lying
    wholly inside it: the ones a search of the sentence alone finds.
    """
    blank = [(m.start(), m.start(), m.end()) for m in _BLANK_LINE.finditer(text)]
    years = [
        (m.start(), m.start() + 1, m.end())
        for m in _YEAR_STOP.finditer(text)
        if not any(b_start < m.end() and m.start() < b_end for b_start, _, b_end in blank)
    ]
    return sorted(blank + years)


def segment(text: str, start: int, end: int, char: int) -> tuple[int, int]:
    """The part of the sentence ``text[start:end]`` holding ``char``, between colons,
    semicolons and dashes ("... gestärkt: Japan verdoppelte ..." -> "Japan verdoppelte ...")."""
    seg_start, seg_end = start, end
    for m in _SEGMENT_BREAK.finditer(text, start, end):
        if m.end() <= char:
            seg_start = m.end()
        elif m.start() >= char:
            seg_end = m.start()
            break
    return seg_start, seg_end


def clause_end(text: str, char: int, limit: int) -> int:
    """End of the clause that goes on at ``char``: the next comma/semicolon followed by a
    space, or ``limit``."""
    m = _CLAUSE_END.search(text, char, limit)
    return m.start() if m else limit


def fact_evidence(doc: Doc, seg_start: int, fact_end: int, seg_end: int) -> Evidence:
    """Evidence from the segment start up to the end of the clause that holds the fact."""
    end = clause_end(doc_text(doc), fact_end, seg_end)
    while end > seg_start and doc_text(doc)[end - 1].isspace():
        end -= 1
    return evidence(doc, seg_start, end)


# ---- mentions inside a span --------------------------------------------------------------


def numbers_in(doc: Doc, start: int, end: int) -> list[NumberMention]:
    """Quantities the numbers stage found inside ``[start, end)`` (not vague, not identifiers)."""
    found = [
        n
        for n in (doc._.numbers or [])
        if isinstance(n, NumberMention)
        and n.start >= start
        and n.end <= end
        and n.kind is NumberKind.QUANTITY
    ]
    return sorted(found, key=lambda n: (n.start, n.end))


def dates_in(doc: Doc, start: int, end: int) -> list[DateMention]:
    found = [
        d for d in (doc._.dates or []) if isinstance(d, DateMention) and d.start >= start and d.end <= end
    ]
    return sorted(found, key=lambda d: (d.start, d.end))


def countries_in(doc: Doc, start: int, end: int) -> list[CountryMention]:
    return [m for m in doc_countries(doc) if m.start >= start and m.end <= end]


# ---- who is who ------------------------------------------------------------------------


def is_state(mention: CountryMention) -> bool:
    return mention.code not in ORG_CODES


def actor_before(
    mentions: Sequence[CountryMention], char: int, exclude: Iterable[CountryMention] = ()
) -> CountryMention | None:
    """The acting country for a fact at ``char``: the closest mention before it that no
    preposition governs ("Die USA haben ...", "Japan verdoppelte ...", "US-Präsident ...",
    "Das Land ..."); states win over NATO/EU/UN, which act only when no state does."""
    skip = set(exclude)
    candidates = [m for m in mentions if m.end <= char and m.preposition is None and m not in skip]
    for pool in ([m for m in candidates if is_state(m)], candidates):
        if pool:
            return pool[-1]
    return None


def compound_country(mentions: Sequence[CountryMention], word_start: int) -> CountryMention | None:
    """The country a compound word starting at ``word_start`` names ("US-Soldaten",
    "Bundeswehrsoldaten", "Nato-Truppen")."""
    for m in mentions:
        if m.start == word_start and m.compound:
            return m
    return None


def owner_after(
    text: str, mentions: Sequence[CountryMention], char: int, linkers: frozenset[str]
) -> CountryMention | None:
    """The country right after ``char`` linked by genitive or origin words ("Soldaten der
    USA", "Truppen aus Deutschland", "troops from Germany")."""
    for m in mentions:
        if m.start < char:
            continue
        gap = text[char : m.start].lower().split()
        if gap and all(w in linkers for w in gap) and len(gap) <= 3:
            return m
        return None
    return None


def preposition_of(mention: CountryMention, text: str | None = None) -> str | None:
    """The preposition governing a mention: the resolver's, else (given the text) the word
    right before it, skipping an article ("rotate through Darwin", "across the Baltics")."""
    if mention.preposition or text is None:
        return mention.preposition
    m = _WORD_BEFORE.search(text, max(0, mention.start - 30), mention.start)
    return m.group(1).lower() if m else None


def located(
    mentions: Sequence[CountryMention],
    start: int,
    end: int,
    preps: frozenset[str],
    text: str | None = None,
) -> list[CountryMention]:
    """Mentions in ``[start, end)`` governed by a location preposition ("in Japan",
    "in ganz Japan", "nach Litauen", "auf Okinawa", "to Poland")."""
    found: list[CountryMention] = []
    for m in mentions:
        prep = preposition_of(m, text)
        if m.start >= start and m.end <= end and prep and prep.split()[0] in preps:
            found.append(m)
    return found


# ---- cue lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    label: str
    scope: str


class Cues:
    """A cue file ``<lang>/<name>``: one regular expression per row with a label column.

    ``label_col`` picks the column holding the label (rows whose label is ``-`` are
    skipped); ``scope_col`` the column saying where the cue applies (default
    ``clause``). Patterns are case-insensitive and must start at a word start unless
    they are anchored (``^`` for text after a number, ``$`` for text before it).

    Most clauses hold none of a file's words, so a search leaves out the cues whose
    letters (:func:`required_literal`) the text lacks: they cannot match, and the
    remaining ones are searched as one alternation per label (compiled once per
    combination), which matches exactly where the full one does.
    """

    def __init__(self, lang: str, name: str, label_col: str, scope_col: str | None = None) -> None:
        self.cues: list[Cue] = []
        by_scope: dict[str, list[tuple[str, bool, str]]] = {}  # (pattern, anchored, label)
        for row in load_tsv(lang_file(lang, name)):
            label = row[label_col]
            if not label or label == "-":
                continue
            raw = row["pattern"]
            anchored = raw.startswith("^") or raw.endswith("$")
            pattern = re.compile(raw if anchored else rf"(?<![\w-])(?:{raw})", re.IGNORECASE)
            self.cues.append(Cue(pattern, label, row[scope_col] if scope_col else "clause"))
            by_scope.setdefault(self.cues[-1].scope, []).append((raw, anchored, label))
        self._rows = by_scope
        #: per scope, (cue index, the letters it needs or "") of every cue
        self._needs = {
            scope: [(i, required_literal(raw)) for i, (raw, _, _) in enumerate(rows)]
            for scope, rows in by_scope.items()
        }
        self._pattern = lru_cache(maxsize=1024)(self._build)

    def _build(self, scope: str, kept: tuple[int, ...], named: bool) -> re.Pattern[str]:
        """The alternation of cues ``kept`` of ``scope`` (named: cue ``i`` in group ``c<i>``)."""
        rows = self._rows[scope]
        return _alternation([(i, rows[i][0], rows[i][1]) for i in kept], named)

    def _by_label(self, text: str, scope: str) -> dict[str, list[int]]:
        """The cues of ``scope`` that may match in ``text``, by label, in file order."""
        rows = self._rows.get(scope)
        if rows is None:
            return {}
        found: dict[str, list[int]] = {}
        for i in _kept_rows(self._needs[scope], _lowered(text)):
            found.setdefault(rows[i][2], []).append(i)
        return found

    def labels(self, text: str, scope: str = "clause") -> set[str]:
        return {
            label
            for label, kept in self._by_label(text, scope).items()
            if self._pattern(scope, tuple(kept), False).search(text)
        }

    def has(self, label: str, text: str, scope: str = "clause") -> bool:
        """``label in self.labels(text, scope)``, searching only that label's cues."""
        kept = self._by_label(text, scope).get(label)
        return bool(kept and self._pattern(scope, tuple(kept), False).search(text))

    def first(self, text: str, scope: str = "clause") -> tuple[int, int, str] | None:
        """The earliest match in ``text``: (start, end, label); the first cue on ties."""
        rows = self._rows.get(scope)
        if rows is None:
            return None
        kept = _kept_rows(self._needs[scope], _lowered(text))
        m = self._pattern(scope, tuple(kept), True).search(text) if kept else None
        return (m.start(), m.end(), rows[int((m.lastgroup or "")[1:])][2]) if m else None

    def spans(self, text: str, scope: str = "clause") -> list[tuple[int, int, str]]:
        """All matches of this scope in ``text``, ordered: (start, end, label)."""
        found = [
            (m.start(), m.end(), c.label)
            for c in self.cues
            if c.scope == scope
            for m in c.pattern.finditer(text)
        ]
        return sorted(found)


def _alternation(patterns: list[tuple[int, str, bool]], named: bool = False) -> re.Pattern[str]:
    """Cue patterns (index, pattern, anchored) as one alternation, in order (``named``: cue
    ``i`` in group ``c<i>``). A run of unanchored cues shares one word-start look-behind,
    tested once per position instead of once per cue."""
    branches: list[str] = []
    run: list[str] = []
    for i, raw, anchored in patterns:
        body = f"(?P<c{i}>{raw})" if named else f"(?:{raw})"
        if not anchored:
            run.append(body)
            continue
        if run:
            branches.append(rf"(?<![\w-])(?:{'|'.join(run)})")
            run = []
        branches.append(body)
    if run:
        branches.append(rf"(?<![\w-])(?:{'|'.join(run)})")
    return re.compile("|".join(branches), re.IGNORECASE)


# ---- vocabulary lists searched as one alternation -----------------------------------------


class PatternRows:
    """The row patterns of a vocabulary file, searched as one alternation that ``build``
    makes (and that is kept) from only the rows that may match in the text at hand.

    An alternation costs a test of every row at every character, and most sentences hold
    none of a list's words. A row that needs plain letters ("soldat(?:en|innen)",
    :func:`required_literal`) cannot match in a text without them, so leaving it out
    changes no match; rows that need none are always kept. ``build`` gets the kept row
    indices, in file order. Suits lists whose words seldom meet in one sentence (each
    combination is compiled once).
    """

    def __init__(self, patterns: Sequence[str], build: Callable[[tuple[int, ...]], re.Pattern[str]]) -> None:
        self.needs = [(i, required_literal(p)) for i, p in enumerate(patterns)]
        self._build = lru_cache(maxsize=256)(build)

    def regex(self, text: str, start: int, end: int) -> re.Pattern[str] | None:
        """The alternation for ``text[start:end]``; None when no row can match there."""
        rows = _kept_rows(self.needs, _lowered(text[start:end]))
        return self._build(tuple(rows)) if rows else None


def _lowered(text: str) -> str | None:
    """``text.lower()``, in which a literal occurs wherever a case-insensitive regex finds
    it; None for a text where that may fail (see :func:`_folds_like_lower`)."""
    return text.lower() if _folds_like_lower(text) else None


def _kept_rows(needs: Sequence[tuple[int, str]], lowered: str | None) -> list[int]:
    """The rows of ``needs`` (index, required literal) whose literal occurs in ``lowered``
    (all of them for None)."""
    if lowered is None:
        return [i for i, _ in needs]
    return [i for i, literal in needs if literal in lowered]  # "" (no literal) is in every text


#: Letters an opening literal is made of (lowercase; patterns are case-insensitive).
_LITERAL_LETTERS = "abcdefghijklmnopqrstuvwxyzäöüß"
_LETTER_SET = frozenset(_LITERAL_LETTERS)
_CASELESS_LETTERS = [re.compile(letter, re.IGNORECASE) for letter in _LITERAL_LETTERS]
_LOWER_SAFE: set[str] = set()
_LOWER_UNSAFE: set[str] = set()
#: An inline flag ("(?i)", "(?x:", "(?-i:") may change how the letters of a pattern read.
_INLINE_FLAGS = re.compile(r"\(\?[-aiLmsux]")
#: How many characters an escape takes: "\x41", "\u00e4", "\U0001F600" name one character.
_ESCAPE_SIZE = {"x": 4, "u": 6, "U": 10}


def _folds_like_lower(text: str) -> bool:
    """Does every character of ``text`` match a literal letter case-insensitively only when
    ``str.lower`` turns it into that letter? Then a literal occurs in ``text.lower()``
    wherever the regex engine finds it. Not so for rare characters like "ſ" (which matches
    "s") or the Kelvin sign ("k"); texts with them are searched with every row."""
    chars = set(text)
    if chars <= _LOWER_SAFE:
        return True
    for char in chars - _LOWER_SAFE:
        if char not in _LOWER_UNSAFE and all(
            p.fullmatch(char) is None or char.lower() == p.pattern for p in _CASELESS_LETTERS
        ):
            _LOWER_SAFE.add(char)
        else:
            _LOWER_UNSAFE.add(char)
            return False
    return True


def opening_literal(pattern: str) -> str:
    """The letters every match of ``pattern`` opens with, lowercased: its leading letters up
    to the first other character or the first one a quantifier makes optional; "" when it
    has none or a "|" outside parentheses offers another start."""
    if _top_level_bar(pattern):
        return ""
    size = 0
    while (
        size < len(pattern)
        and pattern[size].lower() in _LITERAL_LETTERS
        and pattern[size + 1 : size + 2] not in ("?", "*", "+", "{")
    ):
        size += 1
    return pattern[:size].lower()


def required_literal(pattern: str) -> str:
    """The longest run of plain letters every match of ``pattern`` holds, lowercased, for a
    case-insensitive search: letters outside groups and classes that no quantifier makes
    optional ("[\\w-]*ziel\\b" -> "ziel"); "" when it has none, a "|" outside parentheses
    offers another way, or an inline flag may change how the pattern reads."""
    if _top_level_bar(pattern) or _INLINE_FLAGS.search(pattern):
        return ""
    best, run = "", ""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if depth == 0 and char.lower() in _LETTER_SET and pattern[i + 1 : i + 2] not in ("?", "*", "+", "{"):
            run += char.lower()
            i += 1
            continue
        best = run if len(run) > len(best) else best
        run = ""
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped == "N":  # "\\N{EM DASH}"
                close = pattern.find("}", i)
                i = close + 1 if close >= 0 else len(pattern)
            else:
                i += _ESCAPE_SIZE.get(escaped, 2)
            continue
        if char == "[":  # a class, which may open with "^" and a literal "]"
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        i += 1
    return run if len(run) > len(best) else best


def _top_level_bar(pattern: str) -> bool:
    """Does ``pattern`` hold a "|" outside parentheses, escapes and character classes?"""
    depth, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 1  # the escaped character
        elif char == "[":  # a class, which may open with "^" and a literal "]"
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        i += 1
    return False


@lru_cache(maxsize=32)
def cues(lang: str, name: str, label_col: str, scope_col: str | None = None) -> Cues:
    """Compiled cue file, once per process."""
    return Cues(lang, name, label_col, scope_col)


@lru_cache(maxsize=16)
def words(lang: str, name: str, role: str) -> frozenset[str]:
    """The ``word`` column of rows with ``role`` in a ``word<TAB>role`` file."""
    return frozenset(r["word"].lower() for r in load_tsv(lang_file(lang, name)) if r["role"] == role)


# ---- dates -------------------------------------------------------------------------------


def published_date(doc: Doc) -> date | None:
    value = doc._.published
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def to_date(value: str | None) -> date | None:
    """The first day of an ISO 8601 value: "2027" -> 2027-01-01, "2024-W15" -> its Monday,
    "2023-FA" -> 2023-09-01."""
    if not value:
        return None
    if m := _WEEK.match(value):
        try:
            return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            return None
    if m := _PERIOD.match(value):  # seasons (TIMEX3) and quarters: the month they start in
        return date(int(m.group(1)), _PERIOD_MONTH[m.group(2)], 1)
    if m := _YMD.match(value):
        try:
            return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            return None
    return None


def calendar_date(
    doc: Doc, start: int, end: int, char: int, *, year_only: bool = False
) -> DateMention | None:
    """The date in ``[start, end)`` closest to ``char`` that dates a figure ("bis 2027",
    "im Jahr 2024", "am 3. März 2025"; with ``year_only``, for a figure's year: only
    years, relative ones too, "in diesem Jahr", "next year", but not "im Februar 2022");
    not "seit 2014" and not durations."""
    best: DateMention | None = None
    best_dist = 0
    for d in dates_in(doc, start, end):
        allowed = d.kind is DateKind.ABSOLUTE or (year_only and d.kind is DateKind.RELATIVE)
        if not allowed or not d.value or _SINCE.match(d.text):
            continue
        if _SINCE_BEFORE.search(doc_text(doc)[max(start, d.start - 8) : d.start]):
            continue
        if year_only and d.granularity is not Granularity.YEAR:
            continue
        if to_date(d.value) is None:
            continue
        dist = abs(d.start - char)
        if best is None or dist < best_dist:
            best, best_dist = d, dist
    return best


# ---- context beyond the sentence ---------------------------------------------------------


def main_country(doc: Doc, exclude: Iterable[str] = ()) -> str | None:
    """The state the document talks about most (explicit mentions, not NATO/EU/UN): the
    fallback actor when a sentence names none ("Der Verband soll ... anwachsen")."""
    skip = set(exclude)
    counts: dict[str, int] = {}
    first: dict[str, int] = {}
    for m in doc_countries(doc):
        if m.kind == "anaphor" or not is_state(m) or m.code in skip:
            continue
        counts[m.code] = counts.get(m.code, 0) + 1
        first.setdefault(m.code, m.start)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], first[code]))


@dataclass(frozen=True, slots=True)
class PersonMention:
    """A well-known office holder named in the text, with the state they stand for."""

    start: int
    end: int
    code: str


@lru_cache(maxsize=1)
def _people_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    names: dict[str, str] = {}
    try:
        rows = load_tsv("known_people.tsv")  # the people stage's list of office holders
    except OSError:
        rows = ()
    for row in rows:
        name, code = row.get("name", ""), row.get("country", "")
        if not name or not code or not re.fullmatch(r"[A-Z]{2}", code):
            continue
        names.setdefault(name, code)
        last = name.split()[-1]
        if len(last) > 3 and last[0].isupper():
            names.setdefault(last, code)
    if not names:
        return re.compile(r"(?!)"), names
    alternation = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), names


def people_in(doc: Doc, start: int, end: int) -> list[PersonMention]:
    """Known office holders ("Kim Jong Un", "Putin") named in ``[start, end)``."""
    pattern, names = _people_pattern()
    return [
        PersonMention(m.start(), m.end(), names[m.group(0)])
        for m in pattern.finditer(doc_text(doc), start, end)
    ]


@lru_cache(maxsize=4)
def _attribution(lang: str) -> re.Pattern[str]:
    rows = load_tsv(lang_file(lang, "modality_sources.tsv"))
    alternation = "|".join(f"(?:{r['pattern']})" for r in rows)
    return re.compile(rf"(?<![\w-])(?:{alternation})\s+(?:[\w-]+\s+){{0,3}}$", re.IGNORECASE)


def prepare(lang: str) -> None:
    """Compile the patterns these helpers share now, when a stage is built, rather than
    on the first document that needs them."""
    _people_pattern()
    _attribution(lang)


def is_source(doc: Doc, mention: CountryMention, seg_start: int) -> bool:
    """Is the mention part of a source attribution ("nach Erkenntnissen des südkoreanischen
    Geheimdienstes", "according to US officials")? Such a country is not the actor."""
    before = doc_text(doc)[max(seg_start, mention.start - 60) : mention.start]
    return bool(_attribution(lang_of(doc)).search(before))
