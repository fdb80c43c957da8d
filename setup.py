"""Build step: ship the top-level question_bank/ and rubrics/ inside the wheel.

The bank sits at the top of the repository (the product card fixes that layout), outside the
`assistant` package, and a wheel only carries packages. So the build copies both directories
to assistant/_bundled/, where assistant.config looks when Viva is not run from a checkout.
An editable install (`pip install -e .`) skips the copy and reads the checkout's own files.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BANK_DIRS = ("question_bank", "rubrics")


class BuildWithBank(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in BANK_DIRS:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"{source} is missing: the wheel would have no question bank")
            target = Path(self.build_lib) / "assistant" / "_bundled" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=_not_yaml)


def _not_yaml(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".yaml") and not (Path(directory) / n).is_dir()]


setup(cmdclass={"build_py": BuildWithBank})
