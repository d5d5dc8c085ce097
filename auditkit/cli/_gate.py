"""``auditkit gate RUN --policy POLICY.toml``: pass/fail a run against a release policy."""

from __future__ import annotations

from auditkit.cli._common import say, show
from auditkit.gate import evaluate_gate, load_policy
from auditkit.gate._policy import CHECK_DOCS
from auditkit.report._output import check_writable, write_text_atomic
from auditkit.store import read_run


def add_parser(sub):
    checks = "; ".join(f"{k}: {v}" for k, v in CHECK_DOCS.items())
    p = sub.add_parser(
        "gate", help="pass/fail a run against a release policy (exit 0 pass, 1 fail, 2 bad input)",
        description="Evaluate a stored run against a TOML policy and print a table of checks. "
                    f"Exit status: 0 all checks pass, 1 a check fails, 2 bad input. Checks — {checks}.")
    p.add_argument("run", metavar="RUN", help="run directory written by auditkit audit")
    p.add_argument("--policy", required=True, metavar="POLICY.toml", help="policy file (see policy.example.toml)")
    p.add_argument("--baseline", metavar="RUN", default=None,
                   help="baseline run on the same dataset: enables the no_regression check")
    p.add_argument("--junit", metavar="FILE", default=None, help="also write JUnit XML (one test case per check)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    return p


def run(args) -> int:
    import json

    policy = load_policy(args.policy)
    target = read_run(args.run)
    baseline = read_run(args.baseline) if args.baseline else None
    if args.junit:
        check_writable(args.junit, parameter="junit")  # refuse a foreign file before any work
    result = evaluate_gate(target, policy, baseline=baseline)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        show(result.format_table())
    if args.junit:
        write_text_atomic(args.junit, result.to_junit_xml(), parameter="junit")
        say(f"wrote JUnit XML to {args.junit}")
    return 0 if result.passed else 1
