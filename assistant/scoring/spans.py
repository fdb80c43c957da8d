"""Cut an answer into the spans that rubric points are matched against.

A point is usually said in one sentence but sometimes spread over two, so spans are single
sentences plus each pair of neighbours. Spans keep their time in the audio for evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.domain import Transcript

_SENTENCE_END = re.compile(r"[.!?]$")
_SPLIT_TEXT = re.compile(r"(?<=[.!?;])\s+")
# Long run-on sentences (common in speech) are cut so one span holds roughly one idea.
MAX_SPAN_WORDS = 40
# Past this many words (about 20 minutes of speech) the rest is not scored.
MAX_ANSWER_WORDS = 3000


@dataclass(frozen=True)
class Span:
    text: str
    start: float | None = None
    end: float | None = None


def sentences_from_text(text: str) -> list[Span]:
    words = text.split()[:MAX_ANSWER_WORDS]
    pieces = [p.strip() for p in _SPLIT_TEXT.split(" ".join(words)) if p.strip()]
    return [Span(chunk) for piece in pieces for chunk in _chunk_words(piece.split())]


def join_words(texts: list[str]) -> str:
    """Whisper's words as text: a hyphenated piece ("-variance", "-off") is part of the word
    before it, so evidence reads "bias-variance trade-off", not "bias -variance trade -off"."""
    joined = ""
    for text in texts:
        attached = joined and len(text) > 1 and text[0] == "-" and text[1].isalnum() and joined[-1].isalnum()
        joined += text if attached or not joined else " " + text
    return joined


def sentences_from_transcript(transcript: Transcript) -> list[Span]:
    words = transcript.words[:MAX_ANSWER_WORDS]
    if not words:
        return sentences_from_text(transcript.text)
    spans: list[Span] = []
    current: list = []
    for word in words:
        current.append(word)
        if _SENTENCE_END.search(word.text) or len(current) >= MAX_SPAN_WORDS:
            spans.append(Span(join_words([w.text for w in current]), current[0].start, current[-1].end))
            current = []
    if current:
        spans.append(Span(join_words([w.text for w in current]), current[0].start, current[-1].end))
    return spans


def _chunk_words(words: list[str]) -> list[str]:
    return [" ".join(words[i : i + MAX_SPAN_WORDS]) for i in range(0, len(words), MAX_SPAN_WORDS)]


def with_neighbour_pairs(sentences: list[Span]) -> list[Span]:
    pairs = [
        Span(f"{a.text} {b.text}", a.start, b.end if b.end is not None else a.end)
        for a, b in zip(sentences, sentences[1:])
    ]
    return sentences + pairs
