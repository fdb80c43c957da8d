"""`viva plan`, `viva today`, `viva rate`, `viva mock`: the study plan from the command line."""

from __future__ import annotations

from datetime import date

import typer

from assistant.cli.app import app, fail, print_json, services

# Every plan command takes a hidden --on DATE: the day to compute for (tests, "what will
# tomorrow look like"). The logic below never reads the clock; only this edge does.
_ON_HELP = "Compute for this day (YYYY-MM-DD) instead of today."


def on_day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--on wants a date like 2026-01-05, not {value!r}")


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command()
def plan(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    on: str | None = typer.Option(None, "--on", hidden=True, help=_ON_HELP),
) -> None:
    """The 12-week plan: its phases and dates, where you are, and each phase's coverage."""
    from assistant.schedule.plan import PLAN_WEEKS, plan_overview
    from assistant.store.serialize import to_data

    overview = plan_overview(services(), on_day(on))
    pos = overview.position
    if as_json:
        data = to_data(overview)
        data["position"].update(review_mode=pos.review_mode, days_left_in_phase=pos.days_left_in_phase)
        print_json(data)
        return
    if pos.review_mode:
        where = f"week {pos.week}: review mode (the {PLAN_WEEKS} weeks are done; every phase comes back)"
    else:
        where = f"week {pos.week} of {PLAN_WEEKS}, day {pos.day}: phase {pos.phase} ({pos.days_left_in_phase} days left in it)"
    typer.secho(f"Plan from {pos.start:%a %d %b %Y}; today is {where}", bold=True)
    typer.echo(f"\n  {'phase':<33}{'weeks':<7}{'dates':<17}{'seen':>9}{'mastery':>9}{'due':>5}")
    for p in overview.phases:
        marker = "▶" if p.phase == pos.phase else " "
        mastery = f"{p.mastery:.0f}" if p.mastery is not None else "-"
        line = (f"{marker} {p.phase} {_clip(p.title, 29):<31}{p.weeks[0]:>2}-{p.weeks[1]:<4}"
                f"{p.start:%d %b}-{p.end:%d %b}  {p.seen:>4}/{p.questions:<4}{mastery:>9}{p.due:>5}")
        typer.secho(line, bold=p.phase == pos.phase)
    typer.echo("\nToday's questions: `viva today`. Progress: `viva progress`.")


@app.command()
def today(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    on: str | None = typer.Option(None, "--on", hidden=True, help=_ON_HELP),
) -> None:
    """Today's questions: due reviews, then new ones from the current phase, then an older phase."""
    from dataclasses import asdict

    from assistant.schedule.plan import PHASES, plan_start, position
    from assistant.schedule.history import load_history
    from assistant.schedule.today import select_today

    svc = services()
    day = on_day(on)
    history = load_history(svc)
    start = plan_start(svc.settings, history, day)
    items = select_today(svc.bank.questions.values(), history, day, start=start, daily_size=svc.settings.daily_size)
    if as_json:
        print_json([{**asdict(i), "due": i.due.isoformat() if i.due else None} for i in items])
        return
    pos = position(start, day)
    phase = "review mode, every phase" if pos.phase is None else f"phase {pos.phase}: {PHASES[pos.phase]}"
    done = sum(i.done for i in items)
    typer.secho(f"{day:%a %d %b %Y} · week {pos.week} ({phase}) · {done}/{len(items)} done", bold=True)
    if not items:
        typer.echo("The question bank is empty; `viva bank validate` shows why.")
        return
    for n, item in enumerate(items, 1):
        mark = "✔" if item.done else " "
        due = f", due {item.due:%d %b}" if item.due else ""
        typer.secho(f"{mark}{n:>2}. {item.question_id}  [{item.reason}{due}; {item.topic}]", dim=item.done)
        typer.echo(f"      {_clip(svc.bank.get(item.question_id).prompt, 72)}")
    left = [i.question_id for i in items if not i.done]
    if left:
        typer.echo("\nAnswer them: viva practice --no-ui --today")
    else:
        typer.secho("\nAll done for today.", fg="green")


@app.command()
def rate(
    attempt_id: int = typer.Argument(..., help="Attempt id (see `viva history`)."),
    rating: str = typer.Argument(..., help="again, hard, good or easy; auto goes back to the measured rating."),
) -> None:
    """Override the review rating Viva derived for an attempt (it decides when the question returns)."""
    from assistant.schedule.history import load_history
    from assistant.schedule.srs import Rating, card_states, derive_rating

    choices = [r.value for r in Rating]
    if rating not in (*choices, "auto"):
        fail(f"rating must be one of {', '.join(choices)} or auto, not {rating!r}")
    svc = services()
    try:
        attempt = svc.store.get(attempt_id)
        svc.store.set_rating_override(attempt_id, None if rating == "auto" else rating)
    except KeyError as exc:
        fail(str(exc.args[0]))
    if attempt.follow_up is not None:
        typer.secho("Note: this attempt answers a follow-up; follow-ups do not schedule reviews.", fg="yellow")
    measured = derive_rating(attempt.score, attempt.delivery)
    state = card_states(load_history(svc)).get(attempt.question_id)
    typer.echo(f"Attempt #{attempt_id} ({attempt.question_id}): measured {measured or 'not graded'}, "
               f"now {'measured' if rating == 'auto' else rating}.")
    if state is not None:
        typer.echo(f"Next review of {attempt.question_id}: {state.due:%a %d %b %Y}.")
