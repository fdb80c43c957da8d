"""The llama.cpp build that scripts/setup.sh installs runs on any AVX2 CPU, not only this one.

CI once died of SIGILL ("Illegal instruction", exit 132) in the first critique test: the wheel had
been built with -march=native on a CPU with AVX-512 and run on one without. AVX-512 code uses the
zmm registers, so a disassembly without any zmm is a build that a CPU without AVX-512 can run.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest


def llama_cpp_libraries() -> list[Path]:
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        pytest.skip("llama-cpp-python is not installed (VIVA_SKIP_LLAMA_CPP=1)")
    return sorted((Path(spec.origin).parent / "lib").glob("*.so*"))


def test_the_llama_cpp_build_has_no_avx512_instructions() -> None:
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    libraries = llama_cpp_libraries()
    assert any("ggml-cpu" in lib.name for lib in libraries), libraries
    for library in libraries:
        disassembly = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)],
                                     capture_output=True, text=True, check=True).stdout
        assert "%zmm" not in disassembly, f"{library.name} uses AVX-512: rebuild it with scripts/setup.sh"
