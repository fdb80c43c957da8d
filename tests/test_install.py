"""Viva installed from its wheel, away from the source tree: the built-in bank comes from package
data, user data goes to the XDG (platformdirs) locations, and `viva bank stats` and
`viva score` work from a directory outside the repository.

The wheel is built offline with the dev venv's setuptools. The fresh venv gets only the wheel;
its dependencies (torch, the bundled models: gigabytes) are borrowed from the dev venv through a
.pth file, which adds that directory to sys.path without running its .pth files, so the dev
venv's editable install of this checkout stays out of the way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from assistant.speech.tts import write_speech
from tests.conftest import REPO

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "assistant", "question_bank", "rubrics")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed; returns its bin/ directory."""
    root = tmp_path_factory.mktemp("install")
    # Build from a copy, so the checkout gets no build/ or egg-info while others work in it.
    source = root / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")
    for name in SOURCES:
        path = REPO / name
        (shutil.copytree(path, source / name, ignore=ignore) if path.is_dir() else shutil.copy2(path, source / name))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(root / "dist"), str(source)])
    wheel = next((root / "dist").glob("viva-*.whl"))
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)])
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    (Path(site) / "dev_venv_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


@pytest.fixture()
def outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the repository, and an environment whose user directories
    (HOME, XDG_*) are in tmp and which sets no VIVA_* paths, so platformdirs decides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIVA_", "XDG_", "PYTHON"))}
    home = tmp_path / "home"
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    work = tmp_path / "work"
    work.mkdir(parents=True)
    return work, env


def test_the_installed_package_is_the_wheel_and_finds_its_bank(installed: Path, outside) -> None:
    work, env = outside
    code = ("import assistant, assistant.config as c; s = c.Settings(); "
            "print(assistant.__file__, c.running_from_checkout(), s.question_dir, s.audio_dir, s.database_path, sep='\\n')")
    lines = run([str(installed / "python"), "-c", code], cwd=work, env=env).stdout.splitlines()
    module, from_checkout, question_dir, audio_dir, database = lines
    assert str(installed.parent) in module and not module.startswith(str(REPO))
    assert from_checkout == "False"
    assert Path(question_dir).is_relative_to(installed.parent) and question_dir.endswith("_bundled/question_bank")
    data = Path(env["XDG_DATA_HOME"]) / "viva"
    assert Path(audio_dir) == data / "recordings" and Path(database) == data / "viva.sqlite3"


def test_bank_stats_validate_and_a_user_bank_outside_the_repository(installed: Path, outside) -> None:
    work, env = outside
    viva = str(installed / "viva")
    stats = json.loads(run([viva, "bank", "stats", "--json"], cwd=work, env=env).stdout)
    assert stats["questions"] >= 200 and stats["problems"] == 0 and stats["by_source"] == {"built-in": stats["questions"]}
    run([viva, "bank", "new", "--prompt", "How would you design a feature store for fraud models?",
         "--topic", "company-acme", "--phase", "4", "--point", "Online and offline stores share one definition",
         "--point", "Point-in-time joins prevent label leakage"], cwd=work, env=env)
    assert (Path(env["XDG_DATA_HOME"]) / "viva" / "banks" / "mine" / "questions" / "company_acme.yaml").is_file()
    assert "your banks: mine (1," in run([viva, "bank", "validate"], cwd=work, env=env).stdout


def test_score_from_outside_the_repository(installed: Path, outside, piper, real_services, tmp_path: Path) -> None:
    work, env = outside
    answer = real_services.bank.get("sl-bias-variance").model_answer
    wav = write_speech(piper, answer, work / "answer.wav", lead_silence=0.5)
    result = run([str(installed / "viva"), "score", str(wav), "-q", "sl-bias-variance", "--json"], cwd=work, env=env)
    report = json.loads(result.stdout)
    assert report["score"]["graded"] and report["score"]["overall"] >= 60, report["score"]
    data = Path(env["XDG_DATA_HOME"]) / "viva"
    assert (data / "viva.sqlite3").is_file()
    saved = list((data / "recordings").rglob("*.wav"))
    assert saved and saved[0].with_suffix(".json").is_file()
    assert not list(work.glob("recordings"))  # nothing lands in the working directory
