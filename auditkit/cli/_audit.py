"""``auditkit audit``: evaluate and bias-audit a classifier, store the run."""

from __future__ import annotations

from auditkit.audit import AuditOptions, run_audit
from auditkit.audit._runner import check_audit_options, prepare_route
from auditkit.cli._common import add_data_options, add_model_options, add_output_options, label_columns, say, show
from auditkit.cli._export import tracking_uri_help
from auditkit.data import load_dataset
from auditkit.errors import ConfigError, ModelError
from auditkit.models import load_model
from auditkit.models._thresholds import DEFAULT_THRESHOLD, resolve_thresholds
from auditkit.models._endpoint import ENDPOINT_FORMATS
from auditkit.models._precision import PRECISIONS
from auditkit.models._labels import check_label_columns
from auditkit.models._kinds import model_kind
from auditkit.store import write_run
from auditkit.store._partial import PartialPredictions
from auditkit.store._run import check_output_dir
from auditkit.store._resume import reusable_predictions


def add_parser(sub):
    p = sub.add_parser(
        "audit",
        help="evaluate and bias-audit a classifier; store the run",
        description="Predict a labelled dataset with a classifier, score it with confidence intervals, "
        "and store the run (run.json + predictions.parquet) in --out.",
    )
    p.add_argument("--model", required=True,
                   help="what to audit: a model directory (e.g. one written by auditkit train), a Hub id or minilm; "
                        "http(s)://HOST:PORT/v2/models/NAME/infer (an inference endpoint); module:attribute or "
                        "file.py:attribute (a Python object with predict_proba and classes_, or a callable; this RUNS "
                        "that code); FILE.skops (a scikit-learn model saved with skops); zero-shot:MODEL (an NLI "
                        "model, with --candidate-labels); a folder holding model.onnx (auditkit.models.export_onnx)")
    add_data_options(p)
    add_model_options(p)
    add_output_options(p, writes="run directory", replaces="an existing auditkit run")
    d = AuditOptions  # every default below is the options dataclass's own
    p.add_argument("--n-boot", type=int, default=d.n_boot,
                   help="bootstrap resamples for the metrics' confidence intervals (default %(default)s; 0 skips them)")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of every resampling (default %(default)s)")
    p.add_argument("--min-group-size", type=int, default=d.min_group_size,
                   help="groups smaller than this are flagged as too small to trust (default %(default)s)")
    p.add_argument("--resume", action="store_true",
                   help="reuse the predictions stored in the run at --out when its model and data fingerprints match "
                        "(the run is then replaced), or those a failed audit kept beside --out, predicting the rest")
    p.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="PyTorch checkpoints: fp32 (default); int8: every encoder linear layer in int8 on a CPU, where measured faster than fp32 "
                        "on this machine (else fp32 runs and the run says so; AUDITKIT_ROUTE forces a route); "
                        "bf16/fp16: autocast on CUDA")
    engine = p.add_argument_group("engine")
    engine.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: this process (default); ray: prediction and probe scoring on a Ray cluster "
                             "(needs the [distributed] extra)")
    engine.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="Ray cluster to use with --engine ray: auto, HOST:PORT or ray://HOST:PORT "
                             "(default: start a local Ray on this machine)")
    engine.add_argument("--ray-replicas", type=int, default=None, metavar="N",
                        help="classifier replicas (Ray actors) (default: one per GPU, else one per 4 CPUs)")
    kinds = p.add_argument_group("endpoint, Python, skops and zero-shot models")
    kinds.add_argument("--labels", default=None, metavar="A,B,...",
                       help="class names in the order of the model's score columns (default: what the model declares: "
                            "classes_, the endpoint's metadata or label names)")
    kinds.add_argument("--multi-label", action="store_true",
                       help="the model scores each label on its own (a sigmoid each): rows need not sum to 1")
    kinds.add_argument("--endpoint-format", choices=ENDPOINT_FORMATS, default=None,
                       help="v2: Open Inference Protocol (default); inputs: POST {\"inputs\": [texts]} -> one list of "
                            "{label, score} per text (Hugging Face inference servers)")
    kinds.add_argument("--endpoint-concurrency", type=int, default=None, metavar="N",
                       help="requests in flight at once (default 4); --batch-size texts per request")
    kinds.add_argument("--endpoint-timeout", type=float, default=None, metavar="SECONDS",
                       help="seconds to wait for one answer (default 30)")
    kinds.add_argument("--endpoint-retries", type=int, default=None, metavar="N",
                       help="retries of a request answered 429 or 503, with exponential backoff (default 3)")
    kinds.add_argument("--endpoint-auth-env", default=None, metavar="VAR",
                       help="environment variable holding the endpoint's credential, sent as Authorization: Bearer "
                            "<value>; never stored in the run or shown")
    kinds.add_argument("--endpoint-auth-header", default=None, metavar="NAME",
                       help="send the credential as NAME: <value> instead (e.g. X-API-Key)")
    kinds.add_argument("--candidate-labels", default=None, metavar="A,B,...",
                       help="zero-shot models: the classes to choose between, in order")
    kinds.add_argument("--hypothesis-template", default=None, metavar="TEXT",
                       help="zero-shot models: the hypothesis, {} standing for a label (default 'This example is {}.')")
    ml = p.add_argument_group("multi-label models")
    ml.add_argument("--threshold", type=float, default=None, metavar="T",
                    help="decision threshold of every label of a multi-label model, inside (0, 1) (default 0.5)")
    ml.add_argument("--threshold-file", default=None, metavar="FILE",
                    help='per-label thresholds: JSON {"toxic": 0.4} or TOML (.toml) toxic = 0.4; '
                         "labels it does not name use --threshold")
    probes = p.add_argument_group("bias probes")
    probes.add_argument("--probes", default=",".join(d.probes),
                        help="comma-separated attributes to probe (auditkit probes list shows them: gender, race, religion, "
                             "sexual_orientation, gender_identity, disability, age, nationality, race_ethnicity, "
                             "gender_race, and those of --lexicon files and installed packs); 'all' probes every one; "
                             "'none' skips (default: %(default)s)")
    probes.add_argument("--language", default=d.language,
                        help="language of the texts: en, zh (Simplified or Traditional) or auto (detected from the "
                             "evaluation texts by their share of Han characters); picks the probe packs — with the "
                             "default --probes, zh probes every attribute of the zh pack (default: %(default)s)")
    probes.add_argument("--target-label", default=d.target_label,
                        help="class whose probability the probes compare (name or id); default: the last label of a binary model, every class of a multi-class one (each with its own verdicts, one Holm correction)")
    probes.add_argument("--lexicon", action="append", default=[], metavar="FILE",
                        help="a probe pack file or one-attribute lexicon file (JSON or TOML; see README 'Probe packs'), "
                             "repeatable; its attributes override packs of the same name")
    probes.add_argument("--alpha", type=float, default=d.alpha, help="significance level after Holm correction (default %(default)s)")
    probes.add_argument("--min-effect", type=float, default=d.min_effect,
                        help="smallest |gap| in target probability that matters: 'bias' means |gap| is shown (a test, "
                             "Holm-corrected) to exceed it, and 'no material bias' that the gap is shown to lie inside "
                             "±min-effect (default %(default)s)")
    probes.add_argument("--probe-n-boot", type=int, default=d.probe_n_boot,
                        help="pigeonhole-bootstrap resamples of each probe gap's se_bootstrap, a check on its standard "
                             "error (intervals are t intervals of the crossed test) (default %(default)s; 100 to 100000)")
    probes.add_argument("--max-probe-sentences", type=int, default=d.max_probe_sentences, metavar="N",
                        help="refuse, before predicting, lexicons whose template sentences number more than N; the error "
                             "says how many and how long they would take (default %(default)s)")
    attr = p.add_argument_group("attributions")
    attr.add_argument("--attributions", type=int, default=d.attributions, metavar="N",
                      help="how many examples to explain with Captum (default %(default)s; 0 skips)")
    attr.add_argument("--attribution-method", default=d.attribution_method,
                      help="auto (default: integrated_gradients for a PyTorch checkpoint, word_ablation for any other "
                           "model), integrated_gradients, input_x_gradient or occlusion (PyTorch checkpoints), "
                           "word_ablation, kernel_shap or lime (words deleted from the text: every model kind)")
    p.add_argument("--mlflow", nargs="?", const="", default=None, metavar="TRACKING_URI",
                   help="also log the stored run to MLflow (needs the [mlflow] extra); " + tracking_uri_help())
    return p


#: Parameters whose flag is not the parameter's own name (the CLI names every other one from its options).
FLAGS = {"lexicon_files": "--lexicon", "tracking_uri": "--mlflow", "address": "--ray-address",
         "replicas": "--ray-replicas", "multi_label": "--multi-label"}


def _names(value: str | None, flag: str) -> list[str] | None:
    """A comma-separated list of names (None when the flag was not given)."""
    if value is None:
        return None
    names = [n.strip() for n in value.split(",")]
    if not any(names) or any(not n for n in names):
        raise ConfigError(f"{flag} {value!r} has an empty name; give names separated by commas, e.g. negative,positive")
    return names


def model_options(args) -> dict:
    """The --model options as :func:`auditkit.models.load_model` takes them (None or False: not given)."""
    return dict(trust_remote_code=args.trust_remote_code, device=args.device, max_length=args.max_length,
                precision=args.precision, labels=_names(args.labels, "--labels"), multi_label=args.multi_label,
                endpoint_format=args.endpoint_format, endpoint_concurrency=args.endpoint_concurrency,
                endpoint_timeout=args.endpoint_timeout, endpoint_retries=args.endpoint_retries,
                endpoint_auth_env=args.endpoint_auth_env, endpoint_auth_header=args.endpoint_auth_header,
                candidate_labels=_names(args.candidate_labels, "--candidate-labels"),
                hypothesis_template=args.hypothesis_template)


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
        language=args.language,
        target_label=args.target_label,
        lexicon_files=tuple(args.lexicon),
        alpha=args.alpha,
        min_effect=args.min_effect,
        probe_n_boot=args.probe_n_boot,
        max_probe_sentences=args.max_probe_sentences,
        attributions=args.attributions,
        attribution_method=args.attribution_method,
    )
    options.validate()
    return options


def check_label_options(args, classifier):
    """The per-label thresholds of a multi-label model (None for a single-label one), after checking that
    --label-col, --threshold and --threshold-file fit the model."""
    cols = label_columns(args)
    if not classifier.multi_label:
        if args.threshold is not None or args.threshold_file is not None:
            raise ConfigError(f"--threshold and --threshold-file apply to multi-label models; {classifier.name!r} is "
                              "single-label (softmax over classes)")
        if not isinstance(cols, str):
            raise ConfigError(f"{len(cols)} --label-col columns describe multi-label data, but {classifier.name!r} is a "
                              "single-label classifier; pass one --label-col")
        return None
    if not isinstance(cols, str):
        check_label_columns(cols, classifier.labels)
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    return resolve_thresholds(classifier.labels, threshold=threshold, threshold_file=args.threshold_file)


def run(args) -> int:
    options = options_from_args(args)
    if args.ray_address is not None and args.engine != "ray":
        raise ConfigError("--ray-address needs --engine ray")
    if args.ray_replicas is not None and (args.engine != "ray" or args.ray_replicas < 1):
        raise ConfigError("--ray-replicas needs --engine ray and a number of at least 1")
    check_output_dir(args.out, overwrite=args.overwrite or args.resume)
    tracking_uri = None
    if args.mlflow is not None:  # before the audit: a missing extra or an unreachable server fails in seconds
        from auditkit.export._mlflow import check_tracking_uri
        tracking_uri = check_tracking_uri(args.mlflow or None)
    # The model first: whether it is multi-label decides how the label column(s) are read.
    if args.engine == "ray":  # the driver keeps fp32 weights; each replica applies --precision on its device
        kind = model_kind(args.model).name
        if kind != "transformers":
            raise ConfigError(f"--engine ray replicates a PyTorch checkpoint; {kind} models predict where they are "
                              "(an endpoint scales on its server: raise --endpoint-concurrency)")
        classifier = load_model(args.model, **(model_options(args) | {"device": "cpu", "precision": None}))
    else:
        classifier = load_model(args.model, **model_options(args))
    thresholds = check_label_options(args, classifier)
    data_options = dict(text_col=args.text_col, label_col=label_columns(args), group_cols=args.group_cols, limit=args.limit,
                        multi_label=classifier.multi_label)
    if args.engine == "ray":
        from auditkit.distributed import RayClassifier, connect, read_ray_dataset

        resources = connect(args.ray_address)
        say(f"ray: connected to {args.ray_address or 'a local Ray'} "
            f"({int(resources.get('CPU', 0))} CPUs, {int(resources.get('GPU', 0))} GPUs)")
        dataset = read_ray_dataset(args.data, **data_options)
        classifier = RayClassifier(classifier, replicas=args.ray_replicas, precision=args.precision or "fp32")
    else:
        dataset = load_dataset(args.data, **data_options)
    # before predicting: a bad option or label costs no model calls
    check_audit_options(classifier, dataset, options, thresholds=thresholds)
    prepare_route(classifier, dataset)  # before --resume compares the precision that runs with the stored one
    stored = None
    partial = PartialPredictions(args.out, classifier=classifier, dataset=dataset)
    if args.resume:
        stored, reason = reusable_predictions(args.out, classifier=classifier, dataset=dataset)
        if stored is None:
            reason += f"; {partial.load()}"
        say(f"resume: {reason}")
    try:
        if stored is None:  # predicted in chunks: a model that dies on the way leaves the finished rows for --resume
            say(f"predict: {len(dataset)} texts with {classifier.name} on {classifier.where}"
                + (f" (route {classifier.route})" if getattr(classifier, "route", None) else ""))
            if getattr(classifier, "route_note", None):
                say(f"note: {classifier.route_note}")
            stored = partial.predict(dataset.texts, batch_size=options.batch_size)
        result = run_audit(classifier, dataset, options=options, log=say, predictions=stored, thresholds=thresholds)
        result.record["timings"] = {"predict": partial.seconds} | result.record["timings"]
        path = write_run(args.out, result.record, result.tables, overwrite=args.overwrite or args.resume)
    except ModelError:  # the model failed after predicting (probe scoring...): the predictions serve --resume
        partial.keep()
        raise
    except BaseException:
        partial.discard()
        raise
    partial.discard()
    m = result.record["metrics"]

    def ci(entry):
        return f"{entry['value']:.3f}" + (f" [{entry['ci_low']:.3f}, {entry['ci_high']:.3f}]" if entry["ci_low"] is not None else "")

    if classifier.multi_label:
        show(f"run stored in {path}: subset accuracy {ci(m['subset_accuracy'])}, micro-F1 {ci(m['micro_f1'])}, "
             f"macro-F1 {ci(m['macro_f1'])}, Hamming loss {ci(m['hamming_loss'])}")
    else:
        show(f"run stored in {path}: accuracy {ci(m['accuracy'])}, macro-F1 {ci(m['macro_f1'])}")
    if tracking_uri is not None:
        from auditkit.export import export_mlflow
        [mlflow_id] = export_mlflow([path], tracking_uri=tracking_uri)
        show(f"logged to MLflow at {tracking_uri}: run {mlflow_id}")
    return 0
