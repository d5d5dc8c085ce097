"""Throughput of the model kinds: a served endpoint at concurrency 1, 4, 16, and ONNX, vs the local checkpoint.

    python bench/endpoint.py [--model DIR] [--data CSV] [--text-col COL] [--limit N] [--batch-size B] [--rounds R]

The same checkpoint (default: models/baseline when the demo has been run,
else the embedded MiniLM with a fresh two-class head) is audited's way —
``predict_proba`` over the same texts — four ways, in one run:

- ``local``: the PyTorch checkpoint in this process (what a user holds today);
- ``endpoint cN``: the same checkpoint behind tests/serve_model.py (a stdlib
  HTTP server on 127.0.0.1, Open Inference Protocol v2), N requests in flight;
- ``onnx``: the checkpoint exported with ``export_onnx``, run with onnxruntime.

Texts: ../shared/data/sst2/test.csv when present, else
sample_data/reviews_test.csv. The routes run in alternating rounds; prints the
median texts/s, its ratio to local, every round, and the largest probability
difference from local. Each route gets the machine's
cores in turn (the server computes while this process waits on it), so the
endpoint rows measure what HTTP, JSON and batching cost on top of the same
model; a remote server on its own hardware changes the numbers, not that.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SHARED_SST2 = ROOT.parent / "shared" / "data" / "sst2" / "test.csv"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def checkpoint(given: str | None, scratch: Path) -> Path:
    if given:
        return Path(given)
    if (ROOT / "models" / "baseline" / "config.json").is_file():
        return ROOT / "models" / "baseline"
    from auditkit.models import load_classifier

    clf = load_classifier("minilm", num_labels=2, id2label={0: "negative", 1: "positive"}, device="cpu")
    clf.model.save_pretrained(scratch / "minilm-head")
    clf.tokenizer.save_pretrained(scratch / "minilm-head")
    return scratch / "minilm-head"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default=None)
    parser.add_argument("--text-col", default=None)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    import numpy as np
    import pandas as pd
    import torch

    from auditkit.models import export_onnx, load_classifier, load_model
    from served import serve

    data = Path(args.data) if args.data else (SHARED_SST2 if SHARED_SST2.exists() else ROOT / "sample_data" / "reviews_test.csv")
    frame = pd.read_csv(data)
    column = args.text_col or ("sentence" if "sentence" in frame.columns else "text")
    texts = frame[column].astype(str).tolist()[: args.limit]
    threads = torch.get_num_threads()  # every route gets the machine's cores: local and ONNX here, the server there
    print(f"CPU: {cpu_name()}; torch {torch.__version__}, {threads} thread(s) for each route")
    print(f"data: {data.name}, {len(texts)} texts; batch size {args.batch_size}; {args.rounds} rounds; "
          f"load average before: {os.getloadavg()[0]:.2f} (1 min)")

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        model_dir = checkpoint(args.model, scratch)
        print(f"model: {model_dir}")
        export_onnx(model_dir, scratch / "onnx")
        with serve(model_dir, threads=threads) as server:
            routes = {"local (PyTorch, this process)": load_classifier(model_dir, device="cpu"),
                      "onnx (onnxruntime)": load_model(str(scratch / "onnx"))}
            routes |= {f"endpoint v2, concurrency {c}": load_model(server.v2, endpoint_concurrency=c) for c in (1, 4, 16)}
            for model in routes.values():  # warm-up: first calls allocate, the server's too
                model.predict_proba(texts[:64], batch_size=args.batch_size, progress=False)
            rates = {name: [] for name in routes}
            differences = {}
            reference = None
            for _ in range(args.rounds):  # rounds alternate the routes, so a neighbour's load hits them alike
                for name, model in routes.items():
                    start = time.perf_counter()
                    got = model.predict_proba(texts, batch_size=args.batch_size, progress=False).probabilities
                    rates[name].append(len(texts) / (time.perf_counter() - start))
                    reference = got if reference is None else reference
                    differences[name] = float(np.abs(np.asarray(got) - reference).max())

    base = float(np.median(rates["local (PyTorch, this process)"]))
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")
    print(f"\n{'route':32s} {'texts/s (median)':>17s} {'vs local':>9s} {'rounds':>24s} {'max |p - p_local|':>18s}")
    for name, values in rates.items():
        median = float(np.median(values))
        rounds = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:32s} {median:17.1f} {median / base:8.2f}x {rounds:>24s} {differences[name]:18.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
