"""Answer audio in any common format, rate and channel count; clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.files import ASR_SAMPLE_RATE, AudioError, load_for_asr


def tone(seconds: float, rate: int, channels: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = 0.3 * np.sin(2 * np.pi * 440 * t)
    return np.stack([mono] * channels, axis=1).astype(np.float32)


@pytest.mark.parametrize(
    "suffix, rate, channels, subtype",
    [(".wav", 44100, 2, "PCM_16"), (".wav", 8000, 1, "PCM_16"), (".flac", 48000, 2, None),
     (".ogg", 22050, 1, "VORBIS"), (".mp3", 44100, 2, "MPEG_LAYER_III")],
)
def test_formats_rates_and_channels_become_16k_mono(tmp_path: Path, suffix: str, rate: int, channels: int,
                                                    subtype: str | None) -> None:
    path = tmp_path / f"answer{suffix}"
    sf.write(str(path), tone(2.0, rate, channels), rate, subtype=subtype)
    audio = load_for_asr(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) / ASR_SAMPLE_RATE - 2.0) < 0.1  # mp3 adds a little padding
    assert 0.15 < float(np.abs(audio).max()) <= 1.0


def test_empty_audio_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    sf.write(str(path), np.zeros((0, 1), dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="empty"):
        load_for_asr(path)


def test_a_zero_byte_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match=r"the file is empty \(0 bytes\)"):
        load_for_asr(path)


def test_non_audio_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("this is not audio at all\n" * 50)
    with pytest.raises(AudioError, match="not a readable audio file"):
        load_for_asr(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file"):
        load_for_asr(tmp_path / "nope.wav")
    with pytest.raises(AudioError, match="is a directory"):
        load_for_asr(tmp_path)
