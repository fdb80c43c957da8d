"""`viva doctor`: check the set-up and say how to fix what is broken."""

from __future__ import annotations

import typer

from assistant.cli.app import app, fail, print_json

_STYLE = {"ok": ("ok  ", typer.colors.GREEN), "warn": ("warn", typer.colors.YELLOW), "fail": ("FAIL", typer.colors.RED)}


@app.command()
def doctor(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    quick: bool = typer.Option(False, "--quick", help="Only look for the model files; do not load them (the critique model can take a while)."),
    only: list[str] = typer.Option(None, "--only", help="Run just these checks (repeatable): config, bank, database, disk, "
                                   "input-device, input-level, output-device, tts, asr-model, embedding-model, critique-model."),
) -> None:
    """Check devices, voice, models, database, disk, config and bank; exit 1 when something needed is broken."""
    from assistant.doctor import DoctorContext, exit_code, iter_checks

    ctx = DoctorContext.from_environment(load_models=not quick)
    results = []
    try:
        for result in iter_checks(ctx, only or None):
            results.append(result)
            if not as_json:
                label, colour = _STYLE[result.status.value]
                typer.secho(f"{label}  {result.title:<20} ", fg=colour, nl=False, bold=result.status.value == "fail")
                typer.echo(result.summary)
                if result.fix:
                    typer.echo(f"{'':27}fix: {result.fix}")
    except ValueError as exc:
        fail(str(exc))
    code = exit_code(results)
    if as_json:
        print_json({"ok": code == 0, "checks": [r.to_dict() for r in results]})
    elif code:
        failed = sum(r.status.value == "fail" for r in results)
        typer.secho(f"{failed} check(s) failed: Viva needs these fixed (see the fix lines)", fg=typer.colors.RED, err=True)
    else:
        warned = sum(r.status.value == "warn" for r in results)
        typer.echo("everything Viva needs works" + (f" ({warned} warning(s): optional parts)" if warned else ""))
    raise typer.Exit(code)
