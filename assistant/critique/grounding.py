"""What a critique may state: the question's own bank text, as sentences, clauses and terms.

A small model writes fluent sentences with wrong facts ("L1 corresponds to a Gaussian prior").
The critique is held to the bank instead of the model's memory:

- the prompt gives, for each missed point, the model-answer sentences that state it (`facts_for`);
- every sentence the model writes is checked (`unsupported`): a technical term or number that this
  question's rubric and model answer never use is dropped, and so is a sentence that pairs two
  terms the bank keeps apart (the bank binds L2 to Gaussian and L1 to Laplace, the sentence binds
  L1 to Gaussian), and one that says much in words of its own (`new_words`: "the KV cache is
  essential for maintaining the causal structure", where the bank says the cache is exact
  *because* of the causal mask).

A "term" is a rare word (Zipf frequency below 3 in general English, from `wordfreq`: jargon such
as "regularization" or "Laplace", not "explain" or "important") or a token with a digit ("L1",
"8.7"). Checking terms rather than all words leaves the model free to word its advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain import Question

RARE_ZIPF = 3.0
# Rare words that coaching uses without stating a fact about the topic.
COACHING_WORDS = frozenset({
    "concretely", "succinctly", "explicitly", "interviewer", "interviewers", "recap", "elaborate",
    "mention", "mentioning", "clarify", "walkthrough", "tradeoff", "tradeoffs", "trade-off", "trade-offs",
    "candidate", "rubric", "follow-up", "e.g", "i.e", "etc",
})
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
# "and" splits too: "L2 is a Gaussian prior and L1 a Laplace prior" binds L2-Gaussian, L1-Laplace.
_CLAUSE = re.compile(r"[,;:()]|\s[-–—]\s|\b(?:and|while|whereas|but|however)\b", re.I)
_WORD = re.compile(r"[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*|\d+(?:\.\d+)?", re.I)


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A crude stem, so that "overshoots", "overshooting" and "overshoot" are one term."""
    word = word.lower().replace("'s", "")
    for suffix in ("ization", "isation", "izers", "izer", "izing", "ized", "izes", "ize", "ations", "ation",
                   "ings", "ing", "ies", "ied", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def is_term(word: str) -> bool:
    lowered = word.lower().removesuffix("'s")
    if any(c.isdigit() for c in lowered):
        return True
    if lowered in COACHING_WORDS or len(lowered) < 3:
        return False
    # A rare form of a common word is not jargon: "zeroing" (zero), "caches" (cache), "strided".
    base = stem(lowered)
    return _zipf(lowered) < RARE_ZIPF and _zipf(base) < RARE_ZIPF and _zipf(base + "e") < RARE_ZIPF


TERM_KEY_LETTERS = 7  # "decomposes" and "decomposition", "regularizer" and "regularization" are one term


def term_words(text: str) -> list[tuple[str, str]]:
    """The text's terms in order, as (word as written, key that spellings of the term share)."""
    found = []
    for word in _WORD.findall(text.replace("%", " percent")):
        parts = [word] if is_term(word) else [p for p in word.split("-") if is_term(p)] if "-" in word else []
        found += [(part, word_key(part.strip("."))) for part in parts]
    return found


_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")


def singular(word: str) -> str:
    """An acronym's plural as the acronym ("GMMs" -> "GMM"): too short for `stem`, and the bank
    may use only the singular (a right sentence about GMMs was dropped, bench/results/
    critique_hand_labels_example_off_topic_21_40.md #24)."""
    return word[:-1] if _ACRONYM_PLURAL.fullmatch(word) else word


def terms(text: str) -> list[str]:
    """The keys of the text's terms, in order (a term may repeat)."""
    return [key for _, key in term_words(text)]


# Long words that say nothing about which part of a topic a question is on.
_GENERIC = frozenset({"about", "which", "would", "could", "should", "their", "there", "these", "those", "where",
                      "while", "other", "every", "answer", "question", "explain", "describe", "model", "models",
                      "candidate", "interviewer", "mention", "happen", "happens", "think", "example"})


def content_keys(text: str) -> set[str]:
    """Keys of the text's longer words, for asking whether two texts are on the same subject."""
    return {stem(w)[:TERM_KEY_LETTERS] for w in _WORD.findall(text.lower()) if len(w) >= 5 and w not in _GENERIC}


def normal(text: str) -> str:
    """Lower-case words separated by single spaces, for matching phrases in text."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE.split(sentence) if c and c.strip()]


# Words that carry grammar or advice ("spend one sentence on ..."), not a claim about the topic.
PLAIN_WORDS = frozenset("""
about above across after again against also although among another anything around because been before being
below between both cannot could does doing done down during each either else enough even ever every first from
further have having here into itself just less like made make many might more most much must need needs neither
next none nothing often once only other others over same should since some something still such than that their
them then there these they thing things this those though through thus time times together under unless until upon
very well were what whatever when where whether which while whom whose will with within without would your yours
yourself answer answers candidate question questions explain explaining explained describe describing mention
mentioning say saying said add adding focus focusing spend sentence sentences talk cover covering point points
remember sure start finally instead whereas however important importance key example examples good better best way
ways clear clearly simply model models
""".split())
NEW_WORDS_LIMIT = 3  # a sentence with this many words of its own states something the bank does not


def word_key(word: str) -> str:
    """What spellings of a word share ("decomposes", "decomposition"); a term's key. "decode" and
    "decodes" stem to "decode" and "decod": one key without the final e."""
    return stem(singular(word)).removesuffix("e")[:TERM_KEY_LETTERS]


@dataclass(frozen=True)
class FactSource:
    """The bank text a critique of one question may draw on, indexed by term."""

    vocabulary: frozenset[str]  # every term of the bank text, the question and the transcript
    clause_terms: tuple[frozenset[str], ...]  # terms of each clause of the bank text
    sentence_clauses: tuple[tuple[frozenset[str], ...], ...]  # per bank sentence, its clauses' terms
    wording: str = ""  # all of that text, lower case, words separated by single spaces
    word_keys: frozenset[str] = frozenset()  # keys (`word_key`) of every word of that text

    @classmethod
    def for_question(cls, question: Question, transcript: str = "") -> FactSource:
        rubric = question.rubric
        # The candidate's words add vocabulary (the critique may name what they said) but never
        # facts: a misconception they stated is not a pairing the critique may repeat. The
        # misconceptions' own texts are false statements, so only their corrections count.
        factual = [question.model_answer]
        if rubric is not None:
            factual += [v for p in rubric.points for v in p.variants]
            factual += [m.correction for m in rubric.misconceptions]
        per_sentence = [tuple(frozenset(terms(c)) for c in clauses(s)) for t in factual for s in sentences(t)]
        texts = [*factual, question.prompt, *question.follow_ups, transcript]
        vocabulary = {t for text in texts for t in terms(text)}
        wording = " ".join(normal(text) for text in texts)
        return cls(frozenset(vocabulary), tuple(c for s in per_sentence for c in s), tuple(per_sentence), wording,
                   frozenset(word_key(w) for text in texts for w in _WORD.findall(text)))

    def unknown_terms(self, sentence: str) -> list[str]:
        """The sentence's terms (as written) that the bank text never uses."""
        return list(dict.fromkeys(word for word, key in term_words(sentence) if key not in self.vocabulary))

    def new_words(self, sentence: str) -> list[str]:
        """The sentence's content words (four letters or more, not grammar or advice) that the bank
        text, the question and the candidate never use in any spelling: what the model says in words
        of its own. One or two are wording ("benefit", "choose"); three or more are a claim of its own."""
        found = [w for w in _WORD.findall(sentence)
                 if len(w) >= 4 and w.lower() not in PLAIN_WORDS and stem(w) not in PLAIN_WORDS
                 and word_key(w) not in self.word_keys]
        return list(dict.fromkeys(found))

    def crossed_pair(self, sentence: str) -> tuple[str, str] | None:
        """Two terms the sentence binds in one clause that the bank never says together, and
        binds each to another term instead, in one sentence: a swap such as L1-Gaussian where
        the bank says L2-Gaussian and L1-Laplace."""
        for clause in clauses(sentence):
            found = sorted(set(terms(clause)) & self.vocabulary)
            for i, a in enumerate(found):
                for b in found[i + 1 :]:
                    if self._bound_apart(a, b):
                        return a, b
        return None

    def _bound_apart(self, a: str, b: str) -> bool:
        if any(a in c and b in c for c in self.clause_terms):
            return False  # the bank says them together somewhere
        for sentence in self.sentence_clauses:
            clause_of_a = next((c for c in sentence if a in c), None)
            clause_of_b = next((c for c in sentence if b in c), None)
            if clause_of_a and clause_of_b and clause_of_a - {a} and clause_of_b - {b}:
                return True
        return False


def unsupported(sentence: str, source: FactSource) -> str | None:
    """Why the sentence states something the bank does not support, or None."""
    unknown = source.unknown_terms(sentence)
    if unknown:
        return f"“{unknown[0]}” appears nowhere in this question's rubric or model answer"
    crossed = source.crossed_pair(sentence)
    if crossed:
        written = dict((key, word) for word, key in term_words(sentence))
        return f"it pairs “{written[crossed[0]]}” with “{written[crossed[1]]}”, which the model answer does not"
    own = source.new_words(sentence)
    if len(own) >= NEW_WORDS_LIMIT:
        return "it says " + ", ".join(f"“{w}”" for w in own) + ": words this question's rubric and model answer never use"
    return None


def facts_for(point_text: str, model_answer: str, *, limit: int = 2) -> list[str]:
    """The model-answer sentences that state a point: most shared words first (a shared term
    counts double; a second sentence only if nearly as close), kept in answer order."""
    wanted_terms, wanted_words = set(terms(point_text)), content_keys(point_text)
    scored = []
    for order, sentence in enumerate(sentences(model_answer)):
        shared = len(wanted_words & content_keys(sentence)) + len(wanted_terms & set(terms(sentence)))
        if shared >= 2:
            scored.append((-shared, order, sentence))
    best = sorted(scored)[:limit]
    best = [item for item in best if -item[0] >= 0.6 * -best[0][0]]  # a second sentence only if nearly as close
    return [s for _, _, s in sorted(best, key=lambda item: item[1])]
