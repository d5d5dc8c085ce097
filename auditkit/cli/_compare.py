"""``auditkit compare RUN_A RUN_B [...]``: runs side by side, with paired tests on a shared dataset."""

from __future__ import annotations

from pathlib import Path

from auditkit.cli._common import say, show
from auditkit.compare import compare_runs
from auditkit.report import FORMATS, render_comparison
from auditkit.report._output import check_writable, write_text_atomic
from auditkit.store import read_run


def add_parser(sub):
    p = sub.add_parser("compare", help="compare runs side by side, with paired significance tests",
                       description="Compare runs against the first (the reference): every metric with its difference, "
                                   "McNemar's exact test on accuracy and paired bootstrap CIs on macro-F1 and per-class "
                                   "recall when the runs share a dataset (multi-label runs: McNemar on each label's decisions, Holm "
                                   "across labels, and paired bootstrap CIs on every headline metric and each label's recall), "
                                   "bias gaps and identity share.")
    p.add_argument("runs", metavar="RUN", nargs="+", help="two or more run directories; the first is the reference")
    p.add_argument("--format", choices=FORMATS + ("text",), default="text",
                   help="text (summary on stdout, default), html, md or json")
    p.add_argument("--out", metavar="FILE", default=None, help="write the html/md/json output to FILE (default, or -: stdout)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default: 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")
    return p


def run(args) -> int:
    from auditkit.errors import ConfigError

    if len(args.runs) < 2:
        raise ConfigError(f"compare needs at least two runs, got {len(args.runs)}; e.g. auditkit compare runs/a runs/b")
    runs = [read_run(r) for r in args.runs]
    out = Path(args.out) if args.out and args.out != "-" else None  # "-": stdout, as report --out -
    if out is not None:
        if args.format == "text":
            raise ConfigError("--out needs --format html, md or json")
        check_writable(out)
    comparison = compare_runs(runs, n_boot=args.n_boot, seed=args.seed, alpha=args.alpha)
    if args.format == "text":
        show("\n".join(comparison.summary_lines))
        return 0
    text = render_comparison(comparison, format=args.format)
    if out is None:
        print(text, end="")
    else:
        write_text_atomic(out, text)
        say(f"wrote {args.format} comparison to {out}")
    return 0
