"""The Textual app through Pilot, on the fake backend (real bank, store and notes)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from assistant.audio.devices import AudioDeviceError
from assistant.ui.app import VivaApp
from tests.conftest import REPO
from tests.ui_fakes import FakeBackend

TODAY = date(2026, 11, 27)
SIZE = (80, 24)


async def until(pilot, condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until `condition` holds (workers post their results asynchronously)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    app = pilot.app
    notices = [n.message for n in app._notifications]
    raise AssertionError(f"timed out on {type(app.screen).__name__} (state {getattr(app.screen, 'state', None)!r}); "
                         f"notices: {notices}; failure: {getattr(app.screen, 'failure', None)}")


def make_app(backend: FakeBackend | None = None, **kwargs) -> tuple[VivaApp, FakeBackend]:
    backend = backend or FakeBackend()
    kwargs.setdefault("first_run", False)
    return VivaApp(backend, today=lambda: TODAY, **kwargs), backend


def screen_text(app: VivaApp) -> str:
    """Everything the current screen's Static widgets hold (scrolled out of view too), as plain text."""
    from rich.console import Console
    from textual.widgets import Static

    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for widget in app.screen.query(Static):
        console.print(widget.content)
    return console.export_text()


async def answer_one(pilot, app: VivaApp) -> None:
    await until(pilot, lambda: getattr(app.screen, "state", "") == "recording")
    await pilot.press("space")
    await until(pilot, lambda: app.screen.state == "results")


async def test_home_shows_todays_questions_plan_and_topics() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        assert len(app.screen.items) == 6
        text = screen_text(app)
        assert "Week 1 of 12: Classical ML and math" in text
        assert "Supervised learning" in text and "Today · 0 of 6 done" in text
        assert app.models_ready


async def test_a_full_practice_turn_is_scored_critiqued_and_saved() -> None:
    app, backend = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        first = app.screen.items[0].question_id
        await pilot.press("space")
        await answer_one(pilot, app)
        await until(pilot, lambda: backend.critiques == 1 and app.screen.attempt.critique is not None)
        await pilot.pause(0.1)
        question = app.services.bank.get(first)
        assert backend.spoken == [question.prompt]
        text = screen_text(app)
        assert "Score 100/100" in text and "✔" in text
        assert "You covered the main idea." in text and "Name the trade-off explicitly." in text
        assert "Follow-up What changes with more data?" in text
        stored = app.services.store.list()
        assert [s.question_id for s in stored] == [first] and stored[0].score == 100.0
        assert app.services.store.get(stored[0].id).critique is not None


async def test_the_follow_up_is_answered_as_the_next_turn_and_saved_as_one() -> None:
    app, backend = make_app(FakeBackend(answers=["Bias is error from wrong assumptions.", "More data lowers variance."]))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        await pilot.press("space")
        await answer_one(pilot, app)
        await until(pilot, lambda: app.screen.follow_up_text == "What changes with more data?")
        await pilot.press("f")
        await answer_one(pilot, app)
        assert backend.spoken[-1] == "What changes with more data?"
        rows = app.services.store.list()
        assert rows[0].follow_up == "What changes with more data?" and rows[1].follow_up is None
        assert rows[0].question_id == rows[1].question_id


async def test_retry_next_skip_and_the_session_summary() -> None:
    app, backend = make_app(FakeBackend(answers=["I am not sure."] * 4))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["sl-bias-variance", "dl-dropout"]))
        await answer_one(pilot, app)
        await pilot.press("r")
        await answer_one(pilot, app)
        assert [s.question_id for s in app.services.store.list()] == ["sl-bias-variance"] * 2
        await pilot.press("n")
        await until(pilot, lambda: app.screen.state == "recording" and app.screen.index == 1)
        await pilot.press("space")
        await until(pilot, lambda: app.screen.state == "results")
        await pilot.press("n")
        await until(pilot, lambda: app.screen.state == "done")
        assert "Session done: 3 answers" in screen_text(app)


async def test_moving_on_while_the_question_is_spoken_records_only_the_next_one() -> None:
    app, backend = make_app(FakeBackend(speaking_seconds=30))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["sl-bias-variance", "dl-dropout"]))
        await until(pilot, lambda: app.screen.state == "asking" and backend.spoken)
        await pilot.press("n")  # the first question is still being said
        await until(pilot, lambda: len(backend.spoken) == 2)
        await pilot.press("space")  # answer the second one now
        await until(pilot, lambda: app.screen.state == "recording")
        await pilot.press("space")
        await until(pilot, lambda: app.screen.state == "results")
        await pilot.pause(0.3)
        assert backend.begun == ["dl-dropout"]
        assert [s.question_id for s in app.services.store.list()] == ["dl-dropout"]


async def test_no_microphone_is_a_notice_and_the_app_keeps_running() -> None:
    error = AudioDeviceError("no audio input device found. Connect a microphone, then `viva devices`.")
    app, _ = make_app(FakeBackend(fail_recording=error))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["sl-bias-variance"]))
        await until(pilot, lambda: app.screen.state == "results")
        await until(pilot, lambda: any("Connect a microphone" in n.message for n in app._notifications))
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")


async def test_a_model_that_fails_to_load_is_a_notice_and_home_still_works() -> None:
    class BrokenModels(FakeBackend):
        def prepare_models(self, on_progress, stop=None) -> None:
            on_progress("ready, except 1", 1.0)
            raise RuntimeError("some models could not be prepared: critique model: no GGUF file")

    app, _ = make_app(BrokenModels())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        await until(pilot, lambda: any("no GGUF file" in n.message for n in app._notifications))
        assert "some models failed" in app.models_status


async def test_quitting_while_models_load_ends_their_preparation_instead_of_waiting_for_it() -> None:
    import threading
    import time

    ended = threading.Event()

    class SlowModels(FakeBackend):
        def prepare_models(self, on_progress, stop=None) -> None:
            on_progress("critique model", 0.8)
            stop.wait(timeout=60)  # as the critique prefix reading does, step by step
            ended.set()

    app, _ = make_app(SlowModels())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "critique model" in app.models_status)
        await pilot.press("ctrl+q")
    started = time.monotonic()
    assert ended.wait(timeout=10), "model preparation went on after the app quit"
    assert time.monotonic() - started < 10


async def test_leaving_in_the_middle_of_an_answer_saves_it() -> None:
    app, backend = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["sl-bias-variance"]))
        await until(pilot, lambda: app.screen.state == "recording")
        await pilot.press("escape")
        await until(pilot, lambda: app.services.store.count() == 1)
    assert app.services.store.list()[0].question_id == "sl-bias-variance"


async def test_quitting_in_the_middle_of_an_answer_saves_it() -> None:
    app, backend = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["dl-dropout"]))
        await until(pilot, lambda: app.screen.state == "recording")
        await pilot.press("ctrl+q")
    assert [a.question_id for a in backend.finished] == ["dl-dropout"]
    assert app.services.store.count() == 1


async def test_history_filters_sorts_and_opens_an_attempt_with_its_comparison() -> None:
    backend = FakeBackend(answers=["Bias is error from wrong assumptions.", _model_answer("sl-bias-variance"),
                                   "Dropout zeroes random units."])
    app, _ = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.push_screen(_practice(["sl-bias-variance", "sl-bias-variance", "dl-dropout"], critique=False))
        for _ in range(3):
            await answer_one(pilot, app)
            await pilot.press("n")
        await pilot.press("escape")
        await pilot.press("h")
        await until(pilot, lambda: type(app.screen).__name__ == "HistoryScreen" and app.screen.rows)
        history = app.screen
        assert history.query_one("DataTable").row_count == 3
        await pilot.click("#max-score")
        await pilot.press(*"50")
        await until(pilot, lambda: history.query_one("DataTable").row_count == 2)
        history.query_one("#max-score").value = ""
        history.query_one("DataTable").focus()
        await pilot.pause()
        await pilot.press("s")
        assert history.sort_by == "score"
        top = history.query_one("DataTable").get_row_at(0)
        assert float(top[2]) <= float(history.query_one("DataTable").get_row_at(2)[2])
        best = max(app.services.store.list(question_id="sl-bias-variance"), key=lambda s: s.id)
        app.push_screen(_attempt(best.id))
        await until(pilot, lambda: type(app.screen).__name__ == "AttemptScreen" and app.screen.attempt)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "Over time" in text and "→" in text and "newly hit" in text
        await pilot.press("p")
        player = app.screen._player
        assert player is not None and player.playing
        await pilot.press("p")
        assert not player.playing and app.screen._player is None


async def test_the_bank_browser_hides_the_model_answer_until_asked() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        await pilot.press("b")
        await until(pilot, lambda: type(app.screen).__name__ == "BankScreen")
        await pilot.press("enter", "down")
        await until(pilot, lambda: app.screen.current is not None)
        tail = " ".join(app.screen.current.model_answer.split()[-8:])  # rubric points may repeat its start
        assert "hidden: press a to reveal" in screen_text(app) and tail not in screen_text(app)
        await pilot.press("a")
        assert tail in " ".join(screen_text(app).split())
        await pilot.press("p")
        await until(pilot, lambda: type(app.screen).__name__ == "PracticeScreen")


async def test_notes_are_edited_and_saved_as_markdown_files() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        from assistant.ui.screens.notes import NotesScreen

        app.push_screen(NotesScreen("sl-bias-variance"))
        await until(pilot, lambda: type(app.screen).__name__ == "NotesScreen" and app.screen.query("TextArea")
                    and app.screen.query_one("TextArea").text)
        area = app.screen.query_one("TextArea")
        assert area.text.startswith("# ")  # the template, with the question
        area.insert("Bias: wrong assumptions. Variance: sensitivity to the sample.\n")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    note = app.services.notes.read("sl-bias-variance")
    assert note is not None and "Variance: sensitivity to the sample." in note


async def test_settings_are_validated_and_saved_to_the_config_file() -> None:
    from assistant.config import config_file
    from assistant.ui.screens.settings import SettingsScreen

    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(SettingsScreen())
        await until(pilot, lambda: type(app.screen).__name__ == "SettingsScreen" and app.screen.query("#tts_rate"))
        app.screen.query_one("#tts_rate").value = "7"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("tts_rate" in n.message for n in app._notifications))
        assert not config_file().exists()  # out of range: refused, nothing written
        app.screen.query_one("#tts_rate").value = "1.25"
        app.screen.query_one("#input_device").value = "pulse"
        await pilot.press("ctrl+s")
        assert 'tts_rate = 1.25' in config_file().read_text() and 'input_device = "pulse"' in config_file().read_text()
        await pilot.press("l")
        await until(pilot, lambda: any("Level test" == n.title for n in app._notifications))


async def test_help_and_command_palette_list_the_main_actions() -> None:
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        assert "answer the follow-up" in screen_text(app)
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Practise today's questions", "History", "Question bank", "Settings"} <= set(titles)


async def test_a_broken_bank_file_is_a_notice_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    questions = tmp_path / "question_bank"
    shutil.copytree(REPO / "question_bank", questions)
    (questions / "deep_learning.yaml").write_text("topic: deep-learning\nquestions: [\n  - id: broken\n")
    monkeypatch.setenv("VIVA_QUESTION_DIR", str(questions))
    app, _ = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        await until(pilot, lambda: any("deep_learning.yaml" in n.message and "viva bank validate" in n.message
                                       for n in app._notifications))
        assert not any(i.question_id.startswith("dl-") for i in app.screen.items)


async def test_a_mock_interview_runs_every_turn_then_scores_the_whole() -> None:
    app, backend = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.screen.items)
        await pilot.press("m")
        await until(pilot, lambda: type(app.screen).__name__ == "MockInterviewScreen")
        turns = app.screen.interview.turns
        assert any(t.kind == "follow-up" for t in turns)
        for index in range(len(turns)):
            await until(pilot, lambda: app.screen.state == "recording" and app.screen.index == index)
            assert app.screen.answer.max_seconds == turns[index].time_limit
            await pilot.press("space")
            await until(pilot, lambda: app.screen.state == "results")
            assert "Score" not in screen_text(app)  # no feedback between turns
            await pilot.press("n")
        await until(pilot, lambda: app.screen.state == "done")
        assert "Mock interview:" in screen_text(app) and backend.critiques == 0
        assert sum(1 for s in app.services.store.list() if s.follow_up) == sum(t.kind == "follow-up" for t in turns)


async def test_first_run_checks_microphone_and_voice_then_saves_the_plan() -> None:
    from assistant.config import config_file, load_settings

    app, backend = make_app(first_run=None)  # decided by the (fresh) config
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "FirstRunScreen" and app.screen.query("#plan_start"))
        await until(pilot, lambda: app.screen.query_one("#models-bar").progress == 1.0)
        await pilot.click("#mic-test")
        await until(pilot, lambda: "heard you" in screen_text(app))
        await pilot.click("#voice-test")
        assert backend.spoken == ["Hello, I am Viva. I will ask you interview questions out loud."]
        app.screen.query_one("#plan_start").value = "2026-12-01"
        app.screen.query_one("#daily_size").value = "7"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    settings = load_settings()
    assert settings.setup_done and settings.daily_size == 7 and settings.plan_start == date(2026, 12, 1)
    assert "setup_done = true" in config_file().read_text()
    again, _ = make_app(first_run=None)
    async with again.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: again.screen.items)
        assert type(again.screen).__name__ == "HomeScreen"


async def test_first_run_can_be_skipped_and_bad_plan_values_are_explained() -> None:
    from assistant.config import load_settings

    app, _ = make_app(first_run=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "FirstRunScreen" and app.screen.query("#plan_start"))
        app.screen.query_one("#plan_start").value = "next monday"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("YYYY-MM-DD" in n.message for n in app._notifications))
        assert type(app.screen).__name__ == "FirstRunScreen"
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
    assert load_settings().setup_done and load_settings().plan_start is None


def _practice(ids: list[str], **kwargs):
    from assistant.ui.screens.practice import PracticeScreen

    return PracticeScreen(ids, **kwargs)


def _attempt(attempt_id: int):
    from assistant.ui.screens.attempt import AttemptScreen

    return AttemptScreen(attempt_id)


def _model_answer(question_id: str) -> str:
    from assistant.bank import load_bank

    return load_bank(REPO / "question_bank", REPO / "rubrics").get(question_id).model_answer


def test_viva_without_a_terminal_says_the_app_needs_one() -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2 and "needs an interactive terminal" in result.output
