"""Pydantic schemas of the YAML files in question_bank/ and rubrics/.

These describe the files as written by people; `assistant.bank.loader` turns them into
the plain dataclasses of `assistant.domain`. A user's own bank (see `assistant.bank.user`) is
validated with the context `{"user_bank": True}`, which relaxes the two curation rules of the
built-in bank: points need no paraphrases, and one point is enough.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
Kind = Literal["concept", "derivation", "coding-explain", "system-design", "behavioural"]
Difficulty = Literal["easy", "medium", "hard"]


class _Strict(BaseModel):
    # Unknown keys are almost always typos ("paraphrase:" for "paraphrases:"); reject them.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QuestionFile(_Strict):
    topic: str = Field(pattern=ID_PATTERN, description="Topic id, e.g. supervised-learning.")
    title: str = Field(min_length=1, description="Human name of the topic.")
    questions: list[QuestionModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _questions_belong_to_topic(self) -> QuestionFile:
        for q in self.questions:
            if q.topic is not None and q.topic != self.topic:
                raise ValueError(f"question {q.id!r} says topic {q.topic!r} but the file is {self.topic!r}")
        return self


class QuestionModel(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    topic: str | None = None
    phase: int = Field(ge=1, le=4, description="Phase of the 12-week plan (1-4).")
    kind: Kind
    difficulty: Difficulty
    prompt: str = Field(min_length=10, description="The question as an interviewer says it.")
    time_limit: int = Field(ge=15, le=1800, description="Seconds allowed for the spoken answer.")
    model_answer: str = Field(min_length=40, description="A strong answer in spoken style.")
    follow_ups: list[str] = Field(default_factory=list, max_length=5)
    tags: list[str] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list, description="Ids of questions this one builds on.")


def _user_bank(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("user_bank"))


class PointWording(_Strict):
    """What a point says and how it is matched; a template point adapted to one question
    (TemplateRef.adapt) gives only this."""

    text: str = Field(min_length=5)
    paraphrases: list[str] = Field(default_factory=list, validate_default=True)
    # Declared after text and paraphrases so its validator can see them (and errors point here).
    keywords: list[str] = Field(min_length=1)

    @field_validator("paraphrases")
    @classmethod
    def _enough_paraphrases(cls, paraphrases: list[str], info: ValidationInfo) -> list[str]:
        # The built-in bank is curated to two phrasings per point; a user's draft (e.g. imported
        # from a reference answer) starts with none and is matched on the point's text alone.
        if len(paraphrases) < 2 and not _user_bank(info):
            raise ValueError(f"needs at least 2 paraphrases, has {len(paraphrases)}")
        return paraphrases

    @field_validator("keywords")
    @classmethod
    def _keywords_appear(cls, keywords: list[str], info: ValidationInfo) -> list[str]:
        haystack = " ".join([info.data.get("text", ""), *info.data.get("paraphrases", [])]).lower()
        missing = [k for k in keywords if not contains_term(haystack, k)]
        if missing:
            raise ValueError(f"keywords not found in the point's text or paraphrases: {missing}")
        return keywords


class RubricPointModel(PointWording):
    id: str = Field(pattern=ID_PATTERN)
    weight: float = Field(default=1.0, gt=0, le=5)
    critical: bool = False


class MisconceptionModel(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    text: str = Field(min_length=5, description="The wrong claim, as a candidate would say it.")
    paraphrases: list[str] = Field(default_factory=list)
    correction: str = Field(min_length=5)


class TemplateRef(_Strict):
    name: str = Field(pattern=ID_PATTERN)
    points: list[str] | None = Field(default=None, description="Subset of template point ids; all if omitted.")
    # The shared system-design points are generic ("a baseline such as logistic regression or
    # gradient-boosted trees"): a strong visual-search answer states none of that, and the point
    # check (rightly) does not credit it. A question says what each step means for its product;
    # id, weight and critical stay the template's.
    adapt: dict[str, PointWording] = Field(default_factory=dict,
                                           description="Template point id -> this question's wording of it.")


class RubricModel(_Strict):
    template: TemplateRef | None = None
    points: list[RubricPointModel] = Field(default_factory=list, max_length=7)
    misconceptions: list[MisconceptionModel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _enough_points(self, info: ValidationInfo) -> RubricModel:
        # A template (e.g. the ML system-design framework) supplies shared points, so a question
        # using one needs only the points specific to it; a user's own question may be narrow.
        minimum = 1 if self.template or _user_bank(info) else 3
        if len(self.points) < minimum:
            raise ValueError(f"needs at least {minimum} points, has {len(self.points)}")
        ids = [p.id for p in self.points]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate point ids: {dupes}")
        return self


class RubricTemplateModel(_Strict):
    name: str = Field(pattern=ID_PATTERN)
    title: str
    points: list[RubricPointModel] = Field(min_length=1)


class RubricFile(_Strict):
    topic: str = Field(pattern=ID_PATTERN)
    rubrics: dict[str, RubricModel] = Field(min_length=1)

    @field_validator("rubrics")
    @classmethod
    def _ids_look_like_ids(cls, value: dict[str, RubricModel]) -> dict[str, RubricModel]:
        bad = [k for k in value if not re.match(ID_PATTERN, k)]
        if bad:
            raise ValueError(f"rubric keys must be question ids: {bad}")
        return value


def contains_term(haystack: str, term: str) -> bool:
    # Prefix match at a word start, so the keyword "gradient" is found in "gradients".
    return re.search(r"(?<![a-z0-9])" + re.escape(term.lower()), haystack) is not None


QuestionFile.model_rebuild()
