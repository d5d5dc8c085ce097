"""The findings of one run as plain data: what every report format renders.

HTML, Markdown and JSON reports all come from :func:`report_data`, so the
three formats cannot disagree.
"""

from __future__ import annotations

from auditkit.store import sections as S
from auditkit.report._markdown import fmt_num
from auditkit.report._output import GENERATOR_MARK
from auditkit.store import Run, to_jsonable

N_WORST_PAIRS = 5
N_GALLERY = 8


def _version() -> str:
    try:
        from auditkit import __version__
        return __version__
    except Exception:  # pragma: no cover - partial installs
        return "unknown"


def _bias_data(run: Run) -> dict | None:
    bias = S.section(run, "bias")
    if bias is None:
        return None
    attrs = {}
    for attr, entry in S.bias_attributes(run).items():
        a, b = (S.gap_groups(entry) + ["", ""])[:2]
        families = {}
        for fam, fentry in (entry.get("families") or {}).items():
            if isinstance(fentry, dict):
                families[str(fam)] = {k: S.finite(fentry.get(k)) for k in ("gap", "ci_low", "ci_high", "flip_rate", "ctf_gap")}
                families[str(fam)]["p_value"] = S.p_value(fentry)
                families[str(fam)]["significant"] = fentry.get("significant")
                families[str(fam)]["n_pairs"] = fentry.get("n_pairs")
        diffs = S.paired_differences(run, attr)
        attrs[attr] = {
            "groups": [str(g) for g in entry.get("groups") or []],
            "gap_definition": entry.get("gap_definition") or (f"{a} - {b}" if a and b else None),
            **{k: S.finite(entry.get(k)) for k in ("gap", "ci_low", "ci_high", "flip_rate", "ctf_gap")},
            "p_value": S.p_value(entry),
            "p_value_uncorrected": S.finite(entry.get("p_value")),
            "significant": entry.get("significant"),
            "n_pairs": entry.get("n_pairs"),
            "group_means": S.group_means_with_ci(run, attr),
            "families": families,
            "paired_differences": None if diffs is None else {
                "n": int(len(diffs)), "mean": float(diffs["diff"].mean()),
                "median": float(diffs["diff"].median()), "min": float(diffs["diff"].min()),
                "max": float(diffs["diff"].max()),
            },
            "worst_pairs": S.worst_pairs(run, attr, k=N_WORST_PAIRS),
        }
    for attr, entry in S.bias_attributes(run).items():
        attrs[attr]["class"] = entry.get("class")
    settings = bias.get("settings") if isinstance(bias.get("settings"), dict) else {}
    class_rows = [
        {"class": c, "attribute": a, **{k: S.finite(e.get(k)) for k in ("gap", "ci_low", "ci_high", "flip_rate")},
         "p_value": S.p_value(e), "significant": e.get("significant"), "n_pairs": e.get("n_pairs")}
        for c, by_attr in S.bias_classes(run).items() for a, e in by_attr.items()
    ]
    auc_rows = [
        {"label": label, "column": column, "group": group, "n": g.get("n"), "small": g.get("small"),
         **{k: S.finite(g.get(k)) for k in ("subgroup_auc", "bpsn_auc", "bnsp_auc")}}
        for label, by_column in S.bias_auc(run).items() for column, entry in by_column.items()
        for group, g in [*entry.get("groups", {}).items(), (f"power mean (p = {entry.get('p'):g})", entry.get("power_mean", {}))]
    ]
    return {"target_label": bias.get("target_label"), "target_label_reason": bias.get("target_label_reason"),
            "correction": settings.get("correction"), "attributes": attrs,
            "classes": class_rows, "bias_auc": auc_rows,
            "observed_groups": S.observed_groups(run) or None}


def _attribution_data(run: Run) -> dict | None:
    section = S.section(run, "attributions")
    if section is None:
        return None
    out = {k: section.get(k) for k in ("method", "n_examples", "n_steps_used", "mean_abs_convergence_delta",
                                       "identity_share", "identity_share_by_group", "identity_share_by_kind",
                                       "faithfulness", "top_words", "notes", "target")
           if section.get(k) is not None}
    table = S.attributions_table(run)
    examples, pairs = [], []
    if table is not None:
        has_pairs = "pair_id" in table and "side" in table
        singles = table[table["pair_id"].isna()] if has_pairs else table
        if "kind" in singles:  # one of each kind first (errors, borderline, correct...), then the rest
            singles = singles.assign(_rank=singles.groupby("kind", sort=False).cumcount()).sort_values("_rank", kind="stable")
        for _, row in singles.head(N_GALLERY).iterrows():
            examples.append(_example(row))
        if has_pairs:
            paired = table[table["pair_id"].notna()]
            for pid, part in paired.groupby("pair_id", sort=False):
                part = part.sort_values("side", key=lambda c: c.map({"high": 0, "a": 0, "low": 1, "b": 1}).fillna(2))
                if len(part) >= 2:
                    pairs.append({"pair_id": str(pid), "sides": [_example(r) for _, r in part.head(2).iterrows()]})
                if len(pairs) >= N_GALLERY:
                    break
    out["examples"] = examples
    out["pairs"] = pairs
    return out


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _example(row) -> dict:
    row = {k: (None if _missing(v) else v) for k, v in row.items()}
    return {"text": str(row.get("text", "")), "target": None if row.get("target") is None else str(row.get("target")),
            "words": list(row["words"]), "scores": [float(s) for s in row["scores"]],
            "delta": S.finite(row.get("delta")), "side": None if row.get("side") is None else str(row.get("side")),
            "group": None if row.get("group") is None else str(row.get("group")),
            "attribute": None if row.get("attribute") is None else str(row.get("attribute")),
            "kind": None if row.get("kind") is None else str(row.get("kind"))}


def _limitations(run: Run, data: dict) -> list[str]:
    notes = []
    ds = data["dataset"]
    if ds.get("n_truncated"):
        notes.append(f"{ds['n_truncated']} inputs were truncated to the model's maximum length; their predictions saw only part of the text.")
    for col, groups in (data["slices"] or {}).items():
        small = [g for g, v in groups.items() if isinstance(v, dict) and v.get("small")]
        if small:
            notes.append(f"Groups of {col!r} too small to trust: {', '.join(map(str, small))}.")
    bias = data["bias"]
    if bias is None:
        notes.append("Bias probes were not run: nothing is known about counterfactual gender or race bias.")
    else:
        for attr, entry in bias["attributes"].items():
            if entry.get("significant"):
                notes.append(f"The {attr} probe found a significant gap ({fmt_num(entry['gap'], signed=True)}, {entry['gap_definition']}).")
        notes.append("Probes use names and identity words as proxies for gender and race; they cover the lexicons' groups only "
                     "and cannot prove the absence of bias.")
    if data["attributions"] is None:
        notes.append("Attributions were not computed: no evidence on which words drive decisions.")
    ece = data["metrics"].get("ece")
    if ece is not None and ece > 0.1:
        notes.append(f"Probabilities are poorly calibrated (ECE {ece:.3f}); do not read them as confidence.")
    notes.append(f"All numbers hold for {ds.get('source', 'the evaluation data')} ({ds.get('n_examples', '?')} examples); "
                 "other data may behave differently.")
    return notes


def _highlights(data: dict) -> list[str]:
    lines = []
    m = data["metrics"]
    for name in (data["accuracy_metric"], "macro_f1"):
        e = m.get(name) or {}
        if e.get("value") is not None:
            ci = f" (95% CI {e['ci_low']:.3f}–{e['ci_high']:.3f})" if e.get("ci_low") is not None and e.get("ci_high") is not None else ""
            label = "Macro-F1" if name == "macro_f1" else name.replace("_", " ").capitalize()
            lines.append(f"{label}: {e['value']:.3f}{ci}.")
    bias = data["bias"]
    if bias is None:
        lines.append("Bias: not measured (run audited without probes).")
    else:
        for attr, e in bias["attributes"].items():
            if e.get("gap") is None:
                continue
            sig = "significant" if e.get("significant") else "not significant"
            on = f" on {e['class']!r}" if e.get("class") is not None else ""
            lines.append(f"{attr.capitalize()} gap{on} ({e['gap_definition']}): {fmt_num(e['gap'], signed=True)} — {sig}"
                         + (f"; predictions flip in {e['flip_rate']:.1%} of pairs." if e.get("flip_rate") is not None else "."))
    attr = data["attributions"]
    if attr is None:
        lines.append("Attributions: not measured.")
    elif attr.get("identity_share") is not None:
        lines.append(f"Identity words carry {attr['identity_share']:.1%} of the attribution.")
    return lines


def report_data(run: Run, *, gate=None) -> dict:
    """Every finding of ``run`` as JSON-ready data (``gate``: an optional GateResult)."""
    record = run.record
    metrics_section = S.section(run, "metrics") or {}
    data = {
        "generator": f"{GENERATOR_MARK} {_version()}",
        "run": {"name": run.name, "run_id": run.run_id, "created_at": record.get("created_at"), "path": str(run.path)},
        "model": dict(record.get("model") or {}),
        "dataset": dict(record.get("dataset") or {}),
        "multi_label": S.is_multi_label(run),
        "metric_names": list(S.headline_metrics(run)),
        "accuracy_metric": S.accuracy_metric(run),
        "metrics": {**{m: S.metric(run, m) for m in S.headline_metrics(run)},
                    "roc_auc": S.finite(metrics_section.get("roc_auc")), "ece": S.finite(metrics_section.get("ece")),
                    "bootstrap": metrics_section.get("bootstrap")},
        "confusion_matrix": metrics_section.get("confusion_matrix"),
        "per_class": S.per_class_or_label(run),
        "per_class_columns": ["precision", "recall", "f1", "support"] + (["roc_auc", "ece", "threshold"] if S.is_multi_label(run) else []),
        "thresholds": metrics_section.get("thresholds"),
        "calibration": metrics_section.get("calibration"),
        "slices": metrics_section.get("by_group") or None,
        "slice_columns": ["n", "small", *(S.MULTILABEL_HEADLINE_METRICS if S.is_multi_label(run) else ("accuracy", "macro_f1", "roc_auc", "ece"))],
        "bias": _bias_data(run),
        "attributions": _attribution_data(run),
        "timings": record.get("timings") or {},
    }
    data["verdict"] = {"gate": gate.to_dict() if gate is not None else None, "highlights": _highlights(data)}
    model = data["model"]
    data["model_card"] = {
        "model": {k: model.get(k) for k in ("name", "source", "fingerprint", "labels")},
        "data": {k: data["dataset"].get(k) for k in ("source", "n_examples", "fingerprint", "text_col", "label_col", "group_cols")},
        "intended_use": model.get("intended_use") or record.get("intended_use")
        or "Not recorded in the run. State the task, the users and the decisions this model may inform before release.",
        "limitations": _limitations(run, data),
    }
    return to_jsonable(data)
