"""One attempt end to end, without UI: audio (a file, or the microphone) -> transcript ->
score -> saved attempt; plus recovery of answers a crash interrupted."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from assistant.audio.files import AudioError, load_for_asr
from assistant.audio.level import measure_loudness, silence_reason
from assistant.domain import Attempt, Critique, Question, Score, Transcript
from assistant.scoring.answer import grade_transcript
from assistant.scoring.delivery import delivery_metrics
from assistant.scoring.live_check import LiveChecker
from assistant.services import Services
from assistant.speech.asr import build_prompt
from assistant.speech.hallucination import made_up_reason
from assistant.speech.streaming import PartialCallback
from assistant.store.attempts import file_safe_id, now_iso

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heard:
    """What an answer file holds: its transcript, and why it holds no answer (None when it may)."""

    transcript: Transcript
    unheard: str | None = None


def hear_file(services: Services, audio_path: Path, question: Question | None = None) -> Heard:
    """Transcribe an answer file, unless it is silent; drop what Whisper made up over near-silence."""
    audio = load_for_asr(audio_path)
    loudness = measure_loudness(audio)
    silent = silence_reason(loudness)
    if silent is not None:
        # Whisper never runs (nor loads) on a silent file: it could only make text up.
        return Heard(Transcript("", (), loudness.duration, services.settings.asr_engine, "not run (silent audio)"),
                     silent)
    prompt = None
    if services.settings.prime_asr:
        keywords = question.rubric.keywords if question and question.rubric else ()
        prompt = build_prompt(question, keywords)
    transcript = services.transcriber.transcribe(audio, prompt=prompt)
    made_up = made_up_reason(transcript, loudness.voiced_seconds)
    if made_up is not None:
        return Heard(replace(transcript, text="", segments=()), made_up)
    return Heard(transcript)


def transcribe_file(services: Services, audio_path: Path, question: Question | None = None) -> Transcript:
    return hear_file(services, audio_path, question).transcript


def require_rubric(question: Question) -> None:
    """Refuse a question that cannot be graded before any audio is read or model loaded."""
    if question.rubric is None:
        raise ValueError(f"question {question.id!r} has no usable rubric, so its answers cannot be graded; "
                         "`viva bank validate` shows why")


def score_recording(services: Services, audio_path: Path, question: Question, *, save: bool = True) -> Attempt:
    require_rubric(question)
    heard = hear_file(services, audio_path, question)
    attempt = _attempt_from_transcript(services, question, heard.transcript, audio_path, unheard=heard.unheard)
    if save:
        attempt = services.store.save(attempt, source_audio=audio_path)
    return attempt


def add_critique(services: Services, attempt: Attempt, question: Question, *,
                 on_token: Callable[[str], None] | None = None, save: bool = True,
                 stop: threading.Event | None = None) -> Attempt:
    """Coaching and a follow-up from the LLM (checked against the rubric); stored when `save`.
    Setting `stop` ends the writing early (CritiqueCancelled); the attempt is left as it was."""
    from assistant.critique.models import ModelUnavailable

    try:
        critic = services.critic
    except ModelUnavailable as exc:  # a broken model setting must not cost the user their feedback
        from assistant.critique.check import rubric_critique

        fallback = rubric_critique(question, attempt.score)
        critique = Critique(fallback.coaching, fallback.improvement, fallback.follow_up, "rubric", "none", (str(exc),))
    else:
        critique = critic.critique(question, attempt.transcript, attempt.score, attempt.delivery, on_token, stop)
    if save and attempt.id is not None:
        return services.store.set_critique(attempt, critique)
    attempt.critique = critique
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


def _attempt_from_transcript(services: Services, question: Question, transcript: Transcript, audio: Path, *,
                             unheard: str | None = None, created_at: str | None = None,
                             confirmed: Mapping[str, float] | None = None) -> Attempt:
    if unheard is not None and question.rubric is not None:
        # Not a bad answer but no answer: reported like noise is (ungraded, with the reason).
        score = replace(services.scorer.empty_score(question.rubric), graded=False, reason=unheard)
        delivery = delivery_metrics(transcript, question.time_limit)
    else:
        score, delivery = grade_transcript(services.scorer, question, transcript)
        score = check_points(services, score, transcript.text, confirmed)
    return Attempt(question_id=question.id, created_at=created_at or now_iso(), audio_path=audio,
                   transcript=transcript, score=score, delivery=delivery, engine_versions=engine_versions(services))


def check_points(services: Services, score: Score, answer: str, confirmed: Mapping[str, float] | None = None) -> Score:
    """The second reading of every credited point (scoring/verify.py), when one is configured;
    `confirmed`: points already confirmed while the answer was spoken (scoring/live_check.py). A
    model that fails here costs the check, never the attempt: the score stays as embeddings gave it."""
    from assistant.critique.models import ModelUnavailable

    try:
        checker = services.point_checker
        return checker.check(score, answer, confirmed) if checker is not None else score
    except (ModelUnavailable, RuntimeError, ValueError, OSError) as exc:  # ValueError: prompt over the context
        logger.warning("point check skipped: %s", exc)
        return score


def live_checker(services: Services, question: Question) -> LiveChecker | None:
    """Reads credited points while the answer is spoken, when a point check is configured; a model
    setting that fails here is reported by the check after the stop (check_points), not now."""
    from assistant.critique.models import ModelUnavailable

    if question.rubric is None:
        return None
    try:
        checker = services.point_checker
    except (ModelUnavailable, RuntimeError, ValueError, OSError):
        return None
    return LiveChecker(checker, services.scorer, question) if checker is not None else None


def spoken_at(metadata: dict) -> str | None:
    """When a recording began (its metadata's `started_at`), as the attempt's date; None if unknown."""
    started = metadata.get("started_at")
    if not isinstance(started, (int, float)):
        return None
    return datetime.fromtimestamp(started).astimezone().isoformat(timespec="seconds")


def in_progress_dir(services: Services) -> Path:
    """Where answers are recorded until their attempt is saved (and recovered from after a crash)."""
    return services.settings.audio_dir / ".in-progress"


class AnswerSession:
    """Record one spoken answer: to disk as it is spoken, transcribed as it goes, stop on
    key / trailing silence / time limit, then score and save. Never loses the audio."""

    def __init__(self, services: Services, question: Question, *, device: str | int | None = None,
                 max_seconds: float | None = None, on_partial: PartialCallback | None = None,
                 follow_up: str | None = None, warm_critique: bool = False) -> None:
        from assistant.audio.recorder import Recorder
        from assistant.audio.vad import SilenceDetector
        from assistant.speech.streaming import StreamingTranscriber

        # Before anything is recorded: an answer that cannot be graded or stored would be work thrown away.
        require_rubric(question)
        services.store.ensure_writable()
        settings = services.settings
        self.services = services
        self.question = replace(question, prompt=follow_up) if follow_up else question
        self.follow_up = follow_up
        self.max_seconds = max_seconds or question.time_limit
        self.silence = SilenceDetector(settings.trailing_silence)
        keywords = question.rubric.keywords if question.rubric else ()
        prompt = build_prompt(self.question, keywords) if settings.prime_asr else None
        self.live_check = live_checker(services, self.question)
        self.stream = StreamingTranscriber(services.transcriber, prompt, on_partial=self._partial(on_partial))
        stamp = now_iso().replace(":", "").replace("-", "")[:15]
        self.recorder = Recorder(
            in_progress_dir(services) / f"{stamp}-{file_safe_id(question.id)}",
            device=device if device is not None else settings.input_device,
            listeners=[self.silence, self.stream],
            metadata={"question_id": question.id},
            audio_format=settings.record_format,
        )
        self.stop_requested = threading.Event()
        self.warm_critique = warm_critique  # a critique follows: read its prompt's rubric part while the user speaks
        self._answer_over = threading.Event()

    def _partial(self, on_partial: PartialCallback | None) -> PartialCallback | None:
        if self.live_check is None:
            return on_partial
        live = self.live_check

        def both(text: str) -> None:
            live.update(text)
            if on_partial is not None:
                on_partial(text)
        return both

    def start(self) -> None:
        self.recorder.start()
        if self.warm_critique and self.question.rubric is not None:
            threading.Thread(target=self._prepare_critique, name="viva-critique-prep", daemon=True).start()
        if self.live_check is not None:
            self.live_check.start()  # embeds the rubric first, as below
        elif self.question.rubric is not None:
            # Cold scoring (embedding model + rubric phrasings) takes seconds; do it while the
            # user speaks so the result is ready moments after they stop.
            threading.Thread(target=self.services.scorer.prepare, args=(self.question.rubric,),
                             name="viva-score-prep", daemon=True).start()

    def _prepare_critique(self) -> None:
        from assistant.critique.models import ModelUnavailable

        try:
            critic = self.services.critic
        except (ModelUnavailable, OSError, ValueError) as exc:  # the critique itself reports it, with the fix
            logger.info("critique not prepared: %s", exc)
            return
        critic.warm_up(self.question, self._answer_over)

    @property
    def level(self) -> float:
        return self.recorder.level

    @property
    def elapsed(self) -> float:
        return self.recorder.elapsed

    def request_stop(self) -> None:
        self.stop_requested.set()

    def wait(self, poll: float = 0.05) -> str:
        """Block until the answer ends; returns why: key, silence or time-limit."""
        while True:
            if self.stop_requested.is_set():
                return "key"
            if self.silence.triggered.is_set():
                return "silence"
            if self.recorder.elapsed >= self.max_seconds:
                return "time-limit"
            time.sleep(poll)

    def finish(self) -> Attempt:
        from assistant.audio.recorder import release

        recording = self.recorder.stop()
        self._answer_over.set()  # the critique's preparation yields the model to the point check
        transcript = self.stream.finish()
        # The silence detector has counted the time the voice was above the speech floor.
        unheard = made_up_reason(transcript, self.silence.speech_seconds)
        if unheard is not None:
            transcript = replace(transcript, text="", segments=())
        confirmed = self.live_check.stop(transcript.text) if self.live_check is not None else None
        attempt = _attempt_from_transcript(self.services, self.question, transcript, recording.path,
                                           unheard=unheard, confirmed=confirmed)
        attempt.follow_up = self.follow_up
        attempt = self.services.store.save(attempt, source_audio=recording.path, move=True)
        release(recording)
        return attempt


def recover_unsaved_attempts(services: Services) -> list[Attempt]:
    """Turn recordings left by a crash, kill or power cut into saved attempts (marked recovered)."""
    from assistant.audio.recorder import recover_partial_recordings, release

    attempts = []
    for recording in recover_partial_recordings(in_progress_dir(services)):
        services.store.ensure_writable(kept=recording.path)  # before transcribing it
        question_id = recording.metadata.get("question_id", "")
        # Dated when it was spoken, not when it was recovered (the schedule counts days).
        created_at = spoken_at(recording.metadata) or now_iso()
        try:
            question = services.bank.get(question_id)
            require_rubric(question)
            heard = hear_file(services, recording.path, question)
            attempt = _attempt_from_transcript(services, question, heard.transcript, recording.path,
                                               unheard=heard.unheard, created_at=created_at)
        except (KeyError, AudioError, ValueError):
            # Unknown question or unusable audio: keep the file, store an ungraded attempt.
            transcript = Transcript("", (), recording.duration, "none", "none")
            attempt = Attempt(question_id or "unknown", created_at, recording.path, transcript,
                              Score(0.0, (), (), graded=False, reason="recovered recording could not be graded"),
                              None, engine_versions(services))
        attempt.recovered = True
        attempts.append(services.store.save(attempt, source_audio=recording.path, move=True))
        release(recording)
    # Answers kept on disk by a save the database refused (full disk, read-only or damaged file).
    attempts += services.store.import_unsaved()
    return attempts
