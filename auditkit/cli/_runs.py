"""``auditkit runs DIR``: list stored runs."""

from __future__ import annotations

import json
import sys

from auditkit._text import printable
from auditkit.cli._common import show
from auditkit.store import scan_runs
from auditkit.store._run import runs_table


def add_parser(sub):
    p = sub.add_parser("runs", help="list the runs stored under a folder",
                       description="List the audit runs stored under DIR (newest first).")
    p.add_argument("dir", metavar="DIR", help="folder holding run directories")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    return p


def run(args) -> int:
    scan = scan_runs(args.dir)
    for _, reason in scan.rejected:  # one line per malformed run; the others are still listed
        print(printable(f"auditkit: warning: skipped {reason}"), file=sys.stderr)
    table = runs_table(scan.runs)
    if args.format == "json":
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
    elif args.format == "csv":
        show(table.to_csv(index=False).rstrip("\n"))
    elif table.empty:
        show(f"no runs under {args.dir}; create one with: auditkit audit --model MODEL --data DATA --out {args.dir}/NAME")
    else:
        shown = table.drop(columns=["path"]).copy()
        for col in ("accuracy", "macro_f1", "gender_gap", "race_gap", "identity_share"):
            shown[col] = shown[col].map(lambda v: "-" if v is None or v != v else f"{v:+.3f}" if "gap" in col else f"{v:.3f}")
        show(shown.to_string(index=False))
    return 0
