"""The critique prompt: grounded in the computed rubric result, with a fixed prefix.

Small models judge coverage badly, so they are never asked to; they get the covered points
with evidence and the missed points, and write what they do well: short coaching and one
follow-up. The system message and the worked example never change, so engines that keep a
prompt cache (llama.cpp) evaluate them once.
"""

from __future__ import annotations

from assistant.domain import DeliveryMetrics, PointStatus, Question, Score

SYSTEM = (
    "You are a senior machine-learning interviewer coaching a candidate after a spoken answer. "
    "The rubric result was computed for you and is correct: never say a MISSED point was covered, "
    "and never quote words the candidate did not say. Reply with exactly three lines:\n"
    "COACHING: two to four sentences on the most important missed points, explaining what to add.\n"
    "IMPROVE: one concrete change for the next attempt.\n"
    "FOLLOW-UP: one question an interviewer would ask next, about the weakest missed point."
)

EXAMPLE_USER = """Question: What does the learning rate control in gradient descent?
COVERED:
- The learning rate scales each step along the negative gradient. (evidence: "it's how big a step we take downhill")
MISSED (most important first):
- Too large a learning rate overshoots and diverges; too small converges slowly. [critical]
- Schedules such as warmup and decay change the rate during training.
MISCONCEPTIONS: none
DELIVERY: 48 s of 90 s, 150 words/min, 2 fillers"""

EXAMPLE_ASSISTANT = """COACHING: You explained the step size, but the interviewer wanted the failure modes: say that a rate that is too large overshoots the minimum and can diverge, while one that is too small converges very slowly. Then mention schedules, such as warmup and decay, which change the rate during training.
IMPROVE: After defining the learning rate, spend one sentence on what goes wrong at each extreme.
FOLLOW-UP: How would you pick a learning rate for a new model, and what would you watch in the loss curve?"""


def describe_result(question: Question, score: Score, delivery: DeliveryMetrics | None) -> str:
    covered = [p for p in score.points if p.status is PointStatus.HIT]
    partial = [p for p in score.points if p.status is PointStatus.PARTIAL]
    missed = sorted((p for p in score.points if p.status is PointStatus.MISS), key=lambda p: (not p.critical, -p.weight))
    lines = [f"Question: {question.prompt}", "COVERED:"]
    lines += [f'- {p.text} (evidence: "{p.evidence.text}")' for p in covered if p.evidence] or ["- nothing"]
    if partial:
        lines.append("PARTLY COVERED (say it explicitly):")
        lines += [f"- {p.text}" for p in partial]
    lines.append("MISSED (most important first):")
    lines += [f"- {p.text}{' [critical]' if p.critical else ''}" for p in missed] or ["- nothing: every point was covered"]
    misconceptions = "; ".join(f"{m.text} (correct: {m.correction})" for m in score.misconceptions) or "none"
    lines.append(f"MISCONCEPTIONS: {misconceptions}")
    if delivery is not None:
        limit = f" of {delivery.time_limit} s" if delivery.time_limit else ""
        lines.append(f"DELIVERY: {delivery.duration:.0f} s{limit}, {delivery.words_per_minute:.0f} words/min, "
                     f"{delivery.filler_count} fillers")
    return "\n".join(lines)


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
