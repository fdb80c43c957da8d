"""`viva bank import`: a CSV of questions and reference answers -> draft questions and rubrics.

Columns (header row required, any order, case and spaces ignored):

- `question` - the question as an interviewer asks it;
- `reference` (or `reference answer`, `answer`, `model answer`) - a good answer; it becomes the
  model answer, and its sentences (or bullet lines) become the rubric points;
- optional `topic`, `phase` (1-4), `id`, `time_limit` (seconds), `kind`, `difficulty`.
  Missing topic/phase/... come from the command's options; a row without a phase and no
  `--phase` is an error, because the study plan schedules questions by phase.

Problems are reported as `file.csv:line: [column] message`, and nothing is imported until
every row is clean.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from assistant.bank.authoring import QuestionDraft, points_from_reference, slug, unique_id
from assistant.bank.loader import BankProblem
from assistant.bank.user import namespace_of

ALIASES = {
    "question": "question", "prompt": "question",
    "reference": "reference", "reference_answer": "reference", "answer": "reference", "model_answer": "reference",
    "topic": "topic", "phase": "phase", "id": "id", "time_limit": "time_limit", "kind": "kind",
    "difficulty": "difficulty",
}
# Where a schema complaint about a draft field came from in the CSV.
_FIELD_TO_COLUMN = {"prompt": "question", "model_answer": "reference", "id": "id", "phase": "phase",
                    "time_limit": "time_limit", "kind": "kind", "difficulty": "difficulty", "topic": "topic"}


@dataclass(frozen=True)
class ImportDefaults:
    topic: str | None = None
    phase: int | None = None
    kind: str = "concept"
    difficulty: str = "medium"
    time_limit: int = 120


def read_csv(path: Path, defaults: ImportDefaults, taken_ids: set[str]) -> tuple[list[QuestionDraft], list[BankProblem]]:
    """Drafts for every row, or the problems that stop the import (file:line: [column] message)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        return [], [BankProblem(path, 1, "", f"not UTF-8 text ({exc.reason}); save the CSV as UTF-8")]
    if not text.strip():
        return [], [BankProblem(path, 1, "", "file is empty")]
    reader = csv.reader(text.splitlines(keepends=True), dialect=_dialect(text))
    header = next(reader)
    columns = [ALIASES.get("_".join(h.strip().lower().replace("-", " ").split())) for h in header]
    problems = [BankProblem(path, 1, h.strip(), f"unknown column; known: {', '.join(sorted(set(ALIASES)))}")
                for h, c in zip(header, columns) if c is None and h.strip()]
    problems += [BankProblem(path, 1, need, f"missing the {need!r} column") for need in ("question", "reference")
                 if need not in columns]
    if problems:
        return [], problems
    drafts: list[QuestionDraft] = []
    taken = set(taken_ids)
    line = reader.line_num + 1
    for raw in reader:
        start, line = line, reader.line_num + 1  # a quoted cell may span several lines
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) > len(columns):
            problems.append(BankProblem(path, start, "", f"{len(raw)} cells but the header has {len(columns)} columns"))
            continue
        row = {c: cell.strip() for c, cell in zip(columns, raw) if c and cell.strip()}
        draft, row_problems = _draft(row, defaults, taken, path, start)
        problems += row_problems
        if draft is not None:
            drafts.append(draft)
            taken.add(draft.id)
    if not drafts and not problems:
        problems.append(BankProblem(path, 2, "", "no questions: the file has a header but no rows"))
    return drafts, problems


def _dialect(text: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _draft(row: dict[str, str], defaults: ImportDefaults, taken: set[str], path: Path,
           line: int) -> tuple[QuestionDraft | None, list[BankProblem]]:
    problems: list[BankProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(BankProblem(path, line, column, message))

    for need in ("question", "reference"):
        if need not in row:
            problem(need, "empty; every row needs a question and a reference answer")
    phase = _integer(row.get("phase"), defaults.phase, "phase", problem)
    time_limit = _integer(row.get("time_limit"), defaults.time_limit, "time_limit", problem)
    topic = row.get("topic") or defaults.topic or namespace_of(path.with_suffix(""))
    if phase is None and "phase" not in row:
        problem("phase", "no phase: add a phase column (1-4) or pass --phase")
    if problems:
        return None, problems
    if "id" in row:
        question_id = row["id"]
        if question_id in taken:
            problem("id", f"id {question_id!r} is already in the bank or an earlier row")
    else:
        question_id = unique_id(slug(row["question"]) or "question", taken)
    draft = QuestionDraft(
        id=question_id, topic=topic, phase=phase or 0, prompt=row["question"], model_answer=row["reference"],
        points=points_from_reference(row["reference"], row["question"]), kind=row.get("kind", defaults.kind),
        difficulty=row.get("difficulty", defaults.difficulty), time_limit=time_limit or 0,
    )
    for field, message in draft.problems():
        column = _FIELD_TO_COLUMN.get(field.split(".")[0], "reference")
        if field.startswith("points"):
            message = f"rubric drafted from the reference answer: {field}: {message}"
        problem(column, message)
    return (None if problems else draft), problems


def _integer(value: str | None, default: int | None, column: str, problem) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        problem(column, f"{value!r} is not a whole number")
        return None
