"""Keyword matching that survives speech: whole words, after normalising how things are said.

A transcript writes "seven by seven" where the rubric says "7x7", "labelled" where it says
"labeled", "skip gram" for "skip-gram", "gradients" for "gradient". Both the keyword and the
text go through the same normalisation, then keywords match as whole words (with plural and,
for longer keywords, -ed/-ing/-er endings). Prefix matching is gone on purpose: it let `mode`
match "model", `mean` "meaning" and `C` every word starting with c.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

# British spellings that Whisper (trained mostly on US text) rarely writes, and rubric authors
# sometimes do. Rules below cover -ise/-isation and -elled/-elling; these are the irregular ones.
_UK_US = {
    "colour": "color", "behaviour": "behavior", "neighbour": "neighbor", "favour": "favor",
    "flavour": "flavor", "honour": "honor", "labour": "labor", "rumour": "rumor", "humour": "humor",
    "centre": "center", "centred": "centered", "centring": "centering", "fibre": "fiber", "metre": "meter",
    "litre": "liter", "programme": "program", "grey": "gray", "defence": "defense", "licence": "license",
    "catalogue": "catalog", "analogue": "analog", "dialogue": "dialog", "analyse": "analyze",
    "analysed": "analyzed", "analysing": "analyzing", "paralyse": "paralyze", "artefact": "artifact",
    "judgement": "judgment", "towards": "toward", "whilst": "while", "learnt": "learned",
}
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations|er|ers)$")
_ELLED = re.compile(r"^(\w+e)ll(ed|ing|er|ers)$")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+|[,;:.!?]")


def _us_spelling(word: str) -> str:
    if word in _UK_US:
        return _UK_US[word]
    if word.endswith(("ours", "our")) and word.rstrip("s")[:-3] + "our" in _UK_US:
        return _UK_US[word.rstrip("s")[:-3] + "our"] + ("s" if word.endswith("s") else "")
    word = _ISE.sub(r"\1iz\2", word)
    return _ELLED.sub(r"\1l\2", word)


def _numbers(tokens: list[str]) -> list[str]:
    """Runs of number words become digits: "thirty two thousand" -> "32000"; "one two" stays two numbers."""
    out: list[str] = []
    total = current = 0
    in_number = False

    def flush() -> None:
        nonlocal total, current, in_number
        if in_number:
            out.append(str(total + current))
        total = current = 0
        in_number = False

    for token in tokens:
        small = _UNITS.get(token, _TENS.get(token))
        if small is not None:
            below_hundred = current % 100
            # "twenty one" continues a number; "one two" or "twenty thirty" starts a new one.
            if in_number and below_hundred and not (below_hundred % 10 == 0 and below_hundred >= 20 and small < 10):
                flush()
            current += small
            in_number = True
        elif token in _SCALES and in_number:
            scale = _SCALES[token]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
        elif token == "and" and in_number and current >= 100:
            continue  # "one hundred and twelve"
        else:
            flush()
            out.append(token)
    flush()
    return out


def _by(tokens: list[str]) -> list[str]:
    # "7x7" splits into 7 x 7; speech says "seven by seven".
    return [
        "by" if t == "x" and 0 < i < len(tokens) - 1 and tokens[i - 1].isdigit() and tokens[i + 1].isdigit() else t
        for i, t in enumerate(tokens)
    ]


@lru_cache(maxsize=65536)
def _normalise_cached(text: str) -> tuple[str, ...]:
    lowered = text.lower().replace("%", " percent ").replace("’", "'")
    lowered = re.sub(r"(?<=\d),(?=\d{3}\b)", "", lowered)  # 32,000 -> 32000
    # Letters and digits split ("resnet50" -> resnet 50, "l2" -> l 2) so "ResNet fifty" matches.
    lowered = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", lowered)
    tokens = _TOKEN.findall(lowered)
    # Punctuation stays until numbers are read ("fifty, eight" is two numbers), then goes.
    tokens = [t for t in _by(_numbers(tokens)) if t[0].isalnum()]
    return tuple(_us_spelling(t) for t in tokens)


def normalise_tokens(text: str) -> list[str]:
    """Lower-case words and numbers, spoken and written forms made the same."""
    return list(_normalise_cached(text))


@lru_cache(maxsize=65536)  # called for every keyword word against every span: build each set once
def _word_forms(word: str) -> frozenset[str]:
    """The forms a keyword word may take in speech: plurals, and -ed/-ing/-er for longer words."""
    if len(word) <= 3 or word.isdigit():
        return frozenset({word})
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("s"):
        forms.update({word[:-1], word[:-2]} if word.endswith("es") else {word[:-1]})
    if len(word) >= 5:
        stem = word[:-1] if word.endswith("e") else word
        forms.update({stem + "ed", stem + "ing", stem + "er", stem + "ers", word + "d"})
        forms.update({word + word[-1] + "ed", word + word[-1] + "ing", word + word[-1] + "er"})  # underfit -> underfitting
        if word.endswith("y"):
            forms.add(word[:-1] + "ied")
    return frozenset(forms)


def _same_word(keyword_word: str, text_word: str) -> bool:
    return text_word == keyword_word or text_word in _word_forms(keyword_word)


def keyword_matches(keyword: str, tokens: Sequence[str]) -> bool:
    """Does the normalised token list contain the keyword as whole words (in order)?"""
    parts = _normalise_cached(keyword)
    if not parts:
        return False
    n = len(parts)
    for i in range(len(tokens) - n + 1):
        if all(_same_word(p, tokens[i + j]) for j, p in enumerate(parts)):
            return True
    joined = "".join(parts)
    # "skip-gram", "skip gram" and "skipgram" are one term.
    if n > 1 and any(_same_word(joined, t) for t in tokens):
        return True
    if n == 1 and len(joined) > 5:
        return any(_same_word(joined, a + b) for a, b in zip(tokens, tokens[1:]))
    return False


def keyword_fraction(keywords: Sequence[str], text: str) -> float:
    """Share of the keywords that the text uses as whole words."""
    if not keywords:
        return 0.0
    tokens = normalise_tokens(text)
    return sum(1 for k in keywords if keyword_matches(k, tokens)) / len(keywords)
