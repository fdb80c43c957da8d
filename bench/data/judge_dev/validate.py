"""Check the point-judge development set (bench/data/judge_dev/*.yaml).

Run from the repository root:  .venv/bin/python bench/data/judge_dev/validate.py

Checks, for every entry:
- the question id exists, is a built-in question with a rubric, and sits in the topic file
  named after its topic;
- `kind` is one of the six kinds, and every label is stated / partial / absent;
- the label keys equal exactly the question's rubric point ids (for sd-* questions the loader
  has already merged the seven ml-system-design template points);
- each misconception id belongs to that question's rubric;
- no answer appears twice, and every answer has at least one `absent` label;
- no answer shares a run of 8 or more consecutive words with the question's point texts, the
  points' paraphrases (`point.variants`) or the model answer, except the spoken formulas in
  FORMULA_ALLOWLIST.

It also prints the counts used in README.md. Exits with status 1 if any check fails.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from assistant.domain import BUILT_IN  # noqa: E402
from assistant.services import Services  # noqa: E402

HERE = Path(__file__).resolve().parent
KINDS = ("partial", "negation", "swapped", "other-points", "misconception", "vague")
LABELS = ("stated", "partial", "absent")
RUN = 8

# Spoken formulas that necessarily use the rubric's words: (question id, the shared words).
# An overlap is allowed only if the whole shared run lies inside one of these phrases.
FORMULA_ALLOWLIST: dict[str, tuple[str, ...]] = {
    "math-bernoulli-mle": (
        "theta to the k times one minus theta to the n minus k",
        "minus k over theta squared minus n minus k over one minus theta squared",
    ),
    "math-softmax-logsumexp": (
        "is e to the z k over the",
        "m plus the log of the sum of e to the z i minus m",
        "the hessian is diag of p minus p p transpose",
    ),
}


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def overlaps(answer: str, sources: list[str]) -> list[str]:
    """Maximal runs of >= RUN answer words that also occur in one of the sources."""
    a = words(answer)
    grams: set[tuple[str, ...]] = set()
    for source in sources:
        grams |= ngrams(words(source), RUN)
    hits, i = [], 0
    while i <= len(a) - RUN:
        if tuple(a[i : i + RUN]) in grams:
            j = i + RUN
            while j < len(a) and tuple(a[j - RUN + 1 : j + 1]) in grams:
                j += 1
            hits.append(" ".join(a[i:j]))
            i = j
        else:
            i += 1
    return hits


def allowed(question_id: str, run: str) -> bool:
    return any(run in " ".join(words(p)) for p in FORMULA_ALLOWLIST.get(question_id, ()))


def main() -> int:
    bank = Services().bank
    errors: list[str] = []
    seen: dict[str, str] = {}
    table: dict[str, Counter] = {}
    questions_per_file: dict[str, set[str]] = {}
    misconception_total = 0

    files = sorted(HERE.glob("*.yaml"))
    if not files:
        errors.append("no YAML files found")
    for path in files:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        counts = table.setdefault(path.name, Counter())
        questions_per_file.setdefault(path.name, set())
        for n, entry in enumerate(entries, 1):
            where = f"{path.name} entry {n}"
            qid = entry.get("question")
            if qid not in bank.questions:
                errors.append(f"{where}: unknown question {qid!r}")
                continue
            q = bank.questions[qid]
            where += f" ({qid})"
            if q.source != BUILT_IN or q.rubric is None:
                errors.append(f"{where}: not a built-in question with a rubric")
                continue
            if q.topic.replace("-", "_") + ".yaml" != path.name:
                errors.append(f"{where}: topic {q.topic} does not match file {path.name}")
            questions_per_file[path.name].add(qid)
            kind = entry.get("kind")
            if kind not in KINDS:
                errors.append(f"{where}: bad kind {kind!r}")
            counts[f"kind:{kind}"] += 1
            counts["answers"] += 1

            point_ids = [p.id for p in q.rubric.points]
            labels = entry.get("labels") or {}
            if set(labels) != set(point_ids) or len(labels) != len(point_ids):
                missing = sorted(set(point_ids) - set(labels))
                extra = sorted(set(labels) - set(point_ids))
                errors.append(f"{where}: label keys differ; missing {missing}, extra {extra}")
            for pid, value in labels.items():
                if value not in LABELS:
                    errors.append(f"{where}: label {pid}={value!r} is not one of {LABELS}")
                counts[f"label:{value}"] += 1
            if "absent" not in labels.values():
                errors.append(f"{where}: no absent label")
            if "stated" not in labels.values():
                counts["no-stated"] += 1

            misc_ids = {m.id for m in q.rubric.misconceptions}
            for mid in entry.get("misconceptions") or []:
                if mid not in misc_ids:
                    errors.append(f"{where}: misconception {mid!r} not in rubric {sorted(misc_ids)}")
                misconception_total += 1
            if kind == "misconception" and not entry.get("misconceptions"):
                errors.append(f"{where}: kind misconception but no misconception ids")

            answer = " ".join(str(entry.get("answer", "")).split())
            key = " ".join(words(answer))
            if key in seen:
                errors.append(f"{where}: duplicate answer (also {seen[key]})")
            seen[key] = where
            sentences = len(re.findall(r"[.!?](?:\s|$)", answer))
            if not 2 <= sentences <= 6:
                errors.append(f"{where}: {sentences} sentences, expected 2-6")

            sources = [v for p in q.rubric.points for v in p.variants] + [q.model_answer]
            for run in overlaps(answer, sources):
                if not allowed(qid, run):
                    errors.append(f"{where}: shares {len(run.split())} words with the rubric/model answer: {run!r}")

    total = Counter()
    for c in table.values():
        total.update(c)
    print("| topic file | questions | answers | " + " | ".join(KINDS) + " | stated | partial | absent |")
    print("|---" * (3 + len(KINDS) + 3) + "|")
    for name, c in table.items():
        cells = [name, str(len(questions_per_file[name])), str(c["answers"])]
        cells += [str(c[f"kind:{k}"]) for k in KINDS]
        cells += [str(c[f"label:{v}"]) for v in LABELS]
        print("| " + " | ".join(cells) + " |")
    n_labels = sum(total[f"label:{v}"] for v in LABELS) or 1
    cells = ["**total**", str(sum(len(s) for s in questions_per_file.values())), str(total["answers"])]
    cells += [str(total[f"kind:{k}"]) for k in KINDS]
    cells += [f"{total[f'label:{v}']} ({100 * total[f'label:{v}'] / n_labels:.1f}%)" for v in LABELS]
    print("| " + " | ".join(cells) + " |")
    print(f"labels: {n_labels}; misconception ids asserted: {misconception_total}; "
          f"answers with no stated point: {total['no-stated']}")

    if errors:
        print(f"\n{len(errors)} problem(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
