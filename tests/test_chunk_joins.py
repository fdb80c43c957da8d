"""Streaming cuts chunks at pauses; the full stops Whisper puts at those cuts are mended."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.domain import Transcript
from assistant.scoring.spans import sentences_from_transcript
from assistant.speech.chunk_joins import (
    continues_sentence,
    join_texts,
    join_transcripts,
)
from assistant.speech.streaming import StreamingTranscriber
from tests.fakes import transcript_from_words
from tests.test_voice_unit import RATE, feed, silence, tone


@pytest.mark.parametrize(("previous", "following", "joined"), [
    ("It adds them to the loss.", "Which drives weights to zero.", "It adds them to the loss, which drives weights to zero."),
    ("It adds them to the loss.", "drives weights to zero.", "It adds them to the loss, drives weights to zero."),
    ("It adds them to the loss.", "So it is sparse.", "It adds them to the loss. So it is sparse."),  # a real opener
    ("Is it sparse?", "Which one?", "Is it sparse? Which one?"),  # a question really ended
    ("Wait for it...", "Which means zero.", "Wait for it... Which means zero."),  # an ellipsis is left alone
    ("", "Which means zero.", "Which means zero."),
    ("The loss.", "", "The loss."),
])
def test_a_break_is_mended_only_where_the_next_chunk_continues_a_sentence(previous, following, joined) -> None:
    assert join_texts(previous, following) == joined


def test_acronyms_and_sentence_openers_do_not_count_as_continuations() -> None:
    assert continues_sentence("Which drives many weights")
    assert not continues_sentence("RNNs read tokens in order.")
    assert not continues_sentence("That is the key point.")
    assert not continues_sentence("42 of them.")


def test_transcripts_are_mended_in_text_and_words_so_scoring_sees_one_sentence() -> None:
    first = transcript_from_words([("It", 0.0, 0.2), ("adds", 0.2, 0.5), ("them", 0.5, 0.8), ("to", 0.8, 0.9),
                                   ("the", 0.9, 1.0), ("loss.", 1.0, 1.4)])
    second = transcript_from_words([("Which", 2.0, 2.3), ("drives", 2.3, 2.6), ("weights", 2.6, 3.0),
                                    ("to", 3.0, 3.1), ("zero.", 3.1, 3.5)])
    third = transcript_from_words([("So", 4.0, 4.2), ("it", 4.2, 4.3), ("is", 4.3, 4.4), ("sparse.", 4.4, 5.0)])
    mended = join_transcripts([first, second, third])
    assert [t.text for t in mended] == ["It adds them to the loss,", "which drives weights to zero.", "So it is sparse."]
    words = [w for t in mended for s in t.segments for w in s.words]
    whole = Transcript(" ".join(t.text for t in mended), tuple(s for t in mended for s in t.segments), 5.0, "fake", "fake")
    sentences = sentences_from_transcript(whole)
    assert [s.text for s in sentences] == ["It adds them to the loss, which drives weights to zero.", "So it is sparse."]
    assert (sentences[0].start, sentences[0].end) == (0.0, 3.5) and len(words) == 15


class ContinuingChunks:
    """Whisper as it behaves at pause cuts: every chunk ends with a stop, the next is capitalised."""

    engine = model_name = "fake"
    chunks = ([("It", 0.1, 0.3), ("adds", 0.3, 0.6), ("them.", 0.6, 1.0)],
              [("Which", 0.1, 0.4), ("drives", 0.4, 0.8), ("zeros.", 0.8, 1.2)])

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, audio: np.ndarray, *, prompt: str | None = None):
        self.calls += 1
        return transcript_from_words(self.chunks[(self.calls - 1) % 2], duration=len(audio) / RATE)


def test_the_streamed_transcript_and_its_partials_come_out_mended() -> None:
    partials: list[str] = []
    stream = StreamingTranscriber(ContinuingChunks(), min_chunk=2.0, max_chunk=6.0, on_partial=partials.append)
    feed(stream, np.concatenate([tone(2.5), silence(0.5), tone(2.5), silence(0.5)]))
    transcript = stream.finish()
    assert transcript.text == "It adds them, which drives zeros."
    assert [w.text for w in transcript.words] == ["It", "adds", "them,", "which", "drives", "zeros."]
    assert partials[-1] == "It adds them, which drives zeros."
