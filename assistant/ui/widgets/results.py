"""Rendering of one scored attempt: rubric checklist, misconceptions, delivery, transcript."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from assistant.domain import Attempt, Critique, DeliveryMetrics, PointStatus, Score, Transcript

MARKS = {PointStatus.HIT: ("✔", "green"), PointStatus.PARTIAL: ("◐", "yellow"), PointStatus.MISS: ("✘", "red")}


def score_line(score: Score) -> Text:
    if not score.graded:
        return Text(f"Not graded: {score.reason}", style="bold yellow")
    hits = sum(p.status is PointStatus.HIT for p in score.points)
    colour = "green" if score.overall >= 70 else "yellow" if score.overall >= 40 else "red"
    checked = f" · every credited point re-read by {score.checked_by}" if score.checked_by else ""
    return Text.assemble(("Score ", "bold"), (f"{score.overall:.0f}/100", f"bold {colour}"),
                         (f"   {hits} of {len(score.points)} points hit{checked}", "dim"))


def shorten(quote: str, limit: int = 90) -> str:
    """Evidence in the checklist is a reminder; the full quote is highlighted in the transcript."""
    return quote if len(quote) <= limit else quote[: limit - 1].rsplit(" ", 1)[0] + "…"


def checklist(score: Score) -> Text:
    text = Text()
    for p in score.points:
        mark, colour = MARKS[p.status]
        text.append(f"{mark} ", style=colour)
        text.append(p.text, style="bold" if p.critical else "")
        if p.critical:
            text.append(" (critical)", style="dim")
        if p.withdrawn:
            # Said to be near the topic, but re-reading did not find the claim itself.
            text.append(" (on topic, but not clearly stated)", style="dim")
        text.append("\n")
        if p.evidence is not None:
            at = f" at {p.evidence.start:.0f}s" if p.evidence.start is not None else ""
            text.append(f"    “{shorten(p.evidence.text)}”{at}\n", style="dim italic")
    for m in score.misconceptions:
        text.append("! ", style="bold magenta")
        text.append(f"Misconception: {m.text}\n", style="magenta")
        text.append(f"    you said “{shorten(m.evidence.text)}”. {m.correction}\n", style="dim")
    return text


def delivery_text(d: DeliveryMetrics | None) -> Text:
    if d is None:
        return Text("")
    limit = f" of {d.time_limit}s" if d.time_limit else ""
    overrun = Text(f", {d.overrun:.0f}s over", style="red") if d.overrun else Text("")
    return Text.assemble(
        ("Delivery ", "bold"), f"{d.duration:.0f}s{limit}", overrun,
        f" · {d.words_per_minute:.0f} wpm · {d.filler_count} fillers · {d.long_pauses} long pauses",
        f" · first word after {d.thinking_time:.1f}s",
    )


def highlighted_transcript(transcript: Transcript, score: Score, current: float | None = None) -> Text:
    """The transcript with each point's evidence underlined (green hit, yellow partial), misconceptions
    in magenta; during replay the segment being played is shown in reverse."""
    if not transcript.segments:
        return Text(transcript.text or "(no speech recognised)")
    text = Text()
    for segment in transcript.segments:
        start = len(text)
        text.append(segment.text.strip() + " ")
        if current is not None and segment.start <= current < segment.end:
            text.stylize("reverse", start, len(text) - 1)
    plain = text.plain
    spans = [(p.evidence.text, "underline green" if p.status is PointStatus.HIT else "underline yellow")
             for p in score.points if p.evidence is not None]
    spans += [(m.evidence.text, "underline magenta") for m in score.misconceptions]
    for quote, style in spans:
        _stylize_quote(text, plain, quote, style)
    return text


def _stylize_quote(text: Text, plain: str, quote: str, style: str) -> None:
    # Evidence is a sentence or a pair of them; whitespace may differ from the joined segments.
    index = plain.find(quote.strip())
    if index < 0:
        words = quote.split()
        index = plain.find(" ".join(words[:4])) if len(words) >= 4 else -1
        if index < 0:
            return
    text.stylize(style, index, min(index + len(quote.strip()), len(plain)))


def critique_text(critique: Critique | None, streamed: str = "") -> Text:
    if critique is None:
        return Text.assemble(("Coaching ", "bold"), (streamed or "thinking…", "" if streamed else "dim"))
    source = {"llm": critique.model, "llm+rubric": f"{critique.model}, checked against the rubric",
              "rubric": "the rubric (no model)"}.get(critique.source, critique.source)
    text = Text.assemble(("Coaching ", "bold"), critique.coaching, "\n", ("To improve ", "bold"), critique.improvement)
    text.append(f"\n(from {source})", style="dim")
    for note in critique.notes:
        text.append(f"\nnote: {note}", style="yellow dim")
    return text


def attempt_summary(attempt: Attempt) -> Group:
    return Group(score_line(attempt.score), Text(""), checklist(attempt.score), delivery_text(attempt.delivery))


def show_result(screen, attempt: Attempt, position: float | None = None) -> None:
    """Fill a screen's #score, #checklist, #delivery and #transcript with one attempt (practice
    results and a history replay show it the same way); an ungraded answer gets no checklist."""
    from textual.widgets import Static

    score = attempt.score
    screen.query_one("#score", Static).update(score_line(score))
    screen.query_one("#checklist", Static).update(checklist(score) if score.graded else "")
    screen.query_one("#delivery", Static).update(delivery_text(attempt.delivery))
    screen.query_one("#transcript", Static).update(highlighted_transcript(attempt.transcript, score, position))
