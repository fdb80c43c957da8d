"""One attempt end to end, without UI: audio file -> transcript -> score -> saved attempt."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from assistant.audio.files import load_for_asr
from assistant.domain import Attempt, Question, Transcript
from assistant.scoring.answer import grade_transcript
from assistant.services import Services
from assistant.speech.asr import build_prompt
from assistant.store.attempts import now_iso


def transcribe_file(services: Services, audio_path: Path, question: Question | None = None) -> Transcript:
    audio = load_for_asr(audio_path)
    prompt = None
    if services.settings.prime_asr:
        keywords = question.rubric.keywords if question and question.rubric else ()
        prompt = build_prompt(question, keywords)
    return services.transcriber.transcribe(audio, prompt=prompt)


def score_recording(services: Services, audio_path: Path, question: Question, *, save: bool = True) -> Attempt:
    transcript = transcribe_file(services, audio_path, question)
    score, delivery = grade_transcript(services.scorer, question, transcript)
    attempt = Attempt(
        question_id=question.id, created_at=now_iso(), audio_path=audio_path, transcript=transcript,
        score=score, delivery=delivery, engine_versions=engine_versions(services),
    )
    if save:
        attempt = services.store.save(attempt, source_audio=audio_path)
    return attempt


def engine_versions(services: Services) -> dict[str, str]:
    versions = {
        "asr": f"{services.transcriber.engine} {services.transcriber.model_name}",
        "embedding": services.embedder.name,
        "viva": _version("viva"),
    }
    for package in ("faster-whisper", "openai-whisper", "sentence-transformers"):
        versions[package] = _version(package)
    return versions


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"
