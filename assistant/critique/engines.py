"""LLM engines behind one protocol: llama.cpp (GGUF, fast on CPU), transformers (a Hugging Face
directory, or a GGUF de-quantized once and cached), and any OpenAI-compatible local server."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from assistant.critique.llama_prefix import PrefixSnapshots, shared_prefix
from assistant.critique.models import ModelUnavailable, check_gguf

Messages = list[dict[str, str]]


class LLM(Protocol):
    name: str

    def stream(self, messages: Messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        """Greedy decoding, yielding text pieces as they are generated.

        `prefill` starts the assistant's reply (engines that can, do: it keeps small models in
        the requested format); the pieces yielded do not repeat it.
        """
        ...


# scripts/setup.sh builds llama.cpp for x86-64-v3; on an older x86 CPU its first matrix product
# would kill the whole process with SIGILL, which no except clause can catch. So check first.
LLAMA_CPP_X86_FLAGS = frozenset({"avx", "avx2", "fma", "f16c"})


def missing_cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The x86 features the portable llama.cpp build needs that this CPU lacks (none off x86)."""
    import platform

    if platform.machine().lower() not in {"x86_64", "amd64"}:
        return frozenset()
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()  # not Linux: trust the build
    for line in text.splitlines():
        if line.startswith("flags"):
            return LLAMA_CPP_X86_FLAGS - set(line.partition(":")[2].split())
    return frozenset()


class LlamaCppLLM:
    """llama-cpp-python: loads a GGUF in about a second and reuses the KV cache of the previous
    prompt's common prefix, so the fixed system + example part is evaluated once per process."""

    # A reply can be continued from a prefill at the cost of the new tokens only (the critique
    # writes its three lines one after another).
    continues_prefill = True

    # 4096: the critique prompt carries every rubric point with its model-answer sentences (up to
    # ~1,400 tokens for the longest system-design rubrics) on top of ~500 fixed ones; the point
    # check reads a 3-minute answer (~700 tokens). The KV cache costs ~28 KB a token on the 1.5B.
    def __init__(self, model_path: Path, *, threads: int = 0, context: int = 4096) -> None:
        self.model_path = model_path
        self.name = f"llama.cpp {model_path.name}"
        self._threads = threads or max(os.cpu_count() or 1, 1)
        self._context = context
        self._llama = None
        self._lock = threading.Lock()
        self._readers_waiting = 0  # point-check readings waiting for the model: they go before prefix steps
        self._count_lock = threading.Lock()
        self._prefixes = PrefixSnapshots()

    def load(self) -> None:
        with self._lock:
            if self._llama is not None:
                return
            missing = missing_cpu_features()
            if missing:
                raise ModelUnavailable(
                    f"this CPU lacks {', '.join(sorted(missing))}, which the llama.cpp build needs; "
                    "set llm_engine = \"transformers\" (the same model, slower)")
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ModelUnavailable(
                    "llama-cpp-python is not installed (it builds from source, ~16 min): "
                    ".venv/bin/pip install llama-cpp-python, or set llm_engine = \"transformers\"."
                ) from exc
            check_gguf(self.model_path)
            self._llama = Llama(model_path=str(self.model_path), n_ctx=self._context, n_threads=self._threads,
                                verbose=False)

    def _prompt(self, messages: Messages) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        # The GGUF's own chat template, rendered here so the reply can be prefilled. Generation
        # ends at the model's end-of-turn token; the formatter's stop strings are not used (special
        # tokens detokenize to "", which would stop at once).
        formatter = Jinja2ChatFormatter(template=self._llama.metadata["tokenizer.chat_template"],
                                        eos_token="", bos_token="")
        return formatter(messages=messages).prompt

    def stream(self, messages: Messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        self.load()
        assert self._llama is not None
        prompt = self._prompt(messages) + prefill
        with self._lock:  # one generation at a time per model
            tokens = self._llama.tokenize(prompt.encode(), special=True)
            self._prefixes.switch_to(self._llama, tokens)
            for chunk in self._llama.create_completion(tokens, max_tokens=max_tokens, temperature=0.0, stream=True):
                piece = chunk["choices"][0]["text"]
                if piece:
                    yield piece

    def evaluate_prefix(self, messages: Messages, stop: threading.Event | None = None, *, step: int = 32) -> None:
        """Evaluate a prompt's tokens into the cache without generating, `step` tokens (~0.5 s on
        two cores) per hold of the model; a point-check reading waiting for the model goes first,
        so it waits for one step at most. Ends early when `stop` is set. For work done while the
        user answers."""
        self.load()
        llama = self._llama
        assert llama is not None
        tokens = llama.tokenize(self._prompt(messages).encode(), special=True)
        while stop is None or not stop.is_set():
            if self._readers_waiting:
                time.sleep(0.02)
                continue
            with self._lock:
                self._prefixes.switch_to(llama, tokens)
                done = shared_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens)
                if done >= len(tokens) - 1:
                    return
                llama.n_tokens = done
                llama.eval(tokens[done : min(done + step, len(tokens) - 1)])

    def first_word_probabilities(self, messages: Messages, words: Sequence[str]) -> dict[str, float]:
        """How likely each word (either capitalisation) is as the reply's first token; nothing is
        generated. Prompts sharing a prefix with an earlier one evaluate only the rest."""
        import numpy as np

        self.load()
        llama = self._llama
        assert llama is not None
        prompt = self._prompt(messages)
        with self._count_lock:
            self._readers_waiting += 1
        try:
            with self._lock:
                tokens = llama.tokenize(prompt.encode(), special=True)
                self._prefixes.switch_to(llama, tokens)
                # At least the last token is evaluated again, so its logits are fresh.
                llama.n_tokens = min(shared_prefix(llama.input_ids[: llama.n_tokens].tolist(), tokens), len(tokens) - 1)
                llama.eval(tokens[llama.n_tokens :])
                logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),)).astype(np.float64)
        finally:
            with self._count_lock:
                self._readers_waiting -= 1
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        result = {}
        for word in words:
            ids = {llama.tokenize(form.encode(), add_bos=False, special=False)[0] for form in (word, word.capitalize())}
            result[word] = float(sum(probs[i] for i in ids))
        return result


class TransformersLLM:
    """transformers on CPU. A GGUF is de-quantized once (slow: ~80 s here) and saved as a normal
    model directory in the cache, which then loads in seconds; Linear layers run dynamically
    quantized to int8, which is what makes this engine usable on two cores."""

    def __init__(self, model: str | Path, *, cache_dir: Path, threads: int = 0, int8: bool = True) -> None:
        self.model = Path(model)
        self.cache_dir = cache_dir
        self.name = f"transformers {self.model.name}"
        self._threads = threads
        self._int8 = int8
        self._model = None
        self._tokenizer = None
        self._prefix = None  # (fixed prompt text, its KV cache)
        self._lock = threading.Lock()

    def _model_dir(self) -> Path:
        if self.model.suffix != ".gguf":
            return self.model
        target = self.cache_dir / "llm" / (self.model.stem + "-hf")
        if not (target / "config.json").exists():
            from transformers import AutoModelForCausalLM, AutoTokenizer

            from safetensors.torch import save_model

            kwargs = {"gguf_file": self.model.name}
            tokenizer = AutoTokenizer.from_pretrained(str(self.model.parent), **kwargs)
            model = AutoModelForCausalLM.from_pretrained(str(self.model.parent), **kwargs)
            # transformers refuses save_pretrained() on a GGUF-loaded model, but the weights are
            # plain float tensors by now: write them with safetensors and drop the GGUF marker.
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            tmp = target.with_name(target.name + ".tmp")
            tmp.mkdir(parents=True, exist_ok=True)
            save_model(model, str(tmp / "model.safetensors"))  # handles the tied embedding weights
            model.config.save_pretrained(tmp)
            model.generation_config.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            os.replace(tmp, target)
        return target

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if self._threads:
                torch.set_num_threads(self._threads)
            directory = self._model_dir()
            if not directory.exists():
                raise ModelUnavailable(f"{directory}: no such model directory; set llm_model to a local model.")
            self._tokenizer = AutoTokenizer.from_pretrained(str(directory))
            model = AutoModelForCausalLM.from_pretrained(str(directory), torch_dtype=torch.float32).eval()
            if self._int8:
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
            self._model = model

    def stream(self, messages: Messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        self.load()
        import copy

        import torch
        from transformers import TextIteratorStreamer

        tokenizer, model = self._tokenizer, self._model
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + prefill
        input_ids = tokenizer(text, return_tensors="pt").input_ids
        kwargs: dict = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
        # The system message and worked example never change: their keys and values are
        # computed once and reused, so only the answer-specific part is evaluated per critique.
        prefix = self._prefix_cache(tokenizer.apply_chat_template(messages[:-1], tokenize=False), input_ids)
        if prefix is not None:
            kwargs["past_key_values"] = copy.deepcopy(prefix)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        worker = threading.Thread(target=model.generate, kwargs={**kwargs, "streamer": streamer,
                                  "max_new_tokens": max_tokens, "do_sample": False}, daemon=True)
        worker.start()
        yield from streamer
        worker.join()

    def _prefix_cache(self, prefix_text: str, input_ids):
        import torch
        from transformers import DynamicCache

        prefix_ids = self._tokenizer(prefix_text, return_tensors="pt").input_ids
        n = prefix_ids.shape[1]
        if n >= input_ids.shape[1] or not torch.equal(input_ids[0, :n], prefix_ids[0]):
            return None  # the fixed part does not tokenize the same inside the full prompt
        if self._prefix is None or self._prefix[0] != prefix_text:
            cache = DynamicCache()
            with torch.no_grad():
                self._model(input_ids=prefix_ids, past_key_values=cache, use_cache=True)
            self._prefix = (prefix_text, cache)
        return self._prefix[1]


class OpenAICompatibleLLM:
    """Any local server speaking the OpenAI chat API: Ollama, llama.cpp server, vLLM, LM Studio."""

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model} at {self.base_url}"
        self._api_key = api_key
        self._timeout = timeout

    def stream(self, messages: Messages, *, max_tokens: int, prefill: str = "") -> Iterator[str]:
        # Chat servers disagree on continuing a partial assistant message: no prefill here; the
        # reply is parsed and checked all the same.
        body = json.dumps({"model": self.model, "messages": messages, "max_tokens": max_tokens,
                           "temperature": 0, "stream": True}).encode()
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json",
                                                  **({"Authorization": f"Bearer {self._api_key}"} if self._api_key else {})})
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    piece = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
        except (urllib.error.URLError, OSError) as exc:
            raise ModelUnavailable(f"cannot reach the LLM server at {self.base_url} ({exc}); is it running?") from exc
