"""The user's own note on a question (their improved answer), edited here, saved as Markdown."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, TextArea

from assistant.notes import note_template


class NotesScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Save & back"),
    ]

    def __init__(self, question_id: str) -> None:
        super().__init__()
        self.question_id = question_id
        self.saved_text = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextArea(id="note", language="markdown", soft_wrap=True, show_line_numbers=False)
        yield Footer()

    def on_mount(self) -> None:
        services = self.app.services
        notes = services.notes
        text = notes.read(self.question_id)
        if text is None:
            try:
                text = note_template(services.bank.get(self.question_id).prompt)
            except KeyError:
                text = f"# {self.question_id}\n\n"
        else:
            self.saved_text = text
        self.sub_title = f"Notes · {notes.path(self.question_id)}"
        area = self.query_one(TextArea)
        area.load_text(text)
        area.focus()

    def action_save(self) -> bool:
        from assistant.ui.errors import describe

        text = self.query_one(TextArea).text
        if text == self.saved_text:
            return True
        try:
            path = self.app.services.notes.write(self.question_id, text)
        except OSError as exc:  # full disk, read-only directory: the text stays in the editor
            self.notify(describe(exc), title="Note not saved", severity="error", timeout=15, markup=False)
            return False
        self.saved_text = text
        self.notify(f"Saved {path.name}", timeout=3, markup=False)
        return True

    def action_close(self) -> None:
        if self.action_save():
            self.app.pop_screen()
