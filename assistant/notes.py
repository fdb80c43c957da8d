"""The personal wiki: one Markdown note per question, a plain file the user can edit anywhere.

Notes live under `<data_dir>/notes/<question id>.md` so they survive reinstalls and can be
kept in git or synced by the user. Ids of user banks contain a namespace (`mine/foo`); the
slash becomes a sub-directory, which keeps file names readable.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.store.files import atomic_write_text

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class NoteStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, question_id: str) -> Path:
        if not _SAFE_ID.match(question_id) or ".." in question_id.split("/"):
            raise ValueError(f"not a usable question id for a note file: {question_id!r}")
        return self.root / f"{question_id}.md"

    def read(self, question_id: str) -> str | None:
        path = self.path(question_id)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write(self, question_id: str, text: str) -> Path:
        path = self.path(question_id)
        atomic_write_text(path, text)
        return path

    def ids(self) -> list[str]:
        """Question ids that have a note, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.relative_to(self.root).with_suffix("").as_posix() for p in self.root.rglob("*.md"))


def note_template(question_prompt: str) -> str:
    """What a new note starts with: the question, and room for the user's improved answer."""
    return f"# {question_prompt}\n\n## My answer\n\n\n## Points I keep missing\n\n"
