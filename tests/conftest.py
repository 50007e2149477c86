"""Shared fixtures: the repository paths and the seed corpus when ``../shared`` is present."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "corpus" / "seeds"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/corpus/seeds is not present")
    return SEEDS


@pytest.fixture(scope="session")
def eval_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One pipeline run per gold corpus (sample, and seeds when present), scored once per session."""
    from pipeline.evaluate import evaluate_corpora

    out = tmp_path_factory.mktemp("eval")
    return out, evaluate_corpora(out)
