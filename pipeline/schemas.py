"""Generate ``schemas/<Record>.schema.json`` from the record models; ``--check`` fails on drift.

Run ``python -m pipeline.schemas`` after changing ``pipeline/records.py``; ``make test``
runs ``--check`` so committed schemas never disagree with the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from .records import RECORD_TYPES, Evidence, NumberMention, Records

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
_MODELS: list[type[BaseModel]] = [*RECORD_TYPES.values(), Evidence, NumberMention, Records]
MODELS: dict[str, type[BaseModel]] = {model.__name__: model for model in _MODELS}


def render() -> dict[str, str]:
    """File name -> JSON text of every schema."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
        for name, model in sorted(MODELS.items())
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if schemas/ is out of date")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR)
    args = parser.parse_args(argv)
    expected = render()
    if args.check:
        stale = [
            name
            for name, text in expected.items()
            if not (args.dir / name).exists() or (args.dir / name).read_text(encoding="utf-8") != text
        ]
        extra = sorted(p.name for p in args.dir.glob("*.schema.json") if p.name not in expected)
        if stale or extra:
            print(f"schemas out of date: {', '.join(stale + extra)}; run `make schemas`", file=sys.stderr)
            return 1
        print(f"schemas up to date ({len(expected)} files)")
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        (args.dir / name).write_text(text, encoding="utf-8")
    for path in args.dir.glob("*.schema.json"):
        if path.name not in expected:
            path.unlink()
    print(f"wrote {len(expected)} schemas to {args.dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
