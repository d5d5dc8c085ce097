"""Which route a classifier runs on this CPU: measured on the texts it is about to predict, cached per CPU.

Before a classifier first predicts, every route of the requested precision
that can run here, and every fp32 route, is built and timed on batches of a
sample of the texts it is about to predict (real texts, length-sorted and
padded as :meth:`TextClassifier.predict_proba` batches them; round robin,
median of rounds). For an int8 request each int8 route also predicts the
whole sample next to ``torch-fp32``: its label agreement with fp32 there
decides whether it may run at all (:data:`MIN_AGREEMENT`). The timings are
stored in the per-user cache (``~/.cache/auditkit/routes.json``;
``$AUDITKIT_CACHE`` moves it), keyed by the CPU, the thread count, the
model's shape, the routes and the library versions; agreements are stored
only for a model with a weights fingerprint, keyed by it and by the sample.
:func:`choose_route`, a pure function of those numbers and of the workload
(how many texts will be predicted), makes the choice.

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

__all__ = ["RouteTiming", "Agreement", "CalibrationSet", "RouteChoice", "choose_route", "resolved_route", "select_route",
           "cache_dir", "FORCE_VARIABLE", "MIN_AGREEMENT"]

FORCE_VARIABLE = "AUDITKIT_ROUTE"
#: int8 runs only where it was measured at least this much faster than fp32 (its labels are an approximation).
MIN_INT8_SPEEDUP = 1.05
#: An int8 route may run only where its labels equal fp32's on at least this share of the calibration texts.
MIN_AGREEMENT = 0.995
#: A route from a maintained library is preferred when it costs at most this much more than the cheapest.
MAINTAINED_MARGIN = 1.10
#: The workload weighed when the caller does not say how many texts it will predict.
WORKLOAD_TEXTS = 2000
#: Texts of the sample int8 agreement is measured on (and the timing batches drawn from).
CALIBRATION_TEXTS = 512
#: (texts, tokens) of the synthetic batches routes are timed on when no texts are at hand.
SHAPES = ((64, 24), (64, 64))
ROUNDS = 3
CACHE_FILE = "routes.json"
CACHE_VERSION = 2
_MAX_CACHE_BYTES = 1 << 20
_MAX_ENTRIES = 64

UNKNOWN_ROUTE = "unknown route {name!r} ({source}); choose one of {names}"
WRONG_PRECISION = "route {name} computes in {route_precision}; it cannot serve precision {precision} ({source})"


@dataclass(frozen=True)
class RouteTiming:
    """What calibration measured for one route: seconds per text, and seconds to build it (first call included)."""

    per_text: float
    build: float

    def cost(self, texts: int = WORKLOAD_TEXTS, *, built: bool = False) -> float:
        """Seconds to predict ``texts`` texts, the build included unless the route is ``built`` already."""
        return (0.0 if built else self.build) + texts * self.per_text


@dataclass(frozen=True)
class Agreement:
    """Label agreement with ``torch-fp32`` of each int8 route (route name -> share of texts), on ``texts`` texts
    described by ``described`` (e.g. "512 of the 1,821 texts to predict")."""

    rates: dict
    texts: int
    described: str


@dataclass(frozen=True)
class CalibrationSet:
    """Real texts to calibrate on, as model inputs.

    ``batches``: every text of the sample, batched as prediction batches them
    (agreement is measured on all of them); ``timing``: the batches routes
    are timed on; ``digest``: a hash of the sample's token ids (the agreement
    cache key); ``described``: the sample in words; ``multi_label``: labels
    are one sigmoid per class (agreement compares every label of a text).
    """

    batches: list
    timing: list
    texts: int
    digest: str
    described: str
    multi_label: bool = False


@dataclass(frozen=True)
class RouteChoice:
    """The route a classifier runs, the precision it computes in, and the one-line note saying why
    (an int8 route: the label agreement it was admitted on; an int8 request that runs fp32: the reason)."""

    route: str
    precision: str
    requested: str
    note: str | None = None
    measured: str = "measured"  # "measured", "cached" or "forced"


def _prefer_maintained(names: list[str], cost: dict[str, float]) -> str:
    """The cheapest of ``names``, unless a maintained route costs at most :data:`MAINTAINED_MARGIN` times that."""
    cheapest = min(names, key=cost.__getitem__)
    maintained = [n for n in names if ROUTES[n].maintained and cost[n] <= cost[cheapest] * MAINTAINED_MARGIN]
    return min(maintained, key=cost.__getitem__) if maintained else cheapest


def choose_route(requested: str, timings: dict[str, RouteTiming], *, workload: int = WORKLOAD_TEXTS,
                 agreement: Agreement | None = None, built=frozenset()) -> RouteChoice:
    """The route to run for ``requested`` precision, from measured ``timings`` (route name -> timing).

    Each route's cost is its time over ``workload`` texts plus its build
    (first-call) time, unless it is in ``built`` (already built: that cost
    is paid). For fp32 the cheapest fp32 route runs. For int8, a route is
    eligible only where ``agreement`` shows its labels equal fp32's on at
    least :data:`MIN_AGREEMENT` of the calibration texts and it costs
    :data:`MIN_INT8_SPEEDUP` times less than the cheapest fp32 route; among
    the eligible, the cheapest runs, unless a maintained library's route
    (OpenVINO + NNCF rather than auditkit's own int8 code) costs at most
    :data:`MAINTAINED_MARGIN` times as much. The note says which agreement
    admitted the route, or why none was and fp32 runs.
    """
    cost = {name: t.cost(workload, built=name in built) for name, t in timings.items() if name in ROUTES}
    fp32 = [n for n in cost if ROUTES[n].precision == "fp32"]
    asked = [n for n in cost if ROUTES[n].precision == requested]
    if not asked:
        raise ModelError(f"no route computes precision {requested} here", parameter="precision")
    if requested == "fp32" or not fp32:
        return RouteChoice(_prefer_maintained(asked, cost), requested, requested)
    base = min(fp32, key=cost.__getitem__)
    rates = agreement.rates if agreement is not None else {}
    on = f"{agreement.described}" if agreement is not None else "no texts (none were given to measure on)"
    bar = f"{MIN_AGREEMENT:.1%}"
    kept = [n for n in asked if rates.get(n, -1.0) >= MIN_AGREEMENT]
    shown = ", ".join(f"{n} {rates[n]:.2%}" if n in rates else f"{n} not measured" for n in sorted(asked))
    if not kept:
        return RouteChoice(_prefer_maintained(fp32, cost), "fp32", requested,
                           note=f"{requested} requested, but no {requested} route kept fp32's labels on at least {bar} of "
                                f"{on} ({shown}): running fp32 ({_prefer_maintained(fp32, cost)})")
    fast = [n for n in kept if cost[base] / cost[n] >= MIN_INT8_SPEEDUP]
    if not fast:
        best = min(kept, key=cost.__getitem__)
        return RouteChoice(_prefer_maintained(fp32, cost), "fp32", requested,
                           note=f"{requested} requested, but on this CPU its fastest route that keeps the labels ({best}) "
                                f"measured {cost[base] / cost[best]:.2f}x the speed of fp32 ({base}) over {workload:,} texts: "
                                f"running fp32")
    chosen = _prefer_maintained(fast, cost)
    note = f"{chosen}: labels agree with fp32 on {rates[chosen]:.2%} of {on} (at least {bar} needed)"
    refused = [n for n in asked if n not in kept]
    if refused:
        note += "; not " + ", ".join(f"{n} ({rates[n]:.2%})" if n in rates else f"{n} (not measured)" for n in sorted(refused))
    cheapest = min(fast, key=cost.__getitem__)
    if chosen != cheapest:
        note += (f"; preferred, as a maintained library's route, to {cheapest} "
                 f"({cost[chosen] / cost[cheapest] - 1:.0%} slower over {workload:,} texts)")
    return RouteChoice(chosen, requested, requested, note=note)


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


def candidates_for(precision: str) -> list[str]:
    """The routes a request for ``precision`` chooses between here: those of that precision, and every fp32 route."""
    return [r.name for r in routes_for(precision)] + ([r.name for r in routes_for("fp32")] if precision != "fp32" else [])


def resolved_route(model, precision: str, example, *, route: str | None = None):
    """``(RouteChoice, forward)`` when nothing needs measuring (a forced route, or a single candidate), else None."""
    name = forced_route(precision, route)
    if name is not None:
        return RouteChoice(name, precision, precision, measured="forced"), ROUTES[name].build(model, example(2, 8))
    candidates = candidates_for(precision)
    if len(candidates) == 1:  # nothing to choose between (fp32 without OpenVINO): no measurement
        return RouteChoice(candidates[0], precision, precision), ROUTES[candidates[0]].build(model, example(2, 8))
    return None


def select_route(model, precision: str, example, *, calibration: CalibrationSet | None = None,
                 workload: int = WORKLOAD_TEXTS, fingerprint: str = "", route: str | None = None):
    """``(RouteChoice, forward)`` for ``model`` at ``precision`` on this CPU, for predicting ``workload`` texts.

    ``example(texts, tokens)`` makes a batch of model inputs (to build
    routes; and to time them on when no ``calibration`` texts are given).
    Timings come from the cache or are measured on ``calibration.timing``;
    for int8, label agreement comes from the cache (``fingerprint`` and the
    sample's digest match) or is measured on every ``calibration`` text.
    The forward of the chosen route is reused when it was built here.
    """
    resolved = resolved_route(model, precision, example, route=route)
    if resolved is not None:
        return resolved
    candidates = candidates_for(precision)
    key = cache_key(model, candidates)
    timings = read_timings(key, candidates)
    forwards: dict = {}
    measured = "cached"
    if timings is None:
        timings, forwards = measure_routes(model, candidates, example, calibration.timing if calibration else None)
        write_timings(key, timings)
        measured = "measured"
    agreement = None
    if precision != "fp32" and calibration is not None:
        int8 = [n for n in candidates if ROUTES[n].precision == precision]
        agreement_key = hashlib.sha256(f"{key}/{fingerprint}/{calibration.digest}".encode()).hexdigest() if fingerprint else None
        agreement = read_agreement(agreement_key, int8, calibration) if agreement_key else None
        if agreement is None:
            agreement = measure_agreement(model, int8, example, calibration, forwards)
            measured = "measured"
            if agreement_key:
                write_agreement(agreement_key, agreement)
    choice = choose_route(precision, timings, workload=workload, agreement=agreement, built=frozenset(forwards))
    choice = RouteChoice(choice.route, choice.precision, choice.requested, choice.note, measured)
    forward = forwards.get(choice.route) or ROUTES[choice.route].build(model, example(2, 8))
    return choice, forward


def measure_routes(model, names, example, batches=None, *, clock=time.perf_counter):
    """Build each route and time it on ``batches`` (default: synthetic :data:`SHAPES`), round robin:
    ``({name: RouteTiming}, {name: forward})``."""
    import torch

    batches = batches or [example(texts, tokens) for texts, tokens in SHAPES]
    texts = sum(len(batch["input_ids"]) for batch in batches)
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


def measure_agreement(model, names, example, calibration: CalibrationSet, forwards: dict) -> Agreement:
    """Label agreement of each route in ``names`` with ``torch-fp32`` on every calibration text (routes not in
    ``forwards`` are built and added to it)."""
    import torch

    def labels(forward):
        with torch.inference_mode():
            rows = [forward(batch).float() for batch in calibration.batches]
        return [(r > 0) if calibration.multi_label else r.argmax(dim=-1, keepdim=True) for r in rows]

    for name in ["torch-fp32", *names]:
        if name not in forwards:
            forwards[name] = ROUTES[name].build(model, example(2, 8))
    reference = labels(forwards["torch-fp32"])
    rates = {}
    for name in names:
        same = sum(int((a == b).all(dim=-1).sum()) for a, b in zip(labels(forwards[name]), reference))
        rates[name] = same / calibration.texts
    return Agreement(rates, calibration.texts, calibration.described)


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


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_timings(key: str, names) -> dict[str, RouteTiming] | None:
    """The timings stored under ``key`` for exactly ``names``, or None (absent, unsafe or not valid)."""
    entry = _read_sections()["entries"].get(key)
    if not isinstance(entry, dict) or set(entry) != set(names):
        return None
    timings = {}
    for name, value in entry.items():
        if not (isinstance(value, dict) and set(value) == {"per_text", "build"}):
            return None
        per_text, build = value["per_text"], value["build"]
        if not (_number(per_text) and _number(build)) or per_text <= 0 or build < 0:
            return None
        timings[name] = RouteTiming(float(per_text), float(build))
    return timings


def read_agreement(key: str, names, calibration: CalibrationSet) -> Agreement | None:
    """The agreement stored under ``key`` for exactly ``names`` on as many texts as ``calibration`` holds, or None."""
    entry = _read_sections()["agreement"].get(key)
    if not (isinstance(entry, dict) and set(entry) == {"texts", "rates"} and entry["texts"] == calibration.texts):
        return None
    rates = entry["rates"]
    if not (isinstance(rates, dict) and set(rates) == set(names)
            and all(_number(v) and 0 <= v <= 1 for v in rates.values())):
        return None
    return Agreement({n: float(v) for n, v in rates.items()}, calibration.texts, calibration.described)


def _read_sections() -> dict:
    """The cache file's sections (``entries``: timings; ``agreement``), each {} when absent, unsafe or not valid."""
    empty = {"entries": {}, "agreement": {}}
    folder = _safe_cache_dir(create=False)
    if folder is None:
        return empty
    path = folder / CACHE_FILE
    if not os.path.lexists(path) or unsafe_reason(path, folder=False) is not None:
        return empty
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(_MAX_CACHE_BYTES + 1)
        data = json.loads(raw) if len(raw) <= _MAX_CACHE_BYTES else None
    except (OSError, ValueError):
        return empty
    if not (isinstance(data, dict) and data.get("version") == CACHE_VERSION):
        return empty
    return {name: data[name] if isinstance(data.get(name), dict) else {} for name in empty}


def write_timings(key: str, timings: dict[str, RouteTiming]) -> None:
    """Store ``timings`` under ``key`` (atomically; nothing is written where the cache folder is not safe)."""
    _write("entries", key, {name: {"per_text": t.per_text, "build": t.build} for name, t in timings.items()})


def write_agreement(key: str, agreement: Agreement) -> None:
    """Store ``agreement`` under ``key`` (as :func:`write_timings` stores timings)."""
    _write("agreement", key, {"texts": agreement.texts, "rates": dict(agreement.rates)})


def _write(section: str, key: str, value: dict) -> None:
    folder = _safe_cache_dir(create=True)
    if folder is None:
        return
    sections = _read_sections()
    entries = {k: v for k, v in sections[section].items() if k != key}
    entries = dict(list(entries.items())[-(_MAX_ENTRIES - 1):])
    entries[key] = value
    sections[section] = entries
    try:
        fd, partial = tempfile.mkstemp(dir=folder, prefix=f".{CACHE_FILE}.")  # created 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump({"version": CACHE_VERSION, **sections}, handle)
        os.replace(partial, folder / CACHE_FILE)
    except OSError:
        Path(partial).unlink(missing_ok=True)
