"""VivaApp: screens, global keys, command palette, background model loading, error notices."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import date

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from assistant.backend import Backend
from assistant.ui.messages import ModelsProgress


class VivaApp(App):
    """Practise answering ML interview questions out loud."""

    TITLE = "Viva"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+t", "toggle_dark", "Theme", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),  # in help (f1); room for screen keys
    ]

    def __init__(self, backend: Backend | None = None, *, today: Callable[[], date] = date.today,
                 prepare_models: bool = True, start_with: list[str] | None = None,
                 first_run: bool | None = None) -> None:
        super().__init__()
        self.start_with = start_with
        self._first_run = first_run
        self.startup_problem: Exception | None = None
        """Why the settings could not be used as written (shown as a notice once the app is up)."""
        if backend is None:
            backend, self.startup_problem = _local_backend()
        self.backend = backend
        self.today = today
        self._prepare_models = prepare_models
        self._models_stop = threading.Event()  # set on quit: model preparation ends between steps
        self.models_ready = False
        self.models_status = "loading models…"

    @property
    def services(self):
        return self.backend.services

    def on_mount(self) -> None:
        from assistant.ui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        if self.startup_problem is not None:
            self._notify_settings_problem(self.startup_problem)
        first_run = self._first_run if self._first_run is not None else not self.services.settings.setup_done
        if first_run:
            from assistant.ui.screens.first_run import FirstRunScreen

            self.push_screen(FirstRunScreen())
        elif self.start_with:
            from assistant.ui.screens.practice import PracticeScreen

            self.push_screen(PracticeScreen(self.start_with))
        self.recover_answers()
        if self._prepare_models:
            self.prepare_models()
        else:
            self.models_ready, self.models_status = True, "ready"

    # Background work. Errors are notices; the app keeps running.

    @work(thread=True, exclusive=True, group="models", exit_on_error=False)
    def prepare_models(self) -> None:
        def report(step: str, fraction: float) -> None:
            self.post_message(ModelsProgress(step, fraction))

        self.backend.prepare_models(report, self._models_stop)

    def on_unmount(self) -> None:
        self._models_stop.set()

    def on_models_progress(self, message: ModelsProgress) -> None:
        self.models_ready = message.fraction >= 1.0
        self.models_status = "ready" if self.models_ready else f"loading {message.step}…"
        for screen in self.screen_stack:
            screen.post_message(ModelsProgress(message.step, message.fraction))

    @work(thread=True, group="recover", exit_on_error=False)
    def recover_answers(self) -> None:
        from assistant.audio.leftovers import describe_leftover

        for attempt in self.backend.recover():
            self.call_from_thread(
                self.notify, f"An interrupted answer to {attempt.question_id} was recovered as attempt #{attempt.id}.",
                title="Recovered", timeout=10, markup=False)
        # A killed `viva record` left audio beside its file: it is its own file now; say where.
        for leftover in self.backend.recover_recordings():
            self.call_from_thread(self.notify, describe_leftover(leftover), title="Recovered", timeout=10,
                                  markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place that turns any failed background job into a readable notice."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from assistant.ui.errors import describe

            if event.worker.group == "models":
                self.models_status = "some models failed to load (see the notice; `viva doctor`)"
            self.notify(describe(event.worker.error), title="Something went wrong", severity="error", timeout=15, markup=False)

    # Navigation, reachable by keys and from the command palette.

    def action_help(self) -> None:
        from assistant.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def _notify_settings_problem(self, problem: Exception) -> None:
        from assistant.ui.errors import describe

        self.notify(f"{describe(problem)}\nUntil then Viva runs with the defaults for those settings.",
                    title="Settings not applied", severity="error", timeout=30, markup=False)

    def reload_settings(self) -> None:
        """After Settings were saved: engines built from the new settings on next use."""
        from assistant.backend import LocalBackend

        busy = any(w.group == "turn" and w.is_running for w in self.workers)
        if isinstance(self.backend, LocalBackend) and not busy:
            self.backend, problem = _local_backend()
            if problem is not None:
                self._notify_settings_problem(problem)
            self.models_ready, self.models_status = False, "loading models…"
            self.prepare_models()
        elif isinstance(self.backend, LocalBackend):
            self.notify("Engine changes apply once the current job ends, or next start.", timeout=6, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from assistant.ui.screens import factories

        for title, help_text, make in factories():
            yield SystemCommand(title, help_text, lambda make=make: self.push_screen(make()))
        yield SystemCommand("Toggle light/dark theme", "Switch between the light and dark theme", self.action_toggle_dark)


def _local_backend() -> tuple[Backend, Exception | None]:
    """The real engines on the user's settings; when those are broken (a TOML syntax error, a value
    out of range, a VIVA_* variable that does not parse), on the good ones plus defaults, and why."""
    from assistant.backend import LocalBackend
    from assistant.config_errors import ConfigError, settings_despite
    from assistant.services import Services

    try:
        return LocalBackend(), None
    except ConfigError as exc:
        return LocalBackend(Services(settings=settings_despite(exc))), exc


def run_app(question_ids: list[str] | None = None) -> None:
    """`viva`: the app; with question ids (`viva practice -q ID`), straight into practising them."""
    VivaApp(start_with=question_ids).run()
