"""What the bundled judge looks at for one (claim, span) pair.

Two kinds of signal. The sentence embeddings of claim and span, compared element-wise
(product and absolute difference): these carry topic and much of the meaning. And the
relations an embedding blurs: which of the claim's words the span uses, whether it keeps
them in the same local order ("L1 ... Laplace" vs "L1 ... Gaussian"), whether one side is
negated and the other not, whether the span says the opposite word ("increases" for
"reduces"), and whether the numbers agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from assistant.scoring.keywords import normalise_tokens

_STOP = frozenset(
    """a an the and or but if then than that this these those there their they them it its is are was were be been
    being of to in on at by for with from as into about over under between through so such do does did done have
    has had having can could would should will may might must we you he she i me my our your his her what which who
    whom when where why how all any each some also just very because while you'd i'd i'll we'd it's that's basically
    um uh like yeah right know mean think say said way thing things lot kind sort""".split()
)
_NEGATORS = frozenset("not no never cannot nor without neither nothing none".split())
# Opposites that flip a claim; each side also stands for its inflections via the stem prefix.
_OPPOSITES = [
    ("increas", "decreas"), ("increas", "reduc"), ("rais", "lower"), ("more", "less"), ("more", "fewer"),
    ("high", "low"), ("larg", "small"), ("fast", "slow"), ("befor", "after"), ("up", "down"), ("bias", "varianc"),
    ("maxim", "minim"), ("overfit", "underfit"), ("alway", "never"), ("train", "test"), ("precision", "recall"),
    ("encod", "decod"), ("onlin", "offlin"), ("sparse", "dense"), ("supervis", "unsupervis"), ("posit", "negat"),
    ("wide", "narrow"), ("deep", "shallow"), ("parallel", "sequential"), ("independ", "depend"), ("first", "last"),
    ("laplac", "gaussian"), ("l1", "l2"), ("add", "remov"), ("gain", "loss"), ("true", "fals"), ("better", "wors"),
    ("same", "different"), ("convex", "nonconvex"), ("linear", "nonlinear"), ("upper", "lower"), ("min", "max"),
]
# Number of hand-made features after the embedding comparisons. Nothing measures length on
# purpose: answers' spans are longer than the bank's phrasings, and a judge that learned
# "long span, states it" from the bank would credit every long sentence.
LEXICAL = 7


def content_words(text: str) -> list[str]:
    tokens = normalise_tokens(text)
    # "L two" normalises to ["l", "2"]: keep such pairs as one term ("l2").
    merged: list[str] = []
    for token in tokens:
        if token.isdigit() and merged and len(merged[-1]) == 1 and merged[-1].isalpha():
            merged[-1] += token
        else:
            merged.append(token)
    return [t for t in merged if t not in _STOP and (len(t) > 1 or t.isdigit())]


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ing", "ies", "ied", "es", "ed", "er", "s", "e", "y"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _negations(text: str) -> int:
    return sum(1 for t in re.findall(r"[a-z']+", text.lower()) if t in _NEGATORS or t.endswith("n't"))


def _has(stems: set[str], prefix: str) -> bool:
    return any(s.startswith(prefix) for s in stems)


def lexical_features(claim: str, span: str) -> list[float]:
    claim_raw, span_raw = content_words(claim), content_words(span)
    claim_words = [_stem(w) for w in claim_raw]
    span_words = [_stem(w) for w in span_raw]
    claim_set, span_set = set(claim_words), set(span_words)
    covered = len(claim_set & span_set) / max(len(claim_set), 1)
    precision = len(claim_set & span_set) / max(len(span_set), 1)
    claim_bigrams = set(zip(claim_words, claim_words[1:]))
    span_bigrams = set(zip(span_words, span_words[1:])) | {(b, a) for a, b in zip(span_words, span_words[1:])}
    bigrams = len(claim_bigrams & span_bigrams) / max(len(claim_bigrams), 1)
    # Shared words in a different order: swapped roles ("L1 Gaussian, L2 Laplace").
    shared = [w for w in dict.fromkeys(claim_words) if w in span_set]
    span_order = {w: span_words.index(w) for w in shared}
    inversions = sum(1 for i, a in enumerate(shared) for b in shared[i + 1 :] if span_order[a] > span_order[b])
    pairs = max(len(shared) * (len(shared) - 1) / 2, 1)
    negation_mismatch = float((_negations(claim) % 2) != (_negations(span) % 2))
    claim_full, span_full = set(claim_raw), set(span_raw)
    opposite = float(any(
        (_has(claim_full, a) and _has(span_full, b) and not _has(span_full, a) and not _has(claim_full, b))
        or (_has(claim_full, b) and _has(span_full, a) and not _has(span_full, b) and not _has(claim_full, a))
        for a, b in _OPPOSITES))
    claim_numbers = {w for w in claim_words if w[0].isdigit()}
    span_numbers = {w for w in span_words if w[0].isdigit()}
    number_mismatch = float(bool(claim_numbers) and bool(span_numbers) and not (claim_numbers & span_numbers))
    return [covered, precision, bigrams, inversions / pairs, negation_mismatch, opposite, number_mismatch]


def pair_features(claim_vectors: np.ndarray, span_vectors: np.ndarray, claims: Sequence[str], spans: Sequence[str]) -> np.ndarray:
    """One row per pair: [c*s, |c-s|, cosine, lexical...]; vectors are unit length."""
    product = claim_vectors * span_vectors
    cosine = product.sum(axis=1, keepdims=True)
    lexical = np.array([lexical_features(c, s) for c, s in zip(claims, spans, strict=True)], dtype=np.float32)
    return np.hstack([product, np.abs(claim_vectors - span_vectors), cosine, lexical.reshape(len(claims), LEXICAL)])
