"""A real audio device for tests, without a microphone: a PulseAudio null sink.

Whatever is played into the sink comes back on its monitor, which is the default source, so
sounddevice recording from ALSA's `pulse` device hears what `paplay` or Viva's player plays.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SINK = "viva_test"
DEVICE = "pulse"  # ALSA's PulseAudio plugin (libasound2-plugins)


class PulseUnavailable(RuntimeError):
    pass


def start_pulse(runtime_dir: Path) -> dict[str, str]:
    """Start a private PulseAudio daemon with a null sink; returns the environment to use it."""
    if shutil.which("pulseaudio") is None or shutil.which("pactl") is None:
        raise PulseUnavailable("pulseaudio/pactl not installed (scripts/setup.sh installs them)")
    runtime_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}
    env.pop("PULSE_SERVER", None)
    subprocess.run(["pulseaudio", "--start", "--exit-idle-time=-1", "--disallow-exit"], env=env,
                   capture_output=True, timeout=30)
    deadline = time.monotonic() + 10
    while subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise PulseUnavailable("pulseaudio did not start (pactl info fails)")
        time.sleep(0.2)
    subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={SINK}"], env=env, capture_output=True)
    for command in (["pactl", "set-default-sink", SINK], ["pactl", "set-default-source", f"{SINK}.monitor"]):
        subprocess.run(command, env=env, capture_output=True, check=True)
    return env


def stop_pulse(env: dict[str, str]) -> None:
    subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)


def play(path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(["paplay", str(path)], env=env)
