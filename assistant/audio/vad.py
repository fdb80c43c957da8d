"""Energy-based voice activity: is the user speaking, and for how long have they been silent?

Energy with an adaptive noise floor is enough to end an answer after a trailing silence and
to find pauses to cut streaming chunks at; it costs microseconds per block on the writer thread.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np

FRAME_SECONDS = 0.03
ABSOLUTE_FLOOR = 0.008  # RMS (about -42 dBFS): quieter than this is never speech
# The noise floor is the quiet end of the last 10 s; capped so that a long stretch of
# continuous loud speech is never mistaken for background noise.
NOISE_CEILING = 0.02
NOISE_FACTOR = 3.0


class SpeechGate:
    """Per-frame (30 ms) speech / non-speech decisions with a tracked noise floor.

    Samples that do not fill a frame are kept for the next block, so frame times stay exact.
    """

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=int(10 / FRAME_SECONDS))
        self._carry = np.zeros(0, dtype=np.float32)

    def frames(self, block: np.ndarray, rate: int) -> list[bool]:
        size = max(int(rate * FRAME_SECONDS), 1)
        audio = np.concatenate([self._carry, block]) if self._carry.size else block
        usable = len(audio) - len(audio) % size
        self._carry = audio[usable:].copy()
        decisions = []
        for start in range(0, usable, size):
            rms = float(np.sqrt(np.mean(audio[start : start + size] ** 2)))
            self._recent.append(rms)
            floor = min(float(np.percentile(self._recent, 10)), NOISE_CEILING) if len(self._recent) > 10 else 0.0
            decisions.append(rms > max(ABSOLUTE_FLOOR, NOISE_FACTOR * floor))
        return decisions


class SilenceDetector:
    """Listener that sets `triggered` after `trailing_silence` seconds without speech, once speech began."""

    def __init__(self, trailing_silence: float = 3.0, min_speech: float = 0.3) -> None:
        self.trailing_silence = trailing_silence
        self.min_speech = min_speech
        self.speech_seconds = 0.0
        self.silence_seconds = 0.0
        self.first_speech_at: float | None = None
        self.triggered = threading.Event()
        self._gate = SpeechGate()
        self._elapsed = 0.0

    @property
    def speech_started(self) -> bool:
        return self.speech_seconds >= self.min_speech

    def __call__(self, block: np.ndarray, rate: int) -> None:
        for is_speech in self._gate.frames(block, rate):
            self._elapsed += FRAME_SECONDS
            if is_speech:
                self.speech_seconds += FRAME_SECONDS
                self.silence_seconds = 0.0
                if self.first_speech_at is None:
                    self.first_speech_at = self._elapsed
            else:
                self.silence_seconds += FRAME_SECONDS
        if self.speech_started and self.silence_seconds >= self.trailing_silence:
            self.triggered.set()
