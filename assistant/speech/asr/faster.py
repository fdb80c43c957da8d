"""faster-whisper (CTranslate2) engine: the default, fast on CPU with int8."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from assistant.domain import Segment, Transcript, Word
from assistant.speech.asr.base import finish_transcript
from assistant.speech.asr.models import bundled_ctranslate2_dir


class FasterWhisperTranscriber:
    engine = "faster-whisper"

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 0,
        beam_size: int = 5,
        vad_filter: bool = False,
        fallback: bool = True,
    ) -> None:
        self._model_path = Path(model) if model else bundled_ctranslate2_dir()
        self.model_name = "tiny.en (bundled)" if model is None else str(model)
        self._compute_type = compute_type
        self._threads = threads
        self._beam_size = beam_size
        self._vad_filter = vad_filter
        # Whisper re-decodes at rising temperatures when a result looks poor. On short streaming
        # chunks that cut mid-sentence this fired often and made a 6 s chunk take 20-30 s;
        # `streaming_variant()` turns it off (the final batch-quality check is the scorer's).
        self._temperatures = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) if fallback else (0.0,)
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (it is otherwise loaded on first use)."""
        with self._lock:
            if self._model is None:
                from faster_whisper import WhisperModel

                if not (self._model_path / "model.bin").is_file():
                    raise FileNotFoundError(
                        f"{self._model_path}: not a CTranslate2 Whisper model directory (no model.bin). "
                        "Set asr_model to a faster-whisper model directory, or leave it empty for the bundled tiny.en."
                    )
                self._model = WhisperModel(
                    str(self._model_path), device="cpu", compute_type=self._compute_type, cpu_threads=self._threads
                )

    def streaming_variant(self) -> FasterWhisperTranscriber:
        """The same loaded model, decoding each chunk once (no temperature fallback)."""
        self.load()
        twin = FasterWhisperTranscriber.__new__(FasterWhisperTranscriber)
        twin.__dict__.update(self.__dict__)
        twin._temperatures = (0.0,)
        return twin

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> Transcript:
        self.load()
        assert self._model is not None
        segments_iter, info = self._model.transcribe(
            audio,
            language="en",
            initial_prompt=prompt,
            word_timestamps=True,
            beam_size=self._beam_size,
            # Off by default: with Silero VAD on, tiny.en skipped whole sentences of synthesized
            # answers (tests/test_real_pipeline.py); silence is caught by the quality check instead.
            vad_filter=self._vad_filter,
            condition_on_previous_text=True,
            temperature=list(self._temperatures),
        )
        segments = tuple(
            Segment(
                text=s.text.strip(),
                start=float(s.start),
                end=float(s.end),
                avg_logprob=float(s.avg_logprob),
                no_speech_prob=float(s.no_speech_prob),
                words=tuple(
                    Word(w.word.strip(), float(w.start), float(w.end), float(w.probability)) for w in (s.words or [])
                ),
            )
            for s in segments_iter
        )
        return finish_transcript(segments, prompt, samples=len(audio), engine=self.engine, model=self.model_name,
                                 language=info.language)
