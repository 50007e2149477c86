"""Score a run's records against gold annotations (format and rules: ``shared/spec/GOLD.md``).

Matching is one-to-one per document and per record type on the keys GOLD.md names;
records matching an ``optional`` gold entry count neither way. Attribute accuracy
is the share of matched records whose other fields equal gold's.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .records import ConflictKind, Records

REPO = Path(__file__).resolve().parent.parent
SHARED_SEEDS = REPO.parent / "shared" / "corpus" / "seeds"
TYPES = ("people", "troops", "weapons_orders", "budgets", "dates")
#: Gold keys that must be equal for a match, per record type (dates are special).
KEYS: dict[str, tuple[str, ...]] = {
    "people": ("name",),
    "troops": ("force", "host", "count"),
    "weapons_orders": ("buyer", "seller", "system", "quantity"),
    "budgets": ("country", "value", "unit"),
    "dates": ("value",),
}
#: Attributes scored over matched records.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "people": ("role_en", "country"),
    "troops": ("qualifier", "as_of"),
    "weapons_orders": ("category", "status"),
    "budgets": ("measure", "status", "year"),
    "dates": ("kind",),
}


@dataclass(frozen=True)
class Corpus:
    name: str
    raw: Path
    gold: Path
    #: Gated corpora make up the "total" row that the accuracy test enforces; a held-out
    #: corpus is only reported, so that rules are never tuned against it.
    gated: bool = True


def default_corpora(holdout: bool = False) -> list[Corpus]:
    corpora = [Corpus("sample", REPO / "data" / "raw", REPO / "data" / "gold")]
    if SHARED_SEEDS.is_dir():
        corpora.append(Corpus("seeds", SHARED_SEEDS, SHARED_SEEDS))
    held_out = REPO / "data" / "holdout"
    if holdout and (held_out / "gold").is_dir():
        corpora.append(Corpus("holdout", held_out / "raw", held_out / "gold", gated=False))
    return corpora


def fold(text: Any) -> str:
    """Case- and accent-insensitive form of a name or string."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return fold(a) == fold(b)


def _text_overlaps(predicted: str, gold: str) -> bool:
    p, g = fold(predicted), fold(gold)
    if not p or not g:
        return False
    if p in g or g in p:
        return True
    return bool({w for w in p.split() if len(w) > 3} & {w for w in g.split() if len(w) > 3})


def matches(kind: str, predicted: dict[str, Any], gold: dict[str, Any]) -> bool:
    """Does a predicted record (as a CSV-like dict) match a gold entry under GOLD.md's rules?"""
    if kind == "people":
        names = [gold.get("name"), *gold.get("aliases", [])] if isinstance(gold, dict) else [gold]
        return any(_equal(predicted.get("name"), n) for n in names if n)
    if kind == "dates":
        if isinstance(gold, str):  # optional dates are listed by text only
            return _text_overlaps(predicted.get("text") or "", gold)
        values = [gold.get("value"), *gold.get("alternatives", [])]
        return any(_equal(predicted.get("value"), v) for v in values) and _text_overlaps(
            predicted.get("text") or "", gold.get("text") or ""
        )
    return all(_equal(predicted.get(key), gold.get(key)) for key in KEYS[kind])


@dataclass
class TypeScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    attributes: dict[str, list[int]] = field(default_factory=dict)  # name -> [correct, total]
    misses: list[dict[str, Any]] = field(default_factory=list)
    spurious: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "attributes": {
                name: round(c / t, 4) if t else None for name, (c, t) in sorted(self.attributes.items())
            },
            "attribute_counts": {name: list(counts) for name, counts in sorted(self.attributes.items())},
            "misses": self.misses,
            "spurious": self.spurious,
        }


def _flat(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = record.model_dump(mode="json")
    evidence = data.pop("evidence", None) or {}
    data["quote"] = evidence.get("quote")
    return data


def score_type(
    kind: str,
    predicted: Sequence[dict[str, Any]],
    gold: Sequence[dict[str, Any]],
    optional: Sequence[Any],
    score: TypeScore,
    doc_id: str,
) -> None:
    """Greedy one-to-one matching of one document's records of one type."""
    unmatched = list(range(len(gold)))
    for record in predicted:
        hit = next((i for i in unmatched if matches(kind, record, gold[i])), None)
        if hit is None:
            if any(matches(kind, record, opt) for opt in optional):
                continue
            score.fp += 1
            score.spurious.append({"doc": doc_id, **_short(kind, record)})
            continue
        unmatched.remove(hit)
        score.tp += 1
        for attribute in ATTRIBUTES[kind]:
            if attribute not in gold[hit]:
                continue
            counts = score.attributes.setdefault(attribute, [0, 0])
            counts[1] += 1
            counts[0] += int(_equal(record.get(attribute), gold[hit][attribute]))
    score.fn += len(unmatched)
    score.misses.extend({"doc": doc_id, **gold[i]} for i in unmatched)


def _short(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    keep = {*KEYS[kind], *ATTRIBUTES[kind], "text", "quote"}
    return {k: v for k, v in record.items() if k in keep}


def load_gold(folder: Path) -> dict[str, dict[str, Any]]:
    gold = {}
    for path in sorted(folder.glob("*.gold.json")):
        if path.name == "conflicts.gold.json":
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        gold[data["doc"]] = data
    return gold


def score_records(records: Records, gold: dict[str, dict[str, Any]]) -> dict[str, TypeScore]:
    scores = {kind: TypeScore() for kind in TYPES}
    by_doc: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for kind in TYPES:
        for record in getattr(records, kind):
            by_doc.setdefault(record.doc_id, {}).setdefault(kind, []).append(_flat(record))
    for doc_id, annotation in sorted(gold.items()):
        predicted = by_doc.get(doc_id, {})
        optional = annotation.get("optional", {})
        for kind in TYPES:
            score_type(
                kind,
                predicted.get(kind, []),
                annotation.get(kind, []),
                optional.get(kind, []),
                scores[kind],
                doc_id,
            )
    return scores


def score_conflicts(records: Records, gold_path: Path) -> dict[str, Any]:
    """A gold conflict is found when a predicted one has its fact, subject and documents."""
    gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.exists() else []
    predicted = [
        (c.fact.value, c.subject, frozenset(claim.doc_id for claim in c.claims)) for c in records.conflicts
    ]
    used: set[int] = set()
    found: list[dict[str, Any]] = []
    missed: list[dict[str, Any]] = []
    for entry in gold:
        docs = frozenset(claim["doc"] for claim in entry["claims"])
        hit = next(
            (
                i
                for i, (fact, subject, pdocs) in enumerate(predicted)
                if i not in used
                and fact == entry["fact"]
                and all(_equal(subject.get(k), v) for k, v in entry["subject"].items())
                and pdocs == docs
            ),
            None,
        )
        (found if hit is not None else missed).append(entry)
        if hit is not None:
            used.add(hit)
    # A status that moved on over time is reported, but it is no disagreement between sources.
    unmatched = [
        {"fact": c.fact.value, "subject": c.subject, "kind": c.kind.value, "explanation": c.explanation}
        for i, c in enumerate(records.conflicts)
        if i not in used
    ]
    return {
        "gold": len(gold),
        "found": len(found),
        "missed": missed,
        "false": [c for c in unmatched if c["kind"] != ConflictKind.STATUS_CHANGE.value],
        "status_changes": [c for c in unmatched if c["kind"] == ConflictKind.STATUS_CHANGE.value],
    }


def evaluate_corpus(corpus: Corpus, out: Path, model: str | None = None) -> dict[str, Any]:
    """Run the pipeline on one corpus into ``out/eval/<name>`` and score it."""
    from .cli import execute_run

    report = execute_run(corpus.raw, out / "eval" / corpus.name, model=model, quiet=True)
    scores = score_records(report.records, load_gold(corpus.gold))
    return {
        "corpus": corpus.name,
        "gated": corpus.gated,
        "documents": len(report.records.documents),
        "types": {kind: score.as_dict() for kind, score in scores.items()},
        "conflicts": score_conflicts(report.records, corpus.gold / "conflicts.gold.json"),
    }


def combine(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged scores over all corpora."""
    results = list(results)
    combined: dict[str, Any] = {}
    for kind in TYPES:
        tp = sum(r["types"][kind]["tp"] for r in results)
        fp = sum(r["types"][kind]["fp"] for r in results)
        fn = sum(r["types"][kind]["fn"] for r in results)
        attributes: dict[str, list[int]] = {}
        for r in results:
            for name, (correct, total) in r["types"][kind]["attribute_counts"].items():
                counts = attributes.setdefault(name, [0, 0])
                counts[0] += correct
                counts[1] += total
        score = TypeScore(tp, fp, fn, attributes)
        combined[kind] = {k: v for k, v in score.as_dict().items() if k not in ("misses", "spurious")}
    combined["conflicts"] = {
        "gold": sum(r["conflicts"]["gold"] for r in results),
        "found": sum(r["conflicts"]["found"] for r in results),
        "missed": sum(len(r["conflicts"]["missed"]) for r in results),
        "false": sum(len(r["conflicts"]["false"]) for r in results),
    }
    return combined


def evaluate_corpora(
    out: Path, model: str | None = None, corpora: Sequence[Corpus] | None = None, holdout: bool = False
) -> dict[str, Any]:
    results = [evaluate_corpus(c, out, model) for c in (corpora or default_corpora(holdout))]
    result = {"corpora": results, "total": combine(r for r in results if r["gated"])}
    from .export import atomic_write

    atomic_write(out / "eval.json", json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return result


def print_table(result: dict[str, Any], echo: Callable[[str], None] = print) -> None:
    header = (
        f"{'corpus':<8} {'type':<15} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}  attributes"
    )
    echo(header)
    echo("-" * len(header))
    rows = [(r["corpus"], r["types"]) for r in result["corpora"] if r["gated"]] + [("total", result["total"])]
    rows += [(r["corpus"], r["types"]) for r in result["corpora"] if not r["gated"]]
    for name, types in rows:
        for kind in TYPES:
            s = types[kind]
            attrs = ", ".join(f"{k}={v:.2f}" for k, v in (s.get("attributes") or {}).items() if v is not None)
            echo(
                f"{name:<8} {kind:<15} {s['precision']:>6.2f} {s['recall']:>6.2f} {s['f1']:>6.2f} "
                f"{s['tp']:>4} {s['fp']:>4} {s['fn']:>4}  {attrs}"
            )
    for r in result["corpora"]:
        c = r["conflicts"]
        echo(
            f"{r['corpus']:<8} conflicts: {c['found']}/{c['gold']} gold found, "
            f"{len(c['missed'])} missed, {len(c['false'])} false, "
            f"{len(c['status_changes'])} status changes (not counted)"
        )
