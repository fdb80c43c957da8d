"""What the study plan needs from the store: results in time order, rating overrides, migration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.store import AttemptStore
from assistant.store.attempts import SCHEMA_VERSION
from tests.test_store import make_attempt


def test_results_come_oldest_first_with_scores_and_follow_ups(tmp_path: Path) -> None:
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    store.save(make_attempt("b", "2026-11-03T10:00:00+00:00"))
    follow = make_attempt("a", "2026-11-01T10:05:00+00:00")
    follow.follow_up = "Why?"
    store.save(follow)
    store.save(make_attempt("a", "2026-11-01T10:00:00+00:00"))
    results = store.results()
    assert [(r.question_id, r.created_at[:16], r.follow_up) for r in results] == [
        ("a", "2026-11-01T10:00", None), ("a", "2026-11-01T10:05", "Why?"), ("b", "2026-11-03T10:00", None)]
    assert results[0].score.overall == 50.0 and results[0].score.missed_critical == ()
    assert results[0].delivery is not None and results[0].delivery.time_limit == 60


def test_rating_overrides_are_set_replaced_and_cleared(tmp_path: Path) -> None:
    store = AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec")
    attempt = store.save(make_attempt())
    store.set_rating_override(attempt.id, "again")
    store.set_rating_override(attempt.id, "easy")
    assert AttemptStore(tmp_path / "viva.sqlite3", tmp_path / "rec").rating_overrides() == {attempt.id: "easy"}
    store.set_rating_override(attempt.id, None)
    assert store.rating_overrides() == {}
    with pytest.raises(KeyError, match="viva history"):
        store.set_rating_override(999, "good")


def test_a_version_4_database_gains_the_overrides_table_and_keeps_its_attempts(tmp_path: Path) -> None:
    database = tmp_path / "viva.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(
            "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, question_id TEXT NOT NULL, created_at TEXT NOT NULL,"
            " audio_path TEXT, duration REAL NOT NULL, transcript_text TEXT NOT NULL, score REAL NOT NULL, graded INTEGER NOT NULL,"
            " transcript_json TEXT NOT NULL, score_json TEXT NOT NULL, delivery_json TEXT, engines_json TEXT NOT NULL,"
            " recovered INTEGER NOT NULL DEFAULT 0, critique_json TEXT, follow_up TEXT);"
            "PRAGMA user_version = 4;"
        )
    old = AttemptStore.__new__(AttemptStore)  # write a row the way a version-4 Viva did, without migrating
    old.database, old.audio_dir = database, tmp_path / "rec"
    old.save(make_attempt())
    store = AttemptStore(database, tmp_path / "rec")
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'rating_overrides'").fetchone()
    store.set_rating_override(1, "hard")
    assert store.rating_overrides() == {1: "hard"} and store.count() == 1
