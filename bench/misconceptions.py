"""How well are stated misconceptions caught, and how often is a right answer wrongly flagged?

    .venv/bin/python bench/misconceptions.py [--json out.json]

Caught (recall): for every misconception phrasing in the bank, hold it out, append it to the
first two sentences of the question's model answer, and score against a rubric that keeps
only the misconception's other phrasings. A held-out phrasing was written to say the same
wrong thing in other words, so this measures what a candidate's own wording would get.
Wrongly flagged: the labelled calibration answers (tests/data/calibration/, none of which
states a misconception) and every model answer. Reported for a grid of the two settings that
decide a flag: the similarity threshold and the margin over the best rubric point.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.scoring.answer import grade_text  # noqa: E402
from assistant.gates.calibration import load_calibration  # noqa: E402
from assistant.scoring.coverage import CoverageScorer  # noqa: E402
from assistant.scoring.spans import sentences_from_text  # noqa: E402
from assistant.services import Services  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = (0.70, 0.72, 0.75, 0.78, 0.80, 0.82, 0.85)
MARGINS = (0.0, 0.05, 0.10)


def held_out_cases(bank) -> list[tuple[object, str, str]]:
    """(question with a reduced rubric, misconception id, answer stating the held-out phrasing)."""
    cases = []
    for question in bank.questions.values():
        if not question.rubric or not question.rubric.misconceptions:
            continue
        lead = " ".join(s.text for s in sentences_from_text(question.model_answer)[:2])
        for misconception in question.rubric.misconceptions:
            for index, held in enumerate(misconception.variants):
                rest = [v for i, v in enumerate(misconception.variants) if i != index]
                if not rest:
                    continue
                reduced = replace(misconception, text=rest[0], paraphrases=tuple(rest[1:]))
                rubric = replace(question.rubric, misconceptions=tuple(
                    reduced if m.id == misconception.id else m for m in question.rubric.misconceptions))
                cases.append((replace(question, rubric=rubric), misconception.id, f"{lead} {held}"))
    return cases


def right_answers(bank) -> list[tuple[object, str, str]]:
    """(question, kind, answer) for answers that state no misconception."""
    answers = [(bank.get(a.question_id), a.kind, a.answer) for a in load_calibration(REPO / "tests" / "data" / "calibration")]
    return answers + [(q, "model", q.model_answer) for q in bank.questions.values() if q.rubric]


def measure(scorer: CoverageScorer, cases, right) -> dict:
    caught = sum(mid in {m.misconception_id for m in grade_text(scorer, q, text).misconceptions} for q, mid, text in cases)
    flagged = [(q.id, kind, [m.misconception_id for m in score.misconceptions])
               for q, kind, text in right if (score := grade_text(scorer, q, text)).misconceptions]
    calibration = [f for f in flagged if f[1] != "model"]
    return {"caught": round(caught / len(cases), 3),
            "right_calibration_answers_flagged": len(calibration),
            "model_answers_flagged": len(flagged) - len(calibration),
            "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    services = Services()
    cases, right = held_out_cases(services.bank), right_answers(services.bank)
    calibration_count = sum(kind != "model" for _, kind, _ in right)
    print(f"{len(cases)} held-out misconception phrasings; {calibration_count} calibration answers and "
          f"{len(right) - calibration_count} model answers that state none")
    base = services.scorer.thresholds
    rows = []
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            scorer = CoverageScorer(services.embedder, replace(base, misconception=threshold, misconception_margin=margin))
            row = {"threshold": threshold, "margin": margin} | measure(scorer, cases, right)
            rows.append(row)
            configured = " (configured)" if (threshold, margin) == (base.misconception, base.misconception_margin) else ""
            print(f"threshold {threshold:.2f} margin {margin:.2f}: caught {row['caught']:.1%}, right answers flagged "
                  f"{row['right_calibration_answers_flagged']}/{calibration_count} calibration, "
                  f"{row['model_answers_flagged']} model{configured}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"held_out": len(cases), "right_answers": len(right), "grid": rows}, indent=2))


if __name__ == "__main__":
    main()
