"""Stage 'people': who is named in an article, in which role, for which country.

Works on spaCy's blank ``de``/``en`` (no statistical model needed); when the base
pipeline has PER/PERSON entities they are merged in as one more cue. A person is
found from runs of capitalised name tokens that carry a cue:

- ``role_title``: a role or title right before the name ("der japanische
  Premierminister Fumio Kishida", "US-Verteidigungsminister Pete Hegseth",
  "General Nakatani", "Philippine President Ferdinand Marcos");
- ``apposition``: a role after the name and a comma ("Kurt Campbell,
  stellvertretender Außenminister", "Bruce Klingner, Asienexperte der Denkfabrik");
- ``speech``: a speech verb next to it ("sagte Hegseth", "Kishida betonte");
- ``gazetteer``: a known first name opens a run of two or more tokens ("Joe Biden");
- ``known``: a well-known office holder (``known_people.tsv``);
- ``model``: a PER/PERSON entity of a statistical pipeline;
- ``byline`` / ``author``: a byline line or the sidecar's authors (journalists).

Single surnames ("Kishida", "Trumps") link to the full name used elsewhere in the
document. Vocabulary lives in ``pipeline/data`` (roles, modifiers, topics, speech
verbs, first names, known people, not-people); this module holds the logic.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from spacy.lang.de.stop_words import STOP_WORDS as DE_STOP
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .countries import ORG_CODES, country_code, doc_countries, find_countries
from .lexicon import finditer_not_after, lang_file, literal_trie, load_tsv
from .nlp import (
    BatchedStage,
    TokenTable,
    boilerplate,
    doc_text,
    evidence,
    extension,
    in_boilerplate,
    sentence_index,
    token_table,
)
from .nlp import doc_id as nlp_doc_id
from .records import Person

_PARTICLES = frozenset(
    {"von", "van", "der", "de", "da", "di", "du", "bin", "ibn", "al", "el", "ben", "dos", "del"}
)
_SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
_DETERMINERS = frozenset(
    {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen"}
    | {"the", "a", "an", "this", "that"}
)
_CONTRACTIONS = frozenset({"zum", "zur", "im", "am", "vom", "beim", "ins", "ans"})
_DE_INFLECTIONS = ("", "innen", "in", "en", "n", "s", "e", "es", "em", "er")
_DE_ADJ_END = re.compile(r"(?:e|en|er|es|em)$")
_ROLE_KINDS_RANK = {"office": 0, "expert": 0, "media": 0, "counterpart": 0, "title": 1, "honorific": 2}
_JOURNALIST = "journalist"
_START = operator.attrgetter("start")  # the sort key of candidates by position


def _name_part_shape(part: str, first: bool) -> bool:
    """One hyphen-separated part of a name word: letters (and apostrophes), not all
    capitals, a capital first letter (lower-case allowed after a hyphen: "Jae-myung"),
    at most one inner capital after lower-case or an apostrophe ("McGuinty", "O'Brien")."""
    if len(part) < 2 or not all(c.isalpha() or c in "'’" for c in part) or not part[0].isalpha():
        return False
    if first and not part[0].isupper():
        return False
    if not any(c.islower() for c in part):
        return False
    inner = [k for k, c in enumerate(part) if k > 0 and c.isupper()]
    return len(inner) <= 1 and all(part[k - 1].islower() or part[k - 1] in "'’" for k in inner)


@lru_cache(maxsize=65536)
def _name_shape(text: str) -> bool:
    """A word shaped like a name: "Kishida", "Jae-myung", "Moșteanu", "McGuinty", "Erdoğan"."""
    parts = text.split("-")
    return all(_name_part_shape(p, k == 0) for k, p in enumerate(parts))


_INITIAL = re.compile(r"^[A-Z]\.$")


def _split_rank(t: TokenTable, i: int) -> bool:
    """ "Maj" "." : a rank abbreviation split from its period by the tokenizer, not a name."""
    return _glued(t, i) and i + 1 < len(t.texts) and t.texts[i + 1] == "."


def _outside(
    ranges: tuple[tuple[int, int], ...], spans: list[tuple[int, int, int, int]]
) -> list[tuple[int, int]]:
    """The (i, j) of those ``(start, end, i, j)`` spans that overlap none of ``ranges``, as
    :func:`pipeline.nlp.in_boilerplate` decides. With the ranges sorted by start, those that
    start before a span's end are a prefix, and one of them overlaps the span if the furthest
    end among them lies after the span's start (a Doc may carry dozens of ranges and hundreds
    of runs)."""
    ordered = sorted(ranges)
    starts = [b_start for b_start, _ in ordered]
    furthest = list(itertools.accumulate((b_end for _, b_end in ordered), max))
    kept: list[tuple[int, int]] = []
    for start, end, i, j in spans:
        k = bisect.bisect_left(starts, end)  # ranges[:k] start before ``end``
        if k == 0 or furthest[k - 1] <= start:
            kept.append((i, j))
    return kept


#: 0, 1, 2, ...: the token indexes :func:`_nonzero` picks from, grown to the longest Doc seen
_INDEXES: list[int] = []


def _nonzero(flags: list[int]) -> list[int]:
    """The indexes of the non-zero items of ``flags``. Picked from one list of indexes kept
    from Doc to Doc: over a ``range`` each of a Doc's ~600 tokens would build and free an int."""
    if len(_INDEXES) < len(flags):
        _INDEXES.extend(range(len(_INDEXES), len(flags)))
    return list(itertools.compress(_INDEXES, flags))  # stops at the end of ``flags``


def _glued(t: TokenTable, i: int) -> bool:
    """No whitespace after token ``i`` ("Maj" ".", "Jae" "-" "myung")."""
    return not t.spaces[i]


@lru_cache(maxsize=65536)
def _country_code(word: str, lang: str) -> str | None:
    """:func:`country_code`, memoised: it is pure and asked about the same words again and again."""
    return country_code(word, lang)


_MODEL_LABELS = frozenset({"PER", "PERSON"})
_ANALYST_ROLES = frozenset(
    {"expert", "analyst", "researcher", "fellow", "senior fellow", "economist", "political scientist"}
)
_GENITIVE = frozenset({"des", "der", "of", "for"})  # "Sprecher des ...", "spokesperson for U.S. Army Europe"
_COUNTRY_FIRST_NAMES = frozenset({"Israel", "Jordan", "Georgia", "India", "China"})
_PLACE_HEADS = frozenset({"base", "airport", "airbase", "stützpunkt", "luftwaffenstützpunkt", "flughafen"})
_NOUN_SUFFIXES = (
    "ung",
    "ungen",
    "heit",
    "keit",
    "schaft",
    "tion",
    "tionen",
    "ität",
    "ismus",
    "nis",
    "ien",
    "tum",
)
_POSTING = frozenset({"to", "in", "at", "bei"})
_STATE_KINDS = frozenset({"office", "title", "counterpart", "predecessor"})
_Match = tuple[int, int, str]  # a role matcher hit: start token, end token, stem

_NAME_IN_BYLINE = r"[A-ZÄÖÜ][\w'’-]+(?: [A-ZÄÖÜ][\w'’.-]+){1,2}"
_BYLINE_NAME = re.compile(_NAME_IN_BYLINE)
_BYLINE_NAMES = rf"{_NAME_IN_BYLINE}(?:\s*,\s*{_NAME_IN_BYLINE}|\s+(?:und|and|&)\s+{_NAME_IN_BYLINE})*"
_BYLINE_KEYWORD = r"(?:Von|By|Text:|Autor:|Autorin:|(?:Additional )?[Rr]eporting by|Writing by|Editing by)"
_BYLINE_DATE = r"\d{1,2}\.\d{1,2}\.\d{2,4}[^\n]*"
_BYLINE_BARE_BODY = rf"[ \t]*(?P<names>{_BYLINE_NAMES})[ \t]*(?P<date>{_BYLINE_DATE})?$"

# Each byline pattern comes twice: one for the text's start and one that starts by consuming
# the character before the byline (a line break, a sentence end, "(" or ";"), tried only where
# one of those characters stands (see :func:`_line_matches`). The groups are the same.
_BYLINE_PREFIXED_FIRST = re.compile(rf"[ \t]*{_BYLINE_KEYWORD}[ \t]+(?P<names>{_BYLINE_NAMES})")
_BYLINE_PREFIXED = re.compile(rf"(?:\n[ \t]*|\(|;[ \t]*){_BYLINE_KEYWORD}[ \t]+(?P<names>{_BYLINE_NAMES})")
_BYLINE_PREFIXED_OPENS = "\n(;"  # the characters _BYLINE_PREFIXED starts with
_BYLINE_BARE_FIRST = re.compile(_BYLINE_BARE_BODY, re.M)
# Most sentence ends are followed by ordinary words, where the bare pattern fails only after
# backtracking through the names. A bare byline's first line holds only words that open with a
# capital, commas and "und"/"and"/"&" until the line ends or a digit (the date) comes: this
# lookahead tests that first, without backtracking (a necessary condition, so the matches are
# the same).
_BYLINE_BARE_LINE = (
    r"(?=[ \t]*[A-ZÄÖÜ][^\s\d]*+(?:[^\S\n]++(?:[A-ZÄÖÜ,][^\s\d]*+|(?:und|and|&)(?=\s|\Z)))*+"
    r"[^\S\n]*+(?:\d|\n|\Z))"
)
_BYLINE_BARE = re.compile(rf"[\n.!?]{_BYLINE_BARE_LINE}{_BYLINE_BARE_BODY}", re.M)
_BYLINE_BARE_OPENS = "\n.!?"  # the characters _BYLINE_BARE starts with


def _offsets(text: str, chars: str) -> list[int]:
    """Where any of ``chars`` stands in ``text``, in order."""
    found: list[int] = []
    for char in chars:
        at = text.find(char)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1)
    found.sort()
    return found


def _line_matches(
    first: re.Pattern[str], rest: re.Pattern[str], opens: str, text: str
) -> Iterator[re.Match[str]]:
    """``finditer`` of a byline pattern: ``first`` at the text's start, then ``rest``, which
    starts with one of the characters ``opens``. ``rest`` is tried only where those stand, after
    the last match (found with ``str.find``: ``re`` looks for a character class by testing every
    character, which cost more than the matching)."""
    pos = 0
    match = first.match(text)
    if match is not None:
        yield match
        pos = match.end()
    for at in _offsets(text, opens):
        if at >= pos and (match := rest.match(text, at)) is not None:
            yield match
            pos = match.end()


@dataclass(frozen=True)
class RoleDef:
    role_en: str
    kind: str
    country: str | None


@dataclass
class Role:
    """A role phrase found in the text, with its normalised English name."""

    text: str
    start: int  # char offsets of the phrase
    end: int
    tokens: tuple[int, int]  # its tokens [first, stop), as token_range(doc, start, end)
    role_en: str | None
    kind: str
    country: str | None = None
    possessor: str | None = None  # "Trumps Kandidat": the person whose role it is
    org: bool = False  # an office of NATO/EU/UN: no state


def _role_rank(r: Role) -> tuple[float, int]:
    """Which of a person's roles :meth:`PeopleStage._best_role` names: the best kind, then the
    first. "Navy chief Adm. Tripathi": the rank says more than "chief"."""
    head = r.kind == "expert" and (r.role_en or "").startswith("head")
    return 1.5 if head else _ROLE_KINDS_RANK.get(r.kind, 3), r.start


@dataclass
class Candidate:
    """One cued mention of a (possible) person."""

    tokens: tuple[str, ...]
    start: int
    end: int
    rule: str
    roles: list[Role] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass
class _Entity:
    """A person being assembled from its candidates within one document.

    Its forms change only through :meth:`add_form` and :meth:`set_forms`, which keep its name
    in step (read dozens of times per Doc, it was the stage's most frequent call)."""

    forms: list[tuple[str, ...]]
    cands: list[Candidate]
    rule: str
    aliases: list[str] = field(default_factory=list)
    journalist: bool = False
    mentions: int = 0
    positions: list[int] = field(default_factory=list)  # char offsets of its mentions
    name_tokens: tuple[str, ...] = field(init=False)  # the longest form (the first of equal length)
    name_key: str = field(init=False)  # its :func:`fold`

    def __post_init__(self) -> None:
        self.set_forms(self.forms)

    def set_forms(self, forms: list[tuple[str, ...]]) -> None:
        self.forms = forms
        self.name_tokens = max(forms, key=len)
        self.name_key = fold(" ".join(self.name_tokens))

    def add_form(self, tokens: tuple[str, ...]) -> None:
        self.forms.append(tokens)
        if len(tokens) > len(self.name_tokens):
            self.name_tokens = tokens
            self.name_key = fold(" ".join(tokens))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive key for names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Lexicon:
    lang: str
    given: frozenset[str]
    family_first: frozenset[str]
    roles: dict[str, RoleDef]
    adj_modifiers: dict[str, str]
    prefix_modifiers: dict[str, str]
    topics: dict[str, str]
    titles: dict[tuple[str, str], str]  # (country, generic role_en) -> national title
    generic: dict[str, str]  # national title -> generic role_en
    not_names: frozenset[str]
    org_words: frozenset[str]
    breaks: frozenset[str]
    speech: frozenset[str]
    known: dict[str, str]  # folded full name -> country
    terms: dict[str, tuple[tuple[str, str, str], ...]]  # folded full name -> (role_en, from, to)
    known_surnames: dict[str, str]  # folded surname -> folded full name
    stop: frozenset[str]


@lru_cache(maxsize=4)
def _not_names_pattern(lang: str) -> re.Pattern[str]:
    """The non-person names, each ending a word; :func:`_not_name_ranges` checks the start
    (see :func:`pipeline.lexicon.finditer_not_after`)."""
    return re.compile(r"(?:" + literal_trie(sorted(lexicon(lang).not_names)) + r")(?!\w)")


def _not_name_ranges(text: str, lang: str) -> list[tuple[int, int]]:
    """Char ranges of the non-person names that stand as whole words."""
    return [(m.start(), m.end()) for m in finditer_not_after(_not_names_pattern(lang), text)]


@lru_cache(maxsize=4)
def _longest_not_name(lang: str) -> int:
    """The length of the longest non-person name."""
    return max(map(len, lexicon(lang).not_names), default=0)


def _not_name_near(text: str, lang: str, start: int, end: int) -> bool:
    """Whether a non-person name matches the pattern somewhere in ``text`` so that it overlaps
    ``[start, end)``. The ranges of :func:`_not_name_ranges` are such matches (a scan from the
    text's start drops some), so only where this holds can one of them overlap the span: a
    few searches in a window around it instead of a scan of the whole text (most candidates
    have no such name near them). Every start position in the window is tried, as a range may
    start before ``start``."""
    pattern = _not_names_pattern(lang)
    longest = _longest_not_name(lang)
    # a name overlapping the span starts after ``start - longest`` and ends by ``end + longest``
    stop = min(len(text), end + longest)
    m = pattern.search(text, max(0, start - longest + 1), stop)
    while m is not None and m.start() < end:
        if m.end() > start:
            return True
        m = pattern.search(text, m.start() + 1, stop)
    return False


@lru_cache(maxsize=4)
def lexicon(lang: str) -> Lexicon:
    lang = "de" if lang.startswith("de") else "en"
    names = load_tsv("first_names.tsv")
    roles = {
        r["stem"].lower(): RoleDef(r["role_en"], r["kind"], r["country"] or None)
        for r in load_tsv(lang_file(lang, "roles.tsv"))
    }
    mods = load_tsv(lang_file(lang, "role_modifiers.tsv"))
    titles = {(r["country"], r["role_en"]): r["title"] for r in load_tsv("role_titles.tsv")}
    not_people = load_tsv("not_people.tsv")
    rows = load_tsv("known_people.tsv")
    known = {fold(r["name"]): r["country"] for r in rows}
    terms: dict[str, list[tuple[str, str, str]]] = {}
    for r in rows:
        if r["role_en"]:
            terms.setdefault(fold(r["name"]), []).append((r["role_en"], r["from"], r["to"]))
    stop = frozenset(DE_STOP | EN_STOP)
    family_first = frozenset(r["name"] for r in names if r["kind"] == "family_first")
    folded_family = frozenset(fold(f) for f in family_first)
    surnames: dict[str, str] = {}
    for full in known:
        parts = full.split()
        surnames.setdefault(parts[0] if parts[0] in folded_family else parts[-1], full)
    return Lexicon(
        lang=lang,
        given=frozenset(r["name"] for r in names if r["kind"] == "given" and r["name"].lower() not in stop),
        family_first=family_first,
        roles=roles,
        adj_modifiers={r["word"]: r["role_en"] for r in mods if r["position"] == "adj"},
        prefix_modifiers={r["word"].rstrip("-"): r["role_en"] for r in mods if r["position"] == "prefix"},
        topics={r["word"]: r["en"] for r in load_tsv(lang_file(lang, "role_topics.tsv"))},
        titles=titles,
        generic={title: generic for (c, generic), title in titles.items() if c == "US"},
        not_names=frozenset(r["phrase"] for r in not_people if r["kind"] == "name"),
        org_words=frozenset(r["phrase"] for r in not_people if r["kind"] in ("word", "product")),
        breaks=frozenset(r["phrase"] for r in not_people if r["kind"] == "break"),
        speech=frozenset(r["word"] for r in load_tsv(lang_file(lang, "speech_verbs.tsv"))),
        known=known,
        terms={k: tuple(v) for k, v in terms.items()},
        known_surnames=surnames,
        stop=frozenset(DE_STOP if lang == "de" else EN_STOP),
    )


class PeopleStage(BatchedStage):
    """Finds people and writes ``doc._.people`` (list[Person])."""

    def __init__(self, nlp: Language) -> None:
        self.lang = "de" if nlp.lang == "de" else "en"
        self.lex = lexicon(self.lang)
        self.role_matcher: PhraseMatcher | None = None
        if self.lang == "en":
            self.role_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            for stem in self.lex.roles:  # "Gen." is one token in "Gen. Pat Ryder", two in "gen."
                self.role_matcher.add(stem, [nlp.make_doc(stem), Doc(nlp.vocab, words=stem.split(" "))])
        self.common: frozenset[str] = frozenset()
        self.inflected: Any = None  # the lookup table: its keys are inflected forms
        if nlp.has_pipe("lemmatizer"):
            try:
                lemmatizer: Any = nlp.get_pipe("lemmatizer")
                table = lemmatizer.lookups.get_table("lemma_lookup")
                self.common = frozenset(str(v) for v in table.values())
                self.inflected = table
            except (KeyError, AttributeError):
                pass
        # memos of the text-only word tests (pure per stage: the lexicon never changes)
        self._role_defs: dict[str, tuple[RoleDef, str, str | None] | None] = {}
        self._common: dict[str, bool] = {}
        self._words: dict[str, int] = {}
        self._codes: dict[str, int] = {}
        self._ends_run: dict[str, bool] = {}
        self._surname_keys: dict[tuple[str, ...], str] = {}
        # compile the big alternations now, not inside the first document's timing
        _not_names_pattern(self.lang)
        find_countries("", self.lang)

    def opens_name(self, text: str) -> bool:
        return text in self.lex.given or text in self.lex.family_first

    def is_common_word(self, text: str) -> bool:
        """A word the lookup lemmatizer knows as a common word ("Verluste", "officials")."""
        known = self._common.get(text)
        if known is None:
            known = self._common[text] = self._is_common_word(text)
        return known

    def _is_common_word(self, text: str) -> bool:
        word = text if self.lang == "de" else text.lower()
        if word in self.lex.given or fold(word) in self.lex.known_surnames:
            return False
        table = self.inflected
        return word in self.common or (table is not None and word in table)

    # ---- token classes ---------------------------------------------------------------

    def role_def(self, text: str) -> tuple[RoleDef, str, str | None] | None:
        """German role word -> (definition, compound remainder, country prefix code)."""
        if text in self._role_defs:
            return self._role_defs[text]
        parsed = self._role_def(text)
        self._role_defs[text] = parsed
        return parsed

    def _role_def(self, text: str) -> tuple[RoleDef, str, str | None] | None:
        country = None
        word = text
        if "-" in word:
            head, rest = word.split("-", 1)
            code = _country_code(head + "-" + rest, self.lang) if head else None
            if code is not None and _country_code(head, self.lang) == code:
                country, word = code, rest
        lower = word.lower()
        best: tuple[RoleDef, str] | None = None
        best_len = 0
        for ending in _DE_INFLECTIONS:
            if ending and not lower.endswith(ending):
                continue
            base = lower[: len(lower) - len(ending)] if ending else lower
            for cut in range(len(base)):
                stem = base[cut:]
                if len(stem) <= best_len:
                    break
                # "Expertin" is "Experte" without its -e
                role = self.lex.roles.get(stem) or (
                    self.lex.roles.get(stem + "e") if ending == "in" else None
                )
                if role is not None:
                    best, best_len = (role, base[:cut].rstrip("-")), len(stem)
                    break
        if best is None:
            return None
        role, remainder = best
        if remainder and not (
            "-" in word
            or remainder in self.lex.prefix_modifiers
            or remainder.rstrip("s-") in self.lex.topics
            or remainder in self.lex.topics
            or len(remainder) >= 4
        ):
            return None
        return role, remainder, country

    def is_role_token(self, t: TokenTable, i: int) -> bool:
        if self.lang == "de":
            text = t.texts[i]
            return text[:1].isupper() and self.role_def(text) is not None
        return t.lowers[i] in self.lex.roles

    # _word_class results: what the word's text alone says about a name token
    _NOT_NAME, _INITIAL_NAME, _NAME, _NAME_ROLE, _NAME_RANK, _NAME_ROLE_RANK = range(6)
    _NAME_CLASSES = frozenset({_INITIAL_NAME, _NAME, _NAME_RANK})  # name tokens, roles not allowed

    def _word_class(self, text: str) -> int:
        """The text-only part of :meth:`is_name_token`, memoised per word: not a name, an
        initial, a name-shaped word (and whether it is a role word, and whether it might be a
        rank abbreviation split from its period)."""
        cls = self._words.get(text)
        if cls is None:
            cls = self._words[text] = self._classify_word(text)
        return cls

    def _classify_word(self, text: str) -> int:
        if not _name_shape(text):
            return self._INITIAL_NAME if _INITIAL.match(text) is not None else self._NOT_NAME
        if text.lower() in self.lex.stop or text in self.lex.breaks or text in self.lex.org_words:
            return self._NOT_NAME
        rank = text.lower() + "." in self.lex.roles
        if "-" in text:
            parts = text.split("-")
            if not all(p[:1].islower() or p in self.lex.given for p in parts[1:]):
                return self._NOT_NAME  # "Kishida-Besuch", "Biden-Regierung": compounds, not names
        if _country_code(text, self.lang) is not None:
            return self._NOT_NAME
        if self.lang == "de":
            role = text[:1].isupper() and self.role_def(text) is not None
        else:
            role = text.lower() in self.lex.roles
        if role:
            return self._NAME_ROLE_RANK if rank else self._NAME_ROLE
        return self._NAME_RANK if rank else self._NAME

    # _may_open results: the word alone says it cannot open a run of name tokens; it may (the
    # rest of the test in :meth:`runs`); it does, as a plain name word (no initial, rank or role)
    _NO_OPEN, _MAY_OPEN, _OPENS = range(3)
    # A word's code (see :meth:`_word_codes`) holds its _may_open result in _OPEN_BITS and the
    # flags below.
    _OPEN_BITS = 3
    _ROLE_WORD = 4  # German: a capitalised role word (a role phrase may start there)
    _KNOWN = 8  # it folds to a known person's full name or surname

    def _may_open(self, text: str) -> int:
        """Whether the word may open a run of name tokens (or opens one, whatever its
        neighbours): a name token or a first name."""
        cls = self._word_class(text)
        if cls == self._NAME:
            opens = self._OPENS
        elif cls != self._NOT_NAME or text in self.lex.given or text in _COUNTRY_FIRST_NAMES:
            opens = self._MAY_OPEN
        else:
            opens = self._NO_OPEN
        # after a name: neither a name token, nor a hyphen piece or double name, nor a particle
        self._ends_run[text] = cls == self._NOT_NAME and "-" not in text and text.lower() not in _PARTICLES
        return opens

    def _word_code(self, text: str) -> int:
        """What :meth:`runs`, :meth:`_role_words` and :meth:`candidates` ask of a word's text
        alone, as bits (0 for most words: they can neither open a name nor start a role)."""
        code = self._may_open(text)
        if self.lang == "de" and text[:1].isupper() and self.role_def(text) is not None:
            code |= self._ROLE_WORD
        key = fold(text)
        if key in self.lex.known or key in self.lex.known_surnames:
            code |= self._KNOWN
        return code

    def _word_codes(self, texts: list[str]) -> list[int]:
        """:meth:`_word_code` of every token, read from a memo (one look-up per token serves
        every per-word test of the stage; new words are coded once, and ``self._ends_run`` with
        them)."""
        memo = self._codes
        try:
            return list(map(memo.__getitem__, texts))
        except KeyError:  # words not seen before
            for word in set(texts).difference(memo):
                memo[word] = self._word_code(word)
            return list(map(memo.__getitem__, texts))

    def is_name_token(self, t: TokenTable, i: int, allow_role: bool = False) -> bool:
        cls = self._word_class(t.texts[i])
        if cls <= self._INITIAL_NAME:
            return cls == self._INITIAL_NAME
        if cls >= self._NAME_RANK and _split_rank(t, i):
            return False
        return allow_role or cls in (self._NAME, self._NAME_RANK)

    def _hyphen_piece(self, t: TokenTable, j: int) -> bool:
        """Token ``j`` is a hyphen glued between two parts of one name."""
        texts = t.texts
        return (
            texts[j] == "-"
            and j + 1 < len(texts)
            and _glued(t, j - 1)
            and _glued(t, j)
            and texts[j + 1].isalpha()  # Token.is_alpha
            and (texts[j + 1][:1].islower() or self.is_name_token(t, j + 1))
        )

    def _double_name(self, t: TokenTable, j: int) -> bool:
        """ "Agnieszka Nowak-Zielińska": a hyphenated surname right after a first name."""
        text = t.texts[j]
        return (
            "-" in text
            and t.texts[j - 1] in self.lex.given
            and _name_shape(text)
            and not any(self.is_common_word(p) for p in text.split("-")[1:])
        )

    def _country_first_name(self, t: TokenTable, i: int) -> bool:
        """ "Verteidigungsminister Israel Katz": a country name used as a first name."""
        return (
            0 < i < len(t.texts) - 1
            and (t.texts[i] in self.lex.given or t.texts[i] in _COUNTRY_FIRST_NAMES)
            and self.is_role_token(t, i - 1)
            and self.is_name_token(t, i + 1)
        )

    def _surname_role_word(self, t: TokenTable, j: int) -> bool:
        """ "Claudia Major,": a role word right after a first name, not before a name, is a surname."""
        return (
            t.texts[j - 1] in self.lex.given
            and self.is_name_token(t, j, allow_role=True)
            and not (j + 1 < len(t.texts) and self.is_name_token(t, j + 1))
        )

    # ---- runs of name tokens -------------------------------------------------------------

    def runs(self, t: TokenTable, codes: list[int], marked: list[int]) -> list[tuple[int, int]]:
        """Maximal runs [i, j) of name tokens (with particles inside), within a sentence.

        ``codes`` are the tokens' :meth:`_word_codes`, ``marked`` the tokens whose code is not 0
        (most words are ruled out by their text alone: neither name nor first name, so the
        openers are picked without a Python loop). A line break is a token of its own ("\\n"),
        never a name token, so it ends a run."""
        out: list[tuple[int, int]] = []
        texts, lowers = t.texts, t.lowers
        given, org_words = self.lex.given, self.lex.org_words
        sent_starts = {start for start, _ in t.sents}
        n = len(texts)
        # is_name_token, inline for the hot loop: a name class, unless a rank split from its "."
        word_class, names, rank, initial, plain, open_bits = (
            self._words,
            self._NAME_CLASSES,
            self._NAME_RANK,
            self._INITIAL_NAME,
            self._OPENS,
            self._OPEN_BITS,
        )
        ends_run = self._ends_run  # filled with the codes
        j = 0
        for i in marked:
            if i < j:
                continue  # inside the previous run
            opens = codes[i] & open_bits
            if opens != plain:  # most openers are plain name words: nothing to test
                if not opens:
                    continue  # a role word or known name that cannot open a run
                cls = word_class[texts[i]]
                if cls == initial:
                    continue  # "J." does not open a name
                if not (
                    (cls in names and not (cls == rank and _split_rank(t, i)))
                    or self._country_first_name(t, i)
                ):
                    continue
            j = i + 1
            if j == n or ends_run[texts[j]] or j in sent_starts:
                out.append((i, j))  # the common one-word run: nothing below would change it
                continue
            while j < n and j not in sent_starts:
                text = texts[j]
                if ends_run[text]:
                    break  # the common end: none of the tests below can take this word
                cls = word_class[text]
                if text == "-" and self._hyphen_piece(t, j):
                    j += 2  # "Jae" "-" "myung", "Kosiniak" "-" "Kamysz": one name
                elif (
                    (cls in names and not (cls == rank and _split_rank(t, j)))
                    or ("-" in text and self._double_name(t, j))
                    or (texts[j - 1] in given and self._surname_role_word(t, j))
                    or (
                        lowers[j] in _PARTICLES
                        and not self.is_common_word(texts[j - 1])
                        and j + 1 < n
                        and (self.is_name_token(t, j + 1) or lowers[j + 1] in _PARTICLES)
                        and j - i <= 3
                    )
                ):
                    j += 1
                else:
                    break
            if j < n and texts[j] in org_words:
                # "Christian Mölling von der Bertelsmann Stiftung": the name ends before "von"
                cut = next((k for k in range(i + 1, j) if lowers[k] in _PARTICLES), j)
                j = cut
            while j > i + 2 and self.lang == "de" and self.is_common_word(texts[j - 1]):
                j -= 1  # "Premierminister Mark Carney Zahlen": the noun is not part of the name
            while j > i + 1 and (lowers[j - 1] in _PARTICLES or _INITIAL.match(texts[j - 1])):
                j -= 1
            out.append((i, j))
        return out

    # ---- roles ---------------------------------------------------------------------------

    def _role_en(
        self, role_def: RoleDef, modifier: str | None, topic: str | None, country: str | None
    ) -> str | None:
        """English role: "Asia expert", "head of think tank", "Deputy Foreign Minister",
        "NATO Secretary General", "President-elect". National titles come later (final)."""
        base = role_def.role_en
        if not base:
            return None
        role = base
        if role_def.kind == "expert" and base in _ANALYST_ROLES:
            # a regional expert keeps the region ("Asia expert"); others are analysts
            role = f"{topic} expert" if topic and topic[:1].isupper() else "analyst"
        elif topic == "party":
            role = "party leader" if base == "head" else base  # "CDU-Chef", "CDU-Politikerin"
        elif topic:
            role = f"{topic} {base}" if base != "head" else f"head of {topic}"
        if country in ORG_CODES and role_def.kind == "office":
            role = f"{country} {role}"
        if modifier and modifier.startswith("-"):
            role = f"{role}{modifier}"
        elif modifier and not role.startswith(modifier):
            role = f"{modifier} {role}"
        return role

    def national_title(self, role_en: str | None, country: str | None) -> str | None:
        """How the state names the office: US "Minister of Defense" -> "Secretary of Defense"."""
        if role_en and country:
            return self.lex.titles.get((country, role_en), role_en)
        return role_en

    def _left_context(self, t: TokenTable, i: int) -> tuple[int, str | None, str | None, str | None]:
        """Scan left of token ``i`` over adjectives, demonyms, modifiers and a genitive
        country or possessor: (start token, country, modifier, possessor)."""
        country = modifier = possessor = None
        texts, lowers = t.texts, t.lowers
        k = i - 1
        while k >= 0 and i - k <= 4:
            text = texts[k]
            low = lowers[k]
            code = _country_code(text, self.lang)
            if k > 0 and text[:1].isupper():
                pair = _country_code(f"{texts[k - 1]} {text}", self.lang)
                if pair is not None:  # "North Korean leader", "South Korea's President"
                    country = country or pair
                    k -= 2
                    continue
            if self.lang == "de" and text[:1].islower() and _DE_ADJ_END.search(low):
                stem = _DE_ADJ_END.sub("", low)
                if stem in self.lex.adj_modifiers:
                    modifier = modifier or self.lex.adj_modifiers[stem]
                elif code is not None:
                    country = country or code
                elif low in self.lex.stop or k == 0 or lowers[k - 1] not in _DETERMINERS:
                    break  # "Gerade tourte Präsident ...": a verb, not an adjective
                k -= 1
                continue
            if self.lang == "en" and low in self.lex.adj_modifiers:
                modifier = modifier or self.lex.adj_modifiers[low]
                k -= 1
                continue
            if code is not None and low not in self.lex.stop:
                country = country or code
                k -= 1
                if self.lang == "en" and k >= 0 and lowers[k] == "'s":
                    continue
                continue
            if text in ("'s", "’s") and k > 0:
                k -= 1
                continue
            if (
                self.lang == "de"
                and text.endswith("s")
                and text[:1].isupper()
                and self.is_name_token(t, k)
                and k + 1 < len(texts)
            ):
                possessor = text[:-1]
                k -= 1
                break
            break
        return k + 1, country, modifier, possessor

    def role_before(self, doc: Doc, t: TokenTable, i: int) -> Role | None:
        """A role phrase ending right before token ``i`` ("US-Verteidigungsminister",
        "der japanische Premierminister", "Philippine President"), or before a comma
        ("his Japanese counterpart, Gen Nakatani")."""
        if i == 0:
            return None
        role = self._role_ending(doc, t, i)
        if role is None and i >= 2 and t.texts[i - 1] == ",":
            role = self._role_ending(doc, t, i - 1)
            i -= 1
        if (
            role is None
            and i >= 3
            and _country_code(t.texts[i - 1], self.lang)
            and t.lowers[i - 2] in _POSTING
        ):
            role = self._role_ending(doc, t, i - 2)  # "Ambassador to NATO Matthew Whitaker"
        return role

    def _role_ending(self, doc: Doc, t: TokenTable, i: int) -> Role | None:
        if self.lang == "de":
            text = t.texts[i - 1]
            parsed = self.role_def(text) if text[:1].isupper() else None
            if parsed is None:
                return None
            return self._de_role(doc, t, i - 1, i, parsed)
        return self._en_role_ending(doc, t, i)

    def role_after(self, doc: Doc, t: TokenTable, j: int) -> Role | None:
        """A role phrase in an apposition: ", stellvertretender Außenminister",
        ", Asienexperte der Denkfabrik", ", a senior fellow at ..."."""
        texts, lowers, n = t.texts, t.lowers, len(t.texts)
        if j >= n or texts[j] != ",":
            return None
        for k in range(j + 1, min(j + 6, n)):
            text = texts[k]
            role: Role | None = None
            if self.lang == "de":
                parsed = self.role_def(text) if text[:1].isupper() else None
                if parsed is not None:
                    role = self._de_role(doc, t, k, k + 1, parsed, floor=j + 1)
            else:
                role = self._en_role_starting(doc, t, k, floor=j + 1)
            if role is not None:
                after = role.tokens[1]
                if after < n and self.is_name_token(t, after):
                    return None  # ", Generalleutnant Holger Neumann": the role of the next name
                return role
            if text == "-" or (k + 1 < n and texts[k + 1] == "-"):
                continue  # "a Riga-based analyst"
            if lowers[k] in _DETERMINERS and k > j + 1:
                return None  # ", die der damalige Kanzler ...": a relative clause
            stops = t.is_punct[k] or (text[:1].isupper() and k > j + 1 and self.lang == "en")
            if stops and not (
                self.lang == "en" and (_country_code(text, self.lang) or lowers[k] in self.lex.topics)
            ):
                return None
        return None

    def _de_role(
        self,
        doc: Doc,
        t: TokenTable,
        i: int,
        end: int,
        parsed: tuple[RoleDef, str, str | None],
        floor: int = 0,
    ) -> Role:
        role, remainder, prefix_country = parsed
        left, country, modifier, possessor = self._left_context(t, i)
        left = max(left, floor)
        topic = None
        if remainder in self.lex.prefix_modifiers:
            modifier = self.lex.prefix_modifiers[remainder]
        elif remainder:
            topic = self.lex.topics.get(remainder) or self.lex.topics.get(remainder.rstrip("s-"))
        texts, lowers, n = t.texts, t.lowers, len(t.texts)
        word = texts[i]
        if "-" in word and prefix_country is None:
            head = word.split("-", 1)[0].lower()
            topic = topic or self.lex.topics.get(head)
            if head in self.lex.prefix_modifiers:
                modifier = self.lex.prefix_modifiers[head]
        country = prefix_country or country or role.country
        stop = end  # the token after the phrase
        # "Chef des Thinktanks": the institution names the role
        if role.role_en == "head" and end + 1 < n and lowers[end] in ("des", "der"):
            inst = lowers[end + 1]
            if inst in self.lex.topics:
                topic = self.lex.topics[inst]
                stop = end + 2
        country = country or self._complement_country(t, end, role)
        role_en = self._role_en(role, modifier, topic, country)
        nxt = end + (end < n and lowers[end] in ("für", "als"))
        if nxt > end and nxt < n:
            k = nxt + (nxt < n - 1 and lowers[nxt] in _DETERMINERS)
            inner = self.role_def(texts[k]) if texts[k][:1].isupper() else None
            if role.role_en == "nominee" and inner is not None:
                # "Kandidat für den Unterstaatssekretär für Verteidigung"
                sub = self._de_role(doc, t, k, k + 1, inner, floor=k)
                role_en = f"nominee for {sub.role_en}"
                country = country or sub.country
                stop = sub.tokens[1]
            elif lowers[k] in self.lex.topics and role.kind == "office":
                role_en = f"{role_en} of {self.lex.topics[lowers[k]]}"  # "... für Verteidigung"
                stop = k + 1
        if role.kind in ("expert", "media", "honorific"):
            country = None
        while left < i and lowers[left] in _DETERMINERS:
            left += 1
        start_char, end_char = t.idxs[left], t.ends[stop - 1]
        return Role(
            text=doc_text(doc)[start_char:end_char],
            start=start_char,
            end=end_char,
            tokens=(left, stop),
            role_en=role_en,
            kind=role.kind,
            country=None if country in ORG_CODES else country,
            possessor=possessor,
            org=country in ORG_CODES,
        )

    def _complement_country(self, t: TokenTable, end: int, role: RoleDef) -> str | None:
        """ "Sprecherin des chinesischen Außenministeriums", "commander of U.S. Forces Korea",
        "director general of Israel's Ministry of Defense": the state the office belongs to."""
        n = len(t.texts)
        if role.kind not in ("office", "title") or end >= n or t.lowers[end] not in _GENITIVE:
            return None
        for k in range(end + 1, min(end + 5, n)):
            text = t.texts[k]
            if t.is_punct[k] and text not in ("'s", "’s"):
                return None
            code = _country_code(text, self.lang)
            if code is not None:
                return code
        return None

    def _en_matches(self, doc: Doc) -> tuple[dict[int, list[_Match]], dict[int, list[_Match]]]:
        """The role matcher's (start, end, stem) matches by start and by end token, each list
        in match order; cached on the Doc, as every run asks."""
        key = "newsfacts.people.role_matches"
        cached = doc.user_data.get(key)
        if cached is None:
            assert self.role_matcher is not None
            by_start: dict[int, list[_Match]] = {}
            by_end: dict[int, list[_Match]] = {}
            for match_id, s, e in self.role_matcher(doc):
                match = (s, e, doc.vocab.strings[match_id])
                by_start.setdefault(s, []).append(match)
                by_end.setdefault(e, []).append(match)
            cached = doc.user_data[key] = (by_start, by_end)
        return cached

    def _en_role(self, doc: Doc, t: TokenTable, s: int, e: int, stem: str, floor: int) -> Role:
        role = self.lex.roles[stem]
        left, country, modifier, _ = self._left_context(t, s)
        left = max(left, floor)
        lowers = t.lowers
        while left < s and lowers[left] in _DETERMINERS:
            left += 1
        topic = None
        if s - 1 >= floor and lowers[s - 1] in self.lex.topics and role.kind == "expert":
            topic = self.lex.topics[lowers[s - 1]]  # "an Asia expert"
            left = min(left, s - 1)
        stop = e  # the token after the phrase
        if role.role_en == "head" and e + 2 < len(lowers) and lowers[e] == "of":
            k = e + 1 + (lowers[e + 1] == "the")
            for width in (2, 1):
                phrase = " ".join(lowers[k : k + width])
                if phrase in self.lex.topics:
                    topic = self.lex.topics[phrase]
                    stop = k + width
                    break
        country = country or self._complement_country(t, e, role) or role.country
        if role.kind in ("expert", "media", "honorific"):
            country = None
        start_char, end_char = t.idxs[left], t.ends[stop - 1]
        return Role(
            text=doc_text(doc)[start_char:end_char],
            start=start_char,
            end=end_char,
            tokens=(left, stop),
            role_en=self._role_en(role, modifier, topic, country),
            kind=role.kind,
            country=None if country in ORG_CODES else country,
            org=country in ORG_CODES,
        )

    def _role_words(self, doc: Doc, codes: list[int], marked: list[int]) -> tuple[set[int], set[int]]:
        """Where role phrases may start and end: the first token and the token after the last
        of every role word (German: read from the tokens' codes, see :meth:`runs`) or role
        matcher hit (English). :meth:`_role_ending` finds a role only at such an end, and
        :meth:`role_after` only from such a start."""
        if self.lang == "en":
            by_start, by_end = self._en_matches(doc)
            return set(by_start), set(by_end)
        role = self._ROLE_WORD
        starts = {k for k in marked if codes[k] & role}
        return starts, {k + 1 for k in starts}

    def _en_role_ending(self, doc: Doc, t: TokenTable, i: int) -> Role | None:
        matches = self._en_matches(doc)[1].get(i)
        if not matches:
            return None
        s, e, stem = min(matches, key=lambda m: m[0])  # the longest: "Deputy Secretary of State"
        return self._en_role(doc, t, s, e, stem, 0)

    def _en_role_starting(self, doc: Doc, t: TokenTable, k: int, floor: int) -> Role | None:
        matches = self._en_matches(doc)[0].get(k)
        if not matches:
            return None
        s, e, stem = max(matches, key=lambda m: m[1])
        return self._en_role(doc, t, s, e, stem, floor)

    # ---- candidates ------------------------------------------------------------------

    def _not_names(self, doc: Doc) -> tuple[list[tuple[int, int]], list[int]]:
        """Char ranges of known non-person names ("General Dynamics", "Martin Luther King Day"),
        in text order and not overlapping, and their ends (for bisect)."""
        key = "newsfacts.people.not_names"
        ranges = doc.user_data.get(key)
        if ranges is None:
            ranges = _not_name_ranges(doc_text(doc), self.lang)
            doc.user_data[key] = ranges
        ends_key = "newsfacts.people.not_name_ends"
        ends = doc.user_data.get(ends_key)
        if ends is None:
            ends = [e for _, e in ranges]
            doc.user_data[ends_key] = ends
        return ranges, ends

    def _rejected(self, doc: Doc, t: TokenTable, text: str, i: int, j: int) -> bool:
        n = len(t.texts)
        start, end = t.idxs[i], t.ends[j - 1]
        if text[start:end] in self.lex.not_names:
            return True
        if _not_name_near(text, self.lang, start, end):  # else no range can overlap the run
            ranges, ends = self._not_names(doc)
            k = bisect.bisect_right(ends, start)  # the first range ending after ``start``
            if k < len(ranges) and ranges[k][0] < end:
                return True
        if j < n:
            nxt, nxt_lower = t.texts[j], t.lowers[j]
            if nxt_lower in _PLACE_HEADS or (
                "air base".startswith(nxt_lower)
                and text[t.idxs[j] : t.ends[min(j + 2, n) - 1]].lower() == "air base"
            ):
                return True  # "Mihail Kogalniceanu air base"
            if nxt in self.lex.org_words or nxt in self.lex.not_names:
                return True
        return i > 0 and t.texts[i - 1] in self.lex.org_words

    def candidates(self, doc: Doc) -> tuple[list[Candidate], list[tuple[int, int]]]:
        """The cued mentions, and the runs of name tokens outside boilerplate."""
        lex = self.lex
        cands: list[Candidate] = []
        t = token_table(doc)
        texts, lowers, n = t.texts, t.lowers, len(t.texts)
        codes = self._word_codes(texts)
        marked = _nonzero(codes)
        runs = self.runs(t, codes, marked)
        text = doc_text(doc)
        ranges = boilerplate(doc)
        if ranges:  # runs in newsletter/advert text are neither candidates nor mentions
            runs = _outside(ranges, [(t.idxs[i], t.ends[j - 1], i, j) for i, j in runs])
        role_starts, role_ends = self._role_words(doc, codes, marked) if runs else (set(), set())
        # role_before looks at most three tokens back ("Botschafter in Deutschland, Ron Prosor"):
        # the tokens a run may start at to have a role before it, once per Doc
        role_near = {end + back for end in role_ends for back in range(4)}
        speech, known_word = lex.speech, self._KNOWN
        for run_start, j in runs:
            i = run_start
            if (  # most runs are one word without any cue (tested in full below): pass them at once
                j == i + 1
                and i not in role_near
                and not (j < n and (texts[j] == "," or lowers[j] in speech))
                and not (i > 0 and lowers[i - 1] in speech)
                and not codes[i] & known_word
            ):
                continue
            start, end = t.idxs[i], t.ends[j - 1]
            while (
                j - i >= 2
                and not (self.opens_name(texts[i]) or self._country_first_name(t, i))
                and (self.is_common_word(texts[i]) or any(w in lex.given for w in texts[i + 1 : j - 1]))
            ):
                i += 1  # "Wiederwahl Donald Trump", "Staatsbesuch Joe Biden": trim the noun
                start = t.idxs[i]
            tokens = tuple(text[start:end].split())  # the words of doc[i:j].text
            name = " ".join(tokens)
            roles: list[Role] = []
            # role_after looks at most five tokens on (", stellvertretender Außenminister")
            if i in role_near:
                before_role = self.role_before(doc, t, i)
                if before_role is not None:
                    roles.append(before_role)
            if j < n and texts[j] == "," and not role_starts.isdisjoint(range(j + 1, j + 6)):
                after_role = self.role_after(doc, t, j)
                if after_role is not None:
                    roles.append(after_role)
            rule = ""
            if roles:
                # a role before the title: "Amtskollegen, General Nakatani", "spokesman Maj. Gen. Pat Ryder"
                before = roles[0] if roles[0].end <= start else None
                for _ in range(3):
                    if before is None or before.start < 2:
                        break
                    first = before.tokens[0]
                    earlier = self.role_before(doc, t, first) if first >= 1 else None
                    if earlier is None or earlier.end > before.start:
                        break
                    roles.insert(0, earlier)
                    before = earlier
                rule = "role_title" if any(r.end <= start for r in roles) else "apposition"
            elif (i > 0 and lowers[i - 1] in lex.speech) or (j < n and lowers[j] in lex.speech):
                rule = "speech"
            elif len(tokens) >= 2 and self.opens_name(tokens[0]):
                rule = "gazetteer"
            else:
                key = fold(name)  # a single word's name is the word
                if key in lex.known or (len(tokens) == 1 and key in lex.known_surnames):
                    rule = "known"
            if not rule:  # most runs have no cue: test that first
                continue
            if (
                len(tokens) > 5
                or _country_code(name, self.lang) is not None
                or self._rejected(doc, t, text, run_start, j)
            ):
                continue
            if len(tokens) == 1 and rule == "speech":
                prev = lowers[i - 1] if i > 0 else None
                if (
                    prev is not None
                    and prev not in lex.speech
                    and (
                        prev in _DETERMINERS
                        or prev in _CONTRACTIONS
                        or (self.lang == "de" and texts[i - 1][:1].islower() and _DE_ADJ_END.search(prev))
                    )
                ):
                    continue  # "die Regierung erklärte", "hohe Verluste forderte", "zum Leitmotiv erklärt"
                if self.is_common_word(tokens[0]) or (
                    self.lang == "de" and tokens[0].endswith(_NOUN_SUFFIXES)
                ):
                    continue  # "Sicherheitsstudien zeigen": a noun, not a surname
            cands.append(Candidate(tokens=tokens, start=start, end=end, rule=rule, roles=roles))
        cands.extend(self.model_candidates(doc))
        return cands, runs

    def model_candidates(self, doc: Doc) -> list[Candidate]:
        out: list[Candidate] = []
        t = token_table(doc)
        for ent in doc.ents:
            if ent.label_ not in _MODEL_LABELS or in_boilerplate(doc, ent.start_char, ent.end_char):
                continue
            i, j = ent.start, ent.end
            while i < j and (self.is_role_token(t, i) or t.lowers[i] in _DETERMINERS):
                i += 1
            if i >= j:
                continue
            roles = [r for r in (self.role_before(doc, t, i), self.role_after(doc, t, j)) if r is not None]
            out.append(
                Candidate(
                    tokens=tuple(doc_text(doc)[t.idxs[i] : t.ends[j - 1]].split()),
                    start=t.idxs[i],
                    end=t.ends[j - 1],
                    rule="model",
                    roles=roles,
                )
            )
        return out

    # ---- bylines -----------------------------------------------------------------------

    def bylines(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(name, start, end) of authors named in a byline of the text."""
        out: list[tuple[str, int, int]] = []
        text = doc_text(doc)
        patterns = (
            (_BYLINE_PREFIXED_FIRST, _BYLINE_PREFIXED, _BYLINE_PREFIXED_OPENS),
            (_BYLINE_BARE_FIRST, _BYLINE_BARE, _BYLINE_BARE_OPENS),
        )
        for first, pattern, opens in patterns:
            for m in _line_matches(first, pattern, opens, text):
                names = list(_BYLINE_NAME.finditer(m.group("names")))
                if pattern is _BYLINE_BARE:
                    if len(names) < 2 and not m.group("date"):
                        continue
                    if not all(n.group(0).split()[0] in self.lex.given for n in names):
                        continue
                base = m.start("names")
                for n in names:
                    if any(
                        w.lower().rstrip(".") in self.lex.roles
                        or w in self.lex.breaks
                        or not (_name_shape(w) or _INITIAL.match(w))
                        or _country_code(w, self.lang)
                        for w in n.group(0).split()
                    ):
                        continue  # "By Helen Ashcroft, Defence Editor"
                    s, e = base + n.start(), base + n.end()
                    if not in_boilerplate(doc, s, e):
                        out.append((n.group(0), s, e))
        return out

    # ---- assembly ----------------------------------------------------------------------

    def _surname(self, tokens: tuple[str, ...]) -> str:
        core = [t for t in tokens if t not in _SUFFIXES]
        if len(core) >= 2 and core[0] in self.lex.family_first:
            return core[0]
        return core[-1]

    def _surname_key(self, tokens: tuple[str, ...]) -> str:
        """:func:`fold` of the name's surname, memoised per name (asked of every entity twice
        per Doc)."""
        key = self._surname_keys.get(tokens)
        if key is None:
            key = self._surname_keys[tokens] = fold(self._surname(tokens))
        return key

    def assemble(self, doc: Doc) -> list[Person]:
        cands, runs = self.candidates(doc)
        entities: list[_Entity] = []
        by_key: dict[str, _Entity] = {}

        def add(tokens: tuple[str, ...], cand: Candidate | None, rule: str) -> _Entity:
            key = fold(" ".join(tokens))
            ent = by_key.get(key)
            if ent is None and len(tokens) >= 2:
                spaced = key + " "
                for other in entities:  # "Ferdinand Marcos" inside "Ferdinand Marcos Jr."
                    name = other.name_key
                    if name.startswith(spaced) or key.startswith(name + " "):
                        ent = other
                        break
            if ent is None:
                ent = _Entity(forms=[tokens], cands=[], rule=rule)
                entities.append(ent)
            elif tokens not in ent.forms:
                ent.add_form(tokens)
            by_key[key] = ent
            if cand is not None:
                ent.cands.append(cand)
            return ent

        # journalists first: the sidecar's authors, then bylines in the text
        for author in extension(doc, "authors") or ():
            tokens = tuple(author.split())
            if tokens:
                add(tokens, None, "author").journalist = True
        for name, s, e in self.bylines(doc):
            add(
                tuple(name.split()), Candidate(tuple(name.split()), s, e, "byline"), "byline"
            ).journalist = True
        full = sorted((c for c in cands if len(c.tokens) >= 2), key=_START)
        single = sorted((c for c in cands if len(c.tokens) == 1), key=_START)
        for c in full:
            add(c.tokens, c, c.rule)
        if self.lang == "de":  # "der Wahlsieg Donald Trumps": a genitive, not another person
            for ent in list(entities):
                name = ent.name_key
                base = by_key.get(name[:-1]) if name.endswith("s") else None
                if base is not None and base is not ent and len(ent.name_tokens) >= 2:
                    base.cands.extend(ent.cands)
                    entities.remove(ent)
                elif base is None and name.endswith("s") and name[:-1] in self.lex.known:
                    ent.set_forms([(*t[:-1], t[-1][:-1]) for t in ent.forms])
                    by_key[name[:-1]] = ent
        surnames: dict[str, _Entity] = {}
        for ent in entities:
            surnames.setdefault(self._surname_key(ent.name_tokens), ent)
        for c in single:
            key = fold(c.tokens[0])
            linked = surnames.get(key) or surnames.get(key.removesuffix("s"))
            if linked is not None:
                linked.cands.append(c)
            else:
                surnames[key] = add(c.tokens, c, c.rule)
        self._count(doc, entities, runs)
        doc_id = nlp_doc_id(doc)  # read without building spaCy's doc._ accessor
        return [p for p in (self._person(doc, doc_id, e, entities) for e in entities) if p is not None]

    def _count(self, doc: Doc, entities: list[_Entity], runs: list[tuple[int, int]]) -> None:
        """Mentions and aliases: every run of name tokens (outside boilerplate, as
        :meth:`candidates` returns them) that is a form of an entity."""
        forms: dict[str, _Entity] = {}
        surnames: dict[str, _Entity] = {}
        for ent in entities:
            for form in ent.forms:
                forms.setdefault(fold(" ".join(form)), ent)
            surnames.setdefault(self._surname_key(ent.name_tokens), ent)
        # what a one-word run must fold to for anything below to happen (most runs are one
        # word, and most of those are ordinary capitalised nouns)
        wanted = forms.keys() | surnames.keys()
        if self.lang == "de":
            wanted |= {key + "s" for key in surnames}
        text = doc_text(doc)
        t = token_table(doc)
        texts = t.texts
        for i, j in runs:
            single = j == i + 1
            if single:  # the run's text, as doc[i:j].text: one token's is its own
                run_key = fold(texts[i])
                if run_key not in wanted:
                    continue
            else:
                run_key = fold(text[t.idxs[i] : t.ends[j - 1]])
            named = forms.get(run_key)
            if named is not None:
                self._mention(t, text, named, i, j)
                continue
            for k in range(i, j):  # "die Rolle Kishidas": a surname inside a longer run
                key = run_key if single else fold(texts[k])
                if key in surnames:
                    self._mention(t, text, surnames[key], k, k + 1)
                elif self.lang == "de" and key.endswith("s") and key[:-1] in surnames:
                    surnames[key[:-1]].mentions += 1  # genitive: "Kishidas", "Trumps"

    def _mention(self, t: TokenTable, text: str, ent: _Entity, i: int, j: int) -> None:
        tokens = tuple(text[t.idxs[i] : t.ends[j - 1]].split())  # the words of doc[i:j].text
        ent.mentions += 1
        ent.positions.append(t.idxs[i])
        if tokens != ent.name_tokens and " ".join(tokens) not in ent.aliases:
            ent.aliases.append(" ".join(tokens))
        if i > 0 and len(tokens) == 1:
            title = t.texts[i - 1]
            role = self.role_def(title) if self.lang == "de" else None
            if role:
                kind = role[0].kind
            else:
                role_def = self.lex.roles.get(t.lowers[i - 1])
                kind = role_def.kind if role_def is not None else ""
            if kind == "title" and title[:1].isupper():
                alias = f"{title} {tokens[0]}"
                if alias not in ent.aliases:
                    ent.aliases.append(alias)

    def _best_role(self, ent: _Entity) -> Role | None:
        with_roles = [c for c in ent.cands if c.roles]
        if not with_roles:  # most people: no need to sort their mentions
            return None
        roles = [r for c in sorted(with_roles, key=_START) for r in c.roles if r.kind != "honorific"]
        return min(roles, key=_role_rank) if roles else None

    def _person(self, doc: Doc, doc_id: str, ent: _Entity, entities: list[_Entity]) -> Person | None:
        name_tokens = ent.name_tokens
        name = " ".join(name_tokens)
        role = self._best_role(ent)
        role_text = role.text if role else None
        role_en = role.role_en if role else None
        country = role.country if role else None
        if role is not None and role.kind == "counterpart":
            role_en = self._counterpart(doc, ent, entities)
        owner = self._owner(doc, ent, role, entities) if role is not None else None
        if owner is not None and role is not None:
            owner_role = self._best_role(owner)
            if country is None:
                country = (owner_role.country if owner_role else None) or self._known_country(owner)
            if role.kind == "predecessor":  # "Ishibas Vorgänger Fumio Kishida"
                base = owner_role.role_en if owner_role else None
                role_en = (
                    f"former {self.lex.generic.get(base, base)}"
                    if base and role.role_en == "predecessor"
                    else None
                )
        elif role is not None and role.kind == "predecessor":
            role_en = None
        if ent.journalist and (role is None or role.kind in ("media", "honorific")):
            role_text, role_en, country = _JOURNALIST, _JOURNALIST, None
        elif country is None:
            country = self._known_country(ent)
            if country is None and role is not None and role.kind in _STATE_KINDS and not role.org:
                country = self._dominant_country(doc)
        if role_en is None and not ent.journalist and (role is None or role.kind == "honorific"):
            role_en = self._known_role(doc, ent)  # in office on the article's date
        if country in ORG_CODES:
            country = None
        role_en = self.national_title(role_en, country)
        # evidence: the first mention of the full name, with its role when adjacent
        first = [c for c in ent.cands if c.tokens == name_tokens] or ent.cands
        if first:
            c = min(first, key=_START)
            start, end = c.start, c.end
            adj = [r for r in c.roles if r.end <= start and start - r.end <= 3 and r.start >= start - 120]
            if adj:
                start = min(r.start for r in adj)
            ev = evidence(doc, start, end)
        else:
            idx = doc_text(doc).find(name)
            ev = evidence(doc, idx, idx + len(name)) if idx >= 0 else evidence(doc, 0, 0)
        aliases = tuple(a for a in ent.aliases if fold(a) != fold(name))
        return Person(
            doc_id=doc_id,
            name=name,
            aliases=aliases,
            role=role_text,
            role_en=role_en,
            country=country,
            mentions=max(1, ent.mentions),
            rule=ent.rule
            if ent.rule in ("author", "byline")
            else (ent.cands[0].rule if ent.cands else ent.rule),
            evidence=ev,
        )

    def _owner(self, doc: Doc, ent: _Entity, role: Role, entities: list[_Entity]) -> _Entity | None:
        """Whose role this is: "Trumps Kandidat" -> Trump; "his predecessor X" -> the person
        named last before it in the sentence."""
        if role.possessor:
            owner = next((e for e in entities if self._surname(e.name_tokens) == role.possessor), None)
            return owner if owner is not ent else None
        if role.kind != "predecessor":
            return None
        sent = sentence_index(doc, role.start)
        best: tuple[int, _Entity] | None = None
        for other in entities:
            if other is ent:
                continue
            for pos in other.positions:
                if pos < role.start and sentence_index(doc, pos) == sent and (best is None or pos > best[0]):
                    best = (pos, other)
        return best[1] if best else None

    def _dominant_country(self, doc: Doc) -> str | None:
        """The state the article is mostly about: the one most often named (not NATO/EU/UN).
        Cached on the Doc: people without a country of their own ask one after the other."""
        key = "newsfacts.people.dominant_country"
        if key in doc.user_data:
            cached: str | None = doc.user_data[key]
            return cached
        counts: dict[str, int] = {}
        for m in doc_countries(doc):
            if m.kind in ("name", "demonym", "prefix", "capital") and m.code not in ORG_CODES:
                counts[m.code] = counts.get(m.code, 0) + 1
        dominant = max(sorted(counts), key=lambda c: counts[c]) if counts else None
        doc.user_data[key] = dominant
        return dominant

    def _known_role(self, doc: Doc, ent: _Entity) -> str | None:
        published = extension(doc, "published")
        if published is None:
            return None
        day = (published.date() if isinstance(published, datetime) else published).isoformat()
        keys = [fold(" ".join(f)) for f in sorted(ent.forms, key=len, reverse=True)]
        if len(ent.name_tokens) == 1 and keys[0] in self.lex.known_surnames:
            keys.append(self.lex.known_surnames[keys[0]])
        for key in keys:
            for role_en, start, end in self.lex.terms.get(key, ()):
                if start <= day and (not end or day < end):
                    return role_en
        return None

    def _known_country(self, ent: _Entity) -> str | None:
        for form in sorted(ent.forms, key=len, reverse=True):
            key = fold(" ".join(form))
            if key in self.lex.known:
                return self.lex.known[key]
        if len(ent.name_tokens) == 1 and fold(ent.name_tokens[0]) in self.lex.known_surnames:
            return self.lex.known[self.lex.known_surnames[fold(ent.name_tokens[0])]]
        return None

    def _counterpart(self, doc: Doc, ent: _Entity, entities: list[_Entity]) -> str | None:
        """ "mit seinem japanischen Amtskollegen, General Nakatani": the counterpart holds
        the same office as the other person of that sentence, in its generic name."""
        sents = {sentence_index(doc, c.start) for c in ent.cands}
        for other in entities:
            if other is ent:
                continue
            if not any(sentence_index(doc, c.start) in sents for c in other.cands):
                continue
            role = self._best_role(other)
            if role is not None and role.kind == "office" and role.role_en:
                return self.lex.generic.get(role.role_en, role.role_en)
        return None

    def __call__(self, doc: Doc) -> Doc:
        people = self.assemble(doc)
        doc._.people = sorted(people, key=lambda p: (p.evidence.start, p.name))
        return doc


@Language.factory("people")
def make_people(nlp: Language, name: str) -> PeopleStage:
    return PeopleStage(nlp)
