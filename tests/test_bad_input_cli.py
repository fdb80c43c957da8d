"""Careless-user inputs to `viva grade` and `viva score`: a clear message, exit 2, nothing lost.

Latin-1/cp1252 and BOM CSVs, empty batch files, a disk too full to save the attempt (checked
before the work; a save that still fails prints the result anyway), a question whose rubric
did not load (refused before any audio is read)."""

from __future__ import annotations

import csv
import errno
import io
import shutil
import sqlite3
from collections import namedtuple
from dataclasses import replace
from pathlib import Path

import pytest
import soundfile as sf
from typer.testing import CliRunner

from assistant.cli import answers, app
from tests.fakes import FakeTranscriber, transcript_from_words
from tests.test_silence import NoASR, make_services, tone

QUESTION = "sl-gradient-descent"
HEADER = "question,reference,answer\n"
ROW = "Qu'est-ce que la descente de gradient ?,Le pas suit la pente du gradient à chaque itération.,Le pas suit la pente.\n"
ANSWER = transcript_from_words([("gradient", 0.2, 0.6), ("descent", 0.6, 1.0), ("steps", 1.0, 1.4),
                                ("downhill.", 1.4, 2.0)], duration=3.0)


@pytest.fixture
def use_services(monkeypatch: pytest.MonkeyPatch):
    def install(transcriber=None):
        svc = make_services(transcriber or FakeTranscriber(ANSWER))
        monkeypatch.setattr(answers, "services", lambda engine=None: svc)
        return svc

    return install


def grade(path: Path):
    return CliRunner().invoke(app, ["grade", str(path)])


def saved_attempts(svc) -> int:
    if not svc.settings.database_path.exists():
        return 0
    with sqlite3.connect(svc.settings.database_path) as db:
        return db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]


# viva grade: encodings and empty files


@pytest.mark.parametrize("encoding, name", [("latin-1", "Windows-1252"), ("cp1252", "Windows-1252")])
def test_a_latin1_or_cp1252_csv_is_read_and_said(tmp_path: Path, use_services, encoding: str, name: str) -> None:
    use_services()
    source = tmp_path / "answers.csv"
    row = ROW.replace("Le pas suit la pente.", "Le pas suit la pente – «simple».") if encoding == "cp1252" else ROW
    source.write_bytes((HEADER + row).encode(encoding))
    result = grade(source)
    assert result.exit_code == 0, result.output
    assert f"note: {source} is not UTF-8 (line 2 has byte 0x" in result.stderr and name in result.stderr
    [graded] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "itération" in graded["reference"] and float(graded["score"]) >= 0


def test_utf8_with_a_byte_order_mark_reads_cleanly(tmp_path: Path, use_services) -> None:
    use_services()
    source = tmp_path / "answers.csv"
    source.write_bytes((HEADER + ROW).encode("utf-8-sig"))
    result = grade(source)
    assert result.exit_code == 0 and "note:" not in result.stderr
    assert next(csv.DictReader(io.StringIO(result.stdout)))["question"].startswith("Qu'est-ce")


def test_utf16_without_a_mark_names_the_line_and_how_to_convert(tmp_path: Path, use_services) -> None:
    use_services()
    source = tmp_path / "answers.csv"
    source.write_bytes((HEADER + ROW).encode("utf-16-le"))
    result = grade(source)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{source}:1: not UTF-8 text" in result.stderr and "iconv -f UTF-16 -t UTF-8" in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty; a CSV needs a header line"),
    (b"  \n\n", "the file is empty"),
    (HEADER.encode(), "no answers to grade (only a header, or blank lines)"),
])
def test_an_empty_batch_file_is_an_error_not_silence(tmp_path: Path, use_services, content: bytes,
                                                      message: str) -> None:
    use_services()
    source = tmp_path / "answers.csv"
    source.write_bytes(content)
    result = grade(source)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_an_empty_jsonl_and_a_directory_are_errors(tmp_path: Path, use_services) -> None:
    use_services()
    (tmp_path / "answers.jsonl").write_text("\n")
    assert "the file is empty" in grade(tmp_path / "answers.jsonl").stderr
    (tmp_path / "folder.csv").mkdir()
    result = grade(tmp_path / "folder.csv")
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_an_out_file_in_a_missing_folder_is_refused_before_grading(tmp_path: Path, use_services) -> None:
    use_services()
    source = tmp_path / "answers.csv"
    source.write_text(HEADER + ROW)
    result = CliRunner().invoke(app, ["grade", str(source), "--out", str(tmp_path / "no" / "out.csv")])
    assert result.exit_code == 2 and "cannot write the results there (no such folder)" in result.stderr


# viva score: a full disk


def full_disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - free, free))


def test_too_little_space_is_refused_before_the_work(tmp_path: Path, use_services,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    svc = use_services(NoASR())  # transcribing first would be ten seconds thrown away
    audio = tmp_path / "answer.wav"
    sf.write(str(audio), tone(3.0), 16000)
    before = audio.read_bytes()
    full_disk(monkeypatch, free=1_000_000)
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION])
    assert result.exit_code == 2, result.output
    assert f"the disk holding {svc.settings.data_dir} is full: 977 KB free" in result.stderr
    assert "--no-save" in result.stderr and "Traceback" not in result.output
    assert audio.read_bytes() == before and saved_attempts(svc) == 0


def test_no_save_scores_on_a_full_disk(tmp_path: Path, use_services, monkeypatch: pytest.MonkeyPatch) -> None:
    use_services()
    audio = tmp_path / "answer.wav"
    sf.write(str(audio), tone(3.0), 16000)
    full_disk(monkeypatch, free=0)
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION, "--no-save"])
    assert result.exit_code == 0 and "Score:" in result.stdout


def test_a_save_that_fails_still_prints_the_result_and_says_what_was_not_saved(
        tmp_path: Path, use_services, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.store import attempts

    svc = use_services()
    audio = tmp_path / "answer.wav"
    sf.write(str(audio), tone(3.0), 16000)
    before = audio.read_bytes()

    def disk_fills_up(source: Path, target: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(attempts, "atomic_copy", disk_fills_up)
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Score:" in result.stdout and "Transcript: gradient descent steps downhill." in result.stdout
    assert "Saved as attempt" not in result.stdout
    # The real disk has room, so the message says "no space ... although N free" (a quota, inodes).
    assert "this result was NOT saved: no space to write" in result.stderr
    assert f"Your recording {audio} is unchanged" in result.stderr
    assert audio.read_bytes() == before and saved_attempts(svc) == 0
    assert not [p for p in svc.settings.audio_dir.rglob("*") if p.is_file()]  # no half-copied audio


# viva score: a question whose rubric did not load


class RubricLost:
    """The bundled bank, except that every question's rubric failed to load."""

    def __init__(self, bank) -> None:
        self.bank = bank

    def get(self, question_id: str):
        return replace(self.bank.get(question_id), rubric=None)


def test_a_question_without_a_rubric_is_refused_before_transcribing(tmp_path: Path, use_services) -> None:
    svc = use_services(NoASR())
    svc.__dict__["bank"] = RubricLost(svc.bank)
    audio = tmp_path / "answer.wav"
    sf.write(str(audio), tone(3.0), 16000)  # loud enough that Whisper would run if asked
    result = CliRunner().invoke(app, ["score", str(audio), "-q", QUESTION])
    assert result.exit_code == 2, result.output
    assert f"question {QUESTION!r} has no usable rubric" in result.stderr and "viva bank validate" in result.stderr
    assert saved_attempts(svc) == 0 and audio.exists()


def test_practice_refuses_a_question_without_a_rubric_before_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import practice
    from assistant.practice import AnswerSession

    svc = make_services(NoASR())
    svc.__dict__["bank"] = RubricLost(svc.bank)
    monkeypatch.setattr(practice, "services", lambda engine=None: svc)
    result = CliRunner().invoke(app, ["practice", "--no-ui", "-q", QUESTION, "--quiet", "--no-critique"])
    assert result.exit_code == 2 and "has no usable rubric" in result.stderr
    assert "How does gradient descent work" not in result.stdout  # the question was never asked
    with pytest.raises(ValueError, match="no usable rubric"):  # the app's path: refused before recording
        AnswerSession(svc, svc.bank.get(QUESTION))
    assert not svc.settings.audio_dir.exists() or not any(svc.settings.audio_dir.rglob("*.part.pcm"))
