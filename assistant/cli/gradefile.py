"""Read and write the batch files of `viva grade` (CSV or JSONL)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from assistant.domain import Rubric
from assistant.scoring.reference import GradeRow, grade_rows, rubric_from_reference
from assistant.services import Services


class GradeFileError(Exception):
    pass


def read_rows(path: Path) -> tuple[list[dict], str]:
    if not path.is_file():
        raise GradeFileError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GradeFileError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise GradeFileError(f"{path}:{number}: each line must be a JSON object")
            rows.append(row)
        return rows, "jsonl"
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(io.StringIO(text))), "csv"
    raise GradeFileError(f"{path}: use a .csv or .jsonl file")


def _rubric_for(services: Services, row: dict, path: Path, number: int) -> tuple[GradeRow, Rubric]:
    answer = str(row.get("answer") or "")
    question_id = str(row.get("question_id") or "").strip()
    if question_id:
        try:
            question = services.bank.get(question_id)
        except KeyError as exc:
            raise GradeFileError(f"{path}: row {number}: {exc.args[0]}") from None
        assert question.rubric is not None
        return GradeRow(question.prompt, question.model_answer, answer), question.rubric
    reference = str(row.get("reference") or "").strip()
    if not reference:
        raise GradeFileError(f"{path}: row {number}: needs a `reference` or a `question_id` column value")
    return GradeRow(str(row.get("question") or ""), reference, answer), rubric_from_reference(reference)


def grade_file(services: Services, path: Path, out: Path | None) -> None:
    rows, fmt = read_rows(path)
    if rows and "answer" not in rows[0]:
        raise GradeFileError(f"{path}: no `answer` column (found: {', '.join(rows[0])})")
    # CSV rows count from 2 (line 1 is the header); JSONL rows from 1.
    first = 2 if fmt == "csv" else 1
    pairs = [_rubric_for(services, row, path, i) for i, row in enumerate(rows, start=first)]
    scores = grade_rows(services.scorer, [p[0] for p in pairs], [p[1] for p in pairs])
    for row, score in zip(rows, scores, strict=True):
        row["score"] = score.overall
        row["points"] = [
            {"point": p.text, "status": p.status.value, "similarity": p.similarity} for p in score.points
        ]
    out_format = fmt if out is None else ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    handle = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        _write(handle, rows, out_format)
    finally:
        if out:
            handle.close()


def _write(handle, rows: list[dict], fmt: str) -> None:
    if fmt == "jsonl":
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    if not rows:
        return
    writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
