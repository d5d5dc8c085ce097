"""Costs as data grows: audit (metrics, groups, store), report, compare and the dashboard's Model page.

    python bench/scale.py [--sizes 10000,100000,1000000] [--n-boot 1000] [--work DIR]

A tiny random BERT (tests/tiny_models.py) keeps the forward pass cheap, so what
is timed is everything after it. Each stage runs in its own process, so its
peak memory (max RSS) is its own. Prints seconds, seconds per row relative to
the smallest size (goal: at most 2x from 10^4 to 10^6) and peak MB, and checks
the issue's goals on the largest size: audit non-model stages <= 60 s and
<= 4 GB, compare of two runs <= 60 s, Model page render <= 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(n: int, path: Path) -> None:
    """n rows cycled from sample_data's test reviews (text, label, gender_mention)."""
    import numpy as np
    import pandas as pd

    base = pd.read_csv(ROOT / "sample_data" / "reviews_test.csv", dtype=str, keep_default_na=False)
    frame = base.iloc[np.arange(n) % len(base)].reset_index(drop=True)
    frame.to_parquet(path, index=False)


def distinct_texts_classifier(seed: int):
    """The tiny classifier, predicting each distinct text once (the data repeats 400 reviews).

    The forward pass is not what this benchmark measures; on a shared 2-core
    machine even a tiny model's tokenisation of 10^6 texts takes minutes.
    """
    import numpy as np
    from tiny_models import build_tiny_classifier

    from auditkit.models import Predictions

    clf = build_tiny_classifier(seed=seed)
    predict = clf.predict_proba

    def predict_distinct(texts, **kwargs):
        distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        out = predict(list(distinct), **kwargs)
        if out.n_truncated:
            raise SystemExit("the benchmark's texts should fit the tiny model; none may be truncated")
        return Predictions(out.probabilities[inverse], 0)

    clf.predict_proba = predict_distinct
    return clf


def child_audit(args) -> dict:
    from auditkit import load_dataset, run_audit, write_run
    from auditkit.audit import AuditOptions

    dataset = load_dataset(args.data, group_cols=["gender_mention"])
    clf = distinct_texts_classifier(args.seed)
    options = AuditOptions(n_boot=args.n_boot, probes=(), attributions=0, batch_size=256)
    result = run_audit(clf, dataset, options=options, log=lambda m: None, progress=False)
    start = time.perf_counter()
    write_run(args.run, result.record, result.tables, overwrite=True)
    store = time.perf_counter() - start
    timings = result.record["timings"]
    return {"predict": timings["predict"], "metrics": timings["metrics"], "store": round(store, 3),
            "seconds": round(timings["metrics"] + store, 3)}


def child_report(args) -> dict:
    from auditkit import render_report

    start = time.perf_counter()
    render_report(args.run)
    return {"seconds": round(time.perf_counter() - start, 3)}


def child_compare(args) -> dict:
    from auditkit import compare_runs

    start = time.perf_counter()
    cmp = compare_runs([args.run, args.run_b], n_boot=args.n_boot)
    assert cmp.pairs[0]["paired"], cmp.pairs[0]["note"]
    return {"seconds": round(time.perf_counter() - start, 3)}


def child_dashboard(args) -> dict:
    from streamlit.testing.v1 import AppTest

    os.environ["AUDITKIT_RUNS"] = str(Path(args.run).parent)
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300)
    at.session_state["ak_run"] = str(args.run)
    at.run()
    at.switch_page("app_pages/model.py")
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    rows_sent = max(len(df.value) for df in at.dataframe)
    at.number_input(key="ak_model_page").set_value(2)
    start = time.perf_counter()
    at.run()
    paging = time.perf_counter() - start
    assert not at.exception, [e.value for e in at.exception]
    return {"seconds": round(first, 3), "next_page": round(paging, 3), "rows_sent": rows_sent}


CHILDREN = {"audit": child_audit, "report": child_report, "compare": child_compare, "dashboard": child_dashboard}


def run_child(stage: str, **kwargs) -> dict:
    argv = [sys.executable, __file__, "--child", stage] + [f"--{k.replace('_', '-')}={v}" for k, v in kwargs.items()]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{stage} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--work", default=str(ROOT / "bench" / ".scale"))
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--data")
    parser.add_argument("--run")
    parser.add_argument("--run-b")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args)
        result["peak_mb"] = round(peak_mb())
        print(json.dumps(result))
        return 0

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        data = work / f"data-{n}.parquet"
        make_data(n, data)
        run_a, run_b = work / f"run-{n}-a", work / f"run-{n}-b"
        audit = run_child("audit", data=data, run=run_a, seed=0, n_boot=args.n_boot)
        run_child("audit", data=data, run=run_b, seed=1, n_boot=args.n_boot)
        stages = {"audit": audit,
                  "report": run_child("report", run=run_a),
                  "compare": run_child("compare", run=run_a, run_b=run_b, n_boot=args.n_boot),
                  "dashboard": run_child("dashboard", run=run_a)}
        for stage, result in stages.items():
            rows.append({"n": n, "stage": stage, **result})
            extra = {k: v for k, v in result.items() if k not in ("seconds", "peak_mb")}
            print(f"n={n:>9,} {stage:10s} {result['seconds']:8.2f} s  peak {result['peak_mb']:7,.0f} MB  {extra}", flush=True)
    print()
    print(f"{'stage':10s} {'s/row growth (largest vs smallest)':>36s}")
    sizes = sorted({r["n"] for r in rows})
    for stage in ("audit", "report", "compare", "dashboard"):
        small = next(r for r in rows if r["stage"] == stage and r["n"] == sizes[0])
        large = next(r for r in rows if r["stage"] == stage and r["n"] == sizes[-1])
        growth = (large["seconds"] / large["n"]) / max(small["seconds"] / small["n"], 1e-12)
        print(f"{stage:10s} {growth:36.2f}x  (goal <= 2x for a per-row cost; < 1 means fixed costs dominate)")
    big = {r["stage"]: r for r in rows if r["n"] == sizes[-1]}
    goals = [
        ("audit non-model stages <= 60 s", big["audit"]["seconds"] <= 60, f"{big['audit']['seconds']:.1f} s"),
        ("audit peak memory <= 4 GB", big["audit"]["peak_mb"] <= 4096, f"{big['audit']['peak_mb']:,.0f} MB (whole process, predict included)"),
        ("compare of two runs <= 60 s", big["compare"]["seconds"] <= 60, f"{big['compare']['seconds']:.1f} s"),
        ("Model page render <= 3 s", big["dashboard"]["seconds"] <= 3, f"{big['dashboard']['seconds']:.2f} s, {big['dashboard']['rows_sent']} rows sent"),
    ]
    print(f"\ngoals at n={sizes[-1]:,}:")
    for name, met, figure in goals:
        print(f"  {'met    ' if met else 'NOT met'}  {name}: {figure}")
    print(f"uptime: {os.popen('uptime').read().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
