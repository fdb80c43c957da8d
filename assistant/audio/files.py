"""Read answer audio in any common format and bring it to what Whisper expects.

soundfile (libsndfile) reads WAV, FLAC, OGG and MP3; PyAV, which faster-whisper already
needs, is the fallback for containers libsndfile cannot open (m4a, webm, ...).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import soundfile as sf

ASR_SAMPLE_RATE = 16_000


class AudioError(Exception):
    """Audio that cannot be used, with a message saying what to do."""


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Return (samples as float32 [frames, channels], sample rate)."""
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, expected an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes), so it holds no answer. Record the answer again.")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as sf_error:
        try:
            data, rate = _read_with_av(path)
        except Exception as av_error:  # PyAV raises many types; the message is what matters
            raise AudioError(
                f"{path}: not a readable audio file ({sf_error}; {av_error}). "
                "Use WAV, FLAC, OGG or MP3."
            ) from av_error
    return data, int(rate)


def _read_with_av(path: Path) -> tuple[np.ndarray, int]:
    import av

    with av.open(str(path)) as container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise ValueError("no audio stream")
        rate = stream.rate or ASR_SAMPLE_RATE
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = [
            frame.to_ndarray().reshape(-1)
            for packet_frame in container.decode(stream)
            for frame in resampler.resample(packet_frame)
        ]
    if not chunks:
        raise ValueError("no audio frames")
    return np.concatenate(chunks).astype(np.float32)[:, None], int(rate)


def to_asr_input(data: np.ndarray, rate: int) -> np.ndarray:
    """Mix down to mono and resample to 16 kHz float32 in [-1, 1]."""
    mono = data.mean(axis=1) if data.ndim == 2 else data
    if rate != ASR_SAMPLE_RATE:
        from scipy.signal import resample_poly

        ratio = Fraction(ASR_SAMPLE_RATE, rate).limit_denominator(1000)
        mono = resample_poly(mono, ratio.numerator, ratio.denominator)
    return np.clip(mono, -1.0, 1.0).astype(np.float32)


def load_for_asr(path: Path, *, min_seconds: float = 0.1) -> np.ndarray:
    """Read an answer file ready for transcription; empty audio is an error, not an empty answer."""
    data, rate = read_audio(path)
    if data.shape[0] < int(min_seconds * rate):
        raise AudioError(f"{path}: the audio is empty ({data.shape[0] / max(rate, 1):.2f} s). Record the answer again.")
    return to_asr_input(data, rate)


def peak_level(samples: np.ndarray) -> float:
    return float(np.max(np.abs(samples))) if samples.size else 0.0
