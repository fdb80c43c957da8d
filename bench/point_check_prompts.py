"""Point-check prompt designs side by side on the dev set: separation, rates and time per point.

    .venv/bin/python bench/point_check_prompts.py [--sets dev] [--json out.json]

Each answer of bench/data/judge_dev/ (the set for choosing designs; never the headline) is scored
by embeddings as the app does; every point they credit is read by the bundled 1.5B with each
prompt design, the answers in the same order for every design so each gets the same prompt cache.
Reported per design: AUC of P(yes) between stated and absent points, absent credited as hit /
partly and stated found at the app's thresholds, and seconds per reading (the answer is read
once per answer, each point costs its own tokens: what the user waits for after the stop).

Measured 2026-12-07 on 2 cores (72 answers, 441 labelled points; thresholds keep 0.50 / drop 0.35;
bench/results/point_check_prompts_dev.json):

| design | AUC | absent credited hit / partly | stated found (hit) | s per point |
|---|---|---|---|---|
| instruction_after (shipped until then) | 0.850 | 1.6% / 16.3% | 79.8% (52.4%) | 1.25 |
| instruction_first | 0.857 | 1.6% / 10.2% | 75.0% (51.2%) | 0.64 |
| examiner_only | 0.859 | 15.7% / 14.4% | 86.9% (75.0%) | 0.63 |

instruction_first_no_examples (the claim without its "such as ..." lists; tried 2026-12-07 because the
shared system-design points' examples fit few questions): AUC 0.853 against 0.857 for
instruction_first in the same run, absent credited 1.6% / 16.9% against 1.6% / 16.6%, stated found
82.1% (50.0%) against 82.1% (51.2%): no gain, not shipped (bench/results/point_check_prompts_no_examples_dev.json).

process_aware (the system prompt also says a hypothesis may describe what the answer does, and
that "such as" examples are only examples; tried 2026-12-07 evening because the judge gave 0.26 to
"Defines offline ... and online business metrics" for a design answer that lists both): AUC 0.847
against 0.857 in the same run, absent credited 2.9% / 19.2% against 1.6% / 16.6%, stated found
82.1% both (as hit 48.8% vs 51.2%): worse, not shipped
(bench/results/point_check_prompts_process_aware_dev.json). The dev set holds only 8 credited
design points, too few to say anything about design answers on their own.

instruction_first separates as well at half the time per point; examiner_only says yes more
readily and would need thresholds of its own. instruction_first is now verify.build_messages,
after a run on the evaluation-only false-credit set (bench/judge_quality.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
from judge_quality import CANON, DEV, load_rows  # noqa: E402
from semeval_check import auc  # noqa: E402

from assistant.config import load_settings  # noqa: E402
from assistant.domain import PointStatus  # noqa: E402
from assistant.scoring import verify  # noqa: E402
from assistant.scoring.answer import grade_text  # noqa: E402
from assistant.services import Services  # noqa: E402

# The design shipped until 2026-12-07: the instruction after the claim, so every point also paid
# for ~45 tokens of instruction. verify.build_messages is now instruction_first.
INSTRUCTION_AFTER_SYSTEM = verify.SYSTEM[: verify.SYSTEM.index(" You get a candidate's")]


def instruction_after(answer: str, claim: str) -> verify.Messages:
    return [{"role": "system", "content": INSTRUCTION_AFTER_SYSTEM},
            {"role": "user", "content": f"{verify.question_turn(answer, claim)}\n\n"
                                        "Does the premise entail the main content of the hypothesis (minor details may be missing; "
                                        "swapped roles, negation or a different claim on the same topic is no)? "
                                        "Reply with one word: yes, partly or no."}]


def examiner_only(answer: str, claim: str) -> verify.Messages:
    """The examiner's system prompt alone says what yes, partly and no mean; nothing after the claim."""
    return [{"role": "system", "content": INSTRUCTION_AFTER_SYSTEM + " Reply with one word: yes, partly or no."},
            {"role": "user", "content": f"Answer:\n<<<\n{answer.strip()}\n>>>\n\nClaim: {claim}"}]


# A point's examples ("such as AUC, precision and recall or NDCG") illustrate it; an answer that
# names other, fitting examples states it too. The shared system-design points list examples
# that fit few questions, and the bank's own model answers lost them (sd-visual-search 50).
_EXAMPLES = re.compile(r"\s+such as\b.*?(?=,\s+(?:and|or|then|so|plus|while|but|which|because|where)\b|[;.]|$)", re.I)


def without_examples(claim: str) -> str:
    return _EXAMPLES.sub("", claim)


def instruction_first_no_examples(answer: str, claim: str) -> verify.Messages:
    return verify.build_messages(answer, without_examples(claim))


# Many points say what a strong answer *does* ("Defines offline evaluation metrics such as AUC
# ... and online business metrics"). The 1.5B reads "entails" as "states the same facts": an
# answer listing precision-recall AUC offline and fraud losses online got P(yes) 0.26 for that
# point. The system prompt says how to read such a hypothesis; the answer-then-claim order and
# the cached prefix stay as they are.
PROCESS_AWARE_SYSTEM = verify.SYSTEM + (
    " A hypothesis may describe what the answer does (\"Defines offline metrics such as AUC\"): say yes "
    "if the answer does that; the examples after \"such as\" are only examples, and others that fit count.")


def process_aware(answer: str, claim: str) -> verify.Messages:
    return [{"role": "system", "content": PROCESS_AWARE_SYSTEM}, {"role": "user", "content": verify.question_turn(answer, claim)}]


DESIGNS = {"instruction_after": instruction_after, "instruction_first": verify.build_messages, "examiner_only": examiner_only,
           "instruction_first_no_examples": instruction_first_no_examples, "process_aware": process_aware}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--designs", default=",".join(DESIGNS))
    args = parser.parse_args()
    services = Services(load_settings(point_check="on"))
    checker = services.point_checker
    if checker is None:
        sys.exit("the point check is not available (llama.cpp and the bundled 1.5B are needed)")
    model = checker.model
    rows = load_rows(DEV)
    credited = []  # (label, embedding status, answer, claim)
    totals = {"hit": 0, "partial": 0, "miss": 0}
    for row in rows:
        score = grade_text(services.scorer, services.bank.get(row["question"]), row["answer"])
        for point in score.points:
            if point.point_id not in row["labels"]:
                continue  # a point added to the bank after the set was labelled
            label = CANON[row["labels"][point.point_id]]
            totals[label] += 1
            if point.status is not PointStatus.MISS:
                credited.append((label, point.status.value, row["answer"], point.text, row["question"]))
    report: dict = {"answers": len(rows), "credited": len(credited), "totals": totals, "designs": {}}
    for name in args.designs.split(","):
        build = DESIGNS[name]
        yes, seconds, last_answer = [], [], None
        for label, status, answer, claim, _ in credited:
            start = time.perf_counter()
            probs = model.first_word_probabilities(build(answer, claim), verify.VERDICTS)
            if answer == last_answer:  # the answer's tokens are cached: this is what a point costs
                seconds.append(time.perf_counter() - start)
            last_answer = answer
            yes.append(probs["yes"] / max(sum(probs.values()), 1e-9))
        p = np.array(yes)
        labels = np.array([c[0] for c in credited])
        statuses = np.array([c[1] for c in credited])
        kept = np.where(p >= checker.keep, statuses, np.where(p >= checker.drop, "partial", "miss"))
        stated = labels == "hit"
        absent = labels == "miss"
        judged = stated | absent
        report["designs"][name] = {
            "auc_stated_vs_absent": round(auc(stated[judged], p[judged]), 3),
            "absent_credited_hit": round(float(np.sum(absent & (kept == "hit"))) / totals["miss"], 3),
            "absent_credited_partial": round(float(np.sum(absent & (kept == "partial"))) / totals["miss"], 3),
            "stated_found": round(float(np.sum(stated & (kept != "miss"))) / totals["hit"], 3),
            "stated_hit": round(float(np.sum(stated & (kept == "hit"))) / totals["hit"], 3),
            "seconds_per_point_median": round(float(np.median(seconds)), 3) if seconds else None,
            "p_yes": [round(float(x), 4) for x in p],
        }
        print(name, {k: v for k, v in report["designs"][name].items() if k != "p_yes"}, flush=True)
    report["labels"] = [c[0] for c in credited]
    report["questions"] = [c[4] for c in credited]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
