"""Probe suite speed: the full default gender + race template suite, end to end.

    python bench/probes.py [MODEL_DIR] [--threads N] [--texts CSV] [--limit N]

MODEL_DIR defaults to models/baseline when it exists, else the MiniLM backbone
with a fresh two-class head (same architecture and speed as a fine-tuned
MiniLM; the gaps are then meaningless). ``--texts`` adds the
dataset-counterfactual family on the first ``--limit`` texts of a CSV (column
``text`` or ``sentence``). Prints the seconds, the number of distinct
sentences, sentences/s and the headline gaps. Target: <= 30 s on 2 CPU cores.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None, help="fine-tuned model directory")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--texts", default=None, help="CSV of evaluation texts for dataset counterfactuals")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--device", default="cpu", help="default cpu: the target is stated for 2 CPU cores")
    args = parser.parse_args(argv)

    import torch

    import auditkit
    from auditkit.probes import run_probes

    if args.threads:
        torch.set_num_threads(args.threads)
    model = args.model
    if model is None and (ROOT / "models" / "baseline").exists():
        model = str(ROOT / "models" / "baseline")
    t0 = time.perf_counter()
    if model is None:
        clf = auditkit.load_classifier("minilm", num_labels=2, id2label={0: "negative", 1: "positive"}, device=args.device)
        model = "minilm (fresh head)"
    else:
        clf = auditkit.load_classifier(model, device=args.device)
    load_s = time.perf_counter() - t0
    texts = None
    if args.texts:
        import pandas as pd

        frame = pd.read_csv(args.texts)
        col = "text" if "text" in frame.columns else "sentence"
        texts = frame[col].astype(str).tolist()[: args.limit]

    clf.predict_proba(["warm up"] * 4)
    t0, c0 = time.perf_counter(), time.process_time()
    report = run_probes(clf, texts=texts, progress=False)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = report.summary["settings"]["n_sentences"]
    print(f"model: {model} (loaded in {load_s:.1f} s), device {clf.device}, torch threads {torch.get_num_threads()}")
    print(f"default probe suite: {n} distinct sentences, {len(report.table)} rows, {report.summary['settings']['n_tests']} tests")
    where = f"{torch.get_num_threads()} CPU threads" if str(args.device) == "cpu" else f"device {args.device}"
    print(f"time: {seconds:.1f} s  ({n / seconds:.0f} sentences/s) on {where}; target <= 30 s on 2 CPU cores")
    # CPU seconds do not grow when other processes share the cores; wall time does.
    print(f"cpu: {cpu:.1f} s of CPU time ({n / cpu:.0f} sentences per CPU-second); load average {os.getloadavg()[0]:.1f}")
    for attribute in report.attributes:
        s = report.summary[attribute]
        families = ", ".join(f"{f} {v['gap']:+.3f}" for f, v in s["families"].items())
        print(
            f"{attribute}: gap {s['gap']:+.4f} [{s['ci_low']:+.4f}, {s['ci_high']:+.4f}] ({s['gap_definition']}), "
            f"p_holm {s['p_value_holm']:.2g}, significant {s['significant']}, flip {s['flip_rate']:.3f}, "
            f"ctf {s['ctf_gap']:.4f}; {families}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
