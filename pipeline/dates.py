"""Stage 'dates': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class DatesStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.dates = []
        return doc


@Language.factory("dates")
def make_dates(nlp: Language, name: str) -> DatesStage:
    return DatesStage(nlp.lang)
