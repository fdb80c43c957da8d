"""Every key, per screen (the command palette, ctrl+p, reaches the main actions too)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = {
    "Everywhere": [("ctrl+p", "command palette"), ("f1 / ?", "this help"), ("ctrl+t", "light/dark theme"),
                   ("ctrl+q", "quit (an answer being recorded is saved first)")],
    "Home": [("space / enter", "practise today's questions"), ("m", "mock interview"), ("h", "history"),
             ("b", "question bank"), ("s", "settings")],
    "Practice": [("space", "answer now (skip the spoken question) / stop answering"), ("r", "retry"),
                 ("n", "next question"), ("f", "answer the follow-up"), ("p", "play back my answer"),
                 ("o", "notes on this question"), ("k", "skip"), ("esc", "home")],
    "History": [("enter", "open the attempt"), ("s", "sort by date / score / topic"), ("esc", "back")],
    "Attempt": [("p", "play / stop (the transcript follows)"), ("o", "notes"), ("esc", "back")],
    "Question bank": [("a", "reveal / hide the model answer"), ("p", "practise this question"),
                      ("o", "notes"), ("esc", "back")],
    "Notes": [("ctrl+s", "save"), ("esc", "save and go back")],
    "Settings": [("ctrl+s", "save"), ("l", "level test of the microphone"), ("esc", "back")],
}


def keys_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for screen, keys in KEYS.items():
        table.add_row(f"[b]{screen}[/b]", "")
        for key, action in keys:
            table.add_row(f"  {key}", action)
    return table


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,f1,question_mark,q", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(keys_table())
