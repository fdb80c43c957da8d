"""Gates that need no model: time limits, prerequisites by phase, and keywords.

- time-limit: a model answer read at 140 words a minute uses at most 90% of the question's
  time limit (a candidate who knows it all still needs room to breathe);
- phase-prerequisites: every question a question `requires` exists and sits in the same or an
  earlier phase of the 12-week plan;
- keywords: matched the way the scorer matches them (assistant.scoring.keywords: whole words,
  number words as digits, US spellings, plurals), each keyword
  * occurs in its own point's text or paraphrases (a keyword that only prefix-matched, such as
    `redundan`, or a spelling the normaliser changes, is never found in an answer),
  * is something a speaker says, not only single letters (`C`, which Whisper may write "see"),
  * matches the model answers of at most 20% of the other questions: a keyword found
    everywhere (`training`, `mean`, `data`) tells the scorer nothing about this point. Questions
    that share the point through a rubric template (the ML system-design framework) are not
    counted as "other" for that point.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.domain import Question
from assistant.gates.issues import QualityIssue
from assistant.gates.keyword_index import KeywordIndex
from assistant.scoring.keywords import keyword_matches, normalise_tokens

WORDS_PER_MINUTE = 140
TIME_LIMIT_SHARE = 0.9
KEYWORD_MAX_SHARE = 0.2


def spoken_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_MINUTE * 60


def time_limits(questions: Iterable[Question]) -> list[QualityIssue]:
    issues = []
    for q in questions:
        seconds = spoken_seconds(q.model_answer)
        if seconds > TIME_LIMIT_SHARE * q.time_limit:
            issues.append(QualityIssue(
                q.id, "time-limit",
                f"model answer takes {seconds:.0f} s at {WORDS_PER_MINUTE} words/min, over {TIME_LIMIT_SHARE:.0%} "
                f"of its {q.time_limit} s limit: shorten it or raise time_limit to {_limit_for(seconds)}"))
    return issues


def _limit_for(seconds: float) -> int:
    needed = seconds / TIME_LIMIT_SHARE
    return int(-(-needed // 30) * 30)  # the next multiple of 30 s, like the bank's limits


def phase_prerequisites(questions: Iterable[Question], everything: dict[str, Question]) -> list[QualityIssue]:
    issues = []
    for q in questions:
        for required in q.requires:
            other = everything.get(required)
            if other is None:
                issues.append(QualityIssue(q.id, "phase-prerequisites", f"requires {required!r}, which is not in the bank"))
            elif other.id == q.id:
                issues.append(QualityIssue(q.id, "phase-prerequisites", "requires itself"))
            elif other.phase > q.phase:
                issues.append(QualityIssue(
                    q.id, "phase-prerequisites",
                    f"phase {q.phase} question requires {other.id}, which the plan reaches later (phase {other.phase})"))
    return issues


def keywords(questions: Iterable[Question], everything: dict[str, Question],
             max_share: float = KEYWORD_MAX_SHARE) -> list[QualityIssue]:
    index = KeywordIndex({q.id: q.model_answer for q in everything.values()})
    template_users = _template_users(everything.values())
    matches: dict[str, list[str]] = {}
    issues = []
    for q in questions:
        for point in q.rubric.points if q.rubric else ():
            phrasings = [normalise_tokens(v) for v in point.variants]
            shared = template_users.get(point.id, set()) if q.id in template_users.get(point.id, set()) else set()
            others = [qid for qid in everything if qid != q.id and qid not in shared]
            others_set = set(others)
            for keyword in point.keywords:
                tokens = normalise_tokens(keyword)
                if not any(keyword_matches(keyword, p) for p in phrasings):
                    issues.append(QualityIssue(q.id, "keywords", f"{point.id}: keyword {keyword!r} never matches the point's own "
                                               "text or paraphrases as the scorer reads them (a word stem, or a spelling it changes?)"))
                if len(tokens) == 1 and len(tokens[0]) == 1 and tokens[0].isalpha():
                    issues.append(QualityIssue(q.id, "keywords", f"{point.id}: keyword {keyword!r} is a single letter, which "
                                               "speech recognition writes unpredictably (C may come out as \"see\")"))
                if keyword not in matches:
                    matches[keyword] = index.matching(keyword, everything)
                found = [qid for qid in matches[keyword] if qid in others_set]
                if others and len(found) > max_share * len(others):
                    issues.append(QualityIssue(
                        q.id, "keywords",
                        f"{point.id}: keyword {keyword!r} is in {len(found)} of {len(others)} other model answers "
                        f"(> {max_share:.0%}), so it says nothing about this point (e.g. {', '.join(found[:3])})"))
    return issues


def _template_users(questions: Iterable[Question]) -> dict[str, set[str]]:
    """Template point id -> questions whose rubric takes it from a template (worded for the
    question or not: every design answer talks about latency and drift)."""
    users: dict[str, set[str]] = {}
    for q in questions:
        for p in q.rubric.points if q.rubric else ():
            if p.template is not None:
                users.setdefault(p.id, set()).add(q.id)
    return users
