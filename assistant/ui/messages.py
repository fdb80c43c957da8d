"""Typed messages that background workers post to screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from assistant.domain import Attempt


@dataclass
class ModelsProgress(Message, bubble=False):
    """Posted to the app, which passes it on to every screen (so it must not bubble back)."""

    step: str
    fraction: float


@dataclass
class PartialTranscript(Message):
    text: str


@dataclass
class AnswerEnded(Message):
    reason: str  # key, silence, time-limit


@dataclass
class AttemptScored(Message):
    attempt: Attempt


@dataclass
class CritiqueToken(Message):
    text: str


@dataclass
class CritiqueDone(Message):
    attempt: Attempt


@dataclass
class TurnFailed(Message):
    stage: str  # recording, scoring, critique
    error: BaseException
