"""Does streaming change the score? The same spoken answer, transcribed streamed and in one pass.

    .venv/bin/python bench/streaming_scores.py [--kinds full paraphrased partial] [--json out.json]

The labelled calibration answers (tests/data/calibration/) are spoken by piper (cached under
the temp directory), then transcribed twice with the question's priming prompt: streamed in
0.1 s blocks exactly as a live answer is (chunks cut at pauses), and as one batch pass over the
whole file, as `viva score FILE` does. Both transcripts are scored against the rubric. Reported:
mean and worst absolute difference of the overall score, the share of rubric points whose
status differs, and WER between the two transcripts. Feeding is as fast as the worker keeps up:
chunking depends on the audio, not the clock, so the transcripts are those of a live answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _speech import SpeechCache  # noqa: E402
from streaming import word_error  # noqa: E402  (the same WER as bench/streaming.py)

from assistant.audio.files import ASR_SAMPLE_RATE  # noqa: E402
from assistant.scoring.answer import grade_transcript  # noqa: E402
from assistant.gates.calibration import load_calibration  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr import build_prompt  # noqa: E402
from assistant.speech.streaming import StreamingTranscriber  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BLOCK = int(ASR_SAMPLE_RATE * 0.1)


def compare(services: Services, question, audio) -> dict:
    prompt = build_prompt(question, question.rubric.keywords)
    stream = StreamingTranscriber(services.transcriber, prompt)
    for i in range(0, len(audio), BLOCK):
        stream(audio[i : i + BLOCK], ASR_SAMPLE_RATE)
    streamed = stream.finish()
    batch = services.transcriber.transcribe(audio, prompt=prompt)
    s_score, _ = grade_transcript(services.scorer, question, streamed)
    b_score, _ = grade_transcript(services.scorer, question, batch)
    differing = [p.point_id for p, q in zip(s_score.points, b_score.points) if p.status != q.status]
    return {"question": question.id, "streamed_score": s_score.overall, "batch_score": b_score.overall,
            "points": len(s_score.points), "differing_points": differing,
            "wer": round(word_error(batch.text, streamed.text), 3),
            "streamed_text": streamed.text, "batch_text": batch.text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", nargs="+", default=["full", "paraphrased", "partial"])
    parser.add_argument("--limit", type=int, default=0, help="only the first N answers")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    services = Services()
    speech = SpeechCache()
    answers = [a for a in load_calibration(REPO / "tests" / "data" / "calibration") if a.kind in args.kinds]
    rows = []
    for answer in answers[: args.limit or None]:
        question = services.bank.get(answer.question_id)
        row = compare(services, question, speech.audio("piper", answer.answer)) | {"kind": answer.kind}
        rows.append(row)
        print(f"{row['question']:32s} {row['kind']:12s} streamed {row['streamed_score']:5.1f}  "
              f"batch {row['batch_score']:5.1f}  WER {row['wer']:.1%}  differ {row['differing_points']}", flush=True)
    diffs = [abs(r["streamed_score"] - r["batch_score"]) for r in rows]
    points = sum(r["points"] for r in rows)
    summary = {
        "answers": len(rows), "cpu_count": os.cpu_count(),
        "mean_abs_score_difference": round(sum(diffs) / len(diffs), 2),
        "worst_abs_score_difference": max(diffs),
        "answers_differing_by_over_10": sum(d > 10 for d in diffs),
        "point_status_disagreement": round(sum(len(r["differing_points"]) for r in rows) / points, 3),
        "mean_wer": round(sum(r["wer"] for r in rows) / len(rows), 3),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "answers": rows}, indent=2))


if __name__ == "__main__":
    main()
