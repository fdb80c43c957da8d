"""The point judge: does this span of the answer state this rubric point?

Embeddings measure topic, so two sentences about bias and variance sit close whatever they
claim. The bundled judge is a small network trained here on pairs built from the bank (see
judge_data.py, judge_train.py) over the claim's and span's embeddings plus the relations an
embedding blurs (judge_features.py): it answers not / partly / states. It reuses the scorer's
embeddings, so it adds about a millisecond per answer; its weights ship in judge_weights/.

A fine-tuned cross-encoder reads claim and span together and should judge better, but on two
CPU cores MiniLM-L6 costs ~25 ms per pair to run and ~16 s per training step of 32 pairs: too
slow for feedback 0.8 s after an answer or for `viva grade`. A user with such a model (labels
not / partly / states) sets judge_model to its directory (CrossEncoderJudge).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.scoring.embedder import Embedder
from assistant.scoring.judge_features import pair_features

# Judged pairs are remembered: streaming re-scores the same spans as the answer grows.
_CACHE_SIZE = 20_000
MAX_TOKENS = 128
WEIGHTS_DIR = Path(__file__).with_name("judge_weights")
WEIGHTS_FILE = "judge.npz"


class PointJudge(Protocol):
    name: str

    def judge(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities (not, partly, states) per (claim, span) pair: shape (n, 3)."""
        ...


class JudgeUnavailable(RuntimeError):
    """The judge's files are missing or broken; the message says how to fix it."""


class FeatureJudge:
    """The bundled judge: a two-layer network over judge_features.pair_features."""

    def __init__(self, embedder: Embedder, weights: Path = WEIGHTS_DIR / WEIGHTS_FILE) -> None:
        self.embedder = embedder
        self.weights = weights
        self.name = f"point judge ({weights.name})"
        self._params: dict[str, np.ndarray] | None = None

    def load(self) -> None:
        if self._params is not None:
            return
        try:
            with np.load(self.weights) as data:
                self._params = {k: data[k] for k in ("mean", "scale", "w1", "b1", "w2", "b2")}
        except (OSError, KeyError, ValueError) as exc:
            raise JudgeUnavailable(f"{self.weights}: the point judge's weights are missing or broken ({exc}); "
                                   "reinstall Viva, run `viva models judge`, or set scorer = \"embedding\".") from exc

    def judge(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        self.load()
        claims = [c for c, _ in pairs]
        spans = [s for _, s in pairs]
        vectors = self.embedder.encode(claims + spans)
        features = pair_features(vectors[: len(pairs)], vectors[len(pairs) :], claims, spans)
        if features.shape[1] != self._params["mean"].shape[0]:
            raise JudgeUnavailable(f"{self.weights} was trained on {self._params['mean'].shape[0]}-wide features, "
                                   f"this embedder gives {features.shape[1]}: use the bundled embedder, or retrain "
                                   "with `viva models judge`.")
        return forward(self._params, features)


def forward(params: dict[str, np.ndarray], features: np.ndarray) -> np.ndarray:
    x = (features - params["mean"]) / params["scale"]
    hidden = np.maximum(x @ params["w1"] + params["b1"], 0.0)
    logits = hidden @ params["w2"] + params["b2"]
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


class CrossEncoderJudge:
    """A user's Hugging Face sequence-classification directory with labels (not, partly, states)."""

    def __init__(self, model_dir: Path | str, *, batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir)
        self.name = f"point judge ({self.model_dir.name})"
        self._batch_size = batch_size
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
            from transformers.utils import logging as hf_logging

            if not (self.model_dir / "config.json").exists():
                raise JudgeUnavailable(f"{self.model_dir}: no model here; set judge_model to a cross-encoder directory "
                                       "with labels not/partly/states, or leave it empty for the bundled judge.")
            hf_logging.set_verbosity_error()
            self._tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            self._model = AutoModelForSequenceClassification.from_pretrained(self.model_dir).eval()

    def judge(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        missing = list(dict.fromkeys(p for p in pairs if p not in self._cache))
        if missing:
            self.load()
            for start in range(0, len(missing), self._batch_size):
                batch = missing[start : start + self._batch_size]
                for pair, probs in zip(batch, self._predict(batch), strict=True):
                    self._cache[pair] = probs
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        return np.stack([self._cache[p] for p in pairs])

    def _predict(self, batch: list[tuple[str, str]]) -> np.ndarray:
        import torch

        assert self._model is not None and self._tokenizer is not None
        encoded = self._tokenizer([c for c, _ in batch], [s for _, s in batch], padding=True,
                                  truncation="longest_first", max_length=MAX_TOKENS, return_tensors="pt")
        with torch.inference_mode():
            logits = self._model(**encoded).logits
        return torch.softmax(logits.float(), dim=-1).numpy()


def states_score(probs: np.ndarray) -> np.ndarray:
    """One number per pair: 1 = states it, 0.5 = partly, 0 = not."""
    return probs[..., 2] + 0.5 * probs[..., 1]
