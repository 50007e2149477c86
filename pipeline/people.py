"""Stage 'people': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class PeopleStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.people = []
        return doc


@Language.factory("people")
def make_people(nlp: Language, name: str) -> PeopleStage:
    return PeopleStage(nlp.lang)
