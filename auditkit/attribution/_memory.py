"""How many (example x step) rows fit in one forward/backward pass."""

from __future__ import annotations

import os

__all__ = ["available_memory", "bytes_per_row", "rows_per_pass"]

# Share of the free memory one attribution pass may take: the rest is left to
# the weights, the allocator's slack and whatever else runs on the machine.
_MEMORY_SHARE = 0.25
# Estimates of activation memory are rough; assume twice as much.
_SAFETY = 2.0
# On a CPU, passes larger than this many tokens are no faster per token and
# only cost memory; a GPU keeps gaining up to a larger size.
_TOKEN_CAP = {"cpu": 4096, "cuda": 65536}
_FALLBACK_MEMORY = 2 << 30


def available_memory(device) -> int:
    """Bytes free for activations on ``device`` (a ``torch.device``)."""
    import torch

    if device.type == "cuda" and torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return _FALLBACK_MEMORY


def _shape(config) -> tuple[int, int, int, int]:
    """(layers, hidden size, feed-forward size, attention heads) of a HF config."""

    def first(*names, default):
        for name in names:
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        return default

    hidden = first("hidden_size", "dim", "d_model", "n_embd", default=768)
    layers = first("num_hidden_layers", "n_layers", "num_layers", "n_layer", default=12)
    ffn = first("intermediate_size", "hidden_dim", "ffn_dim", "n_inner", default=4 * hidden)
    heads = first("num_attention_heads", "n_heads", "num_heads", "n_head", default=12)
    return layers, hidden, ffn, heads


def bytes_per_row(config, width: int, *, element_size: int = 4) -> int:
    """Estimated activation bytes one sequence of ``width`` tokens keeps for backward."""
    layers, hidden, ffn, heads = _shape(config)
    # Per layer and token: q, k, v, attention output, two residual streams and
    # layer norms (~8 hidden), the feed-forward in and out of its activation
    # (2 ffn), and the attention scores and softmax (2 heads x width).
    per_token = layers * (8 * hidden + 2 * ffn + 2 * heads * width) + 4 * hidden
    return int(_SAFETY * element_size * width * per_token)


def rows_per_pass(config, device, width: int, *, memory: int | None = None) -> int:
    """Rows of ``width`` tokens to run in one forward/backward pass (at least 1).

    Bounded by a share of the free memory of ``device`` (or ``memory`` bytes
    when given) and by a per-device token cap beyond which larger passes do
    not run faster.
    """
    free = available_memory(device) if memory is None else memory
    by_memory = int(free * _MEMORY_SHARE) // max(1, bytes_per_row(config, width))
    cap = _TOKEN_CAP.get(device.type, _TOKEN_CAP["cuda"]) // max(1, width)
    return max(1, min(by_memory, cap))
