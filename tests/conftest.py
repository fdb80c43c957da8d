"""Shared fixtures. Real models load once per session; user data goes to a temp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real user's database, recordings or config."""
    home = tmp_path_factory.mktemp("viva-home")
    monkeypatch.setenv("VIVA_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("VIVA_RECORDINGS_DIR", str(home / "recordings"))
    monkeypatch.setenv("VIVA_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("VIVA_CONFIG", str(home / "config.toml"))
    # The point check re-reads answers with the 1.5B model (seconds each); the tests about it
    # turn it on (test_point_check_real.py), the rest test what they are about without it.
    monkeypatch.setenv("VIVA_POINT_CHECK", "off")
    return home


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("viva-cache")


@pytest.fixture(scope="session")
def real_services(tmp_path_factory: pytest.TempPathFactory):
    """Services on the bundled models (faster-whisper tiny.en, MiniLM); loaded once per session."""
    from assistant.config import Settings
    from assistant.services import Services

    home = tmp_path_factory.mktemp("real-services")
    settings = Settings(data_dir=home / "data", recordings_dir=home / "recordings", cache_dir=home / "cache",
                        point_check="off")  # session fixtures are made before the env above is set
    return Services(settings=settings)


@pytest.fixture(scope="session")
def piper():
    from assistant.speech.tts import PiperSynthesizer

    return PiperSynthesizer()


@pytest.fixture(scope="session")
def espeak():
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/setup.sh installs it)")
    from assistant.speech.tts import EspeakSynthesizer

    return EspeakSynthesizer()


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


def _rescan_portaudio() -> None:
    """PortAudio lists devices once, when first initialised: an earlier test (the settings
    screen lists devices) may have done that before this sound server existed."""
    import sys

    sd = sys.modules.get("sounddevice")
    if sd is not None:
        sd._terminate()
        sd._initialize()


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory):
    """A running PulseAudio null sink; skips (with the reason) where it cannot start."""
    from tests.audio_env import PulseUnavailable, start_pulse, stop_pulse

    try:
        env = start_pulse(Path(tempfile.mkdtemp(prefix="viva-pulse-")))
    except (PulseUnavailable, subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"no PulseAudio null sink: {exc}")
    previous = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = env["XDG_RUNTIME_DIR"]
    _rescan_portaudio()
    yield env
    stop_pulse(env)
    if previous is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = previous
