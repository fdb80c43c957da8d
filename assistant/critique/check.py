"""Parse the model's reply and hold it to the rubric result.

Both small models tried here often ignored the format, and small models happily praise a point
that was missed, quote words nobody said, or state facts of their own (grounding.py). Each such
sentence is removed (and noted); whatever is missing or unusable is filled from the rubric,
deterministically, and only then is the critique marked as partly the rubric's ("llm+rubric").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.critique.grounding import FactSource, content_keys, facts_for, unsupported
from assistant.critique.grounding import normal as _normal
from assistant.critique.prompt import EXAMPLE_ASSISTANT, gaps_by_importance
from assistant.domain import Critique, PointResult, PointStatus, Question, Score

_LABELS = {"coaching": r"coaching", "improvement": r"improve(?:ment)?", "follow_up": r"follow[- ]?up(?: question)?"}
_LABEL_LINE = re.compile(r"^\s*[*#\-]*\s*(" + "|".join(_LABELS.values()) + r")\s*[*]*\s*[:\-]\s*[*]*\s*", re.I | re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_QUOTE = re.compile(r"[\"“”]([^\"“”]{4,})[\"“”]")
_PRAISE = re.compile(r"\b(you (?:also |correctly |clearly |did |have |already )?(?:covered|explained|mentioned|described|"
                     r"discussed|noted|said|addressed|stated|defined|gave|included|touched on)"
                     r"|well done|good job|nicely|great job|you got)\b", re.I)
_NEGATION = re.compile(r"\b(not|didn't|did not|never|missed|missing|forgot|left out|without|lacked?)\b", re.I)
_BLAME = re.compile(r"\b(missed|didn't (?:mention|cover|explain|say)|did not (?:mention|cover|explain|say)|forgot|left out|omitted|failed to)\b", re.I)
# Advice to add something is blame in disguise when that something was covered.
_ADVICE = re.compile(r"^(?:(?:then|also|next time|first|now|finally),?\s+)?(?:(?:make sure|remember) (?:to|you)\s+)?"
                     r"(?:say|explain|mention|add|state|describe|use|include|spend (?:one|a) sentence on|talk about|cover|"
                     r"the interviewer wanted)\b", re.I)
# "After defining X, spend one sentence on Y": the advice is about Y, wherever in the sentence it sits.
_ADVICE_TARGET = re.compile(r"\b(?:spend (?:one|a) (?:more )?sentence|add (?:one|a) sentence) on\b(.+)", re.I)
# Praise and blame are judged per clause: "You covered X, but Y" credits X whatever Y says.
_CLAUSE = re.compile(r"\s*(?:[,;:]\s*|\s+)(?:but|however|whereas|though|yet)\b[,]?\s*|\s*;\s*", re.I)


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


def _mentions(sentence: str, point: PointResult, keywords: dict[str, tuple[str, ...]]) -> bool:
    lowered = _normal(sentence)
    return any(_normal(k) in lowered for k in keywords.get(point.point_id, ()) if len(k) > 2)


COPY_WORDS = 7  # a run of this many of the worked example's words in a row is a copy


def _ngrams(text: str, n: int = COPY_WORDS) -> set[tuple[str, ...]]:
    words = _normal(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


_EXAMPLE_NGRAMS = _ngrams(EXAMPLE_ASSISTANT)
# What the worked example is about (a refrigerator, prompt.py): a sentence that names it, on a
# question whose bank text never does, is borrowed from the example, not advice on this answer.
# (The 1.5B, stopped from copying an earlier example on the learning rate, reworded it: "Next
# time, explain what happens at each extreme of the learning rate" to a candidate asked about spam.)
EXAMPLE_SUBJECT = ("refrigerat", "fridge", "compressor", "condenser", "evaporat", "expansion valve", "coolant",
                   "kitchen", "food compartment", "the room", "the box", "hotter than", "cold side", "squeez")


def copies_example(sentence: str) -> bool:
    """Small models copy the worked example's wording (about a different question) verbatim."""
    return bool(_ngrams(sentence) & _EXAMPLE_NGRAMS)


def example_subject(sentence: str, source: FactSource) -> str | None:
    """The worked example's subject, when the sentence names it and this question's bank text
    (and the candidate) never do: borrowed from the example, not advice on this answer."""
    said, bank = f" {_normal(sentence)} ", f" {source.wording}"
    return next((s for s in EXAMPLE_SUBJECT if f" {s}" in said and f" {s}" not in bank), None)


def check_sentences(text: str, score: Score, transcript: str, keywords: dict[str, tuple[str, ...]],
                    source: FactSource | None = None) -> tuple[str, list[str]]:
    """Drop sentences that contradict the rubric result, invent quotes, copy the worked example
    or state what the bank does not (when given its `source`); returns (text, notes)."""
    said = _normal(transcript)
    kept, notes = [], []
    for sentence in _SENTENCE.split(text.strip()) if text.strip() else []:
        if copies_example(sentence):
            notes.append("removed a sentence copied from the prompt's worked example")
            continue
        borrowed = example_subject(sentence, source) if source is not None else None
        if borrowed:
            notes.append(f"removed a sentence borrowed from the prompt's worked example (“{borrowed}”): “{sentence}”")
            continue
        invented = [q for q in _QUOTE.findall(sentence) if _normal(q) not in said]
        if invented:
            notes.append(f"removed a quote the candidate never said: “{invented[0]}”")
            continue
        wrong = misjudged(sentence, score, keywords)
        if wrong:
            notes.append(wrong)
            continue
        why = unsupported(sentence, source) if source is not None else None
        if why:
            notes.append(f"removed a sentence the bank does not support ({why}): “{sentence}”")
            continue
        kept.append(sentence)
    return " ".join(kept), notes


def misjudged(sentence: str, score: Score, keywords: dict[str, tuple[str, ...]]) -> str | None:
    """Why the sentence contradicts the measured coverage, or None. Per clause: one that praises
    a point the scorer marked missed, or that blames or asks for a point it marked covered (and
    names no gap beside it)."""
    missed = [p for p in score.points if p.status is PointStatus.MISS]
    covered = [p for p in score.points if p.status is PointStatus.HIT]
    gaps = [p for p in score.points if p.status is not PointStatus.HIT]
    for clause in _CLAUSE.split(sentence):
        named_covered = [p for p in covered if _mentions(clause, p, keywords)]
        praised = [p for p in missed if _mentions(clause, p, keywords)]
        if praised and _PRAISE.search(clause) and not _NEGATION.search(clause):
            return f"removed a claim that the missed point “{praised[0].text}” was covered"
        blames = _BLAME.search(clause) or _ADVICE.search(clause)
        if named_covered and blames and not any(_mentions(clause, p, keywords) for p in gaps):
            return f"removed a claim that the covered point “{named_covered[0].text}” was missed"
        advice = _ADVICE_TARGET.search(clause)
        if advice:
            target = advice.group(1)
            asked = [p for p in covered if _mentions(target, p, keywords)]
            if asked and not any(_mentions(target, p, keywords) for p in gaps):
                return f"removed a claim that the covered point “{asked[0].text}” was missed"
    return None


def rubric_critique(question: Question, score: Score, model: str = "rubric") -> Critique:
    """Deterministic feedback from the rubric alone: the fallback when the model's output is unusable."""
    gaps = gaps_by_importance(score)
    if not gaps:
        coaching = "You covered every rubric point. Keep the same structure, and make each point in one clear sentence."
        improvement = "Tighten the delivery: lead with the key idea, then support it."
        follow_up = question.follow_ups[0] if question.follow_ups else "Can you give a concrete example from your own work?"
        return Critique(coaching, improvement, follow_up, "rubric", model)
    first = gaps[0]
    verb = "only touched on" if first.unclear else "did not cover"
    coaching = f"Your answer {verb} this point: {first.text}"
    if len(gaps) > 1:
        coaching += f" It also {'did not clearly state' if gaps[1].unclear else 'left out'}: {gaps[1].text}"
    improvement = f"Add one explicit sentence on: {first.text}"
    follow_up = question.follow_ups[0] if question.follow_ups else f"Can you explain this in more depth: {first.text.rstrip('.')}?"
    return Critique(coaching, improvement, follow_up, "rubric", model)


def follow_up_problem(follow_up: str, question: Question, score: Score, source: FactSource,
                      keywords: dict[str, tuple[str, ...]]) -> str | None:
    """Why the model's follow-up is unusable, or None: it must be a question, about the most
    important gap (when there is one), and state nothing the bank does not."""
    if not follow_up.endswith("?") or len(follow_up.split()) < 4 or copies_example(follow_up):
        return "follow-up question missing"
    borrowed = example_subject(follow_up, source)
    if borrowed:
        return f"follow-up borrowed from the prompt's worked example (“{borrowed}”)"
    wrong = misjudged(follow_up, score, keywords)
    if wrong:
        return f"follow-up {wrong.removeprefix('removed ')}"
    gaps = gaps_by_importance(score)
    if gaps:
        topic = content_keys(" ".join([gaps[0].text, *facts_for(gaps[0].text, question.model_answer)]))
        if topic and not topic & content_keys(follow_up):
            return f"follow-up not about the most important gap (“{gaps[0].text}”)"
    why = unsupported(follow_up, source)
    return f"follow-up states what the bank does not ({why})" if why else None


def _correction_first(coaching: str, score: Score) -> tuple[str, str | None]:
    """A stated misconception is corrected before anything else; from the bank when the model didn't."""
    if not score.misconceptions:
        return coaching, None
    correction = score.misconceptions[0].correction
    first = _SENTENCE.split(coaching, maxsplit=1)[0] if coaching else ""
    wanted = content_keys(correction)
    if len(wanted & content_keys(first)) >= max(2, 0.3 * len(wanted)):
        return coaching, None
    return f"First, a correction: {correction} {coaching}".strip(), "correction of the misconception put first, from the rubric"


def checked_critique(reply: str, question: Question, score: Score, transcript: str, model: str) -> Critique:
    """The model's reply, cleaned against the rubric result and the bank's facts, with gaps filled
    from the rubric."""
    parsed = parse_reply(reply)
    keywords = {p.id: p.keywords for p in (question.rubric.points if question.rubric else ())}
    source = FactSource.for_question(question, transcript)
    coaching, notes = check_sentences(parsed.coaching, score, transcript, keywords, source)
    sentences = _SENTENCE.split(coaching) if coaching else []
    if len(sentences) > MAX_COACHING_SENTENCES:  # small models ramble until the token limit
        coaching = " ".join(sentences[:MAX_COACHING_SENTENCES])
        if not coaching.rstrip().endswith((".", "!", "?")):
            coaching = coaching.rstrip() + "."
    improvement, more = check_sentences(parsed.improvement, score, transcript, keywords, source)
    notes += more
    fallback = rubric_critique(question, score, model)
    gaps = [p for p in score.points if p.status is not PointStatus.HIT]
    filled: list[str] = []
    if len(coaching.split()) < 6:
        filled.append("coaching missing or unusable: written from the rubric")
        coaching = fallback.coaching
    elif gaps and not any(_mentions(coaching, p, keywords) for p in gaps):
        filled.append("coaching did not address any missed point: written from the rubric")
        coaching = fallback.coaching
    coaching, corrected = _correction_first(coaching, score)
    filled += [corrected] if corrected else []
    if len(improvement.split()) < 3:
        filled.append("improvement missing: written from the rubric")
        improvement = fallback.improvement
    follow_up = parsed.follow_up.strip()
    problem = follow_up_problem(follow_up, question, score, source, keywords)
    if problem:
        filled.append(f"{problem}: taken from the rubric")
        follow_up = fallback.follow_up
    return Critique(coaching, improvement, follow_up, "llm+rubric" if filled else "llm", model, tuple(notes + filled))
