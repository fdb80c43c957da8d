"""The Transcriber protocol and the recognition prompt shared by every engine."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from assistant.domain import Question, Segment, Transcript

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
    if question is None and not keywords:
        # The filler primer on its own made tiny.en skip a whole sentence of a clear answer
        # (tests/test_real_pipeline.py); with no question to prime for, don't prompt at all.
        return None
    parts: list[str] = [FILLER_PRIMER] if keep_fillers else []
    if question is not None:
        parts.append(question.prompt)
    terms = ", ".join(dict.fromkeys(keywords))
    if terms:
        parts.append(f"Terms: {terms}.")
    text = " ".join(parts).strip()
    return text[:MAX_PROMPT_CHARS] or None


# Faster than anyone speaks: a segment this dense is Whisper making text up.
MAX_WORDS_PER_SECOND = 7.0


def _normalised_words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def is_hallucination(segment: Segment, prompt: str | None) -> bool:
    """Whisper's known failure modes on silence and short tails, seen with tiny.en here:
    echoing the prompt back, or many words in a fraction of a second of near-silence."""
    words = _normalised_words(segment.text)
    if not words:
        return False
    if prompt and len(words.split()) >= 3 and words in _normalised_words(prompt):
        return True
    duration = max(segment.end - segment.start, 1e-3)
    too_dense = len(words.split()) / duration > MAX_WORDS_PER_SECOND
    return too_dense and (segment.no_speech_prob > 0.3 or segment.avg_logprob < -0.8)


# tiny.en sometimes trails off into ". . . . ." over a pause; fed back as context for the next
# chunk, the dots spread until a whole streamed answer was dots (bench/streaming.py, 180 s).
_PUNCTUATION_RUN = re.compile(r"(?<=[.!?,])(?:\s+[.!?,…])+|^(?:\s*[.!?,…])+\s*")


def strip_punctuation_runs(segment: Segment) -> Segment:
    text = _PUNCTUATION_RUN.sub("", segment.text).strip()
    if text == segment.text.strip():
        return segment
    words = tuple(w for w in segment.words if re.search(r"[A-Za-z0-9]", w.text))
    return replace(segment, text=text, words=words)


def clean_segments(segments: Sequence[Segment], prompt: str | None) -> tuple[Segment, ...]:
    """Drop hallucinated segments and punctuation-only runs; keep segments with words in them."""
    kept = (strip_punctuation_runs(s) for s in segments if not is_hallucination(s, prompt))
    return tuple(s for s in kept if re.search(r"[A-Za-z0-9]", s.text))


def finish_transcript(segments: Sequence[Segment], prompt: str | None, *, samples: int, engine: str, model: str,
                      language: str = "en") -> Transcript:
    """The engines' common last step: drop hallucinated segments, join the text."""
    from assistant.audio.files import ASR_SAMPLE_RATE

    kept = clean_segments(segments, prompt)
    return Transcript(text=" ".join(s.text for s in kept if s.text).strip(), segments=kept,
                      duration=samples / ASR_SAMPLE_RATE, engine=engine, model=model, language=language)
