"""Errors a user can act on: what happened, and what to do about it.

Raised where the problem is understood (settings, the store); the CLI prints both parts and
exits 2, the app shows them as a notice, so nobody meets a traceback for a fixable problem.
"""

from __future__ import annotations


class ActionableError(Exception):
    """`summary`: what happened, naming the file or variable; `fix`: the one thing to do."""

    def __init__(self, summary: str, fix: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.summary}\nfix: {self.fix}"
