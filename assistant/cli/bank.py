"""`viva bank validate|list|show|stats|quality` (`new` and `import` are in bank_edit.py)."""

from __future__ import annotations

from collections import Counter

import typer

from assistant.cli.app import app, fail, print_json, services

bank_app = typer.Typer(help="Inspect, validate and extend the question bank (built-in + your own).", no_args_is_help=True)
app.add_typer(bank_app, name="bank")


@bank_app.command("validate")
def validate() -> None:
    """Check every question and rubric file, built-in and your own banks; print file:line: [field] problem for each error."""
    bank = services().bank
    for problem in bank.problems:
        typer.echo(str(problem))
    if bank.problems:
        fail(f"{len(bank.problems)} problem(s) in the bank; {len(bank.questions)} questions loaded", code=1)
    own = ", ".join(f"{name} ({len(bank.by_source(name))}, {path})" for name, path in bank.sources.items())
    typer.echo(f"ok: {len(bank.questions)} questions in {len(bank.topics)} topics" + (f"; your banks: {own}" if own else ""))


def _warn_problems(bank) -> None:
    if bank.problems:
        typer.secho(f"warning: {len(bank.problems)} bank problem(s); run `viva bank validate`", fg="yellow", err=True)


@bank_app.command("list")
def list_questions(
    topic: str | None = typer.Option(None, "--topic", "-t", help="Only this topic."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List questions (id, topic, phase, kind, difficulty, prompt)."""
    bank = services().bank
    _warn_problems(bank)
    if topic and topic not in bank.topics:
        fail(f"unknown topic {topic!r}; topics: {', '.join(bank.topics)}")
    questions = bank.by_topic(topic)
    if as_json:
        print_json([
            {"id": q.id, "topic": q.topic, "phase": q.phase, "kind": q.kind, "difficulty": q.difficulty,
             "time_limit": q.time_limit, "prompt": q.prompt, "tags": list(q.tags), "source": q.source,
             "requires": list(q.requires)}
            for q in questions
        ])
        return
    for q in questions:
        typer.echo(f"{q.id:<28} {q.topic:<22} p{q.phase} {q.kind:<14} {q.difficulty:<6} {q.prompt}")


@bank_app.command("show")
def show(question_id: str) -> None:
    """Show one question with its rubric, model answer and follow-ups."""
    bank = services().bank
    try:
        q = bank.get(question_id)
    except KeyError as exc:
        fail(str(exc.args[0]))
    typer.secho(q.prompt, bold=True)
    typer.echo(f"{q.id} · {bank.titles.get(q.topic, q.topic)} · phase {q.phase} · {q.kind} · {q.difficulty} · {q.time_limit}s"
               f" · {q.source}")
    if q.requires:
        typer.echo(f"builds on: {', '.join(q.requires)}")
    if q.rubric:
        typer.secho("\nRubric", bold=True)
        for p in q.rubric.points:
            flag = " (critical)" if p.critical else ""
            typer.echo(f"  [{p.weight:g}] {p.id}: {p.text}{flag}\n        keywords: {', '.join(p.keywords)}")
        for m in q.rubric.misconceptions:
            typer.echo(f"  misconception {m.id}: {m.text}\n        correction: {m.correction}")
    typer.secho("\nModel answer", bold=True)
    typer.echo(q.model_answer)
    if q.follow_ups:
        typer.secho("\nFollow-ups", bold=True)
        for f in q.follow_ups:
            typer.echo(f"  - {f}")


@bank_app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Counts per topic, phase, kind and difficulty."""
    bank = services().bank
    questions = list(bank.questions.values())
    data = {
        "questions": len(questions),
        "rubric_points": sum(len(q.rubric.points) for q in questions if q.rubric),
        "problems": len(bank.problems),
        "by_topic": dict(sorted(Counter(q.topic for q in questions).items())),
        "by_phase": {str(k): v for k, v in sorted(Counter(q.phase for q in questions).items())},
        "by_kind": dict(sorted(Counter(q.kind for q in questions).items())),
        "by_difficulty": dict(sorted(Counter(q.difficulty for q in questions).items())),
        "by_source": dict(sorted(Counter(q.source for q in questions).items())),
    }
    if as_json:
        print_json(data)
        return
    typer.echo(f"{data['questions']} questions, {data['rubric_points']} rubric points, {data['problems']} problems")
    for key in ("by_topic", "by_phase", "by_kind", "by_difficulty", "by_source"):
        typer.secho(key.replace("by_", "by "), bold=True)
        for name, count in data[key].items():
            typer.echo(f"  {name:<24} {count}")


@bank_app.command("quality")
def quality(
    topic: list[str] = typer.Option(None, "--topic", "-t", help="Only these topics (repeatable)."),
    gate: list[str] = typer.Option(None, "--gate", "-g", help="Only these gates (repeatable): time-limit, phase-prerequisites, "
                                   "keywords, own-answer, own-misconceptions, duplicate-points, duplicate-question, "
                                   "answer-similarity, other-topic."),
) -> None:
    """Content gates: time limits, prerequisites, keywords; on the real scorer: own answer >= 80,
    other topics <= 30, no near-duplicates."""
    from assistant.gates import GATES, SCORED_GATES, check_bank

    svc = services()
    _warn_problems(svc.bank)
    gates = tuple(gate or GATES)
    scorer = svc.scorer if set(gates) & set(SCORED_GATES) else None
    try:
        issues = check_bank(scorer, svc.bank, topic or None, gates, cache_dir=svc.settings.cache_dir)
    except ValueError as exc:
        fail(str(exc))
    for issue in issues:
        typer.echo(str(issue))
    if issues:
        fail(f"{len(issues)} quality issue(s)", code=1)
    typer.echo("ok: every quality gate passes")
