"""Mock interview: a timed sequence across topics, follow-ups included, no feedback until
the end, then one score for the whole interview (assistant/schedule/mock.py)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from assistant.domain import Question
from assistant.ui.messages import AttemptScored
from assistant.ui.screens.practice import PracticeScreen


def mock_summary(score) -> Table:
    table = Table(title=f"Mock interview: {score.overall:.0f}/100, {score.verdict}", title_justify="left",
                  expand=True, box=None)
    table.add_column("question", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("main", width=5, justify="right")
    table.add_column("follow", width=6, justify="right")
    table.add_column("total", width=5, justify="right")
    for q in score.questions:
        table.add_row(q.question_id, _num(q.main), _num(q.follow_up),
                      Text(f"{q.combined:.0f}", style="red" if q.overran else ""))
    return table


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


class MockInterviewScreen(PracticeScreen):
    def __init__(self, interview) -> None:  # interview: assistant.schedule.mock.MockInterview
        super().__init__([t.question_id for t in interview.turns], critique=False)
        self.interview = interview
        self.answers: dict = {}

    @classmethod
    def for_today(cls) -> MockInterviewScreen:
        from textual._context import active_app

        from assistant.schedule.mock import select_mock

        app = active_app.get()
        return cls(select_mock(app.services, app.today()))

    def start_turn(self, follow_up: str | None = None) -> None:
        turn = self.interview.turns[self.index]
        super().start_turn(turn.prompt if turn.kind == "follow-up" else None)

    def turn_label(self, follow_up: str | None) -> str:
        kind = "follow-up" if follow_up else "question"
        return f"Mock interview · turn {self.index + 1} of {len(self.interview.turns)} · {kind}"

    def time_limit_for(self, question: Question, follow_up: str | None) -> int:
        return self.interview.turns[self.index].time_limit

    def on_attempt_scored(self, message: AttemptScored) -> None:
        # Like an interviewer: no score between turns, just on to the next. (Textual would also
        # run PracticeScreen's handler, which shows the result, unless told not to.)
        message.prevent_default()
        self.attempt = message.attempt
        self.answers[self.index] = message.attempt
        self._set_state("results", "Answer saved. n: next turn · esc: stop the interview")
        self.query_one("#transcript", Static).update(Text(message.attempt.transcript.text, style="dim"))

    def action_retry(self) -> None:
        pass  # no second tries in an interview

    def action_follow_up(self) -> None:
        pass  # follow-ups come as their own turns

    def _session_done(self) -> None:
        from assistant.schedule.mock import score_mock

        score = score_mock(self.interview, self.answers)
        self.query_one("#question", Static).update(Text("Mock interview finished", style="bold"))
        for widget_id in ("checklist", "delivery", "critique", "follow-up", "transcript"):
            self.query_one(f"#{widget_id}", Static).update("")
        self.query_one("#score", Static).update(mock_summary(score))
        missed = "; ".join(score.missed_critical[:5])
        if missed:
            self.query_one("#checklist", Static).update(Text(f"Critical points missed: {missed}", style="yellow"))
        self._set_state("idle", f"{score.overruns} answers over time. History has every answer. esc: home")
        self.state = "done"
