"""Screens, one module each. `factories()` lists those the command palette can open."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen


def factories() -> list[tuple[str, str, Callable[[], Screen]]]:
    from assistant.ui.screens.bank import BankScreen
    from assistant.ui.screens.history import HistoryScreen
    from assistant.ui.screens.mock import MockInterviewScreen
    from assistant.ui.screens.practice import PracticeScreen
    from assistant.ui.screens.settings import SettingsScreen

    return [
        ("Practise today's questions", "Start the daily session", PracticeScreen.for_today),
        ("Mock interview", "A timed sequence across topics with follow-ups, scored as a whole",
         MockInterviewScreen.for_today),
        ("History", "Past attempts: filter, replay, compare", HistoryScreen),
        ("Question bank", "Browse topics, questions and rubric points", BankScreen),
        ("Settings", "Devices, voice, models, data directory", SettingsScreen),
    ]
