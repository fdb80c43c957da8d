"""The SQLite attempt store: round trips, audio + sidecar files, two writers at once."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

from assistant.domain import Attempt, Evidence, PointResult, PointStatus, Score
from assistant.scoring.delivery import delivery_metrics
from assistant.store import AttemptStore
from tests.fakes import transcript_from_words


def make_attempt(question_id: str = "sl-bias-variance", created_at: str = "2026-11-27T10:00:00+00:00") -> Attempt:
    transcript = transcript_from_words([("Bias", 0.5, 0.8), ("and", 0.8, 0.9), ("variance.", 0.9, 1.4)])
    score = Score(50.0, (PointResult("p", "Bias and variance", 1.0, True, PointStatus.PARTIAL, 0.55,
                                     Evidence("Bias and variance.", 0.5, 1.4)),), ())
    return Attempt(question_id, created_at, None, transcript, score, delivery_metrics(transcript, 60),
                   {"asr": "fake"})


def test_save_and_read_back_with_audio_and_sidecar(tmp_path: Path) -> None:
    audio = tmp_path / "answer.wav"
    audio.write_bytes(b"RIFF....fake")
    store = AttemptStore(tmp_path / "db" / "viva.sqlite3", tmp_path / "recordings")
    saved = store.save(make_attempt(), source_audio=audio)
    assert saved.id == 1
    assert saved.audio_path is not None and saved.audio_path.is_relative_to(tmp_path / "recordings")
    assert saved.audio_path.read_bytes() == audio.read_bytes()
    sidecar = json.loads(saved.audio_path.with_suffix(".json").read_text())
    assert sidecar["id"] == 1 and sidecar["score"]["overall"] == 50.0
    loaded = store.get(1)
    assert loaded.transcript == saved.transcript and loaded.score == saved.score and loaded.delivery == saved.delivery
    assert [r.id for r in store.list()] == [1]


def test_a_follow_up_answer_keeps_its_follow_up_question(tmp_path: Path) -> None:
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    attempt = make_attempt()
    attempt.follow_up = "How would you detect high variance in practice?"
    saved = store.save(attempt)
    assert store.get(saved.id).follow_up == attempt.follow_up
    assert store.list()[0].follow_up == attempt.follow_up
    assert store.get(store.save(make_attempt()).id).follow_up is None


def test_list_filters_and_orders_newest_first(tmp_path: Path) -> None:
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    store.save(make_attempt("a", "2026-11-01T10:00:00+00:00"))
    store.save(make_attempt("b", "2026-11-03T10:00:00+00:00"))
    store.save(make_attempt("a", "2026-11-02T10:00:00+00:00"))
    assert [r.question_id for r in store.list()] == ["b", "a", "a"]
    assert [r.created_at[:10] for r in store.list(question_id="a")] == ["2026-11-02", "2026-11-01"]
    assert len(store.list(limit=1)) == 1


def test_two_attempts_in_the_same_second_keep_both_audio_files(tmp_path: Path) -> None:
    audio = tmp_path / "a.flac"
    audio.write_bytes(b"fLaC")
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    first = store.save(make_attempt(), source_audio=audio)
    second = store.save(make_attempt(), source_audio=audio)
    assert first.audio_path != second.audio_path and first.audio_path.exists() and second.audio_path.exists()


def _write_many(database: str, recordings: str, worker: int, count: int, barrier, hold: float) -> None:
    """Worker 0 plays a process in the middle of creating the database: it holds the write lock
    on the brand-new file when the barrier lets worker 1 open it, so worker 1 meets a locked
    database every run (SQLite's switch to WAL then fails at once instead of waiting)."""
    if worker == 0:
        db = sqlite3.connect(database, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        barrier.wait(timeout=120)
        time.sleep(hold)
        db.execute("COMMIT")
        db.close()
    else:
        barrier.wait(timeout=120)
    store = AttemptStore(Path(database), Path(recordings))
    for i in range(count):
        store.save(make_attempt(f"w{worker}-{i}"))


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    database, recordings = str(tmp_path / "viva.sqlite3"), str(tmp_path / "rec")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [ctx.Process(target=_write_many, args=(database, recordings, w, 40, barrier, 0.5)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert all(p.exitcode == 0 for p in workers), [p.exitcode for p in workers]
    assert AttemptStore(Path(database), Path(recordings)).count() == 80
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _open_together(folder: str, barrier, start_at, worker: int, rounds: int) -> None:
    for round_ in range(rounds):
        if barrier.wait(timeout=120) == 0:
            start_at.value = time.time() + 0.02
        barrier.wait(timeout=120)
        while time.time() < start_at.value:  # both leave the spin within microseconds
            pass
        store = AttemptStore(Path(folder) / f"round-{round_}.sqlite3", Path(folder) / "rec")
        store.save(make_attempt(f"w{worker}-round-{round_}"))


def test_two_processes_creating_databases_at_the_same_instant(tmp_path: Path) -> None:
    rounds = 10
    ctx = multiprocessing.get_context("spawn")
    barrier, start_at = ctx.Barrier(2), ctx.Value("d", 0.0)
    workers = [ctx.Process(target=_open_together, args=(str(tmp_path), barrier, start_at, w, rounds)) for w in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join(120)
    assert all(p.exitcode == 0 for p in workers), [p.exitcode for p in workers]
    for round_ in range(rounds):
        assert AttemptStore(tmp_path / f"round-{round_}.sqlite3", tmp_path / "rec").count() == 2


def test_unknown_attempt_id_says_how_to_find_one(tmp_path: Path) -> None:
    import pytest

    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    with pytest.raises(KeyError, match="viva history"):
        store.get(42)
