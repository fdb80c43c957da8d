"""Train the bundled point judge from the built-in bank: `viva models judge`.

This sits above `bank` and `scoring` (it reads the one to train the other), so neither needs
to know the other. The result ships in the package (assistant/scoring/judge_weights/); run
this again after changing the bank's rubrics or the recipe, and commit the new weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from assistant.config import Settings

# Bump when judge_data.py or judge_train.py changes what a build produces.
JUDGE_RECIPE = 3
SEED = 0


def rubric_digest(rubric_dir: Path) -> str:
    """Which rubric files a judge was trained on (recorded beside the weights)."""
    digest = hashlib.sha256()
    for path in sorted(rubric_dir.rglob("*.yaml")):
        digest.update(path.relative_to(rubric_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_judge(settings: Settings, out_file: Path, progress: Callable[[float], None] | None = None,
                holdout: frozenset[str] = frozenset()) -> Path:
    """Train on every built-in rubric except the question ids in `holdout` (for measuring)."""
    from assistant.bank import load_bank
    from assistant.scoring.embedder import SentenceTransformerEmbedder
    from assistant.scoring.judge_data import training_pairs
    from assistant.scoring.judge_train import train_judge

    bank = load_bank(settings.question_dir, settings.rubric_dir)
    topics: dict[str, list] = {}
    for question in bank.questions.values():
        if question.rubric is not None and question.id not in holdout:
            topics.setdefault(question.topic, []).append(question.rubric)
    pairs = training_pairs(list(topics.values()), seed=SEED)
    metadata = {"recipe": JUDGE_RECIPE, "rubrics": rubric_digest(settings.rubric_dir),
                "questions": sum(len(t) for t in topics.values()), "held_out": sorted(holdout)}
    # Always the bundled embedder: the judge's features are its embeddings.
    embedder = SentenceTransformerEmbedder(batch_size=128, cache_size=200_000)
    cache = settings.cache_dir / "judge-train-embeddings.npz"
    _load_embeddings(embedder, cache)  # re-training after a small edit re-embeds only what changed
    try:
        return train_judge(pairs, embedder, out_file, seed=SEED, progress=progress, metadata=metadata)
    finally:
        _save_embeddings(embedder, cache)


def _load_embeddings(embedder, path: Path) -> None:
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            embedder._cache.update(zip(data["texts"].tolist(), data["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        pass  # no cache yet, or an unreadable one: embed everything


def _save_embeddings(embedder, path: Path) -> None:
    import numpy as np

    texts = list(embedder._cache)
    if texts:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, texts=np.array(texts), vectors=np.stack([embedder._cache[t] for t in texts]))
