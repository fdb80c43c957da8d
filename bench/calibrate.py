"""Calibrate the rubric-coverage thresholds on the labelled set in tests/data/calibration/.

    .venv/bin/python bench/calibrate.py [--json out.json]

Grid-searches hit / partial thresholds and the keyword weight for the best 3-way agreement
with the labels, reports leave-one-topic-out agreement (so the figure is not just the fit),
and mean scores per answer kind (full > paraphrased > partial > rambling > off-topic/empty).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.gates.calibration import load_calibration, point_signals  # noqa: E402
from assistant.scoring.calibration import agreement, answer_scores, status_for  # noqa: E402
from assistant.services import Services  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
HITS = np.round(np.arange(0.40, 0.86, 0.01), 2)
PARTIAL_GAPS = np.round(np.arange(0.04, 0.25, 0.02), 2)
KEYWORD_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4)


def best_parameters(signals) -> tuple[float, float, float, float]:
    best = (-1.0, 0.0, 0.0, 0.0)
    for kw in KEYWORD_WEIGHTS:
        for hit in HITS:
            for gap in PARTIAL_GAPS:
                a = agreement(signals, hit, hit - gap, kw)
                # Exact agreement, and a penalty for the worst error (hit where the label says miss, or the reverse).
                objective = a.exact + 0.5 * a.within_one
                if objective > best[0]:
                    best = (objective, float(hit), float(round(hit - gap, 2)), kw)
    return best[1], best[2], best[3], best[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()

    services = Services()
    answers = load_calibration(REPO / "tests" / "data" / "calibration")
    signals = point_signals(services.scorer, services.bank, answers)
    hit, partial, kw, _ = best_parameters(signals)
    fitted = agreement(signals, hit, partial, kw)
    current = services.settings
    configured = agreement(signals, current.hit_threshold, current.partial_threshold, current.keyword_weight)

    # Leave one topic out: fit on seven topics, measure on the eighth.
    topics = sorted({services.bank.get(a.question_id).topic for a in answers})
    held_out = []
    for topic in topics:
        in_topic = {i for i, a in enumerate(answers) if services.bank.get(a.question_id).topic == topic}
        train = [s for s in signals if s.answer_index not in in_topic]
        test = [s for s in signals if s.answer_index in in_topic]
        h, p, k, _ = best_parameters(train)
        held_out.append(agreement(test, h, p, k))

    statuses = [status_for((1 - kw) * s.cosine + kw * s.keyword_fraction, hit, partial).value for s in signals]
    scores = answer_scores(signals, statuses)
    by_kind: dict[str, list[float]] = {}
    for index, (predicted, _) in scores.items():
        by_kind.setdefault(answers[index].kind, []).append(predicted)

    report = {
        "answers": len(answers), "point_labels": len(signals),
        "best": {"hit": hit, "partial": partial, "keyword_weight": kw, **fitted.__dict__},
        "configured": {"hit": current.hit_threshold, "partial": current.partial_threshold,
                       "keyword_weight": current.keyword_weight, **configured.__dict__},
        "leave_one_topic_out": {k: float(np.mean([getattr(a, k) for a in held_out])) for k in fitted.__dict__},
        "mean_score_by_kind": {k: round(float(np.mean(v)), 1) for k, v in sorted(by_kind.items())},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
