"""Stage 'budgets': placeholder until its issue lands (writes an empty list)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


class BudgetsStage:
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, doc: Doc) -> Doc:
        doc._.budgets = []
        return doc


@Language.factory("budgets")
def make_budgets(nlp: Language, name: str) -> BudgetsStage:
    return BudgetsStage(nlp.lang)
