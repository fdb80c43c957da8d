"""The Transcriber protocol and the recognition prompt shared by every engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.domain import Question, Transcript

# Whisper drops disfluencies unless the prompt shows them; a prompt that contains fillers
# makes it keep "um"/"uh" (measured in bench/asr_fillers.py), which delivery metrics count.
FILLER_PRIMER = "Umm, let me think, uh, so."
# Whisper uses at most 224 prompt tokens; keep well under so the question text fits too.
MAX_PROMPT_CHARS = 600


class Transcriber(Protocol):
    """Speech to text. Engines load their model lazily, on first use, once."""

    engine: str
    model_name: str

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> Transcript:
        """Transcribe 16 kHz mono float32 audio, optionally primed with `prompt`."""
        ...


def build_prompt(question: Question | None, keywords: Sequence[str] = (), *, keep_fillers: bool = True) -> str | None:
    """Prompt that primes Whisper with the question and its technical terms.

    Listing each question's own rubric keywords is the biggest single accuracy lever for
    technical terms (see shared DESIGN.md and bench/asr_priming.py).
    """
    parts: list[str] = [FILLER_PRIMER] if keep_fillers else []
    if question is not None:
        parts.append(question.prompt)
    terms = ", ".join(dict.fromkeys(keywords))
    if terms:
        parts.append(f"Terms: {terms}.")
    text = " ".join(parts).strip()
    return text[:MAX_PROMPT_CHARS] or None
