"""CPU routes side by side: fp32 and int8, torch, torchao and OpenVINO, one round-robin run.

    python bench/precision.py [--model DIR] [--data CSV] [--text-col COL] [--limit N] [--rounds R]
                              [--routes a,b,...] [--verdicts [MODEL ...]]

Every route predicts the same texts with the same batching (auditkit's: sorted
by length, batches of 64 padded to their longest); each round times every route
once, in turn, so a busy spell of this shared machine hits them all alike.
Printed per route: sentences/s (median over rounds and the range), the ratio to
torch-fp32 per round (median, range), label agreement with torch-fp32, max |dp|,
and the first-call cost (building the route: quantizing, converting, compiling;
plus the extra time of its first pass over the texts) with the break-even size: how many texts a route must
predict before its first-call cost is paid back against torch-fp32. Last, the route
auditkit's calibration chooses for each precision on these texts, and why.

Routes (those whose library is missing are listed as skipped):
  torch-fp32        auditkit's torch-fp32 route: the model as it is
  openvino-fp32     auditkit's openvino-fp32 route
  torch-int8        auditkit's torch-int8 route: per-token int8 with PyTorch ops
  openvino-int8     auditkit's openvino-int8 route (NNCF int8 weights, OpenVINO's dynamic activation quantization)
  (not auditkit routes, for comparison:)
  torchao-int8      torchao Int8DynamicActivationInt8WeightConfig (per-token, per-channel), eager
  torchao-int8-compile   the same under torch.compile(dynamic=True)
  openvino-int8-static  NNCF quantize (static activation scales, SmoothQuant), calibrated on 300 SST-2 train sentences

Defaults: models/sst2 (MiniLM fine-tuned on SST-2 train) or models/baseline, on
../shared/data/sst2/test.csv. ``--verdicts`` also runs the bias probes of the
demo models with the route ``--precision int8`` chooses here and in fp32.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("NNCF_CI", "1")  # NNCF sends usage telemetry unless told it runs in CI
warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout (or one level up, from a worktree)
SHARED = next((p / "shared" / "data" / "sst2" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").exists()),
              ROOT.parent / "shared" / "data" / "sst2")
ALL = ("torch-fp32", "openvino-fp32", "torch-int8", "openvino-int8", "torchao-int8",
       "torchao-int8-compile", "openvino-int8-static")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                flags = next((l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("flags")), "")
                has = [f for f in ("avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16") if f" {f}" in flags]
                return f"{name}, {os.cpu_count()} cores, {' '.join(has) or 'no VNNI/AMX'}"
    except OSError:
        pass
    return platform.processor() or platform.machine()


class Batches:
    """The texts as auditkit batches them, and the id tensors of each batch."""

    def __init__(self, clf, texts, batch_size=64):
        import numpy as np
        import torch

        ids, _ = clf.tokenize(texts)
        order = np.argsort([len(x) for x in ids], kind="stable")
        self.rows = [order[s:s + batch_size] for s in range(0, len(texts), batch_size)]
        self.inputs = []
        for rows in self.rows:
            input_ids, mask = clf.pad([ids[r] for r in rows])
            self.inputs.append({"input_ids": input_ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(input_ids)})
        self.n, self.n_classes = len(texts), len(clf.labels)

    def probabilities(self, forward):
        import numpy as np
        import torch

        out = np.empty((self.n, self.n_classes), dtype=np.float32)
        with torch.inference_mode():
            for rows, inputs in zip(self.rows, self.inputs):
                out[rows] = torch.softmax(forward(inputs).float(), dim=-1).numpy()
        return out


def builders(model, example, calibration_inputs):
    """name -> () -> forward(inputs) -> logits, or name -> str (why it is skipped)."""
    import torch

    from auditkit.models._routes import ROUTES

    def auditkit_route(name):
        route = ROUTES[name]
        return route.missing() or (lambda: route.build(model, example))

    def torch_forward(module):
        return lambda inputs: module(**inputs).logits

    def torchao(compiled):
        def build():
            from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

            from auditkit.models._precision import int8_layers

            quantized = copy.deepcopy(model)
            names = int8_layers(quantized)
            quantize_(quantized, Int8DynamicActivationInt8WeightConfig(), filter_fn=lambda m, fqn: fqn in names)
            return torch_forward(torch.compile(quantized, dynamic=True) if compiled else quantized)
        return build

    def nncf_static():
        def build():
            import nncf as nn_cf
            import numpy as np

            from auditkit.models._routes import _core, _openvino

            names, (ov, _) = list(example), _openvino()
            converted = ov.convert_model(model, example_input=example, input=[(n, [-1, -1], ov.Type.i64) for n in names])
            data = nn_cf.Dataset([[v.numpy() for v in b.values()] for b in calibration_inputs])
            converted = nn_cf.quantize(converted, data, model_type=nn_cf.ModelType.TRANSFORMER,
                                       subset_size=sum(len(b["input_ids"]) for b in calibration_inputs))
            compiled = _core().compile_model(converted, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
            request, output = compiled.create_infer_request(), compiled.output(0)
            return lambda inputs: torch.from_numpy(np.array(request.infer([inputs[n].numpy() for n in names])[output]))
        return build

    def needs(module, build):
        try:
            __import__(module)
        except ImportError:
            return f"skipped: pip install {module}"
        return build

    return {
        "torch-fp32": auditkit_route("torch-fp32"),
        "openvino-fp32": auditkit_route("openvino-fp32"),
        "torch-int8": auditkit_route("torch-int8"),
        "openvino-int8": auditkit_route("openvino-int8"),
        "torchao-int8": needs("torchao", torchao(False)),
        "torchao-int8-compile": needs("torchao", torchao(True)),
        "openvino-int8-static": needs("nncf", nncf_static()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default=str(SHARED / "test.csv"))
    parser.add_argument("--text-col", default="sentence")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--routes", default=",".join(ALL), help="comma-separated routes to measure (default: all)")
    parser.add_argument("--verdicts", nargs="*", default=None, metavar="MODEL",
                        help="also run the bias probes in fp32 and int8 (the route chosen here) on these models "
                             "(default with the flag alone: models/baseline models/augmented)")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    import torch

    from auditkit import load_classifier

    model_dir = args.model or next((str(p) for p in (ROOT / "models" / "sst2", ROOT / "models" / "baseline") if p.exists()), None)
    if model_dir is None:
        print("no model: pass --model DIR (a fine-tuned classifier)", file=sys.stderr)
        return 2
    texts = pd.read_csv(args.data)[args.text_col].astype(str).tolist()[: args.limit]
    clf = load_classifier(model_dir, device="cpu")
    batches = Batches(clf, texts)
    calibration_texts = pd.read_csv(SHARED / "train.csv")["sentence"].astype(str).tolist()[:300] if (SHARED / "train.csv").exists() else texts[:300]
    calibration = Batches(clf, calibration_texts, batch_size=32).inputs
    example = {k: v[:2, :8] for k, v in batches.inputs[0].items()}

    wanted = [r for r in args.routes.split(",") if r]
    unknown = set(wanted) - set(ALL)
    if unknown:
        print(f"unknown routes {sorted(unknown)}; choose from {', '.join(ALL)}", file=sys.stderr)
        return 2
    table = builders(clf.model, example, calibration)
    forwards, first_call, skipped = {}, {}, {}
    for name in wanted:
        build = table[name]
        if isinstance(build, str):
            skipped[name] = build
            continue
        start = time.perf_counter()
        try:
            forward = build()
            batches.probabilities(forward)  # the first pass: what compiles, compiles now
        except Exception as exc:  # a library that cannot handle this model: say so, measure the rest
            skipped[name] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
            continue
        first_call[name] = time.perf_counter() - start  # build + first pass; a warm pass is taken off below
        forwards[name] = forward

    seconds = {name: [] for name in forwards}
    probabilities = {}
    for _ in range(args.rounds):
        for name, forward in forwards.items():
            start = time.perf_counter()
            probabilities[name] = batches.probabilities(forward)
            seconds[name].append((time.perf_counter() - start) / batches.n)  # per text

    print(f"CPU: {cpu_name()}; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"model {model_dir}; data {args.data} ({len(texts)} texts, batches of 64 sorted by length); "
          f"{args.rounds} round-robin rounds; medians (range)")
    base = np.array(seconds.get("torch-fp32", [np.nan]))
    reference = probabilities.get("torch-fp32")
    print(f"{'route':22s} {'sent/s':>18s} {'x torch-fp32':>18s} {'agree':>8s} {'max|dp|':>8s} {'first call':>10s} {'break-even':>11s}")
    for name in forwards:
        t = np.array(seconds[name])
        rate = 1 / t
        ratio = base[: len(t)] / t
        ref = reference if reference is not None else probabilities[name]
        agree = float(np.mean(probabilities[name].argmax(1) == ref.argmax(1)))
        extra = max(0.0, first_call[name] - np.median(t) * len(texts))  # build + first pass, less a warm pass
        gain = np.median(base) - np.median(t)
        even = "never" if gain <= 0 else f"{extra / gain:,.0f} texts"
        print(f"{name:22s} {np.median(rate):7.1f} ({rate.min():.0f}-{rate.max():.0f}) {np.median(ratio):9.2f}x "
              f"({ratio.min():.2f}-{ratio.max():.2f}) {agree:8.2%} {np.abs(probabilities[name] - ref).max():8.4f} "
              f"{extra:9.1f}s {even if name != 'torch-fp32' else '':>11s}")
    for name, why in skipped.items():
        print(f"{name:22s} {why}")
    from auditkit.models import TextClassifier

    for precision in ("fp32", "int8"):  # as an audit of these texts chooses (the cached timings, if any, included)
        chosen = TextClassifier(clf.model, clf.tokenizer, precision=precision, fingerprint=clf.fingerprint)
        start = time.perf_counter()
        chosen.prepare_route(texts, workload=len(texts))
        print(f"--precision {precision} runs route {chosen.route} on this CPU for these {len(texts):,} texts "
              f"(chosen in {time.perf_counter() - start:.1f} s)" + (f": {chosen.route_note}" if chosen.route_note else ""))
    if args.verdicts is not None:
        compare_verdicts(args.verdicts or [str(ROOT / "models" / m) for m in ("baseline", "augmented")])
    return 0


def compare_verdicts(model_dirs) -> None:
    """Bias verdicts of the template probes in fp32 and in int8 (the route chosen here), side by side."""
    from auditkit import load_classifier
    from auditkit.probes import run_probes

    print(f"\n{'model':12s} {'attribute':10s} {'fp32 gap':>9s} {'fp32 verdict':18s} {'int8 gap':>9s} {'int8 verdict':18s} same  int8 route")
    for model_dir in model_dirs:
        results, route = {}, None
        for precision in ("fp32", "int8"):
            clf = load_classifier(model_dir, device="cpu", precision=precision)
            route = getattr(clf, "route", None) or "?"
            results[precision] = run_probes(clf, progress=False).summary
        for attribute in results["fp32"]["settings"]["attributes"]:
            a, b = results["fp32"][attribute], results["int8"][attribute]
            print(f"{Path(model_dir).name:12s} {attribute:10s} {a['gap']:9.4f} {a['verdict']:18s} {b['gap']:9.4f} "
                  f"{b['verdict']:18s} {str(a['verdict'] == b['verdict']):5s} {route}")


if __name__ == "__main__":
    sys.exit(main())
