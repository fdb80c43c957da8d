"""Critique engines side by side on the same GGUF and prompt, and the pipeline's peak memory.

    .venv/bin/python bench/critique.py [--engine llama-cpp --engine transformers] [--json out.json]

For each engine (each in a fresh process, so memory and caches don't mix): model load time
(the transformers engine's one-time de-quantization is reported separately when it happens),
time to the first token after the score is ready, tokens per second, and the peak resident
memory of the whole pipeline (Whisper + embeddings + LLM loaded, one answer scored and critiqued).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ANSWER = ("Bias is the error from wrong assumptions, so a model that is too simple underfits. Variance is how much "
          "the fitted model changes with the training data, which causes overfitting.")


def measure(engine: str) -> dict:
    import numpy as np

    from assistant.config import Settings
    from assistant.critique.critic import Critic, make_llm
    from assistant.scoring.answer import grade_text
    from assistant.services import Services
    from tests.fakes import transcript_from_words

    services = Services(settings=Settings(llm_engine=engine))
    services.transcriber.transcribe(np.zeros(16000, dtype=np.float32))  # Whisper loaded, as in the app
    question = services.bank.get("sl-bias-variance")
    score = grade_text(services.scorer, question, ANSWER)
    started = time.perf_counter()
    llm = make_llm(services.settings)
    llm.load()
    load_seconds = time.perf_counter() - started
    critic = Critic(llm, max_tokens=services.settings.llm_max_tokens)
    transcript = transcript_from_words([(w, 0.0, 0.0) for w in ANSWER.split()])
    runs = []
    for _ in range(2):  # the second run shows the effect of the cached prompt prefix
        stamps: list[float] = []
        started = time.perf_counter()
        critique = critic.critique(question, transcript, score, None, on_token=lambda _: stamps.append(time.perf_counter()))
        total = time.perf_counter() - started
        stamps = stamps[1:]  # the first piece is the prefilled label, not the model's
        first = stamps[0] - started if stamps else float("nan")
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
        runs.append({"first_token_s": round(first, 2), "pieces": len(stamps), "pieces_per_s": round(rate, 1),
                     "total_s": round(total, 2), "source": critique.source})
    return {"engine": engine, "model": llm.name, "load_s": round(load_seconds, 2), "runs": runs,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "critique": critique.text}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", action="append", help="llama-cpp, transformers (default: both)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    results = []
    for engine in args.engine or ["llama-cpp", "transformers"]:
        done = subprocess.run([sys.executable, __file__, "--one", engine], capture_output=True, text=True, cwd=REPO)
        if done.returncode != 0:
            results.append({"engine": engine, "error": done.stderr.strip().splitlines()[-1:]})
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
