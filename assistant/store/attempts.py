"""SQLite store of attempts.

WAL mode and a busy timeout let a second running instance (the app and a `viva score` in
another terminal) write without corrupting anything; every write is one transaction. Errors
of a read-only, damaged or full store come out as StoreErrors (store/errors.py).
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.domain import Attempt, Critique, DeliveryMetrics, Score, Transcript
from assistant.store.errors import damaged, disk_full, explain, free_bytes, read_only, translated
from assistant.store.locking import creation_lock, retry_while_locked
from assistant.store.files import atomic_copy, atomic_write_text
from assistant.store.serialize import from_data, from_json, to_data, to_json

SCHEMA_VERSION = 5
_NO_SHM = ("unable to open", "disk is full", "disk I/O error")  # what SQLite says when it cannot make -shm
PENDING_SUFFIX = ".pending.json"
"""Sidecar of an attempt whose database row is not written yet (see AttemptStore.save)."""
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
    """Attempts in SQLite, their audio and a JSON sidecar per attempt in audio_dir/YYYY-MM/.

    Opening only reads when the schema is current, so a read-only database serves every
    reading command and a damaged one is not written to. The first use checks the file is
    healthy (PRAGMA quick_check, read-only); every write first checks it is writable
    (`ensure_writable`), before any audio is moved.
    """

    _healthy = False  # passed PRAGMA quick_check (once per store)
    _immutable = False  # read without -shm: a read-only folder or a full disk (see _schema_is_current)

    def __init__(self, database: Path, audio_dir: Path) -> None:
        self.database = database
        self.audio_dir = audio_dir
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise explain(exc, place=database.parent) or exc from exc
        with translated(database):
            retry_while_locked(self._open)

    @property
    def _read_uri(self) -> str:
        return self.database.resolve().as_uri() + ("?immutable=1" if self._immutable else "?mode=ro")

    def _open(self) -> None:
        if not self._schema_is_current():
            with creation_lock(self.database):
                # Checked again under the lock: another process may have just created it.
                if not self._schema_is_current():
                    self._create_or_migrate()

    def _schema_is_current(self) -> bool:
        """Read-only look at an existing database: True when no write is needed to use it."""
        if not self.database.exists() or self.database.stat().st_size == 0:
            return False
        try:
            db = sqlite3.connect(self._read_uri, uri=True, timeout=30)
        except sqlite3.OperationalError:
            return False
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            has_table = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'attempts'").fetchone() is not None
            # Read as immutable, SQLite reports no WAL; it cannot be switched then anyway.
            wal = db.execute("PRAGMA journal_mode").fetchone()[0] == "wal" or self._immutable
        except sqlite3.OperationalError as exc:
            if not any(s in str(exc) for s in _NO_SHM) or self._immutable:
                raise
            # A WAL database in a read-only folder or on a full disk: SQLite cannot make its -shm
            # file there ("disk I/O error" on a full tmpfs). Nothing can write the database
            # meanwhile, so it is safe to read as immutable; a disk that really fails fails again.
            self._immutable = True
            return self._schema_is_current()
        finally:
            db.close()
        # A database from a newer Viva (higher version) is used as it is, never downgraded.
        return has_table and version >= SCHEMA_VERSION and wal

    def _create_or_migrate(self) -> None:
        # BEGIN IMMEDIATE takes the write lock first, so two processes opening a new or old
        # database at once cannot both create or both migrate it.
        if self.database.exists() and self.database.stat().st_size > 0:
            self._check_health()  # never migrate (write) a damaged file
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
            db.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        self._healthy = True

    def _check_health(self) -> None:
        """PRAGMA quick_check on a read-only connection; raises DatabaseDamaged."""
        db = sqlite3.connect(self._read_uri, uri=True, timeout=30)
        try:
            verdict = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            verdict = [str(exc)]
        finally:
            db.close()
        if verdict != ["ok"]:
            raise damaged(self.database, "; ".join(verdict[:2]))

    def ensure_writable(self, needed_bytes: int = 0, *, kept: Path | None = None) -> None:
        """Raise the StoreError that a save would meet (read-only file or folder, damaged file,
        full disk), so a command can refuse before its work instead of after. Checks health once."""
        targets = [self.database, self.database.with_name(self.database.name + "-wal"), self.database.parent]
        for path in [*targets, self.audio_dir]:
            try:
                if path.is_dir() or path == self.audio_dir:
                    path.mkdir(parents=True, exist_ok=True)
                    with tempfile.NamedTemporaryFile(dir=path, prefix=".viva-write-test-"):
                        pass
                elif path.exists():
                    with open(path, "r+b"):  # opening for writing is refused on a read-only file, even to root
                        pass
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise disk_full(path, kept=kept, reason=exc.strerror) from exc
                raise read_only(path, exc.strerror, kept=kept) from exc
        for where in (self.database.parent, self.audio_dir):
            free = free_bytes(where)
            if needed_bytes and free is not None and free < needed_bytes:
                raise disk_full(where, needed=needed_bytes, kept=kept)
        with translated(self.database, kept=kept):
            self._ensure_healthy()

    def _ensure_healthy(self) -> None:
        # Once per store: a damaged file is then reported by every command, reading ones too,
        # rather than only by those that happen to touch a damaged page (~20 ms per 500 attempts).
        if not self._healthy:
            self._check_health()
            self._healthy = True

    @contextmanager
    def _connect(self, *, write: bool = False, kept: Path | None = None) -> Iterator[sqlite3.Connection]:
        """`kept`: the recording a failing write leaves on disk, named in the error."""
        with translated(self.database, kept=kept):
            self._ensure_healthy()
            if write:
                self.ensure_writable(kept=kept)
                db = sqlite3.connect(self.database, timeout=30)
            else:  # read-only: reading never writes, so it works on a read-only or suspect file
                db = sqlite3.connect(self._read_uri, uri=True, timeout=30)
            try:
                db.execute("PRAGMA busy_timeout=30000")
                with db:  # commits, or rolls back on error
                    yield db
            finally:
                db.close()

    def save(self, attempt: Attempt, source_audio: Path | None = None, *, move: bool = False) -> Attempt:
        """Copy (or move) the audio into the store, insert the row, write the JSON sidecar; returns it with its id.

        The sidecar is written before the row (as NAME.pending.json): an attempt the database
        refuses (full disk, read-only or damaged file) keeps its audio and result on disk, and
        `import_unsaved` (next start) or `viva db recover` brings it back."""
        self.ensure_writable(kept=source_audio if move else None)
        if source_audio is not None:
            try:
                attempt.audio_path = self._keep_audio(source_audio, attempt, move=move)
            except OSError as exc:
                kept = source_audio if source_audio.exists() else None
                raise explain(exc, place=self.audio_dir, kept=kept) or exc from exc
            try:
                self._write_sidecar(attempt, pending=True)
            except OSError as exc:
                raise explain(exc, place=self.audio_dir, kept=attempt.audio_path) or exc from exc
        with self._connect(write=True, kept=attempt.audio_path) as db:
            attempt.id = self._insert(db, attempt)
        self._write_sidecar(attempt)
        return attempt

    def _insert(self, db: sqlite3.Connection, attempt: Attempt) -> int:
        """Insert the row; a given id is kept (restoring), else a new one is assigned."""
        cursor = db.execute(
            "INSERT INTO attempts (id, question_id, created_at, audio_path, duration, transcript_text, score, graded,"
            " transcript_json, score_json, delivery_json, engines_json, recovered, critique_json, follow_up)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                attempt.id, attempt.question_id, attempt.created_at,
                str(attempt.audio_path) if attempt.audio_path else None,
                attempt.transcript.duration, attempt.transcript.text, attempt.score.overall,
                int(attempt.score.graded), to_json(attempt.transcript), to_json(attempt.score),
                to_json(attempt.delivery) if attempt.delivery else None, json.dumps(attempt.engine_versions),
                int(attempt.recovered), to_json(attempt.critique) if attempt.critique else None,
                attempt.follow_up,
            ),
        )
        return int(cursor.lastrowid or 0)

    def restore(self, attempts: list[Attempt]) -> list[Attempt]:
        """Insert attempts rebuilt elsewhere (`viva db recover`, unsaved sidecars), in one transaction.
        Each keeps its id when that id is free, else gets a new one; sidecars are rewritten to match."""
        with self._connect(write=True) as db:
            taken = {row[0] for row in db.execute("SELECT id FROM attempts")}
            for attempt in attempts:
                if attempt.id in taken:
                    attempt.id = None
                attempt.id = self._insert(db, attempt)
                taken.add(attempt.id)
        for attempt in attempts:
            self._write_sidecar(attempt)
        return attempts

    def import_unsaved(self) -> list[Attempt]:
        """Attempts whose audio and sidecar were kept but whose row a failed save never wrote."""
        pending = sorted(self.audio_dir.glob(f"*/*{PENDING_SUFFIX}")) if self.audio_dir.is_dir() else []
        if not pending:
            return []
        attempts = [attempt_from_data(json.loads(path.read_text(encoding="utf-8"))) for path in pending]
        return self.restore(attempts)

    def _write_sidecar(self, attempt: Attempt, *, pending: bool = False) -> None:
        if attempt.audio_path is None or not attempt.audio_path.parent.exists():
            return
        final = attempt.audio_path.with_suffix(".json")
        waiting = attempt.audio_path.with_name(attempt.audio_path.stem + PENDING_SUFFIX)
        atomic_write_text(waiting if pending else final, json.dumps(attempt_to_data(attempt), indent=2))
        if not pending:
            waiting.unlink(missing_ok=True)

    def set_critique(self, attempt: Attempt, critique: Critique) -> Attempt:
        """Write (or rewrite) the critique of a stored attempt."""
        with self._connect(write=True) as db:
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
            row = db.execute(f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        if row is None:
            raise KeyError(f"no attempt with id {attempt_id}; `viva history` lists them")
        return attempt_from_row(row)

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

    def set_rating_override(self, attempt_id: int, rating: str | None, *, set_at: str | None = None) -> None:
        """Record the user's review rating for an attempt; None removes it. `set_at`: when (default now)."""
        with self._connect(write=True) as db:
            if db.execute("SELECT 1 FROM attempts WHERE id = ?", (attempt_id,)).fetchone() is None:
                raise KeyError(f"no attempt with id {attempt_id}; `viva history` lists them")
            if rating is None:
                db.execute("DELETE FROM rating_overrides WHERE attempt_id = ?", (attempt_id,))
            else:
                db.execute("INSERT OR REPLACE INTO rating_overrides (attempt_id, rating, set_at) VALUES (?,?,?)",
                           (attempt_id, rating, set_at or now_iso()))

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


ATTEMPT_COLUMNS = ("id, question_id, created_at, audio_path, transcript_json, score_json, delivery_json, engines_json,"
                   " recovered, critique_json, follow_up")
"""The columns attempt_from_row reads, in its order."""


def attempt_from_row(row: tuple) -> Attempt:
    return Attempt(
        id=row[0], question_id=row[1], created_at=row[2], audio_path=Path(row[3]) if row[3] else None,
        transcript=from_json(Transcript, row[4]), score=from_json(Score, row[5]),
        delivery=from_json(DeliveryMetrics, row[6]) if row[6] else None, engine_versions=json.loads(row[7]),
        recovered=bool(row[8]), critique=from_json(Critique, row[9]) if row[9] else None, follow_up=row[10],
    )


def attempt_from_data(data: dict) -> Attempt:
    """The inverse of attempt_to_data: an attempt from its JSON sidecar."""
    return Attempt(
        id=data.get("id"), question_id=data["question_id"], created_at=data["created_at"],
        audio_path=Path(data["audio_path"]) if data.get("audio_path") else None,
        transcript=from_data(Transcript, data["transcript"]), score=from_data(Score, data["score"]),
        delivery=from_data(DeliveryMetrics, data["delivery"]) if data.get("delivery") else None,
        engine_versions=data.get("engine_versions") or {}, recovered=bool(data.get("recovered")),
        critique=from_data(Critique, data["critique"]) if data.get("critique") else None,
        follow_up=data.get("follow_up"),
    )


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
