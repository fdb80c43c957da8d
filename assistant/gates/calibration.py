"""The labelled calibration set (tests/data/calibration/) joined to the bank's rubrics.

Loading the set and turning each (answer, rubric point) into raw evidence needs the bank, so it
lives here, above both the bank and the scorer; how well thresholds agree with the labels is
pure arithmetic on that evidence (assistant.scoring.calibration). Used by bench/calibrate.py to
choose thresholds and by tests to guard them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

from assistant.bank import Bank
from assistant.domain import Question
from assistant.scoring.calibration import PointSignal
from assistant.scoring.coverage import CoverageScorer
from assistant.scoring.keywords import keyword_fraction
from assistant.scoring.spans import sentences_from_text, with_neighbour_pairs


@dataclass(frozen=True)
class LabelledAnswer:
    question_id: str
    kind: str
    answer: str
    labels: dict[str, str]


def load_calibration(directory: Path) -> list[LabelledAnswer]:
    yaml = YAML(typ="safe")
    answers: list[LabelledAnswer] = []
    for path in sorted(directory.glob("*.yaml")):
        for row in yaml.load(path.read_text(encoding="utf-8")) or []:
            answers.append(LabelledAnswer(row["question"], row["kind"], row["answer"], dict(row["labels"])))
    return answers


def point_signals(scorer: CoverageScorer, bank: Bank, answers: list[LabelledAnswer]) -> list[PointSignal]:
    signals: list[PointSignal] = []
    for index, item in enumerate(answers):
        question: Question = bank.get(item.question_id)
        assert question.rubric is not None
        spans = with_neighbour_pairs(sentences_from_text(item.answer))
        span_vectors = scorer.embedder.encode([s.text for s in spans]) if spans else None
        for point in question.rubric.points:
            cosine = 0.0 if span_vectors is None else scorer.point_similarities(point.variants, span_vectors)[0]
            signals.append(PointSignal(index, point.id, point.weight, cosine,
                                       keyword_fraction(point.keywords, item.answer), item.labels[point.id]))
    return signals
