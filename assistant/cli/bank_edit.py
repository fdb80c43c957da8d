"""`viva bank new` and `viva bank import`: add questions to your own bank.

Both write into a user bank directory (default: data_dir/banks/mine, or the first of
user_bank_dirs) in the built-in format, then load the bank again to prove the files are valid.
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.app import fail, services
from assistant.cli.bank import bank_app

PHASES = "1 classical ML + maths, 2 deep learning, 3 transformers/LLMs, 4 MLOps + system design"
BANK_HELP = "Your bank: a name (a directory in data_dir/banks/) or a path (with a /). Default: user_bank_dirs[0], else 'mine'."


def target_bank(settings, bank: str | None) -> Path:
    """The directory to write to: a bare name lives in data_dir/banks/, anything path-like is a path."""
    from assistant.bank.user import DEFAULT_BANK

    if bank is None:
        return settings.user_bank_dirs[0].expanduser() if settings.user_bank_dirs else settings.banks_dir / DEFAULT_BANK
    if "/" in bank or bank.startswith((".", "~")):
        return Path(bank).expanduser()
    return settings.banks_dir / bank


def _parse_point(spec: str):  # -> PointDraft
    """`TEXT :: kw1, kw2`; without `::` the keywords are picked from the text."""
    from assistant.bank.authoring import PointDraft, pick_keywords

    text, _, keywords = spec.partition("::")
    text = text.strip()
    chosen = [k.strip() for k in keywords.split(",") if k.strip()] if keywords.strip() else pick_keywords(text)
    return PointDraft(text, chosen)


def _missing_keywords(point) -> list[str]:
    from assistant.bank.schema import contains_term

    return [k for k in point.keywords if not contains_term(point.text.lower(), k)]


def _ask_points(question: str) -> list:
    from assistant.bank.authoring import PointDraft, pick_keywords

    typer.echo("Rubric points: what a good answer must say, one idea each (Enter on an empty point to finish).")
    points: list[PointDraft] = []
    while True:
        text = typer.prompt(f"Point {len(points) + 1}", default="", show_default=False).strip()
        if not text:
            if points:
                return points
            typer.echo("At least one point, please.")
            continue
        while True:
            answer = typer.prompt("  Keywords (comma-separated, words of the point)",
                                  default=", ".join(pick_keywords(text, context=question)))
            point = PointDraft(text, [k.strip() for k in answer.split(",") if k.strip()])
            missing = _missing_keywords(point)
            if point.keywords and not missing:
                points.append(point)
                break
            typer.echo(f"  Keywords must appear in the point's text: {missing or 'give at least one'}")


@bank_app.command("new")
def new(
    prompt: str | None = typer.Option(None, "--prompt", "-p", help="The question, as an interviewer asks it."),
    topic: str | None = typer.Option(None, "--topic", "-t", help="Topic id (lower-case, hyphens): a built-in one or your own."),
    phase: int | None = typer.Option(None, "--phase", min=1, max=4, help=f"Phase of the 12-week plan: {PHASES}."),
    point: list[str] = typer.Option(None, "--point", help="A rubric point, repeatable: 'TEXT :: kw1, kw2' "
                                    "(keywords must occur in TEXT; without '::' they are picked for you)."),
    model_answer: str | None = typer.Option(None, "--model-answer", help="A strong answer (default: the points joined)."),
    question_id: str | None = typer.Option(None, "--id", help="Id inside your bank (default: from the prompt)."),
    kind: str = typer.Option("concept", "--kind", help="concept | derivation | coding-explain | system-design | behavioural."),
    difficulty: str = typer.Option("medium", "--difficulty", help="easy | medium | hard."),
    time_limit: int = typer.Option(120, "--time-limit", help="Seconds for the spoken answer."),
    follow_up: list[str] = typer.Option(None, "--follow-up", help="A follow-up question (repeatable)."),
    title: str | None = typer.Option(None, "--title", help="Title of a new topic (default: from its id)."),
    bank: str | None = typer.Option(None, "--bank", "-b", help=BANK_HELP),
) -> None:
    """Add a question and its rubric to your bank; asks for whatever the options leave out."""
    from assistant.bank.authoring import QuestionDraft, existing_ids, joined_answer, slug, unique_id
    from assistant.bank.user import namespace_of

    svc = services()
    directory = target_bank(svc.settings, bank)
    prompt = prompt or typer.prompt("Question (as an interviewer asks it)")
    if topic is None:
        topic = typer.prompt(f"Topic (one of {', '.join(svc.bank.topics)}, or a new id such as company-acme)")
    while phase is None or not 1 <= phase <= 4:
        phase = typer.prompt(f"Phase, 1-4 ({PHASES})", type=int)
    points = [_parse_point(p) for p in point] if point else _ask_points(prompt)
    for p in points:
        if _missing_keywords(p):
            fail(f"keywords {_missing_keywords(p)} do not occur in the point {p.text!r}")
    if model_answer is None:
        model_answer = joined_answer(points) if point else typer.prompt(
            "Model answer (Enter: the points joined)", default=joined_answer(points))
    taken = existing_ids(directory)
    if question_id is None:
        question_id = unique_id(slug(prompt) or "question", taken)
    elif question_id in taken:
        fail(f"{directory.name} already has a question {question_id!r}; choose another --id")
    draft = QuestionDraft(id=question_id, topic=topic, phase=phase, prompt=prompt, model_answer=model_answer,
                          points=points, kind=kind, difficulty=difficulty, time_limit=time_limit,
                          follow_ups=list(follow_up or []))
    problems = draft.problems()
    if problems:
        fail("the question is not valid:\n" + "\n".join(f"  [{f}] {m}" for f, m in problems))
    titles = {**svc.bank.titles, **({topic: title} if title else {})}
    written = _write(svc.settings, directory, [draft], titles)
    typer.echo(f"added {namespace_of(directory)}/{question_id} to {directory}: " + ", ".join(str(p.relative_to(directory)) for p in written))
    typer.echo(f"see it with `viva bank show {namespace_of(directory)}/{question_id}`; "
               "add paraphrases to its points to make matching more forgiving")


@bank_app.command("import")
def import_csv(
    file: Path = typer.Argument(..., help="CSV with a header: question, reference [, topic, phase, id, time_limit, kind, difficulty]."),
    topic: str | None = typer.Option(None, "--topic", "-t", help="Topic of rows without one (default: from the file name)."),
    phase: int | None = typer.Option(None, "--phase", min=1, max=4, help=f"Phase of rows without one: {PHASES}."),
    kind: str = typer.Option("concept", "--kind", help="Kind of rows without one."),
    difficulty: str = typer.Option("medium", "--difficulty", help="Difficulty of rows without one."),
    time_limit: int = typer.Option(120, "--time-limit", help="Seconds for rows without a time_limit."),
    bank: str | None = typer.Option(None, "--bank", "-b", help=BANK_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the rows and show what would be written."),
) -> None:
    """Turn questions + reference answers into draft rubrics (points split from each answer) to edit."""
    from assistant.bank.authoring import existing_ids, render_drafts
    from assistant.bank.csv_import import ImportDefaults, read_csv

    if not file.is_file():
        fail(f"{file}: no such file")
    svc = services()
    directory = target_bank(svc.settings, bank)
    defaults = ImportDefaults(topic=topic, phase=phase, kind=kind, difficulty=difficulty, time_limit=time_limit)
    drafts, problems = read_csv(file, defaults, existing_ids(directory))
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        fail(f"{len(problems)} problem(s) in {file}; nothing was imported", code=1)
    note = (f"Drafts imported from {file.name}: check each point and its keywords (they must occur in the "
            "point, and they prime speech recognition); add paraphrases; then `viva bank validate`.")
    if dry_run:
        for path, text in render_drafts(directory, drafts, svc.bank.titles, note).items():
            typer.secho(f"--- {path}", bold=True)
            typer.echo(text)
        return
    written = _write(svc.settings, directory, drafts, svc.bank.titles, note)
    typer.echo(f"imported {len(drafts)} question(s) into {directory}: " + ", ".join(str(p.relative_to(directory)) for p in written))
    typer.echo("edit the drafted rubric points, then run `viva bank validate`")


def _write(settings, directory: Path, drafts: list, titles: dict[str, str], note: str = "") -> list[Path]:
    """Write, then load the bank with this directory to prove the result; warn when it is not
    one of the banks Viva loads."""
    from assistant.bank import load_bank
    from assistant.bank.authoring import write_drafts

    new_topics = {d.topic: d.topic.replace("-", " ").capitalize() for d in drafts}
    written = write_drafts(directory, drafts, {**new_topics, **titles}, note)
    loaded = settings.user_banks
    check = load_bank(settings.question_dir, settings.rubric_dir,
                      [*(p for p in loaded if p != directory.resolve()), directory])
    ours = [p for p in check.problems if p.path.resolve() in {w.resolve() for w in written}]
    for problem in ours:
        typer.echo(str(problem))
    if ours:
        fail("the written files have problems (above); fix them and run `viva bank validate`", code=1)
    if directory.resolve() not in loaded:
        typer.secho(f"note: {directory} is not one of your loaded banks; add it to user_bank_dirs in "
                    "the config (or keep banks in data_dir/banks/)", fg="yellow", err=True)
    return written
