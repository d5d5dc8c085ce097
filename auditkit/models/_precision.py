"""Numeric precision of prediction: fp32, int8 on CPU, bf16/fp16 autocast on CUDA."""

from __future__ import annotations

from contextlib import nullcontext

from auditkit.errors import ModelError

PRECISIONS = ("fp32", "int8", "bf16", "fp16")


def check_precision(precision: str, device) -> None:
    """Refuse a precision the device cannot run, with the fix."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    kind = getattr(device, "type", str(device))
    if precision in ("bf16", "fp16") and kind != "cuda":
        raise ModelError(f"--precision {precision} runs on CUDA (autocast); this model is on {kind} — "
                         "use --precision fp32 or int8 on a CPU, or --device cuda")
    if precision == "int8" and kind != "cpu":
        raise ModelError(f"--precision int8 is a CPU path; this model is on {kind} — use bf16 or fp16 on a GPU")


def autocast(precision: str, device):
    """The autocast context prediction runs under (none for fp32 and int8)."""
    if precision in ("bf16", "fp16"):
        import torch

        return torch.autocast(device_type="cuda", dtype=torch.bfloat16 if precision == "bf16" else torch.float16)
    return nullcontext()


def int8_layers(model) -> set[str]:
    """Names of the linear layers ``--precision int8`` quantizes.

    Every linear layer of the encoder's blocks except the feed-forward
    output projection (``<layer>.output.dense``), whose input — the GELU
    activations — has outliers that one dynamic int8 scale per batch cannot
    hold; measured on SST-2 (bench/precision.py), quantizing it is what moves
    labels. The pooler and the classifier head (per sequence, not per token)
    stay fp32 too. That leaves two thirds of the per-token FLOPs in int8.
    """
    import torch

    names = set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        parts = name.split(".")
        if "classifier" in parts or "pooler" in parts or "encoder" not in parts and "transformer" not in parts:
            continue
        if parts[-2:] == ["output", "dense"] and "attention" not in parts:
            continue  # the feed-forward output projection
        names.add(name)
    return names


def quantize_int8(model):
    """The model with :func:`int8_layers` dynamically quantized to int8, per-channel weights.

    Weights are quantized once per output channel (a scale per row) and
    activations per batch at run time (PyTorch's dynamic quantization on
    fbgemm/x86 kernels). Returns a new module; ``model`` is left as it was.
    """
    import copy
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    layers = int8_layers(model)
    if not layers:
        raise ModelError(f"--precision int8 found no encoder linear layers to quantize in {type(model).__name__}; use fp32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
        return quantize_dynamic(copy.deepcopy(model), {name: per_channel_dynamic_qconfig for name in layers},
                                dtype=torch.qint8)
