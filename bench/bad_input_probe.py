"""Issue 14's bad-input probe, run as a careless user would: commands on a broken config file,
out-of-range settings, unparsable VIVA_* values, silent/empty/corrupt/missing audio, unknown or
rubric-less questions, Latin-1 and empty batch files, a read-only, damaged or full data
directory, and the leftovers of killed recordings. Every case runs in its own private data,
config and recordings directories (the model cache is shared, read-only in effect).

    .venv/bin/python bench/bad_input_probe.py [--only TEXT] [--timeout 180] [--keep]

One row per case: the command, its exit code, its class and why:
  ok           did what it should (an answer it should grade graded, silence not graded, ...)
  clear error  refused with a message and a non-zero exit, no traceback
  traceback    a Python traceback on stderr
  hang         still running after --timeout seconds
  wrong        finished without a traceback but did the wrong thing (graded silence, mixed audio, ...)
  data loss    a recording, sidecar or attempt that existed before is gone
A full disk and a read-only mount need root (a tiny tmpfs); without it those rows say skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
VIVA = [sys.executable, "-m", "assistant"]
QUESTION = "sl-gradient-descent"
ANSWER = ("Gradient descent updates the weights in the direction of the negative gradient of the loss. "
          "The learning rate sets the step size: too large and it diverges, too small and it is slow.")
SPOKEN_AT = datetime(2026, 11, 27, 10, 10, 10).timestamp()
RATE = 16000


@dataclass
class Run:
    code: int | None  # None: timed out
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Home:
    """One careless user's private directories."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def database(self) -> Path:
        return self.data / "viva.sqlite3"

    def env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
        env.update(VIVA_DATA_DIR=str(self.data), VIVA_RECORDINGS_DIR=str(self.recordings),
                   VIVA_CONFIG=str(self.config), XDG_DATA_HOME=str(self.root / "xdg-data"),
                   XDG_CONFIG_HOME=str(self.root / "xdg-config"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   VIVA_SETUP_DONE="true")
        env.update(extra)
        return env


Check = Callable[[Run, Home], str | None]  # why the outcome is wrong (or what was lost); None when fine


@dataclass
class Case:
    name: str
    args: list[str]  # viva's arguments; "{files}" and "{home}" are filled in
    expect: str = "error"  # "error": refused with a message; "ok": exit 0
    setup: Callable[[Home], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    says: tuple[str, ...] = ()  # what the output must mention (stdout + stderr, case-insensitive)
    wrong: Check | None = None
    lost: Check | None = None
    seeded: bool = False  # start from a home that already holds one saved attempt
    needs_root: bool = False


# Fixtures shared by every case (made once)


def make_files(files: Path, timeout: float) -> str:
    """Audio and batch files; returns how the spoken answer was made."""
    files.mkdir(parents=True, exist_ok=True)
    speech = files / "speech.wav"
    how = "piper (viva say)"
    made = subprocess.run([*VIVA, "say", ANSWER, "--out", str(speech)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, env=Home(files / "voice-home").env({}))
    if made.returncode != 0 or not speech.exists():
        how = "espeak-ng"
        if shutil.which("espeak-ng") is None or subprocess.run(["espeak-ng", "-w", str(speech), ANSWER]).returncode:
            how = "a tone (no voice installed)"
            t = np.arange(5 * RATE) / RATE
            sf.write(str(speech), (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), RATE)
    for seconds in (1, 30, 600):
        sf.write(str(files / f"silence-{seconds}s.flac"), np.zeros(seconds * RATE, dtype=np.float32), RATE)
    (files / "empty.wav").write_bytes(b"")
    (files / "corrupt.wav").write_bytes(b"RIFF" + np.random.default_rng(0).bytes(40_000))
    (files / "folder.wav").mkdir(exist_ok=True)
    row = ("Qu'est-ce que la descente de gradient ?,Le pas suit la pente du gradient à chaque itération.,"
           "Le pas suit la pente.\n")
    (files / "latin1.csv").write_bytes(("question,reference,answer\n" + row).encode("latin-1"))
    (files / "empty.csv").write_bytes(b"")
    (files / "header.csv").write_text("question,reference,answer\n")
    return how


def seed_home(seed: Path, files: Path, timeout: float) -> str | None:
    """A home with one saved attempt (audio, sidecar, database row); why it failed, else None."""
    home = Home(seed)
    # The embedding scorer: the seed is only there to be damaged, whatever the configured scorer does.
    run = subprocess.run([*VIVA, "score", str(files / "speech.wav"), "-q", QUESTION], capture_output=True,
                         text=True, timeout=timeout, cwd=REPO, env=home.env({"VIVA_SCORER": "embedding"}))
    if run.returncode != 0:
        return (run.stderr.strip().splitlines() or ["no output"])[-1]
    return None


# Checks


def attempts_in(home: Home) -> int | None:
    if not home.database.exists():
        return 0
    try:
        with sqlite3.connect(f"{home.database.as_uri()}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.Error:
        return None


def snapshot(root: Path) -> dict[str, str]:
    """Content hash -> path of every recording and sidecar (what a user would miss)."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".flac", ".wav", ".json", ".pcm"} and "xdg" not in path.parts:
            found[hashlib.sha1(path.read_bytes()).hexdigest()] = str(path.relative_to(root))
    return found


def duration(path: Path) -> float:
    return sf.info(str(path)).duration


def not_graded(run: Run, home: Home) -> str | None:
    if "Score:" in run.stdout:
        return "graded: " + next(line for line in run.stdout.splitlines() if line.startswith("Score:"))
    return None if "Not graded" in run.stdout else "no 'Not graded' in the output"


def graded(run: Run, home: Home) -> str | None:
    return None if "Score:" in run.stdout else "the spoken answer was not graded"


def nothing_saved(run: Run, home: Home) -> str | None:
    count = attempts_in(home)
    return f"{count} attempt(s) saved although it was refused" if count else None


def leftover_kept_apart(run: Run, home: Home) -> str | None:
    out = home.root / "out.flac"
    if out.exists() and duration(out) > 3.0:
        return f"out.flac is {duration(out):.1f} s: the killed run's audio was mixed in"
    return None


def leftover_saved(run: Run, home: Home) -> str | None:
    saved = list(home.root.glob("out.interrupted-*.flac"))
    if len(saved) != 1 or abs(duration(saved[0]) - 9.0) > 0.01:
        return f"the killed run's 9 s are not in their own file (found {[p.name for p in saved]})"
    return None


def recovered_attempt_dated_when_spoken(run: Run, home: Home) -> str | None:
    if not home.database.exists():
        return "nothing recovered"
    with sqlite3.connect(f"{home.database.as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT created_at, recovered FROM attempts").fetchall()
    if not rows:
        return "the interrupted answer was not recovered"
    expected = datetime.fromtimestamp(SPOKEN_AT).astimezone().isoformat(timespec="seconds")
    return None if rows[0][0] == expected else f"recovered attempt dated {rows[0][0]}, spoken {expected}"


def recovered_audio_kept(run: Run, home: Home) -> str | None:
    kept = [p for p in home.recordings.rglob("*.flac") if ".in-progress" not in p.parts]
    if not kept and not list((home.recordings / ".in-progress").glob("*")):
        return "the interrupted answer's audio is gone"
    return None


def recovered_database_complete(run: Run, home: Home) -> str | None:
    count = attempts_in(home)
    return None if count and count >= 1 else f"the recovered database holds {count} attempt(s), expected 1"


# Setups


def config(text: str) -> Callable[[Home], None]:
    def write(home: Home) -> None:
        home.config.write_text(text)

    return write


def rubricless_bank(home: Home) -> None:
    questions = home.data / "banks" / "mine" / "questions"
    questions.mkdir(parents=True)
    (home.data / "banks" / "mine" / "rubrics").mkdir()
    (questions / "extra.yaml").write_text(
        "topic: supervised-learning\ntitle: Extra\nquestions:\n  - id: orphan\n    phase: 1\n    kind: concept\n"
        "    difficulty: easy\n    time_limit: 60\n    prompt: What is a loss function?\n"
        "    model_answer: A loss function measures how wrong a prediction is.\n")


def write_part(directory: Path, name: str, seconds: float, meta: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * RATE)) / RATE
    (directory / f"{name}.part.pcm").write_bytes((0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype(np.int16).tobytes())
    (directory / f"{name}.part.json").write_text(json.dumps({"samplerate": RATE, "channels": 1, "format": "flac",
                                                             "started_at": SPOKEN_AT, **meta}))


def killed_record(home: Home) -> None:
    write_part(home.root, "out", 9.0, {})


def killed_record_with_note(home: Home) -> None:
    write_part(home.root, "out", 9.0, {})
    notes = home.recordings / ".in-progress" / "viva-record"
    notes.mkdir(parents=True)
    (notes / "probe.json").write_text(json.dumps({"part": str(home.root / "out.part.pcm")}))


def killed_answer(home: Home) -> None:
    write_part(home.recordings / ".in-progress", f"20261127T101010-{QUESTION}", 4.0, {"question_id": QUESTION})


def corrupt_database(home: Home) -> None:
    data = bytearray(home.database.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = np.random.default_rng(1).bytes(4096)
    data[100:4096] = np.random.default_rng(2).bytes(3996)  # the schema page too: every reader trips
    home.database.write_bytes(bytes(data))


class Mounts:
    """Tiny tmpfs mounts for a full or read-only data directory (root only)."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def tmpfs(self, where: Path, size: str) -> None:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True,
                       capture_output=True)
        self.mounted.append(where)

    def cleanup(self) -> None:
        for where in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


MOUNTS = Mounts()


def _onto_tmpfs(home: Home, size: str) -> Path:
    """Move the home's files onto a fresh tmpfs mounted in its place."""
    aside = home.root.with_name(home.root.name + "-aside")
    home.root.rename(aside)
    home.root.mkdir()
    MOUNTS.tmpfs(home.root, size)
    shutil.copytree(aside, home.root, dirs_exist_ok=True)
    shutil.rmtree(aside)
    return home.root


def full_disk(home: Home) -> None:
    """The seeded data on a 4 MB tmpfs, filled to its last bytes."""
    mount = _onto_tmpfs(home, "4m")
    try:
        with open(mount / "filler", "wb", buffering=0) as handle:
            while True:
                handle.write(b"\0" * 4096)
    except OSError:  # ENOSPC: full, as intended
        pass


def read_only_mount(home: Home) -> None:
    """The seeded data on a tmpfs remounted read-only: even root cannot write it."""
    mount = _onto_tmpfs(home, "64m")
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True, capture_output=True)


def cases() -> list[Case]:
    score = ["score", "{files}/speech.wav", "-q", QUESTION, "--no-save"]
    bad_toml = config("daily_size = [\n")
    out_of_range = config("daily_size = 1000\n")
    return [
        Case("control: a spoken answer", score, "ok", wrong=graded),
        Case("config: TOML syntax error", ["history"], setup=bad_toml, says=("config.toml",)),
        Case("config: TOML syntax error", score, setup=bad_toml, says=("config.toml",)),
        Case("config: TOML syntax error", ["today"], setup=bad_toml, says=("config.toml",)),
        Case("config: daily_size = 1000", ["today"], setup=out_of_range, says=("daily_size",)),
        Case("config: daily_size = 1000", score, setup=out_of_range, says=("daily_size",)),
        Case("env: VIVA_TTS_RATE=abc", ["history"], env={"VIVA_TTS_RATE": "abc"}, says=("VIVA_TTS_RATE",)),
        Case("env: VIVA_TTS_RATE=abc", score, env={"VIVA_TTS_RATE": "abc"}, says=("VIVA_TTS_RATE",)),
        Case("audio: 1 s digital silence", ["score", "{files}/silence-1s.flac", "-q", QUESTION, "--no-save"], "ok",
             wrong=not_graded),
        Case("audio: 30 s digital silence", ["score", "{files}/silence-30s.flac", "-q", QUESTION, "--no-save"], "ok",
             wrong=not_graded),
        Case("audio: 10 min digital silence", ["score", "{files}/silence-600s.flac", "-q", QUESTION], "ok",
             wrong=not_graded),
        Case("audio: empty file", ["score", "{files}/empty.wav", "-q", QUESTION], says=("empty",), wrong=nothing_saved),
        Case("audio: corrupt file", ["score", "{files}/corrupt.wav", "-q", QUESTION], says=("not a readable audio",)),
        Case("audio: a directory", ["score", "{files}/folder.wav", "-q", QUESTION], says=("directory",)),
        Case("audio: missing file", ["score", "{files}/missing.wav", "-q", QUESTION], says=("no such file",)),
        Case("audio: transcribe silence", ["transcribe", "{files}/silence-30s.flac"], "ok", says=("silent",)),
        Case("question: unknown id", ["score", "{files}/speech.wav", "-q", "nope"], says=("nope",)),
        Case("question: path-like id", ["score", "{files}/speech.wav", "-q", "../../etc/passwd"]),
        Case("question: rubric failed to load", ["score", "{files}/speech.wav", "-q", "mine/orphan"],
             setup=rubricless_bank, says=("no usable rubric",), wrong=nothing_saved),
        Case("attempt: unknown id, replay", ["replay", "999", "--no-audio"], says=("999",)),
        Case("attempt: unknown id, critique", ["critique", "999"], says=("999",)),
        Case("attempt: unknown id, rate", ["rate", "999", "good"], says=("999",)),
        Case("question: unknown id, wiki", ["wiki", "nope"], env={"EDITOR": "true"}, says=("nope",)),
        Case("question: unknown id, bank show", ["bank", "show", "nope"], says=("nope",)),
        Case("grade: --out in a missing folder", ["grade", "{files}/latin1.csv", "--out", "{home}/no/such/out.csv"],
             says=("cannot write",)),
        Case("grade: Latin-1 CSV", ["grade", "{files}/latin1.csv"], "ok", says=("not UTF-8", "itération")),
        Case("grade: 0-byte CSV", ["grade", "{files}/empty.csv"], says=("empty",)),
        Case("grade: header-only CSV", ["grade", "{files}/header.csv"], says=("no answers",)),
        Case("record: leftover part file", ["record", "{home}/out.flac", "--seconds", "1"], "any",
             setup=killed_record, wrong=leftover_kept_apart, lost=leftover_saved, says=("interrupted",)),
        Case("practice: leftover of viva record", ["practice", "--no-ui", "-q", QUESTION, "--quiet", "--no-critique",
                                                   "--max-seconds", "1"], "any",
             setup=killed_record_with_note, lost=leftover_saved, says=("An interrupted recording (9.0 s)",)),
        Case("practice: killed answer", ["practice", "--no-ui", "-q", QUESTION, "--quiet", "--no-critique",
                                         "--max-seconds", "1"], "any",
             setup=killed_answer, wrong=recovered_attempt_dated_when_spoken, lost=recovered_audio_kept,
             says=("Recovered an interrupted answer",)),
        Case("db: corrupt, history", ["history"], seeded=True, setup=corrupt_database, says=("damaged",)),
        Case("db: corrupt, progress", ["progress"], seeded=True, setup=corrupt_database, says=("damaged",)),
        Case("db: corrupt, export", ["export", "--out", "{home}/export.md"], seeded=True, setup=corrupt_database,
             says=("damaged",)),
        Case("db: corrupt, db recover", ["db", "recover"], "ok", seeded=True, setup=corrupt_database,
             wrong=recovered_database_complete),
        Case("db: read-only mount, history", ["history"], "ok", seeded=True, setup=read_only_mount, needs_root=True),
        Case("db: read-only mount, export", ["export", "--out", "{home}/../export.md"], "ok", seeded=True,
             setup=read_only_mount, needs_root=True),
        Case("db: read-only mount, score", ["score", "{files}/speech.wav", "-q", QUESTION], seeded=True,
             setup=read_only_mount, needs_root=True, says=("read-only",)),
        Case("disk: full, score", ["score", "{files}/speech.wav", "-q", QUESTION], seeded=True, setup=full_disk,
             needs_root=True, says=("full",)),
        Case("disk: full, history", ["history"], "ok", seeded=True, setup=full_disk, needs_root=True),
    ]


def classify(case: Case, run: Run, home: Home, before: dict[str, str], count_before: int | None) -> tuple[str, str]:
    if run.code is None:
        return "hang", f"still running after {run.seconds:.0f} s"
    if "Traceback (most recent call last)" in run.stderr:
        return "traceback", run.stderr.strip().splitlines()[-1][:90]
    after = snapshot(home.root)
    missing = [path for digest, path in before.items() if digest not in after and not path.endswith(".part.json")
               and "viva-record" not in path]
    if case.lost is not None:
        why = case.lost(run, home)
        if why:
            return "data loss", why
    elif missing:
        return "data loss", f"gone: {', '.join(missing[:3])}"
    count_after = attempts_in(home)
    if count_before and count_after is not None and count_after < count_before:
        return "data loss", f"attempts {count_before} -> {count_after}"
    if case.wrong is not None and (why := case.wrong(run, home)):
        return "wrong", why
    text = (run.stdout + run.stderr).lower()
    unsaid = [s for s in case.says if s.lower() not in text]
    message = first_line(run.stderr if run.code else run.stdout + "\n" + run.stderr)
    if case.expect == "ok" and run.code != 0:
        return "wrong", f"refused: {message}"
    if case.expect == "error" and run.code == 0:
        return "wrong", f"accepted: {message}"
    if unsaid:
        return "wrong", f"does not mention {unsaid[0]!r}: {message}"
    return ("ok" if run.code == 0 else "clear error"), message


TELLING = ("error", "not graded", "score:", "note:", "an interrupted", "recovered", "wrote", "salvaged")


def first_line(text: str) -> str:
    """The line that says what happened (an error, the grade, a notice), else the first."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error")]
    telling = [line for line in lines if line.lower().startswith(TELLING)]
    return ([*errors, *telling, *lines] or [""])[0][:90]


def run_case(case: Case, files: Path, seed: Path | None, workdir: Path, index: int, timeout: float) -> tuple[str, str, Run]:
    root = workdir / f"case-{index:02d}"
    root.mkdir()
    if case.seeded:
        shutil.copytree(seed, root / "home")
    home = Home(root / "home" if case.seeded else root)
    if case.setup is not None:
        case.setup(home)
    before, count_before = snapshot(home.root), attempts_in(home)
    args = [a.replace("{files}", str(files)).replace("{home}", str(home.root)) for a in case.args]
    started = time.monotonic()
    try:
        done = subprocess.run([*VIVA, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO,
                              env=home.env(case.env), stdin=subprocess.DEVNULL)
        run = Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    except subprocess.TimeoutExpired as exc:
        run = Run(None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - started)
    kind, why = classify(case, run, home, before, count_before)
    return kind, why, run


def _text(value: bytes | str | None) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="Run the cases whose name contains this text.")
    parser.add_argument("--timeout", type=float, default=180.0, help="Seconds before a command counts as a hang.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary homes (their path is printed).")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="viva-probe-"))
    selected = [c for c in cases() if not options.only or options.only.lower() in c.name.lower()]
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    started = time.monotonic()
    try:
        files = workdir / "files"
        voice = make_files(files, options.timeout)
        seed, seed_problem = None, None
        if any(c.seeded for c in selected):
            seed = workdir / "seed"
            seed_problem = seed_home(seed, files, options.timeout)
        print(f"Bad-input probe: {len(selected)} cases, answer spoken by {voice}, homes in {workdir}\n")
        header = f"{'case':<36} {'command':<34} {'exit':>4}  {'class':<11} detail"
        print(header)
        print("-" * len(header))
        tally: dict[str, int] = {}
        for index, case in enumerate(selected):
            command = " ".join(a.replace("{files}/", "").replace("{home}/", "") for a in case.args)[:34]
            if case.needs_root and not is_root:
                kind, why, code = "skipped", "needs root (a tiny tmpfs)", "-"
            elif case.seeded and seed_problem:
                kind, why, code = "skipped", f"no seeded home: {seed_problem[:60]}", "-"
            else:
                kind, why, run = run_case(case, files, seed, workdir, index, options.timeout)
                code = "-" if run.code is None else str(run.code)
            tally[kind] = tally.get(kind, 0) + 1
            print(f"{case.name:<36} {command:<34} {code:>4}  {kind:<11} {why}", flush=True)
        print(f"\n{', '.join(f'{n} {k}' for k, n in sorted(tally.items()))}; {time.monotonic() - started:.0f} s")
    finally:
        MOUNTS.cleanup()
        if options.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    bad = sum(tally.get(k, 0) for k in ("traceback", "hang", "wrong", "data loss"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
