"""A broken config file or VIVA_* variable, said the way a user can fix it.

One formatter for every caller: `viva doctor` shows it as a failed check, every other command
prints it and exits 2, the app opens with it as a notice. It names where the bad value came
from (the file and line, or the environment variable), the field, what is allowed, and the fix.
"""

from __future__ import annotations

import os
import re
import tomllib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import ActionableError

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

ENV_PREFIX = "VIVA_"


class ConfigError(ActionableError):
    """Settings could not be loaded; `fields` are the settings at fault (empty for a syntax error)."""

    def __init__(self, summary: str, fix: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(summary, fix)
        self.fields = fields


def describe_config_error(exc: BaseException, config_path: Path) -> ConfigError:
    """Turn what loading the settings raised into a ConfigError."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    if isinstance(exc, ConfigError):
        return exc
    if isinstance(exc, ValidationError):
        return _invalid_values(exc, config_path)
    if isinstance(exc, tomllib.TOMLDecodeError):
        return _bad_syntax(exc, config_path)
    if isinstance(exc, SettingsError):
        # pydantic-settings could not even parse a variable (a list that is not JSON, say).
        match = re.search(r'field "(\w+)"', str(exc))
        name = match.group(1) if match else ""
        variable = _env_variable(name) if name else None
        where = f"environment variable {variable}" if variable else str(config_path)
        return ConfigError(f"{where}: {name or 'a setting'}: cannot be parsed ({exc.__cause__ or exc}); a list must be "
                           f"written as JSON, e.g. {ENV_PREFIX}USER_BANK_DIRS='[\"/path/acme\"]'",
                           _fix(name, variable, config_path, None), (name,) if name else ())
    if isinstance(exc, OSError | UnicodeDecodeError):
        return ConfigError(f"{config_path} cannot be read: {exc}",
                           f"make {config_path} a readable UTF-8 TOML file, or remove it to use the defaults")
    return ConfigError(f"the settings could not be loaded: {type(exc).__name__}: {exc}",
                       f"check {config_path} and the VIVA_* environment variables (`viva doctor` checks them)")


def _invalid_values(exc: Any, config_path: Path) -> ConfigError:
    from assistant.config import Settings

    lines = _config_lines(config_path)
    problems, fixes, fields = [], [], []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        field = Settings.model_fields.get(name)
        variable = _env_variable(name)
        line = lines.get(name)
        if variable:
            where = f"environment variable {variable}"
        elif line:
            where = f"{config_path} line {line}"
        else:
            where = str(config_path)
        accepted = _allowed(field) if field is not None else ""
        allowed = f", allowed: {accepted}" if accepted else ""
        problems.append(f"{where}: {'.'.join(map(str, error['loc'])) or 'config'}: {error['msg']} "
                        f"(got {error['input']!r}){allowed}")
        fixes.append(_fix(name, variable, config_path, line))
        fields.append(name)
    return ConfigError("; ".join(problems), "; ".join(dict.fromkeys(fixes)), tuple(f for f in fields if f))


def _bad_syntax(exc: tomllib.TOMLDecodeError, config_path: Path) -> ConfigError:
    # Python 3.11's TOMLDecodeError has no lineno attribute; the message ends "(at line N, column M)".
    match = re.search(r"at line (\d+)", str(exc))
    line = int(match.group(1)) if match else None
    try:
        lines = config_path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    if line is None and "end of document" in str(exc):
        # Something left open (`daily_size = [`): the last line that says anything started it.
        line = next((n for n in range(len(lines), 0, -1) if lines[n - 1].strip()), None)
    text = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
    where = f"{config_path} line {line}" if line else str(config_path)
    shown = f": `{text}`" if text else ""
    return ConfigError(f"{where} is not valid TOML: {exc}{shown}",
                       f"correct line {line} of {config_path} (text values need quotes: llm_engine = \"none\"), "
                       f"or remove that line to use the default" if line else
                       f"correct the TOML syntax of {config_path}, or remove the file to use the defaults")


def _fix(name: str, variable: str | None, config_path: Path, line: int | None) -> str:
    from assistant.config import Settings

    field = Settings.model_fields.get(name)
    default = f" ({_default(field)})" if field is not None and _default(field) else ""
    if variable:
        return f"set {variable} to an allowed value, or unset it (unset {variable}) for the default{default}"
    if line:
        return f"edit line {line} of {config_path}, or delete that line for the default{default}"
    return f"correct {name or 'the value'} in {config_path}, or remove it for the default{default}"


def _env_variable(name: str) -> str | None:
    """The VIVA_* variable that sets `name`, if set: the environment wins over the file, so a
    bad value of a field set there came from there (the match ignores case, as pydantic-settings does)."""
    wanted = f"{ENV_PREFIX}{name}".lower()
    return next((key for key in os.environ if key.lower() == wanted), None)


def _config_lines(config_path: Path) -> dict[str, int]:
    """Each top-level key of the config file -> its line number (1-based)."""
    try:
        text = config_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def _allowed(field: FieldInfo) -> str:
    """What a field accepts, from its type and bounds: `3 to 10`, `'piper', 'espeak', 'none'`."""
    low = next((getattr(m, "ge", None) for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((getattr(m, "le", None) for m in field.metadata if getattr(m, "le", None) is not None), None)
    if low is not None and high is not None:
        return f"{low} to {high}"
    annotation = field.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(repr(v) for v in typing.get_args(annotation))
    names = {bool: "true or false", int: "a whole number", float: "a number"}
    return names.get(annotation, "")  # type: ignore[arg-type]


def _default(field: FieldInfo) -> str:
    from pydantic_core import PydanticUndefined

    if field.default is PydanticUndefined or field.default is None:
        return ""
    return repr(field.default)


def settings_despite(error: ConfigError):  # -> Settings
    """Settings to carry on with after `error` (the app and `viva doctor` must still open): the
    bad fields at their defaults and every good value kept, so data_dir and the rest still point
    where the user set them; after a syntax error, the environment alone; else the defaults."""
    from assistant.config import Settings

    if error.fields:
        defaults = {}
        for name in error.fields:
            field = Settings.model_fields.get(name)
            if field is not None:
                defaults[name] = field.get_default(call_default_factory=True)
        try:
            return Settings(**defaults)
        except Exception:  # noqa: BLE001 - more than those fields is broken: fall through
            pass

    class EnvironmentOnly(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,  # type: ignore[override]
                                       file_secret_settings):
            return (init_settings, env_settings)

    try:
        return EnvironmentOnly()
    except Exception:  # noqa: BLE001 - the environment is broken too: defaults, so Viva still opens
        return Settings.model_construct()
