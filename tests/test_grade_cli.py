"""`viva grade`: CSV and JSONL batches against references or bank rubrics (real embeddings)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import answers, app

pytestmark = pytest.mark.slow

REFERENCE = "The learning rate sets the size of each gradient descent step."


@pytest.fixture(autouse=True)
def use_real_services(real_services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answers, "services", lambda engine=None: real_services)


def test_csv_with_references_and_bank_ids(tmp_path: Path) -> None:
    source = tmp_path / "answers.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["question", "reference", "question_id", "answer"])
        writer.writeheader()
        writer.writerow({"question": "What does the learning rate do?", "reference": REFERENCE,
                         "answer": "It controls how big each step of gradient descent is."})
        writer.writerow({"question": "What does the learning rate do?", "reference": REFERENCE,
                         "answer": "Random forests average many decorrelated trees."})
        writer.writerow({"question_id": "sl-l1-vs-l2", "answer": "L1 adds the absolute values of the weights and "
                         "gives sparse solutions; L2 adds the squared weights and shrinks them smoothly."})
    out = tmp_path / "graded.csv"
    result = CliRunner().invoke(app, ["grade", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    good, off, bank = (float(r["score"]) for r in rows)
    assert good >= 70 and off <= 30 and bank > 0
    assert json.loads(rows[2]["points"])[0]["status"] in {"hit", "partial", "miss"}


def test_jsonl_to_stdout(tmp_path: Path) -> None:
    source = tmp_path / "answers.jsonl"
    source.write_text(json.dumps({"question": "q", "reference": REFERENCE, "answer": "step size of the updates"}) + "\n")
    result = CliRunner().invoke(app, ["grade", str(source)])
    assert result.exit_code == 0
    row = json.loads(result.output.strip())
    assert set(row) == {"question", "reference", "answer", "score", "points"}


@pytest.mark.parametrize(
    "content, suffix, message",
    [('{"answer": 1}\nnot json\n', ".jsonl", "answers.jsonl:2: not valid JSON"),
     ("question,answer\nq,a\n", ".csv", "row 2: needs a `reference` or a `question_id`"),
     ("question,reference\nq,r\n", ".csv", "no `answer` column"),
     ("question_id,answer\nnope,a\n", ".csv", "no question with id 'nope'"),
     ("x", ".txt", "use a .csv or .jsonl file")],
)
def test_bad_batch_files_name_the_problem(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    source = tmp_path / f"answers{suffix}"
    source.write_text(content)
    result = CliRunner().invoke(app, ["grade", str(source)])
    assert result.exit_code == 2 and message in result.output, result.output
