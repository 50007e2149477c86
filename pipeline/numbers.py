"""Stage 'numbers': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class NumbersStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.numbers = []
        return doc


@Language.factory("numbers")
def make_numbers(nlp: Language, name: str) -> NumbersStage:
    return NumbersStage(nlp.lang)
