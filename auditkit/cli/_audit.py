"""``auditkit audit``: evaluate and bias-audit a classifier, store the run."""

from __future__ import annotations

from auditkit.audit import AuditOptions, run_audit
from auditkit.cli._common import add_data_options, add_model_options, say, show
from auditkit.cli._export import tracking_uri_help
from auditkit.data import load_dataset
from auditkit.errors import ConfigError
from auditkit.models import PRECISIONS, load_classifier
from auditkit.store import check_output_dir, reusable_predictions, write_run


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
    d = AuditOptions  # every default below is the options dataclass's own
    p.add_argument("--n-boot", type=int, default=d.n_boot,
                   help="bootstrap resamples for the metrics' confidence intervals (default %(default)s; 0 skips them)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of every resampling (default %(default)s)")
    p.add_argument("--min-group-size", type=int, default=d.min_group_size,
                   help="groups smaller than this are flagged as too small to trust (default %(default)s)")
    p.add_argument("--resume", action="store_true",
                   help="reuse the predictions stored in the run at --out when its model and data fingerprints match "
                        "(the run is then replaced)")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="fp32 (default); int8: faster CPU path (int8 encoder layers but the feed-forward output); bf16/fp16: autocast on CUDA")
    engine = p.add_argument_group("engine")
    engine.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this process (default); ray: prediction and probe scoring on Ray Data "
                             "(needs the [distributed] extra)")
    engine.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="Ray cluster to use with --engine ray: auto, HOST:PORT or ray://HOST:PORT "
                             "(default: start a local Ray on this machine)")
    engine.add_argument("--ray-replicas", type=int, default=None, metavar="N",
                        help="classifier replicas in the Ray actor pool (default: one per GPU, else one per 4 CPUs)")
    probes = p.add_argument_group("bias probes")
    probes.add_argument("--probes", default=",".join(d.probes),
                        help="comma-separated attributes to probe: gender, race, or those of --lexicon files; 'none' skips (default: %(default)s)")
    probes.add_argument("--target-label", default=d.target_label,
                        help="class whose probability the probes compare (name or id); default: the last label of a binary model, every class of a multi-class one (each with its own verdicts, one Holm correction)")
    probes.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                        help="extra attribute/group lexicon (JSON; see README), repeatable")
    probes.add_argument("--alpha", type=float, default=d.alpha, help="significance level after Holm correction (default %(default)s)")
    probes.add_argument("--min-effect", type=float, default=d.min_effect,
                        help="smallest |gap| in target probability that matters: a smaller gap is never 'bias', and "
                             "'no material bias' means the gap is shown to lie inside ±min-effect (default %(default)s)")
    probes.add_argument("--probe-n-boot", type=int, default=d.probe_n_boot,
                        help="pigeonhole-bootstrap resamples of each probe interval (default %(default)s; at least 100)")
    attr = p.add_argument_group("attributions")
    attr.add_argument("--attributions", type=int, default=d.attributions, metavar="N",
                      help="how many examples to explain with Captum (default %(default)s; 0 skips)")
    attr.add_argument("--attribution-method", default=d.attribution_method,
                      help="integrated_gradients (default), input_x_gradient or occlusion")
    p.add_argument("--mlflow", nargs="?", const="", default=None, metavar="TRACKING_URI",
                   help="also log the stored run to MLflow (needs the [mlflow] extra); " + tracking_uri_help())
    return p


#: AuditOptions parameter -> the flag that sets it (for naming flags in the engine's errors).
FLAGS = {name: "--" + name.replace("_", "-") for name in (
    "n_boot", "seed", "batch_size", "min_group_size", "probes", "target_label", "alpha", "min_effect",
    "probe_n_boot", "attributions", "attribution_method")} | {"lexicon_files": "--lexicon"}


def flag_error(exc: ConfigError) -> ConfigError:
    """The engine's error with the parameter it names replaced by the CLI flag (unchanged without one)."""
    flag = FLAGS.get(exc.parameter or "")
    if flag is None or not str(exc).startswith(exc.parameter):
        return exc
    return ConfigError(flag + str(exc)[len(exc.parameter):], parameter=exc.parameter)


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
        probe_n_boot=args.probe_n_boot,
        attributions=args.attributions,
        attribution_method=args.attribution_method,
    )
    try:
        options.validate()
    except ConfigError as exc:
        raise flag_error(exc) from None
    return options


def run(args) -> int:
    options = options_from_args(args)
    if args.ray_address is not None and args.engine != "ray":
        raise ConfigError("--ray-address needs --engine ray")
    if args.ray_replicas is not None and (args.engine != "ray" or args.ray_replicas < 1):
        raise ConfigError("--ray-replicas needs --engine ray and a number of at least 1")
    check_output_dir(args.out, overwrite=args.overwrite or args.resume)
    tracking_uri = None
    if args.mlflow is not None:  # before the audit: a missing extra or an unreachable server fails in seconds
        from auditkit.export import check_tracking_uri
        tracking_uri = check_tracking_uri(args.mlflow or None)
    data_options = dict(text_col=args.text_col, label_col=args.label_col, group_cols=args.group_cols, limit=args.limit)
    if args.engine == "ray":
        from auditkit.distributed import RayClassifier, connect, read_ray_dataset

        resources = connect(args.ray_address)
        say(f"ray: connected to {args.ray_address or 'a local Ray'} "
            f"({int(resources.get('CPU', 0))} CPUs, {int(resources.get('GPU', 0))} GPUs)")
        dataset = read_ray_dataset(args.data, **data_options)
    else:
        dataset = load_dataset(args.data, **data_options)
    if args.engine == "ray":  # the driver keeps fp32 weights; each replica applies --precision on its device
        classifier = load_classifier(args.model, trust_remote_code=args.trust_remote_code, device="cpu",
                                     max_length=args.max_length)
        classifier = RayClassifier(classifier, replicas=args.ray_replicas, precision=args.precision)
    else:
        classifier = load_classifier(args.model, trust_remote_code=args.trust_remote_code, device=args.device,
                                     max_length=args.max_length, precision=args.precision)
    stored = None
    if args.resume:
        stored, reason = reusable_predictions(args.out, classifier=classifier, dataset=dataset)
        say(f"resume: {reason}")
    try:
        result = run_audit(classifier, dataset, options=options, log=say, predictions=stored)
    except ConfigError as exc:
        raise flag_error(exc) from None
    path = write_run(args.out, result.record, result.tables, overwrite=args.overwrite or args.resume)
    m = result.record["metrics"]
    acc, f1 = m["accuracy"], m["macro_f1"]

    def ci(entry):
        return f"{entry['value']:.3f}" + (f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]" if entry["ci_low"] is not None else "")

    show(f"run stored in {path}: accuracy {ci(acc)}, macro-F1 {ci(f1)}")
    if tracking_uri is not None:
        from auditkit.export import export_mlflow
        [mlflow_id] = export_mlflow([path], tracking_uri=tracking_uri)
        show(f"logged to MLflow at {tracking_uri}: run {mlflow_id}")
    return 0
