"""Pipeline building: blank fallback without a model, a user-named pipeline loaded by path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc

from pipeline.nlp import (
    STAGES,
    BatchedStage,
    build_nlp,
    cached_nlp,
    doc_text,
    evidence,
    extension,
    make_doc,
    pipeline_info,
    sentence_index,
    token_range,
    token_table,
)


def test_blank_pipeline_has_sentences_lemmas_and_all_stages() -> None:
    nlp = build_nlp("de")
    info = pipeline_info(nlp)
    assert info.base == "blank:de" and not info.statistical
    assert info.components[:2] == ("sentencizer", "lemmatizer")
    assert [name for name, _ in STAGES] == list(info.components[2:])
    doc = nlp("Die Soldaten wurden verlegt. Der Minister sprach am Montag.")
    assert [s.text for s in doc.sents] == ["Die Soldaten wurden verlegt.", "Der Minister sprach am Montag."]
    assert doc[1].lemma_ == "Soldat"


def test_english_blank_pipeline() -> None:
    nlp = build_nlp("en")
    assert pipeline_info(nlp).base == "blank:en"
    doc = nlp("The troops arrived. They stayed.")
    assert len(list(doc.sents)) == 2


def test_model_loaded_by_path(tmp_path: Path) -> None:
    base = spacy.blank("de")
    ruler: Any = base.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PER", "pattern": [{"LOWER": "kaja"}, {"LOWER": "kallas"}]}])
    base.to_disk(tmp_path / "tiny_de")
    nlp = build_nlp("de", model=tmp_path / "tiny_de")
    info = pipeline_info(nlp)
    assert info.statistical and info.base == str(tmp_path / "tiny_de")
    assert "entity_ruler" in info.components and "sentencizer" in info.components
    doc = nlp("Die Außenbeauftragte Kaja Kallas reiste nach Kiew.")
    assert [(e.text, e.label_) for e in doc.ents] == [("Kaja Kallas", "PER")]


def test_model_for_the_wrong_language_is_refused(tmp_path: Path) -> None:
    spacy.blank("en").to_disk(tmp_path / "tiny_en")
    with pytest.raises(ValueError, match="not 'de'"):
        build_nlp("de", model=tmp_path / "tiny_en")


def test_evidence_quotes_the_text_and_knows_its_sentence() -> None:
    nlp = build_nlp("de")
    text = "Erster Satz. Die USA haben 50.000 Soldaten in Japan."
    doc = nlp(make_doc(nlp, text, doc_id="d1"))
    start = text.index("50.000")
    ev = evidence(doc, start, start + 6)
    assert (ev.doc_id, ev.sentence, ev.quote) == ("d1", 1, "50.000")
    assert sentence_index(doc, 0) == 0
    plain = nlp(nlp.make_doc(text))  # a Doc not made by make_doc: the extension is read
    plain._.doc_id = "d2"
    assert evidence(plain, start, start + 6).doc_id == "d2"


def test_sentences_end_after_years_and_designations_but_not_ordinals() -> None:
    nlp = build_nlp("de")
    doc = nlp("Polen bestellte 48 FA-50. Der Vertrag folgte 2022. Am 19. November kam die Lieferung.")
    assert [s.text for s in doc.sents] == [
        "Polen bestellte 48 FA-50.",
        "Der Vertrag folgte 2022.",
        "Am 19. November kam die Lieferung.",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789aZ-.ü)", max_size=12))
def test_the_sentence_final_period_suffix_matches_like_its_lookbehind_led_form(token: str) -> None:
    import spacy

    from pipeline.nlp import _FINAL_PERIOD_SUFFIXES

    defaults = list(spacy.blank("de").Defaults.suffixes or ())
    plain = [r"(?<=[0-9]{4})\.", *(rf"(?<=[A-Za-z]-[0-9]{{{n}}})\." for n in range(1, 5))]
    ours = spacy.util.compile_suffix_regex([*defaults, *_FINAL_PERIOD_SUFFIXES]).search(token)
    reference = spacy.util.compile_suffix_regex([*defaults, *plain]).search(token)
    assert (ours and ours.span()) == (reference and reference.span())


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "de",
            "Die Bundeswehr bestellte weitere Panzerhaubitzen. Die Soldaten der Brigaden wurden "
            "in Litauen stationiert, teilte das Verteidigungsministerium mit.",
        ),
        ("en", "The ministers signed the contracts. Troops were deployed to the bases in Poland."),
    ],
)
def test_lookup_lemmas_match_spacys_lookup_lemmatizer(lang: str, text: str) -> None:
    reference = spacy.blank(lang)
    reference.add_pipe("lemmatizer", config={"mode": "lookup"})
    reference.initialize()
    nlp = build_nlp(lang)
    ours = nlp.get_pipe("lemmatizer")(nlp.make_doc(text))
    theirs = reference.get_pipe("lemmatizer")(nlp.make_doc(text))
    assert [t.lemma_ for t in ours] == [t.lemma_ for t in theirs]
    assert any(t.lemma_ != t.text for t in ours)  # the table was applied, not an identity copy
    # again, every word now known to the component, and with one word it has not seen yet
    for again in (text, text + " Zwischenstandsmeldungen"):
        ours = nlp.get_pipe("lemmatizer")(nlp.make_doc(again))
        theirs = reference.get_pipe("lemmatizer")(nlp.make_doc(again))
        assert [t.lemma_ for t in ours] == [t.lemma_ for t in theirs]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Rund 1.500 Soldaten sind in Rukla stationiert. Der Minister kam am 3. Juni."),
        ("en", "About 1,500 troops – “a brigade” – are in Rukla.\n\nThe Minister came on June 3."),
    ],
)
def test_token_table_mirrors_the_doc(lang: str, text: str) -> None:
    nlp = build_nlp(lang)
    doc = nlp(make_doc(nlp, text))
    table = token_table(doc)
    assert table.texts == [t.text for t in doc]
    assert table.lowers == [t.lower_ for t in doc]
    assert [table.lemma(i) for i in range(len(doc))] == [t.lemma_ for t in doc]
    assert table.spaces == [int(bool(t.whitespace_)) for t in doc]
    assert table.is_punct == [t.is_punct for t in doc]
    assert table.is_space == [t.is_space for t in doc]
    assert table.idxs == [t.idx for t in doc]
    assert table.ends == [t.idx + len(t) for t in doc]
    assert table.sents == [(s.start, s.end) for s in doc.sents]
    assert table.words == sum(1 for t in doc if not (t.is_punct or t.is_space))
    assert doc_text(doc) == text == doc.text


SENTENCES = [
    "Die Soldaten wurden verlegt. Der Minister sprach am Montag!! Was nun?! „Wir bleiben.“ Ende",
    "Rund 1.500 Soldaten … und dann? Im Jahr 2022. Die FA-50. Am 19. November kam er.",
    "…",
    "Kein Satzende hier",
    "",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_array_sentencizer_decides_like_spacys_sentencizer(text: str) -> None:
    nlp = build_nlp("de")
    reference: Any = spacy.blank("de").add_pipe("sentencizer")
    ours = nlp.get_pipe("sentencizer")(nlp.make_doc(text))
    theirs = reference(nlp.make_doc(text))
    assert [t.is_sent_start for t in ours] == [t.is_sent_start for t in theirs]
    if len(text) > 20:
        assert len(list(ours.sents)) > 1


_PIECES = ["Wort", "Bund", "3", "2024", ".", "!", "?", "…", "„", "“", ",", ";", "-", "(", ")"]
_PIECES += ["\n", "  ", "!?", "。", "FA-50."]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.lists(st.booleans(), min_size=30, max_size=30))
def test_array_sentencizer_decides_like_spacys_on_any_mix_of_words_and_marks(
    pieces: list[str], spaced: list[bool]
) -> None:
    nlp = cached_nlp("de")
    reference: Any = spacy.blank("de").add_pipe("sentencizer")
    text = "".join(p + (" " if gap else "") for p, gap in zip(pieces, spaced, strict=False))
    ours = nlp.get_pipe("sentencizer")(nlp.make_doc(text))
    theirs = reference(nlp.make_doc(text))
    assert [t.is_sent_start for t in ours] == [t.is_sent_start for t in theirs]


def test_array_sentencizer_decides_a_batch_like_one_doc_at_a_time() -> None:
    nlp = build_nlp("de")
    reference: Any = spacy.blank("de").add_pipe("sentencizer")
    texts = SENTENCES * 3
    sentencizer: Any = nlp.get_pipe("sentencizer")
    batched = list(sentencizer.pipe((nlp.make_doc(t) for t in texts), batch_size=4))
    assert [d.text for d in batched] == texts
    for doc, text in zip(batched, texts, strict=True):
        assert [t.is_sent_start for t in doc] == [t.is_sent_start for t in reference(nlp.make_doc(text))]


def test_cached_nlp_builds_one_pipeline_however_it_is_called() -> None:
    assert cached_nlp("en") is cached_nlp("en", None) is cached_nlp(lang="en", model=None)


def test_stages_run_a_batch_at_a_time_with_the_same_results_as_one_by_one() -> None:
    nlp = build_nlp("de")
    texts = [
        "Verteidigungsminister Boris Pistorius sagte am Montag, Deutschland bestellt 35 Kampfjets "
        "vom Typ F-35 bei den USA.",
        "Rund 1.500 Soldaten der Bundeswehr sind seit 2017 in Litauen stationiert.",
        "Der Verteidigungshaushalt Deutschlands steigt 2025 auf 52 Milliarden Euro.",
    ]
    components = [c for name, c in nlp.pipeline if name in dict(STAGES)]
    assert len(components) == len(STAGES)
    assert all(isinstance(c, BatchedStage) for c in components)
    batched = list(nlp.pipe((make_doc(nlp, t, doc_id=f"d{i}") for i, t in enumerate(texts)), batch_size=2))
    single = [nlp(make_doc(nlp, t, doc_id=f"d{i}")) for i, t in enumerate(texts)]
    assert [d.text for d in batched] == texts
    for name in ("numbers", "dates", "people", "troops", "weapons_orders", "budgets"):
        assert [d._.get(name) for d in batched] == [d._.get(name) for d in single], name
    assert [bool(d._.weapons_orders) for d in batched] == [True, False, False]
    assert [bool(d._.budgets) for d in batched] == [False, False, True]


def test_extension_reads_what_doc_underscore_reads() -> None:
    from datetime import date

    nlp = cached_nlp("de")
    doc = nlp(make_doc(nlp, "Am 3. Mai 2024 kamen 5.000 Soldaten.", doc_id="x", published=date(2024, 5, 4)))
    for name in ("dates", "numbers", "people", "troops", "published", "authors", "doc_id"):
        assert extension(doc, name) is getattr(doc._, name)
    assert extension(doc, "published") == date(2024, 5, 4)
    assert extension(doc, "numbers")  # set by the numbers stage
    bare = nlp.make_doc("Kein Stadium lief hier.")
    assert extension(bare, "dates") is None is bare._.dates  # never set: the extension's default
    if not Doc.has_extension("newsfacts_test_getter"):
        Doc.set_extension("newsfacts_test_getter", getter=lambda d: len(d))
    assert extension(bare, "newsfacts_test_getter") == len(bare)


def test_token_ranges_are_spacys_char_spans() -> None:
    nlp = cached_nlp("de")
    text = "Polen bestellte  180 K2-Panzer.\n\nDie ersten 10 (FA-50.) kamen 2022 an. "
    doc = nlp(make_doc(nlp, text, doc_id="t"))
    for start in range(-1, len(text) + 2):
        for end in range(start, min(start + 12, len(text) + 2)):
            for mode in ("expand", "contract"):
                span = doc.char_span(start, end, alignment_mode=mode)
                want = None if span is None else (span.start, span.end)
                assert token_range(doc, start, end, contract=mode == "contract") == want, (start, end, mode)
