"""House rules enforced: the core never imports Textual; the CLI starts without heavy imports."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

HEAVY = ("torch", "faster_whisper", "sentence_transformers", "whisper", "ctranslate2", "piper", "transformers")


def test_only_the_ui_package_imports_textual() -> None:
    offenders = []
    for path in (REPO / "assistant").rglob("*.py"):
        if "ui" in path.relative_to(REPO / "assistant").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(str(path))
    assert offenders == []


def test_cli_and_bank_import_no_model_libraries() -> None:
    code = (
        "import sys, assistant.cli, assistant.bank, assistant.services, assistant.practice\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""
