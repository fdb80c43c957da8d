"""Stop-to-feedback latency with streaming on and off, for 15, 60 and 180-second answers.

    .venv/bin/python bench/streaming.py [--seconds 15 60 180] [--speed 1.0] [--json out.json]

A bundled voice reads model answers (joined until long enough, with natural pauses between
sentences, then trimmed to each length). Streaming on: blocks are fed to the streaming
transcriber at --speed times real time, as the recorder would, and the clock starts when the
last block is in. Streaming off: the whole recording is transcribed after the stop. Both
include scoring, with the rubric embedded beforehand as the practice session does while the
user speaks. Also reports the word error between the streamed and the batch transcript, and
(streaming on) when the checked score is ready: the point check re-reads the credited points
after the stop only, as before, and with the points confirmed while the answer is spoken
(scoring/live_check.py, what the practice session does, with the critique prompt's rubric
part read in steps at the same time), in runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from assistant.audio.files import to_asr_input  # noqa: E402
from assistant.practice import check_points  # noqa: E402
from assistant.scoring.answer import grade_transcript  # noqa: E402
from assistant.scoring.live_check import LiveChecker  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr import build_prompt  # noqa: E402
from assistant.speech.streaming import StreamingTranscriber  # noqa: E402
from assistant.speech.tts import PiperSynthesizer, write_speech  # noqa: E402


def word_error(reference: str, hypothesis: str) -> float:
    import jiwer

    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    return float(jiwer.wer(reference, hypothesis, reference_transform=clean, hypothesis_transform=clean))


def answer_audio(services: Services, question, seconds: float) -> tuple[np.ndarray, int]:
    """Speech at least `seconds` long: the question's model answer, then others from its topic."""
    topic = [q for q in services.bank.by_topic(question.topic) if q.id != question.id]
    texts = [question.model_answer] + [q.model_answer for q in topic]
    synth, pieces, total, rate = PiperSynthesizer(), [], 0.0, 22050
    with tempfile.TemporaryDirectory() as tmp:
        for index, text in enumerate(texts):
            wav = write_speech(synth, text.replace(". ", ".\n"), Path(tmp) / f"{index}.wav")
            audio, rate = sf.read(str(wav), dtype="float32")
            pieces.append(audio)
            total += len(audio) / rate
            if total >= seconds:
                break
    audio = np.concatenate(pieces)[: int(seconds * rate)]
    # A speaker stops, then presses the key: 0.5 s of silence after the last word.
    return np.concatenate([audio, np.zeros(int(0.5 * rate), dtype=np.float32)]), rate


def streamed_run(services: Services, question, prompt: str, audio: np.ndarray, rate: int, speed: float,
                 live_check: bool = True) -> dict:
    if services.point_checker is not None:  # as a new answer finds the model: only the fixed prompt cached
        services.point_checker.confirm("Warm-up.", "Warm-up.")
    live = LiveChecker(services.point_checker, services.scorer, question) \
        if live_check and services.point_checker is not None else None
    stream = StreamingTranscriber(services.transcriber, prompt, on_partial=live.update if live else None)
    answer_over = threading.Event()
    if live is not None:
        live.start()
        # As the practice screen does when a critique follows: the critique prompt's rubric part
        # is read in steps while the user speaks, sharing the model with the live check.
        threading.Thread(target=services.critic.warm_up, args=(question, answer_over), daemon=True).start()
    block = int(rate * 0.1)
    start = time.perf_counter()
    for i in range(0, len(audio), block):
        stream(audio[i : i + block], rate)
        lag = (i + block) / rate / speed - (time.perf_counter() - start)
        if lag > 0:
            time.sleep(lag)
    stopped = time.perf_counter()
    answer_over.set()
    pending = sum(not f.done() for f in stream._futures)
    tail = stream._buffered / rate
    transcript = stream.finish()
    transcript_ready = time.perf_counter() - stopped
    score, _ = grade_transcript(services.scorer, question, transcript)
    scored = time.perf_counter() - stopped
    confirmed = live.stop(transcript.text) if live is not None else None
    checked = check_points(services, score, transcript.text, confirmed)
    credited = sum(p.status.value != "miss" for p in score.points) if checked.checked_by else 0
    return {"latency_s": round(scored, 2), "transcript_s": round(transcript_ready, 2),
            "checked_latency_s": round(time.perf_counter() - stopped, 2), "points_credited": credited,
            "points_read_at_stop": credited - len(confirmed or {}),
            "points_read_while_speaking": live.points_read if live else 0,
            "checked_by": checked.checked_by, "checked_score": checked.overall,
            "chunks": len(stream._futures), "chunks_pending_at_stop": pending, "tail_seconds": round(tail, 2),
            "chunks_decoded_again": stream.redecoded,
            "score": score.overall, "text": transcript.text}


def batch_run(services: Services, question, prompt: str, audio: np.ndarray, rate: int) -> dict:
    stopped = time.perf_counter()
    transcript = services.transcriber.transcribe(to_asr_input(audio[:, None], rate), prompt=prompt)
    transcript_ready = time.perf_counter() - stopped
    score, _ = grade_transcript(services.scorer, question, transcript)
    return {"latency_s": round(time.perf_counter() - stopped, 2), "transcript_s": round(transcript_ready, 2),
            "score": score.overall, "text": transcript.text}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, nargs="+", default=[15.0, 60.0, 180.0])
    parser.add_argument("--speed", type=float, default=1.0, help="feed speed, times real time")
    parser.add_argument("--question", default="llm-self-attention")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    services = Services()
    question = services.bank.get(args.question)
    prompt = build_prompt(question, question.rubric.keywords)
    services.transcriber.transcribe(np.zeros(16000, dtype=np.float32))  # load models before timing
    services.scorer.prepare(question.rubric)  # the practice session does this while the user speaks
    if services.point_checker is not None:  # the model loads while the user speaks, too
        services.point_checker.confirm("Warm-up.", "Warm-up.")
    rows = []
    for seconds in args.seconds:
        audio, rate = answer_audio(services, question, seconds)
        # Checking after the stop first: the other run would leave this answer in the model's prompt cache.
        after_stop = streamed_run(services, question, prompt, audio, rate, args.speed, live_check=False)
        on = streamed_run(services, question, prompt, audio, rate, args.speed)
        off = batch_run(services, question, prompt, audio, rate)
        rows.append({"answer_seconds": seconds, "feed_speed": args.speed,
                     "streaming_on": on, "streaming_on_check_after_stop": after_stop, "streaming_off": off,
                     "wer_streamed_vs_batch": round(word_error(off["text"], on["text"]), 3)})
        print(f"{seconds:>5.0f} s answer: stop-to-feedback {on['latency_s']:.2f} s streaming on, "
              f"{off['latency_s']:.2f} s off; WER streamed vs batch {rows[-1]['wer_streamed_vs_batch']:.1%}; "
              f"checked score {on['checked_latency_s']:.2f} s after the stop with points confirmed while "
              f"speaking ({on['points_read_at_stop']} of {on['points_credited']} credited points read at the stop), "
              f"{after_stop['checked_latency_s']:.2f} s checking only after the stop "
              f"({after_stop['points_credited']} points)", flush=True)
    report = {"question": question.id, "cpu_count": os.cpu_count(), "runs": rows}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
