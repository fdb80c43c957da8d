"""openai-whisper (PyTorch) engine, for users who have openai-format checkpoints.

Offline here it runs on the bundled tiny.en converted by `viva models convert`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from assistant.domain import Segment, Transcript, Word
from assistant.speech.asr.base import finish_transcript


def _missing_package() -> ImportError:
    return ImportError(
        "openai-whisper is not installed. Install it with: .venv/bin/pip install 'openai-whisper' -c constraints.txt"
    )


class OpenAIWhisperTranscriber:
    engine = "openai-whisper"

    def __init__(self, checkpoint: Path, *, model_name: str | None = None, threads: int = 0) -> None:
        self._checkpoint = checkpoint
        self.model_name = model_name or checkpoint.stem
        self._threads = threads
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            try:
                import whisper
            except ImportError as exc:
                raise _missing_package() from exc
            if not self._checkpoint.is_file():
                raise FileNotFoundError(
                    f"{self._checkpoint}: openai-whisper checkpoint not found. "
                    "Run `viva models convert` to make one from the bundled model, or set asr_model to a .pt file."
                )
            if self._threads:
                import torch

                torch.set_num_threads(self._threads)
            self._model = _load_checkpoint(self._checkpoint)

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None) -> Transcript:
        self.load()
        assert self._model is not None
        result = self._model.transcribe(
            audio,
            language="en",
            initial_prompt=prompt,
            word_timestamps=True,
            fp16=False,
            condition_on_previous_text=True,
        )
        segments = tuple(
            Segment(
                text=s["text"].strip(),
                start=float(s["start"]),
                end=float(s["end"]),
                avg_logprob=float(s["avg_logprob"]),
                no_speech_prob=float(s["no_speech_prob"]),
                words=tuple(
                    Word(w["word"].strip(), float(w["start"]), float(w["end"]), float(w["probability"]))
                    for w in s.get("words", [])
                ),
            )
            for s in result["segments"]
        )
        return finish_transcript(segments, prompt, samples=len(audio), engine=self.engine, model=self.model_name)


def _load_checkpoint(path: Path):
    """Like whisper.load_model(path), but also applies alignment heads stored in the checkpoint.

    openai-whisper only knows the heads of the models it downloads by name; without them word
    timestamps fall back to a worse guess. `viva models convert` stores them in the file.
    """
    import torch
    from whisper.model import ModelDimensions, Whisper

    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    model = Whisper(ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    heads = checkpoint.get("alignment_heads")
    if heads:
        model.set_alignment_heads(heads)
    return model.to("cpu")
