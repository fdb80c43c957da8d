"""A broken config file or VIVA_* variable: every command says where and how to fix it (exit 2),
as `viva doctor` does, and the app opens with it as a notice instead of crashing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app

runner = CliRunner()


def config(text: str) -> Path:
    path = Path(os.environ["VIVA_CONFIG"])  # tests/conftest.py points it into a temp dir
    path.write_text(text, encoding="utf-8")
    return path


def refused(*args: str) -> str:
    """Run a command that must refuse with a message, not a traceback; its stderr+stdout."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # not an uncaught exception
    assert "Traceback" not in result.output
    return result.output


def doctor_says() -> str:
    result = runner.invoke(app, ["doctor", "--quick", "--only", "config"])
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize("command", [["history"], ["today"], ["progress"], ["export", "-f", "json"], ["plan"],
                                     ["score", "missing.wav", "-q", "sl-bias-variance"]])
def test_a_toml_syntax_error_names_the_file_and_line(command: list[str]) -> None:
    path = config('tts_engine = "none"\nllm_engine = gpt\n')
    out = refused(*command)
    assert f"{path} line 2 is not valid TOML" in out and "`llm_engine = gpt`" in out
    assert f"fix: correct line 2 of {path}" in out and 'llm_engine = "none"' in out


def test_a_value_left_open_at_the_end_names_its_line() -> None:
    path = config('tts_engine = "none"\ndaily_size = [\n\n')
    out = refused("history")
    assert f"{path} line 2 is not valid TOML" in out and "`daily_size = [`" in out


def test_an_out_of_range_value_names_line_field_range_and_default() -> None:
    path = config('tts_engine = "none"\n\ndaily_size = 1000\n')
    for command in (["today"], ["history"]):
        out = refused(*command)
        assert f"{path} line 3: daily_size: Input should be less than or equal to 10 (got 1000), allowed: 3 to 10" in out
        assert f"fix: edit line 3 of {path}, or delete that line for the default (6)" in out


def test_a_value_not_in_the_choices_lists_them() -> None:
    config('llm_engine = "gpt"\n')
    out = refused("history")
    assert "line 1: llm_engine" in out and "allowed: 'auto', 'llama-cpp', 'transformers', 'openai', 'none'" in out


def test_an_environment_variable_that_does_not_parse_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIVA_TTS_RATE", "abc")
    out = refused("history")
    assert "environment variable VIVA_TTS_RATE: tts_rate: Input should be a valid number" in out
    assert "(got 'abc'), allowed: 0.5 to 2.0" in out and "unset VIVA_TTS_RATE" in out
    monkeypatch.setenv("VIVA_USER_BANK_DIRS", "not json")
    monkeypatch.delenv("VIVA_TTS_RATE")
    out = refused("today")
    assert "environment variable VIVA_USER_BANK_DIRS" in out and "JSON" in out


def test_every_command_prints_what_the_doctor_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    for broken in ('daily_size = 1000\n', 'llm_engine = gpt\n'):
        config(broken)
        out = refused("history")
        summary = out.split("error: ", 1)[1].split("\n", 1)[0]
        fix = out.split("fix: ", 1)[1].strip()
        doctor = " ".join(doctor_says().split())
        assert " ".join(summary.split()) in doctor and " ".join(fix.split()) in doctor


def test_the_environment_wins_so_its_variable_is_blamed_not_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    config("tts_rate = 1.5\n")
    monkeypatch.setenv("viva_tts_rate", "9")  # pydantic-settings matches names whatever their case
    out = refused("history")
    assert "environment variable viva_tts_rate: tts_rate" in out and "line 1" not in out


def test_the_good_values_are_kept_when_one_is_broken(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assistant.config import load_settings
    from assistant.config_errors import ConfigError, settings_despite

    monkeypatch.delenv("VIVA_DATA_DIR")
    config(f'data_dir = "{tmp_path}"\nllm_max_tokens = 200\ndaily_size = 1000\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    settings = settings_despite(caught.value)
    # Not the default data dir: the app must keep saving where the user's attempts are.
    assert (settings.data_dir, settings.llm_max_tokens, settings.daily_size) == (tmp_path, 200, 6)


async def test_the_app_opens_with_a_notice_instead_of_crashing() -> None:
    from assistant.ui.app import VivaApp

    path = config('tts_engine = "none"\ndaily_size = 1000\n')
    app = VivaApp(prepare_models=False, first_run=False)  # the real backend, on the broken settings
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "HomeScreen"
        notices = [n.message for n in app._notifications]
        assert any(f"{path} line 2: daily_size" in n and "fix:" in n for n in notices), notices
        assert app.services.settings.daily_size == 6 and app.services.settings.tts_engine == "none"
