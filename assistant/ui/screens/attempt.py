"""One attempt: replay the audio with the transcript following along, the rubric result,
and how it compares with earlier attempts at the same question."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from assistant.domain import Attempt, PointStatus
from assistant.ui.widgets.results import critique_text, highlighted_transcript, show_result


def comparison(attempt: Attempt, earlier: list[Attempt]) -> Text:
    """Score over time at this question, and which points this attempt newly hit or lost
    against the one before it."""
    if not earlier:
        return Text("First attempt at this question.", style="dim")
    scores = " → ".join(f"{a.score.overall:.0f}" for a in [*earlier, attempt])
    text = Text.assemble(("Over time ", "bold"), scores, "\n")
    before = {p.point_id: p.status for p in earlier[-1].score.points}
    gained = [p.text for p in attempt.score.points
              if p.status is PointStatus.HIT and before.get(p.point_id) not in (PointStatus.HIT, None)]
    lost = [p.text for p in attempt.score.points
            if p.status is not PointStatus.HIT and before.get(p.point_id) is PointStatus.HIT]
    for label, points, style in (("newly hit", gained, "green"), ("lost", lost, "red")):
        for point in points:
            text.append(f"{label}: ", style=style)
            text.append(f"{point}\n")
    if not gained and not lost:
        text.append("Same points hit as last time.", style="dim")
    return text


class AttemptScreen(Screen):
    BINDINGS = [
        Binding("p", "play", "Play/Stop"),
        Binding("o", "notes", "Notes"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, attempt_id: int) -> None:
        super().__init__()
        self.attempt_id = attempt_id
        self.attempt: Attempt | None = None
        self._player = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static(id="question")
            yield Static(id="score")
            yield Static(id="compare")
            yield Static(id="checklist")
            yield Static(id="delivery")
            yield Static(id="critique")
            yield Static(id="transcript")
        yield Footer()

    def on_mount(self) -> None:
        services = self.app.services
        try:
            attempt = self.attempt = services.store.get(self.attempt_id)
        except KeyError as exc:
            self.notify(str(exc.args[0]), severity="error", markup=False)
            self.app.pop_screen()
            return
        try:
            prompt = attempt.follow_up or services.bank.get(attempt.question_id).prompt
        except KeyError:
            prompt = f"{attempt.question_id} (no longer in the bank)"
        self.sub_title = f"Attempt #{attempt.id} · {attempt.created_at[:16].replace('T', ' ')}"
        self.query_one("#question", Static).update(Text(prompt, style="bold"))
        show_result(self, attempt)
        if attempt.critique is not None:
            self.query_one("#critique", Static).update(critique_text(attempt.critique))
        earlier = [services.store.get(s.id) for s in reversed(services.store.list(question_id=attempt.question_id))
                   if s.id < attempt.id and not s.follow_up]
        self.query_one("#compare", Static).update(comparison(attempt, earlier) if not attempt.follow_up else "")
        self.set_interval(0.2, self._follow_playback)

    def _show_transcript(self, position: float | None) -> None:
        if self.attempt is not None:
            self.query_one("#transcript", Static).update(
                highlighted_transcript(self.attempt.transcript, self.attempt.score, position))

    def _follow_playback(self) -> None:
        if self._player is not None:
            self._show_transcript(self._player.position if self._player.playing else None)
            if not self._player.playing:
                self._player = None

    def action_play(self) -> None:
        from assistant.ui.errors import toggle_playback

        self._player = toggle_playback(self, self._player, self.attempt)

    def action_notes(self) -> None:
        from assistant.ui.screens.notes import NotesScreen

        if self.attempt is not None:
            self.app.push_screen(NotesScreen(self.attempt.question_id))

    def action_back(self) -> None:
        if self._player is not None:
            self._player.stop()
        self.app.pop_screen()
