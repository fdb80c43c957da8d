"""Embeddings kept on disk between runs of the gates, keyed by text.

The gates embed every model answer's sentences, every rubric phrasing and every prompt: about
15,000 texts, minutes of MiniLM on two cores. Almost none change between runs, so vectors are
stored under the cache directory, one file per embedding model, keyed by a hash of the text.
The vectors are the embedder's own (float32), so a cached run scores exactly like a fresh one.
A cache that cannot be read is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from assistant.store.files import atomic_write_bytes


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class DiskCachedEmbedder:
    """Wraps an embedder (anything with `name` and `encode`); `save()` writes new vectors."""

    def __init__(self, inner, directory: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.path = directory / f"{hashlib.sha1(str(inner.name).encode()).hexdigest()[:16]}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        except (OSError, KeyError, ValueError, EOFError):
            pass

    def __getattr__(self, name: str):
        return getattr(self.inner, name)  # load(), dims ... of the wrapped embedder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [_key(t) for t in texts]
        missing = list(dict.fromkeys((k, t) for k, t in zip(keys, texts) if k not in self._vectors))
        if missing:
            vectors = self.inner.encode([t for _, t in missing])
            self._vectors.update(zip((k for k, _ in missing), np.asarray(vectors, dtype=np.float32), strict=True))
            self._dirty = True
        if not texts:
            return self.inner.encode([])
        return np.stack([self._vectors[k] for k in keys])

    def save(self) -> None:
        if not self._dirty:
            return
        buffer = io.BytesIO()
        keys = list(self._vectors)
        np.savez(buffer, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        try:
            atomic_write_bytes(self.path, buffer.getvalue())
            self._dirty = False
        except OSError:
            pass  # a read-only cache only costs the embedding next time


@contextmanager
def cached_embeddings(scorer, directory: Path | None) -> Iterator[None]:
    """While inside, `scorer.embedder` reads and fills the disk cache in `directory`."""
    if scorer is None or directory is None:
        yield
        return
    inner = scorer.embedder
    cached = DiskCachedEmbedder(inner, directory)
    scorer.embedder = cached
    try:
        yield
    finally:
        scorer.embedder = inner
        cached.save()
