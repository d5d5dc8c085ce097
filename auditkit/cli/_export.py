"""``auditkit export mlflow RUN...``: log stored runs to MLflow (one MLflow run each, idempotent)."""

from __future__ import annotations

from auditkit.cli._common import say

TARGETS = ("mlflow",)


def tracking_uri_help() -> str:
    return ("MLflow tracking URI: a local folder or file: URI, sqlite:///PATH, or http(s)://HOST:PORT "
            "(default: $MLFLOW_TRACKING_URI, else MLflow's default)")


def add_parser(sub):
    p = sub.add_parser(
        "export", help="log stored runs to MLflow (needs the [mlflow] extra)",
        description="Log each stored run to MLflow as one MLflow run: params (model, fingerprints, options), metrics "
                    "(scores with interval bounds, per-class recall, bias gaps, flip rate, identity share, ECE), tags "
                    "(bias verdicts; gate verdict with --policy) and artifacts (run.json, Parquet tables, report.html). "
                    "Exporting a run again does not duplicate it.")
    p.add_argument("target", choices=TARGETS, help="where to export (mlflow)")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run directories written by auditkit audit")
    p.add_argument("--tracking-uri", metavar="URI", default=None, help=tracking_uri_help())
    p.add_argument("--experiment", default="auditkit", help="MLflow experiment name (default: auditkit)")
    p.add_argument("--policy", metavar="POLICY.toml", default=None, help="tag each MLflow run with this policy's gate verdict")
    p.add_argument("--baseline", metavar="RUN", default=None, help="baseline run for the policy's no_regression check")
    return p


def run(args) -> int:
    from auditkit.export import export_mlflow

    if args.baseline and not args.policy:
        from auditkit.errors import ConfigError
        raise ConfigError("--baseline is used by the policy's no_regression check; pass --policy POLICY.toml as well")
    ids = export_mlflow(args.runs, tracking_uri=args.tracking_uri, experiment=args.experiment,
                        policy=args.policy, baseline=args.baseline)
    for path, mlflow_id in zip(args.runs, ids):
        print(f"{path}: MLflow run {mlflow_id}")
    say(f"exported {len(ids)} run(s) to MLflow experiment {args.experiment!r}")
    return 0
