"""Mend the sentence breaks that streaming puts at chunk boundaries.

Whisper ends every chunk it decodes with a full stop and capitalises the first word of the
next, but streamed chunks are cut at pauses, which in speech fall mid-sentence as often as
not: "...adds the absolute values to the loss. Which drives many weights to zero." The live
transcript reads wrong, and scoring, which matches rubric points against sentences and
neighbouring pairs, sees fragments. A chunk that opens with a word that can only continue a
sentence (or in lower case) is joined back onto the one before it. On the 72 spoken
calibration answers (bench/streaming_scores.py) this mended 38 streamed transcripts; two
scores rose, none fell. Most of the streamed-vs-file score gap that remains comes from words
heard differently at a chunk's start ("L2 adds" as "I'll two adds").
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.domain import Segment, Transcript

# Words that, opening a chunk, almost never open a spoken sentence. Words that often do
# ("So", "And", "Because", "With", "For", "That") are left out: joining them would glue whole
# sentences together, and a sentence cut in two costs less than two sentences run together.
CONTINUATION_WORDS = frozenset({
    "which", "whom", "whose", "where", "whereas", "than", "nor", "or", "of", "into", "onto", "via",
    "plus", "meaning", "including", "especially", "except", "making", "giving", "leading",
    "resulting", "causing", "thereby", "rather",
})
_FIRST_WORD = re.compile(r"^(\W*)([A-Za-z]+)")
_FINAL_STOP = re.compile(r"(?<![.])\.([^\w.]*)$")  # one full stop, not an ellipsis


def continues_sentence(text: str) -> bool:
    """Whether a chunk's text picks up mid-sentence: it opens in lower case (Whisper read the
    context as unfinished) or with a continuation word."""
    match = _FIRST_WORD.match(text.strip())
    if not match:
        return False
    word = match.group(2)
    return word.islower() or word.lower() in CONTINUATION_WORDS


def _lower_first_word(text: str) -> str:
    return _FIRST_WORD.sub(lambda m: m.group(1) + m.group(2)[0].lower() + m.group(2)[1:], text, count=1)


def _stop_to_comma(text: str) -> str:
    return _FINAL_STOP.sub(r",\1", text.rstrip(), count=1) + text[len(text.rstrip()):]


def breaks_mid_sentence(previous: str, following: str) -> bool:
    """Whether the full stop ending `previous` is an artefact of the cut before `following`."""
    return continues_sentence(following) and _FINAL_STOP.search(previous.rstrip()) is not None


def join_texts(previous: str, following: str) -> str:
    """Two chunks' texts as one, mending the break between them when it is not a sentence end."""
    if not previous:
        return following
    if not following:
        return previous
    if breaks_mid_sentence(previous, following):
        return f"{_stop_to_comma(previous)} {_lower_first_word(following.strip())}"
    return f"{previous} {following}"


def join_transcripts(parts: list[Transcript]) -> tuple[Transcript, ...]:
    """The chunks' transcripts with each mended boundary edited in both text and words."""
    mended = list(parts)
    for i in range(1, len(mended)):
        before, after = mended[i - 1], mended[i]
        if before.segments and after.segments and breaks_mid_sentence(before.text, after.text):
            mended[i - 1] = replace(before, text=_stop_to_comma(before.text),
                                    segments=(*before.segments[:-1], _edit_last(before.segments[-1])))
            mended[i] = replace(after, text=_lower_first_word(after.text),
                                segments=(_edit_first(after.segments[0]), *after.segments[1:]))
    return tuple(mended)


def _edit_last(segment: Segment) -> Segment:
    words = segment.words
    if words:
        words = (*words[:-1], replace(words[-1], text=_stop_to_comma(words[-1].text)))
    return replace(segment, text=_stop_to_comma(segment.text), words=words)


def _edit_first(segment: Segment) -> Segment:
    words = segment.words
    if words:
        words = (replace(words[0], text=_lower_first_word(words[0].text)), *words[1:])
    return replace(segment, text=_lower_first_word(segment.text), words=words)
