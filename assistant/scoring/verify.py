"""Second reading: a language model confirms each point the embedding stage credited.

Embeddings measure topic. "B starts random and A at zero" sits next to "A is initialised randomly
and B to zero"; "the KL term pushes the policy away from the SFT model" next to "a KL penalty keeps
the policy close to it". The credited points (hit or partial) are read again by the LLM with the
whole answer in front of it, as an examiner would: it answers yes / partly / no, and the
probability of "yes" is read from its next-token distribution (no text is generated). A point it
does not confirm loses its credit (or half of it, when it is unsure). Misses are never promoted:
the rule is "never credit what was not said", and the LLM says yes too easily to be trusted the
other way (DESIGN.md).

The answer comes first in the prompt and each claim after it, so the model reads the answer once
per attempt and each point costs only its own words (about 0.6 s with the 1.5B model on two
cores). bench/judge_quality.py measures the effect; the prompt and thresholds were chosen on
bench/data/judge_dev/, never on bench/data/false_credit/.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from assistant.domain import PointResult, PointStatus, Score
from assistant.scoring.coverage import overall_score

Messages = list[dict[str, str]]

VERDICTS = ("yes", "partly", "no")

SYSTEM = ("You are a strict examiner. You decide whether a candidate's spoken answer states a given claim. "
          "Say yes only if the answer itself says the claim's main content, correctly. Say no if the answer "
          "does not say it, only names its terms, says something else on the same topic, says the opposite, "
          "or swaps the roles of two things. Say partly if it states only part of the claim. "
          # The instruction sits here, before the answer, not after the claim: each point then costs
          # only its own words (~0.6 s instead of ~1.2 s a point on two cores), and on
          # bench/data/judge_dev/ it separated stated from absent points as well (AUC 0.857 vs
          # 0.850; bench/point_check_prompts.py).
          "You get a candidate's spoken answer (the premise) and one claim (the hypothesis). Decide whether the "
          "premise entails the main content of the hypothesis (minor details may be missing; swapped roles, "
          "negation or a different claim on the same topic is no). Reply with one word: yes, partly or no.")


class NextTokenModel(Protocol):
    """A chat model that can say how likely each of a few words is as its reply's first token."""

    name: str

    def first_word_probabilities(self, messages: Messages, words: Sequence[str]) -> dict[str, float]: ...


def question_turn(answer: str, claim: str) -> str:
    # Framed as entailment, and "main content": bank points often pack a detail or two that a
    # good answer leaves out. On bench/data/judge_dev/ this separated stated from absent points
    # better than "Does the answer state this claim?" (AUC 0.832) or six worked examples (0.812).
    # Nothing follows the claim, so the premise is the shared prefix of every point.
    return f"Premise (a candidate's spoken answer):\n<<<\n{answer.strip()}\n>>>\n\nHypothesis: {claim}"


def build_messages(answer: str, claim: str) -> Messages:
    # Six worked examples (a paraphrase, a same-topic point, swapped roles, a negation, a fragment)
    # separated the classes worse on bench/data/judge_dev/ and cost ~700 tokens: zero-shot.
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question_turn(answer, claim)}]


class PointChecker:
    """Re-reads every credited point: confirmed (P(yes) >= keep) keeps its status, unsure
    (drop <= P(yes) < keep) counts as partly covered when its span is close to the point
    (similarity >= unsure_floor), and is otherwise withdrawn like one not confirmed (P(yes) < drop).

    The defaults (keep 0.50, drop 0.30) were chosen on bench/data/judge_dev/ with
    Qwen2.5-Coder-1.5B. With the earlier prompt (the instruction after the claim) and drop 0.35,
    absent points credited as hit fell from 27% to 1.6% (as partly they rose from 6% to 16%: half
    credit), stated points found (hit or partly) fell from 89% to 80%, and only 52% stay hit (83%
    before). The instruction-first prompt says yes less readily: at the same thresholds it found
    75% of stated points; drop 0.30 keeps the earlier recall on the dev set (82%, absent credited
    18%, as before), so the prompt change is mostly a speed change; on the false-credit set fewer
    stated points keep their ✔ (52% vs 58%; bench/judge_quality.py has both).
    A ✔ means the model confirmed it; ◐ means on topic but not confirmed. The model is a weak
    judge of details: it often says no to a point that packs two facts when the answer gives one
    (sl-l1-vs-l2's penalty definitions), and barely tells swapped roles from right ones (the
    issue's swapped priors go from hit to partly, not to miss). A low drop threshold keeps most
    such cases at partly rather than missed. A different model needs its own thresholds.
    """

    def __init__(self, model: NextTokenModel, keep: float = 0.50, drop: float = 0.30, unsure_floor: float = 0.60) -> None:
        self.model = model
        self.keep = keep
        self.drop = drop
        # An unsure reading (drop <= P(yes) < keep) keeps half credit only when the embedding stage
        # also found the point close (similarity >= unsure_floor): the 1.5B reads topic, so on
        # bench/data/judge_dev/ 51 of its 52 partial credits for absent points were unsure readings,
        # and among them the similarity told stated from absent better than P(yes) did (AUC 0.70
        # vs 0.60). Chosen there: absent points credited as partly 16.6% -> 6.1%, stated points
        # found 82.1% -> 73.8% (as hit unchanged); a higher drop threshold at that recall leaves
        # 9.6% (bench/contrast_check.py reports it from bench/results/contrast_check_dev.json).
        self.unsure_floor = unsure_floor
        self.name = model.name

    def confirm(self, answer: str, claim: str) -> float:
        """Probability that the answer states the claim ("yes", normalised over yes/partly/no)."""
        probs = self.model.first_word_probabilities(build_messages(answer, claim), VERDICTS)
        total = sum(probs.values())
        return probs["yes"] / total if total > 0 else 0.0

    def check(self, score: Score, answer: str, known: Mapping[str, float] | None = None) -> Score:
        """`known`: probabilities (by point text) already read while the answer was spoken
        (scoring/live_check.py): readings of this very answer, and confirmations read with its
        start as the premise (a longer answer still states what its start stated). Those points
        are not read again."""
        if not score.graded or not answer.strip():
            return score
        points = tuple(self._check_point(p, answer, (known or {}).get(p.text)) for p in score.points)
        return replace(score, overall=overall_score(points), points=points, checked_by=self.name)

    def _check_point(self, point: PointResult, answer: str, known: float | None = None) -> PointResult:
        if point.status is PointStatus.MISS:
            return point
        confirmed = round(known if known is not None else self.confirm(answer, point.text), 4)
        if confirmed >= self.keep:
            return replace(point, confirmed=confirmed)
        if confirmed >= self.drop and point.similarity >= self.unsure_floor:
            return replace(point, status=PointStatus.PARTIAL, withdrawn=point.status is PointStatus.HIT, confirmed=confirmed)
        return replace(point, status=PointStatus.MISS, evidence=None, withdrawn=True, confirmed=confirmed)
