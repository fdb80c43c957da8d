"""Find the audio of an interrupted `viva record` from anywhere: practice and the app mention it.

`viva record` writes next to the file the user named, which no other command knows. While it
records, a small note in the in-progress directory names its part file; a clean stop removes
the note, so a note whose part file is still there means the run was killed. The part file is
then finished into its own audio file beside it (recorder.recover_leftover).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assistant.audio.recorder import Leftover, RecordingInUse, recover_leftover

NOTES_DIRNAME = "viva-record"


def notes_dir(in_progress: Path) -> Path:
    return in_progress / NOTES_DIRNAME


def note_recording(in_progress: Path, part: Path) -> Path:
    """Leave a note that `part` is being recorded; returns it, for `forget_recording`."""
    part = part.resolve()
    note = notes_dir(in_progress) / f"{hashlib.sha1(str(part).encode()).hexdigest()[:16]}.json"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(json.dumps({"part": str(part)}))
    return note


def forget_recording(note: Path) -> None:
    note.unlink(missing_ok=True)


def recover_record_leftovers(in_progress: Path) -> list[Leftover]:
    """Finish the part files of `viva record` runs that were killed; each into its own file."""
    found: list[Leftover] = []
    for note in sorted(notes_dir(in_progress).glob("*.json")):
        try:
            part = Path(json.loads(note.read_text())["part"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # unreadable note: keep it rather than guess
        try:
            leftover = recover_leftover(part)
        except RecordingInUse:
            continue  # still recording in another terminal
        except OSError:
            continue  # e.g. its directory is gone or read-only: try again next time
        forget_recording(note)
        if leftover is not None:
            found.append(leftover)
    return found


def describe_leftover(leftover: Leftover) -> str:
    """One line for the user: where the interrupted recording's audio is now."""
    if leftover.duration is None:
        return (f"An interrupted recording could not be decoded; its raw audio is kept as {leftover.path} "
                "(16-bit PCM).")
    return f"An interrupted recording ({leftover.duration:.1f} s) was saved as {leftover.path}."
