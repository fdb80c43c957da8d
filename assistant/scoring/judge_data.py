"""Training pairs for the point judge, built from rubrics alone (no answers, no eval sets).

A pair is (claim, span, label): does the span state the claim? Positives are other phrasings
of the same point. The negatives are the ones a topic-level embedding cannot tell apart: the
other points of the same question, its misconceptions, the point with its meaning flipped
(negated, antonym swapped, two of its key terms swapped) and points of other questions on the
same topic. A clause cut from a phrasing is "partly". Spans are dressed as speech sometimes
(lower case, fillers, an unrelated sentence beside the claim), since that is what the judge sees.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.domain import Rubric

NOT, PARTLY, STATES = 0, 1, 2
LABELS = ("not", "partly", "states")


@dataclass(frozen=True)
class JudgePair:
    claim: str
    span: str
    label: int


@dataclass(frozen=True)
class _Item:
    """A point or a misconception: something an answer can state."""

    key: str
    variants: tuple[str, ...]
    keywords: tuple[str, ...]


# Word pairs whose swap turns a claim into a different (usually wrong) one.
_ANTONYMS = [
    ("increases", "decreases"), ("increase", "decrease"), ("reduces", "increases"), ("reduce", "increase"),
    ("more", "less"), ("higher", "lower"), ("larger", "smaller"), ("faster", "slower"), ("before", "after"),
    ("up", "down"), ("high", "low"), ("bias", "variance"), ("L1", "L2"), ("Laplace", "Gaussian"),
    ("maximizes", "minimizes"), ("maximize", "minimize"), ("overfitting", "underfitting"), ("always", "never"),
    ("training", "test"), ("precision", "recall"), ("encoder", "decoder"), ("query", "key"), ("online", "offline"),
    ("linear", "quadratic"), ("convex", "non-convex"), ("sparse", "dense"), ("supervised", "unsupervised"),
    ("positive", "negative"), ("larger", "smaller"), ("wider", "narrower"), ("deeper", "shallower"),
    ("parallel", "sequential"), ("independent", "dependent"), ("mean", "median"), ("first", "last"),
]
_NEGATABLE = re.compile(r"\b(is|are|was|were|can|does|do|will|should|must|has|have)\b(?! not)")
_VERB_S = re.compile(r"\b(\w{3,}(?<!s)s)\b")
_CLAUSE_CUT = re.compile(r",\s+|;\s+|\s+(?:and|so|because|while|whereas|but|which)\s+")
_FILLERS = ("so ", "um, ", "basically ", "I think ", "yeah, so ", "you know, ", "right, so ")


def negate(text: str) -> str | None:
    """The claim with its first auxiliary verb negated, or None when there is none to negate."""
    if _NEGATABLE.search(text):
        return _NEGATABLE.sub(lambda m: {"can": "cannot"}.get(m.group(1), m.group(1) + " not"), text, count=1)
    return None


def swap_antonym(text: str, rng: random.Random) -> str | None:
    found = [(a, b) for a, b in _ANTONYMS if re.search(rf"\b{re.escape(a)}\b", text, re.I)]
    found += [(b, a) for a, b in _ANTONYMS if re.search(rf"\b{re.escape(b)}\b", text, re.I)]
    if not found:
        return None
    a, b = rng.choice(found)
    both = re.search(rf"\b{re.escape(b)}\b", text, re.I)
    if both:  # both words present: swap them ("L1 ... Laplace, L2 ... Gaussian" -> swapped roles)
        marker = "\x00"
        text = re.sub(rf"\b{re.escape(a)}\b", marker, text, flags=re.I)
        text = re.sub(rf"\b{re.escape(b)}\b", a, text, flags=re.I)
        return text.replace(marker, b)
    return re.sub(rf"\b{re.escape(a)}\b", b, text, count=1, flags=re.I)


def swap_terms(text: str, terms: Sequence[str]) -> str | None:
    """Swap two of the point's own key terms where both occur: the same words, a different claim."""
    present = [t for t in terms if len(t) > 2 and re.search(rf"\b{re.escape(t)}\b", text, re.I)]
    if len(present) < 2:
        return None
    a, b = present[0], present[1]
    marker = "\x00"
    swapped = re.sub(rf"\b{re.escape(a)}\b", marker, text, count=1, flags=re.I)
    swapped = re.sub(rf"\b{re.escape(b)}\b", a, swapped, count=1, flags=re.I).replace(marker, b)
    return swapped if swapped.lower() != text.lower() else None


def first_clause(text: str) -> str | None:
    """A leading part of the claim, long enough to mean something, short enough to be partial."""
    words = text.split()
    match = _CLAUSE_CUT.search(text)
    if not match:
        return None
    head = text[: match.start()].strip()
    n = len(head.split())
    return head if 4 <= n <= 0.65 * len(words) else None


def spoken(text: str, rng: random.Random | None = None) -> str:
    """How a transcript might render it: lower case, no final stop, a filler in front. The
    choice depends on the text alone, so the same span is dressed the same way in every build."""
    rng = random.Random(zlib.crc32(text.encode()))
    if rng.random() < 0.4:
        text = text.rstrip(".").lower()
    if rng.random() < 0.3:
        text = rng.choice(_FILLERS) + text[0].lower() + text[1:]
    return text


def _items(rubric: Rubric) -> tuple[list[_Item], list[_Item]]:
    points = [_Item(f"{rubric.question_id}:{p.id}", p.variants, p.keywords) for p in rubric.points]
    misconceptions = [_Item(f"{rubric.question_id}:!{m.id}", m.variants, ()) for m in rubric.misconceptions]
    return points, misconceptions


def training_pairs(topics: Sequence[Sequence[Rubric]], seed: int = 0) -> list[JudgePair]:
    """Pairs for every point and misconception of the rubrics, grouped by topic."""
    rng = random.Random(seed)
    pairs: list[JudgePair] = []
    for rubrics in topics:
        per_question = [_items(r) for r in rubrics]
        topic_variants = [v for points, _ in per_question for p in points for v in p.variants]
        for points, misconceptions in per_question:
            for item in points + misconceptions:
                others = [o for o in points + misconceptions if o.key != item.key]
                pairs += _pairs_for(item, others, topic_variants, rng)
    rng.shuffle(pairs)
    return pairs


def _pairs_for(item: _Item, others: list[_Item], topic_variants: list[str], rng: random.Random) -> list[JudgePair]:
    out: list[JudgePair] = []
    other_variants = [v for o in others for v in o.variants]
    for claim in item.variants:
        rest = [v for v in item.variants if v != claim] or [claim]
        same = rng.choice(rest)
        out.append(JudgePair(claim, spoken(same), STATES))
        flipped = [f for f in (negate(same), swap_antonym(same, rng), swap_terms(same, item.keywords)) if f]
        wrong = rng.choice(flipped) if flipped else None
        if wrong:
            out.append(JudgePair(claim, spoken(wrong), NOT))
        if other_variants:
            other = rng.choice(other_variants)
            out.append(JudgePair(claim, spoken(other), NOT))
            if rng.random() < 0.5:
                # Two-sentence spans, as neighbour pairs are: with the claim in them they state it,
                # without it they do not, whatever their length.
                context, second = rng.choice(other_variants), rng.choice(other_variants)
                out.append(JudgePair(claim, spoken(_join(same, context, rng)), STATES))
                out.append(JudgePair(claim, spoken(_join(wrong or second, context, rng)), NOT))
        clause = first_clause(rng.choice(rest))
        if clause:
            out.append(JudgePair(claim, spoken(clause), PARTLY))
        if topic_variants and rng.random() < 0.5:
            unrelated = rng.choice(topic_variants)
            if unrelated not in item.variants:
                out.append(JudgePair(claim, spoken(unrelated), NOT))
    return out


def _join(a: str, b: str, rng: random.Random) -> str:
    return f"{a} {b}" if rng.random() < 0.5 else f"{b} {a}"
