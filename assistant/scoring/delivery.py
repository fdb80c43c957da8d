"""How the answer was said: pace, fillers, pauses, thinking time, overrun (from word timestamps)."""

from __future__ import annotations

import re
from collections import Counter

from assistant.domain import DeliveryMetrics, Transcript

# Single-word hesitations Whisper writes in many spellings ("Um", "umm", "Uh,").
_FILLER_WORD = re.compile(r"^(u+m+|u+h+m*|e+r+m*|a+h+|h+m+|m+h*m+)$")
# Multi-word verbal tics; "like" alone is too often meaningful to count.
FILLER_PHRASES = ("you know", "i mean", "sort of", "kind of")
LONG_PAUSE_SECONDS = 1.5
# Gaps shorter than this between words are part of normal speech, not pauses.
SPEECH_GAP_SECONDS = 0.5


def normalise_word(text: str) -> str:
    return re.sub(r"[^a-z']", "", text.lower())


def count_fillers(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    words = [normalise_word(w) for w in text.split()]
    for word in words:
        if word and _FILLER_WORD.match(word):
            counts[_canonical_filler(word)] += 1
    joined = " " + " ".join(words) + " "
    for phrase in FILLER_PHRASES:
        found = joined.count(f" {phrase} ")
        if found:
            counts[phrase] += found
    return counts


def _canonical_filler(word: str) -> str:
    if word.startswith("u") and "h" in word:
        return "uh"
    if word.startswith("u"):
        return "um"
    if word.startswith("e"):
        return "er"
    if word.startswith("a"):
        return "ah"
    return "hmm"


def delivery_metrics(transcript: Transcript, time_limit: int | None = None) -> DeliveryMetrics:
    words = transcript.words
    fillers = count_fillers(transcript.text)
    if not words:
        word_count = len(transcript.text.split())
        return DeliveryMetrics(
            duration=round(transcript.duration, 2), speaking_time=0.0, word_count=word_count, words_per_minute=0.0,
            filler_count=sum(fillers.values()), fillers=dict(fillers), long_pauses=0, longest_pause=0.0,
            thinking_time=round(transcript.duration, 2) if word_count == 0 else 0.0, time_limit=time_limit,
            overrun=round(max(0.0, transcript.duration - time_limit), 2) if time_limit else 0.0,
        )
    gaps = [b.start - a.end for a, b in zip(words, words[1:])]
    span = words[-1].end - words[0].start
    speaking_time = max(span - sum(g for g in gaps if g > SPEECH_GAP_SECONDS), 1e-3)
    long_gaps = [g for g in gaps if g >= LONG_PAUSE_SECONDS]
    counted_words = [w for w in words if normalise_word(w.text) and not _FILLER_WORD.match(normalise_word(w.text))]
    answer_end = words[-1].end
    return DeliveryMetrics(
        duration=round(transcript.duration, 2),
        speaking_time=round(speaking_time, 2),
        word_count=len(counted_words),
        words_per_minute=round(60.0 * len(counted_words) / speaking_time, 1),
        filler_count=sum(fillers.values()),
        fillers=dict(fillers),
        long_pauses=len(long_gaps),
        longest_pause=round(max(gaps, default=0.0), 2),
        thinking_time=round(words[0].start, 2),
        time_limit=time_limit,
        overrun=round(max(0.0, answer_end - time_limit), 2) if time_limit else 0.0,
    )
