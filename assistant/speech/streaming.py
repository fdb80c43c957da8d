"""Transcribe while the user speaks, so the result is ready moments after they stop.

Audio is cut into chunks at pauses (or, failing a pause, at a maximum length); each finished
chunk is transcribed on a worker thread, primed with the question's terms and the text so
far. When recording stops only the short tail is left to transcribe.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from assistant.audio.files import to_asr_input
from assistant.audio.vad import FRAME_SECONDS, SpeechGate
from assistant.domain import Transcript, Word
from assistant.speech.asr.base import MAX_PROMPT_CHARS, Transcriber
from assistant.speech.chunk_joins import join_texts, join_transcripts

PartialCallback = Callable[[str], None]
# Whisper invents text for silent audio ("So that's the difference..."): chunks with less
# speech than this are not transcribed at all.
MIN_SPEECH_SECONDS = 0.3
# People say 2-3 words a second; a chunk with far fewer words than its speech is re-decoded.
MIN_WORDS_PER_SPEECH_SECOND = 0.5
# Enough preceding text to keep casing and terms consistent across chunks; more only slows decoding.
CONTEXT_CHARS = 200


class StreamingTranscriber:
    """A recorder listener: feed it blocks; `finish()` returns the whole transcript."""

    def __init__(
        self,
        transcriber: Transcriber,
        prompt: str | None = None,
        *,
        min_chunk: float = 4.0,
        max_chunk: float = 12.0,
        pause: float = 0.3,
        on_partial: PartialCallback | None = None,
    ) -> None:
        # Chunks must keep up with speech: engines that offer a cheaper streaming mode use it.
        variant = getattr(transcriber, "streaming_variant", None)
        self.transcriber = variant() if variant is not None else transcriber
        self.careful = transcriber  # with temperature fallback: for chunks the fast pass got wrong
        self.prompt = prompt or ""
        self.min_chunk, self.max_chunk, self.pause = min_chunk, max_chunk, pause
        self.on_partial = on_partial
        self._rate: int | None = None
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self._chunk_start = 0  # in samples at the input rate
        self._quiet_frames = 0
        self._last_quiet_sample: int | None = None  # within the buffer: a safe place to cut
        self._speech_frames = 0  # in the buffer
        self._gate = SpeechGate()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="viva-asr")
        self._futures: list[Future[Transcript]] = []
        self._texts: list[str] = []
        self.redecoded = 0  # chunks the careful transcriber decoded again (slow: reported by bench/)
        self._lock = threading.Lock()

    def __call__(self, block: np.ndarray, rate: int) -> None:
        self._rate = rate
        frame = max(int(rate * FRAME_SECONDS), 1)
        for index, is_speech in enumerate(self._gate.frames(block, rate)):
            self._quiet_frames = 0 if is_speech else self._quiet_frames + 1
            self._speech_frames += is_speech
            if not is_speech:
                self._last_quiet_sample = self._buffered + index * frame
        self._buffer.append(block)
        self._buffered += len(block)
        seconds = self._buffered / rate
        if seconds >= self.min_chunk and self._quiet_frames * FRAME_SECONDS >= self.pause:
            self._submit()
        elif seconds >= self.max_chunk:
            # No pause long enough: cut at the last quiet frame (between words), else here.
            cut = self._last_quiet_sample if self._last_quiet_sample and self._last_quiet_sample > rate else None
            self._submit(cut)

    @property
    def text(self) -> str:
        with self._lock:
            return functools.reduce(join_texts, self._texts, "")

    def _submit(self, cut: int | None = None) -> None:
        if not self._buffer or self._rate is None:
            return
        audio = np.concatenate(self._buffer)
        rest = audio[cut:] if cut else audio[:0]
        audio = audio[:cut] if cut else audio
        offset = self._chunk_start / self._rate
        self._chunk_start += len(audio)
        self._buffer, self._buffered = ([rest], len(rest)) if len(rest) else ([], 0)
        speech_seconds = self._speech_frames * FRAME_SECONDS
        self._quiet_frames, self._last_quiet_sample, self._speech_frames = 0, None, 0
        if speech_seconds >= MIN_SPEECH_SECONDS:
            self._futures.append(self._executor.submit(self._transcribe, audio, self._rate, offset, speech_seconds))

    def _transcribe(self, audio: np.ndarray, rate: int, offset: float, speech_seconds: float) -> Transcript:
        context = self.text
        # Whisper reads the prompt as preceding text: keep the question's terms, then the latest words.
        room = min(CONTEXT_CHARS, MAX_PROMPT_CHARS - len(self.prompt) - 1)
        prompt = f"{self.prompt} {context[-room:] if room > 0 else ''}".strip() or None
        samples = to_asr_input(audio[:, None], rate)
        result = self.transcriber.transcribe(samples, prompt=prompt)
        if len(result.text.split()) < speech_seconds * MIN_WORDS_PER_SPEECH_SECOND and self.careful is not self.transcriber:
            # Seconds of speech, (almost) no words: the greedy pass looped or stalled. Decode
            # again with temperature fallback and without the running context that may have misled it.
            result = self.careful.transcribe(samples, prompt=self.prompt or None)
            self.redecoded += 1
        shifted = shift_transcript(result, offset)
        with self._lock:
            self._texts.append(shifted.text)
        if self.on_partial is not None:
            self.on_partial(self.text)
        return shifted

    def finish(self) -> Transcript:
        """Transcribe what is left and join all chunks (waits for pending ones)."""
        self._submit()
        parts = join_transcripts([f.result() for f in self._futures])
        self._executor.shutdown(wait=True)
        duration = self._chunk_start / self._rate if self._rate else 0.0
        segments = tuple(s for p in parts for s in p.segments)
        engine = parts[0].engine if parts else getattr(self.transcriber, "engine", "")
        model = parts[0].model if parts else getattr(self.transcriber, "model_name", "")
        # The parts are mended already: joining their texts needs no second look at the breaks.
        text = " ".join(p.text.strip() for p in parts if p.text.strip())
        return Transcript(text=text, segments=segments,
                          duration=duration, engine=engine, model=model)


def shift_transcript(transcript: Transcript, offset: float) -> Transcript:
    if offset == 0:
        return transcript
    segments = tuple(
        replace(s, start=s.start + offset, end=s.end + offset,
                words=tuple(Word(w.text, w.start + offset, w.end + offset, w.probability) for w in s.words))
        for s in transcript.segments
    )
    return replace(transcript, segments=segments)


