"""SQLite store of attempts.

WAL mode and a busy timeout let a second running instance (the app and a `viva score` in
another terminal) write without corrupting anything; every write is one transaction.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.domain import Attempt, Critique, DeliveryMetrics, Score, Transcript
from assistant.store.files import atomic_copy, atomic_write_text
from assistant.store.serialize import from_json, to_data, to_json

SCHEMA_VERSION = 5
# The user's own review rating for an attempt (`viva rate`), which wins over the derived one.
_RATINGS_TABLE = """CREATE TABLE IF NOT EXISTS rating_overrides (
    attempt_id INTEGER PRIMARY KEY,
    rating TEXT NOT NULL,
    set_at TEXT NOT NULL
)"""
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    audio_path TEXT,
    duration REAL NOT NULL,
    transcript_text TEXT NOT NULL,
    score REAL NOT NULL,
    graded INTEGER NOT NULL,
    transcript_json TEXT NOT NULL,
    score_json TEXT NOT NULL,
    delivery_json TEXT,
    engines_json TEXT NOT NULL,
    recovered INTEGER NOT NULL DEFAULT 0,
    critique_json TEXT,
    follow_up TEXT
)""",
    "CREATE INDEX IF NOT EXISTS attempts_question ON attempts(question_id, created_at)",
    _RATINGS_TABLE,
)
# Applied in order to existing databases whose user_version is below the key; new databases
# get _SCHEMA, which already has every column.
_MIGRATIONS = {
    2: "ALTER TABLE attempts ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0",
    3: "ALTER TABLE attempts ADD COLUMN critique_json TEXT",
    4: "ALTER TABLE attempts ADD COLUMN follow_up TEXT",
    5: _RATINGS_TABLE,
}


def file_safe_id(question_id: str) -> str:
    """A question id for a file name: a user bank's `acme/feature-store` -> `acme--feature-store`
    (ids never hold `--` themselves), so recordings stay flat files a glob finds."""
    return question_id.replace("/", "--")


@dataclass(frozen=True)
class StoredAttempt:
    """A row of the history list: enough to show and filter without decoding the JSON."""

    id: int
    question_id: str
    created_at: str
    score: float
    graded: bool
    duration: float
    audio_path: str | None
    follow_up: str | None = None


class AttemptStore:
    def __init__(self, database: Path, audio_dir: Path) -> None:
        self.database = database
        self.audio_dir = audio_dir
        database.parent.mkdir(parents=True, exist_ok=True)
        self._create_or_migrate()

    def _create_or_migrate(self) -> None:
        # BEGIN IMMEDIATE takes the write lock first, so two processes opening a new or old
        # database at once cannot both create or both migrate it.
        db = sqlite3.connect(self.database, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("BEGIN IMMEDIATE")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            has_table = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'attempts'").fetchone() is not None
            for statement in _SCHEMA:
                db.execute(statement)
            if has_table:
                for target, statement in sorted(_MIGRATIONS.items()):
                    if version < target:
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.database, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def save(self, attempt: Attempt, source_audio: Path | None = None, *, move: bool = False) -> Attempt:
        """Copy (or move) the audio into the store, insert the row, write the JSON sidecar; returns it with its id."""
        if source_audio is not None:
            attempt.audio_path = self._keep_audio(source_audio, attempt, move=move)
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO attempts (question_id, created_at, audio_path, duration, transcript_text, score, graded,"
                " transcript_json, score_json, delivery_json, engines_json, recovered, critique_json, follow_up)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    attempt.question_id, attempt.created_at,
                    str(attempt.audio_path) if attempt.audio_path else None,
                    attempt.transcript.duration, attempt.transcript.text, attempt.score.overall,
                    int(attempt.score.graded), to_json(attempt.transcript), to_json(attempt.score),
                    to_json(attempt.delivery) if attempt.delivery else None, json.dumps(attempt.engine_versions),
                    int(attempt.recovered), to_json(attempt.critique) if attempt.critique else None,
                    attempt.follow_up,
                ),
            )
            attempt.id = int(cursor.lastrowid or 0)
        self._write_sidecar(attempt)
        return attempt

    def _write_sidecar(self, attempt: Attempt) -> None:
        if attempt.audio_path is not None and attempt.audio_path.parent.exists():
            atomic_write_text(attempt.audio_path.with_suffix(".json"), json.dumps(attempt_to_data(attempt), indent=2))

    def set_critique(self, attempt: Attempt, critique: Critique) -> Attempt:
        """Write (or rewrite) the critique of a stored attempt."""
        with self._connect() as db:
            db.execute("UPDATE attempts SET critique_json = ? WHERE id = ?", (to_json(critique), attempt.id))
        attempt.critique = critique
        self._write_sidecar(attempt)
        return attempt

    def _keep_audio(self, source: Path, attempt: Attempt, *, move: bool) -> Path:
        stamp = re.sub(r"[^0-9T]", "", attempt.created_at[:19])  # date and time, not the UTC offset
        month = attempt.created_at[:7]
        name = file_safe_id(attempt.question_id)
        target = self.audio_dir / month / f"{stamp}-{name}{source.suffix.lower()}"
        counter = 1
        while target.exists():
            counter += 1
            target = target.with_name(f"{stamp}-{name}-{counter}{source.suffix.lower()}")
        if move:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)
                return target
            except OSError:  # another file system: copy, then remove the original
                atomic_copy(source, target)
                source.unlink()
                return target
        atomic_copy(source, target)
        return target

    def list(self, *, question_id: str | None = None, limit: int | None = None) -> list[StoredAttempt]:
        sql = "SELECT id, question_id, created_at, score, graded, duration, audio_path, follow_up FROM attempts"
        params: list[object] = []
        if question_id:
            sql += " WHERE question_id = ?"
            params.append(question_id)
        sql += " ORDER BY created_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
        return [StoredAttempt(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows]

    def get(self, attempt_id: int) -> Attempt:
        with self._connect() as db:
            row = db.execute(
                "SELECT id, question_id, created_at, audio_path, transcript_json, score_json, delivery_json, engines_json,"
                " recovered, critique_json, follow_up FROM attempts WHERE id = ?",
                (attempt_id,),
            ).fetchone()
        if row is None:
            raise KeyError(f"no attempt with id {attempt_id}; `viva history` lists them")
        return Attempt(
            id=row[0], question_id=row[1], created_at=row[2], audio_path=Path(row[3]) if row[3] else None,
            transcript=from_json(Transcript, row[4]), score=from_json(Score, row[5]),
            delivery=from_json(DeliveryMetrics, row[6]) if row[6] else None, engine_versions=json.loads(row[7]),
            recovered=bool(row[8]), critique=from_json(Critique, row[9]) if row[9] else None, follow_up=row[10],
        )

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])

    def results(self) -> list[AttemptResult]:
        """Every attempt's score and delivery, oldest first (no transcripts: scheduling and
        progress replay the whole history, and the transcripts are most of the bytes)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, question_id, created_at, duration, score_json, delivery_json, follow_up FROM attempts"
                " ORDER BY created_at, id"
            ).fetchall()
        return [AttemptResult(r[0], r[1], r[2], r[3], from_json(Score, r[4]),
                              from_json(DeliveryMetrics, r[5]) if r[5] else None, r[6]) for r in rows]

    def set_rating_override(self, attempt_id: int, rating: str | None) -> None:
        """Record the user's review rating for an attempt; None removes it."""
        with self._connect() as db:
            if db.execute("SELECT 1 FROM attempts WHERE id = ?", (attempt_id,)).fetchone() is None:
                raise KeyError(f"no attempt with id {attempt_id}; `viva history` lists them")
            if rating is None:
                db.execute("DELETE FROM rating_overrides WHERE attempt_id = ?", (attempt_id,))
            else:
                db.execute("INSERT OR REPLACE INTO rating_overrides (attempt_id, rating, set_at) VALUES (?,?,?)",
                           (attempt_id, rating, now_iso()))

    def rating_overrides(self) -> dict[int, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT attempt_id, rating FROM rating_overrides").fetchall())


@dataclass(frozen=True)
class AttemptResult:
    """What scheduling and progress need from an attempt (see AttemptStore.results)."""

    id: int
    question_id: str
    created_at: str
    duration: float
    score: Score
    delivery: DeliveryMetrics | None
    follow_up: str | None = None


def attempt_to_data(attempt: Attempt) -> dict:
    return {
        "id": attempt.id,
        "question_id": attempt.question_id,
        "created_at": attempt.created_at,
        "audio_path": str(attempt.audio_path) if attempt.audio_path else None,
        "transcript": to_data(attempt.transcript),
        "score": to_data(attempt.score),
        "delivery": to_data(attempt.delivery) if attempt.delivery else None,
        "engine_versions": attempt.engine_versions,
        "recovered": attempt.recovered,
        "critique": to_data(attempt.critique) if attempt.critique else None,
        "follow_up": attempt.follow_up,
    }


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
