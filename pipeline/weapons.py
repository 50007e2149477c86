"""Stage 'weapons': orders, purchases, sales, deliveries and financing of weapons systems.

One record per system mention that stands in a clause with a transaction trigger:
"Auch hat Japan 400 Tomahawk-Marschflugkörper aus den USA bestellt" -> buyer JP,
seller US, Tomahawk, 400, ordered. The steps, each a small function:

1. :func:`find_systems` -- system mentions from ``weapons_systems.tsv`` (aliases in both
   languages, generated spelling variants, German compounds "<system>-<category noun>").
2. triggers (``<lang>/order_triggers.tsv``): the status and which role the clause's
   subject plays; modal cues turn it into ``planned``; blockers
   (``<lang>/order_blockers.tsv``: losses, combat, negation, requests) veto the clause.
3. parties: countries (:func:`pipeline.countries.doc_countries`, incl. "das Land") and
   arms makers (``weapons_makers.tsv``), each given a role by its preposition
   (``<lang>/order_prepositions.tsv``) or by being the subject; "in Japan hergestellte"
   names the maker (``<lang>/order_origin_words.tsv``).
4. the quantity: a number of the numbers stage right before the system ("400
   Tomahawk", "35 Kampfjets vom Typ F-35"; never an identifier such as F-35's 35).
5. the seller, when the text names none, is the system's maker (``seller_inferred``).

Sentences are cut into segments at commas, colons, dashes; a trigger serves a system in
its own segment or a neighbouring one unless a new clause ("..., and officials say")
lies between them. A sentence that goes on about the previous one ("Hinzu kommen 60
Panzerhaubitzen ...") shares its deal; a sale without a named buyer takes the buyer of
the deal in the sentence before when the seller is the same.

Anaphors: a counted category noun with a definite or partitive cue ("Von den 88
Kampfjets, die Kanada ... bestellt hatte", "26 of the carrier-based fighters", "weitere
44 Fahrzeuge") stands for the last system of a fitting kind named up to three sentences
before (``refers`` column of ``weapons_category_nouns.tsv``). A participle inside the
noun phrase ("die 54 bestellten Panzerhaubitzen", "the 30 ordered howitzers") yields to
the clause's own verb. Planned deal words with an actor ("verhandelt über", "is
selecting") state a plan on their own; a letter of intent is never an order.

Rule names (``rule`` field): ``weapons.clause`` (system and trigger in one clause),
``weapons.compound`` (trigger inside the system's compound: "Taurus-Lieferung"),
``weapons.continuation`` (a "Hinzu kommen ..." sentence), ``weapons.anaphor`` (a
category noun standing for a system named before), ``weapons.ellipsis`` (a count
without a noun: "ein drittes", "12 more"); ``+context`` is appended when the buyer came
from the sentence before, ``+maker`` when the seller was inferred from the system's maker.
"""

from __future__ import annotations

import itertools
import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from spacy.language import Language
from spacy.lexeme import Lexeme
from spacy.tokens import Doc
from spacy.vocab import Vocab

from .countries import ORG_CODES, CountryMention, country_before, doc_countries
from .facts import in_date
from .lexicon import finditer_not_after, lang_file, literal_trie, load_tsv
from .nlp import (
    BatchedStage,
    TokenTable,
    boilerplate,
    doc_id,
    doc_text,
    evidence,
    extension,
    in_boilerplate,
    sentence_index,
    token_range,
    token_table,
)
from .records import NumberKind, NumberMention, OrderStatus, WeaponCategory, WeaponsOrder

#: Endings a German compound tail or trigger noun may carry ("Systeme", "Lieferungen").
_DE_ENDINGS = ("", "e", "en", "n", "s", "es", "er", "ern")
_EN_ENDINGS = ("", "s", "es")
#: Where a sentence may break into segments: a comma, semicolon or colon (with the space
#: after it), a dash (between spaces) or a bracket; see :func:`segments`.
_BREAK_CHARS = re.compile(r"[,;:()–—-]")
#: Model suffix glued to an alias that ends in a digit ("Leopard 2A8", "K2PL").
_VARIANT = r"(?:[A-Z]{1,4}\d{0,2}[A-Z]?\d?)?"
_PLURAL = r"(?:s|es|n|en|ern|e|['’]s)?"
_TAIL = r"(?:-[^\W\d_][\w-]*)?"
#: Priority when several triggers share a clause: financing is the specific fact
#: ("finanziert Militärlieferungen"); otherwise the nearest trigger wins.
#: A planned deal word ("verhandelt", "is selecting") yields to any firmer one.
_PRIORITY = {
    OrderStatus.FINANCED: 0,
    OrderStatus.SOLD: 1,
    OrderStatus.ORDERED: 1,
    OrderStatus.DELIVERED: 1,
    OrderStatus.PLANNED: 2,
}

#: Max tokens between a quantity and the system it counts ("35 Kampfjets vom Typ F-35").
_MAX_GAP = 4
#: Max segments between a system and its trigger.
_MAX_SEGMENT_DISTANCE = 2
#: Max words between a relative pronoun and its clause's verb ("that Warsaw ordered").
_REL_REACH = 4
#: How many sentences back a counted category noun may find the system it stands for.
_ANAPHOR_REACH = 3
#: Max words between an anaphor's count and its noun ("26 of the carrier-based fighters").
_ANAPHOR_GAP = 6


@dataclass(frozen=True, slots=True)
class System:
    name: str
    category: WeaponCategory
    makers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SystemMention:
    """A system named in the text: ``text[start:end]``; ``tail`` is the compound tail
    ("Marschflugkörper" in "Tomahawk-Marschflugkörper") or ""."""

    system: System
    start: int
    end: int
    alias: str
    tail: str
    ambiguous: bool
    anaphor: bool = False  # a category noun standing for a system named before
    count: int | None = None  # an anaphor's count ("Von den 88 Kampfjets")


@dataclass(frozen=True, slots=True)
class _Cue:
    form: str
    match: str  # lemma | word | suffix
    value: str  # status (triggers) or kind (blockers)
    actor: str = "-"


class _Trigger(NamedTuple):  # a tuple: built per cue word, and tuples are quicker to build
    token: int
    start: int
    end: int
    status: OrderStatus
    actor: str  # "buyer" | "seller"
    attributive: bool = False  # a participle inside the noun phrase: "die 54 bestellten Haubitzen"


class _Party(NamedTuple):
    """A country or arms maker in a sentence with what the text says about it (a tuple:
    quicker to build than a frozen dataclass)."""

    start: int
    end: int
    code: str
    kind: str  # countries' kinds, or "maker"
    prep: str | None  # first word of the preposition before it, lowercased
    compound: str | None
    origin: bool  # names where the system is made, not a party to the deal


@dataclass(frozen=True)
class Lexicon:
    lang: str
    systems: dict[str, tuple[System, bool]]  # surface alias -> (system, ambiguous)
    pattern: re.Pattern[str]  # an alias with its variant, plural and tail; see _ALIAS_AFTER
    aliases: re.Pattern[str]  # any alias, anywhere: where a sentence may name a system
    category_nouns: frozenset[str]
    noun_heads: tuple[str, ...]  # the category nouns for str.endswith, which wants a tuple
    noun_refers: dict[str, frozenset[str]]  # category noun -> system categories it may point back to
    triggers: tuple[_Cue, ...]
    blockers: tuple[_Cue, ...]
    trigger_index: _CueIndex
    blocker_index: _CueIndex
    deal_index: _CueIndex  # triggers that are not modal cues: a compound tail names a deal
    prepositions: dict[str, str]
    origin_words: dict[str, frozenset[str]]  # position -> words
    actor_nouns: tuple[re.Pattern[str], ...]  # "die Regierung": the subject stands for a state
    any_actor_noun: re.Pattern[str]  # any of them: most windows hold none, and one scan says so
    quantity_breaks: frozenset[str]
    makers: dict[str, str]
    maker_pattern: re.Pattern[str]  # see _MAKER_AFTER
    clause_words: dict[str, str]  # word -> "rel" | "conj"
    determiners: frozenset[str]  # articles between a preposition and a country
    known_prepositions: frozenset[str]  # every preposition the countries module knows
    phrase_prepositions: re.Pattern[str]  # "according to", "nach Angaben": end of a window
    # (these and actor_nouns must not follow a word character: "Regierung" is one, the tail
    # of "Bundesregierung" is not; see lexicon.finditer_not_after)
    continuations: tuple[str, ...]  # "hinzu kommen": a sentence going on about the last deal
    ellipsis: dict[str, str]  # "weitere" -> "more": words of an elliptic follow-up
    count_words: frozenset[str]  # those of kind "one" or "more", which may open a count


#: What an alias or a maker's name must not follow ("F-35" in "AF-35", "BAE" in "X-BAE").
_ALIAS_AFTER = re.compile(r"[\w/]")
_MAKER_AFTER = re.compile(r"[\w-]")


# ---- lexicon -----------------------------------------------------------------------------


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("|") if v.strip()]


def alias_variants(alias: str) -> list[str]:
    """Spellings generated from one alias: "Leopard 2" -> "Leopard-2", "Leopard2";
    "HIMARS" -> "Himars"; "IRIS-T SLM" -> "IRIS-T-SLM", "Iris-T SLM"."""
    forms = [alias]
    if " " in alias:
        forms.append(alias.replace(" ", "-"))
        head, _, last = alias.rpartition(" ")
        if last.isdigit():
            forms.append(head + last)
    titled = []
    for form in forms:
        words = re.split(r"([ -/])", form)
        new = "".join(w.capitalize() if w.isalpha() and w.isupper() and len(w) >= 4 else w for w in words)
        if new != form:
            titled.append(new)
    return list(dict.fromkeys(forms + titled))


def load_systems() -> list[tuple[System, list[tuple[str, bool]]]]:
    """Rows of ``weapons_systems.tsv``: each system with its aliases (ambiguous flag)."""
    rows: list[tuple[System, list[tuple[str, bool]]]] = []
    for row in load_tsv("weapons_systems.tsv"):
        makers = tuple(c for c in _split(row["maker"]) if c != "-")
        system = System(row["system"], WeaponCategory(row["category"]), makers)
        aliases = [(a.rstrip("?"), a.endswith("?")) for a in _split(row["aliases"])]
        if not any(a == system.name for a, _ in aliases):
            aliases.insert(0, (system.name, False))
        rows.append((system, aliases))
    return rows


def _cues(relpath: str, value_col: str) -> tuple[_Cue, ...]:
    return tuple(
        _Cue(r["form"].lower(), r["match"], r[value_col], r.get("actor", "-") or "-")
        for r in load_tsv(relpath)
    )


@lru_cache(maxsize=4)
def lexicon(lang: str) -> Lexicon:
    """Everything the stage reads from ``pipeline/data`` for ``lang``, compiled once."""
    lang = "de" if lang.startswith("de") else "en"
    systems: dict[str, tuple[System, bool]] = {}
    for system, aliases in load_systems():
        for alias, ambiguous in aliases:
            for form in alias_variants(alias):
                systems.setdefault(form, (system, ambiguous))
    any_alias = literal_trie(list(systems))
    pattern = re.compile(
        rf"(?P<alias>{any_alias})(?P<variant>{_VARIANT})(?P<plural>{_PLURAL})(?P<tail>{_TAIL})(?!\w)"
    )
    noun_rows = load_tsv(lang_file(lang, "weapons_category_nouns.tsv"))
    nouns = frozenset(r["noun"].lower() for r in noun_rows)
    refers = {
        r["noun"].lower(): frozenset(
            _split(r["refers"]) if r["refers"] != "-" else ([r["category"]] if r["category"] != "-" else [])
        )
        for r in noun_rows
    }
    origin: dict[str, set[str]] = {}
    for r in load_tsv(lang_file(lang, "order_origin_words.tsv")):
        origin.setdefault(r["position"], set()).add(r["word"].lower())
    makers: dict[str, str] = {}
    for r in load_tsv("weapons_makers.tsv"):
        for name in _split(r["name"]):
            makers.setdefault(name, r["code"])
    preps = {r["preposition"]: r["role"] for r in load_tsv(lang_file(lang, "order_prepositions.tsv"))}
    dets = [r["word"] for r in load_tsv(lang_file(lang, "country_prepositions.tsv")) if r["kind"] == "det"]
    phrases = [p for p in preps if " " in p]
    phrase_prepositions = re.compile(
        rf"({literal_trie(phrases)})(?:\s+(?:{literal_trie(dets)})){{0,2}}\s*$" if phrases else r"(?!)"
    )
    triggers = _cues(lang_file(lang, "order_triggers.tsv"), "status")
    blockers = _cues(lang_file(lang, "order_blockers.tsv"), "kind")
    actor_phrases = [r["phrase"] for r in load_tsv(lang_file(lang, "order_actor_nouns.tsv"))]
    actor_flags = re.IGNORECASE if lang == "en" else 0
    return Lexicon(
        lang=lang,
        phrase_prepositions=phrase_prepositions,
        systems=systems,
        pattern=pattern,
        aliases=re.compile(any_alias),
        category_nouns=nouns,
        noun_heads=tuple(sorted(nouns)),
        noun_refers=refers,
        triggers=triggers,
        blockers=blockers,
        trigger_index=_CueIndex(triggers, lang),
        blocker_index=_CueIndex(blockers, lang),
        deal_index=_CueIndex(tuple(c for c in triggers if c.value != OrderStatus.PLANNED.value), lang),
        prepositions=preps,
        origin_words={k: frozenset(v) for k, v in origin.items()},
        actor_nouns=tuple(re.compile(rf"{re.escape(p)}(?!\w)", actor_flags) for p in actor_phrases),
        any_actor_noun=re.compile(rf"(?:{literal_trie(actor_phrases)})(?!\w)", actor_flags),
        quantity_breaks=frozenset(
            r["word"].lower() for r in load_tsv(lang_file(lang, "order_quantity_breaks.tsv"))
        ),
        makers=makers,
        maker_pattern=re.compile(rf"(?:{literal_trie(list(makers))})(?![\w-])"),
        known_prepositions=frozenset(
            r["word"].lower()
            for r in load_tsv(lang_file(lang, "country_prepositions.tsv"))
            if r["kind"] == "prep"
        ),
        ellipsis={r["word"]: r["kind"] for r in load_tsv(lang_file(lang, "order_ellipsis.tsv"))},
        count_words=frozenset(
            r["word"] for r in load_tsv(lang_file(lang, "order_ellipsis.tsv")) if r["kind"] in ("one", "more")
        ),
        continuations=tuple(
            " ".join(r["phrase"].lower().split())
            for r in load_tsv(lang_file(lang, "order_continuations.tsv"))
        ),
        determiners=frozenset(
            r["word"].lower()
            for r in load_tsv(lang_file(lang, "country_prepositions.tsv"))
            if r["kind"] == "det"
        ),
        clause_words={r["word"]: r["kind"] for r in load_tsv(lang_file(lang, "order_clause_words.tsv"))},
    )


def _endings(lang: str) -> tuple[str, ...]:
    return _DE_ENDINGS if lang == "de" else _EN_ENDINGS


def is_category_noun(word: str, lex: Lexicon) -> bool:
    """Does ``word`` name a kind of weapon? German compounds count by their head
    ("Raketenabwehrsysteme" ends with "system" + "e"); English words by plural form."""
    if lex is lexicon(lex.lang):
        return _is_category_noun(word, lex.lang)
    return _category_noun(word, lex)


@lru_cache(maxsize=1 << 16)
def _is_category_noun(word: str, lang: str) -> bool:
    return _category_noun(word, lexicon(lang))


def _category_noun(word: str, lex: Lexicon) -> bool:
    low = word.lower()
    for ending in _endings(lex.lang):
        if ending and not low.endswith(ending):
            continue
        stem = low[: len(low) - len(ending)] if ending else low
        if lex.lang == "de":
            if stem.endswith(lex.noun_heads):
                return True
        elif stem in lex.category_nouns or (ending == "es" and stem + "e" in lex.category_nouns):
            return True
    return bool(lex.lang == "en" and low.endswith("ies") and low[:-3] + "y" in lex.category_nouns)


def noun_refers(word: str, lex: Lexicon) -> frozenset[str]:
    """The system categories a category noun may point back to ("Fahrzeuge" -> armored
    vehicles, tanks, artillery; "*" for any), from its longest known head; empty for
    words that name no kind of weapon."""
    if lex is lexicon(lex.lang):
        return _noun_refers_cached(word, lex.lang)
    return _noun_refers(word, lex)


@lru_cache(maxsize=1 << 16)
def _noun_refers_cached(word: str, lang: str) -> frozenset[str]:
    return _noun_refers(word, lexicon(lang))


def _noun_refers(word: str, lex: Lexicon) -> frozenset[str]:
    low = word.lower()
    best = ""
    for ending in _endings(lex.lang):
        if ending and not low.endswith(ending):
            continue
        stem = low[: len(low) - len(ending)] if ending else low
        if lex.lang == "de":
            heads = [n for n in lex.noun_heads if stem.endswith(n)] if stem.endswith(lex.noun_heads) else []
        else:
            heads = [n for n in (stem, stem + "e") if n in lex.category_nouns]
        best = max([best, *heads], key=len)
    if not best and lex.lang == "en" and low.endswith("ies") and low[:-3] + "y" in lex.category_nouns:
        best = low[:-3] + "y"
    return lex.noun_refers.get(best, frozenset())


class _CueIndex:
    """Cues by the string a token must show: its lowercase lemma, its lowercase form, or
    an ending of its lowercase form (a suffix cue's form plus an inflection ending).
    Looking a word up costs a few dict probes instead of a test against every cue."""

    def __init__(self, cues: tuple[_Cue, ...], lang: str) -> None:
        self.lemma: dict[str, list[int]] = {}
        self.word: dict[str, list[int]] = {}
        self.suffix: dict[str, list[int]] = {}
        for i, cue in enumerate(cues):
            if cue.match == "lemma":
                self.lemma.setdefault(cue.form, []).append(i)
            elif cue.match == "word":
                self.word.setdefault(cue.form, []).append(i)
            elif cue.match != "separable":  # separable cues need the clause: see _separable_cues
                for ending in _endings(lang):
                    self.suffix.setdefault(cue.form + ending, []).append(i)
        self.lengths = sorted({len(key) for key in self.suffix})
        # every suffix key ends with one of these: most words end otherwise and need no more lookups
        self.tails = {key[len(key) - self.lengths[0] :] for key in self.suffix} if self.suffix else set()
        self.cues = cues
        # the most specific first: exact lemma or word, then the longest suffix ("verkauf" before "kauf")
        self.rank = [(c.match == "suffix", -len(c.form), i) for i, c in enumerate(cues)]

    def find(self, word: str, lemma: str) -> tuple[_Cue, ...]:
        """The cues ``word`` (with ``lemma``) matches, most specific first."""
        found = self.by_form(word.lower())
        found.update(self.lemma.get(lemma.lower(), ()))
        return tuple(self.cues[i] for i in sorted(found, key=self.rank.__getitem__))

    def any_by_form(self, lower: str) -> bool:
        """Does the lowercase word ``lower`` match a word or suffix cue?"""
        if lower in self.word:
            return True
        if not self.suffix or lower[len(lower) - self.lengths[0] :] not in self.tails:
            return False
        return any(lower[len(lower) - n :] in self.suffix for n in self.lengths if n <= len(lower))

    def by_form(self, lower: str) -> set[int]:
        """Positions of the word and suffix cues the lowercase word ``lower`` matches."""
        found = set(self.word.get(lower, ()))
        if self.suffix and lower[len(lower) - self.lengths[0] :] in self.tails:
            for length in self.lengths:
                if length > len(lower):
                    break
                found.update(self.suffix.get(lower[len(lower) - length :], ()))
        return found


@lru_cache(maxsize=1 << 16)
def _table_cues(word: str, lemma: str, lang: str, table: str) -> tuple[_Cue, ...]:
    """The cues of the language's ``triggers`` or ``blockers`` that ``word`` matches,
    memoised: the same words recur in every sentence."""
    lex = lexicon(lang)
    return (lex.trigger_index if table == "triggers" else lex.blocker_index).find(word, lemma)


# ---- systems -------------------------------------------------------------------------------


def _tail_licensed(tail: str, lex: Lexicon) -> bool:
    """A compound tail makes a system mention when it names a kind of weapon or a
    transaction ("-Kampfjets", "-Lieferung"), not when it names anything else ("-Debatte")."""
    if lex is lexicon(lex.lang):
        return _tail_licensed_cached(tail, lex.lang)
    return _tail_licensed_uncached(tail, lex)


@lru_cache(maxsize=1 << 16)
def _tail_licensed_cached(tail: str, lang: str) -> bool:
    return _tail_licensed_uncached(tail, lexicon(lang))


_MODEL_CODE = re.compile(r"[A-Z0-9]{1,4}")


def _tail_licensed_uncached(tail: str, lex: Lexicon) -> bool:
    if _MODEL_CODE.fullmatch(tail):
        return True  # a model code: "Rafale-M", "JASSM-ER", "Su-35S"
    word = tail.split("-")[-1]
    if is_category_noun(word, lex) or is_category_noun(tail.replace("-", ""), lex):
        return True
    return bool(lex.deal_index.find(word, word))


def find_systems(text: str, lang: str, offset: int = 0) -> list[SystemMention]:
    """Weapons systems named in ``text``, in order. Compounds count only with a licensed
    tail ("Patriot-Raketenabwehrsysteme" yes, "F-35-Programm" no). ``offset`` (where
    ``text`` stands in a longer one) is added to the mentions' offsets, so a sentence's
    mentions are built once, where they stand in the Doc."""
    lex = lexicon(lang)
    found: list[SystemMention] = []
    for m in finditer_not_after(lex.pattern, text, before=_ALIAS_AFTER):
        alias = m.group("alias")
        tail = m.group("tail")[1:] if m.group("tail") else ""
        if tail and not _tail_licensed(tail, lex):
            continue
        if m.group("variant") and not alias[-1].isdigit():
            continue
        system, ambiguous = lex.systems[alias]
        prev = found[-1] if found else None
        if prev is not None and prev.system == system and not text[prev.end - offset : m.start()].strip():
            # "AH-64E Apache", "K2 Black Panther": one mention in two aliases
            end = offset + m.end()
            found[-1] = SystemMention(system, prev.start, end, prev.alias, tail or prev.tail, False)
            continue
        found.append(SystemMention(system, offset + m.start(), offset + m.end(), alias, tail, ambiguous))
    return found


def _token_at(doc: Doc, char: int) -> int:
    tokens = token_range(doc, char, char + 1)
    return tokens[0] if tokens is not None else 0


def _lexeme(doc: Doc, text: str) -> Lexeme:
    """The vocabulary entry of a token's ``text`` (``like_num``, ``is_alpha``), without a Token."""
    return doc.vocab[text]


def _like_num(doc: Doc, text: str) -> bool:
    """``like_num`` of a token's ``text``, remembered per word (a vocabulary look-up builds a
    new Lexeme each time, and the stage asks of the same few words again and again)."""
    return _vocab_like_num(doc.vocab, text)


@lru_cache(maxsize=1 << 16)
def _vocab_like_num(vocab: Vocab, text: str) -> bool:
    return bool(vocab[text].like_num)


def _in_context(doc: Doc, mention: SystemMention, lex: Lexicon, numbers: list[NumberMention]) -> bool:
    """An ambiguous alias ("Tiger", "Puma") counts only next to a category noun, in a
    licensed compound or right after a count."""
    if not mention.ambiguous or mention.tail:
        return True
    if any(ch.isdigit() for ch in mention.alias) and mention.end - mention.start > len(mention.alias):
        return True  # "K2s", "K9A1": a designation with an ending is no mountain
    first = _token_at(doc, mention.start)
    last = _token_at(doc, mention.end - 1)
    table = token_table(doc)
    if any(ch.isdigit() for ch in mention.alias) and first > 0 and table.lowers[first - 1] in lex.determiners:
        return True  # "den K9", "the K2": an article makes a designation a thing
    window = [*range(max(0, first - 3), first), *range(last + 1, min(last + 4, len(table.texts)))]
    if any(is_category_noun(table.texts[i], lex) for i in window if not table.is_punct[i]):
        return True
    text = doc_text(doc)
    before = _strip_end(text, mention.start)
    more = _word_before(text, before)
    if more is not None and lex.ellipsis.get(more[1].lower()) == "more":
        before = _strip_end(text, more[0])  # "180 weitere K2", "12 more K9s"
    return any(n.end == before and n.kind is NumberKind.QUANTITY for n in numbers)


def _strip_end(text: str, end: int) -> int:
    """``len(text[:end].rstrip())``, without copying the text before ``end``."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _word_before(text: str, end: int) -> tuple[int, str] | None:
    r"""The word ``text[:end]`` ends with and the offset of the space before it, as
    ``re.search(r"\s([\w’']+)$", text[:end])`` would find them (``\w`` is what
    ``str.isalnum`` says, plus "_"), without a regex scan of all the text before."""
    start = end
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_’'"):
        start -= 1
    if start == end or start == 0 or not text[start - 1].isspace():
        return None
    return start - 1, text[start:end]


# ---- anaphors -----------------------------------------------------------------------------


#: The last word of a text, and what follows it ("der 88" -> "der").
_LAST_WORD = re.compile(r"([\w’']+)\W*$")


def _anaphor_count(
    doc: Doc, noun: int, counts: dict[int, NumberMention], lex: Lexicon, pointing: bool = False
) -> int | None:
    """The count of the category noun at token ``noun`` that points back ("Von den 88
    Kampfjets", "weitere 44 Fahrzeuge", "96 of the aircraft", "the 30 ordered howitzers"),
    or None when the noun has no count or an indefinite one ("20 jets" may be new ones)
    unless ``pointing`` says the noun is known to name the system."""
    table = token_table(doc)
    for i in range(noun - 1, max(-1, noun - _ANAPHOR_GAP - 2), -1):
        text, idx = table.texts[i], table.idxs[i]
        number = counts.get(table.ends[i])
        if number is not None:
            before = _LAST_WORD.search(doc_text(doc)[max(0, number.start - 30) : number.start])
            if before is not None and lex.ellipsis.get(before.group(1).lower()) in ("def", "more"):
                pointing = True
            return _count(number) if pointing else None
        kind = lex.ellipsis.get(table.lowers[i])
        like_num = _like_num(doc, text)
        if kind in ("of", "more", "def"):
            pointing = True  # "26 of the fighters", "12 more jets", "180 der Panzer"
        elif text == "-" or (like_num and in_date(doc, idx, idx + len(text))):
            continue  # "180 der 2022 bestellten Panzer"
        elif table.is_punct[i] or like_num or text[:1].isupper() or is_category_noun(text, lex):
            return None
    return None


def _noun_count(
    doc: Doc,
    mention: SystemMention,
    trigger: _Trigger,
    span: tuple[int, int],
    numbers: list[NumberMention],
    lex: Lexicon,
) -> int | None:
    """The count of a category noun after an uncounted system whose trigger follows it:
    "Canberra selected the Mogami-class frigate and plans to buy 11 ships" -> 11, "...
    und will elf Schiffe kaufen" -> 11. Only one such noun, of a kind that fits."""
    if not mention.start < trigger.start:
        return None
    tokens = token_range(doc, mention.end, span[1], contract=True)
    if tokens is None:
        return None
    texts = token_table(doc).texts
    counts = {n.end: n for n in numbers if mention.end <= n.start and n.end <= span[1]}
    found = [
        _anaphor_count(doc, i, counts, lex, pointing=True)
        for i in range(*tokens)
        if mention.system.category.value in noun_refers(texts[i], lex)
    ]
    found = [c for c in found if c is not None]
    return found[0] if len(found) == 1 else None


def _anaphors(
    doc: Doc,
    start: int,
    end: int,
    lex: Lexicon,
    numbers: list[NumberMention],
    mentions: list[SystemMention],
    segs: list[tuple[int, int]],
    history: list[tuple[int, int, System]],
    index: int,
) -> list[SystemMention]:
    """Counted category nouns standing for the last system of a fitting kind named up to
    ``_ANAPHOR_REACH`` sentences before: "Kanada bestellt F-35. Von den 88 Kampfjets, die
    ..." -> F-35 (rule ``weapons.anaphor``). Not in a segment that names a system itself."""
    tokens = token_range(doc, start, end, contract=True)
    if tokens is None:
        return []
    counts = {n.end: n for n in numbers if start <= n.start and n.end <= end}
    if not counts:
        return []
    named = {_segment_of(segs, m.start) for m in mentions}
    table = token_table(doc)
    # only a noun a few words after a count can have one (see _anaphor_count)
    after_count: set[int] = set()
    for number_end in counts:
        k = bisect_left(table.ends, number_end)
        if k < len(table.ends) and table.ends[k] == number_end:
            after_count.update(range(k + 1, k + _ANAPHOR_GAP + 2))
    found: list[SystemMention] = []
    texts, idxs, is_punct = table.texts, table.idxs, table.is_punct
    german = lex.lang == "de"
    for i in sorted(after_count.intersection(range(*tokens))):
        text = texts[i]
        if german and not text[:1].isupper():
            continue
        refers = noun_refers(text, lex)
        if not refers or is_punct[i] or _like_num(doc, text):
            continue
        idx = idxs[i]
        if _segment_of(segs, idx) in named:
            continue
        count = _anaphor_count(doc, i, counts, lex)
        if count is None:
            continue
        fits = [s for k, at, s in history if at < idx and index - k <= _ANAPHOR_REACH]
        system = next((s for s in reversed(fits) if "*" in refers or s.category.value in refers), None)
        if system is not None:
            found.append(SystemMention(system, idx, idx + len(text), text, "", False, True, count))
    return found


# ---- triggers, blockers, segments -----------------------------------------------------------


def _triggers(doc: Doc, start: int, end: int, lex: Lexicon) -> tuple[list[_Trigger], list[int]]:
    """Transaction triggers and modal-cue character offsets in ``[start, end)``; only the
    tokens :class:`_CueScan` picks can be any."""
    triggers: list[_Trigger] = []
    modals: list[int] = []
    tokens = token_range(doc, start, end)
    if tokens is None:
        return triggers, modals
    covered = -1
    table = token_table(doc)
    idxs, ends = table.idxs, table.ends
    for i in _cue_scan(lex.lang).tokens(table, *tokens):
        if i <= covered:
            continue
        lemma = table.lemma(i)  # read once for the tests below
        low = lemma.lower()
        pair = _pair_cue(table, i, low, lex)
        if pair is not None:
            if pair.value == OrderStatus.PLANNED.value:
                modals.append(idxs[i])
            if pair.actor != "-":
                triggers.append(_Trigger(i + 1, idxs[i], ends[i + 1], _STATUS[pair.value], pair.actor))
            covered = i + 1
            continue
        separable = _separable_cues(table, i, low, tokens[1], lex)
        if separable:
            words = _table_cues(table.texts[i], lemma, lex.lang, "triggers")
            modal, deal = _modal_and_deal((*separable, *words))
        else:
            modal, deal = _word_modal_and_deal(table.texts[i], lemma, lex.lang)
        if modal:
            modals.append(idxs[i])
        if deal is not None:
            attributive = _attributive(doc, i, lex)
            triggers.append(_Trigger(i, idxs[i], ends[i], _STATUS[deal.value], deal.actor, attributive))
    return triggers, modals


#: Statuses by their value in the trigger tables.
_STATUS = {status.value: status for status in OrderStatus}


def _modal_and_deal(cues: tuple[_Cue, ...]) -> tuple[bool, _Cue | None]:
    """Whether a token's one-word ``cues`` make it a modal cue, and the cue that makes it
    a deal word: a planned cue with an actor ("verhandelt über", "is selecting") is a deal
    of its own, planned, when no firmer deal word shares the token."""
    cues = tuple(c for c in cues if " " not in c.form)
    modal = any(c.value == OrderStatus.PLANNED.value for c in cues)
    deal = next((c for c in cues if c.value != OrderStatus.PLANNED.value), None)
    return modal, deal or next((c for c in cues if c.actor != "-"), None)


@lru_cache(maxsize=1 << 16)
def _word_modal_and_deal(word: str, lemma: str, lang: str) -> tuple[bool, _Cue | None]:
    """:func:`_modal_and_deal` of a word with no separable particle, memoised."""
    return _modal_and_deal(_table_cues(word, lemma, lang, "triggers"))


class _CueScan:
    """Which tokens match a cue of ``index`` (or are one of the ``words``, or have one of
    the ``lemmas``): judged once per word and remembered with the lemma it had (a word's
    suffix cues take a dozen lookups)."""

    #: Words remembered at most; the memo starts afresh beyond that.
    MEMO = 1 << 17

    def __init__(
        self, index: _CueIndex, words: frozenset[str] = frozenset(), lemmas: frozenset[str] = frozenset()
    ) -> None:
        self.firsts_word = words
        self.lemmas = frozenset(index.lemma) | lemmas
        self.index = index
        # word -> the id of the lemma it was judged with, and the words judged to open a cue;
        # no tuple per word: fewer objects for the garbage collector to track
        self.judged: dict[str, int] = {}
        self.hits: set[str] = set()

    def word(self, text: str) -> bool:
        """May ``text`` open a cue whatever its lemma?"""
        lower = text.lower()
        return lower in self.firsts_word or self.index.any_by_form(lower)

    def tokens(self, table: TokenTable, first: int, stop: int) -> list[int]:
        """Indexes in ``[first, stop)`` of the table's tokens that may open a cue. Lemmas are
        compared by id: only a word judged anew needs its lemma's text (see :meth:`TokenTable.lemma`)."""
        judged, hits = self.judged, self.hits
        if len(judged) > self.MEMO:
            judged.clear()
            hits.clear()
        texts, lemma_ids = table.texts, table.lemma_ids
        words = texts[first:stop]
        if list(map(judged.get, words)) == lemma_ids[first:stop]:
            # every word was judged before, with the lemma it has now (nearly always): no
            # Python-level loop
            return list(itertools.compress(range(first, stop), map(hits.__contains__, words)))
        found: list[int] = []
        for i in range(first, stop):
            text, lemma = texts[i], lemma_ids[i]
            if judged.get(text) != lemma:
                judged[text] = lemma
                if self.word(text) or table.lemma(i).lower() in self.lemmas:
                    hits.add(text)
                else:
                    hits.discard(text)
            if text in hits:
                found.append(i)
        return found


@lru_cache(maxsize=4)
def _cue_scan(lang: str) -> _CueScan:
    """Tokens that may open a trigger or modal cue: a cue, the first word of a two-word
    one, or a verb with a separable particle."""
    firsts_lemma, firsts_word = _pair_firsts(lang)
    return _CueScan(
        lexicon(lang).trigger_index, firsts_word, firsts_lemma | frozenset(_separable_index(lang))
    )


@lru_cache(maxsize=4)
def _blocker_scan(lang: str) -> _CueScan:
    """Tokens that match a blocker cue."""
    return _CueScan(lexicon(lang).blocker_index)


#: Endings of an inflected participle used as an adjective ("bestellten", "ordered").
_PARTICIPLE = {"de": ("te", "ten", "tes", "ter", "tem", "ene", "enen", "ener", "enes"), "en": ("ed",)}


def _attributive(doc: Doc, i: int, lex: Lexicon) -> bool:
    """Is token ``i`` a participle inside a noun phrase, between a count or article and the
    noun ("die 54 bestellten Panzerhaubitzen", "the 30 ordered howitzers", "die 2021
    gekauften Flugzeuge")? It says what happened to the things, not what the clause does."""
    table = token_table(doc)
    texts, lowers = table.texts, table.lowers
    if i == 0 or i + 1 >= len(texts) or not texts[i][:1].islower():
        return False
    if not lowers[i].endswith(_PARTICIPLE[lex.lang]):
        return False
    if not (_like_num(doc, texts[i - 1]) or lex.ellipsis.get(lowers[i - 1]) in ("def", "more")):
        return False
    nxt = texts[i + 1]
    if table.is_punct[i + 1] or (not _lexeme(doc, nxt).is_alpha and not any(ch.isdigit() for ch in nxt)):
        return False
    if lex.lang == "de":
        return nxt[:1].isupper()
    return lowers[i + 1] not in lex.known_prepositions and lowers[i + 1] not in lex.determiners


def _separable_cues(table: TokenTable, i: int, lemma: str, limit: int, lex: Lexicon) -> list[_Cue]:
    """German separable verbs whose particle closes the clause: "sagt der Ukraine weitere
    IRIS-T zu" (trigger rows with match "separable" and form "sagen+zu"); ``lemma`` is token
    ``i``'s, lower-cased."""
    cues = _separable_index(lex.lang).get(lemma)
    if not cues:
        return []
    k = i + 1
    while k < limit and not table.is_punct[k]:
        k += 1
    closing = table.lowers[k - 1] if k - 1 > i else ""
    return [c for c in cues if c.form.split("+")[1] == closing]


@lru_cache(maxsize=4)
def _separable_index(lang: str) -> dict[str, tuple[_Cue, ...]]:
    """Separable trigger rows by the lemma of their verb ("sagen+zu" under "sagen"), in table order."""
    index: dict[str, list[_Cue]] = {}
    for cue in lexicon(lang).triggers:
        if cue.match == "separable":
            index.setdefault(cue.form.split("+")[0], []).append(cue)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=4)
def _pair_firsts(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """First words of the two-word triggers: (by lemma, by word)."""
    cues = [c for c in lexicon(lang).triggers if " " in c.form]
    lemmas = frozenset(c.form.split(" ", 1)[0] for c in cues if c.match == "lemma")
    words = frozenset(c.form.split(" ", 1)[0] for c in cues if c.match != "lemma")
    return lemmas, words


def _pair_cue(table: TokenTable, i: int, lemma: str, lex: Lexicon) -> _Cue | None:
    """A two-word trigger starting at token ``i`` ("took delivery"); ``lemma`` is token ``i``'s,
    lower-cased."""
    if i + 1 >= len(table.texts):
        return None
    lemmas, words = _pair_firsts(lex.lang)
    if table.lowers[i] not in words and lemma not in lemmas:
        return None
    for cue in lex.triggers:
        if " " not in cue.form:
            continue
        first, second = cue.form.split(" ", 1)
        if cue.match == "lemma":
            ok = lemma == first and table.lemma(i + 1).lower() == second
        else:
            ok = table.lowers[i] == first and table.lowers[i + 1] == second
        if ok:
            return cue
    return None


def _blocked(doc: Doc, start: int, end: int, lex: Lexicon, inside: tuple[tuple[int, int], ...] = ()) -> bool:
    """Does ``[start, end)`` speak of losses, combat, refusal or a mere request? Words
    ``inside`` a system's name ("F-16 Block 70") say nothing."""
    tokens = token_range(doc, start, end)
    if tokens is None:
        return False
    table = token_table(doc)
    texts = table.texts
    for i in _blocker_scan(lex.lang).tokens(table, *tokens):
        cues = _table_cues(texts[i], table.lemma(i), lex.lang, "blockers")
        if not cues or (inside and any(a <= table.idxs[i] < b for a, b in inside)):
            continue  # the scan passes a word that opens some cue; its own cues decide
        if i + 1 < len(texts) and is_category_noun(texts[i + 1], lex):
            continue  # "attack helicopters", "Angriffs-Drohnen": a kind of weapon
        if all(c.value == "negation" for c in cues) and i + 1 < len(texts) and table.lowers[i + 1] in _ONLY:
            continue  # "nicht nur" / "not only" is no negation
        return True
    return False


_ONLY = frozenset({"nur", "only", "just"})


def segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    r"""The sentence ``text[start:end]`` cut at commas, semicolons, colons, dashes, brackets:
    the breaks ``re.finditer(r"[,;:]\s|\s[–—-]\s|[()]", ...)`` finds, found from their
    characters instead (a regex starting with ``\s`` tries a match at every space)."""
    cuts = [start]
    last = start  # where the previous break ended: breaks do not overlap
    for m in _BREAK_CHARS.finditer(text, start, end):
        at = m.start()
        char = text[at]
        if char in "()":
            cut = (at, at + 1)
        elif char in ",;:":
            if at + 1 >= end or not text[at + 1].isspace():
                continue
            cut = (at, at + 2)
        elif at - 1 >= last and text[at - 1].isspace() and at + 1 < end and text[at + 1].isspace():
            cut = (at - 1, at + 2)  # a dash between spaces
        else:
            continue
        cuts.extend(cut)
        last = cut[1]
    cuts.append(end)
    return [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=True) if b > a]


#: Characters of the tokens :func:`sentence_spans` may cut after: line breaks, full stops.
_CUT_CHARS = "\n."
#: A token like "FA-50." or "2022." that the tokenizer left with its full stop glued on.
_GLUED_STOP = re.compile(r"(?:[A-Za-z][\w/-]*\d[A-Za-z]*|\d{4})\.$")


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """The Doc's sentences, further cut at line breaks (headlines, bylines) and after
    designations whose full stop the tokenizer kept ("... vom Typ FA-50. Aus den USA")."""
    return list(_spans_from(doc, 0))


def _spans_from(doc: Doc, sentence: int) -> Iterator[tuple[int, int]]:
    """:func:`sentence_spans` from the Doc's sentence ``sentence`` (of the token table's
    ``sents``) on, cut as they are asked for: a caller that stops early cuts no more."""
    text = doc_text(doc)
    table = token_table(doc)
    texts, spaces, idxs, ends, sents = table.texts, table.spaces, table.idxs, table.ends, table.sents
    if sentence >= len(sents) or sents[sentence][0] >= len(idxs):
        return
    # the tokens that cut (those holding a line break or a full stop may), with the offset
    # they cut at; a glued full stop cuts only before a capital, and not at a sentence's end
    inner: dict[int, int] = {}
    positions = _char_positions(text, _CUT_CHARS, idxs[sents[sentence][0]], len(text))
    for i in {bisect_right(idxs, at) - 1 for at in positions}:
        if "\n" in texts[i]:  # the token holds the break (spaCy's trailing space is a plain " ")
            inner[i] = ends[i] + spaces[i]
        elif (
            texts[i] != "."
            and i + 1 < len(texts)
            and texts[i + 1][:1].isupper()
            and _GLUED_STOP.match(texts[i])
        ):
            inner[i] = idxs[i] + len(texts[i])
    cutting = sorted(inner)
    k = 0
    for first, stop in sents[sentence:]:
        if first >= stop:
            continue
        last = stop - 1
        while k < len(cutting) and cutting[k] < first:
            k += 1
        a = idxs[first]
        while k < len(cutting) and cutting[k] < stop:
            i = cutting[k]
            k += 1
            if i < last or "\n" in texts[i]:
                span = _stripped(text, a, inner[i])
                if span is not None:
                    yield span
                a = inner[i]
        span = _stripped(text, a, ends[last])
        if span is not None:
            yield span


def _stripped(text: str, a: int, b: int) -> tuple[int, int] | None:
    """``(a, b)`` less surrounding space, or None when nothing is left."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return (a, b) if b > a else None


def _char_positions(text: str, chars: str, start: int, end: int) -> list[int]:
    """Where any of ``chars`` stands in ``text[start:end]`` (unordered): ``str.find`` skips
    the rest of the text far faster than a regex scan."""
    found: list[int] = []
    for char in chars:
        at = text.find(char, start, end)
        while at >= 0:
            found.append(at)
            at = text.find(char, at + 1, end)
    return found


#: A word, with inner apostrophes ("Germany's"); the first one of a text.
_WORD = re.compile(r"[\w’']+")
_FIRST_WORD = re.compile(r"\s*([\w’']+)")


def _opens(text: str, seg: tuple[int, int], lex: Lexicon) -> str | None:
    """ "rel" or "conj" when the segment opens with a clause word."""
    m = _FIRST_WORD.match(text, seg[0], seg[1])
    return lex.clause_words.get(m.group(1).lower()) if m else None


def _includes(text: str, seg: tuple[int, int], lex: Lexicon) -> bool:
    """Does the segment say what a deal contains ("umfasst", "includes")?"""
    words = _WORD.findall(text[seg[0] : seg[1]].lower())
    return any(lex.clause_words.get(w) == "incl" for w in words)


def _reachable(text: str, segs: list[tuple[int, int]], seg_m: int, seg_t: int, lex: Lexicon) -> bool:
    """May a trigger in segment ``seg_t`` state the order of a system in ``seg_m``?
    Not across a new clause ("..., and officials say ... the Cheongung system"); a
    following relative clause does ("35 F-35, die Deutschland ... bestellt hatte")."""
    if seg_t == seg_m:
        return True
    if seg_t > seg_m and _opens(text, segs[seg_m], lex) is not None and seg_m > 0:
        return False  # the system sits in its own subordinate clause ("France, which is developing ...")
    if seg_t < seg_m:
        if (
            seg_m == seg_t + 1
            and _opens(text, segs[seg_m], lex) == "rel"
            and _includes(text, segs[seg_m], lex)
        ):
            return True  # "ein Hilfspaket für die Ukraine, das auch Stinger-Raketen umfasst"
        return all(_opens(text, segs[k], lex) is None for k in range(seg_t + 1, seg_m + 1))
    if _opens(text, segs[seg_m + 1], lex) == "rel":
        return all(_opens(text, segs[k], lex) != "conj" for k in range(seg_m + 2, seg_t + 1))
    return all(_opens(text, segs[k], lex) is None for k in range(seg_m + 1, seg_t + 1))


def _holding(segs: list[tuple[int, int]], char: int) -> int | None:
    """The index of the segment ``char`` lies in, or None when it lies between two."""
    k = bisect_right(segs, (char, _AFTER_ANY)) - 1  # the last segment starting at or before it
    return k if k >= 0 and char < segs[k][1] else None


#: Greater than any offset: ``(char, _AFTER_ANY)`` sorts after every segment starting at ``char``.
_AFTER_ANY = 1 << 62


def _segment_of(segs: list[tuple[int, int]], char: int) -> int:
    """The index of the segment ``char`` lies in; between two segments the one before it,
    before the first the first, after the last the last (-1 for no segments)."""
    if not segs:
        return -1
    return max(0, bisect_right(segs, (char, _AFTER_ANY)) - 1)  # the last one starting at or before it


# ---- parties -----------------------------------------------------------------------------


def _prep_before(text: str, start: int, lex: Lexicon) -> str | None:
    """The preposition right before ``start`` (skipping an article), lowercased."""
    window = text[max(0, start - 40) : start].lower()
    phrase = next(finditer_not_after(lex.phrase_prepositions, window), None)
    if phrase is not None:
        return " ".join(phrase.group(1).split())
    words: list[str] = _WORD.findall(window)
    for word in reversed(words[-3:]):
        low = str(word).lower()
        if low in lex.prepositions or low in lex.known_prepositions:
            return low
        if low not in lex.determiners:
            return None
    return None


#: A word that may hold hyphens ("in Japan hergestellte", "US-made"); the first one of a text.
_COMPOUND = re.compile(r"[\w-]+")
_FIRST_COMPOUND = re.compile(r"\s*([\w-]+)")
_NEXT_COMPOUND = re.compile(r"\s+([\w-]+)")


def _is_origin(text: str, start: int, end: int, prep: str | None, compound: str | None, lex: Lexicon) -> bool:
    if prep is not None and lex.prepositions.get(prep) == "origin":
        after = _FIRST_COMPOUND.match(text[end : end + 40])
        before = _COMPOUND.findall(text[max(0, start - 40) : start])
        if after and after.group(1).lower() in lex.origin_words.get("after", frozenset()):
            return True
        if len(before) >= 2 and before[-2].lower() in lex.origin_words.get("before", frozenset()):
            return True
    if compound:
        suffix = compound.rsplit("-", 1)[-1].lower()
        if suffix in lex.origin_words.get("suffix", frozenset()) or is_category_noun(suffix, lex):
            return True
    return False


def _parties(
    doc: Doc,
    start: int,
    end: int,
    lex: Lexicon,
    systems: list[SystemMention],
    facts: _DocFacts,
) -> list[_Party]:
    """Countries and arms makers in ``[start, end)``, outside system mentions."""
    text = doc_text(doc)
    inside = [(m.start, m.end) for m in systems]
    parties: list[_Party] = []
    countries = facts.countries
    for k in range(bisect_left(facts.country_starts, start), bisect_left(facts.country_starts, end)):
        c = countries[k]
        if c.end > end or any(s <= c.start < e for s, e in inside):
            continue
        prep = _prep_before(text, c.start, lex)
        if text[c.end : c.end + 2] in ("'s", "’s"):
            prep = None  # "some of Germany's arms deals": the possessor acts
        origin = _is_origin(text, c.start, c.end, prep, c.compound, lex)
        if c.kind == "demonym" and not origin:
            nxt = _NEXT_COMPOUND.match(text[c.end : c.end + 40])
            nxt_start = c.end + (nxt.start(1) if nxt else 0)
            origin = nxt is not None and (
                is_category_noun(nxt.group(1), lex) or any(m.start == nxt_start for m in systems)
            )
        parties.append(_Party(c.start, c.end, c.code, c.kind, prep, c.compound, origin))
    for m in finditer_not_after(lex.maker_pattern, text, start, end, before=_MAKER_AFTER):
        prep = _prep_before(text, m.start(), lex)
        parties.append(_Party(m.start(), m.end(), lex.makers[m.group(0)], "maker", prep, None, False))
    return sorted(parties, key=_start)


def _start(party: _Party) -> int:
    return party.start


def _coordinated(text: str, a: _Party, b: _Party) -> bool:
    """Are two parties joined by "und"/"and"/"," ("Japan und die USA")?"""
    between = text[a.end : b.start].strip().lower()
    return between in {"und", "and", "sowie", ",", "und die", "and the", "or", "oder"}


@dataclass
class _Roles:
    """Buyer and seller the text names (explicitly or via the subject); ``sellers`` holds
    further coordinated sellers ("from Denmark and the Netherlands")."""

    buyer: str | None = None
    seller: str | None = None
    more_sellers: tuple[str, ...] = ()
    joint: bool = False  # several states act together: no single seller to name or infer


def _coordinated_after(text: str, first: _Party, parties: list[_Party]) -> list[_Party]:
    """Parties joined to ``first`` by "und"/"and"/"," ("aus Dänemark und den Niederlanden")."""
    chain = [first]
    for p in parties:
        if p.start > chain[-1].end and p.prep is None and _coordinated(text, chain[-1], p):
            chain.append(p)
        elif p.start > chain[-1].end:
            break
    return chain[1:]


def _assign(
    doc: Doc,
    parties: list[_Party],
    before: list[_Party],
    trigger: _Trigger,
    lex: Lexicon,
    passive: bool,
    sent_start: int,
    antecedent: _Party | None = None,
    system_start: int = -1,
) -> _Roles:
    """Buyer and seller from prepositions, the subject and origin words."""
    text = doc_text(doc)
    subject_role = "buyer" if trigger.actor == "arrival" else trigger.actor
    other_role = "seller" if subject_role == "buyer" else "buyer"
    by_prep: dict[str, str] = {}
    more: list[str] = []
    beneficiary: str | None = None
    counterpart: list[_Party] = []
    origin: str | None = None
    bare: list[_Party] = []
    coordinated: set[int] = set()
    for p in parties:
        if p.start in coordinated:
            continue
        if p.origin:
            origin = origin or p.code
            continue
        role = lex.prepositions.get(p.prep) if p.prep else None
        if p.prep is None:
            bare.append(p)
        elif role == "seller":
            if "seller" not in by_prep:
                by_prep["seller"] = p.code
                extra = _coordinated_after(text, p, parties)
                more.extend(x.code for x in extra)
                coordinated.update(x.start for x in extra)
        elif role == "buyer" and p.kind != "maker":
            by_prep.setdefault("buyer", p.code)
        elif role == "agent":
            agent_role = subject_role if (passive or lex.lang == "en") else "seller"
            if not (agent_role == "buyer" and p.kind == "maker"):
                by_prep.setdefault(agent_role, p.code)
        elif role == "beneficiary" and p.kind != "maker":
            beneficiary = beneficiary or p.code
        elif role == "counterpart":
            counterpart.append(p)
        elif role == "origin" and trigger.actor == "arrival" and p.kind != "maker":
            by_prep.setdefault("buyer", p.code)  # "the first K2s arrived in Poland"
        elif (
            role == "origin"
            and trigger.actor == "buyer"
            and system_start < p.start
            and (
                (p.end <= trigger.start and not text[p.end : trigger.start].strip())
                or (lex.lang == "de" and p.start > trigger.end and p.kind == "name")
            )
        ):
            by_prep.setdefault("seller", p.code)  # "250 Abrams in den USA bestellt"
    states = [p for p in bare if p.code not in ORG_CODES] or bare
    subject = next((p for p in states if not (subject_role == "buyer" and p.kind == "maker")), None)
    if subject is None and antecedent is not None:
        subject = antecedent  # "Saudi Arabia, which ordered ten batteries ..."
    if subject is None:  # the sentence's subject before the clause: "Poland ..., when it sent"
        subject = next((p for p in before if p.prep is None and not p.origin and p.kind != "maker"), None)
    subject_code = (
        subject.code if subject is not None else _actor_noun(doc, parties, trigger, lex, sent_start)
    )
    found: dict[str, str | None] = {"buyer": by_prep.get("buyer"), "seller": by_prep.get("seller")}
    if subject_code is not None and found[subject_role] is None:
        found[subject_role] = subject_code
    if found[other_role] is None and subject is not None and subject_role == "seller":
        chain = [subject, *_coordinated_after(text, subject, states)]
        later = [p for p in states if p.start > chain[-1].end and p.kind != "maker"]
        if later:
            found[other_role] = later[0].code  # dative: "liefert der Ukraine"
    if (
        counterpart
        and found[other_role] is None
        and not (other_role == "buyer" and counterpart[0].kind == "maker")
    ):
        found[other_role] = counterpart[0].code
    if found["buyer"] is None:
        found["buyer"] = beneficiary
    if found["seller"] is None and origin is not None:
        found["seller"] = origin
    joint = False
    if subject is not None and subject_role == "seller" and subject in states:
        partners = _coordinated_after(text, subject, states)
        if partners and found["seller"] == subject.code:
            found["seller"], joint = None, True  # "the United States, Germany ... would provide"
    return _Roles(found["buyer"], found["seller"], tuple(more), joint)


def _actor_noun(
    doc: Doc, parties: list[_Party], trigger: _Trigger, lex: Lexicon, sent_start: int
) -> str | None:
    """ "Die Regierung bestellte ..." : the subject noun stands for the state last named."""
    window = doc_text(doc)[sent_start : trigger.end]
    if next(finditer_not_after(lex.any_actor_noun, window), None) is None:
        return None
    for phrase in lex.actor_nouns:
        m = next(finditer_not_after(phrase, window), None)
        if m:
            at = sent_start + m.end()
            seat = next((p for p in parties if p.prep in ("in", "of") and 0 <= p.start - at <= 8), None)
            return seat.code if seat is not None else country_before(doc, sent_start + m.start())
    return None


# ---- quantity ------------------------------------------------------------------------------


def _count(number: NumberMention) -> int | None:
    value = number.value
    if number.kind is not NumberKind.QUANTITY or number.unit:
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value) if value >= 1 else None


def _quantity(
    doc: Doc,
    mention: SystemMention,
    numbers: list[NumberMention],
    lex: Lexicon,
    sent_start: int,
    seg_end: int,
) -> int | None:
    """The count right before the system ("400 Tomahawk", "35 Kampfjets vom Typ F-35"),
    else a bare count after it that the trigger follows ("... HIMARS-Werfern hat Taiwan
    die ersten elf erhalten")."""
    candidates = [n for n in numbers if sent_start <= n.start and n.end <= mention.start]
    if not candidates:
        return _elliptic_count(doc, mention, numbers, lex, seg_end)
    number = max(candidates, key=lambda n: n.end)
    if _count(number) is None:
        return None
    gap = token_range(doc, number.end, mention.start, contract=True)
    if doc_text(doc)[number.end : mention.start].strip() and gap is None:
        return None
    tokens = range(*gap) if gap is not None else range(0)
    if len(tokens) > _MAX_GAP:
        return None
    table = token_table(doc)
    for i in tokens:
        if table.is_punct[i] and table.texts[i] != "-":
            return None
        if _like_num(doc, table.texts[i]) or table.lowers[i] in lex.quantity_breaks:
            return None
        if _table_cues(table.texts[i], table.lemma(i), lex.lang, "triggers") and not _attributive(
            doc, i, lex
        ):
            return None
    return _count(number)


def _elliptic_count(
    doc: Doc, mention: SystemMention, numbers: list[NumberMention], lex: Lexicon, seg_end: int
) -> int | None:
    after = [n for n in numbers if mention.end <= n.start and n.end <= seg_end]
    if not after:
        return None
    number = min(after, key=lambda n: n.start)
    nxt = token_range(doc, number.end, seg_end, contract=True)
    if nxt is None or nxt[0] == nxt[1]:
        return None
    table = token_table(doc)
    if not _table_cues(table.texts[nxt[0]], table.lemma(nxt[0]), lex.lang, "triggers"):
        return None
    return _count(number)


# ---- the stage -----------------------------------------------------------------------------


def _as_of(published: object) -> date | None:
    """The date of ``doc._.published``, a date or a datetime, if any."""
    if isinstance(published, datetime):
        return published.date()
    return published if isinstance(published, date) else None


def _passive(doc: Doc, start: int, end: int) -> bool:
    """Does ``[start, end)`` hold a passive auxiliary ("wurde", "was")?"""
    tokens = token_range(doc, start, end)
    return tokens is not None and not _PASSIVE.isdisjoint(token_table(doc).lowers[tokens[0] : tokens[1]])


_PASSIVE = frozenset({"wurde", "wurden", "worden", "was", "were", "been", "being"})


@dataclass(frozen=True)
class _Deal:
    """What a sentence's transaction said, for the sentence right after it when that goes
    on about it ("Hinzu kommen 60 Panzerhaubitzen ...") or names no buyer of its own."""

    status: OrderStatus
    buyer: str | None
    seller: str | None
    order: WeaponsOrder | None = None  # the last order the sentence stated


class _LazyDeal:
    """A sentence's deal: stated by its orders, or worked out from its triggers when the
    sentence after it asks (most never do)."""

    def __init__(self, compute: Callable[[], _Deal | None] | None = None, deal: _Deal | None = None) -> None:
        self._compute = compute
        self._deal = deal

    def get(self) -> _Deal | None:
        if self._compute is not None:
            self._deal, self._compute = self._compute(), None
        return self._deal

    @property
    def order(self) -> WeaponsOrder | None:
        """The last order the sentence stated; only a deal stated by orders has one, so
        this needs no working out."""
        return self._deal.order if self._compute is None and self._deal is not None else None


def _continues(text: str, start: int, lex: Lexicon) -> bool:
    """Does the sentence at ``start`` open with a continuation cue ("Hinzu kommen")?"""
    head = " ".join(text[start : start + 40].lower().split())
    return any(head.startswith(cue + " ") for cue in lex.continuations)


def _order(
    doc: Doc,
    facts: _DocFacts,
    mention: SystemMention,
    buyer: str,
    seller: str | None,
    status: OrderStatus,
    quantity: int | None,
    rule: str,
    span: tuple[int, int],
    infer: bool = True,
) -> WeaponsOrder:
    inferred = False
    makers = mention.system.makers
    if seller is None and makers and infer:
        seller, inferred = (buyer if buyer in makers else makers[0]), True
    text = doc_text(doc)
    ev_start, ev_end = _trim(text, span)
    return WeaponsOrder(
        doc_id=facts.doc_id,
        buyer=buyer,
        seller=seller,
        seller_inferred=inferred,
        system=mention.system.name,
        category=mention.system.category,
        quantity=quantity,
        status=status,
        as_of=facts.as_of,
        rule=rule + ("+maker" if inferred else ""),
        evidence=evidence(doc, ev_start, ev_end),
    )


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` without surrounding space and trailing punctuation, for evidence quotes."""
    start, end = span
    while end > start and text[end - 1] in " \t\n,;:.":
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


@lru_cache(maxsize=1 << 12)
def _compound_deal(tail: str, lang: str) -> _Cue | None:
    """The deal word a system's compound tail is ("Taurus-Lieferung"), if any; memoised per
    language, like the cue scans."""
    own = [
        c
        for c in lexicon(lang).trigger_index.find(tail.split("-")[-1], tail)
        if c.value != OrderStatus.PLANNED.value and " " not in c.form
    ]
    return own[0] if own else None


def _choose_trigger(
    doc: Doc,
    mention: SystemMention,
    triggers: list[_Trigger],
    segs: list[tuple[int, int]],
    lex: Lexicon,
) -> tuple[_Trigger, str] | None:
    """The trigger stating the order of ``mention`` and the rule name, or None."""
    own = _compound_deal(mention.tail, lex.lang) if mention.tail else None
    if own is not None:
        token = _token_at(doc, mention.start)
        return _Trigger(token, mention.start, mention.end, _STATUS[own.value], own.actor), "weapons.compound"
    seg_m = _segment_of(segs, mention.start)
    text = doc_text(doc)
    near: list[tuple[int, _Trigger]] = []
    for t in triggers:
        seg_t = _segment_of(segs, t.start)
        if abs(seg_t - seg_m) <= _MAX_SEGMENT_DISTANCE and _reachable(text, segs, seg_m, seg_t, lex):
            near.append((abs(seg_t - seg_m), t))
    if not near:
        return None
    if any(not t.attributive for _, t in near):  # "the 30 ordered howitzers arrived"
        near = [(d, t) for d, t in near if not t.attributive]
    best = min(d for d, _ in near)
    pool = [t for d, t in near if d == best]
    # English puts the verb before its object: a trigger after the system binds less
    after = 1.5 if lex.lang == "en" else 1.0

    def distance(t: _Trigger) -> float:
        return t.start - mention.start if t.start < mention.start else (t.start - mention.start) * after

    deals = [t for t in pool if t.actor != "approver"]
    chosen = min(deals or pool, key=lambda t: (_PRIORITY[t.status], abs(distance(t))))
    if chosen.actor == "approver":  # "approved ... Taiwan": approving is selling
        chosen = _Trigger(chosen.token, chosen.start, chosen.end, chosen.status, "seller")
    elif deals != pool and chosen.actor == "seller" and chosen.status is OrderStatus.DELIVERED:
        # "genehmigte die Lieferung von ...": an approved delivery is a sale
        chosen = _Trigger(chosen.token, chosen.start, chosen.end, OrderStatus.SOLD, "seller")
    return chosen, "weapons.clause"


def _extract_sentence(
    doc: Doc,
    start: int,
    end: int,
    lex: Lexicon,
    facts: _DocFacts,
    previous: _LazyDeal | None,
    index: int,
    history: list[tuple[int, int, System]] | None = None,
    may_name: bool = True,
) -> tuple[list[WeaponsOrder], _LazyDeal | None]:
    """Orders stated in the sentence ``[start, end)`` and the deal it speaks of;
    ``previous`` is the deal of the sentence before, if any. ``history`` holds the
    systems named so far (sentence index, offset, system) for anaphors; this sentence's
    mentions are added to it. ``may_name`` False says that the sentence shows no alias
    (see :func:`find_orders`)."""
    text = doc_text(doc)
    numbers = facts.numbers
    found = find_systems(text[start:end], lex.lang, start) if may_name else []
    mentions = [
        m
        for m in found
        if not (facts.boilerplate and in_boilerplate(doc, m.start, m.end))
        and _in_context(doc, m, lex, numbers)
    ]
    follows_order = previous is not None and previous.order is not None
    pointing: list[SystemMention] | None = None  # the anaphors, when looked for first
    if not mentions and not follows_order:
        # most sentences: no system and no order to follow up; only an anaphor (seldom one)
        # makes them state orders, and it needs no triggers to be found. Otherwise only their
        # deal may matter, to the next sentence, which seldom asks for it
        if history and _may_point_back(start, end, facts, history, index):
            pointing = _anaphors(doc, start, end, lex, numbers, [], [], history, index)
        if not pointing:
            return [], _LazyDeal(lambda: _deal_of(doc, start, end, lex, facts))
    inside = tuple((m.start, m.end) for m in mentions)
    triggers, modals = _triggers(doc, start, end, lex)
    if not mentions and not triggers and (not modals or previous is None or previous.order is None):
        return [], None  # no system, no deal, nothing to follow up (a modal cue may follow up an order)
    segs = segments(text, start, end)
    if history is not None:
        if triggers and history:
            if pointing is None:
                pointing = _anaphors(doc, start, end, lex, numbers, mentions, segs, history, index)
            mentions = sorted([*mentions, *pointing], key=lambda m: m.start)
        history.extend((index, m.start, m.system) for m in mentions if not m.anaphor)
    # here the sentence names a system, points back to one or follows up an order

    def recent() -> _Deal | None:
        """The deal of the sentence before: worked out only when a rule asks for it."""
        return previous.get() if previous is not None else None

    checked: dict[int, bool] = {}

    def blocked(seg: int) -> bool:
        """:func:`_blocked` of segment ``seg``, once: mentions and triggers share segments."""
        if seg not in checked:
            checked[seg] = _blocked(doc, segs[seg][0], segs[seg][1], lex, inside)
        return checked[seg]

    found_parties: list[list[_Party]] = []

    def all_parties() -> list[_Party]:
        """The sentence's parties, found when a rule first asks (many sentences never do)."""
        if not found_parties:
            found_parties.append(_parties(doc, start, end, lex, mentions, facts))
        return found_parties[0]

    orders: list[WeaponsOrder] = []
    for mention in mentions:
        chosen = _choose_trigger(doc, mention, triggers, segs, lex)
        seg_m = _segment_of(segs, mention.start)
        if chosen is None:
            if triggers or not _continues(text, start, lex):
                continue
            going_on = recent()
            if going_on is None or going_on.buyer is None:
                continue
            if blocked(seg_m):
                continue
            quantity = _quantity(doc, mention, numbers, lex, start, segs[seg_m][1])
            orders.append(
                _order(
                    doc,
                    facts,
                    mention,
                    going_on.buyer,
                    going_on.seller,
                    going_on.status,
                    quantity,
                    "weapons.continuation",
                    segs[seg_m],
                )
            )
            continue
        trigger, rule = chosen
        seg_t = _segment_of(segs, trigger.start)
        lo, hi = min(seg_m, seg_t), max(seg_m, seg_t)
        span_start, span_end = segs[lo][0], segs[hi][1]
        if blocked(seg_m) or blocked(seg_t):
            continue
        status = _status(doc, trigger, modals, segs, lex)
        if (
            status is OrderStatus.DELIVERED
            and _infinitive(doc, trigger)
            and _commissioned(trigger, triggers, segs)
        ):
            status = OrderStatus.ORDERED  # "won a contract to supply 54 K9 to Romania"
        parties = [p for p in all_parties() if span_start <= p.start < span_end]
        before = [p for p in all_parties() if p.start < span_start]
        passive = _passive(doc, span_start, span_end)
        antecedent = _relative_antecedent(text, segs, seg_t, all_parties(), lex)
        roles = _assign(doc, parties, before, trigger, lex, passive, start, antecedent, mention.start)
        buyer, seller = roles.buyer, roles.seller
        before_deal = recent() if buyer is None else None
        if (
            buyer is None
            and before_deal is not None
            and before_deal.buyer is not None
            and seller is not None
            and seller == before_deal.seller
        ):
            # "... Waffenverkäufe an Taiwan genehmigt. ... billigte den Verkauf von"
            buyer = before_deal.buyer
            rule += "+context"
        if (
            buyer is None
            and before_deal is not None
            and before_deal.buyer is not None
            and (before_deal.order is None or before_deal.order.system == mention.system.name)
            and seller in (None, before_deal.seller)
        ):
            # "Polen bestellte K9. Die ersten ... treffen ein"; "... signed a deal. The agreement covers"
            buyer, seller = before_deal.buyer, before_deal.seller
            rule += "+context"
        if buyer is None:
            continue  # a deal without a named buyer is background, not an order record
        if mention.anaphor:
            rule = rule.replace("weapons.clause", "weapons.anaphor")
            quantity = mention.count
        else:
            quantity = _quantity(doc, mention, numbers, lex, start, segs[seg_m][1])
            if quantity is None:
                quantity = _noun_count(doc, mention, trigger, (span_start, span_end), numbers, lex)
        for one_seller in (seller, *roles.more_sellers):
            span = (span_start, span_end)
            orders.append(
                _order(doc, facts, mention, buyer, one_seller, status, quantity, rule, span, not roles.joint)
            )
    before_order = previous.order if previous is not None else None
    orders.extend(
        _ellipses(doc, segs, mentions, triggers, modals, all_parties, orders, before_order, facts, lex)
    )
    if not orders:
        return orders, _LazyDeal(
            lambda: _sentence_deal(doc, start, triggers, modals, segs, all_parties(), lex)
        )
    last = orders[-1]  # the deal goes on from the last stated order, not from a follow-up
    main = [o for o in orders if not o.rule.startswith("weapons.ellipsis")] or orders
    state = main[-1]
    deal = _Deal(state.status, state.buyer, None if state.seller_inferred else state.seller, last)
    return orders, _LazyDeal(deal=deal)


def _may_point_back(
    start: int,
    end: int,
    facts: _DocFacts,
    history: list[tuple[int, int, System]] | None,
    index: int,
) -> bool:
    """May the sentence ``[start, end)`` hold an anaphor (see :func:`_anaphors`)? Only
    with a system named at most ``_ANAPHOR_REACH`` sentences before and a number in it."""
    if not history or index - history[-1][0] > _ANAPHOR_REACH:
        return False
    starts = facts.number_starts
    return any(n.end <= end for n in facts.by_start[bisect_left(starts, start) : bisect_left(starts, end)])


def _deal_of(doc: Doc, start: int, end: int, lex: Lexicon, facts: _DocFacts) -> _Deal | None:
    """The deal of a sentence that names no system (:func:`_sentence_deal`), worked out
    from scratch when the sentence after it asks."""
    triggers, modals = _triggers(doc, start, end, lex)
    if not triggers:
        return None
    segs = segments(doc_text(doc), start, end)
    return _sentence_deal(doc, start, triggers, modals, segs, _parties(doc, start, end, lex, [], facts), lex)


def _ellipsis_count(doc: Doc, seg: tuple[int, int], facts: _DocFacts, lex: Lexicon) -> int | None:
    """The count an elliptic follow-up gives ("ein drittes" -> 1, "zwei weitere" -> 2,
    "19 of the aircraft" -> 19), or None when the segment has no such phrase."""
    span = token_range(doc, seg[0], seg[1], contract=True)
    if span is None:
        return None
    table = token_table(doc)
    texts, lowers, idxs = table.texts, table.lowers, table.idxs
    # a count starts with a number or a counting word ("ein", "weitere"): most segments have neither
    lo, hi = bisect_left(facts.number_starts, seg[0]), bisect_left(facts.number_starts, seg[1])
    if lo == hi and lex.count_words.isdisjoint(lowers[span[0] : span[1]]):
        return None
    tokens = [t for t in range(*span) if not table.is_punct[t]]
    by_start = {n.start: n for n in reversed(facts.by_start[lo:hi])}  # the first number starting there
    for i, token in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        kind = lex.ellipsis.get(lowers[token])
        number = by_start.get(idxs[token])
        count = _count(number) if number is not None else (1 if kind == "one" else None)
        if kind == "more" and i == 0:
            following = by_start.get(idxs[nxt])
            if following is not None and _count(following) is not None:
                noun = tokens[i + 2] if i + 2 < len(tokens) else None
                if noun is None or is_category_noun(texts[noun], lex):
                    return _count(following)  # "Weitere 15 Kampfjets sollen folgen"
                continue
            count = 1  # "Another is due by June"
            nxt = token
        elif count is None:
            continue
        follow = lex.ellipsis.get(lowers[nxt])
        if follow == "of" or (follow == "def" and lex.lang == "de"):  # "19 of the", "24 der"
            rest = tokens[i + 2 : i + 7]  # "19 of the carrier-based fighters"
            if rest and any(is_category_noun(texts[t], lex) for t in rest):
                return count
            continue
        if follow not in ("more", "ordinal") and nxt != token:
            continue
        k = i + 1 if nxt == token else i + 2
        after = tokens[k] if k < len(tokens) else None
        if after is None or is_category_noun(texts[after], lex):
            return count  # "ein drittes.", "another battery"
        if lex.lang == "de" and not texts[after][:1].isupper():
            return count  # "eine weitere solle ...": no noun follows
        if lex.ellipsis.get(lowers[after]) == "verb":
            return count  # "a third is due by June"
    return None


def _ellipses(
    doc: Doc,
    segs: list[tuple[int, int]],
    mentions: list[SystemMention],
    triggers: list[_Trigger],
    modals: list[int],
    all_parties: Callable[[], list[_Party]],
    orders: list[WeaponsOrder],
    before_order: WeaponsOrder | None,
    facts: _DocFacts,
    lex: Lexicon,
) -> list[WeaponsOrder]:
    """Follow-ups that count more of the system just named: "..., ein drittes hatte Scholz
    im April zugesagt", "Denmark alone has pledged 19 of the aircraft" (``weapons.ellipsis``).
    ``before_order`` is the last order the sentence before stated, if any: only a deal
    stated by orders has one, so the deal of a sentence without any need not be worked out."""
    found: list[WeaponsOrder] = []
    if not orders and (before_order is None or before_order.buyer is None):
        return found  # no order to follow up: every segment would lack an antecedent
    # only a segment holding a trigger or a modal cue can follow up (most hold neither)
    cued = {_holding(segs, t.start) for t in triggers} | {_holding(segs, c) for c in modals}
    for seg in [seg for k, seg in enumerate(segs) if k in cued]:
        if any(seg[0] <= m.start < seg[1] for m in mentions):
            continue
        seg_triggers = [t for t in triggers if seg[0] <= t.start < seg[1]]
        seg_modals = [c for c in modals if seg[0] <= c < seg[1]]
        if not seg_triggers and not seg_modals:
            continue
        before = [o for o in orders if o.evidence.start < seg[0]]
        antecedent = before[-1] if before else before_order
        if antecedent is None or antecedent.buyer is None:
            continue
        count = _ellipsis_count(doc, seg, facts, lex)  # seldom one: asked before _blocked
        if count is None or _blocked(doc, seg[0], seg[1], lex):
            continue
        trigger = seg_triggers[0] if seg_triggers else None
        status = OrderStatus.PLANNED if seg_modals else (trigger.status if trigger else antecedent.status)
        seller, inferred = antecedent.seller, antecedent.seller_inferred
        actor = trigger.actor if trigger is not None else "seller"  # "zugesagt", "pledged"
        parties = all_parties()
        bare = [p for p in parties if seg[0] <= p.start < seg[1] and p.prep is None and p.kind != "maker"]
        buyer = antecedent.buyer
        if actor == "seller" and bare and bare[0].code != antecedent.buyer:
            seller, inferred = bare[0].code, False  # "Denmark alone has pledged 19"
        elif actor == "buyer":
            # "Estonia, which already uses the system, ordered 12 more": the sentence's subject buys
            subject = bare or [p for p in parties if p.start < seg[0] and p.prep is None and not p.origin]
            if subject and subject[0].kind != "maker" and subject[0].code not in ORG_CODES:
                buyer = subject[0].code
        found.append(
            antecedent.model_copy(
                update={
                    "buyer": buyer,
                    "seller": seller,
                    "seller_inferred": inferred,
                    "quantity": count,
                    "status": status,
                    "rule": "weapons.ellipsis" + ("+maker" if inferred else ""),
                    "evidence": evidence(doc, *_trim(doc_text(doc), seg)),
                }
            )
        )
    return found


def _relative_antecedent(
    text: str, segs: list[tuple[int, int]], seg_t: int, parties: list[_Party], lex: Lexicon
) -> _Party | None:
    """The country a relative clause hangs on: "Saudi Arabia, which ordered ..." -> SA."""
    if seg_t == 0 or _opens(text, segs[seg_t], lex) != "rel":
        return None
    prev_end = segs[seg_t - 1][1]
    return next((p for p in parties if p.kind != "maker" and 0 <= prev_end - p.end <= 1), None)


def _status(
    doc: Doc, trigger: _Trigger, modals: list[int], segs: list[tuple[int, int]], lex: Lexicon
) -> OrderStatus:
    """The trigger's status, or ``planned`` when a modal cue stands in its clause. A
    trigger in a relative clause keeps its own tense against a modal of the main clause
    after it ("the 40 interceptors that Warsaw ordered last year will arrive")."""
    seg_t = _segment_of(segs, trigger.start)
    modal_lo = segs[max(0, seg_t - 1)][0] if _infinitive(doc, trigger) else segs[seg_t][0]
    modal_hi = segs[seg_t][1]
    table = token_table(doc)
    opener = range(max(0, trigger.token - _REL_REACH), trigger.token)
    if any(lex.clause_words.get(table.lowers[i]) == "rel" and table.idxs[i] > segs[seg_t][0] for i in opener):
        modal_hi = min(modal_hi, trigger.end)
    if trigger.status is not OrderStatus.FINANCED and any(modal_lo <= c < modal_hi for c in modals):
        return OrderStatus.PLANNED  # financing is the commitment itself: "Britain would finance"
    return trigger.status


def _sentence_deal(
    doc: Doc,
    start: int,
    triggers: list[_Trigger],
    modals: list[int],
    segs: list[tuple[int, int]],
    parties: list[_Party],
    lex: Lexicon,
) -> _Deal | None:
    """The transaction a sentence states even without a system ("Die US-Regierung hat
    Waffenverkäufe an Taiwan genehmigt"), for the sentences after it."""
    if not triggers:
        return None
    trigger = min(triggers, key=lambda t: (t.actor == "approver", _PRIORITY[t.status], t.start))
    if trigger.actor == "approver":
        trigger = _Trigger(trigger.token, trigger.start, trigger.end, trigger.status, "seller")
    seg_t = segs[_segment_of(segs, trigger.start)]
    if _blocked(doc, seg_t[0], seg_t[1], lex):
        return None
    in_clause = [p for p in parties if seg_t[0] <= p.start < seg_t[1]]
    roles = _assign(doc, in_clause, [], trigger, lex, _passive(doc, *seg_t), start)
    if roles.buyer is None:
        return None
    return _Deal(_status(doc, trigger, modals, segs, lex), roles.buyer, roles.seller)


def _commissioned(trigger: _Trigger, triggers: list[_Trigger], segs: list[tuple[int, int]]) -> bool:
    """Does an order word stand before a delivery infinitive ("a contract to supply",
    "den Auftrag, ... zu liefern")? Then the delivery is what was ordered."""
    seg_t = _segment_of(segs, trigger.start)
    return any(
        t.status is OrderStatus.ORDERED
        and t.start < trigger.start
        and _segment_of(segs, t.start) >= seg_t - 1
        for t in triggers
    )


def _infinitive(doc: Doc, trigger: _Trigger) -> bool:
    """ "..., 35 F-35 zu kaufen" / "to buy": the modal cue may stand in the clause before."""
    i = trigger.token
    return i > 0 and token_table(doc).lowers[i - 1] in {"zu", "to"}


#: Statuses that, with a count, are facts of their own: an order and, later, its delivery.
_STAGES = (OrderStatus.ORDERED, OrderStatus.DELIVERED)


def dedupe(orders: list[WeaponsOrder]) -> list[WeaponsOrder]:
    """One record per (buyer, seller, system, quantity); a repeat without a count is
    dropped when the same deal with the same status was stated with one. Of two records
    with one key, one that names its seller beats one whose seller was inferred ("in
    Dienst gestellt" early on, "bei Israel bestellt" later: the order is the stated fact).
    An order and a delivery of the same count are two facts ("bestellte 180 K2 ... 180
    der bestellten Panzer sind ausgeliefert")."""
    seen: dict[tuple[str | None, str | None, str | None, int | None], list[int]] = {}
    counted = {(o.buyer, o.seller, o.system, o.status) for o in orders if o.quantity is not None}
    kept: list[WeaponsOrder] = []

    def stage(order: WeaponsOrder) -> OrderStatus | None:
        return order.status if order.quantity is not None and order.status in _STAGES else None

    for order in orders:
        key = (order.buyer, order.seller, order.system, order.quantity)
        if key in seen:
            same = [i for i in seen[key] if stage(kept[i]) is None or stage(kept[i]) == stage(order)]
            if same or stage(order) is None:
                first = (same or seen[key])[0]
                if kept[first].seller_inferred and not order.seller_inferred:
                    kept[first] = order
                continue
        elif order.quantity is None and (*key[:3], order.status) in counted:
            continue
        seen.setdefault(key, []).append(len(kept))
        kept.append(order)
    return kept


def find_orders(doc: Doc) -> list[WeaponsOrder]:
    """Weapons orders stated in a processed Doc (the numbers stage must have run)."""
    lex = lexicon(doc.lang_)
    hits = [m.span() for m in lex.aliases.finditer(doc_text(doc))]
    if not hits:
        return []  # no system named: no order, and nothing for an anaphor to point back to
    orders: list[WeaponsOrder] = []
    previous: _LazyDeal | None = None  # the deal of the sentence before: a deal reaches one sentence
    history: list[tuple[int, int, System]] = []
    facts: _DocFacts | None = None
    has_boilerplate = bool(boilerplate(doc))
    # Orders come from a sentence that names a system, from the anaphors of the few after
    # it and from follow-ups of an order; a deal reaches the very next sentence only. So
    # the other sentences (most) cannot matter, and are not looked at; those before the
    # first name and after the last follow-up are not even cut (see _spans_to_read).
    spans, more, may_name = _spans_to_read(doc, hits)
    near = {k for i in may_name for k in range(i - 1, i + _ANAPHOR_REACH + 1)}
    for index in itertools.count():
        if index == len(spans):  # past every sentence near a name: only a follow-up goes on
            span = next(more, None) if previous is not None and previous.order is not None else None
            if span is None:
                break
            spans.append(span)
        start, end = spans[index]
        if index not in near and (previous is None or previous.order is None):
            previous = None
            continue
        if has_boilerplate and in_boilerplate(doc, start, end):
            previous = None
            continue
        if facts is None:
            countries = doc_countries(doc)
            numbers = _numbers(extension(doc, "numbers"), extension(doc, "dates"))
            by_start = sorted(numbers, key=_START)
            facts = _DocFacts(
                numbers,
                by_start,
                [n.start for n in by_start],
                countries,
                [c.start for c in countries],
                has_boilerplate,
                doc_id(doc),
                _as_of(extension(doc, "published")),
            )
        found, previous = _extract_sentence(
            doc, start, end, lex, facts, previous, index, history, index in may_name
        )
        orders.extend(found)
    return dedupe(orders)


@dataclass(frozen=True)
class _DocFacts:
    """What other stages found in the Doc, read once per Doc that has a candidate sentence."""

    numbers: list[NumberMention]  # outside dates
    by_start: list[NumberMention]  # the same by start
    number_starts: list[int]  # their starts
    countries: list[CountryMention]  # in text order
    country_starts: list[int]
    boilerplate: bool  # does the Doc have any
    doc_id: str
    as_of: date | None  # the Doc's publication date


def _numbers(mentions: list[Any] | None, date_mentions: list[Any] | None) -> list[NumberMention]:
    """The numbers stage's ``mentions`` (``doc._.numbers``) that are no part of one of the
    dates stage's ``date_mentions`` (``doc._.dates``)."""
    numbers = [n for n in (mentions or []) if isinstance(n, NumberMention)]
    dates = sorted((d.start, d.end) for d in (date_mentions or []) if hasattr(d, "start"))
    if not dates:
        return numbers
    starts = [a for a, _ in dates]
    reach = list(itertools.accumulate((b for _, b in dates), max))  # the furthest end so far
    kept = []
    for n in numbers:
        k = bisect_left(starts, n.end)  # dates [0, k) start before the number ends
        if not (k and reach[k - 1] > n.start):
            kept.append(n)
    return kept


_START = operator.attrgetter("start")


def _spans_to_read(
    doc: Doc, hits: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], Iterator[tuple[int, int]], set[int]]:
    """The :func:`sentence_spans` :func:`find_orders` reads for the alias ``hits`` (in
    order), from the one before the first span a hit touches to ``_ANAPHOR_REACH`` after
    the last; the spans after those, cut as they are asked for; the indexes of the spans a
    hit touches. The indexes differ from those of :func:`sentence_spans` by a constant, and
    only differences count."""
    sentence = max(0, sentence_index(doc, hits[0][0]) - 1)
    while True:
        more = _spans_from(doc, sentence)
        spans: list[tuple[int, int]] = []
        for span in more:
            spans.append(span)
            if span[0] >= hits[-1][1]:
                break  # no span from here on shares a character with a hit
        touched = _touched(spans, hits)
        if sentence == 0 or 0 not in touched:
            break
        sentence = 0  # the sentence before the first hit's is empty: the span before is further back
    if touched:
        spans.extend(itertools.islice(more, max(0, max(touched) + _ANAPHOR_REACH + 1 - len(spans))))
    return spans, more, touched


def _touched(spans: list[tuple[int, int]], hits: list[tuple[int, int]]) -> set[int]:
    """Indexes of the ``spans`` (in order, not overlapping) that share a character with
    one of the ``hits``."""
    ends = [end for _, end in spans]
    touched: set[int] = set()
    for start, end in hits:
        k = bisect_right(ends, start)  # the first span ending after the hit starts
        while k < len(spans) and spans[k][0] < end:
            touched.add(k)
            k += 1
    return touched


class WeaponsStage(BatchedStage):
    def __init__(self, lang: str) -> None:
        self.lang = lang
        lexicon(lang)  # compile the patterns once, at pipeline build time

    def __call__(self, doc: Doc) -> Doc:
        doc._.weapons_orders = find_orders(doc)
        return doc


@Language.factory("weapons")
def make_weapons(nlp: Language, name: str) -> WeaponsStage:
    return WeaponsStage(str(nlp.lang))
