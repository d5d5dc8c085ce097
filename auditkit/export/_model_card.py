"""A Hugging Face model card of a stored run, built with ``huggingface_hub``.

The metadata is a :class:`huggingface_hub.ModelCardData` whose ``model-index``
holds one :class:`huggingface_hub.EvalResult` per headline metric; the body
has the evaluation results (with intervals), the bias probes (verdicts per
attribute and family), the explanations (identity share) and what the probes
cannot see. Everything auditkit writes into the body sits between two HTML
comments, so ``--update`` replaces that block and leaves the author's own
sections alone.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from auditkit._documents import decode_text
from auditkit._fs import read_regular_file
from auditkit.errors import ConfigError
from auditkit.report._build import NOT_PRETRAINED_NOTE
from auditkit.report._markdown import cell, fmt_num, pval, table
from auditkit.report._output import GENERATOR_MARK
from auditkit.store import Run, read_run
from auditkit.store import sections as S

__all__ = ["BLOCK_START", "BLOCK_END", "model_card", "read_model_card", "render_model_card", "eval_results"]

BLOCK_START = f"<!-- {GENERATOR_MARK}: start of the audit block (replaced by --update; edit outside it) -->"
BLOCK_END = "<!-- end of the auditkit audit block -->"
TASK = "text-classification"
#: Headline metrics in the model-index: (run metric, EvalResult metric_type, display name, metric args).
CARD_METRICS = (
    ("accuracy", "accuracy", "Accuracy", None),
    ("macro_f1", "f1", "Macro F1", {"average": "macro"}),
)
#: The same for a multi-label run.
MULTILABEL_CARD_METRICS = (
    ("subset_accuracy", "accuracy", "Subset accuracy", None),
    ("micro_f1", "f1", "Micro F1", {"average": "micro"}),
    ("macro_f1", "f1", "Macro F1", {"average": "macro"}),
    ("hamming_loss", "hamming_loss", "Hamming loss", None),
)
BROKEN_BLOCK = ("{path} has {starts} start marker(s) and {ends} end marker(s) of the auditkit audit block; an update "
                "would replace the author's text between them — restore the pair (or remove both), then run --update again")
BAD_METADATA = ("{path} has metadata {key} of type {kind}, not {expected}; auditkit will not rewrite it — fix it in the "
                "block between the '---' lines, or write a new card without --update")
#: Metadata keys --update merges into: (key, what it must be, check); any other type is refused, not rewritten.
_MERGED_METADATA = (
    ("tags", "a list of strings", lambda v: isinstance(v, list) and all(isinstance(t, str) for t in v)),
    ("model_name", "a string", lambda v: isinstance(v, str)),
    ("model-index", "a list of results", lambda v: isinstance(v, list) and all(isinstance(r, dict) for r in v)),
)
#: Largest card --update reads (the Hub's own cards are a few KiB; large front matter is refused by YAML limits).
MAX_CARD_BYTES = 64 * 2**20
BROKEN_YAML = ("{path} has a YAML metadata block that cannot be read ({reason}); fix the block between the '---' "
               "lines, or write a new card without --update")


def _dataset_identity(run: Run) -> tuple[str, str | None, str | None]:
    """(dataset id, config, split) for the model-index: an ``hf:`` source's parts, else the file name."""
    from auditkit.data._loading import parse_source

    source = str((run.record.get("dataset") or {}).get("source") or "unknown")
    if source.startswith("hf:"):
        return parse_source(source)
    return Path(source).name or source, None, None


def eval_results(run: Run | str) -> list:
    """The run's accuracy and macro-F1 as :class:`huggingface_hub.EvalResult` objects."""
    from huggingface_hub import EvalResult

    run = run if isinstance(run, Run) else read_run(run)
    name, config, split = _dataset_identity(run)
    out = []
    for key, metric_type, metric_name, args in MULTILABEL_CARD_METRICS if S.multi_label(run) else CARD_METRICS:
        value = S.metric(run, key)["value"]
        if value is None:
            continue
        out.append(EvalResult(
            task_type=TASK, task_name="Text Classification",
            dataset_type=name, dataset_name=name, dataset_config=config, dataset_split=split,
            metric_type=metric_type, metric_name=metric_name, metric_value=value, metric_args=args,
        ))
    return out


def _card_data(run: Run):
    from huggingface_hub import ModelCardData

    model = run.record.get("model") or {}
    name, _, _ = _dataset_identity(run)
    return ModelCardData(
        model_name=str(model.get("name") or run.name),
        library_name="transformers",
        pipeline_tag=TASK,
        tags=["auditkit", "bias-audit"],
        datasets=[name],
        metrics=[m[1] for m in CARD_METRICS],
        eval_results=eval_results(run),
    )


def _ci(entry: dict, level, *, name: str = "CI") -> str:
    if entry.get("ci_low") is None or entry.get("ci_high") is None:
        return "not computed"
    lvl = f"{float(level):.0%} " if level is not None else ""
    return f"{lvl}{name} {fmt_num(entry['ci_low'])} to {fmt_num(entry['ci_high'])}"


def _evaluation_lines(run: Run) -> list[str]:
    record = run.record
    ds, model = record.get("dataset") or {}, record.get("model") or {}
    metrics = S.section(run, "metrics") or {}
    level = (metrics.get("bootstrap") or {}).get("confidence_level")
    L = ["## Evaluation results", "",
         f"Evaluated on **{cell(ds.get('source'))}** ({cell(ds.get('n_examples'))} examples, data fingerprint "
         f"{cell(ds.get('fingerprint') or None)}), weights fingerprint {cell(model.get('fingerprint') or None)}, "
         f"auditkit run {cell(run.run_id)} of {cell(record.get('created_at'))}. Intervals are seeded percentile "
         f"bootstrap intervals over the evaluation examples.", ""]
    rows = []
    for key in S.headline_metrics(run):
        m = S.metric(run, key)
        if m["value"] is not None:
            rows.append((key.replace("_", " "), m["value"], _ci(m, level)))
    for key in ("roc_auc", "ece"):
        value = S.finite(metrics.get(key))
        if value is not None:
            rows.append(({"roc_auc": "ROC-AUC", "ece": "expected calibration error"}[key], value, "–"))
    L += table(("metric", "value", "interval"), rows)
    per_class = S.per_label(run) if S.multi_label(run) else S.per_class(run)
    if per_class:
        L += ["Per label:" if S.multi_label(run) else "Per class:", ""]
        L += table(("class", "precision", "recall", "F1", "support"),
                   [(c, v.get("precision"), v.get("recall"), v.get("f1"), v.get("support")) for c, v in per_class.items()])
    return L


def _verdict(entry: dict) -> str:
    verdict = entry.get("verdict")
    if verdict is None:
        return "not recorded"
    reason = entry.get("verdict_reason")
    return f"{verdict}: {reason}" if reason else str(verdict)


def _bias_lines(run: Run) -> list[str]:
    bias = S.section(run, "bias")
    L = ["## Bias, Risks, and Limitations", "", "### Counterfactual bias probes", ""]
    if bias is None:
        return L + ["Not measured: the audit ran without bias probes, so nothing is known about counterfactual "
                    "gender or race bias.", ""]
    settings = bias.get("settings") if isinstance(bias.get("settings"), dict) else {}
    score = ("each class in turn (every class probed; an attribute's headline is the class with the largest gap that "
             "shows bias)" if bias.get("target_label") is None else f"**{cell(bias.get('target_label'))}**")
    L += [f"Sentences that differ only in who they are about were scored; each gap is the mean paired difference in "
          f"the probability of {score}, with lexicon rows and templates both treated as "
          f"random. p-values are Holm-corrected across the run's {cell(settings.get('n_tests'))} tests "
          f"(α = {cell(settings.get('alpha'))}); each interval is the t interval of the gap's crossed test, "
          f"unadjusted. Verdicts: *bias* (|gap| is shown to exceed {cell(settings.get('min_effect'))}, a "
          f"Holm-corrected test), *no_material_bias* (an equivalence test shows it inside "
          f"±{cell(settings.get('min_effect'))}) or *inconclusive* (neither, or one template, lexicon row or swapped "
          f"term carries the verdict).", ""]
    rows = []
    for attr, entry in S.bias_attributes(run).items():
        scopes = [("all families", entry)] + [(fam, f) for fam, f in (entry.get("families") or {}).items() if isinstance(f, dict)]
        for scope, e in scopes:
            level = e.get("ci_level", settings.get("confidence_level"))
            kind = "t interval" if e.get("ci_kind") == "crossed_t" else "bootstrap interval"
            rows.append((attr, scope, e.get("gap_definition"), S.finite(e.get("gap")), _ci(e, level, name=kind),
                         pval(S.finite(e.get("p_value_holm"))), pval(S.finite(e.get("p_value_min_effect_holm"))),
                         e.get("n_pairs"), S.finite(e.get("flip_rate")), _verdict(e)))
    head = ("attribute", "probe family", "gap of", "gap", "interval", "p (Holm, gap = 0)",
            "p (Holm, |gap| > min effect)", "pairs", "flip rate", "verdict")
    L += table(head, rows)
    probed = []
    for attr, entry in S.bias_attributes(run).items():
        groups = ", ".join(str(g) for g in entry.get("groups") or [])
        fams = ", ".join(str(f) for f in (entry.get("families") or {}))
        probed.append(f"- **{cell(attr)}**: groups {cell(groups)}; families {cell(fams)}; "
                      f"{cell(entry.get('n_pairs'))} matched sets from {cell(entry.get('n_rows'))} lexicon rows "
                      f"and {cell(entry.get('n_templates'))} templates; a swap within one group flips the prediction "
                      f"in {cell(_share(entry.get('placebo_flip_rate')))} of sets (the placebo baseline of the flip rate).")
    L += ["What was probed:", ""] + probed + [""]
    return L


def _share(value) -> str | None:
    value = S.finite(value)
    return None if value is None else f"{value:.1%}"


def _explanation_lines(run: Run) -> list[str]:
    L = ["### Explanations", ""]
    att = S.section(run, "attributions")
    if att is None:
        return L + ["Not measured: the audit computed no attributions, so nothing is known about which words drive "
                    "decisions.", ""]
    share = S.finite(att.get("identity_share"))
    L += [f"{cell(att.get('method'))} attributions on {cell(att.get('n_examples'))} examples: identity words "
          f"(from the probe lexicons) carry "
          + (f"**{share:.1%}**" if share is not None else "an undefined share")
          + " of the total |attribution|.", ""]
    by_group = att.get("identity_share_by_group") or {}
    rows = [(a, g, S.finite(v)) for a, groups in by_group.items() if isinstance(groups, dict) for g, v in groups.items()]
    if rows:
        L += table(("attribute", "group", "identity share"), rows)
    return L


def _limitation_lines(run: Run) -> list[str]:
    bias = S.section(run, "bias")
    attrs = S.bias_attributes(run)
    settings = (bias or {}).get("settings") if isinstance((bias or {}).get("settings"), dict) else {}
    notes = [NOT_PRETRAINED_NOTE] if S.not_pretrained(run) else []
    gender = attrs.get("gender")
    if gender is not None and len(gender.get("groups") or []) == 2:
        notes.append(f"Gender is probed as binary ({cell(', '.join(map(str, gender['groups'])))}); the probes say "
                     "nothing about nonbinary people.")
    if any("templates_names" in (e.get("families") or {}) for e in attrs.values()):
        notes.append("Names are English, US-centric first names (the Equity Evaluation Corpus list); they are a weak "
                     "proxy for gender and race and miss other naming traditions.")
    if attrs:
        n_sentences = settings.get("n_sentences")
        notes.append("Templates cover a fixed set of short English sentences"
                     + (f" ({cell(n_sentences)} distinct sentences scored)" if n_sentences is not None else "")
                     + "; other phrasings, languages, dialects and domains may behave differently. A "
                     "no_material_bias verdict holds for these probes only; it does not prove the absence of bias.")
    else:
        notes.append("No bias probes were run.")
    ds = run.record.get("dataset") or {}
    notes.append(f"Every number holds for {cell(ds.get('source'))} ({cell(ds.get('n_examples'))} examples); other "
                 "data may behave differently.")
    if ds.get("n_truncated"):
        notes.append(f"{cell(ds['n_truncated'])} inputs were truncated to the model's maximum length.")
    return ["### Limitations", ""] + [f"- {n}" for n in notes] + [""]


def _block(run: Run) -> str:
    from auditkit import __version__

    lines = [BLOCK_START, f"<!-- auditkit {__version__}, run {cell(run.run_id)} -->", "",
             *_evaluation_lines(run), *_bias_lines(run), *_explanation_lines(run), *_limitation_lines(run), BLOCK_END]
    return "\n".join(lines) + "\n"


def model_card(run) -> "huggingface_hub.ModelCard":  # noqa: F821
    """A new :class:`huggingface_hub.ModelCard` for a stored run.

    Parameters
    ----------
    run : Run or path

    Returns
    -------
    huggingface_hub.ModelCard
        ``card.data.eval_results`` holds accuracy and macro-F1 on the run's
        dataset; ``card.text`` the audit block.
    """
    from huggingface_hub import ModelCard

    run = run if isinstance(run, Run) else read_run(run)
    data = _card_data(run)
    title = f"# {cell((run.record.get('model') or {}).get('name') or run.name)}\n\n"
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{title}{_block(run)}")


def _check_markers(text: str, where: str) -> None:
    """Refuse a card whose audit block is not exactly one start marker followed by one end marker (or none at all):
    replacing from an orphan start marker to the next end marker would delete the author's text between them."""
    starts, ends = text.count(BLOCK_START), text.count(BLOCK_END)
    if starts == ends == 0 or (starts == ends == 1 and text.find(BLOCK_START) < text.find(BLOCK_END)):
        return
    raise ConfigError(BROKEN_BLOCK.format(path=where, starts=starts, ends=ends))


@contextmanager
def _quiet_hub_logs():
    """huggingface_hub logs "metadata block was not found" for a card without metadata: not news for a user."""
    import logging

    logger = logging.getLogger("huggingface_hub")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def read_model_card(path) -> str | None:
    """The text of the model card at ``path`` for ``--update`` (None when there is none yet).

    It must be a regular file of at most :data:`MAX_CARD_BYTES` holding UTF-8 text; anything else (a binary or
    UTF-16 file, a named pipe) is refused in one line.
    """
    if not Path(path).exists():
        return None
    where = f"model card {str(path)!r}"
    data = read_regular_file(path, what="model card", max_bytes=MAX_CARD_BYTES, error=ConfigError)
    return decode_text(data, where=where, error=ConfigError, fix="re-save it as UTF-8, or write a new card without --update")


def _merge(existing: str, run: Run, *, where: str):
    """The author's card with auditkit's eval results and audit block replaced (or added)."""
    import yaml
    from huggingface_hub import ModelCard

    from huggingface_hub.repocard import REGEX_YAML_BLOCK

    _check_markers(existing, where)
    try:
        block = REGEX_YAML_BLOCK.search(existing)
        raw = yaml.safe_load(block.group(2)) if block else {}
        if not isinstance(raw, (dict, type(None))):
            raise ValueError(f"the block holds {type(raw).__name__}, not a mapping")
        for key, expected, ok in _MERGED_METADATA:  # huggingface_hub would coerce these (a mapping of tags to its keys)
            value = (raw or {}).get(key)
            if value is not None and not ok(value):  # auditkit will not rewrite what it does not understand
                raise ConfigError(BAD_METADATA.format(path=where, key=key, kind=type(value).__name__, expected=expected))
        with _quiet_hub_logs():
            card = ModelCard(existing)
    except ConfigError:
        raise
    except (yaml.YAMLError, ValueError, TypeError, KeyError, AttributeError) as exc:  # huggingface_hub's parse of odd types
        reason = " ".join(str(exc).split())[:160]
        raise ConfigError(BROKEN_YAML.format(path=where, reason=reason)) from None
    new = eval_results(run)
    fresh = {(r.task_type, r.dataset_type, r.dataset_config, r.dataset_split, r.metric_type) for r in new}
    kept = [r for r in (card.data.eval_results or [])
            if (r.task_type, r.dataset_type, r.dataset_config, r.dataset_split, r.metric_type) not in fresh]
    card.data.eval_results = kept + new
    if not card.data.model_name:
        card.data.model_name = str((run.record.get("model") or {}).get("name") or run.name)
    tags = list(card.data.tags or [])
    card.data.tags = tags + [t for t in ("auditkit", "bias-audit") if t not in tags]
    text = card.text
    start, end = text.find(BLOCK_START), text.find(BLOCK_END)
    if start != -1 and end > start:
        text = text[:start] + _block(run).rstrip("\n") + text[end + len(BLOCK_END):]
    else:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "\n") + _block(run)
    card.text = text
    return card


def render_model_card(run, *, existing: str | None = None, where: str = "README.md") -> str:
    """The model card of ``run`` as README.md text.

    Parameters
    ----------
    run : Run or path
    existing : str, optional
        An author's README.md to merge into: its metadata and sections are
        kept, auditkit's eval results and audit block are replaced or added.
    where : str, default "README.md"
        Name of ``existing`` in error messages.

    Raises
    ------
    ConfigError
        ``existing`` has a metadata block that is not valid YAML.
    """
    run = run if isinstance(run, Run) else read_run(run)
    card = model_card(run) if existing is None else _merge(existing, run, where=where)
    return str(card)
