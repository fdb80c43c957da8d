"""Train the bundled point judge (judge.FeatureJudge) from judge_data pairs, on the CPU.

Embedding the pairs' texts is the slow part (a few minutes on two cores, once); the network is
small (about 50k weights) and trains in seconds. Deterministic for a given machine: fixed
seed, full-batch updates.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.scoring.embedder import Embedder
from assistant.scoring.judge_data import LABELS, JudgePair
from assistant.scoring.judge_features import pair_features


def features_for(embedder: Embedder, pairs: Sequence[JudgePair], progress: Callable[[float], None] | None = None) -> np.ndarray:
    texts = list(dict.fromkeys([p.claim for p in pairs] + [p.span for p in pairs]))
    step = 512
    for start in range(0, len(texts), step):  # in slices, so progress can be shown
        embedder.encode(texts[start : start + step])
        if progress:
            progress(0.9 * min(1.0, (start + step) / len(texts)))
    claims = embedder.encode([p.claim for p in pairs])
    spans = embedder.encode([p.span for p in pairs])
    return pair_features(claims, spans, [p.claim for p in pairs], [p.span for p in pairs])


def fit(features: np.ndarray, labels: np.ndarray, *, hidden: int = 32, epochs: int = 400, learning_rate: float = 3e-3,
        weight_decay: float = 1e-3, seed: int = 0) -> dict[str, np.ndarray]:
    """A two-layer network, full batch. The loss is not class-balanced on purpose: most spans an
    answer offers for a point do not state it, and the judge's probabilities should say so."""
    import torch

    torch.manual_seed(seed)
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    x = torch.tensor((features - mean) / scale, dtype=torch.float32)
    y = torch.tensor(labels, dtype=torch.long)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(hidden, len(LABELS)))
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    for _ in range(epochs):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimiser.step()
    model.eval()
    first, last = model[0], model[3]
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "w1": first.weight.detach().numpy().T.copy(), "b1": first.bias.detach().numpy().copy(),
            "w2": last.weight.detach().numpy().T.copy(), "b2": last.bias.detach().numpy().copy()}


def train_judge(pairs: Sequence[JudgePair], embedder: Embedder, out_file: Path, *, seed: int = 0,
                progress: Callable[[float], None] | None = None, metadata: dict | None = None) -> Path:
    """Train and write the weights (.npz) and a .json describing how they were made."""
    started = time.perf_counter()
    features = features_for(embedder, pairs, progress)
    params = fit(features, np.array([p.label for p in pairs]), seed=seed)
    if progress:
        progress(1.0)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.stem + ".tmp.npz")
    np.savez_compressed(tmp, **params)
    os.replace(tmp, out_file)  # appears whole or not at all
    info = {"labels": list(LABELS), "pairs": len(pairs), "label_counts": np.bincount([p.label for p in pairs]).tolist(),
            "seed": seed, "embedder": getattr(embedder, "name", "?"), "seconds": round(time.perf_counter() - started, 1),
            **(metadata or {})}
    out_file.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    return out_file
