"""Keep the evaluated prompt prefixes of two kinds of prompt in one llama.cpp context.

The critique and the point check (scoring/verify.py) use the same model, one after the other,
with different fixed prefixes (system prompt and worked examples, ~400-700 tokens; ~5 s to
evaluate with the 1.5B model on two cores). llama.cpp keeps one sequence, so each would evict the
other's. This keeps the KV cells of the latest prompt of each kind (keyed by its first tokens)
and restores the one sharing the longest prefix before a prompt of the other kind is evaluated:
a memcpy of ~28 KB per token instead of seconds of compute. Only the KV cells are copied
(llama_state_seq_*), not Llama.save_state(), which also copies a logits array of hundreds of MB.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from collections.abc import Sequence

KIND_TOKENS = 24  # prompts whose first 24 tokens agree are of one kind (same system prompt)
MAX_KINDS = 3


def shared_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PrefixSnapshots:
    def __init__(self) -> None:
        self._saved: OrderedDict[tuple[int, ...], tuple[list[int], bytes]] = OrderedDict()

    def switch_to(self, llama, tokens: Sequence[int]) -> None:
        """Before evaluating `tokens`: if a remembered prompt shares more of them than the context
        holds, remember the context (as its kind) and load that one. Copies happen only when the
        kind of prompt changes (twice per answer: check, then critique), not on every call."""
        current = llama.input_ids[: llama.n_tokens].tolist()
        here = shared_prefix(current, tokens)
        best = max(self._saved.values(), key=lambda s: shared_prefix(s[0], tokens), default=None)
        if best is None or shared_prefix(best[0], tokens) <= here:
            if here < KIND_TOKENS:
                self._remember(llama, current)  # a new kind of prompt replaces this one
            return
        self._remember(llama, current)
        self._load(llama, *best)

    def _remember(self, llama, ids: list[int]) -> None:
        import llama_cpp

        if len(ids) < KIND_TOKENS:
            return
        ctx = llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(ctx, buffer, size, 0)
        if not written:
            return
        kind = tuple(ids[:KIND_TOKENS])
        self._saved.pop(kind, None)
        self._saved[kind] = (ids, ctypes.string_at(buffer, written))
        while len(self._saved) > MAX_KINDS:
            self._saved.popitem(last=False)

    def _load(self, llama, ids: list[int], data: bytes) -> None:
        import llama_cpp

        llama._ctx.kv_cache_seq_rm(-1, 0, -1)
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(data), 0) == 0:
            llama.n_tokens = 0  # could not restore: evaluate from scratch
            return
        llama.input_ids[: len(ids)] = ids
        llama.n_tokens = len(ids)
