"""Readable terminal report of a scored attempt."""

from __future__ import annotations

import sys

import typer

from assistant.domain import Attempt, Critique, PointStatus, Question

_MARK = {PointStatus.HIT: ("✔", "green"), PointStatus.PARTIAL: ("~", "yellow"), PointStatus.MISS: ("✘", "red")}


def _time(value: float | None) -> str:
    return f"{int(value // 60)}:{value % 60:04.1f}" if value is not None else "-"


def print_attempt(attempt: Attempt, question: Question) -> None:
    score = attempt.score
    typer.secho(question.prompt, bold=True)
    typer.echo(f"\nTranscript: {attempt.transcript.text or '(no speech recognised)'}\n")
    if not score.graded:
        typer.secho(f"Not graded: {score.reason}", fg="yellow")
    else:
        checked = f" (every credited point re-read by {score.checked_by})" if score.checked_by else ""
        typer.secho(f"Score: {score.overall:.0f}/100{checked}", bold=True)
        for p in score.points:
            mark, colour = _MARK[p.status]
            unsure = " (on topic, but not clearly stated)" if p.withdrawn else ""
            typer.secho(f"  {mark} {p.text}{unsure}", fg=colour)
            if p.evidence is not None:
                typer.echo(f"      “{p.evidence.text}” at {_time(p.evidence.start)} (match {p.similarity:.2f})")
        for m in score.misconceptions:
            typer.secho(f"  ! Misconception: {m.text}", fg="magenta")
            typer.echo(f"      you said “{m.evidence.text}”. {m.correction}")
    d = attempt.delivery
    if d is not None:
        limit = f" of {d.time_limit}s" if d.time_limit else ""
        overrun = f", {d.overrun:.0f}s over the limit" if d.overrun else ""
        typer.echo(
            f"\nDelivery: {d.duration:.0f}s{limit}{overrun}; {d.words_per_minute:.0f} words/min; "
            f"{d.filler_count} fillers; {d.long_pauses} long pauses (longest {d.longest_pause:.1f}s); "
            f"first word after {d.thinking_time:.1f}s"
        )
    if attempt.id is not None:
        typer.echo(f"Saved as attempt #{attempt.id}.")


def stream_token(piece: str) -> None:
    """Show the model's words as they arrive (on stderr, so stdout stays the clean result)."""
    sys.stderr.write(piece)
    sys.stderr.flush()


def print_critique(critique: Critique | None) -> None:
    if critique is None:
        return
    sys.stderr.write("\n")
    typer.secho("\nCoaching", bold=True)
    typer.echo(critique.coaching)
    typer.echo(f"To improve: {critique.improvement}")
    if critique.follow_up:
        typer.secho(f"Follow-up: {critique.follow_up}", fg="cyan")
    source = {"llm": critique.model, "llm+rubric": f"{critique.model}, checked against the rubric",
              "rubric": "the rubric (no model)"}.get(critique.source, critique.source)
    typer.echo(f"(from {source})")
    for note in critique.notes:
        typer.secho(f"  note: {note}", fg="yellow")
