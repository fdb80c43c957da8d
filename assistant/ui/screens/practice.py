"""Practice: the question is shown and spoken, the answer recorded with a live transcript,
then scored on the same screen, with the critique streaming in and a follow-up to answer.

One thread worker runs a whole turn (speak → record → finish → critique) and posts typed
messages; keys only set flags or call `request_stop()`, so the UI never waits on audio.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from assistant.backend import LiveAnswer
from assistant.domain import Attempt, Question
from assistant.ui.messages import (
    AnswerEnded,
    AttemptScored,
    CritiqueDone,
    CritiqueToken,
    ModelsProgress,
    PartialTranscript,
    TurnFailed,
)
from assistant.ui.widgets.level_meter import LevelMeter
from assistant.ui.widgets.results import (
    critique_text,
    show_result,
)

FOLLOW_UP_SECONDS = 90  # a follow-up is a short second turn, whatever the main limit


class PracticeScreen(Screen):
    # Short labels so the footer fits 80 columns; the state line and help (f1) say the rest.
    BINDINGS = [
        Binding("space", "answer_or_stop", "Stop"),
        Binding("r", "retry", "Retry"),
        Binding("n", "next", "Next"),
        Binding("f", "follow_up", "Follow-up"),
        Binding("p", "play", "Play"),
        Binding("o", "notes", "Notes"),
        Binding("k", "skip", "Skip", show=False),
        Binding("escape", "leave", "Home", show=False),
    ]

    def __init__(self, question_ids: list[str], *, speak: bool = True, critique: bool = True) -> None:
        super().__init__()
        self.question_ids = question_ids
        self.index = 0
        self.speak = speak
        self.critique = critique
        self.state = "idle"  # asking, recording, scoring, results
        self.answer: LiveAnswer | None = None
        self.attempt: Attempt | None = None
        self.follow_up_text: str | None = None
        self.answering_follow_up: str | None = None
        self.scores: list[float] = []
        self.failure: str | None = None
        self._turn = 0
        self._answer_now = threading.Event()
        self._leaving = threading.Event()
        self._answer_lock = threading.Lock()  # the worker starts an answer, or the closing screen stops it
        self._finish_lock = threading.Lock()
        self._finished: set = set()  # answers already stopped and saved (held, so identities stay unique)
        self._critique_stream = ""
        self._player = None

    @classmethod
    def for_today(cls) -> PracticeScreen:
        from textual._context import active_app

        app = active_app.get()
        return cls([item.question_id for item in app.backend.todays_questions(app.today())])

    @property
    def question(self) -> Question:
        return self.app.services.bank.get(self.question_ids[self.index])

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="question")
        with Horizontal(id="status-row"):
            yield Static(id="state")
            yield Static(id="clock")
            yield LevelMeter(id="meter")
        with VerticalScroll(id="body"):
            # Empty while recording, so the live transcript is on top; the result goes above it.
            yield Static(id="score")
            yield Static(id="checklist")
            yield Static(id="delivery")
            yield Static(id="critique")
            yield Static(id="follow-up")
            yield Static(id="transcript")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(0.1, self._tick)
        if not self.question_ids:
            self._set_state("idle", "No questions for today. Open the bank (b on Home) to pick one.")
            return
        self.start_turn()

    # The turn, run on a worker thread.

    def start_turn(self, follow_up: str | None = None) -> None:
        question = self.question
        # A worker thread cannot be killed: one still finishing an earlier turn (a critique
        # streaming, a question being spoken) sees the number change and stops posting.
        with self._answer_lock:
            self._turn += 1
            earlier = self.answer
        if earlier is not None and earlier not in self._finished:
            earlier.request_stop()  # its worker saves it; nothing is lost by moving on
        self.answering_follow_up = follow_up
        self.attempt, self.answer, self._critique_stream = None, None, ""
        self._answer_now.clear()
        label = self.turn_label(follow_up)
        prompt = follow_up or question.prompt
        self.query_one("#question", Static).update(
            Text.assemble((f"{label} · {question.topic} · {question.difficulty}\n", "dim"), (prompt, "bold")))
        for widget_id in ("transcript", "score", "checklist", "delivery", "critique", "follow-up"):
            self.query_one(f"#{widget_id}", Static).update("")
        self._set_state("asking", "Listen… (space: answer now)")
        self.run_turn(self._turn, replace(question, time_limit=self.time_limit_for(question, follow_up)), prompt,
                      follow_up)

    def turn_label(self, follow_up: str | None) -> str:
        return "Follow-up" if follow_up else f"Question {self.index + 1} of {len(self.question_ids)}"

    def time_limit_for(self, question: Question, follow_up: str | None) -> int:
        return min(question.time_limit, FOLLOW_UP_SECONDS) if follow_up else question.time_limit

    @work(thread=True, exclusive=True, group="turn", exit_on_error=False)
    def run_turn(self, turn: int, question: Question, prompt: str, follow_up: str | None) -> None:
        backend = self.app.backend

        def post(message) -> None:
            if turn == self._turn:
                self.post_message(message)

        if self.speak:
            problem = backend.speak(prompt)
            if problem is not None:
                self.app.call_from_thread(self.notify, f"The question was not spoken: {problem}",
                                          title="No voice", severity="warning", markup=False)
            while not self._answer_now.is_set() and backend.still_speaking(0.1):
                pass
            backend.stop_speaking()
        with self._answer_lock:
            if self._leaving.is_set() or turn != self._turn:
                return  # the user left, or moved on, while the question was being spoken
            try:
                answer = self.answer = backend.begin_answer(
                    question, lambda text: post(PartialTranscript(text)), follow_up=follow_up, critique=self.critique)
            except Exception as exc:
                post(TurnFailed("recording", exc))
                return
        post(AnswerEnded(answer.wait()))
        attempt = self._finish_answer(answer)
        if attempt is None:
            return
        post(AttemptScored(attempt))
        if self.critique and attempt.score.graded and turn == self._turn:
            from assistant.critique.critic import CritiqueCancelled

            try:
                # Leaving the screen (or quitting) stops the writing: the app would otherwise wait
                # for this thread, with a blank terminal, until the whole critique was written.
                done = backend.critique(attempt, self.question_for(attempt), lambda piece: post(CritiqueToken(piece)),
                                        stop=self._leaving)
            except CritiqueCancelled:
                return  # the attempt is saved; `viva critique ID` writes its critique later
            except Exception as exc:
                post(TurnFailed("critique", exc))
                return
            post(CritiqueDone(done))

    def question_for(self, attempt: Attempt) -> Question:
        question = self.app.services.bank.get(attempt.question_id)
        return replace(question, prompt=attempt.follow_up) if attempt.follow_up else question

    def _finish_answer(self, answer: LiveAnswer) -> Attempt | None:
        """Stop, transcribe the tail, score, save: once, whether the turn ends or the screen closes."""
        with self._finish_lock:
            if answer in self._finished:
                return None
            self._finished.add(answer)
            try:
                return answer.finish()
            except Exception as exc:
                self.post_message(TurnFailed("scoring", exc))
                return None

    # Messages from the worker.

    def on_partial_transcript(self, message: PartialTranscript) -> None:
        self.query_one("#transcript", Static).update(Text(message.text))
        self.query_one("#body", VerticalScroll).scroll_end(animate=False)

    def on_answer_ended(self, message: AnswerEnded) -> None:
        why = {"key": "you stopped", "silence": "silence", "time-limit": "time limit reached"}.get(message.reason, message.reason)
        # With the point check on, the LLM re-reads each credited point first (a few seconds).
        self._set_state("scoring", f"Stopped ({why}). Scoring and checking each credited point…")

    def on_attempt_scored(self, message: AttemptScored) -> None:
        attempt = self.attempt = message.attempt
        if not attempt.follow_up:
            self.scores.append(attempt.score.overall)
        show_result(self, attempt)
        if self.critique and attempt.score.graded:
            status = "" if self.app.models_ready else f" (critique model: {self.app.models_status})"
            self.query_one("#critique", Static).update(critique_text(None) + Text(status, style="dim"))
        self._show_follow_up(None)
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self._set_state("results", f"Saved as attempt #{attempt.id}.")

    def on_critique_token(self, message: CritiqueToken) -> None:
        self._critique_stream += message.text
        self.query_one("#critique", Static).update(critique_text(None, self._critique_stream))

    def on_critique_done(self, message: CritiqueDone) -> None:
        self.attempt = message.attempt
        self.query_one("#critique", Static).update(critique_text(message.attempt.critique))
        self._show_follow_up(message.attempt.critique.follow_up if message.attempt.critique else None)

    def on_turn_failed(self, message: TurnFailed) -> None:
        from assistant.ui.errors import describe

        self.failure = f"{message.stage}: {describe(message.error)}"  # kept after the notice times out
        self.notify(describe(message.error), title=f"{message.stage.capitalize()} failed", severity="error", timeout=15, markup=False)
        if message.stage == "critique":
            self.query_one("#critique", Static).update(Text("No critique this time (see the notice).", style="dim"))
        else:
            self._set_state("results", f"{message.stage.capitalize()} failed. r retry · n next · esc home")

    def on_models_progress(self, message: ModelsProgress) -> None:
        self._tick()

    def _show_follow_up(self, from_critique: str | None) -> None:
        if self.attempt is None or self.attempt.follow_up:
            self.follow_up_text = None
            return
        question = self.question
        self.follow_up_text = from_critique or (question.follow_ups[0] if question.follow_ups else None)
        if self.follow_up_text:
            self.query_one("#follow-up", Static).update(
                Text.assemble(("Follow-up ", "bold cyan"), self.follow_up_text, ("  (f to answer it)", "dim")))

    # Live status.

    def _set_state(self, state: str, message: str) -> None:
        self.state = state
        self.query_one("#state", Static).update(Text(message))

    def _tick(self) -> None:
        answer = self.answer
        clock = self.query_one("#clock", Static)
        meter = self.query_one("#meter", LevelMeter)
        if self.state == "asking" and answer is not None:
            self._set_state("recording", "● Recording… (space: stop)")
        if self.state == "recording" and answer is not None:
            left = max(answer.max_seconds - answer.elapsed, 0)
            clock.update(Text(f"{answer.elapsed:4.0f}s  {left:3.0f}s left", style="red" if left < 15 else ""))
            meter.level = answer.level
        else:
            meter.level = 0.0
            clock.update(Text(f"models: {self.app.models_status}", style="dim") if not self.app.models_ready else "")

    # Keys.

    def action_answer_or_stop(self) -> None:
        if self.state == "asking":
            self._answer_now.set()
            self.app.backend.stop_speaking()
        elif self.state == "recording" and self.answer is not None:
            self.answer.request_stop()

    def action_retry(self) -> None:
        if self.state in ("results", "idle") and self.question_ids:
            self.start_turn(self.answering_follow_up)

    def action_next(self) -> None:
        if self.state not in ("results", "asking", "idle"):
            return
        self.app.backend.stop_speaking()
        if self.index + 1 >= len(self.question_ids):
            self._session_done()
            return
        self.index += 1
        self.start_turn()

    action_skip = action_next

    def action_follow_up(self) -> None:
        if self.state == "results" and self.follow_up_text:
            self.start_turn(self.follow_up_text)

    def action_play(self) -> None:
        from assistant.ui.errors import toggle_playback

        self._player = toggle_playback(self, self._player, self.attempt if self.state == "results" else None)

    def action_notes(self) -> None:
        from assistant.ui.screens.notes import NotesScreen

        if self.state in ("results", "idle", "asking") and self.question_ids:
            self.app.push_screen(NotesScreen(self.question.id))

    def action_leave(self) -> None:
        self.app.pop_screen()

    def _session_done(self) -> None:
        average = sum(self.scores) / len(self.scores) if self.scores else 0.0
        self._set_state("idle", f"Session done: {len(self.scores)} answers, average {average:.0f}/100. esc: home")
        self.state = "done"

    def on_unmount(self) -> None:
        # Leaving (or quitting) mid-answer keeps the answer: stop, and save it now.
        with self._answer_lock:
            self._leaving.set()
            answer = self.answer
        self.app.backend.stop_speaking()
        self._answer_now.set()
        if self._player is not None:
            self._player.stop()
        if answer is not None and answer not in self._finished:
            answer.request_stop()
            self._finish_answer(answer)
