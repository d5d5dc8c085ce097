"""Numeric precision of prediction: fp32, int8 on CPU, bf16/fp16 autocast on CUDA."""

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


def _int8_linear_class():
    import torch

    class Int8Linear(torch.nn.Module):
        """``x @ W.T + b`` with int8 weights and int8 activations, int32 accumulation.

        The weight has one scale per output channel, fixed at conversion; the
        activations one scale per token (row), computed on the fly from that
        token's largest magnitude. Per-token scales are what keep labels: one
        scale per batch (PyTorch's dynamic quantization) lets a single
        outlier token set the step for every token in the batch.
        """

        def __init__(self, linear: torch.nn.Linear):
            super().__init__()
            weight = linear.weight.detach().float()
            scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            self.register_buffer("weight_t", torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8).t().contiguous())
            self.register_buffer("weight_scale", scale)
            self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().float().clone())
            self.in_features, self.out_features = linear.in_features, linear.out_features

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            rows = x.reshape(-1, self.in_features)
            scale = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
            quantized = torch.div(rows, scale).round_().to(torch.int8)
            out = torch._int_mm(quantized, self.weight_t).to(torch.float32).mul_(scale).mul_(self.weight_scale)
            if self.bias is not None:
                out.add_(self.bias)
            return out.reshape(*x.shape[:-1], self.out_features)

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, int8 per-channel weights, per-token activations"

    return Int8Linear


def quantize_int8(model, *, layers: set[str] | None = None):
    """A copy of ``model`` whose :func:`int8_layers` compute in int8 (see ``Int8Linear``).

    Returns a new module; ``model`` is left as it was.
    """
    import copy

    layers = int8_layers(model) if layers is None else layers
    if not layers:
        raise ModelError(f"precision int8 found no encoder linear layers to quantize in {type(model).__name__}; use fp32",
                         parameter="precision")
    int8_linear = _int8_linear_class()
    quantized = copy.deepcopy(model)
    for name in layers:
        parent_name, _, child = name.rpartition(".")
        parent = quantized.get_submodule(parent_name) if parent_name else quantized
        setattr(parent, child, int8_linear(getattr(parent, child)))
    return quantized
