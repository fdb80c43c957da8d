"""Audio devices through sounddevice (PortAudio), with errors that say what to do."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType


class AudioDeviceError(RuntimeError):
    """No usable device, PortAudio missing, device busy, rate refused: with the fix."""


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float
    is_default_input: bool
    is_default_output: bool


def sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into a clear error."""
    try:
        import sounddevice as sd
    except OSError as exc:  # raised when libportaudio is not installed
        raise AudioDeviceError(
            "PortAudio is not installed, so Viva cannot use the microphone or speakers. "
            "Install it: sudo apt-get install libportaudio2 (or run scripts/setup.sh)."
        ) from exc
    return sd


def list_devices() -> list[DeviceInfo]:
    sd = sounddevice()
    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
        apis = sd.query_hostapis()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"could not list audio devices ({exc}); is a sound server running?") from exc
    return [
        DeviceInfo(
            index=i, name=d["name"], host_api=apis[d["hostapi"]]["name"],
            max_input_channels=d["max_input_channels"], max_output_channels=d["max_output_channels"],
            default_samplerate=d["default_samplerate"], is_default_input=i == default_in,
            is_default_output=i == default_out,
        )
        for i, d in enumerate(devices)
    ]


def resolve_device(device: str | int | None, kind: str, devices: list[DeviceInfo] | None = None) -> DeviceInfo:
    """Find an input or output device by index, exact name or name substring; None: the default.
    `devices` defaults to what PortAudio lists now."""
    devices = list_devices() if devices is None else devices
    wants_input = kind == "input"
    usable = [d for d in devices if (d.max_input_channels if wants_input else d.max_output_channels) > 0]
    if not usable:
        raise AudioDeviceError(
            f"no audio {kind} device found. Connect a {'microphone' if wants_input else 'speaker or headphones'}, "
            "check that PulseAudio/PipeWire is running, then `viva devices` lists what Viva sees."
        )
    if device is None or device == "":
        default = next((d for d in usable if (d.is_default_input if wants_input else d.is_default_output)), None)
        return default or usable[0]
    text = str(device)
    if text.isdigit():
        match = next((d for d in usable if d.index == int(text)), None)
    else:
        match = next((d for d in usable if d.name == text), None) or next(
            (d for d in usable if text.lower() in d.name.lower()), None
        )
    if match is None:
        names = "; ".join(f"{d.index}: {d.name}" for d in usable)
        raise AudioDeviceError(f"no {kind} device matches {device!r}. Available: {names}")
    return match
