"""Numeric precision of prediction: fp32, int8 on CPU, bf16/fp16 autocast on CUDA; the int8 layers of the torch-int8 route."""

from __future__ import annotations

from contextlib import nullcontext

from auditkit.errors import ModelError

PRECISIONS = ("fp32", "int8", "bf16", "fp16")


def check_precision(precision: str, device) -> None:
    """Refuse a precision the device cannot run, with the fix."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}", parameter="precision")
    kind = getattr(device, "type", str(device))
    if precision in ("bf16", "fp16") and kind != "cuda":
        raise ModelError(f"precision {precision} runs on CUDA (autocast); this model is on {kind} — "
                         "use precision fp32 or int8 on a CPU, or device cuda", parameter=("precision", "device"))
    if precision == "int8" and kind != "cpu":
        raise ModelError(f"precision int8 is a CPU path; this model is on {kind} — use bf16 or fp16 on a GPU",
                         parameter="precision")


def autocast(precision: str, device):
    """The autocast context prediction runs under (none for fp32 and int8)."""
    if precision in ("bf16", "fp16"):
        import torch

        return torch.autocast(device_type="cuda", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)
    return nullcontext()


def int8_layers(model, *, feed_forward_output: bool = True) -> set[str]:
    """Names of the linear layers ``precision="int8"`` quantizes.

    Every linear layer of the encoder's blocks (query, key, value, attention
    output, feed-forward in and out). The pooler and the classifier head run
    once per sequence, not per token, and stay fp32. ``feed_forward_output=False``
    leaves the feed-forward output projection (``<layer>.output.dense``) out too.
    """
    import torch

    names = set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        parts = name.split(".")
        if "classifier" in parts or "pooler" in parts or "encoder" not in parts and "transformer" not in parts:
            continue
        if not feed_forward_output and parts[-2:] == ["output", "dense"] and "attention" not in parts:
            continue
        names.add(name)
    return names


def int8_weight(weight):
    """Symmetric per-output-channel int8 quantization of a weight: ``(int8 values, float32 scale per row)``."""
    import torch

    weight = weight.detach().float()
    scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
    return torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8), scale


#: Rows (tokens) per int8 product: small enough that each product is scaled while in the CPU's cache.
ROWS_PER_CHUNK = 512


NO_GRADIENTS = ("int8 layers have no gradients: the int8 product is not differentiable; attribute with the fp32 model "
                "(TextClassifier.probabilities does)")


def _int8_classes():
    import torch

    class Int8Linear(torch.nn.Module):
        """``x @ W.T + b`` with int8 weights and int8 activations, int32 accumulation (``torch._int_mm``).

        The weight has one scale per output channel, fixed at conversion; the
        activations one scale per token (row), computed on the fly from that
        token's largest magnitude. Per-token scales are what keep labels: one
        scale per batch (PyTorch's dynamic quantization) lets a single
        outlier token set the step for every token in the batch.

        Several linear layers that read the same input (an attention block's
        query, key and value) can be given as one: their weights are stacked,
        and :meth:`forward` returns the outputs side by side.

        It has no gradients (it refuses an input that requires them): an
        int8 classifier is attributed with its fp32 weights.
        """

        def __init__(self, *linears: torch.nn.Linear):
            super().__init__()
            weight, scale = int8_weight(torch.cat([linear.weight.detach().float() for linear in linears]))
            self.register_buffer("weight_t", weight.t().contiguous())
            self.register_buffer("weight_scale", scale)
            biases = [linear.bias for linear in linears]
            bias = None if all(b is None for b in biases) else torch.cat([
                torch.zeros(linear.out_features) if b is None else b.detach().float() for linear, b in zip(linears, biases)])
            self.register_buffer("bias", bias)
            self.in_features, self.out_features = linears[0].in_features, weight.shape[0]

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if torch.is_grad_enabled() and x.requires_grad:
                raise ModelError(NO_GRADIENTS)
            rows = x.reshape(-1, self.in_features).float()
            out = torch.empty(rows.shape[0], self.out_features, dtype=torch.float32)
            # a chunk of rows at a time, so that the int32 product is scaled while it is still in cache:
            # scaling the whole product after the fact costs as much memory traffic as the product itself
            for start in range(0, rows.shape[0], ROWS_PER_CHUNK):
                chunk = rows[start:start + ROWS_PER_CHUNK]
                scale = chunk.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
                quantized = torch.div(chunk, scale).round_().to(torch.int8)
                part = out[start:start + ROWS_PER_CHUNK]
                part.copy_(torch._int_mm(quantized, self.weight_t))
                part.mul_(scale).mul_(self.weight_scale)
                if self.bias is not None:
                    part.add_(self.bias)
            return out.reshape(*x.shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return (f"in_features={self.in_features}, out_features={self.out_features}, int8 per-channel weights, "
                    "per-token activations")

    class SharedInputSlice(torch.nn.Module):
        """One of several projections of the same input computed by one stacked :class:`Int8Linear`.

        The first sibling called with a tensor computes every sibling's output
        in one int8 matrix product (one quantization of the input instead of
        one per sibling); the others take their columns of it. Called with a
        different tensor, a sibling computes afresh, so the result never
        depends on the call order.
        """

        def __init__(self, shared: list, start: int, stop: int):
            super().__init__()
            # [stacked Int8Linear, siblings, last input, its output, siblings yet to take theirs];
            # a plain list, so that no sibling owns the stacked layer's weights twice in the state dict
            self._shared = shared
            self.start, self.stop = start, stop

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            shared = self._shared
            if shared[2] is not x:
                shared[2], shared[3], shared[4] = x, shared[0](x), shared[1]
            out = shared[3][..., self.start:self.stop]
            shared[4] -= 1
            if shared[4] == 0:  # every sibling has its part: let the input and the stacked output go
                shared[2] = shared[3] = None
            return out

        def extra_repr(self) -> str:
            return f"columns {self.start}:{self.stop} of a stacked int8 projection"

    return Int8Linear, SharedInputSlice


#: Sibling linear layers that project the same input (an attention block's query, key and value).
SHARED_INPUT_SIBLINGS = (("query", "key", "value"), ("q_lin", "k_lin", "v_lin"), ("q_proj", "k_proj", "v_proj"))


def quantize_int8(model, *, layers: set[str] | None = None):
    """A copy of ``model`` whose :func:`int8_layers` compute in int8 (see ``Int8Linear``).

    Query, key and value projections of one attention block run as one
    stacked int8 product (see ``SharedInputSlice``). Returns a new module;
    ``model`` is left as it was.
    """
    import copy

    import torch

    layers = int8_layers(model) if layers is None else layers
    if not layers:
        raise ModelError(f"precision int8 found no encoder linear layers to quantize in {type(model).__name__}; use fp32",
                         parameter="precision")
    int8_linear, shared_input_slice = _int8_classes()
    quantized = copy.deepcopy(model)
    done = set()
    for name in sorted(layers):
        if name in done:
            continue
        parent_name, _, child = name.rpartition(".")
        parent = quantized.get_submodule(parent_name) if parent_name else quantized
        prefix = f"{parent_name}." if parent_name else ""
        siblings = next((group for group in SHARED_INPUT_SIBLINGS if child in group
                         and all(f"{prefix}{c}" in layers and isinstance(getattr(parent, c, None), torch.nn.Linear)
                                 for c in group)), None)
        if siblings is None or len({getattr(parent, c).in_features for c in siblings}) != 1:
            setattr(parent, child, int8_linear(getattr(parent, child)))
            done.add(name)
            continue
        linears = [getattr(parent, c) for c in siblings]
        stacked = int8_linear(*linears)
        parent.add_module("_".join(siblings), stacked)  # registered once, beside the slices that read it
        shared = [stacked, len(linears), None, None, 0]
        start = 0
        for c, linear in zip(siblings, linears):
            setattr(parent, c, shared_input_slice(shared, start, start + linear.out_features))
            start += linear.out_features
            done.add(f"{prefix}{c}")
    return quantized
