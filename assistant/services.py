"""The engines one process uses, built from settings and loaded lazily, once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from assistant.bank import Bank, load_bank
from assistant.config import Settings, load_settings
from assistant.scoring.coverage import CoverageScorer, Thresholds
from assistant.scoring.embedder import Embedder, SentenceTransformerEmbedder
from assistant.scoring.judge import CrossEncoderJudge, FeatureJudge, PointJudge
from assistant.speech.asr import Transcriber, make_transcriber
from assistant.store import AttemptStore


@dataclass
class Services:
    settings: Settings = field(default_factory=load_settings)
    asr_engine: str | None = None

    @cached_property
    def bank(self) -> Bank:
        from assistant.bank.cache import cached_bank

        s = self.settings
        user_banks = s.user_banks
        return cached_bank(lambda: load_bank(s.question_dir, s.rubric_dir, user_banks),
                           [s.question_dir, s.rubric_dir, *user_banks], s.cache_dir)

    @cached_property
    def transcriber(self) -> Transcriber:
        return make_transcriber(self.settings, self.asr_engine)

    @cached_property
    def embedder(self) -> Embedder:
        return SentenceTransformerEmbedder(self.settings.embedding_model)

    @cached_property
    def judge(self) -> PointJudge | None:
        """The point judge, or None when settings ask for embeddings alone."""
        if self.settings.scorer != "judge":
            return None
        if self.settings.judge_model:
            return CrossEncoderJudge(self.settings.judge_model)
        # The bundled judge reads MiniLM's vectors; with another embedding model it keeps its own.
        return FeatureJudge(SentenceTransformerEmbedder() if self.settings.embedding_model else self.embedder)

    @cached_property
    def scorer(self) -> CoverageScorer:
        from assistant.critique.critic import point_check_wanted

        s = self.settings
        return CoverageScorer(
            self.embedder,
            Thresholds(hit=s.hit_threshold, partial=s.partial_threshold, misconception=s.misconception_threshold,
                       keyword_weight=s.keyword_weight,
                       # The check re-reads what the shortlist credits (Thresholds.template_steps_on_meaning).
                       template_steps_on_meaning=point_check_wanted(s)),
            judge=self.judge,
        )

    @cached_property
    def critic(self):  # -> Critic; the engine loads its model on first use
        from assistant.critique.critic import Critic, make_llm

        return Critic(make_llm(self.settings), max_tokens=self.settings.llm_max_tokens)

    @cached_property
    def point_checker(self):  # -> PointChecker | None
        """The second reading of credited points (scoring/verify.py), or None where settings or the
        engine rule it out; it shares the critique's model, loaded once."""
        from assistant.critique.critic import point_check_model

        model = point_check_model(self.settings, lambda: self.critic.llm)
        if model is None:
            return None
        from assistant.scoring.verify import PointChecker

        return PointChecker(model, keep=self.settings.point_check_keep, drop=self.settings.point_check_drop,
                            unsure_floor=self.settings.point_check_unsure_floor)

    @cached_property
    def notes(self):  # -> NoteStore
        from assistant.notes import NoteStore

        return NoteStore(self.settings.notes_dir)

    @cached_property
    def store(self) -> AttemptStore:
        return AttemptStore(self.settings.database_path, self.settings.audio_dir)
