"""Test doubles for engines: deterministic, instant, no model files."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from assistant.domain import Segment, Transcript, Word


class BagOfWordsEmbedder:
    """Hashes words into a vector: texts sharing words are similar, others are not."""

    name = "bag-of-words (fake)"
    dims = 512

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def transcript_from_words(timed_words: Sequence[tuple[str, float, float]], duration: float | None = None,
                          *, avg_logprob: float = -0.2, no_speech_prob: float = 0.01) -> Transcript:
    words = tuple(Word(t, s, e, 0.9) for t, s, e in timed_words)
    text = " ".join(w.text for w in words)
    end = words[-1].end if words else 0.0
    segment = Segment(text, words[0].start if words else 0.0, end, avg_logprob, no_speech_prob, words)
    return Transcript(text, (segment,) if words else (), duration if duration is not None else end, "fake", "fake")


class FakeTranscriber:
    engine = "fake"
    model_name = "fake"

    def __init__(self, transcript: Transcript) -> None:
        self.result = transcript
        self.prompts: list[str | None] = []

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> Transcript:
        self.prompts.append(prompt)
        return self.result


class WordCoverageJudge:
    """A point judge by word overlap: states when the span holds all of the claim's content words,
    partly when it holds more than three quarters, not when fewer or when the span negates. Counts what it is asked."""

    name = "word-coverage judge (fake)"
    _STOP = frozenset("a an the of to and is are it its by in on for with we".split())

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def judge(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        self.calls.extend(pairs)
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        for row, (claim, span) in enumerate(pairs):
            words = {w for w in re.findall(r"[a-z0-9]+", claim.lower()) if w not in self._STOP}
            said = set(re.findall(r"[a-z0-9]+", span.lower()))
            share = len(words & said) / max(len(words), 1)
            if "not" in said and "not" not in words:
                share = 0.0
            label = 2 if share >= 0.99 else 1 if share > 0.75 else 0
            out[row] = 0.05
            out[row, label] = 0.9
        return out
