"""Helpers shared by the speech benchmarks (bench/asr_priming.py, bench/asr_fillers.py).

Synthesized speech cached on disk, one transcriber loaded once, term matching and WER text
normalisation. Not a benchmark itself.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from assistant.audio.files import ASR_SAMPLE_RATE, load_for_asr  # noqa: E402
from assistant.domain import Segment, Word  # noqa: E402
from assistant.speech.asr import base as asr_base  # noqa: E402
from assistant.speech.asr.faster import FasterWhisperTranscriber  # noqa: E402
from assistant.speech.tts import EspeakSynthesizer, PiperSynthesizer, write_speech  # noqa: E402

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "viva-bench-tts"


def voices() -> dict[str, object]:
    """The two voices the benchmarks speak with: natural (piper) and harsh (espeak-ng)."""
    return {"piper": PiperSynthesizer(), "espeak": EspeakSynthesizer()}


class SpeechCache:
    """WAV files of synthesized text, keyed by voice and text, reused across runs."""

    def __init__(self, root: Path = DEFAULT_CACHE) -> None:
        self.root = root
        self.voices = voices()
        self.synth_seconds = 0.0

    def path(self, voice: str, text: str) -> Path:
        digest = hashlib.sha1(text.encode()).hexdigest()[:16]
        return self.root / voice / f"{digest}.wav"

    def audio(self, voice: str, text: str) -> np.ndarray:
        path = self.path(voice, text)
        if not path.is_file():
            start = time.perf_counter()
            tmp = path.with_suffix(".part.wav")
            write_speech(self.voices[voice], text, tmp, lead_silence=0.3)
            tmp.replace(path)
            self.synth_seconds += time.perf_counter() - start
        return load_for_asr(path)


@dataclass
class Timed:
    text: str
    seconds: float  # wall clock
    cpu_seconds: float  # this process, all threads: robust to other load on the machine
    words: list[tuple[str, float, float]]  # (word, start, end) from Whisper's word timestamps


class Recogniser:
    """The product's faster-whisper transcriber (bundled tiny.en), loaded once.

    `hotwords` needs faster-whisper's own `transcribe`, called with the same options the
    product's FasterWhisperTranscriber uses.
    """

    def __init__(self) -> None:
        self.transcriber = FasterWhisperTranscriber()
        start = time.perf_counter()
        self.transcriber.load()
        self.load_seconds = time.perf_counter() - start
        self.audio_seconds = 0.0

    def __call__(self, audio: np.ndarray, prompt: str | None = None, hotwords: str | None = None) -> Timed:
        start, cpu_start = time.perf_counter(), time.process_time()
        if hotwords is None:
            transcript = self.transcriber.transcribe(audio, prompt=prompt)
            text = transcript.text
            words = [(w.text, w.start, w.end) for s in transcript.segments for w in s.words]
        else:
            model = self.transcriber._model  # noqa: SLF001 - the bench needs the raw engine for hotwords
            raw, _ = model.transcribe(
                audio, language="en", initial_prompt=prompt, hotwords=hotwords, word_timestamps=True,
                beam_size=self.transcriber._beam_size, vad_filter=False,  # noqa: SLF001
                condition_on_previous_text=True,
            )
            segments = tuple(
                Segment(text=s.text.strip(), start=float(s.start), end=float(s.end), avg_logprob=float(s.avg_logprob),
                        no_speech_prob=float(s.no_speech_prob),
                        words=tuple(Word(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                                    for w in (s.words or [])))
                for s in raw
            )
            # The same post-filter the product applies to its own transcripts (where it has one).
            clean = getattr(asr_base, "clean_segments", None)
            if clean is not None:
                segments = clean(segments, " ".join(p for p in (prompt, hotwords) if p) or None)
            text = " ".join(s.text for s in segments if s.text).strip()
            words = [(w.text, w.start, w.end) for s in segments for w in s.words]
        self.audio_seconds += len(audio) / ASR_SAMPLE_RATE
        return Timed(text, time.perf_counter() - start, time.process_time() - cpu_start, words)

    def token_count(self, text: str) -> int:
        """Whisper tokens `text` takes (with a leading space, as in a prompt)."""
        tokenizer = self.transcriber._model.hf_tokenizer  # noqa: SLF001
        return len(tokenizer.encode(" " + text.strip(), add_special_tokens=False).ids)


# --- terms -------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    """Lower-case alphanumeric words; hyphens, slashes and punctuation separate words."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


class TermIndex:
    """Find terms in text: case-, hyphen- and space-insensitive, matched at the start of a word.

    "feature map" matches "feature maps"; "skip-gram" matches "skipgram" and "skip gram";
    "downsample" matches "downsamples". The term must start where a word starts.
    """

    def __init__(self, text: str) -> None:
        words = _words(text)
        self.joined = "".join(words)
        self.starts = []
        offset = 0
        for word in words:
            self.starts.append(offset)
            offset += len(word)

    def has(self, term: str) -> bool:
        key = "".join(_words(term))
        return bool(key) and any(self.joined.startswith(key, s) for s in self.starts)


def terms_in(text: str, terms) -> list[str]:
    index = TermIndex(text)
    return [t for t in dict.fromkeys(terms) if index.has(t)]


# --- word error rate ---------------------------------------------------------------------

def wer_normaliser():
    """Whisper's English normaliser (numbers, spellings) where openai-whisper is installed."""
    try:
        from whisper.normalizers import EnglishTextNormalizer

        return EnglishTextNormalizer(), "whisper EnglishTextNormalizer"
    except Exception:  # noqa: BLE001 - optional dependency; fall back to plain normalisation
        return (lambda t: " ".join(_words(t))), "lower-case, punctuation and hyphens removed"


def corpus_wer(references: list[str], hypotheses: list[str], normalise) -> float:
    import jiwer

    refs = [normalise(r) or "<empty>" for r in references]
    hyps = [normalise(h) for h in hypotheses]
    return float(jiwer.wer(refs, hyps))


def finish_report(report: dict, json_path: Path | None) -> None:
    """The benchmarks' common last lines: time spent, then the JSON file if one was asked for."""
    import json

    print(f"\nsynthesis {report['synth_s']} s (0 when cached), total {report['total_s']} s wall, "
          f"{report['total_cpu_s']} s cpu")
    if json_path:
        json_path.write_text(json.dumps(report, indent=2, default=str))
