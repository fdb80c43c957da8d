"""Home: today's questions, where the user is in the 12-week plan, streak, per-topic progress.

The bank and the history load on a worker so the screen is interactive at once.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from assistant.store.errors import StoreError
from assistant.ui.errors import describe
from assistant.ui.messages import ModelsProgress

REASONS = {"review": ("review", "yellow"), "new": ("new", "cyan"), "interleave": ("again", "magenta")}


def today_table(items, bank) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=1)
    table.add_column(width=6)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    for item in items:
        label, colour = REASONS.get(item.reason, (item.reason, ""))
        prompt = bank.get(item.question_id).prompt if item.question_id in bank.questions else item.question_id
        table.add_row("✔" if item.done else "·", Text(label, style=colour), Text(prompt, style="dim" if item.done else ""))
    return table


def plan_summary(progress) -> Text:
    from assistant.schedule.plan import PHASES, PLAN_WEEKS

    plan = progress.plan
    if plan.phase is None:
        where = f"Week {plan.week}: review of all phases"
    elif plan.day < 1:
        where = f"The plan starts {plan.start.isoformat()}"
    else:
        where = f"Week {plan.week} of {PLAN_WEEKS}: {PHASES.get(plan.phase, '')}"
    return Text.assemble(
        (where, "bold"), "\n",
        f"Streak {progress.streak} d · {progress.days_practised} days practised · "
        f"{progress.speaking_seconds / 60:.0f} min spoken · {progress.due_today} reviews due\n",
    )


def topics_table(progress) -> Table:
    """Per topic: share of its questions answered (bar) and mastery (latest score, mean)."""
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True, ratio=1, overflow="ellipsis")
    table.add_column(width=10)
    table.add_column(width=4, justify="right")
    for topic in progress.topics:
        share = topic.seen / topic.in_bank if topic.in_bank else 0.0
        filled = round(share * 10)
        mastery = f"{topic.mastery:.0f}" if topic.mastery is not None else "—"
        table.add_row(Text(topic.title), Text("█" * filled + "░" * (10 - filled), style="green"),
                      Text(mastery, style="bold" if topic.mastery is not None else "dim"))
    return table


class HomeScreen(Screen):
    BINDINGS = [
        Binding("space,enter", "practise", "Start"),
        Binding("m", "mock", "Mock"),
        Binding("h", "history", "History"),
        Binding("b", "bank", "Bank"),
        Binding("s", "settings", "Settings"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            with Vertical(id="today-pane"):
                yield Static("Today", classes="pane-title")
                yield Static("Loading today's questions…", id="today")
            with Vertical(id="progress-pane"):
                yield Static("Progress", classes="pane-title")
                yield Static("", id="plan")
                yield Static("", id="topics")
        yield Static(id="models", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Home"
        self._show_models()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()  # answers were given since: marks, streak and mastery change

    @work(thread=True, exclusive=True, group="home", exit_on_error=False)
    def load(self) -> None:
        app = self.app
        today = app.today()
        services = app.services
        bank = services.bank
        try:
            items = app.backend.todays_questions(today)
            progress = app.backend.progress(today)
        except StoreError as exc:
            # A screen worker's failure does not reach the app's handler: say it here (a damaged,
            # unreadable database: what happened and `viva db recover`).
            app.call_from_thread(self.notify, describe(exc), title="Your history could not be read",
                                 severity="error", timeout=30, markup=False)
            return
        app.call_from_thread(self._show, items, progress, bank)

    def _show(self, items, progress, bank) -> None:
        self.items = items
        done = sum(i.done for i in items)
        title = f"Today · {done} of {len(items)} done" if items else "Today"
        self.query_one("#today-pane .pane-title", Static).update(Text(title, style="bold"))
        self.query_one("#today", Static).update(
            today_table(items, bank) if items else "Nothing for today: the bank is empty (b to browse).")
        self.query_one("#plan", Static).update(plan_summary(progress))
        self.query_one("#topics", Static).update(topics_table(progress))
        if bank.problems:
            first = bank.problems[0]
            self.notify(f"{len(bank.problems)} problem(s) in the question bank; those questions are left out. "
                        f"First: {first}. Run `viva bank validate` for all.", title="Question bank",
                        severity="warning", timeout=12, markup=False)

    def on_models_progress(self, message: ModelsProgress) -> None:
        self._show_models()

    def _show_models(self) -> None:
        status = self.app.models_status
        self.query_one("#models", Static).update(
            Text(f"Models: {status}", style="dim" if self.app.models_ready else "yellow"))

    def action_practise(self) -> None:
        from assistant.ui.screens.practice import PracticeScreen

        pending = [i.question_id for i in self.items if not i.done] or [i.question_id for i in self.items]
        if not pending:
            self.notify("No questions yet (still loading, or the bank is empty).", severity="warning", markup=False)
            return
        self.app.push_screen(PracticeScreen(pending))

    def action_mock(self) -> None:
        from assistant.ui.screens.mock import MockInterviewScreen

        self.app.push_screen(MockInterviewScreen.for_today())

    def action_history(self) -> None:
        from assistant.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_bank(self) -> None:
        from assistant.ui.screens.bank import BankScreen

        self.app.push_screen(BankScreen())

    def action_settings(self) -> None:
        from assistant.ui.screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())
