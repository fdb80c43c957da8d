"""`viva mock`: a timed mock interview across topics, follow-ups included, scored as a whole."""

from __future__ import annotations

import typer

from assistant.cli.app import app, fail, print_json, services
from assistant.cli.plan import _ON_HELP, on_day


@app.command()
def mock(
    no_ui: bool = typer.Option(False, "--no-ui", help="Run it in the plain terminal (record each answer)."),
    count: int | None = typer.Option(None, "--count", "-n", min=1, max=10,
                                      help="Main questions (default: mock_questions setting)."),
    seed: int | None = typer.Option(None, "--seed", help="Pick a different interview (default: one per day)."),
    show: bool = typer.Option(False, "--show", help="Only list the turns, do not run the interview."),
    as_json: bool = typer.Option(False, "--json", help="With --show: the turns as JSON; after a run: the score."),
    device: str | None = typer.Option(None, "--device", "-d", help="Input device (see `viva devices`)."),
    quiet: bool = typer.Option(False, "--quiet", help="Don't speak the questions."),
    on: str | None = typer.Option(None, "--on", hidden=True, help=_ON_HELP),
) -> None:
    """A mock interview: questions from several topics, one system design, each with a follow-up."""
    from dataclasses import asdict

    from assistant.schedule.mock import score_mock, select_mock
    from assistant.store.serialize import to_data

    svc = services()
    interview = select_mock(svc, on_day(on), count, seed)
    if not interview.turns:
        fail("the question bank is empty; `viva bank validate` shows why")
    if show or not no_ui:
        if as_json:
            print_json([asdict(t) for t in interview.turns])
            return
        typer.secho(f"Mock interview: {len(interview.questions)} questions, {len(interview.turns)} turns, "
                    f"about {interview.total_seconds / 60:.0f} min of answers", bold=True)
        number = 0
        for t in interview.turns:
            number += t.kind == "question"
            lead = f"{number:>2}." if t.kind == "question" else "  ↳"
            text = " ".join(t.prompt.split())
            text = text if len(text) <= 56 else text[:55] + "…"
            typer.echo(f"{lead} {t.time_limit:>4}s  {text}")
        if not show:
            typer.echo("\nRun it with `viva mock --no-ui` (the app's mock mode comes with the app).")
        return
    import contextlib
    import sys

    from assistant.cli.practice import answer_one

    # With --json, stdout carries only the final score; the running commentary goes to stderr.
    commentary = contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext()
    answers = {}
    number = 0
    for turn in interview.turns:
        q = svc.bank.get(turn.question_id)
        number += turn.kind == "question"
        label = "Follow-up" if turn.kind == "follow-up" else f"Question {number} of {len(interview.questions)}"
        with commentary:
            typer.secho(f"\n— {label} ({turn.topic}, {turn.time_limit}s) —", fg="cyan")
            answers[turn.index] = answer_one(svc, q, device=device, max_seconds=turn.time_limit, quiet=quiet,
                                             critique=False, follow_up=turn.prompt if turn.kind == "follow-up" else None)
    result = score_mock(interview, answers)
    if as_json:
        print_json(to_data(result))
        return
    print_mock_score(result)


def print_mock_score(result) -> None:
    typer.secho(f"\nMock interview: {result.overall:.0f}/100 ({result.verdict})", bold=True)
    typer.echo(f"Time {result.seconds_spent / 60:.1f} of {result.seconds_planned / 60:.0f} min planned; "
               f"{result.overruns} answer(s) over time; follow-ups answered {result.follow_ups_answered}/{result.follow_ups_asked}")
    for r in result.questions:
        main = f"{r.main:.0f}" if r.main is not None else "-"
        follow = f"{r.follow_up:.0f}" if r.follow_up is not None else "-"
        typer.echo(f"  {r.question_id[:28]:<28} main {main:>3}  follow-up {follow:>3}  → {r.combined:.0f}"
                   f"{'  (over time)' if r.overran else ''}")
    for missed in result.missed_critical:
        typer.secho(f"  ✘ {missed}", fg="red")
