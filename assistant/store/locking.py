"""Creating the database from two processes at once without losing either.

SQLite's switch to WAL can fail at once with "database is locked" instead of waiting on the
busy timeout, so creation and migration run under a lock file and retry with back-off.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def creation_lock(database: Path) -> Iterator[None]:
    """Serialise creating or migrating the database between processes (two `viva` commands
    started at once): SQLite's switch to WAL can fail at once with "database is locked" rather
    than wait. A lock file next to the database; where none can be made (a read-only folder,
    no fcntl), the busy retry alone has to do."""
    try:
        import fcntl
    except ImportError:
        fcntl = None  # type: ignore[assignment]
    handle = None
    if fcntl is not None:
        try:
            handle = open(database.with_name(database.name + ".lock"), "a+b")  # noqa: SIM115 - closed below
        except OSError:
            handle = None
    try:
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        if handle is not None:
            handle.close()  # closing releases the lock


def retry_while_locked(action: Callable[[], None], seconds: float = 30.0) -> None:
    """Run `action`, retrying with back-off while SQLite says the database is locked or busy."""
    deadline = time.monotonic() + seconds
    delay = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if not ("locked" in str(exc) or "busy" in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
