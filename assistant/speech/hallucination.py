"""Whole-transcript hallucinations: text Whisper writes over audio that holds too little sound.

Segment-level filters (asr/base.py) catch prompt echoes and impossibly dense segments. Over
long near-silence Whisper instead writes one token again and again ("you You You ...", "Thank
you. Thank you."), each segment plausible on its own; only the audio level gives it away.
"""

from __future__ import annotations

import re

from assistant.domain import Transcript

# Real speech keeps the voice above the speech floor for at least this long per word
# (150 words/min is 0.4 s a word, most of it voiced); a transcript with far more words
# than that was not heard in this audio.
MIN_VOICED_SECONDS_PER_WORD = 0.25
MIN_REPEATED_WORDS = 3


def is_repetition(text: str) -> bool:
    """Few distinct words repeated many times ("you you you", "thank you thank you thank you")."""
    words = re.findall(r"[a-z0-9']+", text.lower())
    return len(words) >= MIN_REPEATED_WORDS and len(set(words)) <= max(2, len(words) // 4)


def made_up_reason(transcript: Transcript, voiced_seconds: float) -> str | None:
    """Why the transcript is Whisper's invention rather than the answer, or None when it may be real.

    `voiced_seconds`: how long the audio was above the speech floor (see audio/level.py).
    """
    words = transcript.text.split()
    if not is_repetition(transcript.text) or voiced_seconds >= MIN_VOICED_SECONDS_PER_WORD * len(words):
        return None
    sample = " ".join(words[:4]) + (" …" if len(words) > 4 else "")
    return (f"the recording is almost silent (speech-level sound for {voiced_seconds:.1f} s of "
            f"{transcript.duration:.1f} s), and the recogniser's \"{sample}\" ({len(words)} words) is what it "
            "makes up on silence: check the microphone and its input level, and speak up")
