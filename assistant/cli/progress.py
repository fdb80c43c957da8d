"""`viva progress`: per-topic mastery, streak, speaking time, weakest points, with terminal charts."""

from __future__ import annotations

import typer

from assistant.cli.app import app, print_json, services
from assistant.cli.plan import _ON_HELP, on_day

WIDTH = 76  # every line fits an 80-column terminal


@app.command()
def progress(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output (no charts)."),
    no_charts: bool = typer.Option(False, "--no-charts", help="Tables only."),
    on: str | None = typer.Option(None, "--on", hidden=True, help=_ON_HELP),
) -> None:
    """How far you have come: per topic seen/bank, mastery and trend; streak, time spoken, weak points."""
    from assistant.schedule.progress import compute_progress
    from assistant.store.serialize import to_data

    p = compute_progress(services(), on_day(on))
    if as_json:
        print_json(to_data(p))
        return
    where = "review mode" if p.plan.review_mode else f"week {p.plan.week} of 12, phase {p.plan.phase}"
    mastery = f"{p.mastery:.0f}/100" if p.mastery is not None else "-"
    typer.secho(f"{p.today:%a %d %b %Y} · {where} · mastery {mastery}", bold=True)
    typer.echo(f"Streak {p.streak} · days practised {p.days_practised} · answers {p.answers} · "
               f"spoken {p.speaking_seconds / 60:.0f} min · reviews due {p.due_today}")
    typer.echo(f"\n  {'topic':<28}{'seen':>10}{'mastery':>9}{'trend':>8}")
    for t in p.topics:
        m = f"{t.mastery:.0f}" if t.mastery is not None else "-"
        trend = f"{t.trend:+.0f}" if t.trend is not None else "-"
        typer.echo(f"  {t.title[:27]:<28}{t.seen:>5}/{t.in_bank:<4}{m:>9}{trend:>8}")
    if p.weakest:
        typer.secho("\nWeakest points (latest answers)", bold=True)
        for w in p.weakest:
            flag = "!" if w.critical else " "
            text = w.text if len(w.text) <= 50 else w.text[:49] + "…"
            typer.echo(f" {flag}{w.credit * 100:>4.0f}%  {w.question_id[:18]:<18} {text}")
    if not no_charts and p.answers:
        typer.echo("\n" + _charts(p))


def _charts(p) -> str:
    import plotext as plt

    seen = [t for t in p.topics if t.mastery is not None]
    out = []
    if seen:
        plt.clear_figure()
        plt.simple_bar([t.topic[:20] for t in seen], [t.mastery for t in seen], width=WIDTH,
                       title="Mastery by topic (latest score per question)")
        out.append(plt.build())
    plt.clear_figure()
    plt.plotsize(WIDTH, 12)
    plt.theme("clear")
    days = list(range(len(p.recent)))
    plt.bar(days, [d.seconds / 60 for d in p.recent], width=0.5)
    ticks = days[::7] + [days[-1]]
    plt.xticks(ticks, [f"{p.recent[i].day:%m-%d}" for i in ticks])
    plt.title(f"Minutes spoken per day (last {len(p.recent)} days)")
    out.append(plt.build())
    plt.clear_figure()
    return "\n".join(out)
