"""Bilingual news fact extraction: people, dates, troop numbers, weapons orders, budgets.

Notebook entry points (imported lazily so ``pipeline.records`` stays light)::

    from pipeline import run, extract, load_records
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Records", "extract", "load_records", "run"]

if TYPE_CHECKING:
    from .api import Records, extract, load_records, run


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(name)
