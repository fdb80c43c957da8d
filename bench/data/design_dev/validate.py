"""Check the design-answer development set (bench/data/design_dev/*.yaml).

Run from the repository root:  .venv/bin/python bench/data/design_dev/validate.py

For every entry: a built-in system-design question; kind thorough / partial / vague-or-wrong with
its word range (README.md); labels for exactly the question's point ids (the template's seven
steps merged as the loader does), each stated / partial / absent; misconception ids of that
rubric; no answer twice. Runs of 8 or more words shared with the seven steps' texts or
paraphrases fail (the set exists to judge how those are read); runs shared with the question's
own points or model answer are listed, since the helpers saw the own points' texts.
Exits with status 1 if any check fails.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent / "judge_dev"))

from validate import LABELS, overlaps, words  # noqa: E402  (bench/data/judge_dev/validate.py)

from assistant.services import Services  # noqa: E402

WORD_RANGES = {"thorough": (180, 300), "partial": (90, 170), "vague-or-wrong": (90, 200)}


def check_entry(entry: dict, bank, where: str) -> tuple[list[str], list[str]]:
    """(problems, notes) for one entry."""
    question = bank.questions.get(entry.get("question"))
    if question is None or question.rubric is None or not question.id.startswith("sd-"):
        return [f"{where}: {entry.get('question')!r} is not a built-in system-design question with a rubric"], []
    problems, notes = [], []
    kind, answer = entry.get("kind"), " ".join(str(entry.get("answer", "")).split())
    if kind not in WORD_RANGES:
        problems.append(f"{where}: kind {kind!r} is not one of {sorted(WORD_RANGES)}")
    elif not WORD_RANGES[kind][0] <= len(answer.split()) <= WORD_RANGES[kind][1]:
        problems.append(f"{where}: {len(answer.split())} words; a {kind} answer has {WORD_RANGES[kind]}")
    ids = [p.id for p in question.rubric.points]
    labels = entry.get("labels") or {}
    if sorted(labels) != sorted(ids):
        problems.append(f"{where}: labels missing {sorted(set(ids) - set(labels))}, extra {sorted(set(labels) - set(ids))}")
    problems += [f"{where}: label {k}={v!r} is not one of {LABELS}" for k, v in labels.items() if v not in LABELS]
    known = {m.id for m in question.rubric.misconceptions}
    problems += [f"{where}: misconception {m!r} is not in the rubric" for m in entry.get("misconceptions") or [] if m not in known]
    steps = [v for p in question.rubric.points if p.template for v in p.variants]
    problems += [f"{where}: shares {len(r.split())} words with a step's wording: {r!r}" for r in overlaps(answer, steps)]
    own = [v for p in question.rubric.points if not p.template for v in p.variants] + [question.model_answer]
    notes += [f"{where}: shares {len(r.split())} words with an own point or the model answer: {r!r}" for r in overlaps(answer, own)]
    return problems, notes


def main() -> int:
    bank = Services().bank
    problems, notes, seen, labels = [], [], {}, Counter()
    for path in sorted(HERE.glob("*.yaml")):
        for n, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")) or [], 1):
            where = f"{path.name} entry {n} ({entry.get('question')}, {entry.get('kind')})"
            found, noted = check_entry(entry, bank, where)
            problems += found
            notes += noted
            key = " ".join(words(str(entry.get("answer", ""))))
            if key in seen:
                problems.append(f"{where}: the same answer as {seen[key]}")
            seen[key] = where
            question = bank.questions.get(entry.get("question"))
            template = {p.id for p in question.rubric.points if p.template} if question and question.rubric else set()
            labels.update(("step" if k in template else "own", v) for k, v in (entry.get("labels") or {}).items())
    print(f"{len(seen)} answers; steps: " + ", ".join(f"{labels['step', v]} {v}" for v in LABELS)
          + "; own points: " + ", ".join(f"{labels['own', v]} {v}" for v in LABELS))
    for note in notes:
        print("note: " + note)
    for problem in problems:
        print("problem: " + problem)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
