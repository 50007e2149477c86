"""Stage 'troops': stated counts of stationed or deployed military personnel.

A count is a number the numbers stage found, followed by a personnel noun
("mehr als 50.000 Soldaten", "55.000 US-Militärpersonal", "28,500 US troops") or
preceded by a strength noun ("Truppenstärke von 10.000"). Then, inside the clause:

- force: the compound prefix or adjective on the noun ("US-Soldaten", "amerikanische
  Soldaten", "Bundeswehrsoldaten"), a genitive/origin after it ("Soldaten der USA"),
  else the closest country before the number that no preposition governs ("Die USA
  haben ...", "Deutschland will ..."), else one after it ("... will Deutschland").
- host: a country or place governed by a location preposition after the noun ("in
  Japan", "in ganz Japan", "nach Litauen", "auf Okinawa"), else before the number;
  with a hosting verb ("Südkorea beherbergt ...") the subject is the host.
- modality from cue words (``<lang>/modality.tsv``), ``as_of`` from a calendar date in
  the clause, else the publication date.

Casualties, trainees, refugees and the like are left out (``<lang>/troop_exclusions.tsv``).
Vocabulary: ``<lang>/troop_nouns.tsv``, ``<lang>/troop_roles.tsv``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from .countries import CountryMention
from .facts import (
    CountryIndex,
    PatternRows,
    actor_before,
    calendar_date,
    clause_end,
    compound_country,
    cues,
    fact_evidence,
    folded,
    in_date,
    is_currency,
    is_source,
    located,
    main_country,
    numbers_in,
    opening_guard,
    owner_after,
    people_in,
    prepare,
    published_date,
    segment,
    sentences,
    to_date,
    words,
)
from .lexicon import lang_file, load_tsv
from .nlp import BatchedStage, doc_id, doc_text
from .records import Modality, NumberMention, TroopCount

#: Smallest count read as a troop count ("ein Soldat" is a person, not a force).
MIN_COUNT = 2
#: Most words between number and personnel noun ("28,500 American combat troops").
MAX_GAP_WORDS = 3
#: Most words between a strength noun and its number ("Zahl der US-Soldaten in Europa ist auf 100.000").
MAX_GAP_BEFORE = 5
#: How many sentences back a count without its own force/host inherits them.
INHERIT_SENTENCES = 3
#: How far after the noun "after" exclusions are looked for (characters).
AFTER_WINDOW = 60
#: Kinds of mention that can be a subject standing after the count ("... will Deutschland").
_SUBJECT_KINDS = frozenset({"name", "capital", "org"})
_GAP_BAD = re.compile(r"[\d,;:()!?\"„“”]")


@dataclass(frozen=True, slots=True)
class _Noun:
    start: int  # start of the whole word, compound prefix included
    end: int
    head: int  # start of the personnel noun proper


def _noun_rows(rows: list[dict[str, str]]) -> PatternRows:
    """The nouns of ``rows`` as one alternation, each row's pattern in its own group. A
    compound row's prefix grows through every letter of a word; a look-ahead of the row's
    opening letters (:func:`~pipeline.facts.opening_guard`) rejects most of them at once."""

    def build(kept: tuple[int, ...]) -> re.Pattern[str]:
        parts: list[str] = []
        for i in kept:
            pattern = rows[i]["pattern"]
            prefix = r"[\w.-]*?" + opening_guard([pattern]) if rows[i]["compound"] == "yes" else ""
            parts.append(f"{prefix}(?P<h{i}>(?:{pattern}))")
        return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)

    return PatternRows([row["pattern"] for row in rows], build)


def _nouns(rows: PatternRows, text: str, start: int, end: int, lowered: str | None) -> list[_Noun]:
    """The nouns of ``rows`` in ``text[start:end]``, whose :func:`~pipeline.facts.folded` form
    is ``lowered`` (computed once for both noun lists)."""
    regex = rows.regex_in(lowered)
    if regex is None:
        return []
    found: list[_Noun] = []
    for m in regex.finditer(text, start, end):
        # each row's group wraps its whole pattern, so it is the match's lastgroup
        found.append(_Noun(m.start(), m.end(), m.start(m.lastgroup or 0)))
    return found


class TroopsStage(BatchedStage):
    def __init__(self, lang: str) -> None:
        self.lang = "de" if lang.startswith("de") else "en"
        prepare(self.lang)
        rows = list(load_tsv(lang_file(self.lang, "troop_nouns.tsv")))
        self.after = _noun_rows([r for r in rows if r["position"] == "after"])
        self.before = _noun_rows([r for r in rows if r["position"] == "before"])
        self.exclusions = cues(self.lang, "troop_exclusions.tsv", "scope", "scope")
        self.modality = cues(self.lang, "modality.tsv", "troops", "scope")
        self.host_preps = words(self.lang, "troop_roles.tsv", "host")
        self.force_links = words(self.lang, "troop_roles.tsv", "force")
        self.host_verbs = words(self.lang, "troop_roles.tsv", "host_verb")
        self.home_words = words(self.lang, "troop_roles.tsv", "home")
        phrases = sorted(words(self.lang, "troop_roles.tsv", "host_anaphor"))
        alternation = "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases)
        self.host_anaphor = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE) if phrases else None
        self._doc_mentions: list[CountryMention] = []

    def __call__(self, doc: Doc) -> Doc:
        doc._.troops = self.extract(doc)
        return doc

    # ---- anchors -----------------------------------------------------------------------

    def _countable(self, num: NumberMention) -> bool:
        unit = num.unit
        if unit is not None and (unit == "percent" or is_currency(unit)):
            return False  # a percentage or money
        return num.value >= MIN_COUNT and float(num.value).is_integer()

    def _gap_ok(self, text: str, gap_start: int, gap_end: int, mentions: list[CountryMention]) -> bool:
        """Words between number and noun: few, no digits or punctuation, no casualty words;
        in German a capitalised word there must be a country ("50.000 US Soldaten" aside)."""
        gap = text[gap_start:gap_end]
        if len(gap) > 60 or _GAP_BAD.search(gap) or len(gap.split()) > MAX_GAP_WORDS:
            return False
        if self.exclusions.labels(gap, "gap"):
            return False
        if self.lang == "de":
            offset = gap_start
            for word in gap.split():
                at = text.index(word, offset)
                offset = at + len(word)
                if word[:1].isupper() and not any(m.start <= at < m.end for m in mentions):
                    return False
        return True

    def _anchor(
        self,
        text: str,
        num: NumberMention,
        after: list[_Noun],
        before: list[_Noun],
        mentions: list[CountryMention],
    ) -> _Noun | None:
        for noun in after:
            if noun.start >= num.end:
                return noun if self._gap_ok(text, num.end, noun.start, mentions) else None
        for noun in reversed(before):
            if noun.end <= num.start:
                gap = text[noun.end : num.start]
                if len(gap.split()) <= MAX_GAP_BEFORE and not _GAP_BAD.search(gap):
                    return noun
                return None
        return None

    def _excluded(self, text: str, num: NumberMention, noun: _Noun, seg_start: int, ev_end: int) -> bool:
        after_end = min(ev_end, noun.end + AFTER_WINDOW)
        if self.exclusions.labels(text[noun.end : after_end], "after"):
            return True
        return bool(self.exclusions.labels(text[seg_start:ev_end], "clause"))

    # ---- roles -------------------------------------------------------------------------

    def _force(
        self, text: str, num: NumberMention, noun: _Noun, mentions: list[CountryMention], clause_end: int
    ) -> CountryMention | None:
        if noun.head > noun.start and (m := compound_country(mentions, noun.start)):
            return m
        lo, hi = (num.end, noun.start) if noun.start >= num.end else (noun.start, num.start)
        # between number and noun ("28,500 US troops") or inside the noun phrase
        # ("Angehörige des US-Militärs")
        inside = [
            m
            for m in mentions
            if m.kind != "anaphor" and ((m.start >= lo and m.end <= hi) or (noun.head <= m.start < noun.end))
        ]
        if inside:
            return inside[-1]
        tail = max(noun.end, num.end)
        if m := owner_after(text, mentions, tail, self.force_links):
            return m
        first = min(num.start, noun.start)
        if m := actor_before(mentions, first):
            return m
        later = [
            m
            for m in mentions
            if m.start >= tail and m.end <= clause_end and m.preposition is None and m.kind in _SUBJECT_KINDS
        ]
        return later[0] if later else None

    def _host(
        self,
        text: str,
        num: NumberMention,
        noun: _Noun,
        mentions: list[CountryMention],
        force: CountryMention,
        seg_start: int,
        ev_end: int,
    ) -> str | None:
        tail = max(noun.end, num.end)
        after = [m for m in located(mentions, tail, ev_end, self.host_preps, text) if m is not force]
        first = min(num.start, noun.start)
        before = [m for m in located(mentions, seg_start, first, self.host_preps, text) if m is not force]
        for m in [*after, *reversed(before)]:
            if m.kind != "anaphor" or m.code != force.code:
                return m.code
            # "Berlin plans to station 5,000 troops in the country": the country is
            # not Berlin's own but the last other one named before.
            return self._other_country(m.start, force.code)
        for m in mentions:  # "Südkorea beherbergt ...", "Germany hosts ..."
            following = [w.lower() for w in text[m.end : first].split()[:3]]
            if m.end <= first and m.preposition is None and any(w in self.host_verbs for w in following):
                return m.code if m.code != force.code else None
        return None

    def _other_country(self, char: int, code: str) -> str | None:
        for m in reversed(self._doc_mentions):
            if (
                m.end <= char
                and m.kind != "anaphor"
                and m.code != code
                and m.code not in ("NATO", "EU", "UN")
            ):
                return m.code
        return None

    def _refers_to_host(self, text: str, seg_start: int, ev_end: int) -> bool:
        """Does the clause name the host by reference ("im Land", "in the country")?"""
        return bool(self.host_anaphor and self.host_anaphor.search(text, seg_start, ev_end))

    def _home(self, text: str, seg_start: int, ev_end: int) -> bool:
        """Does the clause speak of a state's own army ("die Armee zählt ...")?"""
        return any(w.strip(".,;:'’") in self.home_words for w in text[seg_start:ev_end].lower().split())

    def _host_without_force(
        self,
        text: str,
        mentions: list[CountryMention],
        num: NumberMention,
        noun: _Noun,
        seg_start: int,
        ev_end: int,
    ) -> str | None:
        tail = max(noun.end, num.end)
        first = min(num.start, noun.start)
        after = located(mentions, tail, ev_end, self.host_preps, text)
        before = located(mentions, seg_start, first, self.host_preps, text)
        found = [*after, *reversed(before)]
        return found[0].code if found else None

    def _fallback_force(
        self,
        doc: Doc,
        num: NumberMention,
        seg_start: int,
        host: str | None,
        recent: tuple[int, str, str | None] | None,
    ) -> str | None:
        """Force when the clause names no country: a known office holder before the number
        ("hat Machthaber Kim Jong Un rund 11.000 Soldaten ... geschickt"), the force of the
        count just before ("der Verband"), else the state the article is about."""
        people = [p for p in people_in(doc, seg_start, num.start) if p.code != host]
        if people:
            return people[-1].code
        if recent is not None and recent[1] != host:
            return recent[1]
        if host is None:
            return None  # "35.000 Soldaten aus 30 Ländern": nobody in particular
        return main_country(doc, exclude=(host,))

    def _modality(self, clause: str, as_of: date | None, published: date | None) -> Modality:
        labels = self.modality.labels(clause)
        for label in (Modality.PROPOSED, Modality.PLANNED):
            if label.value in labels:
                return label
        if as_of is not None and published is not None and as_of.year > published.year:
            return Modality.PLANNED  # "bis 2027 ... 4800 Soldaten": not there yet
        return Modality.ACTUAL

    # ---- extraction --------------------------------------------------------------------

    def _counts(self, doc: Doc, text: str, spans: list[tuple[int, int]]) -> dict[int, list[NumberMention]]:
        """Sentences (by index) with numbers that may be a troop count, and those numbers:
        one pass over the Doc's numbers, so that sentences without any are never searched
        for personnel nouns."""
        starts = [start for start, _ in spans]
        found: dict[int, list[NumberMention]] = {}
        for num in numbers_in(doc, 0, len(text)):
            if not self._countable(num) or in_date(doc, num.start, num.end):
                continue
            k = bisect.bisect_right(starts, num.start) - 1
            if k >= 0 and num.end <= spans[k][1]:
                found.setdefault(k, []).append(num)
        return found

    def extract(self, doc: Doc) -> list[TroopCount]:
        text = doc_text(doc)
        spans = sentences(doc)
        counts = self._counts(doc, text, spans)
        published = published_date(doc)
        records: list[TroopCount] = []
        seen: set[tuple[str, str | None, int]] = set()
        last: tuple[int, str, str | None] | None = None  # (sentence, force, host) of the last count
        countries: CountryIndex | None = None
        for number, nums in sorted(counts.items()):
            s_start, s_end = spans[number]
            lowered = folded(text[s_start:s_end])
            after = _nouns(self.after, text, s_start, s_end, lowered)
            before: list[_Noun] = []
            if not after or max(num.end for num in nums) > after[-1].start:
                # a strength noun before a number counts only where no personnel noun follows it
                before = _nouns(self.before, text, s_start, s_end, lowered)
            if not after and not before:
                continue
            if countries is None:
                countries = CountryIndex(doc)
                self._doc_mentions = countries.mentions
            for num in nums:
                seg_start, seg_end = segment(text, s_start, s_end, num.start)
                mentions = countries.within(seg_start, seg_end)
                noun = self._anchor(text, num, after, before, mentions)
                if noun is None or noun.start < seg_start or noun.end > seg_end:
                    continue
                fact_end = max(num.end, noun.end)
                ev_end = clause_end(text, fact_end, seg_end)
                if self._excluded(text, num, noun, seg_start, ev_end):
                    continue
                actors = [m for m in mentions if not is_source(doc, m, seg_start)]
                force = self._force(text, num, noun, actors, ev_end)
                recent = last if last is not None and number - last[0] <= INHERIT_SENTENCES else None
                force_code: str | None
                if force is not None:
                    force_code = force.code
                    host = self._host(text, num, noun, mentions, force, seg_start, ev_end)
                else:
                    host = self._host_without_force(text, mentions, num, noun, seg_start, ev_end)
                    force_code = self._fallback_force(doc, num, seg_start, host, recent)
                    if force_code is None:
                        continue
                if host is None and recent is not None and recent[1] == force_code and not mentions:
                    host = recent[2]  # "Der Verband soll auf 4800 Soldaten anwachsen"
                if host is None and self._refers_to_host(text, seg_start, ev_end):
                    host = self._other_country(num.start, force_code)  # "bleiben im Land"
                if host is None and self._home(text, seg_start, ev_end):
                    host = force_code  # "die Armee zählt rund 23.000 Soldaten"
                if host is not None:
                    host_mention = [m for m in mentions if m.code == host and m.start >= fact_end]
                    if host_mention:
                        fact_end = max(fact_end, min(host_mention[0].end, seg_end))
                last = (number, force_code, host)
                key = (force_code, host, int(num.value))  # the headline repeats the body's count
                if key in seen:
                    continue
                seen.add(key)
                ev = fact_evidence(doc, seg_start, fact_end, seg_end)
                dated = calendar_date(doc, seg_start, ev.end, num.start)
                as_of = to_date(dated.value) if dated is not None else published
                records.append(
                    TroopCount(
                        doc_id=doc_id(doc),
                        force=force_code,
                        host=host,
                        count=int(num.value),
                        qualifier=num.qualifier,
                        low=_int(num.low),
                        high=_int(num.high),
                        as_of=as_of,
                        modality=self._modality(text[seg_start : ev.end], as_of, published),
                        rule=f"troops.{'noun_after' if noun.start >= num.end else 'noun_before'}",
                        evidence=ev,
                    )
                )
        return records


def _int(value: int | float | None) -> int | None:
    return None if value is None else int(value)


@Language.factory("troops")
def make_troops(nlp: Language, name: str) -> TroopsStage:
    return TroopsStage(nlp.lang or "en")
