"""Load and validate the question bank and rubrics into `assistant.domain` objects.

A broken file is reported with file, line and field, and only that file's questions are
left out: the rest of the bank keeps working. The built-in bank is loaded first, then each of
the user's own banks (`assistant.bank.user`), whose ids get the bank's namespace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.bank.schema import (
    QuestionFile,
    RubricFile,
    RubricModel,
    RubricPointModel,
    RubricTemplateModel,
)
from assistant.bank.yaml_lines import YamlSyntaxError, line_of, load_with_lines, to_plain
from assistant.domain import BUILT_IN, Misconception, Question, Rubric, RubricPoint


@dataclass(frozen=True)
class BankProblem:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        line = f"{self.line}:" if self.line else ""  # 0: about a directory, not a line
        return f"{self.path}:{line}{where} {self.message}"


@dataclass
class Bank:
    questions: dict[str, Question] = field(default_factory=dict)
    problems: list[BankProblem] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    """Namespace of each user bank that loaded -> its directory."""

    def get(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(_unknown_id_message(question_id, self.questions)) from None

    def by_topic(self, topic: str | None = None) -> list[Question]:
        return [q for q in self.questions.values() if topic is None or q.topic == topic]

    @property
    def topics(self) -> list[str]:
        return sorted({q.topic for q in self.questions.values()})

    def by_source(self, source: str) -> list[Question]:
        """Questions of the built-in bank (`BUILT_IN`) or of one user bank (its namespace)."""
        return [q for q in self.questions.values() if q.source == source]


def _unknown_id_message(question_id: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(question_id, list(known), n=3)
    hint = f" Did you mean: {', '.join(close)}?" if close else " `viva bank list` shows the ids."
    return f"no question with id {question_id!r}.{hint}"


def load_bank(question_dir: Path, rubric_dir: Path, user_dirs: Sequence[Path] = ()) -> Bank:
    """Load every question and rubric file (built-in, then each user bank); problems are
    collected, never raised."""
    from assistant.bank.user import load_user_banks

    bank = Bank()
    templates = load_templates(rubric_dir / "templates", bank.problems)
    load_source(bank, question_dir, rubric_dir, templates)
    load_user_banks(bank, user_dirs, templates)
    return bank


def load_source(
    bank: Bank,
    question_dir: Path,
    rubric_dir: Path,
    templates: dict[str, RubricTemplateModel],
    *,
    namespace: str = "",
    source: str = BUILT_IN,
) -> None:
    """Add one bank's questions. Files name questions by their own ids; with a namespace, the
    loaded ids are `namespace/id`, and the files are validated by the user-bank rules."""
    context = {"user_bank": True} if namespace else None
    rubrics, rubric_lines = _load_rubrics(rubric_dir, templates, bank.problems, namespace, context)
    failed_question_files = 0
    requires_lines: dict[str, tuple[Path, int]] = {}
    for path in sorted(question_dir.glob("*.yaml")):
        parsed = _validate_file(path, QuestionFile, bank.problems, context)
        if parsed is None:
            failed_question_files += 1
            continue
        model, root = parsed
        # A user's question may join a built-in topic; the built-in title stays.
        bank.titles.setdefault(model.topic, model.title)
        for index, q in enumerate(model.questions):
            line = line_of(root, ("questions", index, "id"))
            question_id = f"{namespace}/{q.id}" if namespace else q.id
            if question_id in bank.questions:
                first = bank.questions[question_id].source_file
                bank.problems.append(BankProblem(path, line, "id", f"duplicate question id {q.id!r} (first in {first})"))
                continue
            rubric = rubrics.pop(q.id, None)
            if rubric is None:
                bank.problems.append(BankProblem(path, line, "id", f"question {q.id!r} has no rubric in {rubric_dir}/"))
            bank.questions[question_id] = Question(
                id=question_id, topic=model.topic, phase=q.phase, kind=q.kind, difficulty=q.difficulty,
                prompt=q.prompt, time_limit=q.time_limit, model_answer=q.model_answer,
                follow_ups=tuple(q.follow_ups), tags=tuple(q.tags), source_file=path, rubric=rubric,
                source=source, requires=tuple(q.requires),
            )
            if q.requires:
                requires_lines[question_id] = (path, line_of(root, ("questions", index, "requires")))
    _resolve_requires(bank, requires_lines, namespace)
    # When a question file failed to load, its rubrics look orphaned: say so rather than mislead.
    hint = " (or its question file failed to load, see above)" if failed_question_files else ""
    for orphan in rubrics:
        path, line = rubric_lines[orphan]
        bank.problems.append(BankProblem(path, line, "rubrics", f"rubric for unknown question id {orphan!r}{hint}"))


def _resolve_requires(bank: Bank, requires_lines: dict[str, tuple[Path, int]], namespace: str) -> None:
    """A user bank's `requires` may name its own questions by their short ids; those become
    `namespace/id`. A prerequisite that names no question is a problem, like a typo'd id."""
    for question_id, (path, line) in requires_lines.items():
        question = bank.questions.get(question_id)
        if question is None:
            continue
        resolved = tuple(f"{namespace}/{r}" if namespace and f"{namespace}/{r}" in bank.questions else r
                         for r in question.requires)
        unknown = [r for r in resolved if r not in bank.questions]
        if unknown:
            bank.problems.append(BankProblem(path, line, "requires", f"no question with id {', '.join(map(repr, unknown))}"))
            resolved = tuple(r for r in resolved if r in bank.questions)
        if resolved != question.requires:
            bank.questions[question_id] = replace(question, requires=resolved)


def _validate_file(
    path: Path, schema: type, problems: list[BankProblem], context: dict[str, Any] | None = None
) -> tuple[Any, Any] | None:
    try:
        root = load_with_lines(path)
    except YamlSyntaxError as exc:
        problems.append(BankProblem(path, exc.line, "", exc.message))
        return None
    if root is None:
        problems.append(BankProblem(path, 1, "", "file is empty"))
        return None
    try:
        return schema.model_validate(to_plain(root), context=context), root
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(BankProblem(path, line_of(root, loc), ".".join(map(str, loc)), error["msg"]))
        return None


def load_templates(
    template_dir: Path, problems: list[BankProblem], context: dict[str, Any] | None = None
) -> dict[str, RubricTemplateModel]:
    templates: dict[str, RubricTemplateModel] = {}
    for path in sorted(template_dir.glob("*.yaml")):
        parsed = _validate_file(path, RubricTemplateModel, problems, context)
        if parsed is not None:
            templates[parsed[0].name] = parsed[0]
    return templates


def _load_rubrics(
    rubric_dir: Path,
    templates: dict[str, RubricTemplateModel],
    problems: list[BankProblem],
    namespace: str = "",
    context: dict[str, Any] | None = None,
) -> tuple[dict[str, Rubric], dict[str, tuple[Path, int]]]:
    """Rubrics keyed by the question's id as written in the files (without the namespace)."""
    rubrics: dict[str, Rubric] = {}
    where: dict[str, tuple[Path, int]] = {}
    for path in sorted(rubric_dir.glob("*.yaml")):
        parsed = _validate_file(path, RubricFile, problems, context)
        if parsed is None:
            continue
        model, root = parsed
        for question_id, rubric_model in model.rubrics.items():
            line = line_of(root, ("rubrics", question_id))
            if question_id in rubrics:
                problems.append(BankProblem(path, line, "rubrics", f"second rubric for {question_id!r} (first in {where[question_id][0]})"))
                continue
            try:
                full_id = f"{namespace}/{question_id}" if namespace else question_id
                rubrics[question_id] = _build_rubric(full_id, rubric_model, templates)
            except ValueError as exc:
                problems.append(BankProblem(path, line_of(root, ("rubrics", question_id, "template")), "template", str(exc)))
                continue
            where[question_id] = (path, line)
    return rubrics, where


def _template_points(model: RubricModel, templates: dict[str, RubricTemplateModel]) -> list[RubricPointModel]:
    """The points a rubric takes from its template, in the question's wording where it adapts them."""
    if model.template is None:
        return []
    template = templates.get(model.template.name)
    if template is None:
        raise ValueError(f"unknown rubric template {model.template.name!r}; known: {sorted(templates)}")
    wanted = model.template.points
    known = {p.id for p in template.points}
    unknown = sorted(set(wanted or ()) - known)
    if unknown:
        raise ValueError(f"template {template.name!r} has no points {unknown}; it has {sorted(known)}")
    taken = [p for p in template.points if wanted is None or p.id in wanted]
    adapt = model.template.adapt
    unused = sorted(set(adapt) - {p.id for p in taken})
    if unused:
        raise ValueError(f"adapt names points {unused} that this rubric does not take from template {template.name!r}")
    return [p.model_copy(update=dict(adapt[p.id])) if p.id in adapt else p for p in taken]


def _build_rubric(question_id: str, model: RubricModel, templates: dict[str, RubricTemplateModel]) -> Rubric:
    points = _template_points(model, templates)
    shared = {p.id for p in points}
    template_name = model.template.name if model.template else None
    own_ids = {p.id for p in model.points}
    clash = sorted(own_ids & shared)
    if clash:
        raise ValueError(f"point ids {clash} clash with the template's; rename them")
    points.extend(model.points)
    return Rubric(
        question_id=question_id,
        points=tuple(
            RubricPoint(id=p.id, text=p.text, weight=p.weight, keywords=tuple(p.keywords),
                        paraphrases=tuple(p.paraphrases), critical=p.critical,
                        template=template_name if p.id in shared else None)
            for p in points
        ),
        misconceptions=tuple(
            Misconception(id=m.id, text=m.text, paraphrases=tuple(m.paraphrases), correction=m.correction)
            for m in model.misconceptions
        ),
    )
