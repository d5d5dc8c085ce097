"""The findings of one run as plain data: what every report format renders.

HTML, Markdown and JSON reports all come from :func:`report_data`, so the
three formats cannot disagree.
"""

from __future__ import annotations

from auditkit import __version__
from auditkit.probes._verdict import format_verdict
from auditkit.store import sections as S
from auditkit._format import number as fmt_num
from auditkit.report._output import GENERATOR_MARK
from auditkit.store import Run
from auditkit.store._run import to_jsonable

N_WORST_PAIRS = 5
N_GALLERY = 8
#: How the verdict names the headline metrics it quotes, per task.
METRIC_NAMES = {"accuracy": "Accuracy", "macro_f1": "Macro-F1", "subset_accuracy": "Subset accuracy", "micro_f1": "Micro-F1",
                "samples_f1": "Samples-F1", "hamming_loss": "Hamming loss (lower is better)"}
HIGHLIGHTED = {"single_label": ("accuracy", "macro_f1"),
               "multi_label": ("micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss")}


def _scope_data(entry: dict) -> dict:
    """The fields of one bias scope (attribute or family) that documents show."""
    out = {k: S.finite(entry.get(k)) for k in ("gap", "ci_low", "ci_high", "ci_level", "tost_low", "tost_high",
                                               "holm_ci_low", "holm_ci_high", "se", "se_bootstrap", "p_value",
                                               "p_value_holm", "p_value_min_effect_holm", "p_value_equivalence",
                                               "flip_rate", "ctf_gap", "placebo_flip_rate", "placebo_ctf_gap")}
    out.update(verdict=entry["verdict"], verdict_reason=entry["verdict_reason"], n_rows=entry["n_rows"],
               n_templates=entry["n_templates"], n_pairs=entry["n_pairs"], ci_kind=entry["ci_kind"],
               influence=entry["influence"])
    return out


def _bias_data(run: Run) -> dict | None:
    bias = S.section(run, "bias")
    if bias is None:
        return None
    attrs = {}
    for attr, entry in S.bias_attributes(run).items():
        families = {str(fam): _scope_data(fentry) for fam, fentry in entry["families"].items()}
        diffs = S.paired_differences(run, attr)
        attrs[attr] = {
            "groups": [str(g) for g in entry["groups"]],
            "gap_definition": entry["gap_definition"],
            **_scope_data(entry),
            "note": entry.get("note"),
            "group_means": [{"group": g, "mean": S.finite(m)} for g, m in entry["group_means"].items()],
            "by_valence": {v: {k: S.finite(x) for k, x in e.items()} for v, e in entry["by_valence"].items()},
            "logit": {k: S.finite(x) for k, x in entry["logit"].items()},
            "families": families,
            "paired_differences": None if diffs is None else {
                "n": int(len(diffs)), "mean": float(diffs["diff"].mean()),
                "median": float(diffs["diff"].median()), "min": float(diffs["diff"].min()),
                "max": float(diffs["diff"].max()),
            },
            "worst_pairs": S.worst_pairs(run, attr, k=N_WORST_PAIRS),
            "headline_class": entry.get("headline_class"),
            "headline_reason": entry.get("headline_reason"),
        }
    return {"target_label": bias["target_label"], "target_label_reason": bias["target_label_reason"],
            "classes": S.class_bias_rows(run),
            "correction": bias["settings"]["correction"] if attrs else None, "attributes": attrs,
            "observed_groups": S.observed_groups(run) or None}


def _attribution_data(run: Run) -> dict | None:
    section = S.section(run, "attributions")
    if section is None:
        return None
    out = {k: section[k] for k in ("method", "n_examples", "n_steps_used", "mean_abs_convergence_delta",
                                   "identity_share", "identity_share_by_group", "identity_share_by_kind",
                                   "faithfulness", "top_words", "notes", "target")}
    table = S.attributions_table(run)
    examples, pairs = [], []
    if table is not None:
        singles = table[table["pair_id"].isna()]
        # one of each kind first (errors, borderline, correct...), then the rest
        singles = singles.assign(_rank=singles.groupby("kind", sort=False).cumcount()).sort_values("_rank", kind="stable")
        examples = [_example(row) for _, row in singles.head(N_GALLERY).iterrows()]
        paired = table[table["pair_id"].notna()]
        for pid, part in paired.groupby("pair_id", sort=False):
            high, low = part[part["side"] == "high"], part[part["side"] == "low"]
            pairs.append({"pair_id": str(pid), "sides": [_example(high.iloc[0]), _example(low.iloc[0])]})
            if len(pairs) >= N_GALLERY:
                break
    out["examples"] = examples
    out["pairs"] = pairs
    return out


def _example(row) -> dict:
    """One attributions.parquet row as report data (contract columns; absent pair fields are None)."""
    def text_or_none(value):
        return None if value is None or value != value else str(value)

    return {"text": row["text"], "target": row["target"], "words": list(row["words"]), "scores": list(row["scores"]),
            "delta": S.finite(row["convergence_delta"]), "side": text_or_none(row["side"]),
            "group": text_or_none(row["group"]), "attribute": text_or_none(row["attribute"]), "kind": row["kind"]}


#: What a report and a model card say of a model trained from random weights.
NOT_PRETRAINED_NOTE = ("The model was trained from scratch (random initial weights, not pretrained): it knows only its "
                       "training data, and words that data lacks are unknown to it.")


def _limitations(run: Run, data: dict) -> list[str]:
    notes = [NOT_PRETRAINED_NOTE] if S.not_pretrained(run) else []
    ds = data["dataset"]
    if ds.get("n_truncated"):
        notes.append(f"{ds['n_truncated']} inputs were truncated to the model's maximum length; their predictions saw only part of the text.")
    for col, groups in (data["slices"] or {}).items():
        small = [g for g, v in groups.items() if isinstance(v, dict) and v.get("small")]
        if small:
            notes.append(f"Groups of {col!r} too small to trust: {', '.join(map(str, small))}.")
    notes += _per_probed_attribute(
        data, _verdict_note, not_run="Bias probes were not run: nothing is known about counterfactual gender or race bias.")
    if _probed_attributes(data):
        notes.append("Probes use names and identity words as proxies for gender and race; they cover the lexicons' groups only "
                     "and cannot prove the absence of bias.")
    if data["attributions"] is None:
        notes.append("Attributions were not computed: no evidence on which words drive decisions.")
    if data["task"] == "multi_label":
        poor = [f"{label} ({fmt_num(v['ece'])})" for label, v in data["per_label"].items() if v["ece"] is not None and v["ece"] > 0.1]
        if poor:
            notes.append(f"Probabilities of {', '.join(poor)} are poorly calibrated (ECE); do not read them as confidence.")
        notes.append("Labels are decided at the thresholds " + ", ".join(f"{k} {v:g}" for k, v in data["metrics"]["thresholds"].items())
                     + "; other thresholds trade precision for recall differently.")
    elif data["metrics"]["ece"] is not None and data["metrics"]["ece"] > 0.1:
        notes.append(f"Probabilities are poorly calibrated (ECE {fmt_num(data['metrics']['ece'])}); do not read them as confidence.")
    notes.append(f"All numbers hold for {ds['source']} ({ds['n_examples']} examples); "
                 "other data may behave differently.")
    return notes


def _probed_attributes(data: dict) -> dict:
    """Attribute -> its bias entry; empty when the audit ran no probes."""
    return (data["bias"] or {}).get("attributes") or {}


def _per_probed_attribute(data: dict, line, *, not_run: str) -> list[str]:
    """``line(attribute, entry)`` for each probed attribute (None: nothing to say), or ``[not_run]`` without probes."""
    attributes = _probed_attributes(data)
    if not attributes:
        return [not_run]
    return [text for attr, entry in attributes.items() if (text := line(attr, entry)) is not None]


def _verdict_note(attr: str, entry: dict) -> str | None:
    """The limitation a bias or inconclusive verdict is."""
    if entry["verdict"] == "bias":
        return f"The {attr} probe found bias: {entry['verdict_reason']} ({entry['gap_definition']})."
    if entry["verdict"] == "inconclusive":
        return f"The {attr} probe is inconclusive: {entry['verdict_reason']}."
    return None


def interval_name(e: dict) -> str:
    """What a scope's ci_low / ci_high are, in words ("95% t interval", or the bootstrap of an older run)."""
    kind = "t interval" if e["ci_kind"] == "crossed_t" else "pigeonhole bootstrap interval"
    return f"{e['ci_level']:.0%} {kind}"


def influence_line(e: dict) -> str | None:
    """The attribute's most influential template and row (or swapped term), in one sentence; None when not measured."""
    parts = []
    for r in S.influence_rows(e):
        if r["scope"] != "all families":
            continue
        where = f" of {r['family']}" if r["family"] else ""
        parts.append(f"{r['unit']} {r['key']}{where} ({r['text']!r}: gap {fmt_num(r['gap_without'], signed=True)} "
                     f"without it; leave-one-out range {fmt_num(r['gap_min'], signed=True)} to "
                     f"{fmt_num(r['gap_max'], signed=True)})")
    return "Most influential: " + "; ".join(parts) + "." if parts else None


def _gap_highlight(attr: str, e: dict) -> str | None:
    """An attribute's gap, interval, verdict and flip rate in one line; None without a gap."""
    if e["gap"] is None:
        return None
    level = ("no interval: untested" if e["ci_low"] is None else
             f"{interval_name(e)} {fmt_num(e['ci_low'], signed=True)} to {fmt_num(e['ci_high'], signed=True)}")
    text = (f"{attr.capitalize()} gap ({e['gap_definition']}): {fmt_num(e['gap'], signed=True)} ({level}) — "
            f"{format_verdict(e['verdict'])}"
            + (f"; predictions flip in {e['flip_rate']:.1%} of pairs." if e.get("flip_rate") is not None else "."))
    om = e.get("omnibus")
    if om is not None:
        text += (f" All {om['n_pairs']} pairs of groups at once (max |t| = {om['t_max']:.2f}, largest "
                 f"{om['largest_pair']}): {format_verdict(om['verdict'])} (Holm p = {om['p_value_min_effect_holm']:.3g}).")
    inter = e.get("intersection")
    if inter is not None:
        (a, b), grid = inter["attributes"], inter["grid"]
        cells = "; ".join(f"{x} {y} {fmt_num(m)}" for x, row in grid.items() for y, m in row.items())
        i = inter["interaction"]
        text += (f" {a.capitalize()} x {b} grid of means: {cells}. Interaction {inter['interaction_definition']}: "
                 f"{fmt_num(i['gap'], signed=True)} — {format_verdict(i['verdict'])}.")
    if e.get("mde") is not None:
        text += (f" This audit could not have seen gaps below {fmt_num(e['mde'])} (80% power at its Holm level; a "
                 f"bias verdict needs {fmt_num(e['mde_bias'])}).")
    influence = influence_line(e)
    return text if influence is None else f"{text} {influence}"


def _highlights(data: dict) -> list[str]:
    lines = []
    m = data["metrics"]
    for name in HIGHLIGHTED[data["task"]]:
        e = m[name]
        if e["value"] is not None:
            level = m["bootstrap"]["confidence_level"]
            ci = f" ({level:.0%} CI {fmt_num(e['ci_low'])}–{fmt_num(e['ci_high'])})" if e["ci_low"] is not None else ""
            lines.append(f"{METRIC_NAMES[name]}: {fmt_num(e['value'])}{ci}.")
    lines += _per_probed_attribute(data, _gap_highlight, not_run="Bias: not measured (run audited without probes).")
    attr = data["attributions"]
    if attr is None:
        lines.append("Attributions: not measured.")
    elif attr["identity_share"] is not None:
        lines.append(f"Identity words carry {attr['identity_share']:.1%} of the attribution.")
    return lines


def report_data(run: Run, *, gate=None) -> dict:
    """Every finding of ``run`` as JSON-ready data (``gate``: an optional GateResult)."""
    record = run.record
    metrics_section = record["metrics"]
    multi = S.multi_label(run)
    headline = {m: S.metric(run, m) for m in S.headline_metrics(run)}
    data = {
        "generator": f"{GENERATOR_MARK} {__version__}",
        "run": {"name": run.name, "run_id": run.run_id, "created_at": record["created_at"], "path": str(run.path)},
        "task": "multi_label" if multi else "single_label",
        "model": dict(record["model"]),
        "dataset": dict(record["dataset"]),
        # multi-label: no confusion matrix, per-class table or top-label calibration; per-label scores instead
        "metrics": ({**headline, "thresholds": metrics_section["thresholds"], "bootstrap": metrics_section["bootstrap"]} if multi
                    else {**headline, "roc_auc": metrics_section["roc_auc"], "ece": metrics_section["ece"],
                          "bootstrap": metrics_section["bootstrap"]}),
        "confusion_matrix": None if multi else metrics_section["confusion_matrix"],
        "per_class": None if multi else S.per_class(run),
        "per_label": S.per_label(run) if multi else None,
        "calibration": None if multi else metrics_section["calibration"],
        "slices": metrics_section["by_group"] or None,
        "bias_aucs": metrics_section.get("bias_aucs") or None,
        "bias": _bias_data(run),
        "attributions": _attribution_data(run),
        "timings": record["timings"],
    }
    data["verdict"] = {"gate": gate.to_dict() if gate is not None else None, "highlights": _highlights(data)}
    model = data["model"]
    data["model_card"] = {
        "model": {k: model[k] for k in ("name", "kind", "source", "fingerprint", "labels")}
                 | {"version": (model.get("endpoint") or {}).get("version")},
        "data": {k: data["dataset"][k] for k in ("source", "n_examples", "fingerprint", "group_cols")},
        "intended_use": "Not recorded in the run. State the task, the users and the decisions this model may inform before release.",
        "limitations": _limitations(run, data),
    }
    return to_jsonable(data)
