"""Record from the microphone straight to disk, so an answer is never lost.

The PortAudio callback only copies each block into a queue; a writer thread appends it to a
raw PCM `.part` file (written every block, fsync'd every second) and feeds the listeners
(level meter, silence detector, streaming transcriber). A crash or `kill -9` loses at most
the last second; `recover_partial_recordings` turns left-over `.part` files into audio files.
A new recording never appends to a part file an interrupted one left at its path: that audio is
first finished into its own file (`recover_leftover`).
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.devices import AudioDeviceError, resolve_device, sounddevice

PART_SUFFIX = ".part.pcm"
META_SUFFIX = ".part.json"
BLOCK_SECONDS = 0.1
FSYNC_SECONDS = 1.0
FALLBACK_RATES = (48000, 44100, 32000, 22050, 16000)
# The writer appends a block every BLOCK_SECONDS; a part file untouched for longer than this
# belongs to no running recorder, even if its process id has been reused since.
LIVE_SECONDS = 5.0

Listener = Callable[[np.ndarray, int], None]
"""Called from the writer thread with each mono float32 block and the sample rate."""


class RecordingInUse(AudioDeviceError):
    """Another running recorder writes the part file this one would use."""


@dataclass(frozen=True)
class Recording:
    path: Path
    samplerate: int
    channels: int
    duration: float
    metadata: dict


@dataclass(frozen=True)
class Leftover:
    """What became of audio an interrupted recording left behind."""

    path: Path  # its own audio file; or, when the raw data could not be decoded, that data moved aside
    duration: float | None  # None for raw data kept as is
    started_at: float  # epoch seconds


class Recorder:
    def __init__(
        self,
        part_path: Path,
        *,
        device: str | int | None = None,
        channels: int = 1,
        samplerate: int | None = None,
        listeners: Sequence[Listener] = (),
        metadata: dict | None = None,
        audio_format: str = "flac",
    ) -> None:
        self.part_path = part_path.with_name(part_path.name.removesuffix(PART_SUFFIX) + PART_SUFFIX)
        self.device = device
        self.channels = channels
        self.samplerate = samplerate
        self.listeners = list(listeners)
        self.metadata = dict(metadata or {})
        self.audio_format = audio_format
        self.frames = 0
        self.leftover: Leftover | None = None
        self.level = 0.0  # RMS of the last block, 0..1
        self.error: BaseException | None = None
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue()
        self._stream = None
        self._writer: threading.Thread | None = None

    @property
    def elapsed(self) -> float:
        return self.frames / self.samplerate if self.samplerate else 0.0

    def start(self) -> None:
        # Audio a killed run left at this path is finished into its own file first: appending
        # to it silently prepended the old answer to the new one.
        self.leftover = recover_leftover(self.part_path)
        sd = sounddevice()
        info = resolve_device(self.device, "input")
        self.channels = min(self.channels, info.max_input_channels)
        rates = [r for r in (self.samplerate, int(info.default_samplerate), *FALLBACK_RATES) if r]
        last_error: Exception | None = None
        for rate in dict.fromkeys(rates):
            try:
                self._stream = sd.InputStream(device=info.index, channels=self.channels, samplerate=rate,
                                              dtype="int16", blocksize=int(rate * BLOCK_SECONDS), callback=self._on_audio)
                self.samplerate = rate
                break
            except sd.PortAudioError as exc:
                last_error = exc
        if self._stream is None:
            raise AudioDeviceError(
                f"could not open {info.name!r} for recording ({last_error}). It may be busy in another program, "
                "or refuse every sample rate tried; close other recording apps or pick another device with --device."
            )
        self.part_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {**self.metadata, "samplerate": self.samplerate, "channels": self.channels, "device": info.name,
                "started_at": time.time(), "format": self.audio_format, "pid": os.getpid()}
        _meta_path(self.part_path).write_text(json.dumps(meta))
        self.part_path.open("xb").close()  # FileExistsError rather than ever appending to old audio
        self._writer = threading.Thread(target=self._write_loop, name="viva-recorder", daemon=True)
        self._writer.start()
        self._stream.start()

    def _on_audio(self, indata, frames, time_info, status) -> None:  # PortAudio thread: copy and go
        self._queue.put(indata.copy())

    def _write_loop(self) -> None:
        last_sync = time.monotonic()
        with open(self.part_path, "ab", buffering=0) as handle:
            while True:
                block = self._queue.get()
                if block is None:
                    break
                handle.write(block.tobytes())
                self.frames += len(block)
                if time.monotonic() - last_sync >= FSYNC_SECONDS:
                    os.fsync(handle.fileno())
                    last_sync = time.monotonic()
                mono = block.astype(np.float32).mean(axis=1) / 32768.0
                self.level = float(np.sqrt(np.mean(mono**2))) if mono.size else 0.0
                for listener in self.listeners:
                    try:
                        listener(mono, self.samplerate)
                    except Exception as exc:  # a failing listener must not stop the recording
                        self.error = exc
            os.fsync(handle.fileno())

    def stop(self) -> Recording:
        """Stop capturing, flush everything, and turn the part file into the final audio file."""
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            finally:
                self._stream = None
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        return finalize_part(self.part_path)


def _meta_path(part: Path) -> Path:
    return part.with_name(part.name.removesuffix(PART_SUFFIX) + META_SUFFIX)


def finalize_part(part: Path) -> Recording:
    """Convert a raw `.part` recording (complete or cut short by a crash) into FLAC or WAV."""
    meta = json.loads(_meta_path(part).read_text())
    rate, channels = int(meta["samplerate"]), int(meta["channels"])
    last_write = part.stat().st_mtime
    data = part.read_bytes()
    frame_bytes = 2 * channels
    data = data[: len(data) - len(data) % frame_bytes]  # a kill can tear the last frame
    raw = np.frombuffer(data, dtype=np.int16).reshape(-1, channels)
    if not isinstance(meta.get("started_at"), (int, float)):
        # Older metadata has no start time: the last write was its end, so it began one duration earlier.
        meta["started_at"] = last_write - len(raw) / rate
    suffix = ".wav" if meta.get("format") == "wav" else ".flac"
    final = part.with_name(part.name.removesuffix(PART_SUFFIX) + suffix)
    tmp = final.with_name(f".{final.name}.tmp")
    sf.write(str(tmp), raw, rate, format=suffix[1:].upper(), subtype="PCM_16")
    os.replace(tmp, final)
    # The metadata stays beside the audio until the attempt is saved (see `release`), so a crash
    # between here and the database still leaves a recoverable answer.
    _write_json(sidecar_meta(final), meta)
    _meta_path(part).unlink(missing_ok=True)
    part.unlink()
    return Recording(final, rate, channels, len(raw) / rate, meta)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def _read_meta(part: Path) -> dict:
    """The part file's metadata; {} when it is missing or unreadable (the audio is still kept)."""
    try:
        meta = json.loads(_meta_path(part).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def recording_in_progress(part: Path, meta: dict | None = None) -> bool:
    """True while a running recorder is still writing `part` (its process is alive and writes)."""
    meta = _read_meta(part) if meta is None else meta
    try:
        fresh = time.time() - part.stat().st_mtime < LIVE_SECONDS
    except OSError:
        return False
    return fresh and _pid_alive(meta.get("pid"))


def recover_leftover(part: Path) -> Leftover | None:
    """Finish the audio an interrupted recording left at `part` into its own file beside it,
    `NAME.interrupted-YYYYmmdd-HHMMSS.flac`, so that a new recording at `part` starts empty.

    None when there is no leftover (or it holds no audio). Raw data whose metadata is lost is moved
    aside as `NAME.interrupted-....pcm` rather than deleted. Raises RecordingInUse when a running
    recorder is writing `part`.
    """
    if not part.exists():
        return None
    meta = _read_meta(part)
    if recording_in_progress(part, meta):
        raise RecordingInUse(f"{part} is being recorded right now by another Viva (process {meta.get('pid')}); "
                             "wait for it to finish, or record to another file")
    base = part.name.removesuffix(PART_SUFFIX)
    size, last_write = part.stat().st_size, part.stat().st_mtime
    if size == 0:  # killed before the first block arrived: nothing was recorded
        part.unlink()
        _meta_path(part).unlink(missing_ok=True)
        return None
    try:
        seconds = size / (2 * int(meta["channels"]) * int(meta["samplerate"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        seconds = None
    started = meta.get("started_at")
    if not isinstance(started, (int, float)):
        started = last_write - (seconds or 0.0)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    stem, counter = f"{base}.interrupted-{stamp}", 1
    while any(part.with_name(stem + s).exists() for s in (PART_SUFFIX, ".pcm", ".flac", ".wav")):
        counter += 1
        stem = f"{base}.interrupted-{stamp}-{counter}"
    if seconds is None:
        raw = part.with_name(f"{stem}.pcm")
        os.replace(part, raw)
        return Leftover(raw, None, started)
    moved = part.with_name(stem + PART_SUFFIX)
    # New metadata first, then the audio: a crash in between leaves both metadata files, never
    # audio whose sample rate is forgotten.
    _write_json(_meta_path(moved), {**meta, "started_at": started})
    os.replace(part, moved)
    _meta_path(part).unlink(missing_ok=True)
    try:
        recording = finalize_part(moved)
    except (OSError, ValueError, KeyError, RuntimeError):
        return Leftover(moved, None, started)  # left as raw data for a person to look at
    release(recording)  # no attempt waits on it: it is a file of its own now
    return Leftover(recording.path, recording.duration, started)


def sidecar_meta(audio: Path) -> Path:
    return audio.with_name(audio.stem + ".meta.json")


def release(recording: Recording) -> None:
    """The recording is safely stored elsewhere: forget its recovery metadata."""
    sidecar_meta(recording.path).unlink(missing_ok=True)


def recover_partial_recordings(directory: Path) -> list[Recording]:
    """Recordings a crash or kill left behind, finished into audio files (oldest first).

    Covers both raw `.part` files (killed mid-answer) and finished files whose attempt was
    never saved (killed while transcribing).
    """
    for part in sorted(directory.glob(f"*{PART_SUFFIX}")):
        if recording_in_progress(part):
            continue  # another Viva is recording this answer right now
        if _meta_path(part).exists():
            try:
                finalize_part(part)
            except (OSError, ValueError, KeyError):
                continue  # leave it for a person to look at rather than delete audio
    recovered = []
    for meta_file in sorted(directory.glob("*.meta.json")):
        stem = meta_file.name.removesuffix(".meta.json")
        audio = next((p for p in (directory / f"{stem}.flac", directory / f"{stem}.wav") if p.exists()), None)
        if audio is None:
            continue
        meta = json.loads(meta_file.read_text())
        info = sf.info(str(audio))
        recovered.append(Recording(audio, info.samplerate, info.channels, info.duration, meta))
    return recovered
