"""Stage 'troops': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class TroopsStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.troops = []
        return doc


@Language.factory("troops")
def make_troops(nlp: Language, name: str) -> TroopsStage:
    return TroopsStage(nlp.lang)
