"""What a failed gate reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QualityIssue:
    question_id: str
    gate: str
    detail: str

    def __str__(self) -> str:
        return f"{self.question_id}: [{self.gate}] {self.detail}"
