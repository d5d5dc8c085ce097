"""Stored runs made by the real producers on tiny models (importable as ``real_runs``).

Report, compare, gate, dashboard and browser tests read these runs instead of hand-written
records: ``auditkit.audit.run_audit`` (metrics, bias probes, observed groups, attributions) on a
tiny random classifier, stored with ``auditkit.store.write_run``. Each distinct run is audited
once per test session and copied to where a test asks for it.

Hostile strings reach every renderer through the model's label names, a group value and the
texts, so escaping is exercised wherever run data is shown.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd

HOSTILE_SCRIPT = "<script>alert('xss')</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_CLOSE = "</script><script>alert(2)</script>"
#: The tiny models' class names: every table of labels carries the hostile strings.
LABELS = (f"negative {HOSTILE_SCRIPT}", f"positive {HOSTILE_IMG}")
HOSTILE_GROUP = f"female {HOSTILE_CLOSE}"
FAMILIES = ("templates_nouns", "templates_identity_terms", "dataset_counterfactual")

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "reviews_test.csv"
TOXICITY = SAMPLE.parent / "toxicity" / "toxicity_test.csv"
#: The tiny multi-label model's labels: the 0/1 columns of :data:`TOXICITY`.
MULTILABEL_LABELS = ("toxic", "insult", "threat", "identity_attack")
_CACHE: dict[tuple, Path] = {}
_ROOT = Path(tempfile.mkdtemp(prefix="auditkit-real-runs-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)


def hostile_data(*, limit: int = 60) -> Path:
    """The first ``limit`` sample reviews (labels as ids, 'female' renamed hostile) plus three hostile texts."""
    path = _ROOT / f"data-{limit}.csv"
    if not path.exists():
        frame = pd.read_csv(SAMPLE).head(limit)
        frame["label"] = (frame["label"] == "positive").astype(int)
        frame["gender_mention"] = frame["gender_mention"].replace({"female": HOSTILE_GROUP})
        extra = pd.DataFrame({
            "text": [f"My sister said {HOSTILE_IMG} was awful", f"Great food {HOSTILE_SCRIPT} really, my brother agreed",
                     f"odd {HOSTILE_CLOSE} text she wrote"],
            "label": [0, 1, 0], "gender_mention": [HOSTILE_GROUP, "male", HOSTILE_GROUP]})
        pd.concat([frame, extra], ignore_index=True).to_csv(path, index=False)
    return path


def _save(model, tokenizer, out: Path) -> None:
    """save_pretrained without its progress bar on stderr: tests that read the CLI's stderr build runs first."""
    with contextlib.redirect_stderr(io.StringIO()):
        model.save_pretrained(out)
        tokenizer.save_pretrained(out)


def tiny_model_dir(*, seed: int = 0) -> Path:
    """A tiny classifier with :data:`LABELS` saved as a model directory (the runs' model; What-if loads it).

    Its weight matrices are redrawn wider than BERT's initialisation (std 0.4), so that
    predictions vary with the text: errors, flips and gaps of every size occur, as in a
    trained model, instead of one near-constant probability.
    """
    import torch

    from tiny_models import build_tiny_classifier

    out = _ROOT / f"model-{seed}"
    if not (out / "config.json").exists():
        clf = build_tiny_classifier(LABELS, seed=seed)
        with torch.no_grad():
            for name, weights in clf.model.named_parameters():
                if weights.dim() == 2 and "embeddings" not in name:
                    weights.normal_(0.0, 0.4)
        _save(clf.model, clf.tokenizer, out)
    return out


def trained_model_dir(*, seed: int = 0) -> Path:
    """:func:`tiny_model_dir` fitted to :func:`hostile_data` itself (plain full-batch AdamW): a much better model.

    (auditkit.training's Trainer takes minutes here on busy cores; the runs only need a better model.)
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out = _ROOT / f"model-{seed}-trained"
    if not (out / "config.json").exists():
        source = tiny_model_dir(seed=seed)
        model = AutoModelForSequenceClassification.from_pretrained(source)
        tokenizer = AutoTokenizer.from_pretrained(source)
        data = pd.read_csv(hostile_data())
        batch = tokenizer(list(data["text"]), padding=True, truncation=True, max_length=128, return_tensors="pt")
        labels = torch.tensor(data["label"].to_numpy())
        torch.manual_seed(seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        for _ in range(40):
            optimizer.zero_grad()
            model(**batch, labels=labels).loss.backward()
            optimizer.step()
        model.eval()
        _save(model, tokenizer, out)
    return out


def _audit(out: Path, *, seed: int, limit: int, probes: bool, attributions: bool, trained: bool) -> Path:
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier
    from auditkit.store import write_run

    clf = load_classifier(str(trained_model_dir(seed=seed) if trained else tiny_model_dir(seed=seed)))
    data = load_dataset(hostile_data(limit=limit), text_col="text", label_col="label", group_cols=["gender_mention"])
    # the smallest template family per attribute plus the data's own counterfactuals keeps an audit to seconds
    options = AuditOptions(n_boot=200, probe_n_boot=200, probes=("gender", "race") if probes else (), probe_families=FAMILIES,
                           attributions=4 if attributions else 0, attribution_method="input_x_gradient")
    result = run_audit(clf, data, options=options, log=lambda _: None, progress=False)
    return write_run(out, result.record, result.tables)


def audit_run(out, *, seed: int = 0, limit: int = 60, probes: bool = True, attributions: bool = True,
              trained: bool = False, created_at: str | None = None) -> Path:
    """A real run at ``out``: the tiny model ``seed`` (:func:`tiny_model_dir`) audited on :func:`hostile_data`.

    ``limit`` sample reviews (another limit is another dataset fingerprint); ``probes`` /
    ``attributions`` False skip those stages (their sections are then absent); ``created_at``
    sets the stored time (the dashboard's order); ``trained`` audits :func:`trained_model_dir`
    instead (far more accurate on this data). Runs are audited once per session and
    copied; each copy gets its own run_id.
    """
    key = (seed, limit, probes, attributions, trained)
    if key not in _CACHE:
        _CACHE[key] = _audit(_ROOT / f"run-{len(_CACHE)}", seed=seed, limit=limit, probes=probes, attributions=attributions,
                             trained=trained)
    return _copy(_CACHE[key], Path(out), created_at=created_at)


def _copy(cached: Path, out: Path, *, created_at: str | None = None) -> Path:
    """A copy of a cached run at ``out``, with its own run_id."""
    shutil.copytree(cached, out)
    file = out / "run.json"
    record = json.loads(file.read_text(encoding="utf-8"))
    record["run_id"] = f"{record['run_id']}-{out.name}"
    if created_at is not None:
        record["created_at"] = created_at
    file.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def tiny_multilabel_model_dir() -> Path:
    """A tiny untrained multi-label classifier (a sigmoid per label of :data:`MULTILABEL_LABELS`) as a model directory."""
    from tiny_models import build_tiny_classifier

    out = _ROOT / "multilabel-model"
    if not (out / "config.json").exists():
        clf = build_tiny_classifier(MULTILABEL_LABELS, multi_label=True, layers=1)
        _save(clf.model, clf.tokenizer, out)
    return out


def _audit_multilabel(out: Path, *, thresholds: tuple, limit: int) -> Path:
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier
    from auditkit.store import write_run

    clf = load_classifier(str(tiny_multilabel_model_dir()))
    data = load_dataset(TOXICITY, text_col="text", label_col=list(MULTILABEL_LABELS), limit=limit, multi_label=True)
    options = AuditOptions(n_boot=200, probes=(), attributions=0)
    result = run_audit(clf, data, options=options, log=lambda _: None, progress=False, thresholds=dict(thresholds))
    return write_run(out, result.record, result.tables)


def multilabel_run(out, *, thresholds: dict[str, float] | None = None, limit: int = 80) -> Path:
    """A real multi-label run at ``out``: :func:`tiny_multilabel_model_dir` audited on the first ``limit`` rows
    of :data:`TOXICITY` (no probes, no attributions).

    ``thresholds`` maps labels to decision thresholds (others 0.5): runs that differ only there have the
    same dataset and predict on the same rows, so compare pairs them. Audited once per session and copied.
    """
    key = ("multi_label", tuple(sorted((thresholds or {}).items())), limit)
    if key not in _CACHE:
        _CACHE[key] = _audit_multilabel(_ROOT / f"run-{len(_CACHE)}", thresholds=key[1], limit=limit)
    return _copy(_CACHE[key], Path(out))
