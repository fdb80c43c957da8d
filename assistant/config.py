"""Settings (TOML file + VIVA_* environment variables) and every path Viva uses.

Precedence, highest first: explicit arguments, environment (VIVA_ASR_ENGINE=...), the TOML
file (`viva config path` shows where), defaults.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "viva"
PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent


BUNDLED_BANK_DIR = PACKAGE_DIR / "_bundled"
"""Where a built wheel carries question_bank/ and rubrics/ (copied there by setup.py's build step)."""


def running_from_checkout() -> bool:
    """True when the package sits in a source tree (the bank beside it, a git checkout)."""
    return (CHECKOUT_DIR / "question_bank").is_dir() and (CHECKOUT_DIR / "pyproject.toml").is_file()


def _bank_root() -> Path:
    # The checkout's own top-level directories when run from source (edits show at once),
    # else the package data of an installed wheel.
    return CHECKOUT_DIR if running_from_checkout() else BUNDLED_BANK_DIR


def config_file() -> Path:
    override = os.environ.get("VIVA_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VIVA_", extra="ignore", validate_default=True, use_attribute_docstrings=True
    )

    data_dir: Path = Field(default_factory=_default_data_dir)
    """Where the database (viva.sqlite3) lives; recordings too when not in a checkout."""

    recordings_dir: Path | None = None
    """Where attempt audio is kept. Default: `recordings/` of the checkout, else data_dir/recordings."""

    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir(APP_NAME)))
    """Converted and assembled models (e.g. the openai-whisper checkpoint made by `viva models convert`)."""

    question_dir: Path = Field(default_factory=lambda: _bank_root() / "question_bank")
    """The built-in question bank (one YAML file per topic)."""

    rubric_dir: Path = Field(default_factory=lambda: _bank_root() / "rubrics")
    """Rubric points per question id, plus rubrics/templates/."""

    user_bank_dirs: list[Path] = Field(default_factory=list)
    """Your own question banks, each a directory with questions/ and rubrics/ in the built-in format;
    its name is the namespace of its ids (acme/feature-store). Every directory in data_dir/banks/
    is loaded too. Environment: VIVA_USER_BANK_DIRS='["/path/acme"]'."""

    asr_engine: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    """Speech recognition engine."""

    asr_model: str | None = None
    """faster-whisper: a CTranslate2 model directory. openai-whisper: a checkpoint path or a standard
    name (tiny.en, base, ...) already in ~/.cache/whisper. Empty: the bundled tiny.en."""

    asr_compute_type: str = "int8"
    """CTranslate2 compute type for faster-whisper (int8 is fastest on CPU)."""

    asr_threads: int = 0
    """CPU threads for speech recognition; 0 lets the engine decide."""

    prime_asr: bool = True
    """Prime recognition with the question and its rubric keywords (technical terms come out right)."""

    embedding_model: str | None = None
    """sentence-transformers model directory; empty: the bundled all-MiniLM-L6-v2."""

    scorer: Literal["embedding", "judge"] = "embedding"
    """embedding: cosine similarity between the point's phrasings and the answer's spans, blended with
    the share of the point's keywords in that span. judge (experimental, measured worse: see README):
    embeddings shortlist the spans and the bundled point judge decides (`viva models judge`)."""

    judge_model: str | None = None
    """Your own cross-encoder directory (a sequence classifier with labels not / partly / states) to
    judge points with; empty: the bundled judge."""

    hit_threshold: float = 0.50
    """Similarity at or above which a rubric point counts as hit (calibrated: see bench/calibrate.py)."""

    partial_threshold: float = 0.46
    """Similarity at or above which a rubric point counts as partially covered."""

    keyword_weight: float = 0.3
    """Share of a point's match that comes from the answer using the point's keywords (rest: embeddings)."""

    misconception_threshold: float = 0.80
    """Similarity at or above which a stated misconception is flagged."""

    input_device: str | None = None
    """Microphone: index or (part of) a name from `viva devices`; empty: the system default."""

    output_device: str | None = None
    """Speakers/headphones, as for input_device."""

    tts_engine: Literal["piper", "espeak", "none"] = "piper"
    """Voice that asks the questions (piper falls back to espeak-ng when missing); none: silent."""

    tts_voice: str | None = None
    """piper: path to a voice .onnx (default: bundled en_US-joe-medium); espeak: a voice name like en-gb."""

    tts_rate: float = Field(default=1.0, ge=0.5, le=2.0)
    """Speaking speed of the question voice (1.0 normal)."""

    trailing_silence: float = Field(default=4.0, ge=0.5, le=30.0)
    """Seconds of silence after speech that end an answer."""

    record_format: Literal["flac", "wav"] = "flac"
    """Format of saved recordings."""

    llm_engine: Literal["auto", "llama-cpp", "transformers", "openai", "none"] = "auto"
    """Critique engine: auto (llama-cpp when installed, else transformers; see bench/critique.py),
    llama-cpp (GGUF), transformers (int8 on CPU), an OpenAI-compatible local server (Ollama,
    llama.cpp server, vLLM), or none (rubric feedback only)."""

    llm_model: str | None = None
    """llama-cpp: a .gguf file; transformers: a model directory or .gguf; openai: the server's model
    name. Empty: the bundled model named by llm_bundled."""

    llm_bundled: Literal["qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"] = "qwen2.5-coder-1.5b"
    """Which bundled model to use when llm_model is empty: the 1.5B (1.1 GB; better critiques, and
    the point check needs it) or the 0.5B (490 MB; about twice as fast, no point check)."""

    point_check: Literal["auto", "on", "off"] = "auto"
    """Re-read every point the embeddings credited with the LLM and withdraw credit it does not
    confirm (a few seconds per answer). auto: on with the bundled 1.5B model under llama.cpp;
    on: with any llama.cpp model (set its thresholds); off: embeddings alone."""

    point_check_keep: float = Field(default=0.50, ge=0.0, le=1.0)
    """The model's probability of "yes, the answer states it" at or above which credit stands."""

    point_check_drop: float = Field(default=0.30, ge=0.0, le=1.0)
    """Below this probability the credit is withdrawn; between drop and keep it counts as partly."""

    point_check_unsure_floor: float = Field(default=0.60, ge=0.0, le=1.0)
    """An unsure reading (between drop and keep) counts as partly only when the embedding
    similarity of the point's span is at least this; below it the credit is withdrawn."""

    llm_base_url: str | None = None
    """OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (Ollama)."""

    llm_api_key: str | None = None
    """Sent as a bearer token to the server, if it wants one."""

    llm_max_tokens: int = Field(default=160, ge=32, le=1024)
    """Upper bound on the critique's length."""

    llm_threads: int = 0
    """CPU threads for the critique model; 0: all cores."""

    plan_start: date | None = None
    """First day of the 12-week plan (YYYY-MM-DD). Empty: the day of your first saved attempt (today
    before you have one), so the plan starts when you do."""

    daily_size: int = Field(default=6, ge=3, le=10)
    """Questions in a day's session (`viva today`); 5-7 is the recommended range."""

    mock_questions: int = Field(default=5, ge=3, le=10)
    """Main questions in a mock interview (each followed by a follow-up); one is always system design."""

    setup_done: bool = False
    """Set once the app's first-run walkthrough was finished or skipped (Settings can run it again)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file()))

    @property
    def database_path(self) -> Path:
        return self.data_dir / "viva.sqlite3"

    @property
    def notes_dir(self) -> Path:
        """The personal wiki: one Markdown file per question."""
        return self.data_dir / "notes"

    @property
    def audio_dir(self) -> Path:
        if self.recordings_dir is not None:
            return self.recordings_dir
        if running_from_checkout():
            return CHECKOUT_DIR / "recordings"
        return self.data_dir / "recordings"

    @property
    def banks_dir(self) -> Path:
        """Home of the user's own banks: `viva bank new/import` write here; each sub-directory loads."""
        return self.data_dir / "banks"

    @property
    def user_banks(self) -> list[Path]:
        """Every user bank to load: the sub-directories of banks_dir, then user_bank_dirs."""
        found = sorted(p for p in self.banks_dir.iterdir() if p.is_dir() and not p.name.startswith(".")) \
            if self.banks_dir.is_dir() else []
        seen: dict[Path, None] = {}
        for directory in (*found, *(d.expanduser() for d in self.user_bank_dirs)):
            seen.setdefault(directory.resolve(), None)
        return list(seen)


def load_settings(**overrides: object) -> Settings:
    """The settings; a bad config file or VIVA_* variable raises ConfigError, which says where and how to fix it."""
    from assistant.config_errors import describe_config_error

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic, pydantic-settings, TOML or OS errors: all described the same way
        raise describe_config_error(exc, config_file()) from exc


def save_settings(changes: dict[str, object]) -> Path:
    """Write `changes` into the config file, keeping the user's other keys and comments.

    Validated first, so a bad value raises pydantic's ValidationError and nothing is written.
    None removes the key (back to the default)."""
    import tomlkit

    from assistant.store.files import atomic_write_text

    path = config_file()
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = _toml_value(value)
    Settings.model_validate({**Settings().model_dump(), **document.unwrap()})
    atomic_write_text(path, tomlkit.dumps(document))
    return path


def _toml_value(value: object) -> object:
    """Paths (alone or in lists) as strings; TOML has no path type."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_toml_value(v) for v in value]
    return value
