"""The personal wiki's links: each note names its question and the best attempt at it.

    best_attempt(history, question_id) -> AttemptResult | None
    open_note(services, question_id) -> Path       # create from the template, refresh the links
    note_body(text) -> str                          # a note without its front matter
    front_matter(text) -> dict[str, str]
    launch_editor(path, editor=None) -> bool        # False when no $EDITOR / $VISUAL is set

The link is YAML front matter at the top of the note (`question`, `topic`, `best_attempt`,
`best_score`), which Markdown tools and note apps (Obsidian, static-site generators) read
and hide. Viva owns only that block: it is rewritten each time the note is opened through
Viva, and everything below it is the user's.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from assistant.notes import note_template
from assistant.schedule.history import History
from assistant.store.attempts import AttemptResult

_FENCE = "---"


def best_attempt(history: History, question_id: str) -> AttemptResult | None:
    """The highest-scoring graded answer to the question itself (the latest among equals)."""
    best = None
    for r in history.main_answers:
        if r.question_id == question_id and r.score.graded and (best is None or r.score.overall >= best.score.overall):
            best = r
    return best


def front_matter(text: str) -> dict[str, str]:
    block, _ = _split(text)
    fields = {}
    for line in block:
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def note_body(text: str) -> str:
    return _split(text)[1]


def _split(text: str) -> tuple[list[str], str]:
    lines = text.split("\n")
    if lines and lines[0].strip() == _FENCE:
        for i in range(1, len(lines)):
            if lines[i].strip() == _FENCE:
                return lines[1:i], "\n".join(lines[i + 1:]).lstrip("\n")
    return [], text


def with_links(text: str, question, best: AttemptResult | None) -> str:
    """The note with its front matter (re)written for the question and its best attempt."""
    fields = {"question": question.id, "topic": question.topic}
    if best is not None:
        fields["best_attempt"] = str(best.id)
        fields["best_score"] = f"{best.score.overall:.0f}"
        fields["best_date"] = best.created_at[:10]
    header = "\n".join([_FENCE, *(f"{k}: {v}" for k, v in fields.items()), _FENCE])
    return f"{header}\n{note_body(text)}"


def open_note(services, question_id: str) -> Path:
    """Create the note from the template if missing, refresh its links; returns its path.
    Raises KeyError (unknown question) with the message to show."""
    from assistant.schedule.history import load_history

    question = services.bank.get(question_id)
    notes = services.notes
    text = notes.read(question_id)
    if text is None:
        text = note_template(question.prompt)
    updated = with_links(text, question, best_attempt(load_history(services), question_id))
    if updated != text or not notes.path(question_id).exists():
        notes.write(question_id, updated)
    return notes.path(question_id)


def launch_editor(path: Path, editor: str | None = None) -> bool:
    """Open the file in $VISUAL / $EDITOR (which may carry arguments) and wait for it to close."""
    command = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        return False
    subprocess.run([*shlex.split(command), str(path)], check=False)
    return True
