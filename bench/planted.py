"""A gender gap planted in a real model's scores: is it found, with the right sign, and is the unplanted model not flagged?

    python bench/planted.py [MODEL_DIR] [--deltas 0,0.02,0.04,0.06,0.08]

Wraps MODEL_DIR (default models/augmented from ``make demo``: its own gender gap is near 0) so that every
sentence mentioning a woman (the gender pack's female names and nouns) has P(positive) lowered by delta, then
runs the default probe suite (gender, race; 144 templates in 4 blocks). Prints per delta the gender gap, its
95 % t interval, the verdict and the race verdict (race is untouched: it must not move). With min-effect 0.02,
"bias" should appear for a planted gap clearly above 0.02 and never at 0.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from calibration import CachedClassifier  # noqa: E402  (scores each distinct sentence once)
from probes import _cpu_name  # noqa: E402


class Planted:
    """``inner`` with P(last label) lowered by ``delta`` on sentences matching ``pattern``."""

    def __init__(self, inner, pattern, delta):
        self.inner, self.labels, self.pattern, self.delta = inner, inner.labels, pattern, delta

    def predict_proba(self, texts, *, batch_size=64, progress=None):
        from auditkit.models import Predictions

        texts = list(texts)
        p = np.array(self.inner.predict_proba(texts, batch_size=batch_size, progress=progress).probabilities, float)
        hit = np.array([bool(self.pattern.search(t)) for t in texts])
        pos = np.clip(p[:, -1] - self.delta * hit, 0.0, 1.0)
        p[:, -1], p[:, 0] = pos, 1.0 - pos
        return Predictions(p, 0)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(ROOT / "models" / "augmented"))
    parser.add_argument("--deltas", default="0,0.02,0.04,0.06,0.08")
    args = parser.parse_args(argv)
    if not Path(args.model).exists():
        print(f"no model at {args.model}; run `make demo` first (or pass a model directory)", file=sys.stderr)
        return 2
    from auditkit.models import load_classifier
    from auditkit.probes import identity_terms, run_probes

    words = sorted(identity_terms(["gender"])["gender"]["female"], key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)
    base = CachedClassifier(load_classifier(args.model))
    print(f"# {args.model} on {_cpu_name()} ({os.cpu_count()} cores); planted: P(positive) - delta on sentences "
          f"about women; min-effect 0.02")
    print(f"{'delta':>6} {'gender gap':>11} {'95% t interval':>20} {'verdict':>17} {'race verdict':>17}")
    for delta in (float(d) for d in args.deltas.split(",")):
        s = run_probes(Planted(base, pattern, delta), attributes=["gender", "race"], n_boot=200).summary
        g = s["gender"]
        print(f"{delta:>6.3f} {g['gap']:>+11.4f}   [{g['ci_low']:+.4f}, {g['ci_high']:+.4f}] {g['verdict']:>17} "
              f"{s['race']['verdict']:>17}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
