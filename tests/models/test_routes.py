"""CPU routes: each can be forced, the choice follows measured timings, and the timing cache is data that is checked."""

import json
import os
import shutil
import stat
import sys

import numpy as np
import pytest
import torch

from auditkit.errors import ModelError
from auditkit.models import TextClassifier
from auditkit.models import _calibration as calibration
from auditkit.models._calibration import RouteTiming, choose_route
from auditkit.models._routes import OPENVINO_MISSING, ROUTES, routes_for
from tiny_models import build_tiny_classifier

TEXTS = ["a gorgeous, witty film", "my sister hated every minute", "the food was fine", "awful, never again"] * 8


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, private cache folder for the route timings."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUDITKIT_CACHE", str(folder))
    monkeypatch.delenv(calibration.FORCE_VARIABLE, raising=False)
    return folder


def _timings(**per_text):
    return {name.replace("_", "-"): RouteTiming(per_text=t, build=0.0) for name, t in per_text.items()}


def test_int8_runs_where_it_measured_faster_than_fp32():
    choice = choose_route("int8", _timings(torch_fp32=2e-3, torch_int8=1e-3))
    assert (choice.route, choice.precision, choice.note) == ("torch-int8", "int8", None)


def test_int8_that_measured_slower_than_fp32_runs_fp32_and_says_so_in_one_line():
    choice = choose_route("int8", _timings(torch_fp32=1e-3, openvino_fp32=0.8e-3, torch_int8=2e-3, openvino_int8=0.9e-3))
    assert (choice.route, choice.precision, choice.requested) == ("openvino-fp32", "fp32", "int8")
    assert choice.note == ("int8 requested, but on this CPU its fastest route (openvino-int8) measured 0.89x the speed of "
                           "fp32 (openvino-fp32): running fp32")
    assert "\n" not in choice.note


def test_int8_needs_a_margin_over_fp32_and_first_call_cost_counts():
    assert choose_route("int8", _timings(torch_fp32=1e-3, torch_int8=0.98e-3)).precision == "fp32"  # 2 %: not worth it
    timings = {"torch-fp32": RouteTiming(1e-3, 0.0), "torch-int8": RouteTiming(0.5e-3, 0.1),
               "openvino-int8": RouteTiming(0.45e-3, 30.0)}  # a little faster per text, but 30 s to build
    assert choose_route("int8", timings).route == "torch-int8"
    assert choose_route("int8", timings, workload=10_000_000).route == "openvino-int8"


def test_fp32_takes_the_fastest_fp32_route():
    assert choose_route("fp32", _timings(torch_fp32=1e-3, openvino_fp32=0.7e-3, torch_int8=0.1e-3)).route == "openvino-fp32"
    assert choose_route("fp32", _timings(torch_fp32=1e-3, openvino_fp32=1.2e-3)).route == "torch-fp32"


@pytest.mark.parametrize("name", list(ROUTES))
def test_each_route_can_be_forced_and_keeps_the_labels(name, cache):
    route = ROUTES[name]
    if route.missing():
        pytest.skip(route.missing())
    clf = build_tiny_classifier()
    fp32 = clf.predict_proba(TEXTS).probabilities
    stored = (cache / calibration.CACHE_FILE).read_bytes() if (cache / calibration.CACHE_FILE).exists() else None
    forced = TextClassifier(clf.model, clf.tokenizer, precision=route.precision, route=name)
    assert (forced.route, forced.precision, forced.route_note) == (name, route.precision, None)
    probabilities = forced.predict_proba(TEXTS).probabilities
    assert np.abs(probabilities - fp32).max() < (1e-4 if route.precision == "fp32" else 0.02)
    now = (cache / calibration.CACHE_FILE).read_bytes() if (cache / calibration.CACHE_FILE).exists() else None
    assert now == stored  # forced: nothing measured


@pytest.mark.parametrize("name", [n for n in ROUTES if n != "torch-fp32"])
def test_a_route_follows_weights_changed_after_it_was_built(name, cache):
    # fine-tuning or editing a layer after the classifier was built must not leave its route on the old weights
    route = ROUTES[name]
    if route.missing():
        pytest.skip(route.missing())
    clf = build_tiny_classifier()
    forced = TextClassifier(clf.model, clf.tokenizer, precision=route.precision, route=name)
    before = forced.predict_proba(TEXTS).probabilities
    with torch.no_grad():
        clf.model.classifier.weight.data.zero_()
        clf.model.classifier.bias.data.copy_(torch.tensor([2.0, -2.0]))
    after = forced.predict_proba(TEXTS).probabilities
    assert np.allclose(after[:, 0], 1 / (1 + np.exp(-4.0)), atol=1e-3), after[:3]
    assert not np.allclose(before, after)


def test_the_environment_forces_a_route_and_bad_names_are_refused(cache, monkeypatch):
    clf = build_tiny_classifier()
    monkeypatch.setenv(calibration.FORCE_VARIABLE, "torch-int8")
    assert TextClassifier(clf.model, clf.tokenizer, precision="int8").route == "torch-int8"
    with pytest.raises(ModelError, match=r"^route torch-int8 computes in int8; it cannot serve precision fp32 \(AUDITKIT_ROUTE\)$"):
        TextClassifier(clf.model, clf.tokenizer, precision="fp32")
    monkeypatch.setenv(calibration.FORCE_VARIABLE, "int4-magic")
    with pytest.raises(ModelError, match=r"^unknown route 'int4-magic' \(AUDITKIT_ROUTE\); choose one of torch-fp32, "):
        TextClassifier(clf.model, clf.tokenizer, precision="int8")


def test_a_missing_library_is_one_line_and_its_routes_are_not_candidates(cache, monkeypatch):
    from auditkit.models import _routes

    monkeypatch.setitem(sys.modules, "openvino", None)
    _routes._openvino.cache_clear()
    try:
        assert ROUTES["openvino-int8"].missing() == OPENVINO_MISSING.format(name="openvino-fp32 / openvino-int8")
        assert [r.name for r in routes_for("int8")] == ["torch-int8"]
        clf = build_tiny_classifier()
        with pytest.raises(ModelError, match=r"^route openvino-fp32 / openvino-int8 needs OpenVINO: pip install 'auditkit\[openvino\]'$"):
            TextClassifier(clf.model, clf.tokenizer, precision="int8", route="openvino-int8")
    finally:
        _routes._openvino.cache_clear()


def _count_measurements(monkeypatch, per_text):
    """Replace the timing of routes by injected timings; returns the list of calls."""
    calls = []

    def measure(model, names, example, **_):
        if any(ROUTES[n].precision == "int8" for n in names):  # the measurements int8 requests make
            calls.append(sorted(names))
        timings = {n: RouteTiming(per_text.get(n, 1e-3), 0.0) for n in names}
        return timings, {}

    monkeypatch.setattr(calibration, "measure_routes", measure)
    return calls


def test_the_choice_is_measured_once_per_cpu_and_model_shape_then_read_from_the_cache(cache, monkeypatch):
    calls = _count_measurements(monkeypatch, {"torch-fp32": 1e-3, "torch-int8": 3e-3, "openvino-int8": 4e-3})
    clf = build_tiny_classifier()
    first = TextClassifier(clf.model, clf.tokenizer, precision="int8")
    assert (first.precision, first.requested_precision, first.route) == ("fp32", "int8", "torch-fp32")
    assert first.route_note.startswith("int8 requested, but on this CPU its fastest route (torch-int8) measured 0.33x")
    assert np.allclose(first.predict_proba(TEXTS).probabilities, clf.predict_proba(TEXTS).probabilities, atol=1e-5)
    second = TextClassifier(clf.model, clf.tokenizer, precision="int8")
    assert len(calls) == 1 and second.route == "torch-fp32"  # read back, not measured again
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(cache / calibration.CACHE_FILE).st_mode) == 0o600
    TextClassifier(build_tiny_classifier(hidden=48).model, clf.tokenizer, precision="int8")  # another shape: measured
    assert len(calls) == 2


def _planted(cache, entries):
    cache.mkdir(mode=0o700, exist_ok=True)
    (cache / calibration.CACHE_FILE).write_text(json.dumps({"version": calibration.CACHE_VERSION, "entries": entries}))


def _key(clf):
    names = [r.name for r in routes_for("int8")] + [r.name for r in routes_for("fp32")]
    return calibration.cache_key(clf.model, names), names


@pytest.mark.parametrize("bad", [
    {"torch-int8": {"per_text": -1.0, "build": 0.0}},  # negative time
    {"torch-int8": {"per_text": "fast", "build": 0.0}},  # not a number
    {"torch-int8": {"per_text": 1e-3, "build": 0.0, "code": "import os"}},  # a key nobody writes
    {"torch-int8": {"per_text": float("nan"), "build": 0.0}},
])
def test_cache_entries_that_do_not_validate_are_measured_again(cache, monkeypatch, bad):
    calls = _count_measurements(monkeypatch, {"torch-fp32": 1e-3, "torch-int8": 0.5e-3, "openvino-int8": 2e-3})
    clf = build_tiny_classifier()
    key, names = _key(clf)
    entry = {n: {"per_text": 1e-3, "build": 0.0} for n in names} | bad
    _planted(cache, {key: entry})
    assert TextClassifier(clf.model, clf.tokenizer, precision="int8").route == "torch-int8"
    assert len(calls) == 1


def test_a_valid_planted_entry_is_only_timings_the_choice_is_still_made_here(cache, monkeypatch):
    calls = _count_measurements(monkeypatch, {})
    clf = build_tiny_classifier()
    key, names = _key(clf)
    _planted(cache, {key: {n: {"per_text": 1e-3 if n != "torch-int8" else 1e-4, "build": 0.0} for n in names}})
    chosen = TextClassifier(clf.model, clf.tokenizer, precision="int8")
    assert chosen.route == "torch-int8" and calls == []  # read, and chosen by the same rule


@pytest.mark.parametrize("how", ["symlinked file", "symlinked folder", "group-writable folder", "world-writable file",
                                 "another user's file"])
def test_an_unsafe_cache_is_neither_read_nor_written(cache, monkeypatch, tmp_path, how):
    calls = _count_measurements(monkeypatch, {"torch-fp32": 1e-3, "torch-int8": 0.5e-3, "openvino-int8": 2e-3})
    clf = build_tiny_classifier()
    key, names = _key(clf)
    planted = {key: {n: {"per_text": 1e-3 if n != "torch-fp32" else 1e-5, "build": 0.0} for n in names}}  # says: fp32
    elsewhere = tmp_path / "elsewhere"
    shutil.rmtree(cache)  # what building the fp32 classifier stored: the plant starts from nothing
    if how == "symlinked file":
        _planted(elsewhere, planted)
        cache.mkdir(mode=0o700)
        (cache / calibration.CACHE_FILE).symlink_to(elsewhere / calibration.CACHE_FILE)
    elif how == "symlinked folder":
        _planted(elsewhere, planted)
        cache.symlink_to(elsewhere)
    elif how == "group-writable folder":
        _planted(cache, planted)
        cache.chmod(0o770)
    elif how == "world-writable file":
        _planted(cache, planted)
        (cache / calibration.CACHE_FILE).chmod(0o666)
    else:
        if os.geteuid() != 0:
            pytest.skip("giving a file to another user needs root")
        _planted(cache, planted)
        os.chown(cache / calibration.CACHE_FILE, 12345, 12345)
    before = (elsewhere if how.startswith("symlinked") else cache).joinpath(calibration.CACHE_FILE).read_bytes()
    assert TextClassifier(clf.model, clf.tokenizer, precision="int8").route == "torch-int8"  # measured, not the plant
    assert len(calls) == 1
    after = (elsewhere if how.startswith("symlinked") else cache).joinpath(calibration.CACHE_FILE).read_bytes()
    if how != "world-writable file" and how != "another user's file":
        assert after == before  # nothing written through a symlink or into an unsafe folder


def test_int8_layers_refuse_gradients():
    from auditkit.models._precision import quantize_int8

    layer = quantize_int8(torch.nn.Sequential(torch.nn.Linear(8, 4)), layers={"0"})[0]
    x = torch.randn(3, 8, requires_grad=True)
    with pytest.raises(ModelError, match="^int8 layers have no gradients"):
        layer(x)
