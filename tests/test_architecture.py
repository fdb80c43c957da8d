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


def _imports(package: str) -> dict[str, set[str]]:
    """Modules each file of an assistant sub-package imports (absolute names; relative resolved)."""
    found: dict[str, set[str]] = {}
    root = REPO / "assistant" / package
    for path in root.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = ".".join(("assistant", package, *path.relative_to(root).parts[:-1]))
                    base = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                    names.add(f"{base}.{node.module}" if node.module else base)
                else:
                    names.add(node.module or "")
        found[str(path.relative_to(REPO))] = names
    return found


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{file}: {name}" for file, names in _imports(package).items() for name in names
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


def test_the_bank_knows_no_scorer_and_the_scorer_knows_no_bank() -> None:
    # assistant.gates sits above both: it holds the bank's content to the scorer.
    assert _offenders("bank", ("assistant.scoring", "assistant.gates")) == []
    assert _offenders("scoring", ("assistant.bank", "assistant.gates")) == []
