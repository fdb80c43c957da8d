"""First run: check the microphone (live level, a 3-second recording played back) and the
voice, choose the plan's start and daily size, and watch the models get ready, so the first
practice turn does not wait. Skippable (esc) and re-runnable from Settings."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Static

from assistant.ui.messages import ModelsProgress
from assistant.ui.widgets.level_meter import LevelMeter

TEST_SENTENCE = "Hello, I am Viva. I will ask you interview questions out loud."


def plan_choices(start_text: str, size_text: str, today: date) -> dict[str, object]:
    """The plan settings from the form; raises ValueError with what to type instead."""
    try:
        start = date.fromisoformat(start_text.strip()) if start_text.strip() else today
    except ValueError:
        raise ValueError(f"start date {start_text!r}: use YYYY-MM-DD, e.g. {today.isoformat()}") from None
    try:
        size = int(size_text)
    except ValueError:
        raise ValueError(f"questions a day {size_text!r}: a whole number, 5-7 recommended") from None
    return {"plan_start": start, "daily_size": size}


class FirstRunScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "finish", "Save & start"),
        Binding("escape", "skip", "Skip"),
    ]

    def compose(self) -> ComposeResult:
        settings = self.app.services.settings
        today = self.app.today()
        yield Header()
        with VerticalScroll(id="first-run"):
            yield Static(Text("Welcome to Viva. Four quick checks, then you can start practising.", style="bold"))
            yield Static("1. Microphone: say a few words during the test; you will hear them played back.",
                         classes="step")
            with Horizontal(classes="field"):
                yield Input(settings.input_device or "", placeholder="microphone: system default", id="input_device",
                            compact=True)
                yield Button("Test (3 s)", id="mic-test", compact=True)
            with Horizontal(classes="field"):
                yield LevelMeter(id="meter")
                yield Static(id="mic-result")
            yield Static("2. Voice: Viva asks each question aloud.", classes="step")
            with Horizontal(classes="field"):
                yield Button("Say a test sentence", id="voice-test", compact=True)
                yield Static(id="voice-result")
            yield Static("3. Your plan: 12 weeks from the start date, this many questions a day.", classes="step")
            with Horizontal(classes="field"):
                yield Label("Start date", classes="field-label")
                yield Input((settings.plan_start or today).isoformat(), id="plan_start", compact=True)
            with Horizontal(classes="field"):
                yield Label("Questions a day", classes="field-label")
                yield Input(str(settings.daily_size), id="daily_size", type="integer", compact=True)
            yield Static("4. Models (speech recognition, scoring, voice, critique) load in the background:",
                         classes="step")
            yield ProgressBar(total=1.0, show_eta=False, id="models-bar")
            yield Static(id="models-step")
            with Horizontal(classes="field"):
                yield Button("Save and start", id="finish", variant="primary", compact=True)
                yield Button("Skip", id="skip", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "First run"
        self._show_models(self.app.models_status, 1.0 if self.app.models_ready else 0.0)

    def on_models_progress(self, message: ModelsProgress) -> None:
        self._show_models("ready" if message.fraction >= 1 else f"loading {message.step}…", message.fraction)

    def _show_models(self, status: str, fraction: float) -> None:
        self.query_one("#models-bar", ProgressBar).update(progress=fraction)
        self.query_one("#models-step", Static).update(Text(status, style="green" if fraction >= 1 else "yellow"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"mic-test": self.action_mic_test, "voice-test": self.action_voice_test,
                   "finish": self.action_finish, "skip": self.action_skip}
        actions[event.button.id or ""]()

    def action_mic_test(self) -> None:
        self.query_one("#mic-result", Static).update("Listening… say something.")
        self.mic_test(self.query_one("#input_device", Input).value.strip() or None)

    @work(thread=True, exclusive=True, group="mic-test", exit_on_error=False)
    def mic_test(self, device: str | None) -> None:
        from assistant.ui.errors import describe

        meter = self.query_one("#meter", LevelMeter)
        result = self.query_one("#mic-result", Static)
        try:
            peak = self.app.backend.test_microphone(
                device, 3.0, lambda level: self.app.call_from_thread(setattr, meter, "level", level), play_back=True)
        except Exception as exc:
            self.app.call_from_thread(result.update, Text(describe(exc), style="red"))
            return
        verdict = (Text("✔ heard you (and played it back)", style="green") if peak > 0.01 else
                   Text("Almost silence: unmute the microphone or type another device, then test again.",
                        style="yellow"))
        self.app.call_from_thread(result.update, verdict)

    def action_voice_test(self) -> None:
        problem = self.app.backend.speak(TEST_SENTENCE)
        self.query_one("#voice-result", Static).update(
            Text(f"No voice: {problem}. Questions will be shown only.", style="yellow") if problem
            else Text("Speaking… if you heard nothing, check the speakers in Settings.", style="green"))

    def action_finish(self) -> None:
        try:
            changes = plan_choices(self.query_one("#plan_start", Input).value,
                                   self.query_one("#daily_size", Input).value, self.app.today())
        except ValueError as exc:
            self.notify(str(exc), title="Check the plan", severity="error", markup=False)
            return
        changes["input_device"] = self.query_one("#input_device", Input).value.strip() or None
        self._save(changes)

    def action_skip(self) -> None:
        self._save({})

    def _save(self, changes: dict[str, object]) -> None:
        from pydantic import ValidationError

        from assistant.config import save_settings
        from assistant.ui.errors import describe

        self.app.backend.stop_speaking()
        try:
            save_settings({**changes, "setup_done": True})
        except ValidationError as exc:
            from assistant.ui.screens.settings import readable_validation_error

            self.notify(readable_validation_error(exc), title="Not saved", severity="error", markup=False)
            return
        except OSError as exc:
            self.notify(describe(exc), title="Not saved", severity="error", markup=False)
            return
        if changes:
            self.app.reload_settings()
        self.app.pop_screen()
