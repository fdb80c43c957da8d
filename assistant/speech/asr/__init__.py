"""Speech recognition engines behind the `Transcriber` protocol."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.speech.asr.base import Transcriber, build_prompt

if TYPE_CHECKING:
    from assistant.config import Settings

__all__ = ["Transcriber", "build_prompt", "make_transcriber"]


def make_transcriber(settings: Settings, engine: str | None = None) -> Transcriber:
    """Build the configured engine; nothing heavy is imported or loaded until first use."""
    engine = engine or settings.asr_engine
    if engine == "faster-whisper":
        from assistant.speech.asr.faster import FasterWhisperTranscriber

        return FasterWhisperTranscriber(
            settings.asr_model, compute_type=settings.asr_compute_type, threads=settings.asr_threads
        )
    if engine == "openai-whisper":
        from assistant.speech.asr.models import converted_checkpoint_path, resolve_openai_checkpoint
        from assistant.speech.asr.openai_engine import OpenAIWhisperTranscriber

        checkpoint = resolve_openai_checkpoint(settings.asr_model, settings.cache_dir)
        if checkpoint == converted_checkpoint_path(settings.cache_dir) and not checkpoint.exists():
            _convert_bundled(checkpoint)
        return OpenAIWhisperTranscriber(checkpoint, model_name=settings.asr_model or "tiny.en (bundled, converted)",
                                        threads=settings.asr_threads)
    raise ValueError(f"unknown ASR engine {engine!r}; use faster-whisper or openai-whisper")


def _convert_bundled(checkpoint: Path) -> None:
    # Converting takes a few seconds and needs no network: do it on first use rather than
    # failing, so the openai-whisper engine works out of the box too.
    from assistant.speech.asr.convert import convert_ctranslate2_to_openai
    from assistant.speech.asr.models import bundled_ctranslate2_dir

    convert_ctranslate2_to_openai(bundled_ctranslate2_dir(), checkpoint)
