"""Drafting questions for a user's own bank: rubric points split from a reference answer,
keywords picked from each point, and the YAML written into the bank's topic files.

Used by `viva bank new` and `viva bank import`. A draft is validated by the same schema as
the files (user-bank rules) before anything is written, so what lands on disk loads.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

from assistant.bank.schema import ID_PATTERN, QuestionFile, RubricFile, contains_term
from assistant.bank.user import QUESTIONS, RUBRICS

MAX_POINTS = 7
MIN_POINT_WORDS = 6  # a shorter sentence is a fragment of its neighbour's idea
_STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there their they them it its is are was were be been
    being of to in on at by for with from as into about over under between through so such not no do does did done
    have has had having can could would should will may might must we you he she i me my our your his her what
    which who whom when where why how all any each some more most other also just very because while one two
    use uses used using make makes made get gets like way ways often usually instead rather only both either
    explain describe discuss tell walk give compare define mean means work works thing things""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class PointDraft:
    text: str
    keywords: list[str]
    paraphrases: list[str] = field(default_factory=list)


@dataclass
class QuestionDraft:
    """One question and its rubric, as they will be written (ids without the bank's namespace)."""

    id: str
    topic: str
    phase: int
    prompt: str
    model_answer: str
    points: list[PointDraft]
    kind: str = "concept"
    difficulty: str = "medium"
    time_limit: int = 120
    follow_ups: list[str] = field(default_factory=list)

    def question_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "phase": self.phase, "kind": self.kind, "difficulty": self.difficulty,
                                "time_limit": self.time_limit, "prompt": self.prompt, "model_answer": self.model_answer}
        if self.follow_ups:
            data["follow_ups"] = list(self.follow_ups)
        return data

    def rubric_data(self) -> dict[str, Any]:
        ids: list[str] = []
        points = []
        for n, point in enumerate(self.points, 1):
            ids.append(unique_id(slug(point.keywords[0] if point.keywords else point.text, 3) or f"point-{n}", ids))
            data: dict[str, Any] = {"id": ids[-1], "text": point.text, "weight": 1, "keywords": list(point.keywords)}
            if point.paraphrases:
                data["paraphrases"] = list(point.paraphrases)
            points.append(data)
        return {"points": points}

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for everything the bank's schema would reject; empty when it loads."""
        found: list[tuple[str, str]] = []
        checks = (
            (QuestionFile, {"topic": self.topic, "title": "-", "questions": [self.question_data()]}, 2),
            (RubricFile, {"topic": self.topic, "rubrics": {self.id: self.rubric_data()}}, 2),
        )
        for schema, data, skip in checks:
            try:
                schema.model_validate(data, context={"user_bank": True})
            except ValidationError as exc:
                for error in exc.errors():
                    loc = tuple(error["loc"])
                    if schema is RubricFile and len(loc) <= skip:
                        continue  # the topic or id itself: QuestionFile reported it already
                    # questions.0.prompt -> prompt; rubrics.<id>.points.1.keywords -> points.1.keywords
                    name = ".".join(map(str, loc[skip:] if len(loc) > skip else loc))
                    found.append((name, error["msg"]))
        return found


def slug(text: str, max_words: int = 5) -> str:
    """An id from the meaningful words of `text`: 'Explain the bias-variance trade-off' -> 'bias-variance-trade-off'."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]
    return "-".join(words[:max_words])[:48].strip("-")


def unique_id(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def pick_keywords(text: str, limit: int = 3, *, context: str = "") -> list[str]:
    """The point's most technical-looking words, in the order they appear.

    Acronyms and words with digits or hyphens (AUC, L2, bias-variance) rank first, then words
    the question itself uses (`context`), then long nouns; participles (increasing, expected)
    rank low. Every keyword is taken from the text itself, so it passes the schema's check that
    keywords occur in the point, and it primes speech recognition with the right terms.
    """
    topical = {part for w in _WORD.findall(context.lower()) for part in (w, *w.split("-"))}
    seen: dict[str, tuple[float, int, str]] = {}
    for position, match in enumerate(_WORD.finditer(text)):
        word = match.group().removesuffix("'s")
        key = word.lower()
        if key in _STOPWORDS or key in seen or (len(word) < 3 and not word.isupper()):
            continue
        if word.isupper() or any(c.isdigit() for c in word):
            rank = 3.0
        elif "-" in word:
            rank = 2.5
        else:
            rank = 2.0 if len(word) >= 8 else 1.0 if len(word) >= 5 else 0.5
            if key.endswith(("ing", "ed", "ly")):
                rank -= 1.25
        if key in topical:
            rank += 1.5
        # Keep an acronym's or a camel-cased name's case (it primes Whisper); lower-case the rest.
        seen[key] = (rank, position, word if word.isupper() or any(c.isupper() for c in word[1:]) else key)
    ranked = sorted(seen.values(), key=lambda item: (-item[0], item[1]))
    best = ranked[:1] + [item for item in ranked[1:limit] if item[0] >= 1.0]
    keywords = [word for _, _, word in sorted(best, key=lambda item: item[1])]
    haystack = text.lower()
    return [k for k in keywords if contains_term(haystack, k)] or _first_word(text)


def _first_word(text: str) -> list[str]:
    match = _WORD.search(text)
    return [match.group().lower()] if match else []


def split_points(reference: str, *, max_points: int = MAX_POINTS, min_words: int = MIN_POINT_WORDS) -> list[str]:
    """Cut a reference answer into point texts: bullet lines or sentences, fragments merged
    into their neighbour, and the closest neighbours merged until at most `max_points` remain."""
    lines = [line for line in reference.splitlines() if line.strip()]
    if any(_BULLET.match(line) for line in lines):
        pieces = [_BULLET.sub("", line).strip() for line in lines]
        min_words = min(min_words, 2)  # a bullet is meant as a point of its own
    else:
        pieces = [p.strip() for p in _SENTENCE_END.split(" ".join(reference.split())) if p.strip()]
    merged: list[str] = []
    for piece in pieces:
        if merged and len(piece.split()) < min_words:
            merged[-1] = _join(merged[-1], piece)
        else:
            merged.append(piece)
    if len(merged) > 1 and len(merged[0].split()) < min_words:
        merged[:2] = [_join(merged[0], merged[1])]
    while len(merged) > max_points:
        i = min(range(len(merged) - 1), key=lambda j: len(merged[j].split()) + len(merged[j + 1].split()))
        merged[i : i + 2] = [_join(merged[i], merged[i + 1])]
    return [_tidy(p) for p in merged]


def _join(first: str, second: str) -> str:
    return f"{first} {second}" if first.endswith((".", "!", "?", ";")) else f"{first}; {second}"


def _tidy(point: str) -> str:
    point = point.rstrip(" ;,")
    return point[:1].upper() + point[1:]


def points_from_reference(reference: str, question: str = "") -> list[PointDraft]:
    return [PointDraft(text, pick_keywords(text, context=question)) for text in split_points(reference)]


def joined_answer(points: Sequence[PointDraft]) -> str:
    """A model answer made of the points, for a question written without one."""
    return " ".join(p.text if p.text.endswith((".", "!", "?")) else f"{p.text}." for p in points)


# --- writing into a bank directory ---------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)  # the built-in bank's style: "  - id: ..."
    yaml.width = 100
    return yaml


def existing_ids(bank_dir: Path) -> set[str]:
    """Question ids already written in the bank (read leniently: a broken file is skipped)."""
    ids: set[str] = set()
    for path, data in _topic_files(bank_dir / QUESTIONS):
        for q in data.get("questions") or []:
            if isinstance(q, Mapping) and isinstance(q.get("id"), str):
                ids.add(q["id"])
    return ids


def _topic_files(directory: Path) -> list[tuple[Path, Any]]:
    found = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - a broken file is `viva bank validate`'s to report
            continue
        if isinstance(data, Mapping):
            found.append((path, data))
    return found


def _file_for_topic(directory: Path, topic: str) -> Path:
    for path, data in _topic_files(directory):
        if data.get("topic") == topic:
            return path
    stem = topic.replace("-", "_")
    return directory / f"{unique_id(stem, {p.stem for p in directory.glob('*.yaml')})}.yaml"


def render_drafts(bank_dir: Path, drafts: Sequence[QuestionDraft], titles: Mapping[str, str],
                  note: str = "") -> dict[Path, str]:
    """The new text of every question and rubric file the drafts go into (appended to the
    topic's existing files, keeping their comments); nothing is written."""
    yaml = _yaml()
    documents: dict[Path, Any] = {}
    noted: set[Path] = set()  # files whose first new rubric carries the note

    def document(path: Path, fresh: CommentedMap) -> Any:
        if path not in documents:
            documents[path] = yaml.load(path.read_text(encoding="utf-8")) if path.is_file() else fresh
        return documents[path]

    for draft in drafts:
        q_path = _file_for_topic(bank_dir / QUESTIONS, draft.topic)
        q_doc = document(q_path, CommentedMap(topic=draft.topic, title=titles.get(draft.topic, draft.topic), questions=CommentedSeq()))
        q_doc["questions"].append(_to_yaml(draft.question_data()))
        r_path = _file_for_topic(bank_dir / RUBRICS, draft.topic)
        fresh = CommentedMap(topic=draft.topic, rubrics=CommentedMap())
        if note:
            fresh.yaml_set_start_comment(note)
        existed = r_path in documents or r_path.is_file()
        r_doc = document(r_path, fresh)
        r_doc["rubrics"][draft.id] = _to_yaml(draft.rubric_data())
        if note and existed and r_path not in noted:
            r_doc["rubrics"].yaml_set_comment_before_after_key(draft.id, before=note, indent=2)
        noted.add(r_path)
    texts = {}
    for path, doc in documents.items():
        buffer = io.StringIO()
        yaml.dump(doc, buffer)
        texts[path] = buffer.getvalue()
    return texts


def _to_yaml(data: Any) -> Any:
    if isinstance(data, Mapping):
        node = CommentedMap()
        for key, value in data.items():
            node[key] = _folded(value) if key == "model_answer" else _to_yaml(value)
            if key == "keywords":
                node[key].fa.set_flow_style()  # keywords: [a, b], as in the built-in bank
        return node
    if isinstance(data, list):
        return CommentedSeq(_to_yaml(v) for v in data)
    return data


def _folded(text: str, width: int = 88) -> FoldedScalarString:
    """A long answer as a `>-` block wrapped at `width`, the way the built-in bank writes it."""
    text = " ".join(text.split())
    folded = FoldedScalarString(text)
    positions, line_start = [], 0
    for i, char in enumerate(text):
        if char == " " and i - line_start > width and positions[-1:] != [i]:
            # Fold at the last space before the width (a folded break must replace a single space).
            cut = text.rfind(" ", line_start, line_start + width + 1)
            cut = cut if cut > line_start else i
            positions.append(cut)
            line_start = cut + 1
    folded.fold_pos = positions  # type: ignore[attr-defined]
    return folded


def write_drafts(bank_dir: Path, drafts: Sequence[QuestionDraft], titles: Mapping[str, str], note: str = "") -> list[Path]:
    """Append the drafts to the bank's topic files (created as needed); returns the files written."""
    from assistant.store.files import atomic_write_text

    texts = render_drafts(bank_dir, drafts, titles, note)
    for path, text in texts.items():
        atomic_write_text(path, text)
    return sorted(texts)


def valid_id(value: str) -> bool:
    return re.match(ID_PATTERN, value) is not None
