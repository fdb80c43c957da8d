"""Scoring latency for one answer, `viva grade` throughput, and agreement with SemEval-2013.

    .venv/bin/python bench/grading.py [--rows 2000] [--json out.json]

- latency: one spoken-length answer (a model answer) scored against its rubric, embedder warm;
- throughput: --rows short answers from SemEval-2013 (../shared/eval) graded in one batch,
  embedder loaded but cache cold, as `viva grade` does;
- SemEval 2-way: the answer's best blended similarity to the reference answers, thresholded
  on the train split, weighted F1 on the test splits (zero-shot: nothing else is trained).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assistant.scoring.answer import grade_text  # noqa: E402
from assistant.scoring.reference import GradeRow, grade_rows  # noqa: E402
from assistant.services import Services  # noqa: E402

SEMEVAL = REPO.parent / "shared" / "eval" / "semeval2013" / "semeval2013_2way_flat.csv"


def load_semeval() -> list[dict]:
    with SEMEVAL.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def weighted_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    total = 0.0
    for label in (True, False):
        tp = np.sum((predicted == label) & (truth == label))
        precision = tp / max(np.sum(predicted == label), 1)
        recall = tp / max(np.sum(truth == label), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        total += f1 * np.sum(truth == label)
    return float(total / max(len(truth), 1))


def semeval_similarities(services: Services, rows: list[dict]) -> np.ndarray:
    grade = [GradeRow(r["question"], r["all_reference_answers"], r["student_answer"]) for r in rows]
    return np.array([s.points[0].similarity if s.points else 0.0 for s in grade_rows(services.scorer, grade)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    services = Services()
    report: dict = {}

    question = services.bank.get("llm-self-attention")
    grade_text(services.scorer, question, "warm up the model")
    start = time.perf_counter()
    repeats = 5
    for i in range(repeats):
        grade_text(services.scorer, question, question.model_answer + f" ({i})")  # defeat the cache
    report["score_one_answer_ms"] = round(1000 * (time.perf_counter() - start) / repeats, 1)
    report["answer_words"] = len(question.model_answer.split())

    rows = load_semeval()
    sample = rows[: args.rows]
    services.embedder._cache.clear()  # cold cache, warm model: what `viva grade` pays per file
    start = time.perf_counter()
    grade_rows(services.scorer, [GradeRow(r["question"], r["reference_answer_best"], r["student_answer"]) for r in sample])
    took = time.perf_counter() - start
    report["grade_rows"] = len(sample)
    report["grade_seconds"] = round(took, 2)
    report["grade_rows_per_second"] = round(len(sample) / took, 1)

    similarities = semeval_similarities(services, rows)
    truth = np.array([r["label_2way"] == "correct" for r in rows])
    splits = np.array([f"{r['corpus']}/{r['split']}" for r in rows])
    semeval: dict[str, dict] = {}
    for corpus in ("beetle", "sciEntsBank"):
        train = splits == f"{corpus}/train"
        thresholds = np.round(np.arange(0.2, 0.95, 0.01), 2)
        best = max(thresholds, key=lambda t: weighted_f1(truth[train], similarities[train] >= t))
        for split in ("test-unseen-answers", "test-unseen-questions", "test-unseen-domains"):
            mask = splits == f"{corpus}/{split}"
            if mask.any():
                semeval[f"{corpus}/{split}"] = {
                    "threshold": float(best), "answers": int(mask.sum()),
                    "weighted_f1": round(weighted_f1(truth[mask], similarities[mask] >= best), 3),
                }
    report["semeval_2way"] = semeval
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
