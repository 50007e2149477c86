"""Stage 'numbers': every number in a text, with its value, unit, qualifier and interval.

``find_numbers(text, lang)`` is the plain function; the ``numbers`` spaCy component runs it on
``doc.text`` and writes ``doc._.numbers`` (a list of :class:`NumberMention`, by position) and
``doc.spans["numbers"]`` (label = the mention's kind). Extractors take the mentions of one
sentence with :func:`numbers_in`.

How a number is read
--------------------
One compiled master regex per language finds number expressions: digits (German and English
grouping), number words, vague magnitudes ("Tausende"), each optionally followed by a scale word
("Mrd.", "billion"), a unit ("Prozent", "Euro") and a second number forming a range ("2 bis 3").
A currency symbol ("$", "€") right before the number is found by a short right-anchored regex,
a qualifier ("mehr als", "about") by looking up the words before it, a postfix qualifier
("oder mehr", "or more") after it. All vocabulary comes from data files
(``data/<lang>/numbers_*.tsv``, ``data/currencies.tsv``); this module holds only logic.
Speed: most words are no number, so one cheap scan (``start_gate``: digits and the first letters
of number words after a non-word character) finds the few places where the master may match and
it is tried only there (``tests/test_numbers.py`` checks that nothing is missed).

Digits: the document language and the shape decide. ``50.000`` (de) is 50000 and ``54,000`` (en)
is 54000 (a single 3-digit group after the language's grouping mark); ``1,5`` (de) and ``2.5``
(en) are decimals; a separator followed by 1, 2 or 4+ digits is always a decimal, so English
``2.5`` in a German text stays 2.5 (never 25); several groups (``1.000.000``) and a ``000``
group are always grouping; both marks (``1.234,5`` / ``1,234.5``): the last one is the decimal.
Space-like grouping (``50 000``, thin or narrow no-break space, apostrophe) is read in both.
Number words go to text2num (``fünfundfünfzigtausend``, ``fifty-five thousand``); the scale word
after them is applied here (``zwei Milliarden``). German "Billion" is 10^12.

Not quantities: year-like numbers (1800-2100 without grouping, scale, unit or currency, unless a
strong qualifier such as "mehr als" stands before them) and dates, clock times, ordinals
("am 19. April", list numbering), slashed and phone-like strings are skipped. Model designations
and names ("F-35", "PAC-3", "K2", "Leopard 2", "Artikel 5", "Arrow 3", "Panzerbrigade 45 der"),
calibres ("155-mm"), long digit strings and leading zeros are emitted with ``kind=identifier``:
never use them as counts (:func:`numbers_in` and :func:`quantities` leave them out).

Interval semantics (``low``/``high``; ``None`` = open end)
----------------------------------------------------------
=========================  ===============  ==============================  =================
wording                    qualifier        low                             high
=========================  ===============  ==============================  =================
50.000                     exact            value                           value
rund/etwa/about 50.000     approx           0.9 * value                     1.1 * value
knapp/fast/nearly 50.000   approx           0.9 * value                     value
gut 50.000                 approx           value                           1.1 * value
mehr als/über/more than    more_than        value                           None
mindestens/X or more       at_least         value                           None
weniger als/unter/fewer    less_than        None                            value
bis zu/höchstens/up to     at_most          None                            value
zwischen 2 und 3 / 2-3     range            first figure (= value)          second figure
Tausende / thousands       approx (vague)   value (1000)                    10 * value
=========================  ===============  ==============================  =================

"knapp", "fast", "nahezu", "nearly", "almost" say the true figure is a little below the stated
one, "gut" a little above; GOLD.md has no such qualifier, so they are ``approx`` with the
interval cut on the side the word excludes. A range's ``value`` is its first figure. A change
("von 1,5 auf 2 Prozent", "from $50 to $60 billion") gives two mentions; the first takes the
second's scale and unit when it has none (its ``text`` stays "1,5", its value is read in full).
The span (``text``) covers the whole expression: qualifier, currency symbol, number, scale word and unit
("mehr als 100 Milliarden Euro"); a range-opening "zwischen"/"between" only when a range follows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache, lru_cache
from typing import NamedTuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from text_to_num import text2num

from .lexicon import lang_file, literal_trie, load_tsv, trie_regex
from .nlp import BatchedStage, boilerplate, doc_text, extension, in_boilerplate, token_range
from .records import NumberKind, NumberMention, Qualifier

__all__ = [
    "LANGS",
    "NumberMention",
    "NumbersStage",
    "find_numbers",
    "make_numbers",
    "numbers_in",
    "quantities",
]

LANGS: tuple[str, ...] = ("de", "en")

# ---- regex building blocks ------------------------------------------------------------------

H = r"[^\S\r\n]"  # horizontal white space, including no-break, thin and narrow no-break space
WB_BEFORE = r"(?<![^\W_])"  # no letter or digit just before
WB_AFTER = r"(?![^\W_])"  # no letter or digit just after
DASH = "[-\u2011]"  # hyphen, non-breaking hyphen (compounds: "2-Prozent-Ziel")
DIGIT_BEFORE = r"(?<![\w.,'’])(?<![^\W\d_][-\u2011])"  # a number does not start inside a token
#: Indian digit grouping: thousands, then pairs ("1,80,000" = 180000, "6,81,210").
INDIAN_GROUPS = re.compile(r"\d{1,2}(?:,\d{2})+,\d{3}(?!\d)")
GROUP_SEPS = ".,'’\u00a0\u202f\u2009 "
YEAR_MIN, YEAR_MAX = 1800, 2100
APPROX_LOW, APPROX_HIGH = Decimal("0.9"), Decimal("1.1")
LONG_DIGITS = 7  # ungrouped integers this long are ids, not amounts
LATIN1_LETTERS = "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"  # a class body: no gate stop


def _norm(form: str) -> str:
    """Lookup key of a case-insensitive form: lower case, single spaces, plain hyphen. The three
    letters ``re``'s IGNORECASE takes for an ASCII one although ``str.lower`` does not (long s,
    dotted and dotless i) are read as that letter, so every form the patterns match has a key."""
    return " ".join(form.translate(_AS_RE_FOLDS).replace("\u2011", "-").split()).lower()


_AS_RE_FOLDS = str.maketrans({"\u017f": "s", "\u0130": "i", "\u0131": "i"})


def _form_pattern(form: str, boundary_before: bool = True) -> str:
    """Regex for one lexicon form: spaces match any horizontal space; word edges are guarded."""
    pattern = (H + "+").join(re.escape(part) for part in form.split())
    if boundary_before and re.match(r"[^\W_]", form):
        pattern = WB_BEFORE + pattern
    if re.search(r"[^\W_]$", form):
        pattern += WB_AFTER
    return pattern


def _alternation(forms: Iterable[tuple[str, bool]], boundary_before: bool = True) -> str:
    """Longest-first alternation of ``(form, case_sensitive)``; never matches when empty.

    Forms are grouped by their first letter behind one look-ahead per group, so ``re`` skips
    a group with one test instead of trying each form. Forms of different groups never match
    at the same place, so the order that matters (longest first within a group) is kept.
    The groups stay in that order behind :func:`_guarded` look-aheads.
    """
    ordered = sorted(set(forms), key=lambda f: (-len(f[0]), f[0]))
    groups: dict[str, list[str]] = {}
    for form, case_sensitive in ordered:
        pattern = _form_pattern(form, boundary_before)
        groups.setdefault(form[:1].lower(), []).append(pattern if case_sensitive else f"(?i:{pattern})")
    parts = [
        (f"(?=(?i:{re.escape(first)}))" if first else "") + "(?:" + "|".join(patterns) + ")"
        for first, patterns in groups.items()
    ]
    if not parts:
        return "(?!)"
    if "" in groups:
        return f"(?:{'|'.join(parts)})"
    return _guarded(list(groups), parts)


def _guarded(firsts: list[str], parts: list[str]) -> str:
    """``parts`` in order (each opening with ``firsts[i]``, in any case), the whole behind one
    :func:`_first_guard` and each run of about sqrt(n) of them behind its own: ``re`` tests a
    run's look-ahead where it would test each part's, so a unit word after a number costs
    a dozen tests, not one per letter group. Guards only filter and the order is kept, so
    what matches stays the same."""
    size = max(1, math.isqrt(len(parts)))
    runs = []
    for i in range(0, len(parts), size):
        body = "|".join(parts[i : i + size])
        runs.append(body if size == 1 else f"{_first_guard(firsts[i : i + size])}(?:{body})")
    return f"(?:{_first_guard(firsts)}(?:{'|'.join(runs)}))"


def _first_guard(firsts: Iterable[str]) -> str:
    """A look-ahead for the first characters (in any case) of some forms. Most places where
    an alternation is tried start none of them: one test rejects it there, where ``re``
    would try each group's look-ahead. It only filters, so what matches stays the same."""
    chars = "".join(sorted({re.escape(c) for c in firsts}))
    return f"(?=(?i:[{chars}]))"


def _trie(words: Iterable[str]) -> str:
    """Case-insensitive :func:`~pipeline.lexicon.literal_trie` of plain words, behind a
    :func:`_first_guard`."""
    lowered = [word.lower() for word in words]
    body = literal_trie(lowered)
    if not body:
        return "(?!)"
    guard = _first_guard(w[0] for w in lowered) if all(lowered) else ""
    return f"(?:{guard}(?i:{body}))"


class _Phrases:
    """Phrases looked up in the words before a number (normalised when ``fold``)."""

    def __init__(self, forms: Collection[str], fold: bool = True) -> None:
        self.forms = forms
        self.fold = fold
        #: The last words of each phrase, joined ("mehr als" gives "als" and "mehr als"), and "":
        #: words before a number are read back only while they join to one of these. Most
        #: numbers follow no phrase's last word, which one test tells.
        split = [f.split(" ") for f in forms]
        self.suffixes = frozenset({""} | {" ".join(words[n:]) for words in split for n in range(len(words))})


class _Lookup:
    """Form -> value, exact for case-sensitive forms, normalised otherwise."""

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}
        self.folded: dict[str, str] = {}

    def add(self, form: str, value: str, case_sensitive: bool = False) -> None:
        if case_sensitive:
            self.exact[form] = value
        else:
            self.folded.setdefault(_norm(form), value)

    def get(self, form: str) -> str | None:
        if form in self.exact:
            return self.exact[form]
        return self.folded.get(_norm(form))


@dataclass(frozen=True)
class _Qual:
    qualifier: str  # a Qualifier value, or one of START_KINDS
    bias: str  # "", "below", "above"
    strong: bool


@dataclass(frozen=True)
class _Scale:
    factor: int
    needs_currency: bool


class _Word(NamedTuple):
    """A word before a number (see ``_Scanner.last_word``)."""

    start: int
    text: str
    key: str  # _norm(text)
    left: int  # where the token starts, brackets included: the word before it ends there


class _Prefix(NamedTuple):
    """What stands right before a number: a qualifier phrase and a currency symbol (one per
    number read; a NamedTuple is quicker to build than a frozen dataclass)."""

    qual: _Qual | None = None
    qual_start: int = -1
    currency: str | None = None
    currency_start: int = -1


_NO_PREFIX = _Prefix()  # most numbers: shared, as a NamedTuple cannot change
START_KINDS = ("range_start", "change_start")  # qualifier-file entries that only open two figures
HEAD = 4  # letters of a number word part's start the gate compares
WORD_HEAD = 5  # letters of a whole number word's start ("einei", so not every "eine...")
MAX_TOKEN = 48  # longer "words" before a number are no qualifier or name
WORD = re.compile(r"[^\W\d_]+")
#: A token of the reversed text, after white space: a word before a position, read backwards.
_REV_TOKEN = re.compile(rf"\s*(\S{{1,{MAX_TOKEN}}})(?!\S)")
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]").match
OPENERS = "\"'„“‚‘«»([{"


@dataclass(slots=True)
class _Part:
    """One number of an expression, before qualifier and range are applied."""

    value: Decimal
    kind: NumberKind
    core: str  # rule name of the core: digits, words, vague, ...
    start: int
    end: int  # end of the part including scale and unit
    scale: _Scale | None
    unit: str | None
    year_like: bool
    identifier: bool  # long digit string, leading zero


class _Grammar:
    """Everything compiled once per language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        word_rows = load_tsv(lang_file(lang, "numbers_words.tsv"))
        self.morphemes = [r["word"] for r in word_rows if r["use"] in ("morpheme", "morpheme_nobare")]
        self.big_morphemes = [
            r["word"] for r in word_rows if r["use"] == "morpheme" and int(r["value"] or 0) >= 100
        ]
        self.nobare = {_norm(r["word"]) for r in word_rows if r["use"] == "morpheme_nobare"}
        joiners = [r["word"] for r in word_rows if r["use"] == "joiner"]
        self.inflected = {_norm(r["word"]): Decimal(r["value"]) for r in word_rows if r["use"] == "inflected"}
        self.articles = {_norm(r["word"]): Decimal(r["value"]) for r in word_rows if r["use"] == "article"}
        articles = [r["word"] for r in word_rows if r["use"] == "article"]

        self.scales = _Lookup()
        scale_info: dict[str, _Scale] = {}
        glued: list[tuple[str, bool]] = []
        spaced: list[tuple[str, bool]] = []
        for row in load_tsv(lang_file(lang, "numbers_scales.tsv")):
            flags = {f.strip() for f in row["flags"].split(",") if f.strip()}
            cs = "cs" in flags
            key = row["form"] if cs else _norm(row["form"])
            self.scales.add(row["form"], key, cs)
            scale_info[key] = _Scale(int(row["factor"]), "currency" in flags)
            if flags & {"glued", "glued_only"}:
                glued.append((row["form"], cs))
            if "glued_only" not in flags:
                spaced.append((row["form"], cs))
        self.scale_info = scale_info

        self.vague = {
            _norm(r["form"]): int(r["value"])
            for r in load_tsv(lang_file(lang, "numbers_vague.tsv"))
            if r["use"] == "word"
        }
        quantifiers = [
            r["form"] for r in load_tsv(lang_file(lang, "numbers_vague.tsv")) if r["use"] == "quantifier"
        ]

        self.units = _Lookup()
        unit_forms: list[tuple[str, bool]] = []
        self.designation_units: set[str] = set()
        for row in load_tsv(lang_file(lang, "numbers_units.tsv")):
            self.units.add(row["form"], row["unit"])
            if row["kind"] == "identifier":
                self.designation_units.add(row["unit"])
            unit_forms.append((row["form"], False))
        self.pre_currency = _Lookup()
        pre_forms: list[tuple[str, bool]] = []
        for row in load_tsv("currencies.tsv"):
            if row["lang"] not in ("*", lang):
                continue
            # Codes and symbols are matched as written; currency words in any case.
            cs = row["form"].isupper() or not row["form"].isalpha()
            if row["position"] in ("post", "both"):
                self.units.add(row["form"], row["code"], cs)
                unit_forms.append((row["form"], cs))
            if row["position"] in ("pre", "both"):
                self.pre_currency.add(row["form"], row["code"], cs)
                pre_forms.append((row["form"], cs))
        self.currency_codes = {r["code"] for r in load_tsv("currencies.tsv")}

        self.qualifiers: dict[str, _Qual] = {}
        for row in load_tsv(lang_file(lang, "numbers_qualifiers.tsv")):
            self.qualifiers[_norm(row["phrase"])] = _Qual(
                row["qualifier"], row["bias"], row["strength"] == "strong"
            )
        self.qualifier_blockers = {
            (_norm(r["before"]), _norm(r["phrase"]))
            for r in load_tsv(lang_file(lang, "numbers_qualifier_blockers.tsv"))
        }
        self.connectors = {
            _norm(r["form"]): (r["needs_start"] == "yes", r["kind"])
            for r in load_tsv(lang_file(lang, "numbers_connectors.tsv"))
        }
        id_prefixes = [r["word"] for r in load_tsv(lang_file(lang, "numbers_identifier_prefixes.tsv"))]
        time_markers = [r["form"] for r in load_tsv(lang_file(lang, "numbers_time_markers.tsv"))]
        ordinal_before: set[str] = set()
        self.ordinal_after: set[str] = set()
        if lang == "de":
            for row in load_tsv(lang_file(lang, "numbers_ordinal_cues.tsv")):
                target = ordinal_before if row["position"] == "before" else self.ordinal_after
                target.add(_norm(row["word"]))
        self.ordinal_before = _Phrases(ordinal_before)

        scale_glued = _alternation(glued, boundary_before=False)
        scale_spaced = _alternation(spaced)
        units = _alternation(unit_forms)
        pre_currency = _alternation(pre_forms)

        morph = _trie(self.morphemes)
        if lang == "de":  # German compounds are one word: "fünfundfünfzigtausend"
            words = rf"{WB_BEFORE}{morph}(?:{_trie([*self.morphemes, *joiners])})*{WB_AFTER}"
        else:  # "fifty-five thousand", "two hundred and fifty": the joiner only after hundreds
            after_big = "|".join(f"(?<={re.escape(f)})" for f in self.big_morphemes)
            joiner = "|".join(re.escape(j) for j in joiners) or "(?!)"
            words = (
                rf"{WB_BEFORE}{morph}(?:(?:-|{H}+){morph}"
                rf"|(?i:{after_big}){H}+(?i:{joiner}){H}+{morph})*{WB_AFTER}"
            )
        inflected = _alternation((f, False) for f in self.inflected)
        vague = _alternation((f, False) for f in self.vague)
        quantifier = _alternation((f, False) for f in quantifiers)
        article = _alternation((f, False) for f in articles)

        # Indian grouping ("₹1,80,000 crore", "Rs 6,81,210 crore"): English text only
        indian = INDIAN_GROUPS.pattern if lang == "en" else "(?!)"

        def digits(i: int) -> str:
            return (
                rf"{DIGIT_BEFORE}(?P<d{i}>{indian}|\d{{1,3}}(?P<sep{i}>[{GROUP_SEPS}])\d{{3}}(?:(?P=sep{i})\d{{3}})*"
                rf"(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d|[.,:/]\d)"
            )

        def tail(i: int) -> str:
            return (
                rf"(?:(?P<g{i}>{scale_glued})|(?:{H}+|{DASH})(?P<s{i}>{scale_spaced}))?{WB_AFTER}"
                rf"(?:(?:{H}*|{DASH})(?P<u{i}>{units}))?"
            )

        core1 = (
            rf"(?P<v1>{vague})|(?P<q1>{quantifier})(?={H}+{scale_spaced})"
            rf"|(?P<a1>{article})(?={H}+{scale_spaced})|(?P<i1>{inflected})|(?P<w1>{words})|{digits(1)}"
        )
        core2 = rf"(?P<i2>{inflected})|(?P<w2>{words})|{digits(2)}"
        connectors = _alternation((f, False) for f in self.connectors)
        expr = (
            rf"(?:{core1}){tail(1)}"
            rf"(?:{H}*(?P<conn>{connectors}){H}*(?:(?P<cur2>{pre_currency}){H}?)?(?:{core2}){tail(2)})?"
        )
        times = _alternation((f, True) for f in time_markers)
        skip = [
            r"\d{1,2}\.\d{1,2}\.\d{2,4}(?!\d)",  # 10.04.2024
            r"\d{4}-\d{1,2}-\d{1,2}(?!\d)",  # 2024-04-10
            r"\d+(?:/\d+)+",  # 10/4/2024, 2023/24
            r"\d+(?::\d+)+",  # 14:32, 2:1
            rf"\d{{1,2}}(?:[.:]\d{{2}})?(?={H}*{times})",  # 14.30 Uhr, 9 a.m.
            r"\+\d[\d \u00a0\u202f\u2009\-/()]{6,}\d",  # +49 30 1234567
            r"0\d{2,5}(?:[ \u00a0\u202f\u2009/-]\d{2,})+",  # 030 1234567
        ]
        if lang == "de":
            skip.append(r"\d{1,2}\.\d{1,2}\.(?!\d)")  # 10.4.
        if lang == "en":
            skip.append(rf"\d+(?:st|nd|rd|th){WB_AFTER}")  # 19th
        # What every skip pattern starts with: "+", "0", digits ending in a date, time, ratio or
        # ordinal mark, or one or two digits before a time marker. Most numbers ("2024 wurde",
        # "3 Panzer") fail this one look-ahead instead of each pattern; it only filters.
        time_firsts = "".join(sorted({re.escape(f[0]) for f in time_markers}))
        marks = "-./:" + ("snrt" if lang == "en" else "")
        self.skip_guard = rf"(?=[+0]|\d+[{marks}]|\d{{1,2}}{H}*[{time_firsts}])"
        # Every match starts at a token start; most positions fail these two cheap checks.
        starters = {c for f in self.morphemes + list(self.inflected) + list(self.vague) for c in f[:1]}
        starters |= {c for f in quantifiers + articles for c in f[:1]}
        first = "".join(sorted({c.lower() for c in starters} | {c.upper() for c in starters}))
        # any non-ASCII letter too: ``(?i:...)`` also takes "ſ", "ı", "İ" or the Kelvin sign
        # for an ASCII letter, and the gate lets them through for the same reason
        expr = rf"(?=[\d{re.escape(first)}\x80-\U0010ffff]){expr}"
        master = (
            rf"(?<![^\W_])(?=[^\W_]|\+)(?:(?P<skip>{self.skip_guard}{DIGIT_BEFORE}(?:{'|'.join(skip)}))"
            rf"|(?P<id>{WB_BEFORE}[^\W\d_]+{DASH}?\d[^\W_]*)"
            rf"|(?P<expr>{expr})"
            rf"|(?P<id2>{DIGIT_BEFORE}\d+[^\W\d_][^\W_]*))"
        )
        self.master = re.compile(master)
        self.word_values: dict[str, Decimal | None] = {}  # see word_value
        # Where the master may match: a digit, or after a non-word character the head of a
        # number word, an article or quantifier with a scale word after it, or "+". Letters glued
        # to a digit ("F-35", "K2") are found from the digit (see ``_Scanner.starts``). One
        # C-level scan finds these few places (most words are no number); the master runs there.
        # It stops at every character but a Latin-1 letter (a fast table test, where "\W" costs
        # a Unicode lookup per character) and tests digit and non-word only there; the test of
        # the next character comes first, as it rejects most of those stops (the white space
        # before a word), then the heads (most words that pass fail them), then the non-word
        # test. The two branches exclude each other, so their order changes nothing. A digit
        # takes the rest of its run along, and the groups after a point, comma or apostrophe
        # ("50.000", "1,5"): a stop inside the run could only fail, and no number starts right
        # after those marks (``DIGIT_BEFORE``), so the master would fail at a group's digit.
        single = [f for f in (*quantifiers, *articles) if len(f.split()) == 1]
        multi = [f for f in (*quantifiers, *articles) if len(f.split()) > 1]
        scale_first = "".join(sorted({re.escape(c) for f, _ in spaced for c in (f[0].lower(), f[0].upper())}))
        compounds = [*self.morphemes, *joiners] if lang == "de" else []  # German compounds are one word
        word_heads = _by_first_letter(
            (_heads(self.morphemes, [*self.inflected, *self.vague, *multi], compounds), ""),
            (_heads((), single), rf"[^\W_]*{H}+(?i:[{scale_first}])"),  # "mehrere Tausend"
        )
        self.start_gate = re.compile(
            rf"[^{LATIN1_LETTERS}](?:(?=[+{re.escape(first)}])(?=\+|{word_heads})(?<=[\W_])"
            rf"|(?<=\d)(?<!\d\d)(?P<digit>)\d*(?:[.,'’]\d+)*)"
        )
        # Before a number, a currency symbol is looked up with a short right-anchored regex;
        # qualifier phrases and identifier prefixes by the words before it (dict lookups).
        self.pre_currency_re = re.compile(rf"(?:{pre_currency}){H}?\Z")
        # A currency form's last two characters (one when its last word is shorter) right before
        # the number (or one space before it): tested first, as most numbers have no currency
        # symbol; two, as "bis 2030" and "was 50" end like "Rs" and ". 50" like "Rs.".
        last_chars = {(f.split()[-1][-2:] if f.strip() else f[-1:], cs) for f, cs in pre_forms}
        ends = "|".join(re.escape(c) if cs else f"(?i:{re.escape(c)})" for c, cs in sorted(last_chars))
        self.pre_currency_end = re.compile(rf"(?:{ends or '(?!)'}){H}?\Z")
        self.pre_currency_len = max((len(f) for f, _ in pre_forms), default=1) + 1
        self.qual_words = max(len(q.split()) for q in self.qualifiers)
        self.qualifier_phrases = _Phrases(self.qualifiers)
        self.id_prefixes = _Phrases({" ".join(p.split()) for p in id_prefixes}, fold=False)  # "Mark 5"
        self.id_prefix_words = max(len(p.split()) for p in id_prefixes)
        self.blocker_words = (
            max(len(b[0].split()) for b in self.qualifier_blockers) if self.qualifier_blockers else 1
        )
        self.next_token = re.compile(rf"{H}+(\S+)")
        self.date_after: set[str] = set()
        date_before: set[str] = set()
        for row in load_tsv(lang_file(lang, "numbers_date_cues.tsv")):
            (self.date_after if row["position"] == "after" else date_before).add(row["word"])
        self.date_before = _Phrases(date_before, fold=False)
        self.function_words: set[str] = set()
        self.name_closers: set[str] = set()
        if lang == "en":
            self.function_words = {_norm(r["word"]) for r in load_tsv("en/numbers_function_words.tsv")}
        if lang == "de":
            self.name_closers = {_norm(r["word"]) for r in load_tsv("de/numbers_name_closers.tsv")}
        self.postfix = {
            _norm(r["phrase"]): _Qual(r["qualifier"], "", True)
            for r in load_tsv(lang_file(lang, "numbers_postfix_qualifiers.tsv"))
        }
        postfix = _alternation((f, False) for f in self.postfix)
        self.postfix_re = re.compile(rf"{H}+({postfix})(?!{H}*\d)")
        self.year_cues = _Phrases(
            {_norm(r["word"]) for r in load_tsv(lang_file(lang, "numbers_year_cues.tsv"))}
        )
        # The nouns that make a bare four-digit number a count ("2000 Soldaten", "1900 troops") are
        # the dates stage's list: one vocabulary decides "year or count" for both stages.
        self.count_nouns = {
            _norm(r["form"])
            for r in load_tsv(lang_file(lang, "dates_year_context.tsv"))
            if r["role"] == "count_after" and r["form"][:1].isalpha()
        }
        self.word_after = re.compile(rf"{H}+([^\W\d_][\w-]*)")
        self.next_word = re.compile(rf"\.{H}+([^\W\d_]+\.?)")

    def word_value(self, words: str) -> Decimal | None:
        """text2num's value of normalised number words, None when they are no number; kept, as
        a text names the same few numbers again and again."""
        if words not in self.word_values:
            try:
                self.word_values[words] = Decimal(text2num(words, self.lang))
            except (ValueError, ArithmeticError):
                self.word_values[words] = None
        return self.word_values[words]


def _heads(
    parts: Iterable[str], words: Iterable[str], glued: Iterable[str] = ()
) -> dict[str, set[tuple[str, ...]]]:
    """How a number word can begin, as paths of regex atoms (see :func:`_head_char`) for what
    follows each first letter: the first ``HEAD`` letters of a word part (compounds go on:
    "dreihundert"); a part that short ends there or goes on with the first two letters of one
    of the ``glued`` parts ("ein" + "hu", "ein" + "un": not "einer"); the first ``WORD_HEAD``
    letters of a whole word, which must end there when it is that short ("eine"); a form of
    several words by its whole first word and the start of the next ("a few", not "a major")."""
    nexts = trie_regex(sorted({tuple(map(_head_char, g.lower()[:2])) for g in glued if g.strip()}))
    tails: dict[str, set[tuple[str, ...]]] = {}
    for part in (p.split()[0].lower() for p in parts if p.strip()):
        if len(part) < HEAD and nexts:
            tail = (*map(_head_char, part[1:]), f"(?:{WB_AFTER}|{nexts})")
        else:
            tail = tuple(map(_head_char, part[1:HEAD]))
        tails.setdefault(part[0], set()).add(tail)
    for word, *more in (form.lower().split() for form in words if form.strip()):
        whole = len(word) <= WORD_HEAD and word[-1:].isalnum()
        if more:
            tail = (*map(_head_char, word[1:]), H + "+", *map(_head_char, more[0][:WORD_HEAD]))
        else:
            tail = (*map(_head_char, word[1:WORD_HEAD]), *([WB_AFTER] if whole else []))
        tails.setdefault(word[0], set()).add(tail)
    return tails


def _head_char(char: str) -> str:
    """A regex atom letting through every character ``(?i:char)`` matches, for the gate's
    heads: both ASCII cases of a letter and any character outside ASCII (case folding also
    maps some of those to ASCII letters: the Kelvin sign, the long s). The gate may let
    through more than the master takes, never less. A class, unlike ``(?i:...)``, lets
    ``re`` skip a branch at one test."""
    if not char.isascii():
        return "[\\x80-\\U0010ffff]"
    if char.isalpha():
        return f"[{char.lower()}{char.upper()}\\x80-\\U0010ffff]"
    return re.escape(char)


def _by_first_letter(*alternatives: tuple[dict[str, set[tuple[str, ...]]], str]) -> str:
    """One regex of ``(heads, then)`` pairs (see :func:`_heads`; ``then`` must follow those
    heads): a branch per first letter, holding every pair's paths for it as one trie, so
    ``re`` tries a branch per letter, not one per form or per pair. The gate asks only
    whether some head is there, so the order of the branches does not matter."""
    branches = []
    for first in sorted({letter for heads, _ in alternatives for letter in heads}):
        paths = [
            (*tail, then) if then else tail for heads, then in alternatives for tail in heads.get(first, ())
        ]
        # "[dD]", not "(?i:d)": re skips a branch opening with a character class at one test
        # (callers guard the first character to ASCII case variants already)
        letter = "[" + re.escape(first) + re.escape(first.upper()) + "]"
        branches.append(f"{letter}(?:{trie_regex(paths)})")
    return "(?:" + "|".join(branches) + ")" if branches else "(?!)"


def _grammar(lang: str) -> _Grammar:
    """The compiled grammar for "de", "en" (or a regional tag such as "de-AT")."""
    return _compiled(lang.split("-")[0].split("_")[0].lower())


@cache
def _compiled(lang: str) -> _Grammar:
    if lang not in LANGS:
        raise ValueError(f"no number grammar for language {lang!r}; have {LANGS}")
    return _Grammar(lang)


# ---- reading values ------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _to_number(value: Decimal) -> int | float:
    """int when integral, else float (kept per value, as a text repeats its figures; equal
    Decimals such as 2.5 and 2.50 give the same number, so either may fill the cache)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@lru_cache(maxsize=4096)
def _parse_digits(text: str, sep: str | None, lang: str) -> Decimal | None:
    """Value of a digit string; ``sep`` is the grouping mark the regex saw, if any (kept per
    string, as a text repeats its figures; a Decimal cannot change)."""
    if sep is None and INDIAN_GROUPS.fullmatch(text):
        return Decimal(text.replace(",", ""))  # "1,80,000": lakh grouping
    if sep is None:
        return Decimal(text.replace(",", "."))
    decimal_mark = "," if lang == "de" else "."
    body, tail = text, ""
    groups = text.split(sep)
    last = groups[-1]
    if len(last) > 3:  # "1.234,5": a decimal tail after the last group
        tail = last[3:]
        body = sep.join([*groups[:-1], last[:3]])
        if tail[0] == sep:
            return None
        return Decimal(body.replace(sep, "") + "." + tail[1:])
    if sep in ".," and len(groups) == 2 and last != "000" and (groups[0] == "0" or sep == decimal_mark):
        return Decimal(groups[0] + "." + last)  # "1,5" (de), "2.500" (en), "0.125"
    return Decimal(body.replace(sep, ""))


# ---- the scanner ---------------------------------------------------------------------------


@cache
def _rule(lang: str, core: str, scaled: bool, tag: str | None) -> str:
    """A mention's rule name ("de.digits+scale+currency"), built once per combination."""
    return "+".join([f"{lang}.{core}", *(["scale"] if scaled else []), *([tag] if tag else [])])


@lru_cache(maxsize=8192)
def _read_token(backwards: str) -> tuple[str, str]:
    """A token of the reversed text as written, leading quotes and brackets dropped, and its
    :func:`_norm` key (kept per token: the same words stand before number after number)."""
    word = backwards[::-1].lstrip(OPENERS)
    return word, _norm(word)


#: The master's groups of number ``i`` of an expression: digits, their grouping mark, glued and
#: spaced scale word, unit, inflected number word, number words.
_PART_GROUPS = {i: (f"d{i}", f"sep{i}", f"g{i}", f"s{i}", f"u{i}", f"i{i}", f"w{i}") for i in (1, 2)}
#: The groups that can end number ``i``: its core and what follows it.
_END_GROUPS = {
    1: ("d1", "g1", "s1", "u1", "v1", "q1", "a1", "i1", "w1"),
    2: ("d2", "g2", "s2", "u2", "i2", "w2"),
}


class _Scanner:
    def __init__(self, grammar: _Grammar, text: str) -> None:
        self.g = grammar
        self.text = text
        self.reversed = text[::-1]  # words before a number are read forwards in it
        self.last: dict[int, _Word | None] = {}  # see last_word

    def part(self, m: re.Match[str], i: int) -> _Part | None:
        """The number ``i`` (1 or 2) of an expression match, or None when it is no number."""
        g = self.g
        names = _PART_GROUPS[i]
        digits, _, _, _, _, inflected, group = names
        raw, sep, glued_form, spaced_form, unit_form, form, _ = m.group(*names)  # one call for all
        scale: _Scale | None = None
        scale_form = glued_form or spaced_form
        if scale_form is not None:
            key = g.scales.get(scale_form)
            scale = g.scale_info.get(key) if key else None
        unit = g.units.get(unit_form) if unit_form else None
        year_like = identifier = False
        value: Decimal | None
        kind = NumberKind.QUANTITY
        if raw is not None:
            core, start = "digits", m.start(digits)
            value = _parse_digits(raw, sep, g.lang)
            if raw.isdigit():
                year_like = len(raw) == 4 and YEAR_MIN <= int(raw) <= YEAR_MAX
                identifier = len(raw) >= LONG_DIGITS or (len(raw) > 1 and raw[0] == "0")
        elif form is not None:
            core, start = "words", m.start(inflected)
            value = g.inflected[_norm(form)]
        elif i == 1 and m.group("v1") is not None:
            core, start, kind = "vague", m.start("v1"), NumberKind.VAGUE
            value = Decimal(g.vague[_norm(m.group("v1"))])
        elif i == 1 and m.group("q1") is not None:
            core, start, kind = "vague", m.start("q1"), NumberKind.VAGUE
            value = Decimal(1)
        elif i == 1 and m.group("a1") is not None:
            core, start = "words", m.start("a1")
            value = g.articles[_norm(m.group("a1"))]
        else:
            core, start = "words", m.start(group)
            words = _norm(m.group(group))
            if words in g.nobare and scale is None and not self._counted_unit(m, i, unit):
                return None
            value = g.word_value(words)
        if value is None:
            return None
        if scale is not None:
            value *= scale.factor
        # The expression ends with this number, or the end of its last group that took part
        # (-1 for the others).
        last = i == 2 or m.start("conn") < 0
        end = m.end() if last else max(map(m.end, _END_GROUPS[i]))
        return _Part(value, kind, core, start, end, scale, unit, year_like, identifier)

    def count_noun_after(self, end: int) -> bool:
        """Is the next word a counted noun ("2000 Soldaten", "1900 US-Soldaten", "2000 troops")?"""
        match = self.g.word_after.match(self.text, end)
        if match is None:
            return False
        word = _norm(match.group(1))
        return word in self.g.count_nouns or word.rsplit("-", 1)[-1] in self.g.count_nouns

    def last_word(self, end: int) -> _Word | None:
        """The whitespace-separated token ending right before ``end`` (which must be preceded by
        white space), leading quotes and brackets dropped, with its :func:`_norm` key; None
        when there is none or it is longer than ``MAX_TOKEN``. Read forwards in the reversed
        text, once per place: a number's checks (qualifier, identifier prefix, date, name)
        all look at the word before it, and phrases read on from its ``left`` end."""
        if end in self.last:
            return self.last[end]
        found = None
        text = self.text
        if end and text[end - 1].isspace():
            size = len(text)
            m = _REV_TOKEN.match(self.reversed, size - end)
            if m is not None:
                word, key = _read_token(m.group(1))
                found = _Word(size - m.start(1) - len(word), word, key, size - m.end(1))
        self.last[end] = found
        return found

    def phrase_before(self, end: int, count: int, phrases: _Phrases) -> tuple[int, str] | None:
        """The longest of ``phrases`` in the ``count`` words right before ``end``, as (start, key).

        Words are read backwards, the key growing at its front, and only while it still ends
        some phrase (``phrases.suffixes``): no longer key can be a phrase then."""
        fold = phrases.fold
        found = None
        key = ""
        word = self.last_word(end)
        for i in range(count):
            if word is None:
                break
            if not fold:
                key = f"{word.text} {key}" if i else word.text
            elif word.key:  # _norm of the joined words: empty keys (a lone bracket) dropped
                key = f"{word.key} {key}" if key else word.key
            if key not in phrases.suffixes:
                break
            if key in phrases.forms:
                found = word.start, key
            if i + 1 < count:
                word = self.last_word(word.left)
        return found

    def prefix(self, start: int) -> _Prefix:
        g, text = self.g, self.text
        currency: str | None = None
        currency_start = -1
        m = None
        if g.pre_currency_end.search(text, max(0, start - 3), start):
            m = g.pre_currency_re.search(text, max(0, start - g.pre_currency_len), start)
        if m is not None:
            currency = g.pre_currency.get(m.group().strip())
            currency_start = m.start()
        before = currency_start if currency is not None else start
        found = self.phrase_before(before, g.qual_words, g.qualifier_phrases)
        if found is None:
            return _Prefix(None, -1, currency, currency_start) if currency is not None else _NO_PREFIX
        qual_start, phrase = found
        blocker = self.last_word(qual_start)
        if blocker is not None and (blocker.key, phrase) in g.qualifier_blockers:
            return _Prefix(None, -1, currency, currency_start)
        return _Prefix(g.qualifiers[phrase], qual_start, currency, currency_start)

    def _counted_unit(self, m: re.Match[str], i: int, unit: str | None) -> bool:
        """ "ein Prozent", "one euro" count; "ein Euro-Land", "ein Land" do not."""
        if unit is None:
            return False
        end = m.end(f"u{i}")
        return unit not in self.g.currency_codes or end >= len(self.text) or self.text[end] not in "-\u2011"

    def date_day(self, part: _Part) -> bool:
        """ "April 11", "11 April": a day of a month, not a quantity."""
        g, text = self.g, self.text
        raw = text[part.start : part.end]
        if part.core != "digits" or not raw.isdigit() or not 1 <= int(raw) <= 31:
            return False
        after = g.next_token.match(text, part.end)
        if after and (after.group(1) in g.date_after or after.group(1).rstrip(",;:") in g.date_after):
            return True
        return self.phrase_before(part.start, 1, g.date_before) is not None

    def name_number(self, part: _Part) -> bool:
        """ "Arrow 3 missile", "Panzerbrigade 45 der Bundeswehr": a small number closing a name."""
        g, text = self.g, self.text
        raw = text[part.start : part.end]
        if part.core != "digits" or not raw.isdigit() or len(raw) > 3:
            return False
        before = self.last_word(part.start)
        if before is None:
            return False
        word = before.text
        if not (word[:1].isupper() and word.isalpha() and not word.isupper()):
            return False
        if g.lang == "de":
            after = g.next_token.match(text, part.end)
            return after is not None and _norm(after.group(1)) in g.name_closers
        return before.key not in g.function_words and not self.title_case_line(part.start)

    def title_case_line(self, pos: int) -> bool:
        """A headline in Title Case, where capitals say nothing about names."""
        text = self.text
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        words = WORD.findall(text, start, len(text) if end < 0 else end)
        if len(words) > 40:
            return False
        return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)

    def ordinal(self, part: _Part) -> bool:
        """ "am 19. April", "der 2. Weltkrieg", list numbering "1. Kooperation"."""
        text, end = self.text, part.end
        if part.core != "digits" or part.scale or part.unit or end >= len(text) or text[end] != ".":
            return False
        raw = text[part.start : end]
        if not raw.isdigit() or len(raw) > 3:
            return False
        line_start = text.rfind("\n", 0, part.start) + 1
        if not text[line_start : part.start].strip():
            return True
        if self.g.lang != "de":
            return False
        after = self.g.next_word.match(text, end)
        if after and (after.group(1)[0].islower() or _norm(after.group(1)) in self.g.ordinal_after):
            return True
        return self.phrase_before(part.start, 2, self.g.ordinal_before) is not None

    def starts(self) -> list[int]:
        """Every position where the master may match, in order (a superset; see ``start_gate``)."""
        text = self.text
        out = [0]
        for m in self.g.start_gate.finditer(text):
            if m.lastgroup is None:
                out.append(m.end())
                continue
            digit = m.start()
            start = digit - 1 if digit and text[digit - 1] in "-\u2011" else digit
            while start and _LETTER(text[start - 1]):
                start -= 1
            if start < digit and start > out[-1]:
                out.append(start)  # "F-35", "K2": an identifier starts at its letters
            out.append(digit)
        return out

    def scan(self) -> list[NumberMention]:
        """Like ``master.search`` from the end of each expression (or where it says to go on),
        trying only the gate's places: they come in order, and each match moves ``pos``
        past the place it started at."""
        text = self.text
        out: list[NumberMention] = []
        match = self.g.master.match
        pos = 0
        for start in self.starts() if text else ():
            if start < pos:
                continue
            m = match(text, start)
            if m is None:
                continue
            pos = m.end()
            kind = m.lastgroup  # the alternative that matched: its group closes last
            if kind == "skip":
                continue
            if kind in ("id", "id2"):
                out.append(self.identifier(m.start(), m.end(), "identifier_shape"))
                continue
            next_pos = self.expression(m, out)
            if next_pos is not None:
                pos = next_pos
        return out

    def identifier(self, start: int, end: int, rule: str) -> NumberMention:
        digits = _DIGITS.search(self.text, start, end)
        value = int(digits.group()) if digits else 0
        return NumberMention(
            text=self.text[start:end],
            start=start,
            end=end,
            value=value,
            kind=NumberKind.IDENTIFIER,
            rule=f"{self.g.lang}.{rule}",
        )

    def expression(self, m: re.Match[str], out: list[NumberMention]) -> int | None:
        """Append the mention(s) of an expression match; returns where to go on, if not its end."""
        first = self.part(m, 1)
        has_range = m.group("conn") is not None
        second = self.part(m, 2) if has_range else None
        if first is None:
            return None if second is None else self._resume_after_first(m)
        prefix = self.prefix(first.start)
        qual, currency = prefix.qual, prefix.currency
        if second is not None and self._is_change(m, qual):
            self._emit_change(m, first, second, prefix, out)
            return None
        if second is not None:
            range_ok = self._range_ok(m, first, second, qual, currency)
            if not range_ok:
                if first.year_like and second.year_like:
                    return None
                resume = first.end if _norm(m.group("conn")) not in ("-", "–", "—") else None
                self._emit(first, prefix, out)
                return resume
            self._emit_range(m, first, second, prefix, out)
            return None
        self._emit(first, prefix, out)
        return None

    def _is_change(self, m: re.Match[str], qual: _Qual | None) -> bool:
        """ "von 1,5 auf 2 Prozent", "from 2 to 2.5 percent": two figures, not a range."""
        _, kind = self.g.connectors.get(_norm(m.group("conn")), (True, "range"))
        starter = qual.qualifier if qual is not None else ""
        return (kind == "change" and starter in START_KINDS) or starter == "change_start"

    def _emit_change(
        self, m: re.Match[str], first: _Part, second: _Part, prefix: _Prefix, out: list[NumberMention]
    ) -> None:
        """Both figures, the first sharing the second's scale and unit when it has none."""
        if first.scale is None and second.scale is not None:
            first = replace(first, value=first.value * second.scale.factor, scale=second.scale)
        cur2 = self.g.pre_currency.get(m.group("cur2")) if m.group("cur2") else None
        if first.unit is None and prefix.currency is None:
            first = replace(first, unit=cur2 or second.unit)
        self._emit(first, prefix._replace(qual=None, qual_start=-1), out)
        self._emit(second, _Prefix(None, -1, cur2, m.start("cur2") if cur2 else -1), out)

    def _resume_after_first(self, m: re.Match[str]) -> int | None:
        conn = m.start("conn")
        return conn if _norm(m.group("conn")) not in ("-", "–", "—") else None

    def _range_ok(
        self, m: re.Match[str], first: _Part, second: _Part, qual: _Qual | None, currency: str | None
    ) -> bool:
        needs_start, _ = self.g.connectors.get(_norm(m.group("conn")), (True, "range"))
        if needs_start and (qual is None or qual.qualifier not in START_KINDS):
            return False
        if first.kind != NumberKind.QUANTITY or first.identifier or second.identifier:
            return False
        has_money = currency or first.unit or second.unit or m.group("cur2")
        if not has_money and not first.scale and not second.scale and (first.year_like or second.year_like):
            return False
        low = first.value
        if first.scale is None and second.scale is not None:
            low *= second.scale.factor
        return low < second.value

    def _interval(
        self, value: Decimal, qual: _Qual | None
    ) -> tuple[Qualifier, Decimal | None, Decimal | None]:
        if qual is None or qual.qualifier == "exact" or qual.qualifier in START_KINDS:
            return Qualifier.EXACT, value, value
        q = Qualifier(qual.qualifier)
        if q is Qualifier.APPROX:
            low = value if qual.bias == "above" else value * APPROX_LOW
            high = value if qual.bias == "below" else value * APPROX_HIGH
            return q, low, high
        if q in (Qualifier.MORE_THAN, Qualifier.AT_LEAST):
            return q, value, None
        return q, None, value

    def _emit(
        self,
        part: _Part,
        prefix: _Prefix,
        out: list[NumberMention],
    ) -> None:
        g, text = self.g, self.text
        if prefix.qual is not None and prefix.qual.qualifier in START_KINDS:
            prefix = prefix._replace(qual=None, qual_start=-1)  # a lone "zwischen"/"from"
        qual, currency = prefix.qual, prefix.currency
        unit = currency or part.unit
        has_currency = unit in g.currency_codes
        if part.scale is not None and part.scale.needs_currency and not has_currency:
            return
        if unit in g.designation_units:  # "155-mm-Granaten": a calibre, not a count
            out.append(self.identifier(part.start, part.end, "identifier_calibre"))
            return
        if part.identifier and part.scale is None and unit is None:
            out.append(self.identifier(part.start, part.end, "identifier_digits"))
            return
        if (
            part.year_like
            and part.scale is None
            and unit is None
            and not (qual and qual.strong)
            and not self.count_noun_after(part.end)
        ):
            return
        if (
            part.core == "digits"
            and currency is None
            and part.scale is None
            and qual is None
            and self.phrase_before(part.start, g.id_prefix_words, g.id_prefixes) is not None
        ):
            out.append(self.identifier(part.start, part.end, "identifier_prefix"))
            return
        bare = qual is None and currency is None and part.scale is None and unit is None
        if bare and self.date_day(part):
            return  # "April 11", "Sept 28"
        if bare and self.name_number(part):
            out.append(self.identifier(part.start, part.end, "identifier_name"))
            return
        if part.year_like and qual is not None and self.phrase_before(prefix.qual_start, 1, g.year_cues):
            return  # "seit etwa 2015"
        if self.ordinal(part):
            return
        start, end = part.start, part.end
        if currency is not None:
            start = prefix.currency_start
        if qual is not None:
            start = prefix.qual_start
        elif part.kind is NumberKind.QUANTITY and (post := g.postfix_re.match(text, part.end)):
            qual, end = g.postfix[_norm(post.group(1))], post.end()  # "50.000 oder mehr"
        low: Decimal | None
        high: Decimal | None
        if part.kind is NumberKind.VAGUE:
            q, low, high = Qualifier.APPROX, part.value, part.value * 10
        else:
            q, low, high = self._interval(part.value, qual)
        value = _to_number(part.value)
        tag = "currency" if has_currency else "unit" if unit else None
        out.append(
            NumberMention(
                text=text[start:end],
                start=start,
                end=end,
                value=value,
                unit=unit,
                qualifier=q,
                # an exact figure's bounds are its value: converted once
                low=value if low is part.value else None if low is None else _to_number(low),
                high=value if high is part.value else None if high is None else _to_number(high),
                kind=part.kind,
                rule=_rule(g.lang, part.core, part.scale is not None, tag),
            )
        )

    def _emit_range(
        self,
        m: re.Match[str],
        first: _Part,
        second: _Part,
        prefix: _Prefix,
        out: list[NumberMention],
    ) -> None:
        g, text = self.g, self.text
        qual, currency = prefix.qual, prefix.currency
        low = first.value
        if first.scale is None and second.scale is not None:
            low *= second.scale.factor
        cur2 = g.pre_currency.get(m.group("cur2")) if m.group("cur2") else None
        unit = currency or first.unit or cur2 or second.unit
        scale = first.scale or second.scale
        if scale is not None and scale.needs_currency and unit not in g.currency_codes:
            return
        start = first.start
        if currency is not None:
            start = prefix.currency_start
        # "zwischen"/"between" belong to the range; a weak "von"/"from" may be another word's
        # preposition ("ein Ziel von 2 bis 3 Prozent") and stays out of the span.
        if qual is not None and (qual.strong or qual.qualifier not in START_KINDS):
            start = prefix.qual_start
        rule = [f"{g.lang}.range", first.core]
        rule += ["scale"] if scale else []
        rule += ["currency"] if unit in g.currency_codes else (["unit"] if unit else [])
        out.append(
            NumberMention(
                text=text[start : second.end],
                start=start,
                end=second.end,
                value=_to_number(low),
                unit=unit,
                qualifier=Qualifier.RANGE,
                low=_to_number(low),
                high=_to_number(second.value),
                kind=NumberKind.QUANTITY,
                rule="+".join(rule),
            )
        )


def find_numbers(text: str, lang: str) -> list[NumberMention]:
    """Every number expression in ``text`` (``lang`` is "de" or "en"), ordered by position.

    Identifiers ("F-35", "Leopard 2") are included with ``kind=identifier``; filter on
    ``kind`` (or use :func:`quantities`) before reading a mention as a count.
    """
    return _Scanner(_grammar(lang), text).scan()


def quantities(mentions: Iterable[NumberMention]) -> list[NumberMention]:
    """The mentions that state an amount (kind quantity or vague), not identifiers."""
    return [n for n in mentions if n.kind is not NumberKind.IDENTIFIER]


_AMOUNT_KINDS: tuple[NumberKind, ...] = (NumberKind.QUANTITY, NumberKind.VAGUE)


def numbers_in(
    doc: Doc, start: int, end: int, kinds: Collection[NumberKind] = _AMOUNT_KINDS
) -> list[NumberMention]:
    """The stage's mentions lying inside ``doc.text[start:end]`` (e.g. one sentence).

    By default only amounts (quantity and vague); pass ``kinds=tuple(NumberKind)`` to get
    identifiers too.
    """
    return [
        n for n in extension(doc, "numbers") or () if start <= n.start and n.end <= end and n.kind in kinds
    ]


# ---- the spaCy component -------------------------------------------------------------------


class NumbersStage(BatchedStage):
    """Writes ``doc._.numbers`` and ``doc.spans["numbers"]``; skips boilerplate."""

    def __init__(self, lang: str) -> None:
        base = lang.split("-")[0].split("_")[0].lower()
        self.lang = base if base in LANGS else "en"
        self.grammar = _grammar(self.lang)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        mentions = _Scanner(self.grammar, text).scan()
        if mentions and boilerplate(doc):  # most articles have none: no per-mention test then
            mentions = [n for n in mentions if not in_boilerplate(doc, n.start, n.end)]
        doc._.numbers = mentions
        doc.spans["numbers"] = token_spans(doc, mentions)
        return doc


def token_spans(doc: Doc, mentions: Iterable[NumberMention]) -> list[Span]:
    """The tokens each mention touches (``char_span``'s "expand" mode, by
    :func:`~pipeline.nlp.token_range`), labelled with its kind. A label is passed as its id in
    the string store, added once per kind: given the name, ``Span`` adds it for every span."""
    spans = []
    labels: dict[NumberKind, int] = {}
    for n in mentions:
        tokens = token_range(doc, n.start, n.end)
        if tokens is not None:
            label = labels.get(n.kind)
            if label is None:
                label = labels[n.kind] = doc.vocab.strings.add(n.kind.value)
            spans.append(Span(doc, *tokens, label=label))
    return spans


@Language.factory("numbers")
def make_numbers(nlp: Language, name: str) -> NumbersStage:
    return NumbersStage(nlp.lang or "en")
