"""CI's accuracy gate: the pipeline scored against gold must stay above tests/accuracy_thresholds.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

THRESHOLDS = yaml.safe_load((Path(__file__).parent / "accuracy_thresholds.yaml").read_text(encoding="utf-8"))
TYPES = ("people", "troops", "weapons_orders", "budgets", "dates")


@pytest.mark.parametrize("kind", TYPES)
def test_record_type_meets_thresholds(eval_run: tuple[Path, dict], kind: str) -> None:
    _, result = eval_run
    score = result["total"][kind]
    for metric in ("precision", "recall", "f1"):
        assert score[metric] >= THRESHOLDS[kind][metric], (
            f"{kind} {metric} {score[metric]:.3f} < {THRESHOLDS[kind][metric]}; "
            f"misses/spurious per corpus in eval.json"
        )


def test_attribute_accuracy_meets_thresholds(eval_run: tuple[Path, dict]) -> None:
    _, result = eval_run
    for kind, attributes in (THRESHOLDS.get("attributes") or {}).items():
        for attribute, minimum in (attributes or {}).items():
            values = [
                r["types"][kind]["attributes"].get(attribute)
                for r in result["corpora"]
                if r["gated"] and r["types"][kind]["attributes"].get(attribute) is not None
            ]
            assert values, f"no matched {kind} records carry {attribute}"
            assert min(values) >= minimum, f"{kind}.{attribute} accuracy {min(values):.2f} < {minimum}"


def test_conflicts_against_gold(eval_run: tuple[Path, dict]) -> None:
    _, result = eval_run
    wanted = THRESHOLDS["conflicts"]
    for corpus in (c for c in result["corpora"] if c["gated"]):
        conflicts = corpus["conflicts"]
        if wanted["all_found"]:
            assert not conflicts["missed"], f"{corpus['corpus']}: missed {conflicts['missed']}"
        if wanted["no_false"]:
            assert not conflicts["false"], f"{corpus['corpus']}: false conflicts {conflicts['false']}"


def test_eval_json_is_written(eval_run: tuple[Path, dict]) -> None:
    out, result = eval_run
    assert (out / "eval.json").is_file()
    assert {c["corpus"] for c in result["corpora"]} >= {"sample"}
