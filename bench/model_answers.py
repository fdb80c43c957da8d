"""Every model answer on its own rubric, with the point check, point by point.

    .venv/bin/python bench/model_answers.py [--prefix sd-] [--json out.json]

A model answer should score >= 80 on its own rubric (issue 12). bench/judge_quality.py reports
the overall figure for every n-th question; this shows which points fall, with each point's
status and P(yes) from the point check (None: the embedding stage never credited it, so it was
not read). It found the shared system-design framework points failing on all 20 design
questions (bench/results/model_answers_sd.json). About 10 s a question on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judge_quality import built_in_questions  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.practice import check_points  # noqa: E402
from assistant.scoring.answer import grade_text  # noqa: E402
from assistant.services import Services  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prefix", default="", help="only questions whose id starts with this, e.g. sd-")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    services = Services(load_settings(point_check="on"))
    questions = built_in_questions(services, args.prefix)
    report, start = {}, time.perf_counter()
    for q in questions:
        score = check_points(services, grade_text(services.scorer, q, q.model_answer), q.model_answer)
        report[q.id] = {"overall": score.overall,
                        "points": [[p.text[:90], p.status.value, p.confirmed] for p in score.points]}
        print(f"{q.id:36s} {score.overall:5.1f}  {time.perf_counter() - start:6.0f} s", flush=True)
    below = sorted(i for i, r in report.items() if r["overall"] < 80)
    print(f"{len(below)} of {len(report)} below 80: {', '.join(below)}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
