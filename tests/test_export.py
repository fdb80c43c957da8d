"""The personal wiki (`viva wiki`) and `viva export` as Markdown, JSON (round trip) and Anki."""

from __future__ import annotations

import json
import sqlite3
import stat
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.export import build_export, from_json, to_json
from assistant.wiki import front_matter, note_body, open_note, with_links
from tests.study_fakes import scripted_attempt, study_services

DAY = date(2026, 3, 2)
QID = "sl-bias-variance"


@pytest.fixture
def svc(monkeypatch: pytest.MonkeyPatch):
    svc = study_services(monkeypatch)
    q = svc.bank.get(QID)
    svc.store.save(scripted_attempt(q, DAY, 0.5))
    svc.store.save(scripted_attempt(q, DAY, 1.0, minute=5))  # the best: attempt 2
    svc.store.save(scripted_attempt(q, DAY, 0.25, minute=9))
    svc.store.save(scripted_attempt(q, DAY, 0.0, minute=12, follow_up="Why?"))  # follow-ups are not "best"
    return svc


def editor_script(tmp_path: Path, line: str) -> str:
    """A stand-in for $EDITOR that appends a line to the file it is given."""
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\necho "{line}" >> "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_viva_wiki_creates_the_note_links_the_best_attempt_and_opens_the_editor(svc, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "Bias is error from wrong assumptions."))
    monkeypatch.delenv("VISUAL", raising=False)
    result = CliRunner().invoke(app, ["wiki", QID])
    assert result.exit_code == 0, result.output
    text = svc.notes.read(QID)
    assert front_matter(text) == {"question": QID, "topic": "supervised-learning", "best_attempt": "2",
                                  "best_score": "100", "best_date": "2026-03-02"}
    body = note_body(text)
    assert body.startswith("# Explain the bias-variance trade-off.") and body.rstrip().endswith("wrong assumptions.")


def test_reopening_refreshes_only_the_links_and_keeps_the_users_words(svc, monkeypatch) -> None:
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    svc.notes.write(QID, "My own answer, written by hand.\n")  # no front matter yet
    result = CliRunner().invoke(app, ["wiki", QID])
    assert result.exit_code == 0 and result.stdout.strip() == str(svc.notes.path(QID))  # no editor: the path
    text = svc.notes.read(QID)
    assert front_matter(text)["best_attempt"] == "2" and note_body(text) == "My own answer, written by hand.\n"
    q = svc.bank.get(QID)
    assert with_links(text, q, None) != text and note_body(with_links(text, q, None)) == note_body(text)
    assert open_note(svc, QID) == svc.notes.path(QID) and svc.notes.read(QID) == text  # idempotent


def test_an_unknown_question_is_a_clear_error(svc) -> None:
    result = CliRunner().invoke(app, ["wiki", "sl-bias-varianse"])
    assert result.exit_code == 2 and "sl-bias-variance" in result.output


def test_json_export_round_trips_with_notes_and_best_scores(svc, tmp_path: Path) -> None:
    svc.notes.write(QID, "---\nquestion: sl-bias-variance\n---\n# Mine\n\nIt is a trade-off.\n")
    out = tmp_path / "export.json"
    result = CliRunner().invoke(app, ["export", "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = from_json(out.read_text())
    assert exported == build_export(svc)
    assert to_json(exported) == out.read_text()
    assert len(exported.questions) == len(svc.bank.questions)
    item = next(i for i in exported.questions if i.question.id == QID)
    assert item.note == "# Mine\n\nIt is a trade-off.\n" and item.answers == 3
    assert (item.best.attempt_id, item.best.score) == (2, 100.0)
    bank_q = svc.bank.get(QID)
    assert item.question.rubric == bank_q.rubric and item.question.prompt == bank_q.prompt
    assert item.question.source_file is None  # a path on this machine means nothing elsewhere
    other = next(i for i in exported.questions if i.question.id != QID)
    assert other.note is None and other.best is None and other.answers == 0


def test_a_file_that_is_not_an_export_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Viva export"):
        from_json(json.dumps({"questions": []}))
    with pytest.raises(ValueError, match="version 9"):
        from_json(json.dumps({"format": "viva-export", "version": 9, "questions": []}))


def test_markdown_export_has_topics_notes_model_answers_and_scores(svc) -> None:
    svc.notes.write(QID, "# My note\n\nStart from the decomposition.\n")
    result = CliRunner().invoke(app, ["export", "--format", "md"])
    assert result.exit_code == 0
    md = result.stdout
    assert md.startswith("# Viva") and "## Supervised learning" in md
    section = md[md.index("### Explain the bias-variance trade-off."):]
    section = section[: section.index("\n### ", 5)]
    assert "best 100/100 (attempt #2, 2026-03-02)" in section
    assert "#### My note" in section and "Start from the decomposition." in section and "**Model answer**" in section


def test_anki_export_has_one_note_per_question_with_stable_ids(svc, tmp_path: Path) -> None:
    svc.notes.write(QID, "Decomposition & trade-off <3\n")
    out = tmp_path / "deck" / "viva.apkg"
    result = CliRunner().invoke(app, ["export", "--format", "anki", "--out", str(out)])
    assert result.exit_code == 0, result.output
    notes = _anki_notes(out, tmp_path / "unpacked")
    assert len(notes) == len(svc.bank.questions)
    fields = notes[QID]["fields"]
    assert fields[1] == "Explain the bias-variance trade-off."
    assert "Decomposition &amp; trade-off &lt;3" in fields[2] and "best 100/100" in fields[2]
    other = next(v for k, v in notes.items() if k != QID)
    assert "Model answer" in other["fields"][2] and "not answered yet" in other["fields"][2]
    again = tmp_path / "again.apkg"
    CliRunner().invoke(app, ["export", "--format", "anki", "--out", str(again)])
    assert {k: v["guid"] for k, v in _anki_notes(again, tmp_path / "again").items()} == \
        {k: v["guid"] for k, v in notes.items()}


def _anki_notes(apkg: Path, into: Path) -> dict[str, dict]:
    with zipfile.ZipFile(apkg) as archive:
        archive.extract("collection.anki2", into)
    with sqlite3.connect(into / "collection.anki2") as db:
        rows = db.execute("SELECT guid, flds FROM notes").fetchall()
    return {flds.split("\x1f")[0]: {"guid": guid, "fields": flds.split("\x1f")} for guid, flds in rows}


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="needs /dev/full (Linux)")
def test_an_export_that_cannot_be_written_says_so_and_leaves_the_device_alone(svc) -> None:
    """Before, the atomic write replaced /dev/full with a regular file and printed "Wrote ..."."""
    for fmt in ("md", "json", "anki"):
        result = CliRunner().invoke(app, ["export", "--format", fmt, "--out", "/dev/full"])
        assert result.exit_code == 2, (fmt, result.output)
        # "no space to write /dev/full ... although N free", or "the disk holding /dev/full is full"
        # where /dev is a small tmpfs (containers)
        assert "/dev/full" in result.output and ("no space" in result.output or "is full" in result.output)
        assert "Wrote" not in result.output
    assert Path("/dev/full").is_char_device()


def test_export_through_a_symlink_replaces_its_file_and_keeps_the_link_and_permissions(svc, tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    real.chmod(0o644)
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = CliRunner().invoke(app, ["export", "--out", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.read_text().startswith("# Viva")
    assert stat.S_IMODE(real.stat().st_mode) == 0o644


def test_export_into_a_fifo_writes_to_it_rather_than_replacing_it(svc, tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    # A daemon: if the export never opened the FIFO, the blocked reader must not keep pytest alive.
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(app, ["export", "--format", "json", "--out", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert received, "nothing was written into the FIFO"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and from_json(received[0].decode()) == build_export(svc)
