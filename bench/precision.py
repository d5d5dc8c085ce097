"""int8 candidates vs fp32 on CPU: throughput and agreement of predicted labels, one run.

    python bench/precision.py [--model DIR] [--data CSV] [--text-col COL] [--limit N]

Defaults: models/sst2 (a MiniLM fine-tuned on SST-2 train; see bench/README) or
models/baseline, on ../shared/data/sst2/test.csv. Each candidate is timed on
the same texts right after fp32; "ours" is what `--precision int8` uses.
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
    import torch
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    from auditkit.models import quantize_int8

    every = {n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    ffn = {n for n in every if n.endswith(("intermediate.dense", "output.dense")) and "attention" not in n}
    q = lambda names, qconfig: quantize_dynamic(copy.deepcopy(model), {n: qconfig for n in names}, dtype=torch.qint8)
    return {
        "naive: every Linear, per-tensor": q(every, default_dynamic_qconfig),
        "every Linear, per-channel": q(every, per_channel_dynamic_qconfig),
        "feed-forward only, per-tensor": q(ffn, default_dynamic_qconfig),
        "feed-forward only, per-channel": q(ffn, per_channel_dynamic_qconfig),
        "ours: all but FFN output, per-channel": quantize_int8(model),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default=str(SHARED_SST2))
    parser.add_argument("--text-col", default="sentence")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=2)
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

    def run(clf):
        clf.predict_proba(texts[:64], progress=False)
        best, probs = float("inf"), None
        for _ in range(args.repeats):
            start = time.perf_counter()
            probs = clf.predict_proba(texts, batch_size=64, progress=False).probabilities
            best = min(best, time.perf_counter() - start)
        return best, probs

    print(f"model {model_dir}; data {args.data} ({len(texts)} texts)")
    print(f"{'candidate':40s} {'sent/s':>8s} {'x fp32':>7s} {'agree':>8s} {'max|dp|':>8s}")
    t32, p32 = run(fp32)
    print(f"{'fp32':40s} {len(texts) / t32:8.1f} {1:7.2f} {1:8.2%} {0:8.3f}")
    for name, model in candidates(fp32.model).items():
        t, p = run(TextClassifier(model, fp32.tokenizer, max_length=fp32.max_length))
        agree = float(np.mean(p.argmax(1) == p32.argmax(1)))
        print(f"{name:40s} {len(texts) / t:8.1f} {t32 / t:7.2f} {agree:8.2%} {np.abs(p - p32).max():8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
