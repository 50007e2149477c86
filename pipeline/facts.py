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
import itertools
import operator
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar

from spacy.tokens import Doc

from .countries import ORG_CODES, CountryMention, doc_countries
from .lexicon import lang_file, literal_trie, load_tsv
from .nlp import boilerplate, doc_text, evidence, extension, token_table
from .records import DateKind, DateMention, Evidence, Granularity, NumberKind, NumberMention

#: Characters that end a segment inside a sentence: colon, semicolon, dashes used as
#: punctuation (``[:;]\s|\s[–—]\s|\s-\s``). A fact's clause never crosses them.
#: Written to open with one class of every alternative's first character, so that ``re`` skips
#: to the next candidate with a fast scan instead of trying each alternative at every
#: character; the look-behinds tell which alternative the first character began.
_SEGMENT_BREAK = re.compile(r"[:;\s](?:(?<=[:;])\s|(?<=\s)[–—-]\s)")
#: Where a clause ends after the fact: a comma or semicolon followed by a space
#: (a comma inside "28,500" is not followed by a space), a dash used as punctuation, a
#: parenthesis (``(?<!-)[,;:]\s|\s[–—]\s|\(``, opening with a class as ``_SEGMENT_BREAK``).
_CLAUSE_END = re.compile(r"[,;:\s(](?:(?<=[,;:])(?<!-[,;:])\s|(?<=\s)[–—]\s|(?<=\())")
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
    idxs, ends = table.idxs, table.ends
    cuts = _cuts(text)
    spans: list[tuple[int, int]] = []
    k = 0  # the first cut not before the sentence at hand: sentences and cuts run in text order
    for first, last in table.sents:
        if first >= last:  # an empty Doc
            continue
        start, end = idxs[first], ends[last - 1]
        while end > start and text[end - 1].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        while k < len(cuts) and cuts[k][0] < start:
            k += 1
        while k < len(cuts) and cuts[k][2] <= end:
            spans.append((start, cuts[k][1]))
            start = cuts[k][2]
            k += 1
        spans.append((start, end))
    ranges = boilerplate(doc)
    if not ranges:  # most articles
        return [(start, end) for start, end in spans if end > start]
    # a span outside the stretch from the first range's start to the last one's end (most
    # spans: boilerplate sits in a block, often at the end) overlaps none of them
    lowest, highest = min(b_start for b_start, _ in ranges), max(b_end for _, b_end in ranges)
    return [
        (start, end)
        for start, end in spans
        if end > start
        and not (
            start < highest
            and end > lowest
            and any(start < b_end and end > b_start for b_start, b_end in ranges)
        )
    ]


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
    """Quantities the numbers stage found inside ``[start, end)`` (not vague, not identifiers),
    ordered by (start, end)."""
    ordered, starts = _by_offset(doc, _QUANTITIES, extension(doc, "numbers"), _quantities)
    return _within(ordered, starts, start, end)


def dates_in(doc: Doc, start: int, end: int) -> list[DateMention]:
    """The dates stage's mentions inside ``[start, end)``, ordered by (start, end)."""
    ordered, starts = _by_offset(doc, _DATES, extension(doc, "dates"), _date_mentions)
    return _within(ordered, starts, start, end)


def in_date(doc: Doc, start: int, end: int) -> bool:
    """Does ``[start, end)`` overlap one of the dates stage's mentions (a number inside a date is
    no count: "am 3. Mai", "die 2022 bestellten Panzer")? Only dates starting before ``end`` can."""
    ordered, starts = _by_offset(doc, _DATES, extension(doc, "dates"), _date_mentions)
    return any(d.end > start for d in ordered[: bisect.bisect_left(starts, end)])


def _quantities(mentions: Iterable[Any]) -> list[NumberMention]:
    return [n for n in mentions if isinstance(n, NumberMention) and n.kind is NumberKind.QUANTITY]


def _date_mentions(mentions: Iterable[Any]) -> list[DateMention]:
    return [d for d in mentions if isinstance(d, DateMention)]


M = TypeVar("M", NumberMention, DateMention, CountryMention)
_Sorted = tuple[object, list[M], list[int]]
_START_END = operator.attrgetter("start", "end")


def _by_offset(
    doc: Doc,
    cache: weakref.WeakKeyDictionary[Doc, _Sorted[M]],
    mentions: Sequence[Any] | None,
    keep: Callable[[Iterable[Any]], list[M]],
) -> tuple[list[M], list[int]]:
    """The ``mentions`` of a Doc that ``keep`` keeps, ordered by (start, end), with their
    starts: sorted once per Doc (stages ask for the mentions of many spans), again only when
    the Doc's list is replaced. Held beside the Doc, not in ``doc.user_data``, which
    ``Doc.to_bytes`` serialises."""
    cached = cache.get(doc)
    if cached is None or cached[0] is not mentions:
        ordered = sorted(keep(mentions or ()), key=_START_END)
        cached = cache[doc] = (mentions, ordered, [m.start for m in ordered])
    return cached[1], cached[2]


def _within(ordered: list[M], starts: list[int], start: int, end: int) -> list[M]:
    """The mentions of ``ordered`` (with their ``starts``) inside ``[start, end)``."""
    return [
        m
        for m in ordered[bisect.bisect_left(starts, start) : bisect.bisect_right(starts, end)]
        if m.end <= end
    ]


_QUANTITIES: weakref.WeakKeyDictionary[Doc, _Sorted[NumberMention]] = weakref.WeakKeyDictionary()
_DATES: weakref.WeakKeyDictionary[Doc, _Sorted[DateMention]] = weakref.WeakKeyDictionary()


def countries_in(doc: Doc, start: int, end: int) -> list[CountryMention]:
    return [m for m in doc_countries(doc) if m.start >= start and m.end <= end]


class CountryIndex:
    """A Doc's country mentions (:func:`doc_countries`) with their starts, for stages that ask
    for the mentions of many spans: a bisect per span instead of a pass over all of them."""

    def __init__(self, doc: Doc) -> None:
        self.mentions = doc_countries(doc)
        self.starts = [m.start for m in self.mentions]
        #: doc_countries gives them in text order; were it not so, spans are read one by one
        self.ordered = all(a <= b for a, b in itertools.pairwise(self.starts))

    def within(self, start: int, end: int) -> list[CountryMention]:
        """The mentions inside ``[start, end)``, in the Doc's order."""
        if not self.ordered:
            return [m for m in self.mentions if m.start >= start and m.end <= end]
        return _within(self.mentions, self.starts, start, end)


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
        if (
            m.start >= start
            and m.end <= end
            and (prep := preposition_of(m, text))
            and prep.split()[0] in preps
        ):
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

    Most clauses hold none of a file's words: a search tries only the cues whose letters
    (:func:`required_literals`) occur in the text, one by one. The others cannot match,
    so the answer is the one a search of every cue gives.
    """

    def __init__(self, lang: str, name: str, label_col: str, scope_col: str | None = None) -> None:
        self.cues: list[Cue] = []
        for row in load_tsv(lang_file(lang, name)):
            label = row[label_col]
            if not label or label == "-":
                continue
            raw = row["pattern"]
            anchored = raw.startswith("^") or raw.endswith("$")
            # the look-ahead of the cue's opening letters rejects most places at once
            opened = rf"{opening_guard([raw])}(?<![\w-])(?:{raw})"
            pattern = re.compile(raw if anchored else opened, re.IGNORECASE)
            self.cues.append(Cue(pattern, label, row[scope_col] if scope_col else "clause"))
        #: per scope, its cues in file order and what each needs (see :class:`RowGate`)
        self._scoped: dict[str, tuple[list[Cue], RowGate]] = {}
        raws = [row["pattern"] for row in load_tsv(lang_file(lang, name)) if row[label_col] not in ("", "-")]
        for scope in dict.fromkeys(c.scope for c in self.cues):
            members = [(c, raw) for c, raw in zip(self.cues, raws, strict=True) if c.scope == scope]
            self._scoped[scope] = ([c for c, _ in members], RowGate([raw for _, raw in members]))

    def _candidates(self, text: str, scope: str) -> list[Cue]:
        """The cues of ``scope`` that may match in ``text``, in file order."""
        return self._candidates_in(folded(text), scope)

    def _candidates_in(self, lowered: str | None, scope: str) -> list[Cue]:
        """:meth:`_candidates` for a text whose :func:`folded` form is ``lowered``."""
        scoped = self._scoped.get(scope)
        if scoped is None:
            return []
        cues, gate = scoped
        return [cues[i] for i in gate.rows_in(lowered)]

    def labels(self, text: str, scope: str = "clause") -> set[str]:
        found: set[str] = set()
        for cue in self._candidates(text, scope):
            if cue.label not in found and cue.pattern.search(text):
                found.add(cue.label)
        return found

    def has(self, label: str, text: str, scope: str = "clause") -> bool:
        """``label in self.labels(text, scope)``, searching only that label's cues."""
        return self.has_in(label, text, folded(text), scope)

    def has_in(self, label: str, text: str, lowered: str | None, scope: str = "clause") -> bool:
        """:meth:`has` for a ``text`` whose :func:`folded` form is ``lowered``."""
        return any(c.pattern.search(text) for c in self._candidates_in(lowered, scope) if c.label == label)

    def first(self, text: str, scope: str = "clause") -> tuple[int, int, str] | None:
        """The earliest match in ``text``: (start, end, label); the first cue in the file on
        ties, as in one alternation of them all."""
        best: tuple[int, int, str] | None = None
        for cue in self._candidates(text, scope):
            m = cue.pattern.search(text)
            if m is not None and (best is None or m.start() < best[0]):
                best = (m.start(), m.end(), cue.label)
        return best

    def spans(self, text: str, scope: str = "clause") -> list[tuple[int, int, str]]:
        """All matches of this scope in ``text``, ordered: (start, end, label)."""
        found = [
            (m.start(), m.end(), c.label)
            for c in self.cues
            if c.scope == scope
            for m in c.pattern.finditer(text)
        ]
        return sorted(found)


# ---- vocabulary lists searched as one alternation -----------------------------------------


class RowGate:
    """Which row patterns of a vocabulary list may match in a text, told by the literals
    they need (:func:`required_literals`): a row that needs letters the text lacks cannot
    match. Patterns must be searched case-insensitively."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.all = list(range(len(patterns)))
        #: rows that need no known literal: kept for every text
        self.always: list[int] = []
        #: each literal some row needs, with the rows that need it (one of theirs)
        self.rows_of: dict[str, list[int]] = {}
        for i, pattern in enumerate(patterns):
            literals = required_literals(pattern)
            if not literals:
                self.always.append(i)
            for literal in dict.fromkeys(literals):
                self.rows_of.setdefault(literal, []).append(i)
        # Literals are found in the lowered text by one trie regex, which matches the longest
        # literal starting at a place; the shorter ones it begins with start there too: a match
        # keeps the rows of all of them (_rows_starting).
        self._any = re.compile(literal_trie(self.rows_of) or "(?!)")
        self._rows_starting = {
            literal: frozenset(
                i for short, rows in self.rows_of.items() if literal.startswith(short) for i in rows
            )
            for literal in self.rows_of
        }

    def rows(self, text: str) -> list[int]:
        """The rows that may match somewhere in ``text``, in order."""
        return self.rows_in(folded(text))

    def rows_in(self, lowered: str | None) -> list[int]:
        """:meth:`rows` of a text whose :func:`folded` form is ``lowered`` (for callers that
        ask several gates about one text)."""
        if lowered is None:
            return self.all
        if len(self.rows_of) <= _FEW_LITERALS:  # a substring test each: quicker than the trie then
            found = [rows for literal, rows in self.rows_of.items() if literal in lowered]
            if not found:  # most texts
                return self.always
            kept = set(self.always)
            for rows in found:
                kept.update(rows)
            return sorted(kept)
        m = self._any.search(lowered)
        if m is None:  # most texts
            return self.always
        kept = set(self.always)
        while m is not None:  # every place a literal starts, overlapping ones too
            kept.update(self._rows_starting[m.group()])
            m = self._any.search(lowered, m.start() + 1)
        return sorted(kept)


#: Up to this many literals :meth:`RowGate.rows` tests each with ``in`` (the trie search
#: of the lowered text costs about as much as twenty such tests).
_FEW_LITERALS = 20


class Gated:
    """A case-insensitive pattern whose ``search`` first asks whether the text holds one of
    the literals every match needs (:func:`required_literals`): a substring test of the
    lowered text, several times cheaper than the search itself, which ``re`` runs at every
    character when the pattern opens with a look-behind. Most sentences hold none of them;
    without the literals the pattern cannot match, so the answer is the plain search's."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.gate = RowGate([pattern.pattern])  # the same test, for a list of one row

    def may_match(self, text: str) -> bool:
        return bool(self.gate.rows(text))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        start, end = max(0, pos), len(text) if endpos is None else endpos
        return self.search_in(folded(text[start:end]), text, start, end)

    def search_in(
        self, lowered: str | None, text: str, pos: int = 0, endpos: int | None = None
    ) -> re.Match[str] | None:
        """:meth:`search` of ``text[pos:endpos]``, whose :func:`folded` form is ``lowered``."""
        if not self.gate.rows_in(lowered):
            return None
        return self.pattern.search(text, max(0, pos), len(text) if endpos is None else endpos)


class PatternRows:
    """The row patterns of a vocabulary file, searched as one alternation that ``build``
    makes (and that is kept) from only the rows that may match in the text at hand.

    An alternation costs a test of every row at every character, and most sentences hold
    none of a list's words. A row that needs plain letters ("soldat(?:en|innen)",
    :class:`RowGate`) cannot match in a text without them, so leaving it out changes no
    match; rows that need none are always kept. ``build`` gets the kept row indices, in
    file order. Suits lists whose words seldom meet in one sentence (each combination is
    compiled once).
    """

    def __init__(self, patterns: Sequence[str], build: Callable[[tuple[int, ...]], re.Pattern[str]]) -> None:
        self.gate = RowGate(patterns)
        self._build = lru_cache(maxsize=256)(build)

    def regex(self, text: str, start: int, end: int) -> re.Pattern[str] | None:
        """The alternation for ``text[start:end]``; None when no row can match there."""
        return self.regex_in(folded(text[start:end]))

    def regex_in(self, lowered: str | None) -> re.Pattern[str] | None:
        """:meth:`regex` for the text whose :func:`folded` form is ``lowered``."""
        rows = self.gate.rows_in(lowered)
        return self._build(tuple(rows)) if rows else None


#: Letters a required literal is made of (lowercase; patterns are case-insensitive).
_LITERAL_LETTERS = "abcdefghijklmnopqrstuvwxyzäöüß"
_LETTER_SET = frozenset(_LITERAL_LETTERS)
_CASELESS_LETTERS = [re.compile(letter, re.IGNORECASE) for letter in _LITERAL_LETTERS]
_LOWER_SAFE: set[str] = set()
_LOWER_UNSAFE: set[str] = set()
_QUANTIFIERS = ("?", "*", "+", "{")
#: An inline flag ("(?i)", "(?x:", "(?-i:") may change how the letters of a pattern read.
_INLINE_FLAGS = re.compile(r"\(\?[-aiLmsux]")
#: How many characters an escape takes: "\x41", "\u00e4", "\U0001F600" name one character.
_ESCAPE_SIZE = {"x": 4, "u": 6, "U": 10}


#: A number's unit that is a currency: the numbers stage writes ISO 4217 codes.
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@lru_cache(maxsize=256)
def is_currency(unit: str) -> bool:
    """Is ``unit`` an ISO 4217 code (asked per number of a Doc; memoised per unit)?"""
    return _CURRENCY.match(unit) is not None


def folded(text: str) -> str | None:
    """``text.lower()``, in which a required literal occurs wherever a case-insensitive search
    of ``text`` finds it (:func:`_folds_like_lower`); None for the rare text where that may
    not hold (then every row may match)."""
    return text.lower() if text.isascii() or _folds_like_lower(text) else None


def _folds_like_lower(text: str) -> bool:
    """Does every character of ``text`` match a literal letter case-insensitively only when
    ``str.lower`` turns it into that letter? Then a literal occurs in ``text.lower()``
    wherever the regex engine finds it. Not so for rare characters like "ſ" (which matches
    "s") or the Kelvin sign ("k"); texts with them are searched with every row."""
    global _NOT_SAFE
    if _NOT_SAFE.search(text) is None:  # every character known to be safe: the common case
        return True
    for char in set(text) - _LOWER_SAFE:
        if char not in _LOWER_UNSAFE and all(
            p.fullmatch(char) is None or char.lower() == p.pattern for p in _CASELESS_LETTERS
        ):
            _LOWER_SAFE.add(char)
        else:
            _LOWER_UNSAFE.add(char)
            return False
    _NOT_SAFE = re.compile("[^" + "".join(map(re.escape, sorted(_LOWER_SAFE))) + "]")
    return True


#: A character not (yet) known to be safe; rebuilt whenever a text brings new safe ones.
_NOT_SAFE = re.compile(".", re.DOTALL)


def required_literals(pattern: str) -> tuple[str, ...]:
    """Lowercased literals one of which every match of ``pattern`` holds, for a
    case-insensitive search; () when none is known.

    Read from runs of plain letters no quantifier makes optional ("[\\w-]*ziel\\b" ->
    ziel) and from groups no quantifier makes optional, whose every alternative needs
    one ("für\\s+(?:verteidigung|rüstung)" -> verteidigung or rüstung, rarer than "für").
    Of several, the one whose shortest literal is longest wins. Patterns with an inline
    flag ("(?x)") are not read.
    """
    if _INLINE_FLAGS.search(pattern):
        return ()
    return tuple(_needs(pattern) or ())


def opening_letters(pattern: str) -> str:
    """The lowercase letters one of which opens every match of ``pattern`` searched
    case-insensitively ("soldat(?:en|innen)|truppen" -> "st"); "" when an alternative may
    open otherwise ("\\w+", "[ab]c", "(?:die\\s+)?x", a look-around) or the pattern has an
    inline flag.

    A look-ahead of these letters in front of an alternation ("(?=[st])(?:...)") lets ``re``
    reject a position with one class test instead of entering every alternative.
    """
    if _INLINE_FLAGS.search(pattern):
        return ""
    letters: set[str] = set()
    for alternative in _split_bars(pattern):
        first = alternative[:1]
        if first and first.lower() in _LETTER_SET and alternative[1:2] not in _QUANTIFIERS:
            letters.add(first.lower())
            continue
        if first != "(":
            return ""
        close, body = _skip_group(alternative, 0), _group_body(alternative, 0)
        if body < 0 or alternative[close + 1 : close + 2] in _QUANTIFIERS:
            return ""
        inner = opening_letters(alternative[body:close])
        if not inner:
            return ""
        letters.update(inner)
    return "".join(sorted(letters))


def opening_guard(patterns: Iterable[str]) -> str:
    """A look-ahead for the letters that open every match of any of ``patterns``
    (:func:`opening_letters`), to stand in front of their alternation; "" when one of them
    may open otherwise."""
    letters: set[str] = set()
    for pattern in patterns:
        opening = opening_letters(pattern)
        if not opening:
            return ""
        letters.update(opening)
    return f"(?=[{''.join(sorted(letters))}])" if letters else ""


def _needs(pattern: str) -> list[str] | None:
    """:func:`required_literals` of a pattern or group body; None when none is known."""
    alternatives = _split_bars(pattern)
    if len(alternatives) > 1:
        union: list[str] = []
        for alternative in alternatives:
            need = _needs(alternative)
            if need is None:
                return None
            union += need
        return union
    best: list[str] | None = None

    def offer(need: list[str] | None) -> None:
        nonlocal best
        if need and (best is None or _selectivity(need) > _selectivity(best)):
            best = need

    run, i = "", 0
    while i < len(pattern):
        char = pattern[i]
        if char.lower() in _LETTER_SET and pattern[i + 1 : i + 2] not in _QUANTIFIERS:
            run += char.lower()
            i += 1
            continue
        offer([run] if run else None)
        run = ""
        if char == "(":
            close = _skip_group(pattern, i)
            body = _group_body(pattern, i)
            if body >= 0 and pattern[close + 1 : close + 2] not in _QUANTIFIERS:
                offer(_needs(pattern[body:close]))
            i = close + 1
        else:
            i = _skip_atom(pattern, i)
    offer([run] if run else None)
    return best


def _selectivity(need: list[str]) -> tuple[int, int]:
    """How seldom a text holds one of ``need``: its shortest literal long, few literals."""
    return min(map(len, need)), -len(need)


def _skip_atom(pattern: str, i: int) -> int:
    """Index after the escape, class or single character at ``pattern[i]``."""
    char = pattern[i]
    if char == "\\":
        escaped = pattern[i + 1 : i + 2]
        if escaped == "N":  # "\N{EM DASH}"
            close = pattern.find("}", i)
            return close + 1 if close >= 0 else len(pattern)
        return i + _ESCAPE_SIZE.get(escaped, 2)
    if char == "[":  # a class, which may open with "^" and a literal "]"
        i += 2 if pattern[i + 1 : i + 2] == "^" else 1
        i += 1 if pattern[i : i + 1] == "]" else 0
        while i < len(pattern) and pattern[i] != "]":
            i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _skip_group(pattern: str, i: int) -> int:
    """Index of the ")" closing the group opened at ``pattern[i]`` (the end when unclosed)."""
    depth = 0
    while i < len(pattern):
        if pattern[i] == "(":
            depth += 1
        elif pattern[i] == ")":
            depth -= 1
            if depth == 0:
                return i
        i = _skip_atom(pattern, i) if pattern[i] in "\\[" else i + 1
    return len(pattern)


def _group_body(pattern: str, i: int) -> int:
    """Where the body of the group opened at ``pattern[i]`` starts, if it is text of the
    match (a plain, non-capturing or named group); -1 for look-arounds, comments and the like."""
    if pattern[i + 1 : i + 2] != "?":
        return i + 1
    if pattern[i + 2 : i + 3] == ":":
        return i + 3
    if pattern[i + 2 : i + 4] == "P<":
        close = pattern.find(">", i)
        return close + 1 if close >= 0 else -1
    return -1


def _split_bars(pattern: str) -> list[str]:
    """``pattern`` cut at every "|" outside parentheses, escapes and classes."""
    parts: list[str] = []
    start, i = 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "(":
            i = _skip_group(pattern, i) + 1
        elif char == "|":
            parts.append(pattern[start:i])
            start = i = i + 1
        else:
            i = _skip_atom(pattern, i)
    parts.append(pattern[start:])
    return parts


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
    value = extension(doc, "published")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


@lru_cache(maxsize=4096)
def to_date(value: str | None) -> date | None:
    """The first day of an ISO 8601 value: "2027" -> 2027-01-01, "2024-W15" -> its Monday,
    "2023-FA" -> 2023-09-01. Memoised: stages ask for the same few values (per date per figure)."""
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
    # a look-ahead of the names' first characters: most places fail its one class test
    opening = "".join(re.escape(first) for first in sorted({n[0] for n in names}))
    return re.compile(rf"(?=[{opening}])(?<!\w)(?:{alternation})(?!\w)"), names


def people_in(doc: Doc, start: int, end: int) -> list[PersonMention]:
    """Known office holders ("Kim Jong Un", "Putin") named in ``[start, end)``."""
    pattern, names = _people_pattern()
    return [
        PersonMention(m.start(), m.end(), names[m.group(0)])
        for m in pattern.finditer(doc_text(doc), start, end)
    ]


@lru_cache(maxsize=4)
def _attribution(lang: str) -> re.Pattern[str]:
    rows = [f"(?:{r['pattern']})" for r in load_tsv(lang_file(lang, "modality_sources.tsv"))]
    guard = opening_guard(rows)  # most places fail its one class test
    return re.compile(rf"{guard}(?<![\w-])(?:{'|'.join(rows)})\s+(?:[\w-]+\s+){{0,3}}$", re.IGNORECASE)


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
