"""Audio an interrupted recording left behind is finished into its own file and the user is told:
never prepended to a new recording (`viva record` after a kill), found by `viva practice` and
the app, and a recovered answer is dated when it was spoken."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from assistant.audio import recorder as recorder_module
from assistant.audio.devices import AudioDeviceError, DeviceInfo
from assistant.audio.leftovers import note_recording, notes_dir, recover_record_leftovers
from assistant.audio.recorder import PART_SUFFIX, RecordingInUse, recover_leftover, recover_partial_recordings
from assistant.cli import app

RATE = 16000
SPOKEN_AT = datetime(2026, 11, 27, 10, 10, 10).timestamp()


def write_part(directory: Path, name: str, seconds: float, meta: dict | None = None) -> Path:
    """What a killed recorder leaves: raw 16-bit PCM and its metadata (no pid: an old run)."""
    directory.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * RATE)) / RATE
    (directory / f"{name}{PART_SUFFIX}").write_bytes((0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16).tobytes())
    if meta is not None:
        (directory / f"{name}.part.json").write_text(json.dumps({"samplerate": RATE, "channels": 1, **meta}))
    return directory / f"{name}{PART_SUFFIX}"


class FakeStream:
    """A sounddevice InputStream delivering a steady tone five times faster than real time."""

    def __init__(self, *, device, channels, samplerate, dtype, blocksize, callback) -> None:
        self.blocksize, self.callback, self.channels = blocksize, callback, channels
        self.running = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        block = np.full((self.blocksize, self.channels), 8000, dtype=np.int16)
        while self.running.is_set():
            self.callback(block, self.blocksize, None, None)
            time.sleep(0.02)

    def start(self) -> None:
        self.running.set()
        self.thread.start()

    def stop(self) -> None:
        self.running.clear()
        self.thread.join()

    def close(self) -> None:
        pass


class FakeSoundDevice:
    InputStream = FakeStream

    class PortAudioError(Exception):
        pass


@pytest.fixture
def fake_microphone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "sounddevice", lambda: FakeSoundDevice)
    monkeypatch.setattr(recorder_module, "resolve_device",
                        lambda device, kind: DeviceInfo(0, "fake mic", "fake", 1, 0, RATE, True, False))


def in_progress() -> Path:
    from assistant.config import Settings

    return Settings().audio_dir / ".in-progress"


def test_record_after_a_killed_run_keeps_both_recordings_apart(tmp_path: Path, fake_microphone) -> None:
    write_part(tmp_path, "out", 9.0, {"started_at": SPOKEN_AT, "format": "flac"})  # the killed run's audio
    out = tmp_path / "out.flac"
    result = CliRunner().invoke(app, ["record", str(out), "--seconds", "2"])
    assert result.exit_code == 0, result.output
    assert 2.0 <= sf.info(str(out)).duration < 3.0  # the new recording alone (9 s more if mixed)
    old = tmp_path / "out.interrupted-20261127-101010.flac"
    assert sf.info(str(old)).duration == pytest.approx(9.0, abs=0.01)  # the old one whole, in its own file
    assert f"an earlier recording to {out} was interrupted; its 9.0 s are saved as {old}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.flac", "out.interrupted-20261127-101010.flac"]
    assert not list(notes_dir(in_progress()).glob("*.json"))  # a clean stop leaves no note behind


def test_a_killed_viva_record_is_found_by_practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import practice

    part = write_part(tmp_path, "answer", 4.0, {"started_at": SPOKEN_AT, "format": "wav"})
    note_recording(in_progress(), part)

    def no_microphone():
        raise AudioDeviceError("no audio input device found. Connect a microphone.")

    monkeypatch.setattr(recorder_module, "sounddevice", no_microphone)
    from tests.test_silence import NoASR, make_services

    svc = make_services(NoASR())
    monkeypatch.setattr(practice, "services", lambda engine=None: svc)
    result = CliRunner().invoke(app, ["practice", "--no-ui", "-q", "sl-gradient-descent", "--quiet", "--no-critique"])
    saved = tmp_path / "answer.interrupted-20261127-101010.wav"
    assert f"An interrupted recording (4.0 s) was saved as {saved}." in result.stdout
    assert sf.info(str(saved)).duration == pytest.approx(4.0, abs=0.01)
    assert result.exit_code == 2 and "Connect a microphone" in result.stderr  # and then it goes on as before
    assert recover_record_leftovers(in_progress()) == []  # told once


async def test_the_app_mentions_a_killed_viva_record(tmp_path: Path) -> None:
    from assistant.practice import in_progress_dir
    from tests.test_ui import make_app, until
    from tests.ui_fakes import FakeBackend

    class Backend(FakeBackend):
        def recover_recordings(self):
            return recover_record_leftovers(in_progress_dir(self.services))

    app_, backend = make_app(Backend())
    note_recording(in_progress_dir(backend.services), write_part(tmp_path, "take", 3.0, {"started_at": SPOKEN_AT}))
    async with app_.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: any("An interrupted recording (3.0 s) was saved as" in n.message
                                       for n in app_._notifications))
    assert (tmp_path / "take.interrupted-20261127-101010.flac").exists()


def test_a_part_being_recorded_by_another_process_is_left_alone(tmp_path: Path) -> None:
    part = write_part(tmp_path, "live", 1.0, {"pid": os.getpid(), "question_id": "q1"})  # written just now
    with pytest.raises(RecordingInUse, match="being recorded right now"):
        recover_leftover(part)
    note = note_recording(in_progress(), part)
    assert recover_record_leftovers(in_progress()) == [] and note.exists()
    assert recover_partial_recordings(tmp_path) == [] and part.exists()
    os.utime(part, (time.time() - 60, time.time() - 60))  # its writer stopped a minute ago: a leftover
    assert recover_leftover(part).duration == pytest.approx(1.0)


def test_leftover_without_metadata_is_moved_aside_raw_and_empty_ones_removed(tmp_path: Path) -> None:
    part = write_part(tmp_path, "bare", 1.0)  # metadata lost: rate unknown
    leftover = recover_leftover(part)
    assert leftover.duration is None and leftover.path.suffix == ".pcm" and leftover.path.stat().st_size == 2 * RATE
    assert not part.exists()
    empty = tmp_path / f"empty{PART_SUFFIX}"
    empty.write_bytes(b"")
    (tmp_path / "empty.part.json").write_text(json.dumps({"samplerate": RATE, "channels": 1}))
    assert recover_leftover(empty) is None and not list(tmp_path.glob("empty*"))


def test_a_second_leftover_from_the_same_second_gets_its_own_name(tmp_path: Path) -> None:
    first = recover_leftover(write_part(tmp_path, "out", 1.0, {"started_at": SPOKEN_AT}))
    second = recover_leftover(write_part(tmp_path, "out", 2.0, {"started_at": SPOKEN_AT}))
    assert first.path != second.path and first.path.exists() and sf.info(str(second.path)).duration == 2.0


def _recover_one(monkeypatch_meta: dict, tmp_path: Path, mtime: float | None = None):
    from assistant.practice import in_progress_dir, recover_unsaved_attempts
    from tests.fakes import FakeTranscriber, transcript_from_words
    from tests.test_silence import make_services

    svc = make_services(FakeTranscriber(transcript_from_words([("gradient", 0.1, 0.5), ("steps.", 0.5, 0.9)])))
    part = write_part(in_progress_dir(svc), "20261127T101010-sl-gradient-descent", 1.5,
                      {"question_id": "sl-gradient-descent", **monkeypatch_meta})
    if mtime is not None:
        os.utime(part, (mtime, mtime))
    [attempt] = recover_unsaved_attempts(svc)
    return svc, attempt


def test_a_recovered_answer_is_dated_when_it_was_spoken(tmp_path: Path) -> None:
    svc, attempt = _recover_one({"started_at": SPOKEN_AT}, tmp_path)
    expected = datetime.fromtimestamp(SPOKEN_AT).astimezone().isoformat(timespec="seconds")
    assert attempt.recovered and attempt.created_at == expected
    assert svc.store.get(attempt.id).created_at == expected


def test_without_a_start_time_the_part_file_gives_one(tmp_path: Path) -> None:
    # Older metadata has no started_at: the last write (mtime) minus the 1.5 s recorded.
    svc, attempt = _recover_one({}, tmp_path, mtime=SPOKEN_AT + 1.5)
    assert attempt.created_at == datetime.fromtimestamp(SPOKEN_AT).astimezone().isoformat(timespec="seconds")


@pytest.mark.slow
@pytest.mark.audio
def test_viva_record_killed_then_run_again_keeps_both_apart(pulse, tmp_path: Path) -> None:
    """The reported sequence for real: SIGKILL mid-recording, then a second `viva record` to the same file."""
    import signal
    import subprocess
    import sys

    env = {**os.environ, "XDG_RUNTIME_DIR": pulse["XDG_RUNTIME_DIR"]}
    out = tmp_path / "out.flac"
    command = [sys.executable, "-m", "assistant", "record", str(out), "--device", "pulse"]
    first = subprocess.Popen([*command, "--seconds", "20"], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = tmp_path / f"out{PART_SUFFIX}"
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size > 2 * 2 * 44100):  # over a second at any usual rate
        assert first.poll() is None and time.monotonic() < deadline, "the first recording did not start"
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed_seconds = part.stat().st_size / (2 * json.loads((tmp_path / "out.part.json").read_text())["samplerate"])
    second = subprocess.run([*command, "--seconds", "1"], env=env, capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert second.returncode == 0, second.stderr
    assert 0.9 <= sf.info(str(out)).duration < 2.0  # only the new second, not the killed run's audio too
    [old] = tmp_path.glob("out.interrupted-*.flac")
    assert sf.info(str(old)).duration == pytest.approx(killed_seconds, abs=0.01)
    assert f"saved as {old}" in second.stderr and not part.exists()
