"""What can go wrong with the store on a user's machine, said as what happened and what to do.

SQLite and the OS report a read-only file, a damaged file and a full disk as bare exception
text ("attempt to write a readonly database", "database disk image is malformed", "database
or disk is full", Errno 28); `explain` turns them into one of the errors below, naming the
file, the free space, and whether the recorded answer was kept.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import ActionableError

MIN_FREE_BYTES = 100 * 2**20
"""Below this much free space, saving a recording (or assembling a model) fails."""

READING_COMMANDS = "`viva history`, `viva export`, `viva progress` and `viva today` still work"


class StoreError(ActionableError):
    """The database or the recordings folder cannot be used as needed."""


class StoreReadOnly(StoreError):
    pass


class DatabaseDamaged(StoreError):
    pass


class DiskFull(StoreError):
    pass


def read_only(path: Path, reason: object = "", *, kept: Path | None = None) -> StoreReadOnly:
    what = "database" if path.suffix == ".sqlite3" else "folder" if path.is_dir() else "file"
    because = f" ({reason})" if reason else ""
    return StoreReadOnly(
        f"the {what} {path} is read-only{because}; nothing can be saved there{_kept(kept)}",
        f"make it writable (chmod u+w {path}, and check its folder {path.parent}), or point data_dir/recordings_dir "
        f"at a writable folder (VIVA_DATA_DIR=...); {READING_COMMANDS}",
    )


def damaged(database: Path, reason: object = "", *, kept: Path | None = None) -> DatabaseDamaged:
    because = f" ({reason})" if reason else ""
    return DatabaseDamaged(
        f"the database {database} is damaged{because}{_kept(kept)}",
        "run `viva db recover`: it keeps the damaged file beside it, salvages every readable attempt and "
        "rebuilds the rest from the recordings' JSON files; until then nothing new is saved",
    )


def disk_full(where: Path, *, needed: int = MIN_FREE_BYTES, kept: Path | None = None,
              reason: object = "") -> StoreError:
    free = free_bytes(where)
    because = f" ({reason})" if reason else ""
    if free is not None and free >= needed and "full" not in str(reason) and "No space" not in str(reason):
        # An I/O error with room to spare is the disk itself failing, not space.
        return StoreError(f"the disk holding {where} failed to read or write{because}; {_size(free)} free{_kept(kept)}",
                          "check the disk (`dmesg` shows its errors) and that it is still mounted, then try again")
    shown = _size(free) if free is not None else "unknown"
    if free is not None and free >= needed:
        # "No space" with room to spare: a quota, no free inodes, or a device such as /dev/full.
        return DiskFull(f"no space to write {where}{because}, although its file system reports {shown} free "
                        f"(a quota, no free inodes, or a device that takes no data){_kept(kept)}",
                        "write somewhere else (check `df -i` and `quota`), then run the command again")
    return DiskFull(
        f"the disk holding {where} is full: {shown} free, Viva needs at least {_size(needed)}{_kept(kept)}",
        f"free at least {_size(max(needed - (free or 0), 0) or needed)} on that disk (or set data_dir/recordings_dir "
        "to another disk), then run the command again",
    )


def explain(exc: BaseException, *, place: Path | None = None, kept: Path | None = None) -> StoreError | None:
    """The StoreError that `exc` means, or None when it is not a storage problem we know.
    `place`: the database or folder being used, when the exception does not name a file."""
    if isinstance(exc, StoreError):
        return exc
    text = str(exc)
    where = _filename(exc) or place
    if isinstance(exc, sqlite3.Error):
        place = where or Path("the database")
        if "readonly" in text or "read-only" in text:
            return read_only(place, text, kept=kept)
        if any(sign in text for sign in ("malformed", "not a database", "corrupt")):
            return damaged(place, text, kept=kept)
        if "disk is full" in text or "disk I/O error" in text:
            return disk_full(place, kept=kept, reason=text)
        if "unable to open database file" in text:
            return read_only(place.parent if place.suffix else place, text, kept=kept)
        return None
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            # The file an OSError names may be the one read (a copy's source): the disk that is
            # full is the one written, `place`.
            return disk_full(place or where or Path.cwd(), kept=kept, reason=exc.strerror or text)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and where is not None:
            return read_only(where, exc.strerror or text, kept=kept)
    return None

@contextmanager
def translated(database: Path, *, kept: Path | None = None) -> Iterator[None]:
    """SQLite's and the OS's storage errors -> a StoreError that says what to do (others pass)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        explained = explain(exc, place=database, kept=kept)
        if explained is None or explained is exc:
            raise
        raise explained from exc


def free_bytes(path: Path) -> int | None:
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return None
    try:
        return shutil.disk_usage(existing).free
    except OSError:
        return None


def _filename(exc: BaseException) -> Path | None:
    name = getattr(exc, "filename", None)
    return Path(name) if isinstance(name, str) and name else None


def _kept(kept: Path | None) -> str:
    return f"; your recorded answer is kept at {kept}" if kept is not None else ""


def _size(count: int) -> str:
    if count >= 2**30:
        return f"{count / 2**30:.1f} GB"
    if count >= 2**20:
        return f"{count / 2**20:.0f} MB"
    return f"{count / 2**10:.0f} KB"
