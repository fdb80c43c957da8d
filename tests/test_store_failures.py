"""The store on a bad day: a read-only database, a damaged one, a full disk. Every command says
what happened and what to do (exit 2, no traceback), and no recorded answer is lost."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import answers, app
from assistant.domain import Attempt
from assistant.services import Services
from assistant.store import AttemptStore
from assistant.store.attempts import PENDING_SUFFIX
from assistant.store.errors import DiskFull, StoreReadOnly
from assistant.store.recover import is_healthy
from tests.fakes import transcript_from_words
from tests.study_fakes import scripted_attempt, study_services

START = date(2026, 1, 5)
QUESTIONS = ("sl-bias-variance", "sl-gradient-descent", "sl-l1-vs-l2")
runner = CliRunner()


def services_for_cli(monkeypatch: pytest.MonkeyPatch) -> Services:
    """Fresh services (so a fresh store opens the file as it is now) used by every command here."""
    svc = study_services(monkeypatch, plan_start=START)
    monkeypatch.setattr(answers, "services", lambda engine=None: svc)
    return svc


def long_attempt(svc: Services, index: int, *, quality: float = 0.6) -> Attempt:
    """An attempt with a two-minute transcript, so the table spans many database pages."""
    question = svc.bank.get(QUESTIONS[index % len(QUESTIONS)])
    attempt = scripted_attempt(question, date(2026, 1, 5 + index % 20), quality, minute=index)
    words = [(f"answer{index}word{i}", i * 0.4, i * 0.4 + 0.3) for i in range(200)]
    return replace(attempt, transcript=transcript_from_words(words))


def fill(svc: Services, tmp_path: Path, with_audio: int, without_audio: int = 0) -> list[Attempt]:
    saved = []
    for i in range(with_audio + without_audio):
        audio = None
        if i < with_audio:
            audio = tmp_path / f"answer-{i}.flac"
            audio.write_bytes(b"fLaC" + bytes([i]) * 2000)
        saved.append(svc.store.save(long_attempt(svc, i), source_audio=audio))
    return saved


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, (args, result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), (args, result.exception)  # said, not raised
    return result.output


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def recorded_files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.fixture
def make_read_only():
    """Make files read-only for real: file modes, plus `chattr +i` as root (root ignores modes)."""
    locked: list[Path] = []

    def lock(path: Path) -> None:
        path.chmod(0o555 if path.is_dir() else 0o444)
        locked.append(path)
        if os.geteuid() == 0:
            done = shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
            if not done:
                pytest.skip("running as root (file modes do not stop root) and `chattr +i` is not available here")

    yield lock
    for path in locked:
        if os.geteuid() == 0 and shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def no_transcribing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records any use of the speech model: a command that must refuse first never gets there."""
    used: list[str] = []

    def transcriber(self):
        used.append("transcriber")
        raise AssertionError("transcribed before checking the database")

    monkeypatch.setattr(Services, "transcriber", property(transcriber))
    return used


# --- a read-only database ----------------------------------------------------------------------


def test_reading_commands_work_on_a_read_only_database(monkeypatch, tmp_path, make_read_only) -> None:
    saved = fill(study_services(plan_start=START), tmp_path, with_audio=3)
    database = study_services().settings.database_path
    make_read_only(database)
    before = database.read_bytes()
    services_for_cli(monkeypatch)
    listed = json.loads(ok("history", "--json"))
    assert sorted(r["id"] for r in listed) == sorted(a.id for a in saved)
    assert json.loads(ok("today", "--json", "--on", "2026-01-27"))
    assert json.loads(ok("progress", "--json", "--on", "2026-01-27"))
    assert "sl-bias-variance" in ok("export", "-f", "json")
    assert "week 4 of 12" in ok("plan", "--on", "2026-01-27")
    assert database.read_bytes() == before  # opening no longer writes user_version


def test_saving_on_a_read_only_database_refuses_before_the_work(monkeypatch, tmp_path, make_read_only,
                                                                no_transcribing) -> None:
    fill(study_services(plan_start=START), tmp_path, with_audio=1)
    svc = services_for_cli(monkeypatch)
    database, recordings = svc.settings.database_path, svc.settings.audio_dir
    make_read_only(database)
    files = recorded_files(recordings)
    answer = tmp_path / "new-answer.flac"
    answer.write_bytes(b"fLaC" + b"\0" * 4000)
    out = refused("score", str(answer), "-q", "sl-bias-variance")
    assert f"the database {database} is read-only" in " ".join(out.split())
    assert "fix: make it writable" in out and "`viva history`" in out
    assert no_transcribing == [] and answer.exists() and recorded_files(recordings) == files
    assert len(json.loads(ok("history", "--json"))) == 1

    from assistant.practice import AnswerSession, in_progress_dir

    with pytest.raises(StoreReadOnly, match="read-only"):  # practice: refused before recording starts
        AnswerSession(svc, svc.bank.get("sl-bias-variance"))
    assert not recorded_files(in_progress_dir(svc))


def test_critique_and_the_doctor_on_a_read_only_database(monkeypatch, tmp_path, make_read_only) -> None:
    saved = fill(study_services(plan_start=START), tmp_path, with_audio=1)
    svc = services_for_cli(monkeypatch)
    make_read_only(svc.settings.database_path)
    used: list[str] = []
    monkeypatch.setattr(Services, "critic", property(lambda self: used.append("critic")))
    out = " ".join(refused("critique", str(saved[0].id)).split())
    assert "is read-only" in out and used == []  # refused before a minute of generating
    doctor = runner.invoke(app, ["doctor", "--quick", "--only", "database"])
    assert doctor.exit_code == 1 and "is read-only" in " ".join(doctor.output.split())


# --- an answer the database refuses stays on disk -----------------------------------------------


def _refuse_inserts(monkeypatch: pytest.MonkeyPatch, message: str, free: int) -> None:
    def insert(self, db, attempt):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(AttemptStore, "_insert", insert)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10 * 2**30, 10 * 2**30 - free, free))


def test_a_full_disk_is_said_plainly_and_the_answer_is_imported_at_the_next_start(monkeypatch, tmp_path) -> None:
    from assistant.practice import in_progress_dir, recover_unsaved_attempts

    svc = study_services(plan_start=START)
    recording = in_progress_dir(svc) / "20260105T090000-sl-bias-variance.flac"  # where practice records
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"fLaC" + b"\1" * 3000)
    attempt = long_attempt(svc, 0)
    with monkeypatch.context() as patch:
        _refuse_inserts(patch, "database or disk is full", free=12 * 2**10)
        with pytest.raises(DiskFull) as caught:
            svc.store.save(attempt, source_audio=recording, move=True)
    message = str(caught.value)
    assert "is full: 12 KB free, Viva needs at least 100 MB" in message and str(svc.settings.database_path) in message
    assert "your recorded answer is kept at" in message and "fix: free at least" in message
    kept = next(svc.settings.audio_dir.glob(f"*/*{PENDING_SUFFIX}"))
    audio = kept.with_name(kept.name.removesuffix(PENDING_SUFFIX) + ".flac")
    assert audio.read_bytes() == b"fLaC" + b"\1" * 3000 and str(audio) in message
    assert json.loads(kept.read_text())["transcript"]["text"] == attempt.transcript.text

    # The next start (practice or the app) brings it in, dated when it was spoken.
    imported = recover_unsaved_attempts(study_services(plan_start=START))
    assert [a.transcript.text for a in imported] == [attempt.transcript.text]
    again = AttemptStore(svc.settings.database_path, svc.settings.audio_dir).get(imported[0].id)
    assert again.audio_path == audio and again.created_at == attempt.created_at
    assert not kept.exists() and json.loads(audio.with_suffix(".json").read_text())["id"] == imported[0].id


def test_no_room_for_the_audio_copy_keeps_the_original(monkeypatch, tmp_path) -> None:
    svc = study_services(plan_start=START)
    answer = tmp_path / "answer.flac"
    answer.write_bytes(b"fLaC" + b"\2" * 3000)

    def no_space(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("assistant.store.attempts.atomic_copy", no_space)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(2**30, 2**30 - 4096, 4096))
    with pytest.raises(DiskFull, match="is full: 4 KB free") as caught:
        svc.store.save(long_attempt(svc, 0), source_audio=answer)
    assert str(svc.settings.audio_dir) in str(caught.value) and answer.exists()
    assert svc.store.count() == 0


def test_reading_commands_on_a_failing_disk_say_so(monkeypatch, tmp_path) -> None:
    svc = study_services(plan_start=START)
    fill(svc, tmp_path, with_audio=1)
    services_for_cli(monkeypatch)
    real_connect = sqlite3.connect

    def connect(target, *args, **kwargs):
        if "mode=ro" in str(target):
            raise sqlite3.OperationalError("disk I/O error")
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(2**30, 2**30, 0))
    out = " ".join(refused("history").split())
    assert f"the disk holding {svc.settings.database_path} is full: 0 KB free" in out and "fix: free at least" in out


def test_a_full_disk_outside_the_store_is_said_too(monkeypatch, tmp_path) -> None:
    services_for_cli(monkeypatch)
    out_file = tmp_path / "wiki.md"

    def no_space(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("assistant.store.files.atomic_write_text", no_space)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(2**30, 2**30 - 8192, 8192))
    out = " ".join(refused("export", "-f", "md", "-o", str(out_file)).split())
    assert f"the disk holding {out_file} is full: 8 KB free" in out


def test_a_real_full_disk(tmp_path) -> None:
    """A 1 MB tmpfs as the data directory (root only; skipped where mounting is not allowed)."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        store = AttemptStore(disk / "viva.sqlite3", disk / "recordings")
        svc = study_services()
        first = store.save(long_attempt(svc, 0), source_audio=_answer(tmp_path, "first", 1000))
        with open(disk / "filler", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        answer = _answer(tmp_path, "second", 200_000)
        with pytest.raises(DiskFull) as caught:
            store.save(long_attempt(svc, 1), source_audio=answer)
        assert "is full" in str(caught.value) and str(disk) in str(caught.value) and answer.exists()
        reopened = AttemptStore(disk / "viva.sqlite3", disk / "recordings")
        assert [a.id for a in reopened.list()] == [first.id]  # reading still works on the full disk
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def _answer(folder: Path, name: str, size: int) -> Path:
    path = folder / f"{name}.flac"
    path.write_bytes(b"fLaC" + os.urandom(size))
    return path


# --- a damaged database ------------------------------------------------------------------------


def corrupt_middle(database: Path, seed: int = 14) -> bytes:
    """Random bytes over the middle fifth of the file, page-aligned (as a failing disk or a
    careless copy would); returns the damaged bytes."""
    data = bytearray(database.read_bytes())
    page = 4096
    pages = len(data) // page
    rng = random.Random(seed)
    for number in range(int(pages * 0.4), int(pages * 0.6)):
        data[number * page:(number + 1) * page] = rng.randbytes(page)
    database.write_bytes(bytes(data))
    return bytes(data)


def damaged_store(monkeypatch, tmp_path) -> tuple[Services, list[Attempt], bytes]:
    svc = study_services(plan_start=START)
    saved = fill(svc, tmp_path, with_audio=30, without_audio=2)
    svc.store.set_rating_override(saved[0].id, "good")
    database = svc.settings.database_path
    with sqlite3.connect(database) as db:  # every row into the main file, where the damage goes
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damaged = corrupt_middle(database)
    assert not is_healthy(database)
    return services_for_cli(monkeypatch), saved, damaged


def test_a_damaged_database_is_explained_by_every_command(monkeypatch, tmp_path, no_transcribing) -> None:
    svc, saved, damaged = damaged_store(monkeypatch, tmp_path)
    database = svc.settings.database_path
    answer = _answer(tmp_path, "new", 2000)
    for command in (["history"], ["history", "--json"], ["today"], ["progress"], ["export", "-f", "json"], ["plan"],
                    ["replay", str(saved[0].id), "--no-audio"], ["score", str(answer), "-q", "sl-bias-variance"]):
        out = " ".join(refused(*command).split())
        assert f"the database {database} is damaged" in out and "fix: run `viva db recover`" in out, (command, out)
    assert no_transcribing == []
    assert database.read_bytes() == damaged  # read-only until known healthy: nothing was written to it
    doctor = runner.invoke(app, ["doctor", "--quick", "--only", "database"])
    assert doctor.exit_code == 1 and "viva db recover" in doctor.output
    assert runner.invoke(app, ["db", "check"]).exit_code == 1


def test_db_recover_keeps_the_damaged_file_and_loses_no_recorded_answer(monkeypatch, tmp_path) -> None:
    svc, saved, damaged = damaged_store(monkeypatch, tmp_path)
    database = svc.settings.database_path
    out = " ".join(ok("db", "recover").split())
    copies = [p for p in database.parent.glob("viva.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]
    assert len(copies) == 1 and copies[0].read_bytes() == damaged and f"kept as {copies[0]}" in out
    salvaged = int(out.split("Salvaged ")[1].split(" ")[0])
    rebuilt = int(out.split("rebuilt ")[1].split(" ")[0])
    assert salvaged > 0 and rebuilt > 0  # rows from the intact pages, the rest from the recordings

    fresh = AttemptStore(database, svc.settings.audio_dir)
    by_audio = {str(a.audio_path): a for a in (fresh.get(row.id) for row in fresh.list())}
    for before in saved:
        if before.audio_path is None:
            continue  # no recording: back only if its row was readable (checked below)
        after = by_audio[str(before.audio_path)]
        assert (after.id, after.question_id, after.created_at, after.transcript.text, after.score.overall) == \
               (before.id, before.question_id, before.created_at, before.transcript.text, before.score.overall)
    for before in (a for a in saved if a.audio_path is None):
        back = any(row.id == before.id for row in fresh.list())
        assert back or f"#{before.id}" in out  # never silently lost
    assert len(json.loads(ok("history", "--json", "--limit", "100"))) == fresh.count() >= 30
    assert "nothing to recover" in ok("db", "recover")


def test_db_recover_rebuilds_from_the_recordings_when_nothing_is_readable(monkeypatch, tmp_path) -> None:
    svc = study_services(plan_start=START)
    saved = fill(svc, tmp_path, with_audio=5)
    database = svc.settings.database_path
    database.write_bytes(os.urandom(database.stat().st_size))  # not even a header left
    services_for_cli(monkeypatch)
    assert "is damaged" in refused("history")
    out = " ".join(ok("db", "recover").split())
    assert "Salvaged 0 attempt(s)" in out and "rebuilt 5" in out
    listed = json.loads(ok("history", "--json"))
    assert sorted(r["id"] for r in listed) == sorted(a.id for a in saved)


async def test_the_app_says_the_database_is_damaged_and_keeps_running(monkeypatch, tmp_path) -> None:
    from assistant.backend import LocalBackend
    from assistant.ui.app import VivaApp

    svc, _, _ = damaged_store(monkeypatch, tmp_path)
    app_ = VivaApp(LocalBackend(svc), prepare_models=False, first_run=False)
    async with app_.run_test(size=(120, 40)) as pilot:
        for _ in range(100):
            if any("viva db recover" in n.message for n in app_._notifications):
                break
            await pilot.pause(0.05)
        notices = [n.message for n in app_._notifications]
        assert any("is damaged" in n and "viva db recover" in n for n in notices), notices
        assert type(app_.screen).__name__ == "HomeScreen"


def test_db_recover_in_a_read_only_folder_moves_nothing_and_says_why(monkeypatch, tmp_path, make_read_only) -> None:
    svc = study_services(plan_start=START)
    fill(svc, tmp_path, with_audio=2)
    database = svc.settings.database_path
    database.write_bytes(os.urandom(database.stat().st_size))
    damaged = database.read_bytes()
    make_read_only(database.parent)
    services_for_cli(monkeypatch)
    out = " ".join(refused("db", "recover").split())
    assert f"cannot rebuild {database}" in out and "read-only" in out and "run `viva db recover` again" in out
    assert database.read_bytes() == damaged and not list(database.parent.glob("*damaged*"))
