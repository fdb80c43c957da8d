"""Are stated points still found when the answer is spoken? Recall on written vs spoken answers.

    .venv/bin/python bench/spoken_recall.py [--kinds full paraphrased partial] [--every N] [--limit N] [--json out.json]

The labelled calibration answers (tests/data/calibration/) are spoken by piper (cached under the
temp directory, as bench/streaming_scores.py does) and transcribed in one pass with the
question's priming prompt, as `viva score FILE` does. The written text and the transcript are
each scored twice: by the embedding stage alone and with the point check (scoring/verify.py),
which re-reads every credited point with the bundled 1.5B. Reported per condition: stated
points (labelled hit) found as hit or partly, and as hit; absent points (labelled miss)
credited as hit and as partly; and the transcripts' WER against the written text.

The question it answers (issue 12): does the stricter check, which reads the words themselves,
lose points that a spoken answer states in Whisper's spelling ("L two", "k means") rather than
the bank's? Nothing here is fitted: thresholds are the app's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _speech import SpeechCache  # noqa: E402
from judge_quality import rates  # noqa: E402  (the same shares as the false-credit figures)
from streaming import word_error  # noqa: E402  (the same WER as bench/streaming.py)

from assistant.config import load_settings  # noqa: E402
from assistant.gates.calibration import load_calibration  # noqa: E402
from assistant.practice import check_points  # noqa: E402
from assistant.scoring.answer import grade_text  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr import build_prompt  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CONDITIONS = ("written, embeddings", "written, point check", "spoken, embeddings", "spoken, point check")


def statuses(services: Services, question, text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each point's status from the embedding stage alone, and after the point check."""
    score = grade_text(services.scorer, question, text)
    checked = check_points(services, score, text)
    return ({p.point_id: p.status.value for p in score.points}, {p.point_id: p.status.value for p in checked.points})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", nargs="+", default=["full", "paraphrased", "partial"])
    parser.add_argument("--limit", type=int, default=0, help="only the first N answers")
    parser.add_argument("--every", type=int, default=1, help="only every n-th answer (a spread over topics and kinds)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    services = Services(load_settings(point_check="on"))
    if services.point_checker is None:
        sys.exit("the point check is not available (llama.cpp and the bundled 1.5B are needed)")
    speech = SpeechCache()
    answers = [a for a in load_calibration(REPO / "tests" / "data" / "calibration") if a.kind in args.kinds]
    confusion = {name: Counter() for name in CONDITIONS}
    rows, start = [], time.perf_counter()
    for answer in answers[:: args.every][: args.limit or None]:
        question = services.bank.get(answer.question_id)
        audio = speech.audio("piper", answer.answer)
        spoken = services.transcriber.transcribe(audio, prompt=build_prompt(question, question.rubric.keywords)).text
        found = dict(zip(CONDITIONS, (*statuses(services, question, answer.answer), *statuses(services, question, spoken))))
        for name, by_point in found.items():
            for point_id, status in by_point.items():
                if point_id in answer.labels:
                    confusion[name][(answer.labels[point_id], status)] += 1
        lost = [p for p, s in found["written, point check"].items() if s != "miss" and found["spoken, point check"][p] == "miss"]
        rows.append({"question": answer.question_id, "kind": answer.kind, "wer": round(word_error(answer.answer, spoken), 3),
                     "labels": answer.labels, "statuses": found, "lost_when_spoken": lost, "transcript": spoken})
        print(f"{answer.question_id:32s} {answer.kind:12s} WER {rows[-1]['wer']:.1%}  lost when spoken {lost}", flush=True)
    summary = {"answers": len(rows), "kinds": args.kinds, "seconds": round(time.perf_counter() - start),
               "mean_wer": round(sum(r["wer"] for r in rows) / max(len(rows), 1), 3),
               **{name: rates(c) for name, c in confusion.items()}}
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"summary": summary, "answers": rows}, indent=2))


if __name__ == "__main__":
    main()
