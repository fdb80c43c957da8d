"""Streaming transcription: time from "stop" to final transcript + score, and agreement with batch.

    .venv/bin/python bench/streaming.py [--seconds 60] [--speed 1.0] [--json out.json]

A bundled voice reads a model answer (trimmed to --seconds, with natural pauses between
sentences); blocks are fed to the streaming transcriber at --speed times real time, as the
recorder would. Reports the latency after the last block, the word error between the streamed
and a batch transcript of the same audio, and the batch time for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from assistant.audio.files import to_asr_input  # noqa: E402
from assistant.scoring.answer import grade_transcript  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr import build_prompt  # noqa: E402
from assistant.speech.streaming import StreamingTranscriber  # noqa: E402
from assistant.speech.tts import PiperSynthesizer, write_speech  # noqa: E402


def word_error(reference: str, hypothesis: str) -> float:
    import jiwer

    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    return float(jiwer.wer(reference, hypothesis, reference_transform=clean, hypothesis_transform=clean))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=1.0, help="feed speed, times real time")
    parser.add_argument("--question", default="llm-self-attention")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    services = Services()
    question = services.bank.get(args.question)
    prompt = build_prompt(question, question.rubric.keywords)
    services.transcriber.transcribe(np.zeros(16000, dtype=np.float32))  # load models before timing
    services.scorer.score(question.rubric, [])
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_speech(PiperSynthesizer(), question.model_answer.replace(". ", ".\n"), Path(tmp) / "a.wav")
        audio, rate = sf.read(str(wav), dtype="float32")
    audio = audio[: int(args.seconds * rate)]
    # A speaker stops, then presses the key: 0.5 s of silence after the last word.
    audio = np.concatenate([audio, np.zeros(int(0.5 * rate), dtype=np.float32)])

    stream = StreamingTranscriber(services.transcriber, prompt)
    block = int(rate * 0.1)
    start = time.perf_counter()
    for i in range(0, len(audio), block):
        stream(audio[i : i + block], rate)
        lag = (i + block) / rate / args.speed - (time.perf_counter() - start)
        if lag > 0:
            time.sleep(lag)
    stopped = time.perf_counter()
    pending = sum(not f.done() for f in stream._futures)
    tail = stream._buffered / rate
    streamed = stream.finish()
    score, _ = grade_transcript(services.scorer, question, streamed)
    latency = time.perf_counter() - stopped

    started = time.perf_counter()
    batch = services.transcriber.transcribe(to_asr_input(audio[:, None], rate), prompt=prompt)
    batch_seconds = time.perf_counter() - started
    report = {
        "audio_seconds": round(len(audio) / rate, 1), "feed_speed": args.speed,
        "latency_after_stop_s": round(latency, 2), "chunks": len(stream._futures),
        "chunks_pending_at_stop": pending, "tail_seconds": round(tail, 2), "batch_transcribe_s": round(batch_seconds, 2),
        "wer_streamed_vs_batch": round(word_error(batch.text, streamed.text), 3),
        "score_streamed": score.overall, "score_batch": grade_transcript(services.scorer, question, batch)[0].overall,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
