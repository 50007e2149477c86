"""People stage: corpus tables in both languages, linking, bylines, the model path and gold."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import spacy
import yaml

from pipeline.lexicon import load_tsv
from pipeline.nlp import build_nlp, cached_nlp, make_doc, token_range
from pipeline.people import (
    _BYLINE_BARE,
    _BYLINE_BARE_BODY,
    _BYLINE_BARE_FIRST,
    _BYLINE_BARE_OPENS,
    _BYLINE_PREFIXED,
    _BYLINE_PREFIXED_FIRST,
    _BYLINE_PREFIXED_OPENS,
    _line_matches,
    _nonzero,
    _not_name_near,
    _not_name_ranges,
    lexicon,
)
from pipeline.records import Person

CORPUS = Path(__file__).parent / "corpus"
REPO = Path(__file__).resolve().parent.parent


def load_corpus(lang: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((CORPUS / lang / "people.yaml").read_text(encoding="utf-8"))
    return data


def people(text: str, lang: str, **meta: Any) -> list[Person]:
    nlp = cached_nlp(lang)
    doc = nlp(make_doc(nlp, text, doc_id="t", **meta))
    return list(doc._.people)


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


CASES = [(lang, case) for lang in ("de", "en") for case in load_corpus(lang)["cases"]]
NEGATIVES = [(lang, text) for lang in ("de", "en") for text in load_corpus(lang)["negatives"]]


@pytest.mark.parametrize(("lang", "case"), CASES, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(CASES)])
def test_corpus_case(lang: str, case: dict[str, Any]) -> None:
    found = {p.name: p for p in people(case["text"], lang)}
    expected = {e["name"]: e for e in case["people"]}
    assert set(found) == set(expected)
    for name, exp in expected.items():
        person = found[name]
        for key in ("role_en", "country"):
            if key in exp:
                assert getattr(person, key) == exp[key], (name, key)
        if "aliases" in exp:
            assert set(exp["aliases"]) <= set(person.aliases), name
    for name in case.get("absent", []):
        assert name not in found


@pytest.mark.parametrize(("lang", "text"), NEGATIVES)
def test_corpus_negatives(lang: str, text: str) -> None:
    assert [p.name for p in people(text, lang)] == []


def test_records_are_well_formed() -> None:
    text = (
        "Der japanische Premierminister Fumio Kishida traf US-Präsident Joe Biden. "
        "Kishida betonte die Allianz, so Kishida. Die Rolle Kishidas wächst."
    )
    found = {p.name: p for p in people(text, "de")}
    kishida = found["Fumio Kishida"]
    assert kishida.mentions == 4  # full name, two surnames, one genitive
    assert kishida.aliases == ("Kishida",)
    assert kishida.role == "japanische Premierminister"
    assert kishida.rule == "role_title"
    assert kishida.evidence.quote == text[kishida.evidence.start : kishida.evidence.end]
    assert kishida.evidence.quote == "japanische Premierminister Fumio Kishida"
    assert kishida.evidence.sentence == 0
    assert found["Joe Biden"].country == "US"
    for person in found.values():
        assert person.doc_id == "t"
        assert "Präsident" not in person.name and "minister" not in person.name


def test_surname_without_full_form_needs_a_cue() -> None:
    text = "Nakatani sagte, Japan werde mehr ausgeben. Meiers Bäckerei bleibt geschlossen."
    assert [p.name for p in people(text, "de")] == ["Nakatani"]


def test_sidecar_authors_are_journalists() -> None:
    text = "Tokio. Japan rüstet auf, sagte Premierminister Shigeru Ishiba.\n\nMartin Kölling"
    found = {p.name: p for p in people(text, "de", authors=("Martin Kölling", "Annett Meiritz"))}
    assert set(found) == {"Martin Kölling", "Annett Meiritz", "Shigeru Ishiba"}
    for name in ("Martin Kölling", "Annett Meiritz"):
        assert (found[name].role, found[name].role_en, found[name].country) == (
            "journalist",
            "journalist",
            None,
        )
    assert found["Martin Kölling"].evidence.quote == "Martin Kölling"
    assert found["Annett Meiritz"].rule == "author"


def test_boilerplate_is_skipped() -> None:
    text = "Präsident Joe Biden reist nach Tokio.\nAnzeige: Jetzt mit Thomas Müller sparen."
    start = text.index("Anzeige")
    found = people(text, "de", boilerplate=((start, len(text)),))
    assert [p.name for p in found] == ["Joe Biden"]


def test_model_entities_are_merged_with_rules(tmp_path: Path) -> None:
    """A PER entity of a statistical pipeline is a person even when no rule cue fires."""
    base = spacy.blank("de")
    ruler: Any = base.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PER", "pattern": [{"TEXT": "Zorro"}, {"TEXT": "Quastenbrink"}]}])
    base.to_disk(tmp_path)
    nlp = build_nlp("de", model=str(tmp_path))
    text = "Am Abend traf Zorro Quastenbrink den Verteidigungsminister Boris Pistorius in Berlin."
    doc = nlp(make_doc(nlp, text, doc_id="m"))
    found = {p.name: p for p in doc._.people}
    assert set(found) == {"Zorro Quastenbrink", "Boris Pistorius"}
    assert found["Zorro Quastenbrink"].rule == "model"
    assert found["Boris Pistorius"].role_en == "Minister of Defense"
    # the rules alone miss the unknown name
    assert "Zorro Quastenbrink" not in {p.name for p in people(text, "de")}


def test_people_data_files_are_consistent() -> None:
    assert {r["kind"] for r in load_tsv("first_names.tsv")} == {"given", "family_first"}
    kinds = {"office", "title", "expert", "media", "counterpart", "honorific", "predecessor"}
    for lang in ("de", "en"):
        assert {r["kind"] for r in load_tsv(f"{lang}/roles.tsv")} <= kinds
    assert {r["kind"] for r in load_tsv("not_people.tsv")} <= {"name", "word", "product", "break"}
    for row in load_tsv("known_people.tsv"):
        assert len(row["name"].split()) >= 2 and row["country"]


# ---- accuracy on gold ------------------------------------------------------------------


def score(raw: Path, gold: Path) -> dict[str, float]:
    """People P/R/F1 and role_en/country accuracy as GOLD.md defines them."""
    from pipeline.ingest import discover, ingest_file
    from pipeline.runner import article_doc

    tp = fp = fn = 0
    right = {"role_en": 0, "country": 0}
    for path in discover(raw):
        article = ingest_file(path, raw)
        gold_path = gold / f"{article.document.doc_id}.gold.json"
        if not gold_path.exists() or not article.ok or article.document.lang is None:
            continue
        data = json.loads(gold_path.read_text(encoding="utf-8"))
        optional = {
            fold(o if isinstance(o, str) else o.get("name", ""))
            for o in data.get("optional", {}).get("people", [])
        }
        nlp = cached_nlp(article.document.lang.value)
        doc = nlp(article_doc(nlp, article))
        golds = data["people"]
        used: set[int] = set()
        for person in doc._.people:
            key = fold(person.name)
            hit = next(
                (
                    i
                    for i, g in enumerate(golds)
                    if i not in used and key in {fold(g["name"]), *(fold(a) for a in g.get("aliases", []))}
                ),
                None,
            )
            if hit is None:
                fp += key not in optional
                continue
            used.add(hit)
            tp += 1
            for attr in right:
                right[attr] += getattr(person, attr) == golds[hit].get(attr)
        fn += len(golds) - len(used)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / max(1e-9, precision + recall),
        "role_en": right["role_en"] / max(1, tp),
        "country": right["country"] / max(1, tp),
        "tp": tp,
    }


def test_seed_gold(seeds: Path) -> None:
    result = score(seeds, seeds)
    assert result["tp"] > 0
    assert result["f1"] >= 0.90, result
    assert result["role_en"] >= 0.85, result
    assert result["country"] >= 0.85, result


def test_sample_gold() -> None:
    raw, gold = REPO / "data" / "raw", REPO / "data" / "gold"
    if not gold.is_dir() or not any(gold.glob("*.gold.json")):
        pytest.skip("no sample gold in data/gold")
    result = score(raw, gold)
    assert result["f1"] >= 0.90, result
    assert result["role_en"] >= 0.70, result
    assert result["country"] >= 0.80, result


def test_known_office_holders_get_roles_only_in_their_term() -> None:
    from datetime import date

    text = "Eine Wiederwahl von Donald Trump könnte die Strategie erschüttern. Trump drohte mit Zöllen."
    before = {p.name: p for p in people(text, "de", published=date(2024, 4, 10))}
    assert (before["Donald Trump"].role_en, before["Donald Trump"].country) == (None, "US")
    during = {p.name: p for p in people(text, "de", published=date(2025, 3, 30))}
    assert (during["Donald Trump"].role, during["Donald Trump"].role_en) == (None, "President")
    # a role the text gives wins over the list
    text = "Der frühere Präsident Donald Trump sprach in Ohio."
    assert people(text, "de", published=date(2024, 4, 10))[0].role_en == "former President"


def test_rank_abbreviations_chain_to_the_office() -> None:
    text = "Pentagon spokesman Maj. Gen. Pat Ryder said the weapons would be served by soldiers."
    (ryder,) = people(text, "en")
    assert (ryder.name, ryder.role_en, ryder.country) == ("Pat Ryder", "spokesperson", "US")
    text = '"Production is not," said Ieva Kalniņa, a Riga-based analyst with the Baltic Security Initiative.'
    (analyst,) = people(text, "en")
    assert (analyst.name, analyst.role_en, analyst.country) == ("Ieva Kalniņa", "analyst", None)


def test_word_memos_keep_context_dependent_answers() -> None:
    """The people stage memoises what a word alone says; the context ("Maj." split from its
    period, the document) must still decide per mention, in any order of documents."""
    text = "Pentagon spokesman Maj. Gen. Pat Ryder said the weapons would be served by soldiers."
    first = [(p.name, p.role_en) for p in people(text, "en")]
    people("Maj Gen Pat Ryder and Gen Nakatani met in Tokyo, Ryder said.", "en")
    assert [(p.name, p.role_en) for p in people(text, "en")] == first == [("Pat Ryder", "spokesperson")]


def test_role_tokens_are_the_tokens_of_its_text() -> None:
    """A role phrase keeps its token range as it is built; it is what ``token_range`` finds
    for its characters (callers read it instead of searching)."""
    checked = 0
    for lang, case in CASES:
        nlp = cached_nlp(lang)
        doc = nlp(make_doc(nlp, case["text"], doc_id="t"))
        stage: Any = nlp.get_pipe("people")
        for cand in stage.candidates(doc)[0]:
            for role in cand.roles:
                assert role.tokens == token_range(doc, role.start, role.end), (case["text"], role)
                checked += 1
    assert checked > 50


def test_byline_matches_tried_where_they_open_are_finditer() -> None:
    """``_line_matches`` tries a byline pattern only where one of its opening characters
    stands: the same matches as ``finditer`` after the match at the text's start."""
    atoms = ["Von", "By", "Text:", "Reporting by", "Additional", "Hans", "Müller", "Anna", "Jr.", "und"]
    atoms += ["Von Hans Müller", "By Anna Öz", "(Von Anna Müller", "Writing by Hans Öz-Müller"]
    atoms += [",", " ", "\t", "\n", ".", "!", "?", "(", ";", "12.3.2024", "hat", "Öz", "-", "’"]
    pairs = [
        (_BYLINE_PREFIXED_FIRST, _BYLINE_PREFIXED, _BYLINE_PREFIXED_OPENS),
        (_BYLINE_BARE_FIRST, _BYLINE_BARE, _BYLINE_BARE_OPENS),
    ]
    rnd = random.Random(11)
    for _ in range(10_000):
        text = "".join(
            rnd.choice(atoms) + rnd.choice(["", " ", "\n", ". ", "; ", " ("])
            for _ in range(rnd.randint(1, 14))
        )
        for first, rest, opens in pairs:
            start = first.match(text)
            expected = ([start] if start else []) + list(rest.finditer(text, start.end() if start else 0))
            found = list(_line_matches(first, rest, opens, text))
            assert [(m.span(), m.groupdict()) for m in found] == [
                (m.span(), m.groupdict()) for m in expected
            ], text


def test_bare_byline_lookahead_keeps_the_matches() -> None:
    """The bare byline pattern's lookahead only skips hopeless starts: random texts of names,
    joiners, dates, other words and white space give the same matches without it."""
    plain = re.compile(rf"[\n.!?]{_BYLINE_BARE_BODY}", re.M)
    atoms = ["Hans", "Müller", "O'Brien", "Jae-myung", "Jr.", "und", "and", "&", ",", " ", "\t"]
    atoms += ["\n", ".", "!", "12.3.2024", "3", "hat", "Öz", "\xa0", "\r", "-", "’", "A1b", "_", "Él"]
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(
            rnd.choice(atoms) + rnd.choice(["", " ", "\n", ". "]) for _ in range(rnd.randint(1, 12))
        )
        found = [(m.span(), m.group("names"), m.group("date")) for m in _BYLINE_BARE.finditer(text)]
        assert found == [(m.span(), m.group("names"), m.group("date")) for m in plain.finditer(text)], text


def test_not_name_window_finds_every_overlapping_range() -> None:
    """``_not_name_near`` holds wherever a range of ``_not_name_ranges`` (the scan of the whole
    text) overlaps the span: random texts of non-person names, cut or glued to other words."""
    rnd = random.Random(5)
    overlapping = 0
    for lang in ("de", "en"):
        names = sorted(lexicon(lang).not_names)
        glue = ["", " ", "x", "-", "\n", "s ", ".", "Ä"]
        for _ in range(300):
            text = "".join(
                rnd.choice(glue) + rnd.choice(names)[: rnd.randint(1, 40)] + rnd.choice(glue)
                for _ in range(rnd.randint(1, 10))
            )
            ranges = _not_name_ranges(text, lang)
            for _ in range(50):
                start = rnd.randrange(len(text))
                end = min(len(text), start + rnd.randint(1, 40))
                if any(s < end and e > start for s, e in ranges):
                    assert _not_name_near(text, lang, start, end), (text, start, end)
                    overlapping += 1
    assert overlapping > 1000


def test_nonzero_is_the_indexes_of_nonzero_items() -> None:
    """``_nonzero`` (indexes picked from a list kept between calls) is ``compress(range(n))``,
    for longer and shorter lists in any order."""
    rnd = random.Random(3)
    for size in [0, 5, 300, 2, 1000, 999, 1]:
        flags = [rnd.choice([0, 0, 1, 4, 9]) for _ in range(size)]
        assert _nonzero(flags) == [k for k, flag in enumerate(flags) if flag]
