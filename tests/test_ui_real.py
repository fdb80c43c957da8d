"""The app on the real engines and a real (PulseAudio null-sink) audio device.

A synthesized answer is played into the sink while the app records from its monitor, the
way a microphone would hear it; the app must stop on silence, score and critique it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from assistant.backend import LocalBackend
from assistant.domain import PointStatus
from assistant.services import Services
from assistant.speech.tts import write_speech
from assistant.ui.app import VivaApp
from tests.audio_env import play
from tests.conftest import REPO
from tests.test_ui import until

pytestmark = [pytest.mark.slow, pytest.mark.audio]

ANSWER = ("Bias is the error from wrong, overly simple assumptions, so a high bias model underfits. "
          "Variance is how much the model changes with the training sample, so high variance means overfitting. "
          "More complex models lower bias but raise variance, so test error is U shaped.")


def app_services(real_services, tmp_path: Path) -> Services:
    """Real engines (already loaded for the session), settings for this test."""
    settings = real_services.settings.model_copy(update={
        "data_dir": tmp_path / "data", "recordings_dir": tmp_path / "recordings",
        "input_device": "pulse", "output_device": "pulse", "trailing_silence": 2.0,
    })
    services = Services(settings=settings)
    for engine in ("bank", "transcriber", "embedder"):
        services.__dict__[engine] = getattr(real_services, engine)
    return services


async def test_a_spoken_answer_is_recorded_stopped_on_silence_scored_and_critiqued(
        pulse, real_services, piper, tmp_path: Path) -> None:
    wav = write_speech(piper, ANSWER, tmp_path / "answer.wav")
    services = app_services(real_services, tmp_path)
    app = VivaApp(LocalBackend(services), today=lambda: date(2026, 11, 27), prepare_models=False,
                  start_with=["sl-bias-variance"], first_run=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "state", "") == "recording", timeout=60)
        player = play(wav, pulse)
        await until(pilot, lambda: app.screen.state in ("scoring", "results"), timeout=60)
        assert player.wait(5) == 0
        await until(pilot, lambda: app.screen.state == "results" and app.screen.attempt is not None, timeout=60)
        attempt = app.screen.attempt
        assert "bias" in attempt.transcript.text.lower() and attempt.score.graded
        statuses = {p.point_id: p.status for p in attempt.score.points}
        assert PointStatus.HIT in statuses.values()
        await until(pilot, lambda: app.screen.attempt.critique is not None, timeout=240)
        critique = app.screen.attempt.critique
        assert critique.coaching and critique.follow_up
        stored = services.store.get(attempt.id)
        assert stored.critique == critique and stored.audio_path is not None and stored.audio_path.exists()


def test_tmux_smoke_script_drives_the_real_app(pulse) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (scripts/setup.sh installs it)")
    env = {**os.environ, **pulse, "VIVA_INPUT_DEVICE": "pulse", "VIVA_OUTPUT_DEVICE": "pulse",
           "VIVA_TRAILING_SILENCE": "2"}
    result = subprocess.run(["bash", str(REPO / "scripts" / "tmux_smoke.sh")], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "first screen after" in result.stdout
    assert "ok: Saved as attempt" in result.stdout  # the null sink's monitor was the microphone
