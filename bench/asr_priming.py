"""How much priming Whisper with a question's rubric keywords helps it get technical terms right.

    .venv/bin/python bench/asr_priming.py [--json out.json] [--variants] [--long N] [--voices piper,espeak]

Test set: from --questions (default 24) questions spread over the bank's topics, the (up to
--per-question, default 2) sentences of each model answer that contain the most of that
question's rubric keywords (at least 2, 6-40 words). Each sentence is spoken by piper (natural
voice) and espeak-ng (harsher), cached as WAV under $TMPDIR/viva-bench-tts, and transcribed by
the product's FasterWhisperTranscriber (bundled tiny.en, loaded once, with the product's own
hallucination filter) under several priming conditions:

    unprimed          prompt=None
    product           build_prompt(question, question.rubric.keywords), as the app does it
    product-nofiller  the same with keep_fillers=False (no FILLER_PRIMER)
    hotwords          faster-whisper's `hotwords` = the question's keywords, no prompt

--variants adds prototype prompts (not in the product) to find a better build_prompt.

Term error rate (TER): of the rubric keywords of the question that occur in a sentence, the
fraction not found in its transcript (case-, hyphen- and space-insensitive, matched at the
start of a word, so "feature map" finds "feature maps"). "rare" is the same over terms with a
word that Whisper's tokenizer splits into several pieces (equivariant, ImageNet, ReLU, BM25),
a proxy for the technical vocabulary priming is for; many rubric keywords are common words
(mean, value, data). WER is over whole sentences after Whisper's English normaliser; runaway
counts transcripts that go on 4+ words past what was said (hallucinated "Thank you.", the
prompt echoed). Time is the total transcription time for the condition, wall clock and CPU
(this process, all threads; wall time grows with other load on the machine).

--long N transcribes N whole model answers (1.5-2 minutes each, the way the app sees an
answer) and reports TER by where the term is spoken: Whisper decodes 30-second windows and
faster-whisper carries the initial prompt only inside the last 223 tokens of context, so the
priming falls out of the context after a minute or so, while hotwords are given to every window.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _speech import Recogniser, SpeechCache, finish_report, TermIndex, corpus_wer, terms_in, wer_normaliser  # noqa: E402

from assistant.audio.files import ASR_SAMPLE_RATE  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr.base import FILLER_PRIMER, build_prompt  # noqa: E402

MIN_WORDS, MAX_WORDS = 6, 40
SENTENCE_GAP_SECONDS = 0.25
RUNAWAY_EXTRA_WORDS = 4


def split_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def chosen_questions(bank, n: int) -> list:
    """n questions with rubrics, one per topic in turn (by id within a topic), so the set spans the bank."""
    by_topic: dict[str, list] = {}
    for q in sorted(bank.questions.values(), key=lambda q: q.id):
        if q.rubric is not None and q.rubric.keywords:
            by_topic.setdefault(q.topic, []).append(q)
    order = [qs for _, qs in sorted(by_topic.items())]
    chosen, depth = [], 0
    while len(chosen) < n and any(depth < len(qs) for qs in order):
        chosen += [qs[depth] for qs in order if depth < len(qs)]
        depth += 1
    return chosen[:n]


def test_sentences(questions, per_question: int) -> list[dict]:
    """The sentences richest in their question's rubric keywords, with the keywords they contain."""
    items = []
    for question in questions:
        keywords = question.rubric.keywords
        candidates = []
        for sentence in split_sentences(question.model_answer):
            n_words = len(sentence.split())
            terms = terms_in(sentence, keywords)
            if len(terms) >= 2 and MIN_WORDS <= n_words <= MAX_WORDS:
                candidates.append((-len(terms), n_words, sentence, terms))
        for _, _, sentence, terms in sorted(candidates)[:per_question]:
            items.append({"question": question, "text": sentence, "terms": terms})
    return items


def joined(terms) -> str:
    return ", ".join(dict.fromkeys(terms))


# Each condition: (question, its keywords, the sentence's own terms, the keywords that are rare) -> (prompt, hotwords).
CONDITIONS = {
    "unprimed": lambda q, kw, own, rare: (None, None),
    "product": lambda q, kw, own, rare: (build_prompt(q, kw), None),
    "product-nofiller": lambda q, kw, own, rare: (build_prompt(q, kw, keep_fillers=False), None),
    "hotwords": lambda q, kw, own, rare: (None, joined(kw)),
}
VARIANTS = {
    # Only the terms: nothing else competes for the prompt.
    "terms-only": lambda q, kw, own, rare: (f"Terms: {joined(kw)}.", None),
    # Terms first, then the question (closest to the audio), no filler primer.
    "terms-then-question": lambda q, kw, own, rare: (f"Terms: {joined(kw)}. {q.prompt}", None),
    # Question and terms, the filler primer last (right before the audio).
    "fillers-last": lambda q, kw, own, rare: (f"{q.prompt} Terms: {joined(kw)}. {FILLER_PRIMER}", None),
    # The terms, then the filler primer (no question text).
    "terms-then-fillers": lambda q, kw, own, rare: (f"Terms: {joined(kw)}. {FILLER_PRIMER}", None),
    # Only the keywords that Whisper's tokenizer splits (the technical ones), as the product formats them.
    "product-rare-terms": lambda q, kw, own, rare: (build_prompt(q, rare), None),
    # The product prompt plus the same keywords as hotwords (given to every 30-second window).
    "product+hotwords": lambda q, kw, own, rare: (build_prompt(q, kw), joined(kw)),
    # Upper bound, not deployable: the sentence's own terms instead of the question's.
    "oracle-sentence-terms": lambda q, kw, own, rare: (build_prompt(q, own), None),
}


class RareTerms:
    def __init__(self, recogniser: Recogniser) -> None:
        self._recogniser = recogniser
        self._cache: dict[str, bool] = {}

    def __call__(self, term: str) -> bool:
        if term not in self._cache:
            self._cache[term] = any(self._recogniser.token_count(w) > 1 for w in term.split())
        return self._cache[term]


def _runaway(source: str, transcript: str, normalise) -> bool:
    """Whisper went on past the speech ("Thank you.", the question echoed): 4+ words more than spoken."""
    return len(normalise(transcript).split()) >= len(normalise(source).split()) + RUNAWAY_EXTRA_WORDS


def summarise(records: list[dict], is_rare, normalise) -> dict:
    terms = sum(len(r["terms"]) for r in records)
    missed = sum(len(r["missed"]) for r in records)
    rare = [t for r in records for t in r["terms"] if is_rare(t)]
    rare_missed = [t for r in records for t in r["missed"] if is_rare(t)]
    return {
        "sentences": len(records),
        "terms": terms,
        "missed": missed,
        "ter": round(missed / terms, 4) if terms else None,
        "rare_terms": len(rare),
        "rare_missed": len(rare_missed),
        "rare_ter": round(len(rare_missed) / len(rare), 4) if rare else None,
        "wer": round(corpus_wer([r["text"] for r in records], [r["transcript"] for r in records], normalise), 4),
        "runaway": sum(1 for r in records if _runaway(r["text"], r["transcript"], normalise)),
        "transcribe_s": round(sum(r["seconds"] for r in records), 1),
        "transcribe_cpu_s": round(sum(r["cpu_seconds"] for r in records), 1),
        "missed_terms": sorted({t for r in records for t in r["missed"]}),
    }


def run_sentences(items, voices, conditions, cache, recogniser, is_rare, normalise) -> dict:
    results: dict = {}
    for voice in voices:
        for name, condition in conditions.items():
            records = []
            for item in items:
                question = item["question"]
                keywords = question.rubric.keywords
                prompt, hotwords = condition(question, keywords, item["terms"], [k for k in keywords if is_rare(k)])
                out = recogniser(cache.audio(voice, item["text"]), prompt, hotwords)
                found = set(terms_in(out.text, item["terms"]))
                records.append({
                    "question_id": question.id, "text": item["text"], "terms": item["terms"],
                    "missed": [t for t in item["terms"] if t not in found], "transcript": out.text,
                    "seconds": round(out.seconds, 3), "cpu_seconds": round(out.cpu_seconds, 3),
                    "prompt_tokens": recogniser.token_count(prompt) if prompt else 0,
                })
            summary = summarise(records, is_rare, normalise)
            results.setdefault(voice, {})[name] = {"summary": summary, "sentences": records}
            print(f"  {voice:<7} {name:<22} TER {summary['ter']:.1%}  ({summary['transcribe_s']} s, cpu {summary['transcribe_cpu_s']} s)",
                  file=sys.stderr)
    return results


def print_table(results: dict, title: str) -> None:
    print(f"\n{title}")
    print(f"{'voice':<7} {'condition':<22} {'TER':>6} {'missed/terms':>13} {'rare TER':>9} {'rare m/n':>9} "
          f"{'WER':>6} {'runaway':>8} {'wall s':>7} {'cpu s':>7}")
    for voice, by_condition in results.items():
        for name, entry in by_condition.items():
            s = entry["summary"]
            rare = f"{s['rare_ter']:.1%}" if s["rare_ter"] is not None else "-"
            print(f"{voice:<7} {name:<22} {s['ter']:>6.1%} {s['missed']:>6}/{s['terms']:<6} {rare:>9} "
                  f"{s['rare_missed']:>4}/{s['rare_terms']:<4} {s['wer']:>6.1%} {s['runaway']:>8} {s['transcribe_s']:>7} {s['transcribe_cpu_s']:>7}")


# --- whole answers ---------------------------------------------------------------------

LONG_CONDITIONS = {name: CONDITIONS[name] for name in ("unprimed", "product", "hotwords")} | {
    "product+hotwords": VARIANTS["product+hotwords"],
}
BUCKETS = ((0.0, 30.0), (30.0, 60.0), (60.0, 90.0), (90.0, float("inf")))


def long_answer(question, voice: str, cache: SpeechCache):
    """The model answer spoken sentence by sentence, with each sentence's time span."""
    gap = np.zeros(int(SENTENCE_GAP_SECONDS * ASR_SAMPLE_RATE), dtype=np.float32)
    pieces, spans, t = [], [], 0.0
    for sentence in split_sentences(question.model_answer):
        audio = cache.audio(voice, sentence)
        spans.append((sentence, t, t + len(audio) / ASR_SAMPLE_RATE))
        pieces += [audio, gap]
        t += (len(audio) + len(gap)) / ASR_SAMPLE_RATE
    return np.concatenate(pieces), spans


def run_long(questions, voices, cache, recogniser, is_rare) -> dict:
    results: dict = {}
    for voice in voices:
        answers = [(q, *long_answer(q, voice, cache)) for q in questions]
        for name, condition in LONG_CONDITIONS.items():
            buckets = {b: [0, 0] for b in BUCKETS}  # missed, terms
            seconds, cpu, audio_s = 0.0, 0.0, 0.0
            records = []
            for question, audio, spans in answers:
                keywords = question.rubric.keywords
                prompt, hotwords = condition(question, keywords, (), [k for k in keywords if is_rare(k)])
                out = recogniser(audio, prompt, hotwords)
                seconds += out.seconds
                cpu += out.cpu_seconds
                audio_s += len(audio) / ASR_SAMPLE_RATE
                for sentence, start, end in spans:
                    terms = terms_in(sentence, keywords)
                    if not terms:
                        continue
                    # Words Whisper placed in (about) this sentence's time span; 1 s slack for timestamp error.
                    heard = " ".join(w for w, ws, we in out.words if ws >= start - 1.0 and we <= end + 1.0)
                    index = TermIndex(heard)
                    missed = [term for term in terms if not index.has(term)]
                    bucket = next(b for b in BUCKETS if b[0] <= start < b[1])
                    buckets[bucket][0] += len(missed)
                    buckets[bucket][1] += len(terms)
                    records.append({"question_id": question.id, "start": round(start, 1), "terms": terms,
                                    "missed": missed})
            summary = {
                f"{lo:.0f}-{'' if hi == float('inf') else f'{hi:.0f}'}s": {
                    "missed": m, "terms": n, "ter": round(m / n, 4) if n else None}
                for (lo, hi), (m, n) in buckets.items()
            }
            total_m = sum(m for m, _ in buckets.values())
            total_n = sum(n for _, n in buckets.values())
            summary["all"] = {"missed": total_m, "terms": total_n, "ter": round(total_m / total_n, 4)}
            summary["transcribe_s"] = round(seconds, 1)
            summary["transcribe_cpu_s"] = round(cpu, 1)
            summary["audio_s"] = round(audio_s, 1)
            results.setdefault(voice, {})[name] = {"summary": summary, "sentences": records}
            print(f"  long {voice:<7} {name:<18} TER {summary['all']['ter']:.1%} ({seconds:.1f} s)", file=sys.stderr)
    return results


def print_long(results: dict, n_questions: int) -> None:
    print(f"\nWhole model answers ({n_questions} questions), TER by where the term is spoken")
    keys = None
    for voice, by_condition in results.items():
        for name, entry in by_condition.items():
            s = entry["summary"]
            if keys is None:
                keys = [k for k in s if k not in ("transcribe_s", "transcribe_cpu_s", "audio_s")]
                print(f"{'voice':<7} {'condition':<18} " + " ".join(f"{k:>14}" for k in keys)
                      + f" {'wall s':>7} {'cpu s':>7}")
            cells = [f"{s[k]['ter']:.1%} {s[k]['missed']:>2}/{s[k]['terms']:<3}" if s[k]["ter"] is not None else "-"
                     for k in keys]
            print(f"{voice:<7} {name:<18} " + " ".join(f"{c:>14}" for c in cells)
                  + f" {s['transcribe_s']:>7} {s['transcribe_cpu_s']:>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="Also write the figures (and every transcript) here.")
    parser.add_argument("--questions", type=int, default=24,
                        help="Questions to take sentences from, spread over the topics (default 24).")
    parser.add_argument("--per-question", type=int, default=2, help="Sentences per question (default 2).")
    parser.add_argument("--voices", default="piper,espeak", help="Comma-separated: piper, espeak.")
    parser.add_argument("--variants", action="store_true", help="Also try prototype prompts (slower).")
    parser.add_argument("--conditions", help=f"Only these, comma-separated, from: {', '.join(CONDITIONS | VARIANTS)}.")
    parser.add_argument("--long", type=int, default=0, metavar="N",
                        help="Also transcribe N whole model answers and report TER by position.")
    parser.add_argument("--skip-sentences", action="store_true", help="Only the --long part.")
    args = parser.parse_args()
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]

    started, cpu_started = time.perf_counter(), time.process_time()
    bank = Services().bank
    items = test_sentences(chosen_questions(bank, args.questions), args.per_question)
    cache = SpeechCache()
    for voice in voices:
        for item in items:
            cache.audio(voice, item["text"])
    recogniser = Recogniser()
    is_rare = RareTerms(recogniser)
    normalise, normaliser_name = wer_normaliser()
    prompt_tokens = {q.id: recogniser.token_count(build_prompt(q, q.rubric.keywords))
                     for q in bank.questions.values() if q.rubric is not None}
    report: dict = {
        "model": recogniser.transcriber.model_name,
        "load_s": round(recogniser.load_seconds, 2),
        "wer_normaliser": normaliser_name,
        "product_prompt_tokens": {"min": min(prompt_tokens.values()), "max": max(prompt_tokens.values()),
                                  "per_question": prompt_tokens},
    }
    conditions = dict(CONDITIONS) | (VARIANTS if args.variants else {})
    if args.conditions:
        every = CONDITIONS | VARIANTS
        conditions = {name: every[name] for name in args.conditions.split(",")}
    if not args.skip_sentences:
        results = run_sentences(items, voices, conditions, cache, recogniser, is_rare, normalise)
        report["sentences"] = {
            "count": len(items), "question_ids": sorted({i["question"].id for i in items}),
            "terms": sum(len(i["terms"]) for i in items),
            "audio_s": {v: round(sum(len(cache.audio(v, i["text"])) for i in items) / ASR_SAMPLE_RATE, 1)
                        for v in voices},
        }
        report["results"] = results
    if args.long:
        chosen = chosen_questions(bank, args.long)
        report["long"] = {"questions": [q.id for q in chosen], "results": run_long(chosen, voices, cache, recogniser,
                                                                                     is_rare)}
    report["synth_s"] = round(cache.synth_seconds, 1)
    report["total_s"] = round(time.perf_counter() - started, 1)
    report["total_cpu_s"] = round(time.process_time() - cpu_started, 1)

    print(f"model: {report['model']} (loaded in {report['load_s']} s); product prompt "
          f"{report['product_prompt_tokens']['min']}-{report['product_prompt_tokens']['max']} tokens "
          f"(Whisper keeps at most 223)")
    if "results" in report:
        s = report["sentences"]
        audio = ", ".join(f"{v} {a} s" for v, a in s["audio_s"].items())
        print(f"{s['count']} sentences from {len(s['question_ids'])} questions, {s['terms']} term occurrences; audio: {audio}")
        print_table(report["results"], "Per sentence (TER = rubric terms missed / spoken; WER: " + normaliser_name + ")")
    if "long" in report:
        print_long(report["long"]["results"], len(report["long"]["questions"]))
    finish_report(report, args.json)


if __name__ == "__main__":
    main()
