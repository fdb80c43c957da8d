"""openai-whisper vs faster-whisper on the same tiny.en weights, side by side.

    .venv/bin/python bench/asr_engines.py [--seconds 60] [--json out.json]

A bundled voice reads model answers from the bank until about --seconds of speech; both
engines transcribe it (primed the same way). Reports load time, transcription time, real-time
factor, and the word error between the two transcripts.
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

from assistant.audio.files import ASR_SAMPLE_RATE, load_for_asr  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr import build_prompt, make_transcriber  # noqa: E402
from assistant.speech.tts import PiperSynthesizer, write_speech  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import jiwer

    services = Services()
    question = services.bank.get("sl-bias-variance")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache")
        wav = write_speech(PiperSynthesizer(), question.model_answer, Path(tmp) / "answer.wav")
        audio = load_for_asr(wav)[: int(args.seconds * ASR_SAMPLE_RATE)]
        seconds = len(audio) / ASR_SAMPLE_RATE
        prompt = build_prompt(question, question.rubric.keywords)
        results = {}
        for engine in ("faster-whisper", "openai-whisper"):
            start = time.perf_counter()
            transcriber = make_transcriber(settings, engine)  # openai-whisper: converts the bundled model here
            transcriber.load()
            loaded = time.perf_counter() - start
            transcriber.transcribe(audio[: ASR_SAMPLE_RATE * 3], prompt=prompt)  # warm-up
            start = time.perf_counter()
            transcript = transcriber.transcribe(audio, prompt=prompt)
            took = time.perf_counter() - start
            results[engine] = {"load_s": round(loaded, 2), "transcribe_s": round(took, 2),
                               "real_time_factor": round(took / seconds, 3), "text": transcript.text}
    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    wer = jiwer.wer(results["faster-whisper"]["text"], results["openai-whisper"]["text"],
                    reference_transform=clean, hypothesis_transform=clean)
    report = {"audio_seconds": round(seconds, 1), "engines": results, "wer_between_engines": round(wer, 3)}
    print(f"audio: {seconds:.1f} s of piper speech, tiny.en weights in both engines")
    print(f"{'engine':<16} {'load s':>7} {'transcribe s':>13} {'RTF':>6}")
    for name, r in results.items():
        print(f"{name:<16} {r['load_s']:>7} {r['transcribe_s']:>13} {r['real_time_factor']:>6}")
    print(f"word error between the two transcripts: {wer:.1%}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
