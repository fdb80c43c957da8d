"""`viva db recover`: a damaged database back in working order, losing nothing that was recorded.

The damaged file is moved aside, never deleted or written. A new database is filled from two
sources: every row SQLite can still read from a copy of the damaged file (the table scanned
whole, else row by row, so one bad page costs only its own rows), then the JSON sidecar of
every recording whose attempt was not among them (the sidecar holds the transcript, score,
delivery and critique: all an attempt is). Only an attempt saved without audio whose row is
unreadable can be lost, and the report counts those.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from assistant.domain import Attempt
from assistant.store.attempts import (
    ATTEMPT_COLUMNS,
    PENDING_SUFFIX,
    AttemptStore,
    attempt_from_data,
    attempt_from_row,
)

_DATABASE_FILES = ("", "-wal", "-shm")  # committed attempts may still be in the WAL: they move together


@dataclass(frozen=True)
class Recovery:
    damaged_copy: Path | None
    """Where the damaged file now is (None: there was no database file)."""
    salvaged: int
    """Attempts read back from the damaged file."""
    rebuilt: int
    """Attempts rebuilt from recordings' JSON sidecars."""
    ratings: int
    """Review ratings read back (they point at salvaged attempts)."""
    lost_ids: list[int] = field(default_factory=list)
    """Ids below the highest known id with neither a readable row nor a sidecar (attempts are never deleted)."""
    bad_sidecars: list[Path] = field(default_factory=list)
    """Sidecars that could not be read (kept as they are)."""


def is_healthy(database: Path) -> bool:
    """True when the file exists and passes PRAGMA quick_check (read-only: nothing is written)."""
    if not database.is_file():
        return False
    try:
        db = sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False


def recover_database(database: Path, audio_dir: Path) -> Recovery:
    """Move `database` aside, build a new one from what it still holds plus the recordings' sidecars."""
    aside = None
    rows: list[Attempt] = []
    ratings: list[tuple] = []
    highest = 0
    if database.exists():
        aside = database.with_name(f"{database.name}.damaged-{datetime.now():%Y%m%dT%H%M%S}")
        for suffix in _DATABASE_FILES:
            if Path(f"{database}{suffix}").exists():
                os.replace(f"{database}{suffix}", f"{aside}{suffix}")
        with tempfile.TemporaryDirectory(prefix="viva-recover-") as scratch:
            # Read a copy: opening the damaged file itself could checkpoint its WAL into it.
            copy = Path(scratch) / "damaged.sqlite3"
            for suffix in _DATABASE_FILES:
                if Path(f"{aside}{suffix}").exists():
                    shutil.copyfile(f"{aside}{suffix}", f"{copy}{suffix}")
            rows, ratings, highest = _salvage(copy)
    store = AttemptStore(database, audio_dir)  # a new, empty database
    store.restore(rows)
    have = {str(a.audio_path) for a in rows if a.audio_path is not None}
    have_ids = {a.id for a in rows}
    rebuilt, bad = [], []
    for sidecar in _sidecars(audio_dir):
        try:
            attempt = attempt_from_data(json.loads(sidecar.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            bad.append(sidecar)
            continue
        attempt.audio_path = _audio_beside(sidecar, attempt.audio_path)
        if attempt.audio_path is not None and str(attempt.audio_path) in have:
            continue
        rebuilt.append(attempt)
        have.add(str(attempt.audio_path))
    rebuilt.sort(key=lambda a: (a.id is None, a.id or 0, a.created_at))
    store.restore(rebuilt)  # also turns each pending sidecar into its final one
    kept_ratings = _restore_ratings(store, ratings)
    known = have_ids | {a.id for a in rebuilt}
    highest = max([highest, *(i for i in known if i is not None)], default=0)
    lost = [i for i in range(1, highest + 1) if i not in known]
    return Recovery(aside, len(rows), len(rebuilt), kept_ratings, lost, bad)


def _salvage(copy: Path) -> tuple[list[Attempt], list[tuple], int]:
    """Readable attempts, ratings and the highest id ever given, from a damaged database file."""
    try:
        db = sqlite3.connect(copy)
    except sqlite3.DatabaseError:
        return [], [], 0
    try:
        highest = _highest_id(db)
        try:
            rows = db.execute(f"SELECT {ATTEMPT_COLUMNS} FROM attempts ORDER BY id").fetchall()
        except sqlite3.DatabaseError:
            # A bad page stops the scan: look each id up on its own, which walks the tree
            # from the root and so steps around the damaged leaves.
            rows = []
            for attempt_id in range(1, highest + 1000):
                try:
                    row = db.execute(f"SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
                except sqlite3.DatabaseError:
                    continue
                if row is not None:
                    rows.append(row)
        attempts = []
        for row in rows:
            try:
                attempts.append(attempt_from_row(row))
            except (ValueError, TypeError, KeyError):  # a row whose JSON was hit: its sidecar may still have it
                continue
        try:
            ratings = db.execute("SELECT attempt_id, rating, set_at FROM rating_overrides").fetchall()
        except sqlite3.DatabaseError:
            ratings = []
        return attempts, ratings, max([highest, *(a.id or 0 for a in attempts)], default=0)
    finally:
        db.close()


def _highest_id(db: sqlite3.Connection) -> int:
    for sql in ("SELECT seq FROM sqlite_sequence WHERE name = 'attempts'", "SELECT MAX(id) FROM attempts"):
        try:
            row = db.execute(sql).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row and isinstance(row[0], int):
            return row[0]
    return 0


def _sidecars(audio_dir: Path, *, pending: bool = False) -> list[Path]:
    """The attempt sidecars in audio_dir/YYYY-MM/ (not the recorder's .meta.json or part files)."""
    if not audio_dir.is_dir():
        return []
    found = []
    for path in sorted(audio_dir.glob("*/*.json")):
        if path.parent.name.startswith(".") or path.name.endswith((".meta.json", ".part.json")):
            continue
        if path.name.endswith(PENDING_SUFFIX) == pending:
            found.append(path)
    if not pending:  # a pending sidecar is an attempt too, when its final one was never written
        finals = {p.name for p in found}
        found += [p for p in _sidecars(audio_dir, pending=True)
                  if p.name.removesuffix(PENDING_SUFFIX) + ".json" not in finals]
    return found


def _audio_beside(sidecar: Path, recorded: Path | None) -> Path | None:
    """The recording a sidecar describes: where it says, else the file beside it with its name
    (the recordings folder may have moved since)."""
    if recorded is not None and recorded.exists():
        return recorded
    stem = sidecar.name.removesuffix(PENDING_SUFFIX).removesuffix(".json")
    for candidate in sorted(sidecar.parent.glob(f"{stem}.*")):
        if candidate.suffix != ".json":
            return candidate
    return recorded


def _restore_ratings(store: AttemptStore, ratings: list[tuple]) -> int:
    kept = 0
    for attempt_id, rating, set_at in ratings:
        try:
            store.set_rating_override(int(attempt_id), str(rating), set_at=str(set_at) if set_at else None)
            kept += 1
        except (KeyError, ValueError, TypeError):
            continue
    return kept
