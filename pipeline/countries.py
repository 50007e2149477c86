"""Shared country resolver: which state (or NATO/EU/UN) a word or passage names.

Every stage that needs a country (troops, weapons, budgets, people) asks here, so
"US-Soldaten", "die japanische Regierung", "Tokio", "auf Okinawa" and "das Land"
resolve the same way everywhere. Vocabulary lives in data files:

- ``countries.tsv``: ISO code -> German and English names (German genitive "-s" is
  generated: "Japans", "Chinas"); code ``-`` blocks look-alikes ("South America").
- ``<lang>/demonyms.tsv``: adjective stems and nominal forms; German adjective endings
  (-e/-en/-er/-es/-em) and noun forms (-n/-s/-in/-innen) are generated.
- ``places.tsv``: capitals used as metonyms, national institutions ("Pentagon",
  "Bundeswehr") and places that imply a host country ("Okinawa", "Ramstein").
- ``<lang>/country_prepositions.tsv`` and ``<lang>/country_anaphors.tsv``.

Matching is case-sensitive for names ("US" is never "uns"/"us"); German adjectives
also match capitalised ("Japanische ..." at a sentence start).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from spacy.tokens import Doc

from .lexicon import WORD_CHAR, lang_file, literal_trie, load_tsv
from .nlp import boilerplate, doc_text, in_boilerplate, sentence_starts

#: Kinds of mention, from the most to the least explicit.
KINDS = ("name", "demonym", "prefix", "capital", "place", "org", "anaphor")
ORG_CODES = frozenset({"NATO", "EU", "UN"})
BLOCKED = "-"
#: Kinds that may serve as antecedent of "das Land" / "the country".
_ANTECEDENT_KINDS = frozenset({"name", "capital", "prefix", "demonym"})
_DE_ADJ_ENDINGS = ("e", "en", "er", "es", "em")
_USER_DATA_KEY = "newsfacts.countries"


class CountryMention(NamedTuple):
    """One mention of a country in a text: ``text == source[start:end]``.

    ``kind`` is one of :data:`KINDS`. ``preposition`` is the lowercased preposition
    (with article or "ganz") right before the mention: "in", "in den", "in ganz",
    "nach", "aus", "to the", or None. ``compound`` is the whole word when the mention
    is the first part of a compound ("US-Militärpersonal", "Bundeswehrsoldaten").
    A named tuple: immutable, and plain data that ``Doc.to_bytes`` can serialise from
    the per-Doc cache without copying it into other tuples first.
    """

    text: str
    start: int
    end: int
    code: str
    kind: str
    preposition: str | None = None
    compound: str | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str
    kind: str
    open_right: bool = False  # German compound may continue the word ("Bundeswehrsoldaten")


def _variants(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def _de_genitive(name: str) -> str | None:
    if name[-1] in "sxzßSXZ" or name.isupper() or "." in name:
        return None
    return name + "s"


def _de_nouns(noun: str) -> list[str]:
    """German nominal demonym forms: Japaner -> Japanern, Japaners, Japanerin, ..."""
    if noun.endswith("er"):
        return [noun, noun + "n", noun + "s", noun + "in", noun + "innen"]
    if noun.endswith("e"):
        return [noun, noun + "n", noun[:-1] + "in", noun[:-1] + "innen"]
    return [noun]


def _en_nouns(noun: str) -> list[str]:
    if noun.endswith(("s", "ese", "men")):
        return [noun]
    return [noun, noun + "s"]


@lru_cache(maxsize=4)
def _table(lang: str) -> dict[str, _Entry]:
    """Surface form -> entry for ``lang``; blocked look-alikes first, then names, demonyms, places."""
    table: dict[str, _Entry] = {}

    def add(surface: str, entry: _Entry) -> None:
        table.setdefault(surface, entry)

    col = "de" if lang == "de" else "en"
    rows = load_tsv("countries.tsv")
    for row in sorted(rows, key=lambda r: r["code"] != BLOCKED):
        code = row["code"]
        kind = "org" if code in ORG_CODES else "name"
        for name in _variants(row[col]):
            add(name, _Entry(code, kind))
            if lang == "de" and code != BLOCKED and (gen := _de_genitive(name)):
                add(gen, _Entry(code, kind))
    for row in load_tsv(lang_file(col, "demonyms.tsv")):
        code, stem = row["code"], row["stem"]
        if lang == "de":
            for form in [stem, *(stem + e for e in _DE_ADJ_ENDINGS)]:
                add(form, _Entry(code, "demonym"))
                if form != stem:
                    add(form[0].upper() + form[1:], _Entry(code, "demonym"))
            for noun in _variants(row["nouns"]):
                for form in _de_nouns(noun):
                    add(form, _Entry(code, "demonym"))
        else:
            add(stem, _Entry(code, "demonym"))
            for noun in _variants(row["nouns"]):
                for form in _en_nouns(noun):
                    add(form, _Entry(code, "demonym"))
    for row in load_tsv("places.tsv"):
        if row["lang"] and row["lang"] != col:
            continue
        for name in _variants(row["name"]):
            open_right = name.endswith("*")
            name = name.rstrip("*")
            add(name, _Entry(row["code"], row["kind"], open_right))
            if lang == "de" and row["kind"] != "org" and (gen := _de_genitive(name)):
                add(gen, _Entry(row["code"], row["kind"]))
    return table


def _reversed(surfaces: list[str]) -> str:
    """The words spelt backwards, as a trie (:func:`pipeline.lexicon.literal_trie`: longest
    first, like a longest-first alternation). Under IGNORECASE ``re`` cannot skip a flat
    alternation's branches by their first letter and entered every one of them."""
    return literal_trie(s[::-1] for s in surfaces)


class _MentionRegex(NamedTuple):
    r"""The mention trie (groups ``open`` and ``closed``) twice: ``first`` matches at the text's
    start, ``rest`` opens with the non-word character before a mention. ``(?<!\w)`` in front
    of the trie would make ``re`` try every character; ``\W`` lets it skip to word starts."""

    first: re.Pattern[str]
    rest: re.Pattern[str]


class _AnaphorRegex(NamedTuple):
    """The anaphor phrases ("das Land", "the island nation"): each is a first word (an article
    or "this") and the rest after a space. ``re`` could not skip ahead to a phrase under
    IGNORECASE (it tested every character for a "d" or "D"), but skips to a space fast; so
    ``rest`` (" " + the rests) is searched and ``phrase`` matched where a first word would start."""

    phrase: re.Pattern[str]
    rest: re.Pattern[str]
    first_lengths: tuple[int, ...]  # of the phrases' first words


def _anaphor_matches(regex: _AnaphorRegex, text: str) -> list[re.Match[str]]:
    """The matches of ``phrase`` that :func:`pipeline.lexicon.finditer_not_after` finds in
    ``text``, in text order: those at every position where ``phrase`` matches and no word
    character stands before (a phrase holds no other phrase's first word, so no two overlap,
    and the scan misses none). Such a position lies a first word's length before a space
    where ``rest`` matches."""
    found: dict[int, re.Match[str]] = {}
    hit = regex.rest.search(text)
    while hit is not None:
        space = hit.start()
        for length in regex.first_lengths:
            at = space - length
            if at < 0 or at in found or (at > 0 and WORD_CHAR.match(text, at - 1)):
                continue
            m = regex.phrase.match(text, at)
            if m is not None:
                found[at] = m
        hit = regex.rest.search(text, space + 1)
    return [found[at] for at in sorted(found)]


@lru_cache(maxsize=4)
def _patterns(lang: str) -> tuple[_MentionRegex, re.Pattern[str], _AnaphorRegex]:
    """(mention regexes, preposition-before regex, anaphor regexes) for ``lang``."""
    table = _table(lang)
    closed = [s for s, e in table.items() if not e.open_right]
    opened = [s for s, e in table.items() if e.open_right]
    parts = [f"(?P<closed>{literal_trie(closed)})(?!\\w)"]
    if opened:
        parts.insert(0, f"(?P<open>{literal_trie(opened)})")
    trie = "(?:" + "|".join(parts) + ")"
    mention = _MentionRegex(re.compile(trie), re.compile(r"\W" + trie))
    col = "de" if lang == "de" else "en"
    words = load_tsv(lang_file(col, "country_prepositions.tsv"))
    preps = [w["word"] for w in words if w["kind"] == "prep"]
    dets = [w["word"] for w in words if w["kind"] == "det"]
    # Read right to left: the phrase must end where the mention starts, and ``re`` searching the
    # text before a mention for ``(?<!\w)(prep(\s+det){0,2})\s+$`` tried every character of it.
    # Reversed, one ``match`` at the mention decides; its greedy {0,2} takes the most articles,
    # as the forward search's leftmost start did.
    before = re.compile(
        rf"\s+((?:(?:{_reversed(dets)})\s+){{0,2}}(?:{_reversed(preps)}))(?!\w)", re.IGNORECASE
    )
    phrases = [r["phrase"] for r in load_tsv(lang_file(col, "country_anaphors.tsv"))]
    # Tries, not flat alternations. No leading ``(?<!\w)``: the lookbehind made ``re`` try every
    # character (see lexicon.finditer_not_after). The mention trie does not search first: German
    # compounds hold country stems inside words so often that rejecting mid-word hits was
    # slower there (see _MentionRegex).
    firsts, rests = zip(*(phrase.split(" ", 1) for phrase in phrases), strict=True)
    # no phrase may start inside another (see _anaphor_matches)
    assert not {w.casefold() for rest in rests for w in rest.split()} & {f.casefold() for f in firsts}
    anaphor = _AnaphorRegex(
        re.compile(rf"(?:{literal_trie(phrases)})(?!\w)", re.IGNORECASE),
        re.compile(rf" (?:{literal_trie(rests)})(?!\w)", re.IGNORECASE),
        tuple(sorted({len(first) for first in firsts})),
    )
    return mention, before, anaphor


def _mention_matches(regex: _MentionRegex, text: str) -> Iterator[re.Match[str]]:
    r"""``finditer`` of ``(?<!\w)`` + the trie; a mention is the match's last group
    (``m.span(m.lastindex)``). The next search starts at the last character of a mention, which
    ``rest`` may take as the non-word character before the next one, as the lookbehind would."""
    m = regex.first.match(text) or regex.rest.search(text)
    while m is not None:
        yield m
        m = regex.rest.search(text, m.end() - 1)


def _lang(lang: str) -> str:
    return "de" if lang.lower().startswith("de") else "en"


def _preposition(text: str, start: int, before: re.Pattern[str]) -> str | None:
    """The preposition (and articles) right before ``start``, within 40 characters."""
    if not start or not text[start - 1].isspace():
        return None  # ``before`` opens with \s+ (str.isspace is re's \s)
    # text[max(0, start - 40) : start][::-1] in one slice
    m = before.match(text[start - 1 : start - 41 : -1] if start > 40 else text[start - 1 :: -1])
    return " ".join(m.group(1)[::-1].lower().split()) if m else None


#: letters, digits (str.isalnum: \w without "_") and hyphens
_COMPOUND_REST = re.compile(r"(?:[^\W_]|-)*")


def _compound_end(text: str, end: int) -> int:
    """End of the word a prefix starts ("US-" -> end of "US-Militärpersonal")."""
    m = _COMPOUND_REST.match(text, end)
    assert m is not None  # it matches the empty string
    return m.end()


def find_countries(text: str, lang: str) -> list[CountryMention]:
    """Country mentions in ``text`` (names, demonyms, prefixes, capitals, places, orgs),
    ordered by position. Pure: no anaphors (see :func:`doc_countries`)."""
    lang = _lang(lang)
    table = _table(lang)
    mention, before, _ = _patterns(lang)
    found: list[CountryMention] = []
    size = len(text)
    for m in _mention_matches(mention, text):
        group = m.lastindex  # the number of group "open" or "closed"
        assert group is not None
        surface = m.group(group)
        entry = table[surface]
        if entry.code == BLOCKED:
            continue
        start, end = m.span(group)
        kind, compound = entry.kind, None
        if end < size:
            after = text[end]
            if m.lastgroup == "open" and after.isalpha():
                compound = text[start : _compound_end(text, end)]
            elif after == "-" and kind != "demonym":
                kind = "prefix"
                compound = text[start : _compound_end(text, end + 1)]
        # positional: a named tuple's keywords cost more than its fields, 38 times per article
        found.append(
            CountryMention(surface, start, end, entry.code, kind, _preposition(text, start, before), compound)
        )
    return found


def country_code(word: str, lang: str) -> str | None:
    """ISO code (or NATO/EU/UN) a single word or name implies: 'japanische' -> 'JP',
    'USA' -> 'US', 'Tokio' -> 'JP', 'US-Soldaten' -> 'US', 'Bundeswehrsoldaten' -> 'DE'."""
    word = word.strip()
    if not word:
        return None
    lang = _lang(lang)
    table = _table(lang)
    entry = table.get(word) or table.get(word.removesuffix("'s").removesuffix("’s"))
    if entry is not None:
        return None if entry.code == BLOCKED else entry.code
    mentions = find_countries(word, lang)
    if mentions and mentions[0].start == 0 and (mentions[0].compound or mentions[0].end == len(word)):
        return mentions[0].code
    return None


def _antecedent(mentions: list[CountryMention], sents: list[int], char: int, sent: int) -> str | None:
    """The country "das Land"/"the country" at ``char`` (in sentence ``sent``) refers to.

    Subjects come early and are not governed by a preposition, so the sentence of the
    anaphor (before it) and then the two sentences before are searched, each for its
    first explicit mention without a preposition ("Auch hat Japan ... aus den USA ...
    in China ... Das Land" -> Japan; "South Korea hosts US troops. The country" -> KR);
    failing that, the last explicit mention before ``char`` wins.
    """
    explicit = [
        (k, m)
        for k, m in zip(sents, mentions, strict=True)
        if m.end <= char and m.kind in _ANTECEDENT_KINDS and m.code not in ORG_CODES
    ]
    if not explicit:
        return None
    for k in range(sent, sent - 3, -1):
        for kind_set in (("name", "capital"), ("prefix",)):
            for s, m in explicit:
                if s == k and m.preposition is None and m.kind in kind_set:
                    return m.code
    return explicit[-1][1].code


def _sentence_of(starts: list[int], char: int) -> int:
    """:func:`pipeline.nlp.sentence_index` over sentence starts read once per call site."""
    return max(0, bisect.bisect_right(starts, char) - 1)


def doc_countries(doc: Doc) -> list[CountryMention]:
    """Country mentions of a Doc outside boilerplate, with anaphors ("das Land",
    "des Landes", "the country") resolved to their antecedent (kind "anaphor").
    Cached on ``doc.user_data``: several stages ask once per sentence."""
    cached = doc.user_data.get(_USER_DATA_KEY)
    if isinstance(cached, tuple):
        return list(cached)
    if cached is not None:  # lists of fields after a Doc.to_bytes round trip
        return [CountryMention(*fields) for fields in cached]
    text = doc_text(doc)
    lang = _lang(doc.lang_)
    _, before, anaphor = _patterns(lang)
    starts = sentence_starts(doc)
    ranges = boilerplate(doc)

    def outside(start: int, end: int) -> bool:
        return not (ranges and in_boilerplate(doc, start, end))

    mentions = find_countries(text, lang)
    if ranges:
        mentions = [m for m in mentions if outside(m.start, m.end)]
    sents: list[int] = []  # the mentions' sentences, found at the first anaphor (most Docs have none)
    resolved: list[CountryMention] = []
    for a in _anaphor_matches(anaphor, text):
        if not outside(a.start(), a.end()):
            continue
        if len(sents) < len(mentions):
            sents = [_sentence_of(starts, m.start) for m in mentions]
        code = _antecedent(mentions, sents, a.start(), _sentence_of(starts, a.start()))
        if code is not None:
            resolved.append(
                CountryMention(
                    text=a.group(0),
                    start=a.start(),
                    end=a.end(),
                    code=code,
                    kind="anaphor",
                    preposition=_preposition(text, a.start(), before),
                )
            )
    # find_countries gives the mentions in text order already
    result = sorted([*mentions, *resolved], key=lambda m: (m.start, m.end)) if resolved else mentions
    doc.user_data[_USER_DATA_KEY] = tuple(result)  # tuples: Doc.to_bytes can still serialise it
    return result


def country_before(doc: Doc, char: int) -> str | None:
    """The country a pronoun or "das Land" at ``char`` most likely refers to: an explicitly
    named country before it, preferring the subject-like first mention without a
    preposition in this or the two previous sentences (see :func:`_antecedent`)."""
    mentions = [m for m in doc_countries(doc) if m.kind != "anaphor"]
    starts = sentence_starts(doc)
    sents = [_sentence_of(starts, m.start) for m in mentions]
    return _antecedent(mentions, sents, char, _sentence_of(starts, char))
