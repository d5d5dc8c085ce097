"""Which route a classifier runs on this CPU: measured once on the model's own shapes, cached per CPU.

At the first use of a model shape on a machine, every route of the requested
precision that can run here, and every fp32 route, is built and timed on a
few batches of synthetic token ids of the model's own vocabulary and width
(round robin, median of rounds). The timings are stored in the per-user
cache (``~/.cache/auditkit/routes.json``; ``$AUDITKIT_CACHE`` moves it),
keyed by the CPU, the thread count, the model's shape, the routes and the
library versions; later loads read them and choose again with
:func:`choose_route`, which is a pure function of the timings.

The cache holds data, never code, and is still read only from a folder this
user owns that no one else can write, through no symlink; anything in it
that does not validate is ignored and measured again. ``AUDITKIT_ROUTE``
(or ``route=``) forces a route and skips the measurement.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from auditkit.errors import ModelError
from auditkit.models._routes import ROUTES, routes_for

__all__ = ["RouteTiming", "RouteChoice", "choose_route", "select_route", "cache_dir", "FORCE_VARIABLE"]

FORCE_VARIABLE = "AUDITKIT_ROUTE"
#: int8 runs only where it was measured at least this much faster than fp32 (its labels are an approximation).
MIN_INT8_SPEEDUP = 1.05
#: The texts a route's first-call cost is weighed against: about what an audit predicts first.
WORKLOAD_TEXTS = 2000
#: (texts, tokens) of the synthetic batches each route is timed on.
SHAPES = ((64, 24), (64, 64))
ROUNDS = 3
CACHE_FILE = "routes.json"
CACHE_VERSION = 1
_MAX_CACHE_BYTES = 1 << 20
_MAX_ENTRIES = 64

UNKNOWN_ROUTE = "unknown route {name!r} ({source}); choose one of {names}"
WRONG_PRECISION = "route {name} computes in {route_precision}; it cannot serve precision {precision} ({source})"


@dataclass(frozen=True)
class RouteTiming:
    """What calibration measured for one route: seconds per text, and seconds to build it (first call included)."""

    per_text: float
    build: float

    def cost(self, texts: int = WORKLOAD_TEXTS) -> float:
        return self.build + texts * self.per_text


@dataclass(frozen=True)
class RouteChoice:
    """The route a classifier runs, the precision it computes in, and the one-line note when that is not what was asked."""

    route: str
    precision: str
    requested: str
    note: str | None = None
    measured: str = "measured"  # "measured", "cached" or "forced"


def choose_route(requested: str, timings: dict[str, RouteTiming], *, workload: int = WORKLOAD_TEXTS) -> RouteChoice:
    """The route to run for ``requested`` precision, from measured ``timings`` (route name -> timing).

    The fastest route of the requested precision over ``workload`` texts
    (first-call cost included); for int8, only where it beats the fastest
    fp32 route by :data:`MIN_INT8_SPEEDUP`, else the fastest fp32 route runs
    and the note says why.
    """
    cost = {name: t.cost(workload) for name, t in timings.items() if name in ROUTES}
    fp32 = sorted((n for n in cost if ROUTES[n].precision == "fp32"), key=cost.__getitem__)
    asked = sorted((n for n in cost if ROUTES[n].precision == requested), key=cost.__getitem__)
    if not asked:
        raise ModelError(f"no route computes precision {requested} here", parameter="precision")
    if requested == "fp32" or not fp32:
        return RouteChoice(asked[0], requested, requested)
    speedup = cost[fp32[0]] / cost[asked[0]]
    if speedup >= MIN_INT8_SPEEDUP:
        return RouteChoice(asked[0], requested, requested)
    return RouteChoice(fp32[0], "fp32", requested,
                       note=f"{requested} requested, but on this CPU its fastest route ({asked[0]}) measured {speedup:.2f}x "
                            f"the speed of fp32 ({fp32[0]}): running fp32")


def forced_route(precision: str, route: str | None) -> str | None:
    """The route forced by ``route=`` or ``$AUDITKIT_ROUTE`` (checked), or None."""
    source = "route" if route else FORCE_VARIABLE
    name = route or os.environ.get(FORCE_VARIABLE, "").strip() or None
    if name is None:
        return None
    if name not in ROUTES:
        raise ModelError(UNKNOWN_ROUTE.format(name=name, source=source, names=", ".join(ROUTES)), parameter="route")
    if ROUTES[name].precision != precision:
        raise ModelError(WRONG_PRECISION.format(name=name, route_precision=ROUTES[name].precision, precision=precision,
                                                source=source), parameter="precision")
    missing = ROUTES[name].missing()
    if missing:
        raise ModelError(missing, parameter="route")
    return name


def select_route(model, precision: str, example, *, route: str | None = None):
    """``(RouteChoice, forward)`` for ``model`` at ``precision`` on this CPU.

    ``example(texts, tokens)`` makes a batch of model inputs. The forward
    of the chosen route is built once (reused from the calibration when it
    measured now).
    """
    name = forced_route(precision, route)
    if name is not None:
        return RouteChoice(name, precision, precision, measured="forced"), ROUTES[name].build(model, example(2, 8))
    candidates = [r.name for r in routes_for(precision)] + ([r.name for r in routes_for("fp32")] if precision != "fp32" else [])
    if len(candidates) == 1:  # nothing to choose between (fp32 without OpenVINO): no measurement
        return RouteChoice(candidates[0], precision, precision), ROUTES[candidates[0]].build(model, example(2, 8))
    key = cache_key(model, candidates)
    timings = read_timings(key, candidates)
    forwards = {}
    measured = "cached"
    if timings is None:
        timings, forwards = measure_routes(model, candidates, example)
        write_timings(key, timings)
        measured = "measured"
    choice = choose_route(precision, timings)
    choice = RouteChoice(choice.route, choice.precision, choice.requested, choice.note, measured)
    forward = forwards.get(choice.route) or ROUTES[choice.route].build(model, example(2, 8))
    return choice, forward


def measure_routes(model, names, example, *, clock=time.perf_counter):
    """Build each route and time it on :data:`SHAPES`, round robin: ``({name: RouteTiming}, {name: forward})``."""
    import torch

    batches = [example(texts, tokens) for texts, tokens in SHAPES]
    texts = sum(texts for texts, _ in SHAPES)
    forwards, build = {}, {}
    with torch.inference_mode():
        for name in names:
            start = clock()
            forwards[name] = ROUTES[name].build(model, example(2, 8))
            for batch in batches:  # the first call of each shape: one-time work (kernel selection, caches)
                forwards[name](batch)
            build[name] = clock() - start
        rounds = {name: [] for name in names}
        for _ in range(ROUNDS):
            for name in names:
                start = clock()
                for batch in batches:
                    forwards[name](batch)
                rounds[name].append((clock() - start) / texts)
    timings = {name: RouteTiming(per_text=sorted(rounds[name])[len(rounds[name]) // 2], build=build[name]) for name in names}
    return timings, forwards


# --------------------------------------------------------------------------- the cache


def cache_dir() -> Path:
    """This user's auditkit cache folder: ``$AUDITKIT_CACHE``, else ``$XDG_CACHE_HOME/auditkit``, else ``~/.cache/auditkit``."""
    if os.environ.get("AUDITKIT_CACHE"):
        return Path(os.environ["AUDITKIT_CACHE"])
    base = Path(os.environ["XDG_CACHE_HOME"]) if os.environ.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "auditkit"


def unsafe_reason(path: Path, *, folder: bool) -> str | None:
    """Why auditkit must not trust ``path`` (a symlink, not this user's, writable by others), or None."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink"
    if folder != stat.S_ISDIR(info.st_mode) or (not folder and not stat.S_ISREG(info.st_mode)):
        return "is not a folder" if folder else "is not a regular file"
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return "belongs to another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by other users"
    return None


def _safe_cache_dir(create: bool) -> Path | None:
    folder = cache_dir()
    if create and not os.path.lexists(folder):
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700)
        except OSError:
            return None
    return folder if unsafe_reason(folder, folder=True) is None else None


def cache_key(model, names) -> str:
    """The cache key: this CPU and thread count, the model's shape, the candidate routes and the library versions."""
    import torch

    config = model.config
    shape = {k: getattr(config, k, None) for k in ("model_type", "hidden_size", "num_hidden_layers", "intermediate_size",
                                                    "num_attention_heads", "vocab_size", "num_labels")}
    versions = {"torch": torch.__version__}
    if any(n.startswith("openvino") for n in names):
        from auditkit.models._routes import _openvino

        ov, nncf = _openvino()
        versions.update(openvino=ov.__version__, nncf=nncf.__version__)
    identity = {"cpu": _cpu_identity(), "threads": torch.get_num_threads(), "shape": shape, "routes": sorted(names),
                "versions": versions, "version": CACHE_VERSION}
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()


def _cpu_identity() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return "\n".join(sorted({line for line in lines if line.startswith(("model name", "flags", "Features"))}))
    except OSError:
        return f"{platform.processor()} {platform.machine()}"


def read_timings(key: str, names) -> dict[str, RouteTiming] | None:
    """The timings stored under ``key`` for exactly ``names``, or None (absent, unsafe or not valid)."""
    entries = _read_entries()
    entry = entries.get(key)
    if not isinstance(entry, dict) or set(entry) != set(names):
        return None
    timings = {}
    for name, value in entry.items():
        if not (isinstance(value, dict) and set(value) == {"per_text", "build"}):
            return None
        per_text, build = value["per_text"], value["build"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (per_text, build)):
            return None
        if per_text <= 0 or build < 0:
            return None
        timings[name] = RouteTiming(float(per_text), float(build))
    return timings


def _read_entries() -> dict:
    folder = _safe_cache_dir(create=False)
    if folder is None:
        return {}
    path = folder / CACHE_FILE
    if not os.path.lexists(path) or unsafe_reason(path, folder=False) is not None:
        return {}
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        data = json.loads(raw) if len(raw) <= _MAX_CACHE_BYTES else None
    except (OSError, ValueError):
        return {}
    if not (isinstance(data, dict) and data.get("version") == CACHE_VERSION and isinstance(data.get("entries"), dict)):
        return {}
    return data["entries"]


def write_timings(key: str, timings: dict[str, RouteTiming]) -> None:
    """Store ``timings`` under ``key`` (atomically; nothing is written where the cache folder is not safe)."""
    folder = _safe_cache_dir(create=True)
    if folder is None:
        return
    entries = {k: v for k, v in _read_entries().items() if k != key}
    entries = dict(list(entries.items())[-(_MAX_ENTRIES - 1):])
    entries[key] = {name: {"per_text": t.per_text, "build": t.build} for name, t in timings.items()}
    try:
        fd, partial = tempfile.mkstemp(dir=folder, prefix=f".{CACHE_FILE}.")  # created 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": CACHE_VERSION, "entries": entries}, handle)
        os.replace(partial, folder / CACHE_FILE)
    except OSError:
        Path(partial).unlink(missing_ok=True)
