"""Fused int8 quantize and dequantize kernels, built for this CPU on first use.

``precision="int8"`` spends as much time around its int8 matrix products as
in them when each step is a PyTorch op: a product's input is quantized in
four passes over memory (absolute value, maximum, divide, round and cast) and
its result rescaled in four more. The two C functions in ``_int8_kernels.c``
do each in one pass, rows in parallel (OpenMP), with the same arithmetic in
the same order, so the outputs are bit-identical to the PyTorch route.

They are compiled once per machine with the system's C compiler (``cc``, or
``$CC``) into ``~/.cache/auditkit`` (``$AUDITKIT_CACHE``), keyed by the
source, the flags, the compiler and this CPU's features, and loaded with
``ctypes``. Without a compiler, or when the build fails, int8 runs the
PyTorch route and :func:`int8_route` says why. ``AUDITKIT_NATIVE_INT8=0``
turns the kernels off.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import platform
import shutil
import subprocess
from pathlib import Path

SOURCE = Path(__file__).with_name("_int8_kernels.c")
#: -ffp-contract=off keeps a multiply and an add two roundings, as in PyTorch; -march=native is why the cache key holds the CPU.
FLAGS = ("-O3", "-march=native", "-fno-math-errno", "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC")
SWITCH = "AUDITKIT_NATIVE_INT8"
_BUILD_SECONDS = 120


class Int8Kernels:
    """The loaded kernels, called on torch tensors (shapes and dtypes are checked, as the C side trusts them)."""

    def __init__(self, lib: ctypes.CDLL, path: Path):
        p, n = ctypes.c_void_p, ctypes.c_int64
        lib.ak_quantize_rows.argtypes = [p, n, n, n, p, p]
        lib.ak_quantize_rows.restype = None
        lib.ak_dequantize.argtypes = [p, n, n, p, p, p, p]
        lib.ak_dequantize.restype = None
        lib.ak_rescale.argtypes = [p, n, n, p, p, p, p]
        lib.ak_rescale.restype = None
        self._lib, self.path = lib, path

    def quantize_rows(self, x, q, scale) -> None:
        """Fill ``q`` (int8, dense, x's shape) and ``scale`` (float32, one per row) from float32 rows ``x``."""
        import torch

        rows, cols = x.shape
        if not (x.dtype == torch.float32 and x.stride(1) == 1 and q.dtype == torch.int8 and q.is_contiguous()
                and tuple(q.shape) == (rows, cols) and scale.dtype == torch.float32 and scale.is_contiguous()
                and scale.numel() == rows):
            raise ValueError("quantize_rows needs float32 rows with unit column stride, a dense int8 q of their shape "
                             "and one float32 scale per row")
        self._lib.ak_quantize_rows(x.data_ptr(), rows, cols, x.stride(0), q.data_ptr(), scale.data_ptr())

    def dequantize(self, acc, row_scale, col_scale, bias, out) -> None:
        """``out = acc * row_scale[:, None] * col_scale + bias`` (float32; ``bias`` may be None), in one pass.

        ``acc`` is the int32 product, or the same converted to float32.
        """
        import torch

        rows, cols = acc.shape
        dense = all(t.is_contiguous() for t in (acc, row_scale, col_scale, out)) and (bias is None or bias.is_contiguous())
        if not (dense and acc.dtype in (torch.int32, torch.float32) and out.dtype == row_scale.dtype == col_scale.dtype == torch.float32
                and tuple(out.shape) == (rows, cols) and row_scale.numel() == rows and col_scale.numel() == cols
                and (bias is None or (bias.dtype == torch.float32 and bias.numel() == cols))):
            raise ValueError("dequantize needs a dense int32 (or float32) product, float32 scales per row and per column, "
                             "an optional float32 bias per column and a dense float32 out of the product's shape")
        kernel = self._lib.ak_dequantize if acc.dtype == torch.int32 else self._lib.ak_rescale
        kernel(acc.data_ptr(), rows, cols, row_scale.data_ptr(), col_scale.data_ptr(),
               None if bias is None else bias.data_ptr(), out.data_ptr())


def _cache_dir() -> Path:
    if os.environ.get("AUDITKIT_CACHE"):
        return Path(os.environ["AUDITKIT_CACHE"])
    base = Path(os.environ["XDG_CACHE_HOME"]) if os.environ.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "auditkit"


def _cpu_features() -> str:
    """What -march=native compiles for: the CPU's feature flags where Linux lists them, else its name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                return line
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _build() -> Path:
    """The compiled library for this machine: from the cache, else built now (atomically: concurrent builds are safe)."""
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise RuntimeError("no C compiler (cc, gcc or $CC) on PATH")
    key = hashlib.sha256(b"\0".join([SOURCE.read_bytes(), " ".join(FLAGS).encode(), compiler.encode(),
                                     _cpu_features().encode(), platform.machine().encode()])).hexdigest()[:16]
    target = _cache_dir() / f"int8_kernels-{key}.so"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        done = subprocess.run([compiler, *FLAGS, str(SOURCE), "-o", str(partial)], capture_output=True, text=True,
                              timeout=_BUILD_SECONDS, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"{Path(compiler).name} could not build them: {last}")
        os.replace(partial, target)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"building them took over {_BUILD_SECONDS} s") from None
    finally:
        partial.unlink(missing_ok=True)
    return target


@functools.lru_cache(maxsize=None)
def _load() -> tuple[Int8Kernels | None, str]:
    if os.environ.get(SWITCH, "1").strip() == "0":
        return None, f"PyTorch ops ({SWITCH}=0)"
    import torch  # noqa: F401 - first, so the kernels' OpenMP is the runtime torch loaded: one thread pool, not two

    try:
        path = _build()
        return Int8Kernels(ctypes.CDLL(str(path)), path), f"fused C kernels ({path})"
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return None, f"PyTorch ops (no fused kernels: {exc})"


def native_int8_kernels() -> Int8Kernels | None:
    """The fused kernels, or None when they are off or cannot be built here (then :func:`int8_route` says why)."""
    return _load()[0]


def int8_route() -> str:
    """How int8 layers quantize and rescale on this machine, in words."""
    return _load()[1]
