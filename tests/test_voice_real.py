"""The real audio path, through a PulseAudio null sink: TTS reaches the speakers, answers
played into the "microphone" are recorded, transcribed and scored, kills lose at most a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.playback import Player
from assistant.audio.recorder import Recorder, recover_partial_recordings
from assistant.practice import AnswerSession, score_recording
from assistant.speech.tts import Speaker, write_speech
from tests.audio_env import DEVICE, play

pytestmark = [pytest.mark.slow, pytest.mark.audio]

# Every rubric point sits well clear of the hit/partial thresholds for this answer (hits 0.65 and
# up, misses 0.40 and below), so the live recording must give the same statuses as the file.
# An earlier answer left 'why-sparse' at 0.52 against a 0.50 threshold; the streamed transcript
# splits sentences differently, and that point flipped in CI.
SHORT_ANSWER = (  # about 15 s spoken; where only the recording path matters
    "L1 regularization adds the sum of the absolute values of the weights to the loss, which drives many "
    "weights exactly to zero, so it gives sparse models and performs feature selection. L2 adds the sum of "
    "squared weights and shrinks them smoothly toward zero without making them sparse."
)
ANSWER = SHORT_ANSWER + (  # about 27 s spoken
    " The reason is that the L1 penalty has a kink and is not differentiable at zero, so it keeps pushing each "
    "weight toward zero with the same force, while the L2 push fades as the weight gets small."
)


def test_spoken_question_reaches_the_sink(pulse, piper, tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "monitor", device=DEVICE)
    recorder.start()
    time.sleep(0.3)
    speaker = Speaker(piper, Player(DEVICE))
    speaker.say("Explain the bias-variance trade-off.", block=True)
    time.sleep(0.3)
    recording = recorder.stop()
    assert speaker.error is None
    audio, _ = sf.read(str(recording.path), dtype="float32")
    assert recording.duration > 1.5 and float(np.abs(audio).max()) > 0.1


def test_speaking_can_be_interrupted(pulse, piper) -> None:
    speaker = Speaker(piper, Player(DEVICE))
    speaker.say("This is a long question that the candidate interrupts. " * 6)
    time.sleep(1.5)
    started = time.monotonic()
    speaker.stop()
    assert not speaker.speaking and time.monotonic() - started < 1.0


MARGIN = 0.05  # similarity; wider than any CPU-to-CPU or streamed-vs-file difference seen
# The re-reading model's "yes" probability moves more with a word changed by the recognizer.
CHECK_MARGIN = 0.15


def test_answer_played_into_the_sink_is_recorded_scored_like_the_file(pulse, real_services, piper, tmp_path: Path) -> None:
    question = real_services.bank.get("sl-l1-vs-l2")
    wav = write_speech(piper, ANSWER, tmp_path / "answer.wav", lead_silence=0.5)
    direct = score_recording(real_services, wav, question, save=False)
    session = AnswerSession(real_services, question, device=DEVICE, max_seconds=40)
    session.silence.trailing_silence = 2.0
    session.start()
    player = play(wav, pulse)
    reason = session.wait()
    player.wait(10)
    attempt = session.finish()
    assert reason == "silence"
    assert attempt.id is not None and attempt.audio_path.exists() and attempt.score.graded
    recorded = {p.point_id: (p.status, p.similarity, p.confirmed) for p in attempt.score.points}
    from_file = {p.point_id: (p.status, p.similarity, p.confirmed) for p in direct.score.points}
    why = f"recorded: {attempt.transcript.text!r} {recorded}\nfile: {direct.transcript.text!r} {from_file}"
    # What the test is about: the recorded answer is scored like the file. Floats differ from one
    # CPU to the next and audio through a sound server is not bit-identical, so a point within
    # MARGIN of a threshold in either run may land on either side; every other point must agree,
    # and the overall may differ by at most what those borderline points weigh.
    import jiwer

    assert jiwer.wer(direct.transcript.text.lower(), attempt.transcript.text.lower()) <= 0.15, why
    thresholds = (real_services.scorer.thresholds.hit, real_services.scorer.thresholds.partial)
    checker = real_services.point_checker  # its re-reading has thresholds of its own
    check_thresholds = (checker.keep, checker.drop) if checker is not None else ()
    near = {k for run in (recorded, from_file) for k, (_, sim, confirmed) in run.items()
            if any(abs(sim - t) < MARGIN for t in thresholds)
            or (confirmed is not None and any(abs(confirmed - t) < CHECK_MARGIN for t in check_thresholds))}
    # A point one run credits and re-reads while the other does not is decided by the margins above.
    settled = {k: status for k, (status, _, _) in from_file.items() if k not in near}
    assert {k: status for k, (status, _, _) in recorded.items() if k not in near} == settled, why
    weights = {p.point_id: p.weight for p in direct.score.points}
    bound = 100 * sum(weights[k] for k in near) / sum(weights.values())
    assert abs(attempt.score.overall - direct.score.overall) <= bound + 0.1, why
    assert "sparse" in attempt.transcript.text.lower()
    assert not list((real_services.settings.audio_dir / ".in-progress").glob("*"))  # nothing left behind


RECORDER_SCRIPT = """
import sys, time
from pathlib import Path
from assistant.audio.recorder import Recorder
recorder = Recorder(Path(sys.argv[1]), device="pulse", metadata={"question_id": "sl-l1-vs-l2"})
recorder.start()
print("started", flush=True)
while True:
    time.sleep(0.05)
    print(f"{recorder.elapsed:.3f}", flush=True)
"""


def test_sigkill_mid_answer_loses_at_most_one_second(pulse, piper, tmp_path: Path) -> None:
    wav = write_speech(piper, ANSWER * 2, tmp_path / "long.wav")
    part_dir = tmp_path / "in-progress"
    child = subprocess.Popen([sys.executable, "-c", RECORDER_SCRIPT, str(part_dir / "answer")], env=pulse,
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert child.stdout.readline().strip() == "started"
    player = play(wav, pulse)
    last_elapsed = 0.0
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        last_elapsed = float(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    player.kill()
    recovered = recover_partial_recordings(part_dir)
    assert len(recovered) == 1
    recording = recovered[0]
    assert recording.metadata["question_id"] == "sl-l1-vs-l2"
    assert recording.duration >= last_elapsed - 1.0, (recording.duration, last_elapsed)
    audio, _ = sf.read(str(recording.path), dtype="float32")
    assert float(np.abs(audio).max()) > 0.1  # it holds the answer, not silence


def test_silence_ends_the_answer_before_the_time_limit(pulse, real_services, piper, tmp_path: Path) -> None:
    wav = write_speech(piper, "Bias is error from wrong assumptions.", tmp_path / "short.wav")
    session = AnswerSession(real_services, real_services.bank.get("sl-bias-variance"), device=DEVICE, max_seconds=30)
    session.silence.trailing_silence = 1.5
    session.start()
    play(wav, pulse).wait(10)
    started = time.monotonic()
    assert session.wait() == "silence"
    assert time.monotonic() - started < 5
    attempt = session.finish()
    assert attempt.transcript.duration < 20


def test_replay_plays_the_saved_answer(pulse, real_services, piper, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app, practice

    monkeypatch.setattr(practice, "services", lambda engine=None: real_services)
    wav = write_speech(piper, "Variance is sensitivity to the training sample.", tmp_path / "v.wav")
    attempt = score_recording(real_services, wav, real_services.bank.get("sl-bias-variance"))
    recorder = Recorder(tmp_path / "monitor", device=DEVICE)
    recorder.start()
    result = CliRunner().invoke(app, ["replay", str(attempt.id), "--device", DEVICE])
    recording = recorder.stop()
    assert result.exit_code == 0, result.output
    assert "Variance" in result.output
    audio, _ = sf.read(str(recording.path), dtype="float32")
    assert float(np.abs(audio).max()) > 0.1
    attempt.audio_path.unlink()
    missing = CliRunner().invoke(app, ["replay", str(attempt.id)])
    assert missing.exit_code == 1 and "recording of attempt" in missing.output and "missing" in missing.output


def test_record_command_writes_a_file(pulse, piper, tmp_path: Path) -> None:
    wav = write_speech(piper, "Gradient descent.", tmp_path / "g.wav")
    out = tmp_path / "out.wav"
    player = play(wav, pulse)
    result = subprocess.run([sys.executable, "-m", "assistant", "record", str(out), "--seconds", "2", "--device", DEVICE],
                            env=pulse, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    player.wait(10)
    assert result.returncode == 0, result.stderr
    info = sf.info(str(out))
    assert 1.8 <= info.duration <= 3.0


def test_practice_no_ui_records_scores_and_saves(pulse, piper, tmp_path: Path) -> None:
    wav = write_speech(piper, SHORT_ANSWER, tmp_path / "answer.wav", lead_silence=1.0)
    # os.environ holds this test's private VIVA_DATA_DIR etc.; `pulse` was captured before them.
    env = {**os.environ, "XDG_RUNTIME_DIR": pulse["XDG_RUNTIME_DIR"], "VIVA_TRAILING_SILENCE": "2", "VIVA_INPUT_DEVICE": DEVICE, "VIVA_OUTPUT_DEVICE": DEVICE}
    child = subprocess.Popen([sys.executable, "-m", "assistant", "practice", "--no-ui", "-q", "sl-l1-vs-l2",
                              "--max-seconds", "40", "--no-critique"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    # The question is spoken first (into the same sink); play the answer once recording has begun.
    deadline = time.monotonic() + 60
    line = ""
    while "recording" not in line and time.monotonic() < deadline:
        line = child.stderr.readline()
    play(wav, pulse).wait(60)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert "stopped (silence)" in err
    assert "Score:" in out and "Saved as attempt #" in out and "sparse" in out.lower()
    assert list(Path(os.environ["VIVA_RECORDINGS_DIR"]).rglob("*sl-l1-vs-l2.flac"))
