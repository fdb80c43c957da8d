"""Question bank browser: topics, questions, rubric points; the model answer stays hidden
until asked for, so a glance never spoils the question."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree

from assistant.domain import Question


def question_details(question: Question, *, show_answer: bool) -> Text:
    source = getattr(question, "source", "built-in")
    text = Text.assemble(
        (question.prompt, "bold"), "\n",
        (f"{question.id} · {question.topic} · phase {question.phase} · {question.difficulty} · "
         f"{question.time_limit}s · {source}\n\n", "dim"),
    )
    if question.rubric is not None:
        text.append("Rubric points\n", style="bold")
        for point in question.rubric.points:
            text.append("• " + point.text, style="bold" if point.critical else "")
            text.append(" (critical)\n" if point.critical else "\n", style="dim")
        for misconception in question.rubric.misconceptions:
            text.append(f"✗ not: {misconception.text}\n", style="magenta")
    if question.follow_ups:
        text.append("\nFollow-ups\n", style="bold")
        for follow_up in question.follow_ups:
            text.append(f"› {follow_up}\n")
    text.append("\nModel answer\n", style="bold")
    text.append(question.model_answer if show_answer else "hidden: press a to reveal", style="" if show_answer else "dim")
    return text


class BankScreen(Screen):
    BINDINGS = [
        Binding("a", "reveal", "Answer"),
        Binding("p", "practise", "Practise"),
        Binding("o", "notes", "Notes"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current: Question | None = None
        self.revealed = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Tree("Question bank", id="tree")
            with VerticalScroll(id="detail"):
                yield Static("Pick a question on the left.", id="question-detail")
        yield Footer()

    def on_mount(self) -> None:
        bank = self.app.services.bank
        tree = self.query_one(Tree)
        tree.show_root = False
        for topic in sorted({q.topic for q in bank.questions.values()}):
            questions = bank.by_topic(topic)
            sources = {getattr(q, "source", "built-in") for q in questions}
            mark = "" if sources == {"built-in"} else f" [{', '.join(sorted(sources))}]"
            branch = tree.root.add(f"{topic} ({len(questions)}){mark}", expand=False)
            for question in sorted(questions, key=lambda q: (q.phase, q.id)):
                source = getattr(question, "source", "built-in")
                label = question.id if source == "built-in" else f"{question.id} ★"
                branch.add_leaf(label, data=question.id)
        for problem in getattr(bank, "problems", [])[:3]:
            self.notify(str(problem), title="Bank file problem", severity="warning", timeout=10, markup=False)
        tree.focus()

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data is not None:
            self.current = self.app.services.bank.get(event.node.data)
            self.revealed = False
            self._show_detail()

    def _show_detail(self) -> None:
        if self.current is not None:
            self.query_one("#question-detail", Static).update(question_details(self.current, show_answer=self.revealed))

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        self._show_detail()

    def action_practise(self) -> None:
        from assistant.ui.screens.practice import PracticeScreen

        if self.current is not None:
            self.app.push_screen(PracticeScreen([self.current.id]))

    def action_notes(self) -> None:
        from assistant.ui.screens.notes import NotesScreen

        if self.current is not None:
            self.app.push_screen(NotesScreen(self.current.id))
