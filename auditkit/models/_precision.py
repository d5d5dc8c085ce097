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

    Only the feed-forward blocks of the encoder (``intermediate`` and the
    layer ``output``): they carry two thirds of the FLOPs and tolerate int8
    well. The attention projections and the attention output, the pooler and
    the classifier head stay fp32 — quantizing those (with per-tensor
    weights) is what moved SST-2 labels in the naive all-layers route.
    """
    import torch

    names = set()
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        parts = name.split(".")
        if "attention" in parts or "classifier" in parts or "pooler" in parts:
            continue
        if parts[-2:] in (["intermediate", "dense"], ["output", "dense"]) or "ffn" in parts or "mlp" in parts:
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
        raise ModelError(f"--precision int8 found no feed-forward linear layers to quantize in {type(model).__name__}; use fp32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization's deprecation notice
        return quantize_dynamic(copy.deepcopy(model), {name: per_channel_dynamic_qconfig for name in layers},
                                dtype=torch.qint8)
