"""Parse the model's reply and hold it to the rubric result.

Both small models tried here often ignored the format, and small models happily praise a point
that was missed or quote words nobody said. Each such sentence is removed (and noted); whatever
is missing or unusable is filled from the rubric, deterministically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.critique.prompt import EXAMPLE_ASSISTANT
from assistant.domain import Critique, PointResult, PointStatus, Question, Score

_LABELS = {"coaching": r"coaching", "improvement": r"improve(?:ment)?", "follow_up": r"follow[- ]?up(?: question)?"}
_LABEL_LINE = re.compile(r"^\s*[*#\-]*\s*(" + "|".join(_LABELS.values()) + r")\s*[*]*\s*[:\-]\s*[*]*\s*", re.I | re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_QUOTE = re.compile(r"[\"“”]([^\"“”]{4,})[\"“”]")
_PRAISE = re.compile(r"\b(you (?:covered|explained|mentioned|described|discussed|noted|said|addressed|correctly|clearly|did)"
                     r"|well done|good job|nicely|great job|you got)\b", re.I)
_NEGATION = re.compile(r"\b(not|didn't|did not|never|missed|missing|forgot|left out|without|but|however|lacked?)\b", re.I)
_BLAME = re.compile(r"\b(missed|didn't (?:mention|cover|explain|say)|did not (?:mention|cover|explain|say)|forgot|left out|omitted|failed to)\b", re.I)


MAX_COACHING_SENTENCES = 4


@dataclass(frozen=True)
class ParsedReply:
    coaching: str
    improvement: str
    follow_up: str


def parse_reply(text: str) -> ParsedReply:
    """Split `COACHING: ... IMPROVE: ... FOLLOW-UP: ...`; a label may be missing or repeated."""
    found: dict[str, str] = {}
    matches = list(_LABEL_LINE.finditer(text))
    for match, following in zip(matches, matches[1:] + [None]):
        body = text[match.end() : following.start() if following else len(text)].strip()
        key = next(k for k, pattern in _LABELS.items() if re.fullmatch(pattern, match.group(1), re.I))
        found.setdefault(key, " ".join(body.split()))
    if not matches:  # no labels at all: treat prose as coaching, a trailing question as the follow-up
        sentences = _SENTENCE.split(" ".join(text.split()))
        questions = [s for s in sentences if s.endswith("?")]
        found["follow_up"] = questions[-1] if questions else ""
        found["coaching"] = " ".join(s for s in sentences if s not in questions)
    return ParsedReply(found.get("coaching", ""), found.get("improvement", ""), found.get("follow_up", ""))


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _mentions(sentence: str, point: PointResult, keywords: dict[str, tuple[str, ...]]) -> bool:
    lowered = _normal(sentence)
    return any(_normal(k) in lowered for k in keywords.get(point.point_id, ()) if len(k) > 2)


def _ngrams(text: str, n: int = 7) -> set[tuple[str, ...]]:
    words = _normal(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


_EXAMPLE_NGRAMS = _ngrams(EXAMPLE_ASSISTANT)


def copies_example(sentence: str) -> bool:
    """Small models copy the worked example's wording (about a different question) verbatim."""
    return bool(_ngrams(sentence) & _EXAMPLE_NGRAMS)


def check_sentences(text: str, score: Score, transcript: str, keywords: dict[str, tuple[str, ...]]) -> tuple[str, list[str]]:
    """Drop sentences that contradict the rubric result, invent quotes or copy the worked
    example; returns (text, notes)."""
    missed = [p for p in score.points if p.status is PointStatus.MISS]
    covered = [p for p in score.points if p.status is PointStatus.HIT]
    said = _normal(transcript)
    kept, notes = [], []
    for sentence in _SENTENCE.split(text.strip()) if text.strip() else []:
        if copies_example(sentence):
            notes.append("removed a sentence copied from the prompt's worked example")
            continue
        invented = [q for q in _QUOTE.findall(sentence) if _normal(q) not in said]
        if invented:
            notes.append(f"removed a quote the candidate never said: “{invented[0]}”")
            continue
        praised = [p for p in missed if _mentions(sentence, p, keywords)]
        if praised and _PRAISE.search(sentence) and not _NEGATION.search(sentence):
            notes.append(f"removed a claim that the missed point “{praised[0].text}” was covered")
            continue
        blamed = [p for p in covered if _mentions(sentence, p, keywords)]
        if blamed and _BLAME.search(sentence) and not any(_mentions(sentence, p, keywords) for p in missed):
            notes.append(f"removed a claim that the covered point “{blamed[0].text}” was missed")
            continue
        kept.append(sentence)
    return " ".join(kept), notes


def missed_by_importance(score: Score) -> list[PointResult]:
    return sorted((p for p in score.points if p.status is not PointStatus.HIT),
                  key=lambda p: (p.status is PointStatus.PARTIAL, not p.critical, -p.weight))


def rubric_critique(question: Question, score: Score, model: str = "rubric") -> Critique:
    """Deterministic feedback from the rubric alone: the fallback when the model's output is unusable."""
    gaps = missed_by_importance(score)
    if not gaps:
        coaching = "You covered every rubric point. Keep the same structure, and make each point in one clear sentence."
        improvement = "Tighten the delivery: lead with the key idea, then support it."
        follow_up = question.follow_ups[0] if question.follow_ups else "Can you give a concrete example from your own work?"
        return Critique(coaching, improvement, follow_up, "rubric", model)
    first = gaps[0]
    verb = "only touched on" if first.status is PointStatus.PARTIAL else "did not cover"
    coaching = f"Your answer {verb} this point: {first.text}"
    if len(gaps) > 1:
        coaching += f" It also left out: {gaps[1].text}"
    improvement = f"Add one explicit sentence on: {first.text}"
    follow_up = question.follow_ups[0] if question.follow_ups else f"Can you explain this in more depth: {first.text.rstrip('.')}?"
    return Critique(coaching, improvement, follow_up, "rubric", model)


def checked_critique(reply: str, question: Question, score: Score, transcript: str, model: str) -> Critique:
    """The model's reply, cleaned against the rubric result, with gaps filled from the rubric."""
    parsed = parse_reply(reply)
    keywords = {p.id: p.keywords for p in (question.rubric.points if question.rubric else ())}
    coaching, notes = check_sentences(parsed.coaching, score, transcript, keywords)
    sentences = _SENTENCE.split(coaching) if coaching else []
    if len(sentences) > MAX_COACHING_SENTENCES:  # small models ramble until the token limit
        coaching = " ".join(sentences[:MAX_COACHING_SENTENCES])
        if not coaching.rstrip().endswith((".", "!", "?")):
            coaching = coaching.rstrip() + "."
    improvement, more = check_sentences(parsed.improvement, score, transcript, keywords)
    notes += more
    follow_up = parsed.follow_up.strip()
    fallback = rubric_critique(question, score, model)
    gaps = [p for p in score.points if p.status is not PointStatus.HIT]
    if len(coaching.split()) < 6:
        notes.append("coaching missing or unusable: written from the rubric")
        coaching = fallback.coaching
    elif gaps and not any(_mentions(coaching, p, keywords) for p in gaps):
        notes.append("coaching did not address any missed point: written from the rubric")
        coaching = fallback.coaching
    if len(improvement.split()) < 3:
        notes.append("improvement missing: written from the rubric")
        improvement = fallback.improvement
    if not follow_up.endswith("?") or len(follow_up.split()) < 4 or copies_example(follow_up):
        notes.append("follow-up question missing: taken from the rubric")
        follow_up = fallback.follow_up
    source = "llm" if not notes else "llm+rubric"
    return Critique(coaching, improvement, follow_up, source, model, tuple(notes))
