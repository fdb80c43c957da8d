"""How long `viva` takes to show its first screen, and to fill in today's questions.

    .venv/bin/python bench/ui_startup.py [--runs 5] [--json out.json]

Launches the real app in tmux (throwaway data and config), polls the terminal with
capture-pane every 10 ms and records when the footer's keys appear (the screen is
interactive) and when the plan line appears (the bank and history have loaded on their
worker). Target: first screen within 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VIVA = REPO / ".venv" / "bin" / "viva"


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def launch_once(index: int) -> dict[str, float]:
    session = f"viva-startup-{os.getpid()}-{index}"
    with tempfile.TemporaryDirectory() as tmp:
        env = [f"VIVA_DATA_DIR={tmp}/data", f"VIVA_RECORDINGS_DIR={tmp}/rec", f"VIVA_CONFIG={tmp}/config.toml",
               "HF_HUB_OFFLINE=1", "VIVA_SETUP_DONE=true"]  # the home screen, not the first-run walkthrough
        start = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                        *[a for e in env for a in ("-e", e)], str(VIVA)], check=True)
        marks: dict[str, float] = {}
        try:
            while len(marks) < 2 and time.perf_counter() - start < 30:
                text = screen(session)
                now = time.perf_counter() - start
                if "first_screen_s" not in marks and "space Start" in text:
                    marks["first_screen_s"] = now
                if "today_loaded_s" not in marks and "Week 1 of 12" in text:
                    marks["today_loaded_s"] = now
                time.sleep(0.01)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return marks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runs = [launch_once(i) for i in range(args.runs)]
    report = {"runs": runs, "cpu_count": os.cpu_count()}
    for key in ("first_screen_s", "today_loaded_s"):
        values = [r[key] for r in runs if key in r]
        report[f"median_{key}"] = round(statistics.median(values), 3) if values else None
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
