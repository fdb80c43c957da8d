"""Play audio through the output device; stoppable from another thread."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from assistant.audio.devices import AudioDeviceError, resolve_device, sounddevice
from assistant.audio.files import AudioError, read_audio


class Player:
    """Plays one sound at a time; `stop()` interrupts it at once."""

    def __init__(self, device: str | int | None = None) -> None:
        self.device = device
        self._stop = threading.Event()
        self._done = threading.Event()
        self._done.set()
        self.position = 0.0  # seconds played of the current sound

    @property
    def playing(self) -> bool:
        return not self._done.is_set()

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def play(self, samples: np.ndarray, rate: int, *, block: bool = True) -> None:
        """Play mono or [frames, channels] float32 samples; returns at the end unless block=False."""
        sd = sounddevice()
        info = resolve_device(self.device, "output")
        data = samples if samples.ndim == 2 else samples[:, None]
        self._stop.clear()
        self._done.clear()
        self.position = 0.0
        cursor = 0

        def callback(outdata, frames, time_info, status) -> None:
            nonlocal cursor
            chunk = data[cursor : cursor + frames]
            outdata[: len(chunk)] = chunk
            outdata[len(chunk) :] = 0
            cursor += len(chunk)
            self.position = cursor / rate
            if len(chunk) < frames or self._stop.is_set():
                raise sd.CallbackStop

        try:
            stream = sd.OutputStream(device=info.index, samplerate=rate, channels=data.shape[1], dtype="float32",
                                     callback=callback, finished_callback=self._done.set)
        except sd.PortAudioError as exc:
            self._done.set()
            raise AudioDeviceError(f"could not open {info.name!r} for playback ({exc}); pick another device.") from exc
        stream.start()
        if not block:
            threading.Thread(target=self._close_when_done, args=(stream,), daemon=True).start()
            return
        self._close_when_done(stream)

    def _close_when_done(self, stream) -> None:
        self._done.wait()
        stream.close()

    def play_file(self, path: Path, *, block: bool = True) -> float:
        """Play an audio file; returns its duration. Missing or corrupt files raise AudioError."""
        data, rate = read_audio(path)
        if data.shape[0] == 0:
            raise AudioError(f"{path}: the audio file is empty")
        self.play(data, rate, block=block)
        return data.shape[0] / rate
