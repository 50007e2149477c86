"""Build the spaCy pipeline for a language and hold the Doc extensions the stages share.

A statistical pipeline (``de_core_news_lg``, ``en_core_web_*`` or one the user names)
is used when it is installed; otherwise a blank ``de``/``en`` with a rule-based
sentencizer and the lookup lemmatizer from ``spacy-lookups-data``. Nothing is
downloaded. Our stages are registered components (``@Language.factory``) appended
after whatever the base pipeline has; each writes its results to a ``Doc``
extension, and :func:`pipeline.runner.doc_to_records` turns them into records.
"""

from __future__ import annotations

import bisect
import gc
import importlib
import itertools
import logging
import operator
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import IDX, IS_PUNCT, LEMMA, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc

from .records import Evidence

log = logging.getLogger(__name__)

#: Statistical pipelines tried, in order, when the user names none.
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {
    "de": ("de_core_news_lg", "de_core_news_md", "de_core_news_sm"),
    "en": ("en_core_web_lg", "en_core_web_md", "en_core_web_sm"),
}

#: Our stages in pipeline order; each module registers its factory on import.
STAGES: tuple[tuple[str, str], ...] = (
    ("numbers", "pipeline.numbers"),
    ("dates", "pipeline.dates"),
    ("people", "pipeline.people"),
    ("troops", "pipeline.troops"),
    ("weapons", "pipeline.weapons"),
    ("budgets", "pipeline.budgets"),
)

#: Doc extensions and their defaults. Stages write lists; the runner reads them.
DOC_EXTENSIONS: dict[str, object] = {
    "doc_id": "",
    "published": None,  # date | datetime | None: the reference for relative dates
    "authors": (),  # from the sidecar, for the people stage
    "boilerplate": (),  # ((start, end), ...) char ranges no stage may extract from
    "numbers": None,
    "dates": None,
    "people": None,
    "troops": None,
    "weapons_orders": None,
    "budgets": None,
}


def register_extensions() -> None:
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)


register_extensions()


@dataclass(frozen=True)
class PipelineInfo:
    """What the run used for a language; reported in the manifest."""

    lang: str
    base: str  # "blank:de" or the loaded package name / path
    version: str
    statistical: bool
    components: tuple[str, ...]


def _load_base(lang: str, model: str | None) -> tuple[Language, str, bool]:
    """The base pipeline: the named model, else an installed default, else blank."""
    if model:
        # A user-named model must exist; failing loudly beats silently degrading.
        nlp = spacy.load(model)
        if nlp.lang != lang:
            raise ValueError(f"model {model!r} is for language {nlp.lang!r}, not {lang!r}")
        return nlp, str(model), True
    for name in DEFAULT_MODELS.get(lang, ()):
        if spacy.util.is_package(name):
            return spacy.load(name), name, True
    nlp = spacy.blank(lang)
    _split_sentence_final_periods(nlp)
    nlp.add_pipe("array_sentencizer", name="sentencizer")
    try:
        nlp.add_pipe("lookup_lemmas", name="lemmatizer")
    except (ValueError, OSError) as exc:  # lookups tables missing for this language
        log.warning("no lookup lemmatizer for %s: %s", lang, exc)
    return nlp, f"blank:{lang}", False


class BatchedStage(ABC):
    """Base of our components: ``pipe`` runs a whole batch through this stage before the
    next stage sees it.

    For a component without ``pipe``, spaCy's ``nlp.pipe`` passes each Doc through every
    stage in turn, so each stage finds its lexicons and compiled patterns pushed out of the
    CPU caches by the others; a batch at a time was 10-20 % faster over the whole pipeline.
    """

    @abstractmethod
    def __call__(self, doc: Doc) -> Doc: ...

    def pipe(self, docs: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        stream = iter(docs)
        while batch := list(itertools.islice(stream, max(1, batch_size))):
            yield from self.process_batch(batch)

    def process_batch(self, batch: list[Doc]) -> list[Doc]:
        """A batch of Docs through this stage; a stage working in passes overrides it."""
        return [self(doc) for doc in batch]


class LookupLemmas(BatchedStage):
    """spaCy's lookup lemmatizer (``lemma_lookup`` from spacy-lookups-data) applied per
    vocabulary entry instead of per token.

    spaCy's ``lemmatizer`` in lookup mode builds a Python ``Token`` for every word and
    looks its text up anew: 13 % of the blank pipeline's time. The table and the result
    are the same; here each distinct word is looked up once per process and the lemmas
    are written for the whole Doc in one array call.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        from spacy.lookups import load_lookups

        self.name = name
        self.lookups = load_lookups(lang=str(nlp.lang), tables=["lemma_lookup"])
        self.table = self.lookups.get_table("lemma_lookup")
        self.cache: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        orths: list[int] = doc.to_array(ORTH).tolist()
        cache = self.cache
        try:
            lemmas: Any = numpy.fromiter(map(cache.__getitem__, orths), dtype="uint64", count=len(orths))
        except KeyError:  # words this process meets for the first time
            for orth in set(orths).difference(cache):
                text = doc.vocab.strings[orth]
                cache[orth] = doc.vocab.strings.add(str(self.table.get(text, text)))
            lemmas = numpy.fromiter(map(cache.__getitem__, orths), dtype="uint64", count=len(orths))
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc


class ArraySentencizer(Sentencizer):  # type: ignore[misc]  # spaCy's Cython class
    """spaCy's rule-based ``sentencizer`` (same punctuation, same decisions) reading the
    tokens as one array instead of building a Python ``Token`` per word, and deciding a
    batch of Docs per call (spaCy's ``pipe`` asks once per Doc, reading its marks anew)."""

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 32) -> Iterator[Doc]:
        docs = iter(stream)
        while batch := list(itertools.islice(docs, max(1, batch_size))):
            self.set_annotations(batch, self.predict(batch))
            yield from batch

    def predict(self, docs: Iterable[Doc]) -> list[list[bool]]:
        marks = {get_string_id(c) for c in self.punct_chars}
        guesses: list[list[bool]] = []
        for doc in docs:
            n = len(doc)
            doc_guesses = [False] * n
            if n:
                columns: Any = doc.to_array([ORTH, IS_PUNCT]).T.tolist()
                orths, punct = columns
                start, seen_period = 0, False
                doc_guesses[0] = True
                for i in range(n):
                    is_mark = orths[i] in marks
                    if seen_period and not punct[i] and not is_mark:
                        doc_guesses[start] = True
                        start, seen_period = i, False
                    elif is_mark:
                        seen_period = True
                doc_guesses[start] = True
            guesses.append(doc_guesses)
        return guesses


@Language.factory(
    "array_sentencizer",
    default_config={
        "punct_chars": None,
        "overwrite": False,
        "scorer": {"@scorers": "spacy.senter_scorer.v1"},
    },
)
def make_array_sentencizer(
    nlp: Language,
    name: str,
    punct_chars: list[str] | None,
    overwrite: bool,
    scorer: Callable[..., Any] | None,
) -> ArraySentencizer:
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)


@Language.factory("lookup_lemmas")
def make_lookup_lemmas(nlp: Language, name: str) -> LookupLemmas:
    return LookupLemmas(nlp, name)


#: Periods the blank German tokenizer keeps on a token although they end a sentence: after a
#: four-digit number ("im Jahr 2022.") or a designation ("FA-50."). Two-digit ordinals
#: ("am 19. November") keep theirs.
#: One alternative that starts with the period: the suffix regex is searched from every position
#: of every token, and five alternatives led by lookbehinds made the tokenizer ~8 % slower.
_FINAL_PERIOD_SUFFIXES = (
    r"\.(?:" + "|".join([r"(?<=[0-9]{4}\.)", *(rf"(?<=[A-Za-z]-[0-9]{{{n}}}\.)" for n in range(1, 5))]) + ")",
)


def _split_sentence_final_periods(nlp: Language) -> None:
    suffixes = list(nlp.Defaults.suffixes or ()) + list(_FINAL_PERIOD_SUFFIXES)
    tokenizer: Any = nlp.tokenizer
    tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search


def build_nlp(lang: str, model: str | Path | None = None) -> Language:
    """The full pipeline for ``lang``: base pipeline plus our stages."""
    nlp, base, statistical = _load_base(lang, str(model) if model else None)
    if not nlp.has_pipe("sentencizer") and not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
        nlp.add_pipe("array_sentencizer", name="sentencizer", first=True)
    for name, module in STAGES:
        importlib.import_module(module)
        nlp.add_pipe(name, name=name)
    nlp.meta["newsfacts_base"] = base
    nlp.meta["newsfacts_statistical"] = statistical
    return nlp


def cached_nlp(lang: str, model: str | None = None) -> Language:
    """One pipeline per (language, model) per process: building one costs seconds.

    The pipeline's objects (vocabulary, lexicons, compiled patterns) live as long as the
    process, so they are moved out of the garbage collector's sight (``gc.freeze``):
    otherwise every full collection walks them again, a pause that lands in whichever
    stage happens to be allocating.
    """
    # one cache key however it is called: ``lru_cache`` tells f("de") from f("de", None)
    return _cached_nlp(lang, model or None)


@lru_cache(maxsize=8)
def _cached_nlp(lang: str, model: str | None) -> Language:
    nlp = build_nlp(lang, model)
    gc.collect()
    gc.freeze()
    return nlp


def pipeline_info(nlp: Language) -> PipelineInfo:
    return PipelineInfo(
        lang=str(nlp.lang),
        base=str(nlp.meta.get("newsfacts_base", f"blank:{nlp.lang}")),
        version=str(nlp.meta.get("version", "")),
        statistical=bool(nlp.meta.get("newsfacts_statistical", False)),
        components=tuple(nlp.pipe_names),
    )


def make_doc(
    nlp: Language,
    text: str,
    doc_id: str = "",
    published: date | datetime | None = None,
    authors: tuple[str, ...] = (),
    boilerplate: tuple[tuple[int, int], ...] = (),
) -> Doc:
    """A tokenised Doc carrying the metadata the stages read; run it with ``nlp(doc)``."""
    doc = nlp.make_doc(text)
    doc.user_data[_TEXT_KEY] = text  # spaCy keeps the text verbatim; no need to join tokens again
    doc._.doc_id = doc_id
    doc._.published = published
    doc._.authors = authors
    doc._.boilerplate = boilerplate
    return doc


# ---- helpers every stage uses to cite its evidence -------------------------------------


def doc_text(doc: Doc) -> str:
    """``doc.text``, built once: spaCy joins every token anew on each ``doc.text`` read, which
    made text access inside loops the pipeline's hottest spot."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.text
        doc.user_data[_TEXT_KEY] = text
    return str(text)


_TEXT_KEY = "newsfacts.text"


@dataclass(frozen=True)
class TokenTable:
    """Every token's strings and flags as plain lists, read once per Doc.

    A ``Token`` is a new Python object on every ``doc[i]`` or ``for t in doc``; the
    stages used to walk each Doc a dozen times, and building those objects was the
    pipeline's largest single cost. Stages index these lists instead. Lemmas are kept as
    ids (only the weapons stage reads lemmas, near a weapons system): see :meth:`lemma`.
    """

    texts: list[str]
    lowers: list[str]
    idxs: list[int]
    ends: list[int]
    #: 1 where white space follows the token
    spaces: list[int]
    is_punct: list[bool]
    is_space: list[bool]
    #: sentences as token ranges [start, end)
    sents: list[tuple[int, int]]
    lemma_ids: list[int] = field(default_factory=list, repr=False)
    strings: StringStore | None = field(default=None, repr=False, compare=False)

    def lemma(self, i: int) -> str:
        """Token ``i``'s lemma. One at a time: the stages compare ``lemma_ids`` and need the
        text of a few tokens (a column of every lemma's text cost 30-50 µs per Doc)."""
        assert self.strings is not None  # only an empty Doc's table has none, and it has no token i
        return str(self.strings[self.lemma_ids[i]])

    @property
    def words(self) -> int:
        """Tokens that are neither punctuation nor white space."""
        flagged: int = sum(map(operator.or_, self.is_punct, self.is_space))
        return len(self.texts) - flagged


def token_table(doc: Doc) -> TokenTable:
    """The Doc's :class:`TokenTable`, built on first use after the base pipeline ran.

    Held beside the Doc (weakly), not in ``doc.user_data``: ``Doc.to_bytes`` serialises
    user data with msgpack, and a derived cache has no business travelling with the Doc.
    """
    table = _TABLES.get(doc)
    if table is None:
        table = _TABLES[doc] = _build_table(doc)
    return table


#: Per-token attributes; the rest (text, lower form, punctuation and space flags) belong to the
#: word's vocabulary entry and come from :class:`_Words`.
_TABLE_ATTRS = (ORTH, LEMMA, IDX, SPACY, SENT_START)


#: (text, lower form, is punctuation, is space) of a vocabulary entry
_Word = tuple[str, str, bool, bool]


class _Words:
    """What the vocabulary says of each word, by orth hash, learnt once per process and
    language: a word's entry never changes, and reading four more array columns per Doc
    cost more. One dict of tuples, not one dict per attribute: in a running pipeline each
    look-up is mostly a cache miss, so one per token is what counts."""

    def __init__(self) -> None:
        self.entries: dict[int, _Word] = {}

    def columns(self, doc: Doc, orths: list[int]) -> tuple[list[str], list[str], list[bool], list[bool]]:
        """Texts, lower forms, punctuation and space flags of ``orths``."""
        entries = self.entries
        try:
            rows = list(map(entries.__getitem__, orths))
        except KeyError:
            vocab = doc.vocab
            for orth in set(orths).difference(entries):
                lexeme = vocab[orth]
                entries[orth] = (lexeme.orth_, lexeme.lower_, bool(lexeme.is_punct), bool(lexeme.is_space))
            rows = list(map(entries.__getitem__, orths))
        # every row is a 4-tuple (built above); a strict zip re-checked that per token
        texts, lowers, punct, space = zip(*rows, strict=False)
        return list(texts), list(lowers), list(punct), list(space)


_WORDS: dict[str, _Words] = {}


def _build_table(doc: Doc) -> TokenTable:
    """One ``Doc.to_array`` call, then memo lookups by hash: no Token objects."""
    n = len(doc)
    if not n:
        return TokenTable([], [], [], [], [], [], [], [(0, 0)])
    array: Any = doc.to_array(list(_TABLE_ATTRS))
    orths, lemma_ids, idxs, spaces = array[:, :4].T.tolist()
    words = _WORDS.get(doc.lang_)
    if words is None:
        words = _WORDS[doc.lang_] = _Words()
    texts, lowers, is_punct, is_space = words.columns(doc, orths)
    if doc.has_annotation("SENT_START"):
        # SENT_START is 1 at a sentence start (-1 inside a sentence; the array is unsigned)
        cuts: list[int] = (numpy.flatnonzero(array[1:, 4] == 1) + 1).tolist()
        sents = list(itertools.pairwise([0, *cuts, n]))
    else:
        sents = [(0, n)]
    return TokenTable(
        texts=texts,
        lowers=lowers,
        idxs=idxs,
        ends=list(map(operator.add, idxs, map(len, texts))),
        spaces=spaces,
        is_punct=is_punct,
        is_space=is_space,
        sents=sents,
        lemma_ids=lemma_ids,
        strings=doc.vocab.strings,
    )


_TABLES: weakref.WeakKeyDictionary[Doc, TokenTable] = weakref.WeakKeyDictionary()


def sentence_starts(doc: Doc) -> list[int]:
    """Character offsets where sentences start (cached on the Doc's user data; the list is
    shared, so callers must not change it)."""
    key = "newsfacts.sent_starts"
    starts = doc.user_data.get(key)
    if starts is None:
        table = token_table(doc)
        size = len(table.idxs)
        starts = [table.idxs[start] if start < size else len(doc_text(doc)) for start, _ in table.sents]
        starts = doc.user_data[key] = starts or [0]
    result: list[int] = starts
    return result


def sentence_index(doc: Doc, char: int) -> int:
    """0-based index of the sentence holding character ``char``."""
    starts = sentence_starts(doc)
    return max(0, bisect.bisect_right(starts, char) - 1)


def token_range(doc: Doc, start: int, end: int, contract: bool = False) -> tuple[int, int] | None:
    """The tokens ``doc.char_span(start, end, alignment_mode="expand")`` (or "contract")
    holds, as ``(first, stop)``, looked up in the token table without building a Span (spaCy's
    ``char_span`` builds a ``Token`` for every token it passes)."""
    table = token_table(doc)
    idxs, ends = table.idxs, table.ends
    size = len(doc_text(doc))
    if not (0 <= start < size and 0 < end <= size):
        return None  # spaCy finds no token at either end
    first = bisect.bisect_right(idxs, start) - 1  # a token owns its trailing space, as in spaCy
    last = bisect.bisect_right(idxs, end - 1) - 1
    if contract:
        if idxs[first] < start:
            first += 1
        if end < ends[last]:
            last -= 1
        if last < first:
            return None
    elif start == ends[first]:
        first += 1  # the trailing space does not pull its token in
    return first, last + 1


def extension(doc: Doc, name: str) -> Any:
    """``getattr(doc._, name)`` without building spaCy's ``Underscore`` accessor (a new object
    on every ``doc._``, a visible cost where stages ask per candidate). spaCy keeps a Doc's
    extension values in its user data under this key; unset ones (defaults, getters) go
    through ``doc._``."""
    values: dict[Any, Any] = doc.user_data
    try:
        return values[("._.", name, None, None)]
    except KeyError:
        return getattr(doc._, name)


def doc_id(doc: Doc) -> str:
    """``doc._.doc_id`` (through :func:`extension`: every record's evidence asks for it)."""
    return str(extension(doc, "doc_id"))


def evidence(doc: Doc, start: int, end: int) -> Evidence:
    """Evidence for ``doc.text[start:end]``, with its sentence index."""
    return Evidence.from_text(doc_id(doc), doc_text(doc), start, end, sentence_index(doc, start))


def boilerplate(doc: Doc) -> tuple[tuple[int, int], ...]:
    """``doc._.boilerplate``: the (start, end) character ranges of newsletter/advert text no
    stage may extract from; most articles have none."""
    return tuple(extension(doc, "boilerplate"))


def in_boilerplate(doc: Doc, start: int, end: int) -> bool:
    """True when the span overlaps text marked as newsletter/advert boilerplate."""
    return any(start < b_end and end > b_start for b_start, b_end in boilerplate(doc))
