"""Routes: the ways a classifier's logits can be computed on a CPU, one class per library.

A route takes the fp32 torch model and returns a forward function
``forward(inputs) -> logits`` (``inputs``: the dict of id tensors
:meth:`TextClassifier.probabilities` builds). Which route a classifier uses
is decided by measuring on this machine (:mod:`auditkit.models._calibration`),
never by CPU name.

- ``torch-fp32``: the model as it is.
- ``torch-int8``: every encoder linear layer in int8 with PyTorch ops
  (:func:`auditkit.models.quantize_int8`).
- ``openvino-fp32`` / ``openvino-int8``: the model converted to OpenVINO
  (the ``[openvino]`` extra: openvino and NNCF); int8 has NNCF's per-channel
  int8 weights, and OpenVINO's CPU plugin quantizes activations dynamically.

The fp32 torch model is kept whatever the route: attributions take their
gradients from it, never through an int8 product.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from typing import Callable, ClassVar

from auditkit.errors import ModelError

__all__ = ["Route", "ROUTES", "routes_for", "OPENVINO_MISSING"]

OPENVINO_MISSING = "route {name} needs OpenVINO: pip install 'auditkit[openvino]'"

Forward = Callable[[dict], "object"]


class Route:
    """One way to compute logits on a CPU (subclass it and register an instance in :data:`ROUTES`)."""

    #: Name stored in a run (``model.route``) and accepted by ``AUDITKIT_ROUTE``.
    name: ClassVar[str] = ""
    #: Numeric precision of its products: "fp32" or "int8".
    precision: ClassVar[str] = "fp32"
    #: Whether its products come from a maintained library (torch's own modules, OpenVINO and NNCF) rather than
    #: auditkit's own int8 code: the choice prefers such a route when it is nearly as fast (see ``choose_route``).
    maintained: ClassVar[bool] = True

    def missing(self) -> str | None:
        """Why this route cannot run here (a missing library), or None."""
        return None

    def build(self, model, example: dict) -> Forward:
        """A forward function for ``model`` (not modified); ``example`` is a small input of the model's kind."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<route {self.name}>"


class TorchFP32(Route):
    name, precision = "torch-fp32", "fp32"

    def build(self, model, example: dict) -> Forward:
        return lambda inputs: model(**inputs).logits


class TorchInt8(Route):
    name, precision, maintained = "torch-int8", "int8", False

    def missing(self) -> str | None:
        import torch

        return None if hasattr(torch, "_int_mm") else f"route {self.name} needs torch._int_mm (torch 2.1 or newer)"

    def build(self, model, example: dict) -> Forward:
        from auditkit.models._precision import quantize_int8

        quantized = quantize_int8(model)
        return lambda inputs: quantized(**inputs).logits


class OpenVINORoute(Route):
    """The model converted to OpenVINO and compiled for this CPU in fp32 arithmetic.

    ``INFERENCE_PRECISION_HINT`` is pinned to f32: on CPUs with bf16
    instructions OpenVINO would otherwise compute in bf16.
    """

    name, precision = "openvino-fp32", "fp32"

    def missing(self) -> str | None:
        try:
            _openvino()
        except ModelError as exc:
            return str(exc)
        return None

    def build(self, model, example: dict) -> Forward:
        import numpy as np
        import torch

        ov, _ = _openvino()
        names = list(example)
        with torch.no_grad(), _quiet_tracing():
            converted = ov.convert_model(model, example_input=example, input=[(n, [-1, -1], ov.Type.i64) for n in names])
        with _quiet_loggers("nncf"):
            compressed = self._compress(converted)
        compiled = _core().compile_model(compressed, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
        request = compiled.create_infer_request()
        output = compiled.output(0)

        def forward(inputs: dict):
            result = request.infer([np.ascontiguousarray(inputs[n].cpu().numpy()) for n in names])
            return torch.from_numpy(np.array(result[output], dtype=np.float32))

        return forward

    def _compress(self, converted):
        return converted


class OpenVINOInt8(OpenVINORoute):
    """OpenVINO with int8 weights (NNCF ``compress_weights``, INT8_SYM: one scale per output channel).

    OpenVINO's CPU plugin runs each compressed-weight product by quantizing
    the activations itself, per group of 32 channels of each token
    (``DYNAMIC_QUANTIZATION_GROUP_SIZE``), and accumulating in int32 (VNNI or
    AMX where the CPU has them).
    """

    name, precision = "openvino-int8", "int8"

    def _compress(self, converted):
        import io

        _, nncf = _openvino()
        with contextlib.redirect_stdout(io.StringIO()):  # NNCF draws progress bars and tables on stdout
            return nncf.compress_weights(converted, mode=nncf.CompressWeightsMode.INT8_SYM)


@contextlib.contextmanager
def _quiet_tracing():
    """Hide what tracing a Hugging Face model says that a user can do nothing about, and only that.

    OpenVINO converts a torch model by tracing it: torch warns that tracing
    is deprecated and that the model's data-dependent branches are traced
    as constants (the shapes stay dynamic; the traced branches are the
    padding-free ones auditkit feeds), and transformers, as the tracer reads
    every attribute, that ``is_gradient_checkpointing`` is deprecated. (Its
    "``loss_type=None``" message, from the backbone's ``loss_function``, is
    not said at all: a TextClassifier names the backbone's loss.)
    """
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.trace(_method)?` is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        yield


@contextlib.contextmanager
def _quiet_loggers(*names: str):
    """Only errors from the loggers ``names`` (and their children) while inside; their levels are restored after."""
    import logging

    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.ERROR))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


@functools.lru_cache(maxsize=None)
def _openvino():
    """``(openvino, nncf)``, imported so that they send nothing.

    OpenVINO's model converter and NNCF send usage telemetry when the
    ``openvino_telemetry`` package can be imported (it comes with openvino);
    hidden while they are first imported, both use their own no-op stubs,
    as they do where that package is not installed.
    """
    with _without_telemetry():
        try:
            import nncf
            import openvino as ov
            from openvino.tools.ovc import convert_impl  # noqa: F401 - imported now, so with the stub
        except ImportError:
            raise ModelError(OPENVINO_MISSING.format(name="openvino-fp32 / openvino-int8")) from None
    return ov, nncf


@contextlib.contextmanager
def _without_telemetry():
    key = "openvino_telemetry"
    had, before = key in sys.modules, sys.modules.get(key)
    sys.modules[key] = None  # an import of it now raises ImportError
    try:
        yield
    finally:
        if had:
            sys.modules[key] = before
        else:
            sys.modules.pop(key, None)


@functools.lru_cache(maxsize=None)
def _core():
    return _openvino()[0].Core()


#: Every route auditkit knows, by name.
ROUTES: dict[str, Route] = {r.name: r for r in (TorchFP32(), TorchInt8(), OpenVINORoute(), OpenVINOInt8())}


def routes_for(precision: str) -> list[Route]:
    """The routes of one precision that can run here, in a fixed order."""
    return [r for r in ROUTES.values() if r.precision == precision and r.missing() is None]
