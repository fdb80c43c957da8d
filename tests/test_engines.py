"""ASR engine wiring: priming prompts, engine choice, the openai-whisper engine on real weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.services import Services
from assistant.speech.asr import build_prompt, make_transcriber
from assistant.speech.asr.base import FILLER_PRIMER, MAX_PROMPT_CHARS
from tests.conftest import REPO
from tests.fakes import FakeTranscriber, transcript_from_words


def test_prompt_lists_the_question_and_its_keywords() -> None:
    services = Services(settings=Settings())
    question = services.bank.get("llm-self-attention")
    prompt = build_prompt(question, question.rubric.keywords)
    assert prompt.startswith(FILLER_PRIMER) and question.prompt in prompt
    assert "softmax" in prompt.lower() and len(prompt) <= MAX_PROMPT_CHARS
    assert build_prompt(None, (), keep_fillers=False) is None


def test_score_recording_primes_the_transcriber(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import soundfile as sf

    from assistant.practice import score_recording
    from tests.fakes import BagOfWordsEmbedder

    wav = tmp_path / "a.wav"
    # Sound, not digital silence: silence is refused before the transcriber is asked.
    sf.write(str(wav), np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32), 16000)
    services = Services(settings=Settings(data_dir=tmp_path / "d", recordings_dir=tmp_path / "r"))
    fake = FakeTranscriber(transcript_from_words([("Gradient", 0.1, 0.5), ("descent", 0.5, 0.9), ("steps.", 0.9, 1.0)]))
    services.__dict__["transcriber"] = fake
    services.__dict__["embedder"] = BagOfWordsEmbedder()
    attempt = score_recording(services, wav, services.bank.get("sl-gradient-descent"))
    assert "learning rate" in fake.prompts[0].lower()
    assert attempt.id == 1 and attempt.audio_path.exists() and attempt.engine_versions["asr"] == "fake fake"


def test_unknown_engine_and_missing_models_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown ASR engine"):
        make_transcriber(Settings(), "whisper.cpp")
    with pytest.raises(FileNotFoundError, match="does not download models"):
        make_transcriber(Settings(asr_model="large-v3", cache_dir=tmp_path), "openai-whisper")
    transcriber = make_transcriber(Settings(asr_model=str(tmp_path)), "faster-whisper")
    with pytest.raises(FileNotFoundError, match="not a CTranslate2 Whisper model"):
        transcriber.load()


@pytest.mark.slow
def test_openai_whisper_engine_runs_offline_on_the_converted_bundled_model(tmp_path: Path, espeak) -> None:
    from assistant.audio.files import load_for_asr
    from assistant.speech.tts import write_speech

    settings = Settings(cache_dir=tmp_path / "cache")
    transcriber = make_transcriber(settings, "openai-whisper")  # converts the bundled tiny.en on first use
    assert (tmp_path / "cache" / "openai-whisper" / "tiny.en.pt").is_file()
    wav = write_speech(espeak, "The learning rate controls the size of each gradient step.", tmp_path / "s.wav")
    transcript = transcriber.transcribe(load_for_asr(wav), prompt="Terms: learning rate, gradient.")
    assert transcript.engine == "openai-whisper"
    assert "learning rate" in transcript.text.lower() and "gradient" in transcript.text.lower()
    assert transcript.words and all(w.end >= w.start for w in transcript.words)


def test_repo_layout_matches_the_product_card() -> None:
    for name in ("pyproject.toml", "README.md", "assistant", "question_bank", "rubrics", "recordings", "tests"):
        assert (REPO / name).exists(), name
