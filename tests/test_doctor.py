"""`viva doctor`: each check's verdict and fix line, with fake devices for the failures a test
machine cannot produce; plus real runs on the bundled models and a PulseAudio null sink."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from assistant import doctor
from assistant.audio.devices import AudioDeviceError, DeviceInfo
from assistant.cli import app
from assistant.config import Settings
from assistant.doctor import CHECK_IDS, DoctorContext, Status, exit_code, run_checks
from tests.test_user_bank import user_bank

MIC = DeviceInfo(0, "Fake USB Mic", "ALSA", 1, 0, 48000.0, True, False)
SPEAKER = DeviceInfo(1, "Fake Speakers", "ALSA", 0, 2, 44100.0, False, True)


class FakeProbe:
    def __init__(self, devices=(MIC, SPEAKER), samples=None, error: Exception | None = None) -> None:
        self._devices = devices
        self.samples = samples if samples is not None else 0.05 * np.sin(np.linspace(0, 400, 8000, dtype=np.float32))
        self.error = error
        self.recorded: list[tuple[str, float]] = []

    def devices(self) -> list[DeviceInfo]:
        if isinstance(self._devices, Exception):
            raise self._devices
        return list(self._devices)

    def record(self, device: DeviceInfo, seconds: float):
        self.recorded.append((device.name, seconds))
        if self.error is not None:
            raise self.error
        return self.samples, 16000


def check(ids, probe=None, **settings) -> dict[str, doctor.CheckResult]:
    ctx = DoctorContext(Settings(**settings), audio=probe or FakeProbe(), load_models=False)
    return {r.id: r for r in run_checks(ctx, ids)}


AUDIO = ["input-device", "input-level", "output-device"]


def test_working_devices_and_a_level_reading() -> None:
    probe = FakeProbe()
    results = check(AUDIO, probe)
    assert {r.status for r in results.values()} == {Status.OK}
    assert "Fake USB Mic" in results["input-device"].summary
    level = results["input-level"]
    assert "dBFS" in level.summary and -40 < level.data["rms_dbfs"] < -20
    assert probe.recorded == [("Fake USB Mic", 0.5)]  # a short test recording


def test_no_devices_fail_the_microphone_and_skip_the_level_test_with_a_fix() -> None:
    results = check(AUDIO, FakeProbe(devices=[]))
    mic, level, speakers = results["input-device"], results["input-level"], results["output-device"]
    assert mic.status is Status.FAIL and "no audio input device" in mic.summary and "connect a microphone" in mic.fix
    assert level.status is Status.WARN and "not run" in level.summary and level.fix
    assert speakers.status is Status.WARN and "shown, not spoken" in speakers.summary and "speakers" in speakers.fix
    assert exit_code(results.values()) == 1


def test_portaudio_missing_says_what_to_install() -> None:
    results = check(AUDIO, FakeProbe(devices=AudioDeviceError("PortAudio is not installed, so ...")))
    assert results["input-device"].status is Status.FAIL
    assert "libportaudio2" in results["input-device"].fix


def test_a_configured_device_that_is_not_there() -> None:
    result = check(["input-device"], input_device="Blue Yeti")["input-device"]
    assert result.status is Status.FAIL and "Blue Yeti" in result.summary
    assert "input_device" in result.fix and "viva devices" in result.fix


@pytest.mark.parametrize(
    "probe, status, words",
    [
        (FakeProbe(samples=np.zeros(8000, dtype=np.float32)), Status.WARN, "pure silence"),
        (FakeProbe(samples=np.full(8000, 1e-5, dtype=np.float32)), Status.WARN, "very quiet"),
        (FakeProbe(samples=np.zeros(0, dtype=np.float32)), Status.FAIL, "no audio"),
        (FakeProbe(error=AudioDeviceError("device busy")), Status.FAIL, "could not record"),
    ],
)
def test_level_test_problems(probe: FakeProbe, status: Status, words: str) -> None:
    result = check(["input-level"], probe)["input-level"]
    assert result.status is status and words in result.summary and result.fix


def test_config_file_errors_are_readable(isolated_user_dirs: Path) -> None:
    config = Path(os.environ["VIVA_CONFIG"])
    config.write_text('llm_engine = "gpt"\ntts_rate = 9\n')
    ctx = DoctorContext.from_environment(audio=FakeProbe(), load_models=False)
    result = run_checks(ctx, ["config"])[0]
    assert result.status is Status.FAIL
    assert "llm_engine: Input should be 'auto'" in result.summary and "(got 'gpt')" in result.summary
    assert "tts_rate: Input should be less than or equal to 2 (got 9)" in result.summary
    assert str(config) in result.fix
    # The other checks still run, on the environment's settings (this test's temp data dir).
    assert ctx.settings.data_dir == Path(os.environ["VIVA_DATA_DIR"])
    config.write_text("llm_engine = gpt\n")
    result = run_checks(DoctorContext.from_environment(audio=FakeProbe()), ["config"])[0]
    assert result.status is Status.FAIL and "not valid TOML" in result.summary and "line 1" in result.summary
    config.write_text('llm_engin = "none"\n')
    result = run_checks(DoctorContext.from_environment(audio=FakeProbe()), ["config"])[0]
    assert result.status is Status.WARN and "llm_engin" in result.summary and "llm_engin -> llm_engine" in result.fix


def test_database_healthy_then_damaged(tmp_path: Path) -> None:
    healthy = check(["database"], data_dir=tmp_path / "data")["database"]
    assert healthy.status is Status.OK and "integrity ok" in healthy.summary
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "viva.sqlite3").write_bytes(b"this is not a database, just bytes" * 200)
    damaged = check(["database"], data_dir=tmp_path / "bad")["database"]
    assert damaged.status is Status.FAIL and "damaged" in damaged.summary and "viva db recover" in damaged.fix


def test_free_disk_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    for free, status in ((50 * 2**30, Status.OK), (2**30, Status.WARN), (10 * 2**20, Status.FAIL)):
        monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path, free=free: shutil._ntuple_diskusage(free * 2, free, free))
        result = check(["disk"])["disk"]
        assert result.status is status, (free, result)
        assert "GB free" in result.summary


def test_bank_problems_in_a_user_bank_only_warn(tmp_path: Path) -> None:
    broken = user_bank(tmp_path, "acme", question="topic: [unclosed\n")
    result = check(["bank"], user_bank_dirs=[broken])["bank"]
    assert result.status is Status.WARN and "your banks" in result.summary and "viva bank validate" in result.fix
    good = check(["bank"], user_bank_dirs=[user_bank(tmp_path, "good")])["bank"]
    assert good.status is Status.OK and "yours: 1 in good" in good.summary
    empty = check(["bank"], question_dir=tmp_path / "none", rubric_dir=tmp_path / "none")["bank"]
    assert empty.status is Status.FAIL


def test_voice_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check(["tts"], tts_engine="none")["tts"].status is Status.OK
    from assistant.speech import tts

    def unavailable(*args, **kwargs):
        raise tts.TTSUnavailable("no text-to-speech engine: install piper-tts (pip) or espeak-ng (apt)")

    monkeypatch.setattr(tts, "make_synthesizer", unavailable)
    result = check(["tts"])["tts"]
    assert result.status is Status.WARN and "espeak-ng" in result.fix


def test_model_files_are_found_without_loading(tmp_path: Path) -> None:
    results = check(["asr-model", "embedding-model", "critique-model"])
    assert all(r.status is Status.OK and "not loaded" in r.summary for r in results.values()), results
    missing = check(["embedding-model", "asr-model"], embedding_model=str(tmp_path / "nope"), asr_model=str(tmp_path))
    assert missing["embedding-model"].status is Status.FAIL and "embedding_model" in missing["embedding-model"].fix
    assert missing["asr-model"].status is Status.FAIL and "no model.bin" in missing["asr-model"].summary
    off = check(["critique-model"], llm_engine="none")["critique-model"]
    assert off.status is Status.OK and "rubric" in off.summary
    server = check(["critique-model"], llm_engine="openai", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    assert server["critique-model"].status is Status.WARN and "cannot reach" in server["critique-model"].summary


def test_a_crashing_check_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(doctor, "CHECKS", (doctor.Check("disk", "Free disk", boom),))
    result = check(["disk"])["disk"]
    assert result.status is Status.FAIL and "ZeroDivisionError: oops" in result.summary


def test_cli_json_and_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    fine = runner.invoke(app, ["doctor", "--json", "--quick", "--only", "config", "--only", "bank", "--only", "database"])
    assert fine.exit_code == 0, fine.output
    report = json.loads(fine.output)
    assert report["ok"] is True and [c["id"] for c in report["checks"]] == ["config", "bank", "database"]
    assert set(report["checks"][0]) == {"id", "title", "status", "summary", "fix", "seconds", "data"}
    import assistant.audio.devices as devices

    monkeypatch.setattr(devices, "list_devices", lambda: [])
    broken = runner.invoke(app, ["doctor", "--only", "input-device", "--only", "input-level"])
    assert broken.exit_code == 1
    assert "FAIL  Microphone" in broken.output and "fix: connect a microphone" in broken.output
    unknown = runner.invoke(app, ["doctor", "--only", "gpu"])
    assert unknown.exit_code == 2 and "unknown checks ['gpu']" in unknown.output


@pytest.mark.slow
def test_real_run_loads_every_model_and_times_it(real_services, request, monkeypatch: pytest.MonkeyPatch) -> None:
    # PortAudio lists devices once per process: start the session's null sink (where it can
    # start) before this run lists them, or the audio tests after it would find no device.
    try:
        request.getfixturevalue("pulse")
    except pytest.skip.Exception:
        pass
    # Share the session's cache, so the critique model is assembled once for all slow tests.
    monkeypatch.setenv("VIVA_CACHE_DIR", str(real_services.settings.cache_dir))
    result = CliRunner().invoke(app, ["doctor", "--json"])
    report = json.loads(result.output)
    checks = {c["id"]: c for c in report["checks"]}
    assert list(checks) == list(CHECK_IDS)
    for model in ("asr-model", "embedding-model", "critique-model"):
        assert checks[model]["status"] == "ok", checks[model]
        assert checks[model]["seconds"] is not None and "loaded in" in checks[model]["summary"]
    assert checks["tts"]["status"] == "ok" and checks["tts"]["seconds"] > 0
    for needed in ("config", "bank", "database", "disk"):
        assert checks[needed]["status"] == "ok", checks[needed]
    # Devices depend on the machine; the exit code must follow the verdicts either way.
    failed = any(c["status"] == "fail" for c in checks.values())
    assert result.exit_code == (1 if failed else 0) and report["ok"] is (not failed)


@pytest.mark.slow
@pytest.mark.audio
def test_level_test_on_a_real_device_hears_what_is_played(pulse, piper, tmp_path: Path) -> None:
    from assistant.speech.tts import write_speech
    from tests.audio_env import DEVICE, play

    wav = write_speech(piper, "Testing the microphone level, one two three.", tmp_path / "level.wav")
    ctx = DoctorContext(Settings(input_device=DEVICE, output_device=DEVICE), load_models=False, level_seconds=1.5)
    player = play(wav, pulse)
    try:
        results = {r.id: r for r in run_checks(ctx, AUDIO)}
    finally:
        player.wait(10)
    assert results["input-device"].status is Status.OK and results["output-device"].status is Status.OK
    level = results["input-level"]
    assert level.status is Status.OK, level
    assert level.data["rms_dbfs"] > -60


def test_importing_the_checks_loads_no_model_library() -> None:
    import subprocess
    import sys

    from tests.conftest import REPO
    from tests.test_architecture import HEAVY

    code = f"import sys, assistant.doctor\nprint(','.join(m for m in {HEAVY!r} + ('numpy', 'sounddevice') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""
