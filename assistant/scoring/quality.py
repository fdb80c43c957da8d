"""Decide whether a transcript is trustworthy enough to grade.

An answer Whisper could not hear (silence, noise, a muted microphone) must be reported as
such, not graded as a bad answer.
"""

from __future__ import annotations

from assistant.domain import Transcript

MIN_WORDS = 3
NO_SPEECH_LIMIT = 0.6
LOGPROB_FLOOR = -1.0
VERY_LOW_LOGPROB = -1.5


def ungradeable_reason(transcript: Transcript) -> str | None:
    """A reason the transcript should not be graded, or None when it can be."""
    words = transcript.text.split()
    if not words:
        return "no speech was recognised in the recording (check the microphone and input level)"
    if len(words) < MIN_WORDS and transcript.no_speech_prob > NO_SPEECH_LIMIT:
        return "the recording sounds like silence or noise, not an answer"
    logprob = transcript.avg_logprob
    if logprob < VERY_LOW_LOGPROB or (transcript.no_speech_prob > NO_SPEECH_LIMIT and logprob < LOGPROB_FLOOR):
        return (
            f"the speech recogniser is very unsure of this transcript (average log-probability {logprob:.2f}); "
            "speak closer to the microphone or in a quieter room"
        )
    return None
