"""What every doctor check shares: results, the context they run in, the sound probe."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from assistant.audio.devices import AudioDeviceError, DeviceInfo
from assistant.config import Settings, config_file, load_settings
from assistant.config_errors import ConfigError, describe_config_error, settings_despite

if TYPE_CHECKING:
    import numpy as np

    from assistant.services import Services

MIN_FREE_BYTES = 100 * 2**20  # below this, saving a recording or assembling a model fails
LOW_FREE_BYTES = 2 * 2**30  # the critique model alone takes 0.5-2 GB in the cache
QUIET_DBFS = -70.0  # a live microphone in a quiet room measures roughly -60 to -40 dBFS


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """What a check function returns; `run_check` names it."""

    status: Status
    summary: str
    fix: str = ""
    seconds: float | None = None  # load or synthesis time, where that is what the check measured
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    status: Status
    summary: str
    fix: str = ""
    seconds: float | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}


class AudioProbe(Protocol):
    """The sound system as the checks see it; tests pass a fake."""

    def devices(self) -> list[DeviceInfo]: ...

    def record(self, device: DeviceInfo, seconds: float) -> tuple[np.ndarray, int]:
        """Mono float32 samples and their rate."""
        ...


class SoundDeviceProbe:
    def devices(self) -> list[DeviceInfo]:
        from assistant.audio.devices import list_devices

        return list_devices()

    def record(self, device: DeviceInfo, seconds: float) -> tuple[np.ndarray, int]:
        from assistant.audio.devices import sounddevice

        sd = sounddevice()
        last: Exception | None = None
        # The device's own rate first; some refuse anything else, others only 16/48 kHz.
        for rate in dict.fromkeys((int(device.default_samplerate) or 48000, 48000, 16000)):
            try:
                frames = sd.rec(int(seconds * rate), samplerate=rate, channels=1, device=device.index,
                                dtype="float32", blocking=True)
                return frames[:, 0], rate
            except sd.PortAudioError as exc:
                last = exc
        raise AudioDeviceError(f"could not record from {device.name}: {last}")


@dataclass
class DoctorContext:
    settings: Settings
    config_error: str = ""
    """Why the config could not be loaded (the other checks then run on the good values and defaults)."""
    config_fix: str = ""
    audio: AudioProbe = field(default_factory=SoundDeviceProbe)
    load_models: bool = True
    """False: model checks only look for the files (fast); True: they load each model and time it."""
    level_seconds: float = 0.5
    services: Services | None = None
    _devices: list[DeviceInfo] | AudioDeviceError | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_environment(cls, **kwargs: Any) -> DoctorContext:
        """Settings as Viva would load them; a broken config is recorded, not raised."""
        try:
            return cls(load_settings(), **kwargs)
        except ConfigError as exc:
            return cls(settings_despite(exc), config_error=exc.summary, config_fix=exc.fix, **kwargs)

    def svc(self) -> Services:
        if self.services is None:
            from assistant.services import Services

            self.services = Services(settings=self.settings)
        return self.services

    def devices(self) -> list[DeviceInfo]:
        """Listed once per run; raises AudioDeviceError when the sound system is unusable."""
        if self._devices is None:
            try:
                self._devices = self.audio.devices()
            except AudioDeviceError as exc:
                self._devices = exc
        if isinstance(self._devices, AudioDeviceError):
            raise self._devices
        return self._devices


def readable_config_error(exc: BaseException) -> str:
    """One line per problem: `<file> line 2: llm_engine: Input should be 'auto', ... (got 'gpt')`."""
    return describe_config_error(exc, config_file()).summary


def _ok(summary: str, **kwargs: Any) -> Finding:
    return Finding(Status.OK, summary, **kwargs)


def _warn(summary: str, fix: str, **kwargs: Any) -> Finding:
    return Finding(Status.WARN, summary, fix, **kwargs)


def _fail(summary: str, fix: str, **kwargs: Any) -> Finding:
    return Finding(Status.FAIL, summary, fix, **kwargs)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return round(time.perf_counter() - start, 2)

