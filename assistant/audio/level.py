"""How loud an answer recording is, measured before it goes to Whisper.

Whisper normalises its input, so on digital or near silence it does not return nothing: it
makes text up ("you You You ..." over ten minutes of zeros, seen with tiny.en). A level check
is cheap (a 10-minute file in well under a second) and catches that before any model loads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from assistant.audio.files import ASR_SAMPLE_RATE
from assistant.audio.vad import ABSOLUTE_FLOOR, FRAME_SECONDS

# Quieter than this at its loudest 30 ms, a recording holds no speech at all: a muted or
# disconnected microphone sits near -90 dBFS, a quiet room through a live one near -60 to -50,
# and even distant speech peaks well above -45 (vad.ABSOLUTE_FLOOR, the "never speech" line).
SILENT_PEAK_DBFS = -60.0


def dbfs(rms: float) -> float:
    return 20 * math.log10(rms) if rms > 0 else float("-inf")


@dataclass(frozen=True)
class Loudness:
    duration: float  # seconds
    peak_dbfs: float  # the loudest 30 ms frame's RMS; -inf for digital silence
    voiced_seconds: float  # time in frames loud enough to be speech (above vad.ABSOLUTE_FLOOR)


def measure_loudness(samples: np.ndarray, rate: int = ASR_SAMPLE_RATE) -> Loudness:
    """Frame-by-frame RMS of mono float32 samples in [-1, 1] (what `load_for_asr` returns)."""
    size = max(int(rate * FRAME_SECONDS), 1)
    usable = len(samples) - len(samples) % size
    if usable == 0:  # shorter than one frame: measure what there is
        rms = np.sqrt(np.mean(np.square(samples, dtype=np.float64))) if len(samples) else np.zeros(1)
        frames = np.atleast_1d(rms)
    else:
        frames = np.sqrt(np.mean(np.square(samples[:usable].reshape(-1, size), dtype=np.float64), axis=1))
    return Loudness(
        duration=len(samples) / rate,
        peak_dbfs=dbfs(float(frames.max())),
        voiced_seconds=float(np.count_nonzero(frames > ABSOLUTE_FLOOR)) * size / rate,
    )


def silence_reason(loudness: Loudness) -> str | None:
    """Why the recording cannot hold an answer (silent), or None when it is loud enough to transcribe."""
    if loudness.peak_dbfs >= SILENT_PEAK_DBFS:
        return None
    if loudness.peak_dbfs == float("-inf"):
        level = f"all {loudness.duration:.1f} s are digital silence (every sample is zero)"
    else:
        level = (f"its loudest moment is {loudness.peak_dbfs:.0f} dBFS over {loudness.duration:.1f} s; "
                 "speech is louder than -45")
    return (f"the recording is silent ({level}): check that the microphone is not muted, is the input "
            "in use (`viva devices`), and that its input level is up")
