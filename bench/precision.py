"""int8 candidates vs fp32 on CPU: throughput and agreement of predicted labels, one run.

    python bench/precision.py [--model DIR] [--data CSV] [--text-col COL] [--limit N]

Defaults: models/sst2 (a MiniLM fine-tuned on SST-2 train; see bench/README) or
models/baseline, on ../shared/data/sst2/test.csv. Each candidate is timed on
the same texts, round robin with fp32; "ours" is what `--precision int8` uses.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
SHARED_SST2 = ROOT.parent / "shared" / "data" / "sst2" / "test.csv"


def candidates(model):
    """The int8 routes measured against fp32; the last is what ``--precision int8`` uses."""
    import torch
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    from auditkit.models import int8_layers, quantize_int8

    every = int8_layers(model)
    but_ffn_out = int8_layers(model, feed_forward_output=False)
    every_linear = {n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    q = lambda names, qconfig: quantize_dynamic(copy.deepcopy(model), {n: qconfig for n in names}, dtype=torch.qint8)
    return {
        "torch.ao naive: every Linear, per-tensor": q(every_linear, default_dynamic_qconfig),
        "torch.ao all but FFN out, per-channel": q(but_ffn_out, per_channel_dynamic_qconfig),
        "per-token int8, all but FFN out": quantize_int8(model, layers=but_ffn_out),
        "ours, PyTorch ops instead of fused kernels": unfused(quantize_int8(model, layers=every)),
        "ours: per-token int8, every encoder Linear": quantize_int8(model, layers=every),
    }


def unfused(model):
    """``model`` with its int8 layers on the PyTorch-ops route (the one taken where no C compiler is)."""
    for module in model.modules():
        if hasattr(module, "fused"):
            module.fused = False
    return model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default=str(SHARED_SST2))
    parser.add_argument("--text-col", default="sentence")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--verdicts", nargs="*", default=None, metavar="MODEL",
                        help="also run the bias probes in fp32 and int8 on these models (default with the flag alone: "
                             "models/baseline models/augmented) and print both verdicts per attribute")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from auditkit import load_classifier
    from auditkit.models import TextClassifier

    model_dir = args.model or next((str(p) for p in (ROOT / "models" / "sst2", ROOT / "models" / "baseline") if p.exists()), None)
    if model_dir is None:
        print("no model: pass --model DIR (a fine-tuned classifier)", file=sys.stderr)
        return 2
    texts = pd.read_csv(args.data)[args.text_col].astype(str).tolist()[: args.limit]
    fp32 = load_classifier(model_dir, device="cpu")

    contenders = {"fp32": fp32}
    for name, model in candidates(fp32.model).items():
        contenders[name] = TextClassifier(model, fp32.tokenizer, max_length=fp32.max_length)
    for clf in contenders.values():
        clf.predict_proba(texts[:64], progress=False)  # warm-up
    # round robin: every repeat times each contender once, so a busy spell hits them all alike
    best = {name: float("inf") for name in contenders}
    probs = {}
    for _ in range(args.repeats):
        for name, clf in contenders.items():
            start = time.perf_counter()
            probs[name] = clf.predict_proba(texts, batch_size=64, progress=False).probabilities
            best[name] = min(best[name], time.perf_counter() - start)

    from auditkit.models._int8_kernels import int8_route

    print(f"model {model_dir}; data {args.data} ({len(texts)} texts); best of {args.repeats} round-robin repeats")
    print(f"int8 quantize/rescale route here: {int8_route()}")
    print(f"{'candidate':44s} {'sent/s':>8s} {'x fp32':>7s} {'agree':>8s} {'max|dp|':>8s}")
    p32 = probs["fp32"]
    for name in contenders:
        p = probs[name]
        agree = float(np.mean(p.argmax(1) == p32.argmax(1)))
        print(f"{name:44s} {len(texts) / best[name]:8.1f} {best['fp32'] / best[name]:7.2f} {agree:8.2%} {np.abs(p - p32).max():8.3f}")
    if args.verdicts is not None:
        compare_verdicts(args.verdicts or [str(ROOT / "models" / m) for m in ("baseline", "augmented")])
    return 0


def compare_verdicts(model_dirs) -> None:
    """Bias verdicts of the template probes in fp32 and in int8, side by side, per model and attribute."""
    from auditkit import load_classifier
    from auditkit.probes import run_probes

    print(f"\n{'model':24s} {'attribute':10s} {'fp32 gap':>9s} {'fp32 verdict':18s} {'int8 gap':>9s} {'int8 verdict':18s} same")
    for model_dir in model_dirs:
        results = {}
        for precision in ("fp32", "int8"):
            clf = load_classifier(model_dir, device="cpu", precision=precision)
            results[precision] = run_probes(clf, progress=False).summary
        for attribute in results["fp32"]["settings"]["attributes"]:
            a, b = results["fp32"][attribute], results["int8"][attribute]
            print(f"{Path(model_dir).name:24s} {attribute:10s} {a['gap']:9.4f} {a['verdict']:18s} {b['gap']:9.4f} "
                  f"{b['verdict']:18s} {a['verdict'] == b['verdict']}")


if __name__ == "__main__":
    sys.exit(main())
