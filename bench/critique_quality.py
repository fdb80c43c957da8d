"""How good is the critique? Models and prompt designs side by side on the same scored answers.

    .venv/bin/python bench/critique_quality.py --model bundled --model 1.5b=/path/qwen1.5b.gguf \
        [--before /path/to/old/checkout] [--limit 40] [--out bench/results/critique_quality]

Answers: the calibration set's partial answers (one per question), then paraphrased and rambling
ones in turn, up to --limit; each is scored by the real scorer, as the user would see it. Each
(model, code) pair runs in its own process: `--before` names a checkout of the earlier critique
code (its prompt and checker) to run beside this one.

Per configuration: the share of critiques fully from the model (no part filled from the rubric),
the sentences the checker dropped by reason, what reached the user that the current checker
would still object to (audit: claims about coverage against the measured score, facts the bank
does not support), time to the first token after the score is ready, tokens per second,
whole-critique time and peak RSS. As in the app: the critique prompt's prefix (and, where the code
has it, the question's rubric part) is read first, as while the user answers; then the answer is
scored and, with the bundled 1.5B, its credited points are re-read by the point check on the same
model instance; then the critique is written.
Writes <out>.json and <out>.md (every critique, for reading and labelling by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
KINDS = ("partial", "paraphrased", "rambling")


def pick_answers(limit: int, skip: int = 0) -> list:
    from assistant.gates.calibration import load_calibration

    answers = load_calibration(REPO / "tests" / "data" / "calibration")
    by_kind = {kind: [a for a in answers if a.kind == kind] for kind in KINDS}
    picked = []
    for index in range(max(len(v) for v in by_kind.values())):
        for kind in KINDS:
            if index < len(by_kind[kind]):
                picked.append(by_kind[kind][index])
    # Partial answers first (one per question), then the others, so a small limit still spans topics.
    picked.sort(key=lambda a: KINDS.index(a.kind))
    return picked[skip:skip + limit]


def reason_of(note: str) -> str:
    for pattern, reason in ((r"does not support", "fact not in the bank"), (r"copied from the prompt", "copied example"),
                            (r"borrowed from the prompt", "worked example's subject"),
                            (r"never said", "invented quote"), (r"missed point .* was covered", "credits a missed point"),
                            (r"covered point .* was missed", "blames a covered point")):
        if re.search(pattern, note):
            return reason
    return "filled: " + note.split(":")[0].split("(")[0].strip()


def audit(row: dict, bank) -> list[str]:
    """What reached the user that this checkout's checker objects to, for any configuration's
    output (run in the parent process, so "before" is audited by the current rules)."""
    from assistant.critique.check import check_sentences
    from assistant.critique.grounding import FactSource
    from assistant.domain import PointResult, PointStatus, Score

    if row["source"] == "rubric":
        return []
    question = bank.get(row["question"])
    points = tuple(PointResult(p["id"], p["text"], p["weight"], p["critical"], PointStatus(p["status"]), 0.0, None)
                   for p in row["points"])
    keywords = {p.id: p.keywords for p in question.rubric.points}
    _, notes = check_sentences(f"{row['coaching']} {row['improvement']}", Score(row["score"], points, ()),
                               row["answer"], keywords, FactSource.for_question(question, row["answer"]))
    return notes


def run_worker(model_path: str, limit: int, skip: int = 0) -> dict:
    import numpy as np  # noqa: F401 - loaded before the models, as in the app

    from assistant.config import Settings
    from assistant.critique.critic import Critic
    from assistant.critique.engines import LlamaCppLLM
    from assistant.critique.models import assemble_bundled_gguf
    from assistant.scoring.answer import grade_text
    from assistant.services import Services
    from tests.fakes import transcript_from_words

    services = Services(settings=Settings())
    path = Path(model_path) if model_path != "bundled" else assemble_bundled_gguf(services.settings.cache_dir)
    llm = LlamaCppLLM(path, threads=services.settings.llm_threads)
    critic = Critic(llm, max_tokens=services.settings.llm_max_tokens)
    # The point check on the same model instance, as the app builds it (one model in memory), with
    # the checkout's own settings and thresholds.
    services.__dict__["critic"] = critic
    checker = services.point_checker if model_path == "bundled" else None
    rows = []
    for item in pick_answers(limit, skip):
        question = services.bank.get(item.question_id)
        transcript = transcript_from_words([(w, 0.0, 0.0) for w in item.answer.split()])
        try:  # the app reads the prompt's rubric part while the user answers
            critic.warm_up(question)
        except TypeError:  # an earlier checkout (--before): the fixed prefix only
            critic.warm_up()
        score = grade_text(services.scorer, question, item.answer)
        if checker is not None:  # scored as the user sees it; the check runs between warm-up and critique
            score = checker.check(score, item.answer)
        stamps: list[float] = []
        pieces: list[str] = []

        def on_token(piece: str) -> None:
            stamps.append(time.perf_counter())
            pieces.append(piece)

        started = time.perf_counter()
        critique = critic.critique(question, transcript, score, None, on_token=on_token)
        total = time.perf_counter() - started
        stamps = stamps[1:]  # the first piece is the prefilled label
        rows.append({
            "question": question.id, "kind": item.kind, "answer": item.answer, "score": round(score.overall),
            "missed": [p.text for p in score.points if p.status.value != "hit"],
            "misconceptions": [m.text for m in score.misconceptions],
            "coaching": critique.coaching, "improvement": critique.improvement, "follow_up": critique.follow_up,
            "source": critique.source, "notes": list(critique.notes), "raw": "".join(pieces),
            "points": [{"id": p.point_id, "text": p.text, "weight": p.weight, "critical": p.critical,
                        "status": p.status.value} for p in score.points],
            "first_token_s": round(stamps[0] - started, 2) if stamps else None,
            "tokens_per_s": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 1) if len(stamps) > 2 else None,
            "total_s": round(total, 2),
        })
        print(f"{len(rows):3d} {question.id:40s} {critique.source:10s} {total:5.1f}s", file=sys.stderr, flush=True)
    return {"model": path.name, "rows": rows, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else None


def summary(label: str, result: dict) -> dict:
    rows = result["rows"]
    dropped = Counter(reason_of(n) for r in rows for n in r["notes"])
    return {
        "config": label, "answers": len(rows),
        "fully_from_model": f"{sum(r['source'] == 'llm' for r in rows)}/{len(rows)}",
        "checker_notes": dict(dropped.most_common()),
        "reached_user_audit": dict(Counter(reason_of(n) for r in rows for n in r["audit"]).most_common()),
        "first_token_s_median": median([r["first_token_s"] for r in rows]),
        "tokens_per_s_median": median([r["tokens_per_s"] for r in rows]),
        "total_s_median": median([r["total_s"] for r in rows]), "total_s_max": max(r["total_s"] for r in rows),
        "peak_rss_mb": result["peak_rss_mb"],
    }


def markdown(results: dict[str, dict]) -> str:
    lines = ["# Critiques, per configuration (for reading and labelling by hand)", ""]
    for label, result in results.items():
        lines += [f"## {label} ({result['model']})", ""]
        for i, r in enumerate(result["rows"], 1):
            lines += [f"### {i}. {r['question']} ({r['kind']}, score {r['score']}, {r['source']})", "",
                      f"> {r['answer']}", "", "Missed or partial: " + ("; ".join(r["missed"]) or "none"), "",
                      f"- Coaching: {r['coaching']}", f"- Improve: {r['improvement']}", f"- Follow-up: {r['follow_up']}"]
            lines += ["", "<details><summary>model's raw reply</summary>", "", r["raw"], "", "</details>", ""]
            lines += [f"- note: {n}" for n in r["notes"]] + [f"- AUDIT: {n}" for n in r["audit"]] + [""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", help="LABEL=GGUF path, or 'bundled'")
    parser.add_argument("--before", type=Path, help="a checkout of the earlier critique code to compare")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--skip", type=int, default=0,
                        help="start after this many answers: choose designs on answers the report (the first 40) leaves out")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "critique_quality")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.limit, args.skip)))
        return
    models = dict(m.split("=", 1) if "=" in m else (m, m) for m in args.model or ["bundled"])
    trees = {"now": REPO, **({"before": args.before.resolve()} if args.before else {})}
    results: dict[str, dict] = {}
    for model_label, model_path in models.items():
        for tree_label, tree in trees.items():
            # The code under test comes first on the path; the bench and its audit stay this checkout's.
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(REPO)])}
            command = [sys.executable, __file__, "--worker", model_path, "--limit", str(args.limit),
                       "--skip", str(args.skip)]
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=tree, env=env)
            if done.returncode != 0:
                print(f"{model_label}/{tree_label} failed", file=sys.stderr)
                continue
            results[f"{model_label} / {tree_label}"] = json.loads(done.stdout.strip().splitlines()[-1])
    sys.path.insert(0, str(REPO))
    from assistant.bank.loader import load_bank

    bank = load_bank(REPO / "question_bank", REPO / "rubrics")
    for result in results.values():
        for row in result["rows"]:
            row["audit"] = audit(row, bank)
    table = [summary(label, result) for label, result in results.items()]
    print(json.dumps(table, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps({"summary": table, "runs": results}, indent=2))
    args.out.with_suffix(".md").write_text(markdown(results))


if __name__ == "__main__":
    main()
