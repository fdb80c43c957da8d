"""A cache of the loaded bank, so starting Viva does not re-parse every YAML file.

Parsing the 237-question bank with line numbers (ruamel's round-trip loader, pure Python)
takes about 1.8 s on two cores, on every start of the app and every command. The loaded
`Bank` (questions, rubrics, problems) is pickled under the cache directory, keyed by a
fingerprint of every input file (path, size, modification time) and of the bank's own code,
so any edit to a bank file, or to the loader, loads afresh. A cache that cannot be read is
ignored and rewritten; nothing depends on it being there.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.bank.loader import Bank
from assistant.store.files import atomic_write_bytes

_CODE = [Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "domain.py"]


def fingerprint(directories: Sequence[Path]) -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in _files(_CODE, "*.py") + _files(directories, "*"):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for directory in directories:  # a bank directory appearing or disappearing changes the result
        digest.update(f"{directory}:{directory.is_dir()}\n".encode())
    return digest.hexdigest()[:32]


def _files(roots: Sequence[Path], pattern: str) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(sorted(p for p in root.rglob(pattern) if p.is_file()))
    return found


def cached_bank(load: Callable[[], Bank], directories: Sequence[Path], cache_dir: Path) -> Bank:
    """`load()`'s result, from the cache when no input changed since it was stored."""
    path = cache_dir / "bank" / f"{fingerprint(directories)}.pickle"
    try:
        bank = pickle.loads(path.read_bytes())
        if isinstance(bank, Bank):
            return bank
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    bank = load()
    try:
        for stale in path.parent.glob("*.pickle"):
            stale.unlink(missing_ok=True)
        atomic_write_bytes(path, pickle.dumps(bank, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only or full cache directory only costs the parse next time
    return bank
