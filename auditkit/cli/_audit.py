"""``auditkit audit``: evaluate and bias-audit a classifier, store the run."""

from __future__ import annotations

from auditkit.audit import AuditOptions, run_audit
from auditkit.cli._common import add_data_options, add_model_options, label_columns, say
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
    p.add_argument("--model", required=True, help="model directory (e.g. one written by auditkit train) or a Hub id")
    add_data_options(p)
    add_model_options(p)
    p.add_argument("--out", required=True, help="run directory to write (atomically)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing auditkit run at --out")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples for confidence intervals (default 1000; 0 skips)")
    p.add_argument("--seed", type=int, default=0, help="seed of every resampling (default 0)")
    p.add_argument("--min-group-size", type=int, default=30, help="groups smaller than this are flagged as too small to trust")
    probes = p.add_argument_group("bias probes")
    probes.add_argument("--probes", default="gender,race",
                        help="comma-separated attributes to probe: gender, race, or those of --lexicon files; 'none' skips (default: gender,race)")
    probes.add_argument("--target-label", default=None,
                        help="class whose probability the probes compare (name or id; default: the last label of a binary model, "
                        "every class of a multi-class or multi-label model)")
    probes.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                        help="extra attribute/group lexicon (JSON; see README), repeatable")
    probes.add_argument("--alpha", type=float, default=0.05, help="significance level after Holm correction (default 0.05)")
    probes.add_argument("--min-effect", type=float, default=0.02,
                        help="smallest |gap| in target probability that counts as a finding (default 0.02)")
    multi = p.add_argument_group("multi-label models")
    multi.add_argument("--threshold", type=float, default=0.5,
                       help="a label is predicted when its probability is at least this (default 0.5; between 0 and 1)")
    multi.add_argument("--threshold-file", default=None, metavar="FILE",
                       help='JSON object of per-label thresholds, e.g. {"toxic": 0.4}; labels it omits use --threshold')
    attr = p.add_argument_group("attributions")
    attr.add_argument("--attributions", type=int, default=24, metavar="N",
                      help="how many examples to explain with Captum (default 24; 0 skips)")
    attr.add_argument("--attribution-method", default="integrated_gradients",
                      help="integrated_gradients (default), input_x_gradient or occlusion")
    return p


def options_from_args(args) -> AuditOptions:
    probes = tuple(a.strip() for a in args.probes.split(",") if a.strip())
    if probes in ((), ("none",)):
        probes = ()
    elif "none" in probes:
        raise ConfigError(f"--probes {args.probes!r} mixes 'none' with attributes; give attributes or 'none' alone")
    options = AuditOptions(
        n_boot=args.n_boot,
        seed=args.seed,
        batch_size=args.batch_size,
        min_group_size=args.min_group_size,
        probes=probes,
        target_label=args.target_label,
        lexicon_files=tuple(args.lexicon),
        alpha=args.alpha,
        min_effect=args.min_effect,
        attributions=args.attributions,
        attribution_method=args.attribution_method,
        threshold=args.threshold,
        threshold_file=args.threshold_file,
    )
    options.validate()
    return options


def run(args) -> int:
    options = options_from_args(args)
    check_output_dir(args.out, overwrite=args.overwrite)
    classifier = load_classifier(
        args.model, trust_remote_code=args.trust_remote_code, device=args.device, max_length=args.max_length
    )
    # the model says how to read a single label column: class labels, or label-name lists
    dataset = load_dataset(
        args.data, text_col=args.text_col, label_col=label_columns(args), group_cols=args.group_cols, limit=args.limit,
        multi_label=classifier.multi_label,
    )
    result = run_audit(classifier, dataset, options=options, log=say)
    path = write_run(args.out, result.record, result.tables, overwrite=args.overwrite)
    m = result.record["metrics"]
    acc, f1 = (m["subset_accuracy"], m["macro_f1"]) if classifier.multi_label else (m["accuracy"], m["macro_f1"])

    def ci(entry):
        return f"{entry['value']:.3f}" + (f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]" if entry["ci_low"] is not None else "")

    print(f"run stored in {path}: {'subset accuracy' if classifier.multi_label else 'accuracy'} {ci(acc)}, macro-F1 {ci(f1)}")
    return 0
