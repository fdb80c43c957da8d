"""Snapshots of the main screens at 80x24 (`pytest --snapshot-update` accepts a deliberate change;
the SVGs under tests/__snapshots__/ open in a browser)."""

from __future__ import annotations

from tests.test_ui import make_app, until
from tests.ui_fakes import FakeBackend

FIXED_TIME = "2026-11-27T09:30:00+00:00"


def _app(**kwargs):
    app, _ = make_app(FakeBackend(clock_value=FIXED_TIME, **kwargs))
    return app


async def _home_loaded(pilot) -> None:
    await until(pilot, lambda: pilot.app.screen.items)
    await pilot.pause(0.2)


def test_home(snap_compare) -> None:
    assert snap_compare(_app(), run_before=_home_loaded)


def test_home_light_theme(snap_compare) -> None:
    async def light(pilot) -> None:
        await _home_loaded(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause(0.2)

    assert snap_compare(_app(), run_before=light)


def test_practice_results_with_critique(snap_compare) -> None:
    app = _app(answers=["Bias is error from wrong assumptions, so the model underfits. Variance is sensitivity "
                        "to the training sample, so it overfits. More data lowers variance."])

    async def answered(pilot) -> None:
        from tests.test_ui import _practice

        await _home_loaded(pilot)
        await pilot.app.push_screen(_practice(["sl-bias-variance"]))
        await until(pilot, lambda: pilot.app.screen.state == "recording")
        await pilot.press("space")
        await until(pilot, lambda: pilot.app.screen.attempt is not None and pilot.app.screen.attempt.critique)
        await pilot.pause(0.3)

    assert snap_compare(app, run_before=answered)


def test_bank_with_answer_revealed(snap_compare) -> None:
    async def revealed(pilot) -> None:
        await _home_loaded(pilot)
        await pilot.press("b")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "BankScreen")
        await pilot.press("enter", "down", "a")
        await pilot.pause(0.3)

    assert snap_compare(_app(), run_before=revealed)


def test_help(snap_compare) -> None:
    async def help_open(pilot) -> None:
        await _home_loaded(pilot)
        await pilot.press("f1")
        await pilot.pause(0.3)

    assert snap_compare(_app(), run_before=help_open)
