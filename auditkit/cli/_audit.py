"""``auditkit audit``: evaluate and bias-audit a classifier, store the run."""

from __future__ import annotations

from auditkit.audit import AuditOptions, run_audit
from auditkit.cli._common import add_data_options, add_model_options, say
from auditkit.data import load_dataset
from auditkit.errors import ConfigError
from auditkit.models import load_classifier
from auditkit.store import check_output_dir, write_run


def add_parser(sub):
    p = sub.add_parser(
        "audit",
        help="evaluate and bias-audit a classifier; store the run",
        description="Predict a labelled dataset with a classifier, score it with confidence intervals, "
        "and store the run (run.json + predictions.parquet) in --out.",
    )
    p.add_argument("--model", required=True, help="model directory, Hub id, or a run of auditkit train")
    add_data_options(p)
    add_model_options(p)
    p.add_argument("--out", required=True, help="run directory to write (atomically)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing auditkit run at --out")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for confidence intervals (default 1000; 0 skips)")
    p.add_argument("--seed", type=int, default=0, help="seed of every resampling (default 0)")
    p.add_argument("--min-group-size", type=int, default=30, help="groups smaller than this are flagged as too small to trust")
    return p


def options_from_args(args) -> AuditOptions:
    if args.n_boot < 0:
        raise ConfigError(f"--n-boot must be 0 or more, got {args.n_boot}")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {args.batch_size}")
    return AuditOptions(n_boot=args.n_boot, seed=args.seed, batch_size=args.batch_size, min_group_size=args.min_group_size)


def run(args) -> int:
    options = options_from_args(args)
    check_output_dir(args.out, overwrite=args.overwrite)
    dataset = load_dataset(
        args.data, text_col=args.text_col, label_col=args.label_col, group_cols=args.group_cols, limit=args.limit
    )
    classifier = load_classifier(
        args.model, trust_remote_code=args.trust_remote_code, device=args.device, max_length=args.max_length
    )
    result = run_audit(classifier, dataset, options=options, log=say)
    path = write_run(args.out, result.record, result.tables, overwrite=args.overwrite)
    m = result.record["metrics"]
    acc, f1 = m["accuracy"], m["macro_f1"]

    def ci(entry):
        return f"{entry['value']:.3f}" + (f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]" if entry["ci_low"] is not None else "")

    print(f"run stored in {path}: accuracy {ci(acc)}, macro-F1 {ci(f1)}")
    return 0
