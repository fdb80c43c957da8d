"""Read and write the batch files of `viva grade` (CSV or JSONL)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
from pathlib import Path

import typer

from assistant.domain import Rubric
from assistant.scoring.reference import GradeRow, grade_rows, rubric_from_reference
from assistant.services import Services


class GradeFileError(Exception):
    pass


EMPTY_HELP = ("a CSV needs a header line (question,reference,answer or question_id,answer) and one row per answer; "
              "a JSONL file one JSON object per line")


def decode(path: Path, data: bytes) -> tuple[str, str | None]:
    """The file's text, and a notice when it was not UTF-8.

    Spreadsheets on Windows save CSV as Windows-1252 (Latin-1 with curly quotes), which UTF-8
    cannot read: that is accepted, and said, so a wrong guess can be fixed at the source.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    nul = data.find(b"\x00")
    if nul >= 0:  # no text file has NUL bytes: UTF-16/32 without a BOM, or not text at all
        line = data.count(b"\n", 0, nul) + 1
        raise GradeFileError(
            f"{path}:{line}: not UTF-8 text (NUL bytes: UTF-16, or not a text file?). "
            f"Save it as UTF-8 (in a spreadsheet: CSV UTF-8), or convert it: iconv -f UTF-16 -t UTF-8 {path} > fixed.csv"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex().upper()
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252 (cp1252)"
        except UnicodeDecodeError:  # bytes cp1252 leaves undefined: Latin-1 reads every byte
            text, encoding = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
        return text, (f"{path} is not UTF-8 (line {line} has byte 0x{bad}); read it as {encoding}. If accented "
                      f"letters look wrong, save it as UTF-8 or convert it: iconv -f ENCODING -t UTF-8 {path} > fixed.csv")


def read_rows(path: Path) -> tuple[list[dict], str]:
    if path.is_dir():
        raise GradeFileError(f"{path}: is a directory; give a .csv or .jsonl file")
    if not path.is_file():
        raise GradeFileError(f"{path}: no such file")
    if path.suffix.lower() not in {".jsonl", ".ndjson", ".csv"}:
        raise GradeFileError(f"{path}: use a .csv or .jsonl file")
    data = path.read_bytes()
    if not data.strip():
        raise GradeFileError(f"{path}: the file is empty; {EMPTY_HELP}")
    text, notice = decode(path, data)
    if notice is not None:
        typer.secho(f"note: {notice}", fg="yellow", err=True)
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
    reader = csv.DictReader(io.StringIO(text))
    try:
        return list(reader), "csv"
    except csv.Error as exc:
        raise GradeFileError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None


def _rubric_for(services: Services, row: dict, path: Path, number: int) -> tuple[GradeRow, Rubric]:
    answer = str(row.get("answer") or "")
    question_id = str(row.get("question_id") or "").strip()
    if question_id:
        try:
            question = services.bank.get(question_id)
        except KeyError as exc:
            raise GradeFileError(f"{path}: row {number}: {exc.args[0]}") from None
        if question.rubric is None:
            raise GradeFileError(f"{path}: row {number}: question {question_id!r} has no usable rubric; "
                                 "`viva bank validate` shows why")
        return GradeRow(question.prompt, question.model_answer, answer), question.rubric
    reference = str(row.get("reference") or "").strip()
    if not reference:
        raise GradeFileError(f"{path}: row {number}: needs a `reference` or a `question_id` column value")
    return GradeRow(str(row.get("question") or ""), reference, answer), rubric_from_reference(reference)


def grade_file(services: Services, path: Path, out: Path | None, *, check: bool = False) -> None:
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        # Said before the grading, which takes seconds per hundred rows.
        why = "a directory" if out.is_dir() else "no such folder"
        raise GradeFileError(f"{out}: cannot write the results there ({why}); choose another --out")
    rows, fmt = read_rows(path)
    if not rows:
        raise GradeFileError(f"{path}: no answers to grade (only a header, or blank lines); {EMPTY_HELP}")
    if "answer" not in rows[0]:
        raise GradeFileError(f"{path}: no `answer` column (found: {', '.join(rows[0])})")
    # CSV rows count from 2 (line 1 is the header); JSONL rows from 1.
    first = 2 if fmt == "csv" else 1
    pairs = [_rubric_for(services, row, path, i) for i, row in enumerate(rows, start=first)]
    scores = grade_rows(services.scorer, [p[0] for p in pairs], [p[1] for p in pairs])
    if check:
        from assistant.practice import check_points

        if services.point_checker is None:
            raise GradeFileError("--check needs the point check: the bundled 1.5B model under llama.cpp, or "
                                 "point_check = \"on\" with your llama.cpp model (`viva doctor` shows what is set)")
        scores = [check_points(services, score, pair[0].answer) for score, pair in zip(scores, pairs, strict=True)]
    for row, score in zip(rows, scores, strict=True):
        row["score"] = score.overall
        row["points"] = [
            {"point": p.text, "status": p.status.value, "similarity": p.similarity}
            | ({"confirmed": p.confirmed} if p.confirmed is not None else {}) for p in score.points
        ]
    out_format = fmt if out is None else ("csv" if out.suffix.lower() == ".csv" else "jsonl")
    try:
        handle = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    except OSError as exc:
        raise GradeFileError(f"{out}: cannot write the results ({exc.strerror}); choose another --out") from None
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
