"""The zh probe pack on a model: gender, hukou, origin, ethnicity (run_probes with language zh).

    python bench/zh_probes.py MODEL_DIR [--attributes gender,hukou] [--n-boot N] [--target-label L]

Fills the zh pack's templates (auditkit/probes/packs/zh.json) with its rows, scores every
distinct sentence once, and prints per attribute the gap (first gap group minus second), its interval, the
Holm p-value and the verdict -- the statistics of ``auditkit audit``'s probes. A model whose tokenizer maps most
of the sentences to [UNK] (the English MiniLM) is refused with one line naming the unknown-token share.
Exit status: 0, or 2 for bad input (as the CLI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv=None) -> int:
    from auditkit.errors import AuditkitError
    from auditkit.models import load_classifier
    from auditkit.probes import run_probes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="model directory (or 'minilm')")
    parser.add_argument("--attributes", default="gender,hukou,origin,ethnicity")
    parser.add_argument("--n-boot", type=int, default=2000)
    parser.add_argument("--target-label", default=None)
    args = parser.parse_args(argv)
    try:
        clf = load_classifier(args.model, num_labels=2 if args.model == "minilm" else None,
                              require_head=args.model != "minilm")
        started = time.perf_counter()
        report = run_probes(clf, attributes=[a.strip() for a in args.attributes.split(",") if a.strip()],
                            language="zh", target_label=args.target_label, n_boot=args.n_boot)
    except AuditkitError as exc:
        print(f"zh_probes: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    for name in report.attributes:
        e = report.summary[name]
        holm = "-" if e.get("p_value_holm") is None else f"{e['p_value_holm']:.3g}"
        print(f"{name:10s} gap {e['gap']:+.4f} [{e['ci_low']:+.4f}, {e['ci_high']:+.4f}] Holm p {holm} -> {e['verdict']}")
    print(f"{seconds:.1f} s (scoring and statistics)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
