"""`viva export`: the bank with the user's notes and best scores, as Markdown, JSON or an Anki deck.

    build_export(services) -> Export
    to_json(export) -> str ; from_json(text) -> Export     # round-trips: from_json(to_json(e)) == e
    to_markdown(export) -> str
    write_anki(export, path) -> Path                      # genanki, one note per question

Questions are exported whole (rubric included) without their source file path, which only
means something on this machine. Anki notes keep a stable id per question (genanki's
guid_for), so importing a newer export updates the cards instead of duplicating them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.domain import Question
from assistant.store.files import naming_the_file

FORMAT = "viva-export"
VERSION = 1
# Fixed ids: Anki identifies a note type and a deck by number, so re-imports land in the same ones.
ANKI_MODEL_ID = 1_730_216_401
ANKI_DECK_ID = 1_730_216_402


@dataclass(frozen=True)
class BestScore:
    attempt_id: int
    score: float
    created_at: str


@dataclass(frozen=True)
class ExportedQuestion:
    question: Question
    title: str  # the topic's title
    note: str | None  # the user's note, without Viva's front matter
    best: BestScore | None
    answers: int  # graded answers to the question itself


@dataclass(frozen=True)
class Export:
    questions: tuple[ExportedQuestion, ...]
    format: str = FORMAT
    version: int = VERSION


def build_export(services) -> Export:  # services: assistant.services.Services
    from assistant.schedule.history import load_history
    from assistant.wiki import best_attempt, note_body

    history = load_history(services)
    bank = services.bank
    answered: dict[str, int] = {}
    for r in history.main_answers:
        if r.score.graded:
            answered[r.question_id] = answered.get(r.question_id, 0) + 1
    items = []
    for q in sorted(bank.questions.values(), key=lambda q: (q.phase, q.topic, q.id)):
        text = services.notes.read(q.id)
        best = best_attempt(history, q.id)
        items.append(ExportedQuestion(
            question=replace(q, source_file=None), title=bank.titles.get(q.topic, q.topic),
            note=note_body(text) if text is not None else None,
            best=BestScore(best.id, best.score.overall, best.created_at) if best else None,
            answers=answered.get(q.id, 0),
        ))
    return Export(tuple(items))


def to_json(export: Export) -> str:
    import json

    from assistant.store.serialize import to_data

    return json.dumps(to_data(export), indent=2, ensure_ascii=False) + "\n"


def from_json(text: str) -> Export:
    import json

    from assistant.store.serialize import from_data

    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a Viva export (expected \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ValueError(f"Viva export version {data.get('version')} is not supported (this Viva reads {VERSION})")
    return from_data(Export, data)


def _best_line(item: ExportedQuestion) -> str:
    if item.best is None:
        return "not answered yet"
    return f"best {item.best.score:.0f}/100 (attempt #{item.best.attempt_id}, {item.best.created_at[:10]})"


def to_markdown(export: Export) -> str:
    out = ["# Viva: questions, notes and best scores", ""]
    topic = None
    for item in export.questions:
        q = item.question
        if q.topic != topic:
            topic = q.topic
            out += [f"## {item.title}", ""]
        out += [f"### {q.prompt}", "", f"`{q.id}` · phase {q.phase} · {q.difficulty} · {_best_line(item)}", ""]
        if item.note and item.note.strip():
            out += ["**My note**", "", _demote_headings(item.note.strip()), ""]
        out += ["**Model answer**", "", q.model_answer.strip(), ""]
    return "\n".join(out)


def _demote_headings(text: str) -> str:
    """Notes start at `#`; inside the export they sit below a level-3 heading."""
    return "\n".join(f"###{line}" if line.startswith("#") else line for line in text.split("\n"))


def write_anki(export: Export, path: Path) -> Path:
    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID, "Viva question",
        fields=[{"name": "QuestionId"}, {"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Answer out loud", "qfmt": "{{Front}}",
                    "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'}],
    )
    deck = genanki.Deck(ANKI_DECK_ID, "Viva: ML interview questions")
    for item in export.questions:
        q = item.question
        has_note = bool(item.note and item.note.strip())
        back = _html(item.note.strip()) if has_note else _html(q.model_answer.strip())
        label = "My note" if has_note else "Model answer"
        back = f"<b>{label}</b><br>{back}<br><br><i>{html.escape(_best_line(item))}</i>"
        deck.add_note(genanki.Note(model=model, fields=[q.id, html.escape(q.prompt), back],
                                   guid=genanki.guid_for(q.id), tags=[q.topic, f"phase-{q.phase}"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with naming_the_file(path):
        genanki.Package(deck).write_to_file(str(path))
    return path


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")
