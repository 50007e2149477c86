"""Stage 'budgets': defence budget and spending figures.

A figure is a number the numbers stage found that is either

- a currency amount (unit an ISO 4217 code, at least a million) in a sentence that
  names a defence budget, spending, special fund, procurement or military aid
  ("Sondervermögen von 100 Milliarden Euro", "a record $886 billion defense budget"), or
- a percentage of GDP ("zwei Prozent des Bruttoinlandsprodukts", "2% of GDP") in such
  a sentence, or a NATO-style goal that implies GDP ("Zwei-Prozent-Ziel", "NATO's 2
  percent target"). Growth rates, polls and other percentages are not budgets.

Inside the clause: country (the term's compound or adjective, "US-Verteidigungshaushalt",
"Japans Verteidigungshaushalt"; a genitive after it; else the closest ungoverned
country before the number; else the last subject before the sentence), measure (from
the nearest term), status (cues in ``<lang>/modality.tsv``: actual-cue > target next
to the number > proposed > target > planned > actual), year (a year the clause gives,
not "seit 2014"), change ("verdoppelte" -> doubled). Vocabulary:
``<lang>/budget_terms.tsv``, ``<lang>/budget_gdp.tsv``, ``<lang>/budget_changes.tsv``.

Documented decisions for unseen articles:

- Own currency: a state's budget written in a bare shared word ("Dollar", "dollars",
  "Kronen", "kroner") is in that state's currency when it uses one of that name ("Kanada
  ... 38,6 Milliarden Dollar" -> CAD, "Norwegen ... Kronen" -> NOK); symbols and explicit
  forms ("$", "US-Dollar", "C$", "schwedische Kronen") keep their code
  (``currency_local.tsv``).
- GDP topic: a bare percentage continues an established share of GDP for at most
  ``SHARE_SENTENCES`` sentences, never as a rate ("um 5 Prozent"), a share of something
  else or next to polls/inflation (``<lang>/budget_percent_topics.tsv``).
- Country: a state asked to pay ("Washington fordert von Canberra 3,5 Prozent") is the
  spender, status proposed (``<lang>/budget_demands.tsv``); military aid belongs to the
  donor, never to a receiver ("stellt der Ukraine ... in Aussicht", "promised Ukraine
  military aid": ``<lang>/budget_aid_recipients.tsv``); alliance-wide goals have none.
- Measure: a budget or spending amount spread over years ("über zwei Jahrzehnte", "over
  the next decade": ``<lang>/budget_spans.tsv``) is a multi-year plan.
- Year: a fiscal year named by its first month ("beginning next April") is that month's
  next occurrence after publication (``<lang>/budget_fiscal_start.tsv``); "two years
  earlier" counts back from publication (``<lang>/budget_years_back.tsv``).
- Not defence: the whole state budget, economic output, deficits and debt right before a
  figure, with no defence term in between (``<lang>/budget_not_defence.tsv``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from spacy.language import Language
from spacy.tokens import Doc

from .countries import ORG_CODES, CountryMention
from .facts import (
    CountryIndex,
    Gated,
    PatternRows,
    actor_before,
    calendar_date,
    clause_end,
    compound_country,
    cues,
    fact_evidence,
    folded,
    is_currency,
    is_source,
    is_state,
    main_country,
    numbers_in,
    opening_guard,
    owner_after,
    people_in,
    prepare,
    published_date,
    segment,
    sentences,
)
from .lexicon import lang_file, load_tsv
from .nlp import BatchedStage, doc_id, doc_text
from .records import BudgetFigure, BudgetMeasure, BudgetStatus, DateMention, NumberMention

#: Smallest currency amount read as a budget figure (full units).
MIN_AMOUNT = 1_000_000
#: Characters looked at before/after a number for GDP phrases and local cues.
WINDOW = 60
#: A percentage right after "um"/"by" is a change rate, not a share of GDP. (The look-aheads
#: of first letters here and below reject most places with one class test.)
_RATE = re.compile(r"(?=[ubd])(?<!\w)(?:um|by|up|down)\s+$", re.IGNORECASE)
#: The old value of a "von X auf Y" / "from X to Y" change.
_FROM = re.compile(r"(?=[vf])(?<!\w)(?:von|from)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)
_POSSESSIVE_GAP = re.compile(r"^(?:['’]s)?\s*$")
_NATO = Gated(re.compile(r"(?<!\w)(?:nato|otan)", re.IGNORECASE))
_GDP_WORD = Gated(
    re.compile(r"(?<!\w)(?:bip|gdp|bruttoinlandsprodukt\w*|wirtschaftsleistung|gross domestic product)", re.I)
)
_OWNER_LINKS = frozenset({"der", "des", "of", "the"})
_STATUS_ORDER = ("proposed", "draft", "target", "intent", "planned")
#: Words after "für"/"for" that name whose budget it is ("Sondervermögen für die Bundeswehr").
_BY = re.compile(r"(?<!\w)(?:by|bis)\b", re.IGNORECASE)
#: A comma or semicolon ending a clause (``(?<!-)[,;]\s``; the look-behind after the mark, so
#: that ``re`` scans for the marks instead of trying the look-behind at every character).
_CLAUSE_BREAK = re.compile(r"[,;](?<!-[,;])\s")
_RECIPIENT = re.compile(r"^(?:to|an|für|for|into|nach)\b")
_SHARE_OF = re.compile(
    r"\s*(?:prozent|percent|per\s+cent|%)?\s*(?:of|des|der|ihres|seines|ihrer|seiner)\s", re.I
)
_DONOR = re.compile(r"^(?:aus|von|vom|from|by)\b")
_FOR_LINKS = frozenset({"für", "for", "die", "das"})
#: NATO only names the goal here ("Nato-Ziel", "Nato-Quote", "NATO's 2% target").
_GOAL = re.compile(r"(?:ziel|quote|vorgabe|marke|target|goal|benchmark|guideline)", re.IGNORECASE)
#: Kinds of mention that can be a subject standing after the figure.
_SUBJECT_KINDS = frozenset({"name", "capital", "org"})
#: Sentences back a figure without its own country looks for the last figure's country.
INHERIT_SENTENCES = 3
#: Sentences after a share of GDP in which a bare percentage continues the comparison.
SHARE_SENTENCES = 2


@dataclass(frozen=True, slots=True)
class _Term:
    start: int  # start of the whole word, compound prefix included
    end: int
    head: int
    measure: BudgetMeasure
    generic: bool = False  # "für die Verteidigung": yields to a named budget noun
    estimate: bool = False  # a cost estimate over years: planned spending


class BudgetsStage(BatchedStage):
    def __init__(self, lang: str) -> None:
        self.lang = "de" if lang.startswith("de") else "en"
        prepare(self.lang)
        rows = load_tsv(lang_file(self.lang, "budget_terms.tsv"))
        self.measures = [BudgetMeasure(r["measure"]) for r in rows]
        self.generic = [r["generic"] == "yes" for r in rows]
        patterns = [r["pattern"] for r in rows]
        #: German terms may close a compound ("US-Verteidigungsetat"): see ``_terms``
        self.compounds = self.lang == "de"
        at_word = "" if self.compounds else r"(?<![\w-])"

        def term_regex(kept: tuple[int, ...]) -> re.Pattern[str]:
            """The kept rows as one alternation, row ``i`` in group ``t<i>``, led by a look-ahead of
            their opening letters (:func:`~pipeline.facts.opening_guard`: most places open no
            row); in English at a word start, in German anywhere (``_terms`` finds the word)."""
            rows = "|".join(f"(?P<t{i}>{patterns[i]})" for i in kept)
            guard = opening_guard(patterns[i] for i in kept)
            return re.compile(rf"{at_word}{guard}(?:{rows})(?!\w)", re.IGNORECASE)

        self.term_rows = PatternRows(patterns, term_regex)
        gdp = load_tsv(lang_file(self.lang, "budget_gdp.tsv"))
        self.gdp: dict[str, list[re.Pattern[str]]] = {}
        for row in gdp:
            self.gdp.setdefault(row["side"], []).append(re.compile(row["pattern"], re.IGNORECASE))
        self.status = cues(self.lang, "modality.tsv", "budgets", "scope")
        self.changes = cues(self.lang, "budget_changes.tsv", "change")
        anaphors = [re.escape(r["word"]) for r in load_tsv(lang_file(self.lang, "budget_anaphors.tsv"))]
        self.anaphors = Gated(_word_start(anaphors, r"(?<!\w)", r"(?!\w)"))
        topics = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_percent_topics.tsv"))]
        self.percent_topics = Gated(re.compile(rf"(?<![\w-])(?:{'|'.join(topics)})", re.IGNORECASE))
        corporate = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_exclusions.tsv"))]
        self.corporate = re.compile(rf"(?<![\w-])(?:{'|'.join(corporate)})(?!\w)", re.IGNORECASE)
        alliance = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_alliance.tsv"))]
        self.alliance = Gated(_word_start(alliance, r"(?<![\w-])", r"(?!\w)"))
        self.not_defence: dict[str, re.Pattern[str]] = {}
        rows = load_tsv(lang_file(self.lang, "budget_not_defence.tsv"))
        for applies in ("amount", "both"):
            words = [r["pattern"] for r in rows if applies == "amount" or r["applies"] == "both"]
            self.not_defence[applies] = re.compile(rf"(?<![\w-])(?:{'|'.join(words)})(?!\w)", re.IGNORECASE)
        self.years_back = [
            re.compile(rf"{opening_guard([r['pattern']])}(?<![\w-]){r['pattern']}", re.IGNORECASE)
            for r in load_tsv(lang_file(self.lang, "budget_years_back.tsv"))
        ]
        recipients = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_aid_recipients.tsv"))]
        self.recipients = re.compile(rf"(?:{'|'.join(recipients)})", re.IGNORECASE)
        spans = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_spans.tsv"))]
        self.spans = _word_start(spans, r"(?<![\w-])")
        span_terms = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_span_terms.tsv"))]
        self.span_terms = re.compile(rf"(?<![\w-])(?:{'|'.join(span_terms)})", re.IGNORECASE)
        demands = [r["pattern"] for r in load_tsv(lang_file(self.lang, "budget_demands.tsv"))]
        self.demands = _word_start(demands, r"(?<![\w-])")
        self.fiscal_start = [
            re.compile(r["pattern"], re.IGNORECASE)
            for r in load_tsv(lang_file(self.lang, "budget_fiscal_start.tsv"))
        ]
        self.months = {
            r["form"].lower(): int(r["month"])
            for r in load_tsv(lang_file(self.lang, "dates_months.tsv"))
            if r["type"] == "full"
        }
        self.local_currency: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in load_tsv("currency_local.tsv"):
            self.local_currency.setdefault((r["default"], r["country"]), []).append(
                (r["form"].lower(), r["code"])
            )
        self.scale_words = {
            w.lower() for r in load_tsv(lang_file(self.lang, "numbers_scales.tsv")) for w in r["form"].split()
        }

    def __call__(self, doc: Doc) -> Doc:
        doc._.budgets = self.extract(doc)
        return doc

    # ---- anchors -----------------------------------------------------------------------

    def _terms(self, text: str, start: int, end: int, lowered: str | None) -> list[_Term]:
        """The terms in ``text[start:end]``, in order: one search of the rows whose letters
        occur there (:class:`~pipeline.facts.PatternRows`; most sentences hold none), told by
        ``lowered``, the :func:`~pipeline.facts.folded` form of ``text[start:end]``.

        A German term counts from the start of the compound word it closes
        (:func:`_compound_matches`): per word the term that begins first, then the first row in
        the file.
        """
        regex = self.term_rows.regex_in(lowered)
        if regex is None:
            return []
        if self.compounds:
            matches = _compound_matches(regex, text, start, end)
        else:
            matches = [(m.start(), m) for m in regex.finditer(text, start, end)]
        found: list[_Term] = []
        for word, m in matches:
            group = m.lastgroup or ""  # the row's group wraps its whole pattern: it closes last
            i = int(group[1:])
            found.append(_Term(word, m.end(), m.start(group), self.measures[i], self.generic[i]))
        return found

    def _share_of_gdp(
        self,
        text: str,
        num: NumberMention,
        s_start: int,
        s_end: int,
        has_term: Callable[[], bool],
        lowered: Callable[[], str | None],
    ) -> bool:
        """Is the percentage ``num`` a share of GDP (or a NATO goal that implies one)? Whether the
        sentence names a budget term (``has_term``) is asked last, as finding out costs most;
        ``lowered`` gives the sentence's :func:`~pipeline.facts.folded` form."""
        before = text[max(s_start, num.start - WINDOW) : num.start]
        after = text[num.end : min(s_end, num.end + WINDOW)]
        if _RATE.search(before):
            return False
        word = _word_around(text, num.start, num.end)
        if any(p.search(word) for p in self.gdp.get("compound", ())):
            return True
        sentence = text[s_start:s_end]

        def nato() -> bool:
            return _NATO.search_in(lowered(), sentence) is not None

        def gdp_word() -> bool:
            return _GDP_WORD.search_in(lowered(), sentence) is not None

        # each sentence-wide search runs only when the answer still depends on it
        gdp_named = any(p.search(after) for p in self.gdp.get("gdp_after", ())) or gdp_word()
        if gdp_named and (nato() or has_term()):
            return True  # "zwei Prozent des BIP"; "Gemessen an der Wirtschaftsleistung soll ... 3,5 Prozent"
        goal = any(p.search(after) for p in self.gdp.get("goal_after", ())) or any(
            p.search(before) for p in self.gdp.get("goal_before", ())
        )
        return goal and (nato() or gdp_word() or has_term())

    def _continues_shares(
        self,
        text: str,
        num: NumberMention,
        s_start: int,
        s_end: int,
        number: int,
        last_share: int,
        lowered: Callable[[], str | None],
    ) -> bool:
        """A bare percentage right after a share of GDP continues the comparison ("Estland
        plant mit 5,4 Prozent. Lettland hat sich verpflichtet, bis 2028 fünf Prozent zu
        erreichen."), unless it is a rate ("um 5 Prozent") or about polls, inflation, ..."""
        if number - last_share > SHARE_SENTENCES:
            return False
        if _RATE.search(text[max(s_start, num.start - 8) : num.start]):
            return False
        gdp = any(
            p.search(text[num.end : min(s_end, num.end + WINDOW)]) for p in self.gdp.get("gdp_after", ())
        )
        if not gdp and _SHARE_OF.match(text, num.end, s_end):
            return False  # "0,3 Prozent des Haushalts": a share of something else
        return not self.percent_topics.search_in(lowered(), text, s_start, s_end)

    # ---- roles -------------------------------------------------------------------------

    def _actors(self, doc: Doc, mentions: list[CountryMention], seg_start: int) -> list[CountryMention]:
        """Mentions that may be the spender: not part of a source attribution, and not NATO
        where it only names the goal ("das Nato-Ziel", "NATO's 2% target")."""
        text = doc_text(doc)
        keep: list[CountryMention] = []
        for m in mentions:
            if is_source(doc, m, seg_start):
                continue
            if not is_state(m) and _GOAL.search(m.compound or text[m.end : m.end + 25]):
                continue
            keep.append(m)
        return keep

    def _country(
        self,
        doc: Doc,
        num: NumberMention,
        term: _Term | None,
        mentions: list[CountryMention],
        seg_start: int,
        own_start: int,
        ev_end: int,
        recent: str | None,
    ) -> str | None:
        code = self._spender(doc, num, term, mentions, seg_start, own_start, ev_end, recent)
        return code if code not in ORG_CODES else None  # NATO-wide goals carry no country

    def _spender(
        self,
        doc: Doc,
        num: NumberMention,
        term: _Term | None,
        mentions: list[CountryMention],
        seg_start: int,
        own_start: int,
        ev_end: int,
        recent: str | None,
    ) -> str | None:
        """The spender; ``own_start`` is where the figure's own clause starts."""
        text = doc_text(doc)
        actors = self._actors(doc, mentions, seg_start)
        for asked in actors:
            if (
                asked.start >= seg_start
                and asked.end <= ev_end
                and self.demands.search(text, max(0, asked.start - 50), asked.start)
            ):
                return asked.code  # "Washington fordert von Canberra 3,5 Prozent": Canberra's budget
        recipients: set[str] = set()
        if term is not None and term.measure is BudgetMeasure.MILITARY_AID:
            # "stellt der Ukraine Militärhilfe in Aussicht", "promised Ukraine military aid": receivers
            received = [a for a in actors if self.recipients.search(text, max(0, a.start - 30), a.start)]
            recipients = {a.code for a in received}
            actors = [a for a in actors if a not in received]
            donors = [
                m
                for m in actors
                if m.start >= seg_start and m.end <= ev_end and _DONOR.match(m.preposition or "")
            ]
            if donors:  # "Militärhilfe ... aus Deutschland", "military aid from the US"
                return donors[0].code
        if term is not None and term.start >= seg_start:
            if term.head > term.start and (m := compound_country(actors, term.start)):
                return m.code
            just_before = [m for m in actors if m.end <= term.start and m.kind != "anaphor"]
            if (
                just_before
                and _POSSESSIVE_GAP.match(text[just_before[-1].end : term.start])
                and (just_before[-1].preposition is None or just_before[-1].kind == "demonym")
            ):
                return just_before[-1].code
            links = _OWNER_LINKS if term.measure is BudgetMeasure.MILITARY_AID else _OWNER_LINKS | _FOR_LINKS
            for anchor in (term.end, num.end):
                if m := owner_after(text, actors, anchor, links):
                    return m.code
        if m := actor_before([a for a in actors if a.start >= own_start and is_state(a)], num.start):
            return m.code  # "Litauen will 5,38 Prozent ausgeben, Estland plant mit 5,4 Prozent"
        first = min(num.start, term.start) if term is not None and term.start >= seg_start else num.start
        if m := actor_before(actors, first):
            return m.code
        later = [
            m
            for m in actors
            if m.start >= num.end and m.end <= ev_end and m.preposition is None and m.kind in _SUBJECT_KINDS
        ]
        if later:
            return later[0].code
        if m := actor_before(actors, num.start):
            return m.code
        if self.alliance.search(text[seg_start:ev_end]):
            return None  # "Allies committed to spend 5% of GDP", "weltweit": no one state
        people = people_in(doc, seg_start, ev_end)
        if people:
            return people[0].code
        # states governed by "to"/"an"/"für" here are recipients ("aid to Ukraine")
        governed = {
            m.code
            for m in mentions
            if _RECIPIENT.match(m.preposition or "") and m.kind != "org" and seg_start <= m.start < ev_end
        }
        governed |= recipients  # "der Bund stellt der Ukraine Militärhilfe in Aussicht": not the donor
        if recent is not None and recent not in governed:
            return recent
        return main_country(doc, exclude=governed)

    def _status(
        self,
        text: str,
        num: NumberMention,
        unit: str,
        seg_start: int,
        own_start: int,
        ev_end: int,
        s_end: int,
    ) -> BudgetStatus:
        """Status from cues: first in the figure's own clause from ``own_start`` ("..., part of a
        plan to double spending to 2% of GDP"), else in the whole segment ("Die Regierung plant,
        den Etat auf 53 Milliarden Euro zu erhöhen")."""
        labels = self.status.labels(text[own_start:ev_end])
        if not labels and own_start > seg_start:  # else the segment is the clause just searched
            labels = self.status.labels(text[seg_start:ev_end])
        if "actual" in labels:
            return BudgetStatus.ACTUAL
        if self._local_target(text, num, seg_start, s_end):
            return BudgetStatus.TARGET
        for label in _STATUS_ORDER:
            if label in labels:
                if label == "intent":  # "will", "wants": a GDP share is a goal, an amount a plan
                    return BudgetStatus.TARGET if unit == "percent_gdp" else BudgetStatus.PLANNED
                if label == "draft":  # "Das Kabinett billigte ...": parliament has not voted yet
                    return BudgetStatus.PROPOSED
                return BudgetStatus(label)
        return BudgetStatus.ACTUAL

    def _local_target(self, text: str, num: NumberMention, seg_start: int, s_end: int) -> bool:
        """Is the figure named as a goal right next to it ("Ziel von 2 Prozent", "2% target")?"""
        before = text[max(seg_start, num.start - WINDOW) : num.start]
        after = text[num.end : min(s_end, num.end + WINDOW)]
        return self.status.has("target", before, "before") or self.status.has("target", after, "after")

    def _deadline(self, doc: Doc, start: int, end: int, char: int) -> DateMention | None:
        """A month or day the figure is due by ("by April 2027", "bis Ende März 2027")."""
        dated = calendar_date(doc, start, end, char)
        if dated is not None and _BY.search(doc_text(doc)[max(start, dated.start - 12) : dated.end]):
            return dated
        return None

    def _change(self, text: str, num: NumberMention, seg_start: int, ev_end: int) -> str | None:
        if _FROM.search(text[max(seg_start, num.start - WINDOW) : num.start]):
            return None
        hit = self.changes.first(text[seg_start:ev_end])
        return hit[2] if hit else None

    def _local_unit(self, num: NumberMention, unit: str, country: str) -> str:
        """A state's own budget in a bare shared currency word is in its own currency
        ("Kanada ... 38,6 Milliarden Dollar" -> CAD, "Norwegen ... Kronen" -> NOK); explicit
        forms ("US-Dollar", "$", "C$") keep their code (``currency_local.tsv``)."""
        words = num.text.lower().split()
        for form, code in self.local_currency.get((unit, country), ()):
            size = len(form.split())
            if words[-size:] != form.split() or len(words) <= size:
                continue
            before = words[-size - 1]
            if any(c.isdigit() for c in before) or before in self.scale_words:
                return code
        return unit

    def _fiscal_start_year(self, clause: str, published: date) -> int | None:
        """Year of a fiscal year named by its first month ("the fiscal year beginning next
        April"): that month's next occurrence after publication."""
        for pattern in self.fiscal_start:
            m = pattern.search(clause)
            month = self.months.get(m.group("month").lower()) if m else None
            if month is not None:
                return published.year if month > published.month else published.year + 1
        return None

    def _span_terms(self, text: str, start: int, end: int) -> list[_Term]:
        """Cost nouns that name a multi-year plan only next to a span phrase ("the total cost
        of the programme ... over three decades"): ``<lang>/budget_span_terms.tsv``."""
        if not self.spans.search(text, start, end):
            return []
        return [
            _Term(m.start(), m.end(), m.start(), BudgetMeasure.MULTI_YEAR_PLAN, generic=True, estimate=True)
            for m in self.span_terms.finditer(text, start, end)
        ]

    def _other_quantity(
        self,
        text: str,
        num: NumberMention,
        unit: str,
        seg_start: int,
        own_break: tuple[int, int] | None,
        terms: list[_Term],
    ) -> bool:
        """Is the figure the whole state budget, economic output, a deficit or a debt
        (``budget_not_defence.tsv``)? Only words in its own clause chunk count (up to
        ``WINDOW`` characters, after the segment's last clause break before the figure,
        ``own_break``), with no defence term between them and the figure and not inside a GDP
        share."""
        chunk = max(seg_start, num.start - WINDOW)
        if own_break is not None and own_break[0] >= chunk:
            chunk = own_break[1]
        pattern = self.not_defence["both" if unit == "percent_gdp" else "amount"]
        for hit in pattern.finditer(text, chunk, num.start):
            if _IN_SHARE.search(text, max(0, hit.start() - 30), hit.start()):
                continue  # "zwei Prozent des BIP, also 90 Milliarden"
            if any(hit.end() <= t.start and t.end <= num.start for t in terms):
                continue  # "Im Bundeshaushalt sind für die Bundeswehr 53 Milliarden vorgesehen"
            return True
        return False

    def _year_back(self, clause: str, published: date) -> int | None:
        """Year of a figure dated back from publication ("two years earlier")."""
        for pattern in self.years_back:
            m = pattern.search(clause)
            if m is None:
                continue
            value = _number_word(m.group("n"), self.lang, unit=False)
            if value is not None and float(value).is_integer() and 0 < value < 50:
                return published.year - int(value)
        return None

    def _spread(self, measure: BudgetMeasure, text: str, unit: str, start: int, end: int) -> BudgetMeasure:
        """A budget or spending amount spread over several years ("über zwei Jahrzehnte",
        "over the next decade") is a multi-year plan."""
        if (
            unit != "percent_gdp"
            and measure in (BudgetMeasure.DEFENSE_BUDGET, BudgetMeasure.DEFENSE_SPENDING)
            and self.spans.search(text, start, end)
        ):
            return BudgetMeasure.MULTI_YEAR_PLAN
        return measure

    # ---- extraction --------------------------------------------------------------------

    def extract(self, doc: Doc) -> list[BudgetFigure]:
        text = doc_text(doc)
        spans = sentences(doc)
        figures = self._figure_numbers(doc, text, spans)
        if not figures:
            return []
        context = _Sentences(self, text, spans)
        countries = CountryIndex(doc)
        records: list[BudgetFigure] = []
        published = published_date(doc)
        seen: set[tuple[str | None, float, str, int | None]] = set()
        seen_any_year: set[tuple[str | None, float, str]] = set()
        last: tuple[int, str | None] | None = None  # (sentence, country) of the last figure
        last_share = -10  # sentence of the last share of GDP
        for number, found in sorted(figures.items()):
            s_start, s_end = spans[number]
            # the sentence's terms are searched only once a figure needs them (most do not)
            has_terms = partial(context.has_figure_terms, number)
            lowered = partial(context.folded, number)
            for num in self._numbers(text, found, s_start, s_end):
                unit = num.unit or ""
                tags: list[str] = []  # sub-rules that decided this figure, for the record's rule name
                if unit == "percent":
                    if not self._share_of_gdp(text, num, s_start, s_end, has_terms, lowered):
                        if not self._continues_shares(text, num, s_start, s_end, number, last_share, lowered):
                            continue
                        tags.append("continued_share")
                    unit = "percent_gdp"
                elif is_currency(unit):
                    if (
                        num.value < MIN_AMOUNT
                        or _RATE.search(text, max(s_start, num.start - 8), num.start)
                        or not has_terms()
                    ):
                        continue  # "um 1,2 Milliarden Euro auf 53 Milliarden": the change, not the figure
                else:
                    continue
                own_terms = context.terms(number)
                terms = context.figure_terms(number)
                seg_start, seg_end = segment(text, s_start, s_end, num.start)
                if unit != "percent_gdp":
                    clause_start = max(seg_start, num.start - WINDOW)
                    if self.corporate.search(text[clause_start : num.start].rsplit(", ", 1)[-1]):
                        continue  # "einen Umsatz von 9,8 Milliarden Euro": a company's figure
                own_break = _last_clause_break(text, seg_start, num.start)
                own_start = own_break[1] if own_break is not None else seg_start
                if self._other_quantity(text, num, unit, seg_start, own_break, terms):
                    continue  # "Der Gesamthaushalt sieht 520 Milliarden Euro vor"
                seg_terms = [t for t in terms if t.start >= seg_start and t.end <= seg_end]
                if not seg_terms and unit != "percent_gdp":
                    seg_terms = terms
                seg_terms = [t for t in seg_terms if not t.generic] or seg_terms
                term = min(seg_terms, key=lambda t: _distance(t, num)) if seg_terms else None
                mentions = countries.within(seg_start, seg_end)
                fact_end = num.end
                if term is not None and seg_start <= term.start < seg_end:
                    fact_end = max(fact_end, term.end)
                if unit == "percent_gdp":
                    fact_end = max(fact_end, _gdp_end(text, num.end, s_end))
                fact_end = min(fact_end, seg_end)
                ev = fact_evidence(doc, seg_start, fact_end, seg_end)
                ev_end = max(ev.end, clause_end(text, fact_end, seg_end))
                dated = calendar_date(doc, seg_start, ev_end, num.start, year_only=True) or self._deadline(
                    doc, seg_start, ev_end, num.start
                )
                recent = last[1] if last is not None and number - last[0] <= INHERIT_SENTENCES else None
                country = self._country(doc, num, term, mentions, seg_start, own_start, ev_end, recent)
                if country is not None and unit != "percent_gdp":
                    own = self._local_unit(num, unit, country)
                    if own != unit:
                        unit = own
                        tags.append("own_currency")
                last = (number, country)
                if unit == "percent_gdp":
                    last_share = number
                value = num.value
                status = self._status(text, num, unit, seg_start, own_start, ev_end, s_end)
                year = int(dated.value[:4]) if dated is not None and dated.value else None
                if year is None and published is not None:
                    year = self._fiscal_start_year(text[seg_start:ev_end], published)
                    tags += ["fiscal_start"] if year is not None else []
                if year is None and published is not None:
                    year = self._year_back(text[seg_start:ev_end], published)
                    tags += ["years_back"] if year is not None else []
                if _YEAR_SPAN.search(text, seg_start, ev_end):
                    year = None  # "Für die Jahre 2023 bis 2027": a plan's span, not its year
                if status is BudgetStatus.ACTUAL and year is not None and published and year > published.year:
                    status = BudgetStatus.PLANNED  # "erhöht ... bis 2030 auf 413 Milliarden": not spent yet
                this_year = year is not None and published is not None and year == published.year
                if (
                    status is BudgetStatus.TARGET
                    and this_year
                    and not self._local_target(text, num, seg_start, s_end)
                ):
                    # "will in diesem Jahr 5,38 Prozent ausgeben": this year's plan, not a goal
                    status = BudgetStatus.PLANNED
                if status is BudgetStatus.ACTUAL and term is not None and term.estimate:
                    status = BudgetStatus.PLANNED  # "estimated the total cost ... over three decades"
                if term is not None and term.estimate:
                    tags.append("span_cost")
                if status in (BudgetStatus.ACTUAL, BudgetStatus.PLANNED) and context.after_draft(number):
                    status = BudgetStatus.PROPOSED  # the sentence before spoke of the draft budget
                key = (country, value, unit, year)
                if key in seen or (year is None and (country, value, unit) in seen_any_year):
                    continue  # the headline and the body, or a quote, state the same figure
                seen.add(key)
                seen_any_year.add((country, value, unit))
                measure = _measure(term, unit, carried=not own_terms)
                if (spread := self._spread(measure, text, unit, seg_start, ev_end)) is not measure:
                    measure = spread
                    tags.append("span")
                records.append(
                    BudgetFigure(
                        doc_id=doc_id(doc),
                        country=country,
                        measure=measure,
                        value=int(value) if float(value).is_integer() else value,
                        unit=unit,
                        qualifier=num.qualifier,
                        status=status,
                        year=year,
                        change=self._change(text, num, seg_start, ev_end),
                        rule="+".join(
                            [f"budgets.{'gdp_share' if unit == 'percent_gdp' else 'amount'}", *tags]
                        ),
                        evidence=ev,
                    )
                )
        return records

    def _figure_numbers(
        self, doc: Doc, text: str, spans: list[tuple[int, int]]
    ) -> dict[int, list[NumberMention]]:
        """Sentences (by index) that may hold a figure, with their percentages and currency
        amounts: one pass over the Doc's numbers instead of a search per sentence. A sentence
        without either is skipped unless a goal compound ("Zwei-Prozent-Ziel") may be in it."""
        starts = [start for start, _ in spans]
        found: dict[int, list[NumberMention]] = {}
        for num in numbers_in(doc, 0, len(text)):
            unit = num.unit or ""
            if unit != "percent" and not is_currency(unit):
                continue
            k = bisect.bisect_right(starts, num.start) - 1
            if k >= 0 and num.end <= spans[k][1]:
                found.setdefault(k, []).append(num)
        for hit in _GOAL_COMPOUND_CORE.finditer(text):
            for k in range(max(0, bisect.bisect_right(starts, hit.start()) - 1), len(spans)):
                if spans[k][0] >= hit.end():
                    break
                if spans[k][1] > hit.start():
                    found.setdefault(k, [])
        return found

    def _numbers(self, text: str, found: list[NumberMention], start: int, end: int) -> list[NumberMention]:
        """The sentence's percentages and amounts ``found`` (from the numbers stage), plus
        percentages inside a goal compound it leaves whole ("Zwei-Prozent-Ziel" -> 2 percent)."""
        found = list(found)
        if not _GOAL_COMPOUND_CORE.search(text, start, end):  # a quick literal search, seldom found
            return sorted(found, key=lambda n: (n.start, n.end))
        for m in _GOAL_COMPOUND.finditer(text, start, end):
            if any(n.start < m.end(1) and m.start(1) < n.end and n.unit == "percent" for n in found):
                continue
            value = _number_word(m.group(1), self.lang)
            if value is None:
                continue
            found.append(
                NumberMention(
                    text=m.group(0),
                    start=m.start(),
                    end=m.end(),
                    value=value,
                    unit="percent",
                    rule="budgets.goal_compound",
                )
            )
        return sorted(found, key=lambda n: (n.start, n.end))


#: A GDP word right after a share ("2 Prozent des BIP"): not the figure's owner.
_IN_SHARE = re.compile(r"(?:prozent|percent|per\s+cent|%)\s+(?:des|der|of|of\s+the)\s+$", re.IGNORECASE)
#: A span of years ("2023 bis 2027"). "(?<!\d\d\d)" after "19"/"20" says no digit precedes them
#: (as a leading "(?<!\d)" would), so that ``re`` scans for "1" and "2" instead of trying the
#: look-behind at every character.
_YEAR_SPAN = re.compile(r"(?:19|20)(?<!\d\d\d)\d{2}\s*(?:bis|to|through|until|–|-)\s*(?:19|20)\d{2}(?!\d)")
_GOAL_COMPOUND = re.compile(
    r"(?<![\w-])([\w,.]+)-(?:prozent|percent|per-cent)-(?:ziel|marke|vorgabe|schwelle|target|goal|benchmark)\w*",
    re.IGNORECASE,
)
#: Text every goal compound contains: a sentence without it holds none.
_GOAL_COMPOUND_CORE = re.compile(r"-(?:prozent|percent|per-cent)-", re.IGNORECASE)


class _Sentences:
    """Budget terms and draft cues of the Doc's sentences, searched only when a figure's
    sentence asks for them (its own, or the one or two before it)."""

    def __init__(self, stage: BudgetsStage, text: str, spans: list[tuple[int, int]]) -> None:
        self.stage, self.text, self.spans = stage, text, spans
        self._terms: dict[int, list[_Term]] = {}
        self._figure_terms: dict[int, list[_Term]] = {}
        self._draft: dict[int, bool] = {}
        self._folded: dict[int, str | None] = {}

    def folded(self, k: int) -> str | None:
        """Sentence ``k``'s :func:`~pipeline.facts.folded` form, for every gate that asks about it."""
        if k not in self._folded:
            start, end = self.spans[k]
            self._folded[k] = folded(self.text[start:end])
        return self._folded[k]

    def terms(self, k: int) -> list[_Term]:
        """The terms sentence ``k`` names itself."""
        found = self._terms.get(k)
        if found is None:
            start, end = self.spans[k]
            found = self.stage._terms(self.text, start, end, self.folded(k))
            found = found or self.stage._span_terms(self.text, start, end)
            self._terms[k] = found
        return found

    def figure_terms(self, k: int) -> list[_Term]:
        """The terms a figure of sentence ``k`` belongs to: its own, else, when it points
        back ("Für 2023 bis 2027 sind darin 43 Billionen Yen vorgesehen"), the carried ones."""
        found = self._figure_terms.get(k)
        if found is None:
            found = self.terms(k)
            start, end = self.spans[k]
            if not found and self.stage.anaphors.search_in(self.folded(k), self.text, start, end):
                found = self.carried_terms(k)
            self._figure_terms[k] = found
        return found

    def has_figure_terms(self, k: int) -> bool:
        return bool(self.figure_terms(k))

    def carried_terms(self, k: int) -> list[_Term]:
        """The last term of the closer of the two sentences before ``k`` that names one."""
        for before in (k - 1, k - 2):
            if before >= 0 and (found := self.terms(before)):
                return found[-1:]
        return []

    def _has_draft(self, k: int) -> bool:
        if k not in self._draft:
            start, end = self.spans[k]
            self._draft[k] = self.stage.status.has_in("draft", self.text[start:end], self.folded(k))
        return self._draft[k]

    def after_draft(self, k: int) -> bool:
        """Is sentence ``k`` the first after a mention of a draft budget or cabinet decision?"""
        return k > 0 and self._has_draft(k - 1) and not self._has_draft(k)


def _number_word(word: str, lang: str, unit: bool = True) -> int | float | None:
    """Value of the number word or digits that opens a goal compound ("Zwei", "2,5") or
    counts years back ("zwei Jahre zuvor"), read by the numbers stage's own parser."""
    from .numbers import find_numbers

    spaced = f"{word} {'Prozent' if lang == 'de' else 'percent'}" if unit else word
    found = [n for n in find_numbers(spaced, lang) if n.start == 0]
    return found[0].value if found else None


def _last_clause_break(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the last clause break (``_CLAUSE_BREAK``) in ``text[start:end]``: the figure's
    own clause starts after it. Breaks never overlap (each is a mark and a space), so those in a
    narrower window ending at ``end`` are the ones starting inside it."""
    spans = [m.span() for m in _CLAUSE_BREAK.finditer(text, start, end)]
    return spans[-1] if spans else None


def _compound_matches(
    regex: re.Pattern[str], text: str, start: int, end: int
) -> list[tuple[int, re.Match[str]]]:
    """The matches of ``regex`` in ``text[start:end]`` with the start of the compound word
    (a run of ``[\\w-]``) each closes, as ``finditer`` of the regex behind a lazy compound
    prefix, ``(?<![\\w-])[\\w-]*?``, finds them: in each word the match that begins first;
    none in a word that began before the search position (the previous match's end), where
    the look-behind fails.

    Searching for the rows and walking back to the word start is ~2.5x quicker than growing
    the prefix through every letter of every word; the test compares both."""
    found: list[tuple[int, re.Match[str]]] = []
    pos = start
    while (m := regex.search(text, pos, end)) is not None:
        word = m.start()
        while word > 0 and _COMPOUND_CHAR.match(text, word - 1):
            word -= 1
        if word >= pos:
            found.append((word, m))
            pos = m.end()
        else:  # no match can start in this word: go on after it
            pos = m.start()
            while pos < end and _COMPOUND_CHAR.match(text, pos):
                pos += 1
    return found


#: A character of a compound word.
_COMPOUND_CHAR = re.compile(r"[\w-]")


def _measure(term: _Term | None, unit: str, carried: bool) -> BudgetMeasure:
    """The term's measure; a GDP share without its own term is defence spending."""
    if term is None or (carried and unit == "percent_gdp"):
        return BudgetMeasure.DEFENSE_SPENDING
    return term.measure


def _distance(term: _Term, num: NumberMention) -> int:
    if term.end <= num.start:
        return num.start - term.end
    if term.start >= num.end:
        return term.start - num.end
    return 0


def _word_around(text: str, start: int, end: int) -> str:
    """The whole hyphenated word a number sits in ("Zwei-Prozent-Ziel")."""
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "-"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "-"):
        end += 1
    return text[start:end]


_GDP_TAIL = re.compile(
    r"^[\s-]*(?:prozent|percent|per\s+cent|%)?[\s-]*(?:\w+\s+){0,2}?"
    r"(?:bip|gdp|bruttoinlandsprodukt\w*|wirtschaftsleistung|gross\s+domestic\s+product|economic\s+output)",
    re.IGNORECASE,
)


def _gdp_end(text: str, end: int, limit: int) -> int:
    m = _GDP_TAIL.match(text, end, limit)
    return m.end() if m else end


def _word_start(patterns: list[str], before: str, after: str = "") -> re.Pattern[str]:
    """``patterns`` as one case-insensitive alternation between the ``before`` and ``after``
    assertions, led by a look-ahead of their opening letters when they have one
    (:func:`~pipeline.facts.opening_guard`): most places fail its one class test instead of
    entering the alternation. Used for the lists where that saved time (not for lists whose
    words open with most letters of the alphabet)."""
    alternation = "|".join(patterns)
    return re.compile(rf"{opening_guard(patterns)}{before}(?:{alternation}){after}", re.IGNORECASE)


@Language.factory("budgets")
def make_budgets(nlp: Language, name: str) -> BudgetsStage:
    return BudgetsStage(nlp.lang or "en")
