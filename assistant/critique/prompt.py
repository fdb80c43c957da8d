"""The critique prompt: grounded in the computed rubric result, with a fixed prefix.

Small models judge coverage badly, so they are never asked to; they get the covered points
with evidence and the missed points, and write what they do well: short coaching and one
follow-up. Small models also misremember facts (a 1.5B model swapped the L1 and L2 priors), so
each point comes with the model-answer sentences that state it (FACTS), the only facts the
coaching may use; check.py drops any sentence that strays from them.

Ordered for a prompt cache (llama.cpp): the system message and the worked example never change;
the question and its rubric points with FACTS do not depend on the score, so they are evaluated
while the user answers; after the stop only the RESULT (points named P1, P2, ... with the
evidence quoted) is left to read before the first token.
"""

from __future__ import annotations

from assistant.critique.grounding import facts_for
from assistant.domain import DeliveryMetrics, PointResult, PointStatus, Question, Score

SYSTEM = (
    "You are a senior machine-learning interviewer coaching a candidate after a spoken answer. "
    "The rubric result was computed for you and is correct: never say a MISSED point was covered, "
    "and never quote words the candidate did not say. State only facts given in the points and "
    "FACTS; add no facts of your own. Reply with exactly three lines:\n"
    "COACHING: two to four short sentences, at most 70 words: first correct any MISCONCEPTION, then explain "
    "what to add for the first one or two MISSED points, using their FACTS.\n"
    "IMPROVE: one concrete change for the next attempt.\n"
    "FOLLOW-UP: one question an interviewer would ask next about the first missed point, building "
    "on what the candidate said."
)

# The worked example is on a subject outside machine learning (a refrigerator), so nothing it says
# can pass for a fact about the candidate's question. An example on gradient descent's learning
# rate was borrowed into critiques of other questions: 10 of 40 replies talked about the learning
# rate on questions that have none (spam detection, recommenders), and 13 sentences were dropped
# for it (bench/critique_quality.py, 2026-12-07); it was also a bank question itself.
EXAMPLE_USER = """Question: How does a refrigerator keep its inside cold?
RUBRIC POINTS:
P1. The refrigerant evaporates in the coils inside, absorbing heat from the food compartment. [critical]
  FACTS: "Inside, the liquid refrigerant evaporates in the evaporator coils, and evaporating takes heat from the air around them."
P2. The compressor raises the vapour's pressure and temperature, so the condenser coils outside release the heat into the room. [critical]
  FACTS: "The compressor squeezes the vapour until it is hotter than the kitchen, and the condenser coils at the back give that heat off to the room."
P3. An expansion valve lowers the pressure again, so the liquid can evaporate and the cycle repeats.
  FACTS: "An expansion valve then drops the pressure, which cools the liquid so it can evaporate inside again."
RESULT:
COVERED: P1 (evidence: "the cold gas soaks up the heat from the food")
MISSED (most important first): P2, P3
MISCONCEPTIONS: none
DELIVERY: 48 s of 90 s, 150 words/min, 2 fillers"""

EXAMPLE_ASSISTANT = """COACHING: Taking heat from the inside is right; what is missing is where that heat goes. Say that the compressor squeezes the vapour until it is hotter than the room, so the condenser coils outside can release the heat. Then mention the expansion valve, which drops the pressure so the liquid evaporates inside again.
IMPROVE: After describing the cold side, spend one sentence on how the heat leaves the box.
FOLLOW-UP: Why must the compressor make the vapour hotter than the room before it reaches the condenser?"""


def question_block(question: Question) -> str:
    """What the critique needs that no score changes: the question and every rubric point with its
    model-answer sentences (FACTS). It opens the prompt, so its tokens are evaluated while the user
    answers (`Critic.warm_up(question)`) and after the stop only the short RESULT is left."""
    rubric = question.rubric
    lines = [f"Question: {question.prompt}", "RUBRIC POINTS:"]
    for number, point in enumerate(rubric.points if rubric else (), 1):
        lines.append(f"P{number}. {point.text}{' [critical]' if point.critical else ''}")
        facts = facts_for(point.text, question.model_answer)
        if facts:
            lines.append("  FACTS: " + " ".join(f'"{fact}"' for fact in facts))
    return "\n".join(lines)


def gaps_by_importance(score: Score) -> list[PointResult]:
    """The points not covered, most important first: missed before partly covered, then critical
    ones, then by weight. The coaching starts with the first; the follow-up is about it."""
    return sorted((p for p in score.points if p.status is not PointStatus.HIT),
                  key=lambda p: (p.unclear, not p.critical, -p.weight))


def point_labels(question: Question) -> dict[str, str]:
    """Each rubric point's name in the prompt (P1, P2, ...), by point id, as `question_block` numbers them."""
    return {p.id: f"P{number}" for number, p in enumerate(question.rubric.points if question.rubric else (), 1)}


def result_block(question: Question, score: Score, delivery: DeliveryMetrics | None) -> str:
    """The measured result, naming the points by their numbers in `question_block`."""
    label = point_labels(question)

    def name(point: PointResult) -> str:  # a point the block does not list (never, for a bank rubric) by its text
        return label.get(point.point_id, point.text)

    covered = [p for p in score.points if p.status is PointStatus.HIT]
    # A point the check withdrew was talked about, not stated: "say it explicitly", not "missed".
    partial = [p for p in score.points if p.unclear]
    missed = [p for p in gaps_by_importance(score) if not p.unclear]
    lines = ["RESULT:", "COVERED: " + ("; ".join(f'{name(p)} (evidence: "{p.evidence.text}")'
                                                for p in covered if p.evidence) or "nothing")]
    if partial:
        lines.append("PARTLY COVERED (say it explicitly): " + ", ".join(name(p) for p in partial))
    nothing = "nothing" if partial else "nothing: every point was covered"
    lines.append("MISSED (most important first): " + (", ".join(name(p) for p in missed) or nothing))
    misconceptions = "; ".join(f'said "{m.evidence.text}", but in fact: {m.correction}' for m in score.misconceptions)
    lines.append(f"MISCONCEPTIONS (correct these first): {misconceptions}" if misconceptions else "MISCONCEPTIONS: none")
    if delivery is not None:
        limit = f" of {delivery.time_limit} s" if delivery.time_limit else ""
        lines.append(f"DELIVERY: {delivery.duration:.0f} s{limit}, {delivery.words_per_minute:.0f} words/min, "
                     f"{delivery.filler_count} fillers")
    return "\n".join(lines)


def describe_result(question: Question, score: Score, delivery: DeliveryMetrics | None) -> str:
    return f"{question_block(question)}\n{result_block(question, score, delivery)}"


def follow_up_target(question: Question, score: Score) -> str | None:
    """The point the follow-up asks about, by its name in the prompt (P1, P2, ...): the most
    important gap. Told only "the first missed point", the 1.5B asked about another point in 11 of
    40 critiques (bench/critique_quality.py)."""
    gaps = gaps_by_importance(score)
    return point_labels(question).get(gaps[0].point_id) if gaps else None


def reminder(follow_up_about: str | None) -> str:
    """Repeated after the result: a small model follows the last instruction it read best."""
    text = "Now write the three lines (COACHING, IMPROVE, FOLLOW-UP). Coach only on the MISSED points."
    return f"{text} The FOLLOW-UP asks about {follow_up_about}." if follow_up_about else text


def _example() -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{EXAMPLE_USER}\n{reminder('P2')}"},
        {"role": "assistant", "content": EXAMPLE_ASSISTANT},
    ]


def build_messages(question: Question, score: Score, delivery: DeliveryMetrics | None,
                   *, name_follow_up_target: bool = True) -> list[dict[str, str]]:
    """`name_follow_up_target=False` where the engine writes the reply line by line and the
    FOLLOW-UP line's own prefill names the point (critic.py): the ~9 tokens are then read when that
    line starts, not before the first token."""
    target = follow_up_target(question, score) if name_follow_up_target else None
    return [*_example(), {"role": "user", "content": f"{describe_result(question, score, delivery)}\n{reminder(target)}"}]


def fixed_prefix_messages(question: Question | None = None) -> list[dict[str, str]]:
    """Messages sharing the longest prefix with every real prompt (for warming a prompt cache):
    with a question, through its rubric block (the chat template closes the turn after it, so
    the shared tokens end just there)."""
    return [*_example(), {"role": "user", "content": f"{question_block(question)}\nRESULT:" if question else "Question:"}]
