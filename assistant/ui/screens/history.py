"""History: every attempt in a table; filter by topic, date and score; sort; open one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select

from assistant.store.attempts import StoredAttempt

SORTS = ("date", "score", "topic")


@dataclass(frozen=True)
class Row:
    attempt: StoredAttempt
    topic: str
    prompt: str

    @property
    def day(self) -> str:
        return self.attempt.created_at[:10]


def filter_rows(rows: list[Row], topic: str | None, since: date | None, max_score: float | None) -> list[Row]:
    return [r for r in rows
            if (topic is None or r.topic == topic)
            and (since is None or r.day >= since.isoformat())
            and (max_score is None or r.attempt.score <= max_score)]


def sort_rows(rows: list[Row], by: str) -> list[Row]:
    if by == "score":
        return sorted(rows, key=lambda r: r.attempt.score)
    if by == "topic":
        return sorted(rows, key=lambda r: (r.topic, r.attempt.created_at))
    return sorted(rows, key=lambda r: (r.attempt.created_at, r.attempt.id), reverse=True)


class HistoryScreen(Screen):
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("s", "sort", "Sort"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self.sort_by = "date"

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Select([], prompt="All topics", id="topic", compact=True)
            yield Input(placeholder="since YYYY-MM-DD", id="since", compact=True)
            yield Input(placeholder="score ≤", id="max-score", type="number", compact=True)
        yield DataTable(id="attempts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "History"
        table = self.query_one(DataTable)
        for label, width in (("#", 4), ("date", 10), ("score", 5), ("secs", 4), ("topic", 12), ("question", 80)):
            table.add_column(label, key=label, width=width)
        self.load()
        table.focus()

    def load(self) -> None:
        from assistant.store.errors import StoreError
        from assistant.ui.errors import describe

        services = self.app.services
        rows = []
        try:
            attempts = services.store.list()
        except StoreError as exc:  # a damaged or unreadable database: say so, show an empty list
            self.notify(describe(exc), title="History unavailable", severity="error", timeout=20, markup=False)
            attempts = []
        for stored in attempts:
            try:
                question = services.bank.get(stored.question_id)
                topic, prompt = question.topic, question.prompt
            except KeyError:  # a question since removed from the bank: keep its attempts visible
                topic, prompt = "?", stored.question_id
            rows.append(Row(stored, topic, f"↳ {stored.follow_up}" if stored.follow_up else prompt))
        self.rows = rows
        topics = sorted({r.topic for r in rows})
        self.query_one("#topic", Select).set_options([(t, t) for t in topics])
        self.refresh_table()

    def refresh_table(self) -> None:
        topic = self.query_one("#topic", Select).value
        since = _parse_date(self.query_one("#since", Input).value)
        max_score = _parse_float(self.query_one("#max-score", Input).value)
        shown = sort_rows(filter_rows(self.rows, None if topic is Select.NULL else str(topic), since, max_score),
                          self.sort_by)
        table = self.query_one(DataTable)
        table.clear()
        for row in shown:
            a = row.attempt
            score = f"{a.score:.0f}" if a.graded else "—"
            table.add_row(str(a.id), row.day, score, f"{a.duration:.0f}", row.topic, row.prompt, key=str(a.id))
        self.sub_title = f"History · {len(shown)} of {len(self.rows)} attempts · sorted by {self.sort_by}"

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refresh_table()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_table()

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.refresh_table()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._open(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _open(self, key: str | None) -> None:
        from assistant.ui.screens.attempt import AttemptScreen

        if key is not None:
            self.app.push_screen(AttemptScreen(int(key)))


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _parse_float(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None
