"""Probe suite cost: sentences and seconds per attribute, the default suite and --probes all.

    python bench/probes.py [MODEL_DIR] [--threads N] [--texts CSV] [--limit N] [--attributes all]

MODEL_DIR defaults to models/baseline when it exists, else the MiniLM backbone
with a fresh two-class head (same architecture and speed as a fine-tuned
MiniLM; the gaps are then meaningless). ``--texts`` adds the
dataset-counterfactual family on the first ``--limit`` texts of a CSV (column
``text`` or ``sentence``).

Prints, per attribute: its distinct sentences, those no earlier attribute
already scored (each distinct sentence is scored once per run), and the
seconds of scoring them; then the whole run of the default suite
(``gender,race``) and of ``--probes all``, end to end (scoring + statistics),
each in one ``run_probes`` call as an audit makes it. Targets on this
project's 2-core machine: default <= 20 s, all <= 60 s of probe time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"default": 20.0, "all": 60.0}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None, help="fine-tuned model directory")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--texts", default=None, help="CSV of evaluation texts for dataset counterfactuals")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--device", default="cpu", help="default cpu: the targets are stated for 2 CPU cores")
    parser.add_argument("--n-boot", type=int, default=2000, help="probe interval resamples (the audit's default)")
    args = parser.parse_args(argv)

    import torch

    import auditkit
    from auditkit.probes import run_probes
    from auditkit.probes._packs import DEFAULT_ATTRIBUTES, resolve_lexicons
    from auditkit.probes._suite import _probe_table

    if args.threads:
        torch.set_num_threads(args.threads)
    model = args.model
    if model is None and (ROOT / "models" / "baseline").exists():
        model = str(ROOT / "models" / "baseline")
    if model is None:
        clf = auditkit.load_classifier("minilm", num_labels=2, id2label={0: "negative", 1: "positive"}, device=args.device)
        model = "minilm (fresh head)"
    else:
        clf = auditkit.load_classifier(model, device=args.device)
    texts = None
    if args.texts:
        import pandas as pd

        frame = pd.read_csv(args.texts)
        col = "text" if "text" in frame.columns else "sentence"
        texts = frame[col].astype(str).tolist()[: args.limit]
    clf.predict_proba(["warm up"] * 4)
    where = f"{torch.get_num_threads()} torch threads on {_cpu_name()}" if str(args.device) == "cpu" else f"device {args.device}"
    print(f"model: {model}; {where}; load average {os.getloadavg()[0]:.1f}")

    # per attribute, in the order --probes all runs them: new sentences and the seconds to score them
    every = resolve_lexicons(None)
    seen: set[str] = set()
    print(f"\n{'attribute':<20} {'groups':>6} {'sentences':>9} {'new':>6} {'score s':>8} {'sent/s':>7}")
    for name in every:
        sentences = list(dict.fromkeys(_probe_table({name: every[name]}, None, texts, {})["text"]))
        new = [t for t in sentences if t not in seen]
        seen.update(new)
        t0 = time.perf_counter()
        if new:
            clf.predict_proba(new, progress=False)
        s = time.perf_counter() - t0
        rate = f"{len(new) / s:7.0f}" if new else "      -"
        print(f"{name:<20} {len(every[name].groups):>6} {len(sentences):>9} {len(new):>6} {s:>8.1f} {rate}")

    results = {}
    for label, attributes in (("default", DEFAULT_ATTRIBUTES), ("all", ("all",))):
        t0, c0 = time.perf_counter(), time.process_time()
        report = run_probes(clf, attributes=attributes, texts=texts, n_boot=args.n_boot, progress=False)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        n = report.summary["settings"]["n_sentences"]
        results[label] = (seconds, n, report)
        ok = "meets" if seconds <= TARGETS[label] else "MISSES"
        print(f"\n--probes {','.join(attributes)}: {len(report.attributes)} attributes, {n} distinct sentences, "
              f"{report.summary['settings']['n_tests']} tests: {seconds:.1f} s end to end ({n / seconds:.0f} sentences/s; "
              f"{cpu:.1f} s CPU); target <= {TARGETS[label]:.0f} s: {ok}")
    report = results["all"][2]
    print(f"\n{'attribute':<20} {'gap':>8} {'verdict':<17} families")
    for attribute in report.attributes:
        s = report.summary[attribute]
        fams = ", ".join(f"{f} {v['n_rows']} rows, {v['n_templates']} templates, {v['n_pairs']} sets" for f, v in s["families"].items())
        gap = "-" if s["gap"] is None else f"{s['gap']:+.4f}"
        print(f"{attribute:<20} {gap:>8} {s['verdict']:<17} {fams}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
