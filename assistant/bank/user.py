"""Your own question banks: directories in the built-in YAML format, loaded beside the built-in bank.

One bank is one directory; its name (lower-cased, other characters turned into hyphens) is
the namespace of its questions:

    acme/
      questions/<topic>.yaml      the question_bank/ format
      rubrics/<topic>.yaml        the rubrics/ format, keyed by the ids written in questions/
      rubrics/templates/*.yaml    optional shared points (the built-in templates work too)

A question written as `id: feature-store` in acme/ is `acme/feature-store` everywhere else
(`-q`, history, notes), so it can never collide with a built-in question or another bank's.
Topics are not namespaced: a user question may join a built-in topic, and the study plan
schedules it by its `phase` like any other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from assistant.bank.loader import Bank, BankProblem, load_source, load_templates
from assistant.bank.schema import RubricTemplateModel
from assistant.domain import BUILT_IN

QUESTIONS = "questions"
RUBRICS = "rubrics"
DEFAULT_BANK = "mine"
"""Name of the bank `viva bank new` and `viva bank import` write to when none is configured."""


def namespace_of(directory: Path) -> str:
    """The namespace a bank directory gives its ids: `My Bank` -> `my-bank`."""
    return re.sub(r"[^a-z0-9]+", "-", directory.name.lower()).strip("-")


def load_user_banks(bank: Bank, directories: Sequence[Path], builtin_templates: dict[str, RubricTemplateModel]) -> None:
    """Add each user bank to `bank`; a bank that cannot load is reported and skipped."""
    for directory in directories:
        namespace = namespace_of(directory)
        problem = _layout_problem(directory, namespace, bank)
        if problem is not None:
            bank.problems.append(problem)
            continue
        bank.sources[namespace] = directory
        templates = dict(builtin_templates)
        own = load_templates(directory / RUBRICS / "templates", bank.problems, {"user_bank": True})
        for name, template in own.items():
            if name in builtin_templates:
                bank.problems.append(BankProblem(directory / RUBRICS / "templates", 0, "name",
                                                 f"template {name!r} is a built-in template's name; rename yours"))
                continue
            templates[name] = template
        load_source(bank, directory / QUESTIONS, directory / RUBRICS, templates, namespace=namespace, source=namespace)


def _layout_problem(directory: Path, namespace: str, bank: Bank) -> BankProblem | None:
    if not directory.is_dir():
        return BankProblem(directory, 0, "", "user bank directory does not exist (check user_bank_dirs in the config)")
    if not namespace or namespace == BUILT_IN:
        return BankProblem(directory, 0, "", f"{directory.name!r} cannot be a namespace (the directory's name becomes "
                           "the prefix of its ids); rename the directory")
    if namespace in bank.sources:
        return BankProblem(directory, 0, "", f"namespace {namespace!r} is already used by {bank.sources[namespace]}; rename one directory")
    if not (directory / QUESTIONS).is_dir():
        loose = sorted(p.name for p in directory.glob("*.yaml"))
        hint = f" (found {', '.join(loose)} at the top: move them into {QUESTIONS}/ and {RUBRICS}/)" if loose else ""
        return BankProblem(directory, 0, "", f"not a question bank: no {QUESTIONS}/ directory{hint}")
    return None
