"""Does Whisper keep the fillers ("um", "uh") a speaker says, and does the prompt make it?

    .venv/bin/python bench/asr_fillers.py [--json out.json] [--voices piper,espeak] [--spellings um/uh,erm/er]
        [--variants]

Twelve answer sentences with fillers written as a speaker says them ("Um, so the learning
rate, uh, controls the step size."), and the same twelve without their fillers as controls,
are spoken by piper and espeak-ng (cached under $TMPDIR/viva-bench-tts) and transcribed by
the product's FasterWhisperTranscriber (bundled tiny.en, loaded once):

    unprimed   prompt=None
    primer     FILLER_PRIMER alone
    product    build_prompt(question, question.rubric.keywords), which starts with FILLER_PRIMER

--variants adds prototype layouts of the product prompt (filler primer last, no question text).

Fillers are counted with the product's count_fillers, in the source text (spoken) and in the
transcript (detected). Recall = sum over sentences of min(detected, spoken) / spoken; extra =
fillers detected beyond those spoken; false = fillers found in the filler-free controls.

TTS voices do not hesitate like people: each filler spelling is read as an ordinary word. The
script prints the phonemes each voice is given for every spelling (espeak-ng's -x output and
piper's phonemizer), the check that the filler was spoken at all, and --spellings repeats the
test with other spellings (default: um/uh as written, umm/uhh, erm/er).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _speech import Recogniser, SpeechCache, finish_report  # noqa: E402

from assistant.audio.files import ASR_SAMPLE_RATE  # noqa: E402
from assistant.scoring.delivery import count_fillers  # noqa: E402
from assistant.services import Services  # noqa: E402
from assistant.speech.asr.base import FILLER_PRIMER, build_prompt  # noqa: E402

# (question id for the product prompt, the sentence with "um"/"uh" where a speaker hesitates)
SENTENCES = (
    ("sl-gradient-descent", "Um, so the learning rate, uh, controls the step size."),
    ("sl-bias-variance", "Uh, the bias variance trade-off is, um, about model complexity."),
    ("dl-batch-norm", "So, um, batch norm normalizes each feature over the batch, uh, and then rescales it."),
    ("ul-kmeans", "Um, k-means assigns each point to the, uh, nearest centroid."),
    ("llm-self-attention", "Uh, attention takes a softmax over, um, the query key dot products."),
    ("sl-l1-vs-l2", "Well, um, L1 pushes weights to exactly zero, uh, which gives sparse models."),
    ("ul-pca", "Um, PCA finds, uh, the directions of maximum variance."),
    ("llm-kv-cache", "The KV cache, uh, stores the keys and values, um, so we don't recompute them."),
    ("sd-fraud-detection", "Uh, for fraud detection I'd, um, start with a simple baseline."),
    ("dl-vanishing-gradients", "Um, ReLU doesn't, uh, saturate for positive inputs, so gradients don't vanish."),
    ("cv-transfer-learning", "So, uh, I'd take a pretrained backbone, um, and fine-tune a new head."),
    ("mlops-data-drift", "Um, data drift means, uh, the input distribution changes over time."),
)
CONDITIONS = {
    "unprimed": lambda q: None,
    "primer": lambda q: FILLER_PRIMER,
    "product": lambda q: build_prompt(q, q.rubric.keywords),
}
VARIANTS = {  # prototypes, not in the product
    "product-nofiller": lambda q: build_prompt(q, q.rubric.keywords, keep_fillers=False),
    # The product's parts with the filler primer last, right before the audio.
    "fillers-last": lambda q: f"{q.prompt} Terms: {', '.join(q.rubric.keywords)}. {FILLER_PRIMER}",
    # No question text: the terms, then the filler primer.
    "terms-then-fillers": lambda q: f"Terms: {', '.join(q.rubric.keywords)}. {FILLER_PRIMER}",
}
SPELLINGS = {"um/uh": ("um", "uh"), "umm/uhh": ("umm", "uhh"), "erm/er": ("erm", "er")}


def respell(text: str, um: str, uh: str) -> str:
    def swap(match: re.Match) -> str:
        word = match.group(0)
        new = um if word.lower() == "um" else uh
        return new.capitalize() if word[0].isupper() else new

    return re.sub(r"\b(?:[Uu]m|[Uu]h)\b", swap, text)


def without_fillers(text: str) -> str:
    """The control: the same sentence, fillers and their commas taken out."""
    text = re.sub(r",\s*(?:um|uh),\s*", " ", text)  # "rate, uh, controls" -> "rate controls"
    text = re.sub(r"^(?:Um|Uh),\s*", "", text)
    text = re.sub(r"\b(?:um|uh)\b,?\s*", "", text)
    return text[0].upper() + text[1:]


def phonemes(voices: dict, words) -> dict:
    """What each voice is told to say for each filler spelling (the listening proxy)."""
    out: dict = {}
    espeak = shutil.which("espeak-ng") or shutil.which("espeak")
    for word in words:
        text = f"{word.capitalize()}, so."
        row = {}
        if espeak:
            row["espeak"] = subprocess.run([espeak, "-v", "en-us", "-q", "--ipa", text], capture_output=True,
                                           text=True).stdout.split()[0].strip()
        try:
            voice = voices["piper"]
            voice.load()
            row["piper"] = "".join(voice._voice.phonemize(text)[0]).split(",")[0]  # noqa: SLF001
        except Exception as exc:  # noqa: BLE001 - report, the benchmark still runs
            row["piper"] = f"? ({exc})"
        out[word] = row
    return out


def run(items, voices, conditions, cache, recogniser) -> dict:
    results: dict = {}
    for voice in voices:
        for cond, make_prompt in conditions.items():
            records = []
            for item in items:
                out = recogniser(cache.audio(voice, item["text"]), make_prompt(item["question"]))
                records.append({"set": item["set"], "text": item["text"], "spoken": item["spoken"],
                                "detected": sum(count_fillers(out.text).values()), "transcript": out.text,
                                "seconds": round(out.seconds, 3), "cpu_seconds": round(out.cpu_seconds, 3)})
            results.setdefault(voice, {})[cond] = records
            print(f"  {voice:<7} {cond:<18} done ({sum(r['seconds'] for r in records):.1f} s)", file=sys.stderr)
    return results


def summary(records) -> dict:
    spoken = sum(r["spoken"] for r in records)
    detected = sum(r["detected"] for r in records)
    hit = sum(min(r["spoken"], r["detected"]) for r in records)
    return {"sentences": len(records), "spoken": spoken, "detected": detected, "hit": hit,
            "recall": round(hit / spoken, 4) if spoken else None,
            "extra": sum(max(0, r["detected"] - r["spoken"]) for r in records),
            "sentences_with_any": sum(1 for r in records if r["detected"]),
            "transcribe_s": round(sum(r["seconds"] for r in records), 1),
            "transcribe_cpu_s": round(sum(r["cpu_seconds"] for r in records), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="Also write the figures (and every transcript) here.")
    parser.add_argument("--voices", default="piper,espeak", help="Comma-separated: piper, espeak.")
    parser.add_argument("--spellings", default=",".join(SPELLINGS),
                        help=f"Comma-separated filler spellings to test, from: {', '.join(SPELLINGS)}.")
    parser.add_argument("--variants", action="store_true", help="Also try prototype prompt layouts (slower).")
    args = parser.parse_args()
    voices = [v.strip() for v in args.voices.split(",") if v.strip()]
    spellings = [s.strip() for s in args.spellings.split(",") if s.strip()]

    started, cpu_started = time.perf_counter(), time.process_time()
    bank = Services().bank
    items = []
    for spelling in spellings:
        um, uh = SPELLINGS[spelling]
        for qid, text in SENTENCES:
            spoken_text = respell(text, um, uh)
            items.append({"set": spelling, "question": bank.get(qid), "text": spoken_text,
                          "spoken": sum(count_fillers(spoken_text).values())})
    for qid, text in SENTENCES:
        control = without_fillers(text)
        assert not count_fillers(control), control
        items.append({"set": "control", "question": bank.get(qid), "text": control, "spoken": 0})

    cache = SpeechCache()
    for voice in voices:
        for item in items:
            cache.audio(voice, item["text"])
    recogniser = Recogniser()
    conditions = dict(CONDITIONS) | (VARIANTS if args.variants else {})
    results = run(items, voices, conditions, cache, recogniser)
    table = {voice: {cond: {s: summary([r for r in records if r["set"] == s]) for s in [*spellings, "control"]}
                     for cond, records in by_cond.items()} for voice, by_cond in results.items()}
    report = {
        "model": recogniser.transcriber.model_name,
        "filler_primer": FILLER_PRIMER,
        "phonemes": phonemes(cache.voices, [w for s in spellings for w in SPELLINGS[s]]),
        "audio_s": {v: round(sum(len(cache.audio(v, i["text"])) for i in items) / ASR_SAMPLE_RATE, 1) for v in voices},
        "summary": table,
        "results": results,
        "synth_s": round(cache.synth_seconds, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "total_cpu_s": round(time.process_time() - cpu_started, 1),
    }

    print(f"model: {report['model']}; FILLER_PRIMER = {FILLER_PRIMER!r}")
    print("phonemes the voices are given (listening proxy):")
    for word, row in report["phonemes"].items():
        print(f"  {word:<5} " + "  ".join(f"{v}: /{p}/" for v, p in row.items()))
    n = len(SENTENCES)
    print(f"\n{n} sentences per spelling ({sum(i['spoken'] for i in items if i['set'] == spellings[0])} fillers), "
          f"{n} filler-free controls; audio: " + ", ".join(f"{v} {a} s" for v, a in report["audio_s"].items()))
    print(f"{'voice':<7} {'condition':<18} " + " ".join(f"{s + ' recall':>17}" for s in spellings)
          + f" {'extra':>6} {'false (ctrl)':>13} {'wall s':>7} {'cpu s':>7}")
    for voice, by_cond in table.items():
        for cond, by_set in by_cond.items():
            cells = [f"{by_set[s]['recall']:.0%} {by_set[s]['hit']:>2}/{by_set[s]['spoken']:<2}" for s in spellings]
            extra = sum(by_set[s]["extra"] for s in spellings)
            control = by_set["control"]
            seconds = sum(by_set[s]["transcribe_s"] for s in by_set)
            cpu = sum(by_set[s]["transcribe_cpu_s"] for s in by_set)
            print(f"{voice:<7} {cond:<18} " + " ".join(f"{c:>17}" for c in cells)
                  + f" {extra:>6} {control['detected']:>5} in {control['sentences_with_any']:>2}/{control['sentences']:<2}"
                  f" {seconds:>7.1f} {cpu:>7.1f}")
    finish_report(report, args.json)


if __name__ == "__main__":
    main()
