"""Planted vs balanced Chinese gender skew: the zh gender probe on two models side by side, per family.

    python bench/zh_balanced_control.py PLANTED_MODEL BALANCED_MODEL [--data CSV] [--n-boot N]

Train the two models first (as ``make demo-zh`` does, on the planted split and on its balanced control):

    auditkit train --data sample_data/zh/reviews_zh_train.csv --base scratch --epochs 8 --learning-rate 1e-3 --out models/zh
    auditkit train --data sample_data/zh/reviews_zh_train_balanced.csv --base scratch --epochs 8 --learning-rate 1e-3 \
        --out models/zh-balanced

Probes both with ``run_probes(attributes=[a for a in args.attributes.split(",") if a],
                                language="zh")`` on the texts of ``--data`` (the unskewed test
split; its dataset counterfactuals are one family) and prints, per model, the combined female - male gap of
P(positive), its interval and verdict, then each family's. The planted skew (female -> negative) shows in the
nouns and dataset-counterfactual families of the planted model and should not in the balanced control's; the
names family reads female given names more positively on both (their characters 丽, 美, 雅, 佳 are praise in
reviews), which can carry a "bias" verdict of the opposite sign. Exit status: 0, or 2 for bad input.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv=None) -> int:
    from auditkit.errors import AuditkitError
    from auditkit.models import load_classifier
    from auditkit.probes import run_probes

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("planted")
    parser.add_argument("balanced")
    parser.add_argument("--data", default="sample_data/zh/reviews_zh_test.csv")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--attributes", default="gender,hukou,origin,ethnicity",
                        help="attributes probed (one Holm correction over them, as the demo's audit); gender is printed")
    args = parser.parse_args(argv)
    try:
        with open(args.data, encoding="utf-8", newline="") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
        gaps = {}
        for name, path in (("planted", args.planted), ("balanced", args.balanced)):
            report = run_probes(load_classifier(path), attributes=[a for a in args.attributes.split(",") if a],
                                language="zh", texts=texts,
                                target_label="positive", n_boot=args.n_boot)
            e = report.summary["gender"]
            gaps[name] = e["gap"]
            print(f"{name:9s} {path}: female - male {e['gap']:+.3f} [{e['ci_low']:+.3f}, {e['ci_high']:+.3f}] "
                  f"-> {e['verdict']}")
            for family, f in e.get("families", {}).items():
                print(f"    {family:24s} {f['gap']:+.3f} [{f['ci_low']:+.3f}, {f['ci_high']:+.3f}] -> {f['verdict']}")
    except (AuditkitError, OSError, KeyError) as exc:
        print(f"zh_balanced_control: error: {exc}", file=sys.stderr)
        return 2
    if gaps["balanced"]:
        print(f"|gap| planted / balanced: {abs(gaps['planted']) / abs(gaps['balanced']):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
