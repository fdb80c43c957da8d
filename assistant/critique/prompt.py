"""The critique prompt: grounded in the computed rubric result, with a fixed prefix.

Small models judge coverage badly, so they are never asked to; they get the covered points
with evidence and the missed points, and write what they do well: short coaching and one
follow-up. Small models also misremember facts (a 1.5B model swapped the L1 and L2 priors), so
each missed point comes with the model-answer sentences that state it (FACTS), the only facts
the coaching may use; check.py drops any sentence that strays from them. The system message and
the worked example never change, so engines that keep a prompt cache (llama.cpp) evaluate them
once.
"""

from __future__ import annotations

from assistant.critique.grounding import facts_for
from assistant.domain import DeliveryMetrics, PointResult, PointStatus, Question, Score

FACTS_FOR_POINTS = 2  # missed points that get their model-answer sentences (prompt length is latency)

SYSTEM = (
    "You are a senior machine-learning interviewer coaching a candidate after a spoken answer. "
    "The rubric result was computed for you and is correct: never say a MISSED point was covered, "
    "and never quote words the candidate did not say. State only facts given in the points and "
    "FACTS; add no facts of your own. Reply with exactly three lines:\n"
    "COACHING: two to four sentences: first correct any MISCONCEPTION, then explain what to add "
    "for the most important missed points, using their FACTS.\n"
    "IMPROVE: one concrete change for the next attempt.\n"
    "FOLLOW-UP: one question an interviewer would ask next about the first missed point, building "
    "on what the candidate said."
)

EXAMPLE_USER = """Question: What does the learning rate control in gradient descent?
COVERED:
- The learning rate scales each step along the negative gradient. (evidence: "it's how big a step we take downhill")
MISSED (most important first):
- Too large a learning rate overshoots and diverges; too small converges slowly. [critical]
  FACTS: "If the rate is too large, each step jumps past the minimum and the loss can blow up; if it is too small, training crawls."
- Schedules such as warmup and decay change the rate during training.
  FACTS: "In practice the rate is warmed up over the first steps and then decayed."
MISCONCEPTIONS: none
DELIVERY: 48 s of 90 s, 150 words/min, 2 fillers"""

EXAMPLE_ASSISTANT = """COACHING: The step size is right; what is missing are the failure modes. Say that a rate that is too large overshoots the minimum and can diverge, while one that is too small converges very slowly. Then mention schedules, such as warmup and decay, which change the rate during training.
IMPROVE: After defining the learning rate, spend one sentence on what goes wrong at each extreme.
FOLLOW-UP: Why can a learning rate that is too large make the training loss blow up instead of going down?"""


def describe_result(question: Question, score: Score, delivery: DeliveryMetrics | None) -> str:
    covered = [p for p in score.points if p.status is PointStatus.HIT]
    partial = [p for p in score.points if p.status is PointStatus.PARTIAL]
    missed = sorted((p for p in score.points if p.status is PointStatus.MISS), key=lambda p: (not p.critical, -p.weight))
    with_facts = {p.point_id for p in (missed + partial)[:FACTS_FOR_POINTS]}
    lines = [f"Question: {question.prompt}", "COVERED:"]
    lines += [f'- {p.text} (evidence: "{p.evidence.text}")' for p in covered if p.evidence] or ["- nothing"]
    if partial:
        lines.append("PARTLY COVERED (say it explicitly):")
        lines += _with_facts(partial, question, with_facts)
    lines.append("MISSED (most important first):")
    lines += _with_facts(missed, question, with_facts) or ["- nothing: every point was covered"]
    misconceptions = "; ".join(f'said "{m.evidence.text}", but in fact: {m.correction}' for m in score.misconceptions)
    lines.append(f"MISCONCEPTIONS (correct these first): {misconceptions}" if misconceptions else "MISCONCEPTIONS: none")
    if delivery is not None:
        limit = f" of {delivery.time_limit} s" if delivery.time_limit else ""
        lines.append(f"DELIVERY: {delivery.duration:.0f} s{limit}, {delivery.words_per_minute:.0f} words/min, "
                     f"{delivery.filler_count} fillers")
    return "\n".join(lines)


def _with_facts(points: list[PointResult], question: Question, with_facts: set[str]) -> list[str]:
    lines = []
    for point in points:
        lines.append(f"- {point.text}{' [critical]' if point.critical else ''}")
        facts = facts_for(point.text, question.model_answer) if point.point_id in with_facts else []
        if facts:
            lines.append("  FACTS: " + " ".join(f'"{fact}"' for fact in facts))
    return lines


# Repeated after the result: a 0.5B model follows the last instruction it read best.
REMINDER = "Now write the three lines (COACHING, IMPROVE, FOLLOW-UP). Coach only on the MISSED points."


def build_messages(question: Question, score: Score, delivery: DeliveryMetrics | None) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{EXAMPLE_USER}\n{REMINDER}"},
        {"role": "assistant", "content": EXAMPLE_ASSISTANT},
        {"role": "user", "content": f"{describe_result(question, score, delivery)}\n{REMINDER}"},
    ]


def fixed_prefix_messages() -> list[dict[str, str]]:
    """Messages sharing the longest prefix with every real prompt (for warming a prompt cache)."""
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{EXAMPLE_USER}\n{REMINDER}"},
        {"role": "assistant", "content": EXAMPLE_ASSISTANT},
        {"role": "user", "content": "Question:"},
    ]
