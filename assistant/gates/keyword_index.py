"""Which texts contain a keyword, the way the scorer matches keywords, fast enough for the bank.

`assistant.scoring.keywords.keyword_matches` reads a text word by word; asking it about 2,600
keywords in 260 model answers (or 6,000 answer spans) takes minutes. The index looks only where
a match can start.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from assistant.scoring.keywords import keyword_matches, normalise_tokens


class KeywordIndex:
    """Texts (by key) as normalised tokens, indexed by token, so each keyword is matched (slowly,
    word by word) only where a match can start: at a token that begins with the keyword's stem,
    or that begins the keyword itself ("skip" of "skipgram"). Gives exactly what
    `keyword_matches` gives on each whole text (tests/test_bank_quality.py checks it).
    """

    def __init__(self, texts: dict[str, str]) -> None:
        self.tokens = {key: normalise_tokens(text) for key, text in texts.items()}
        self.positions: dict[str, list[tuple[str, int]]] = {}
        for qid, tokens in self.tokens.items():
            for i, token in enumerate(tokens):
                self.positions.setdefault(token, []).append((qid, i))
        self.vocabulary = sorted(self.positions)

    def matching(self, keyword: str, candidates: Iterable[str] | None = None) -> list[str]:
        """Keys of the texts (among `candidates`, default all) that contain the keyword."""
        parts = normalise_tokens(keyword)
        if not parts:
            return []
        stem = _stem(parts[0])
        starts = bisect.bisect_left(self.vocabulary, stem)
        longer = []
        for word in self.vocabulary[starts:]:
            if not word.startswith(stem):
                break
            longer.append(word)
        # A one-word keyword of six letters or more may be spoken in two ("skip gram").
        split = len(parts) == 1 and len(parts[0]) > 5
        shorter = [stem[:n] for n in range(2, len(stem)) if split and stem[:n] in self.positions]
        found: set[str] = set()
        if len(parts) == 1:
            # One word: a token matches by itself, so test each distinct word once.
            for word in longer:
                if keyword_matches(keyword, [word]):
                    found.update(qid for qid, _ in self.positions[word])
            longer = []  # only a split spelling ("skip gram") is left to find
        wanted = set(self.tokens if candidates is None else candidates)
        seen: dict[tuple[str, ...], bool] = {}  # the same few words recur across answers
        for word in longer + shorter:
            for qid, i in self.positions[word]:
                if qid not in wanted or qid in found:
                    continue
                window = tuple(self.tokens[qid][i:i + len(parts) + 1])
                if window not in seen:
                    seen[window] = keyword_matches(keyword, list(window))
                if seen[window]:
                    found.add(qid)
        return [qid for qid in self.tokens if qid in found and qid in wanted]


def _stem(word: str) -> str:
    # Inflected forms (plurals, -ed, -ing, -ies) keep all but the last few letters.
    return word if len(word) <= 3 or word.isdigit() else word[: max(3, len(word) - 3)]
