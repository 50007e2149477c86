"""Stage 'weapons': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class WeaponsStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.weapons_orders = []
        return doc


@Language.factory("weapons")
def make_weapons(nlp: Language, name: str) -> WeaponsStage:
    return WeaponsStage(nlp.lang)
