"""Defensive readers for the sections of a stored run.

Report, compare, gate and the dashboard all read run records through these helpers, so a
run audited without probes or attributions (or written by an older auditkit)
reads as "not measured" in one consistent way instead of a ``KeyError``.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd

from auditkit.errors import RunStoreError
from auditkit.metrics import HEADLINE_METRICS, MULTILABEL_HEADLINE_METRICS  # noqa: F401  (re-exported for readers)
from auditkit.store._run import Run

# bias keys that are not probed attributes
_BIAS_META_KEYS = {"target_label", "target_label_reason", "observed_groups", "observed_groups_by_class", "bias_auc",
                   "classes", "alpha", "min_effect", "settings", "holm", "n_tests"}

# Column names tried, in order, for each role in probes.parquet / attributions.parquet.
PROBE_COLUMNS = {
    "attribute": ("attribute",),
    "family": ("family", "probe_family"),
    "instance": ("instance_id", "instance", "template_id", "pair_id", "set_id", "match_id"),
    "group": ("group",),
    "text": ("text", "sentence"),
    "score": ("score", "probability", "prob"),
    "predicted": ("predicted", "predicted_label", "prediction"),
}
ATTRIBUTION_COLUMNS = {
    "text": ("text",),
    "target": ("target", "target_label", "target_class", "label"),
    "words": ("words", "tokens"),
    "scores": ("word_scores", "scores", "attributions"),
    "delta": ("convergence_delta", "delta"),
    "pair_id": ("pair_id",),
    "side": ("side", "pair_side"),
    "group": ("group",),
    "predicted": ("predicted", "predicted_label"),
    "kind": ("kind", "reason", "selection", "category"),
    "attribute": ("attribute",),
}


def finite(value) -> float | None:
    """``value`` as a float, or None when missing / not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def section(run: Run | dict, name: str) -> dict | None:
    """The ``name`` section of a run record, or None when absent or empty."""
    record = run.record if isinstance(run, Run) else run
    value = record.get(name)
    return value if isinstance(value, dict) and value else None


def require_section(run: Run, name: str, *, needed_by: str) -> dict:
    """The ``name`` section, or a one-line :class:`RunStoreError` naming what needs it."""
    value = section(run, name)
    if value is None:
        how = {
            "bias": "re-run auditkit audit with --probes gender,race",
            "attributions": "re-run auditkit audit with --attributions N (N > 0)",
        }.get(name, "re-run auditkit audit")
        raise RunStoreError(
            f"run {run.name!r} has no {name!r} section, which {needed_by} needs; {how}, or drop that check"
        )
    return value


def metric(run: Run | dict, name: str) -> dict:
    """``{"value", "ci_low", "ci_high"}`` for a headline metric (values None when absent)."""
    metrics = section(run, "metrics") or {}
    entry = metrics.get(name)
    if isinstance(entry, dict):
        return {"value": finite(entry.get("value")), "ci_low": finite(entry.get("ci_low")),
                "ci_high": finite(entry.get("ci_high"))}
    return {"value": finite(entry), "ci_low": None, "ci_high": None}


def labels(run: Run | dict) -> list[str]:
    record = run.record if isinstance(run, Run) else run
    found = (record.get("model") or {}).get("labels")
    if found:
        return [str(x) for x in found]
    per_class = (section(run, "metrics") or {}).get("per_class") or {}
    return [str(x) for x in per_class]


def per_class(run: Run | dict) -> dict[str, dict]:
    return {str(k): v for k, v in ((section(run, "metrics") or {}).get("per_class") or {}).items() if isinstance(v, dict)}


def is_multi_label(run: Run | dict) -> bool:
    """Whether the run audited a multi-label model (a sigmoid and a threshold per label)."""
    record = run.record if isinstance(run, Run) else run
    return bool((record.get("model") or {}).get("multi_label"))


def headline_metrics(run: Run | dict) -> tuple[str, ...]:
    """The headline metric names of the run's kind (multi-label or single-label)."""
    return MULTILABEL_HEADLINE_METRICS if is_multi_label(run) else HEADLINE_METRICS


def accuracy_metric(run: Run | dict) -> str:
    """``subset_accuracy`` for a multi-label run, ``accuracy`` otherwise."""
    return "subset_accuracy" if is_multi_label(run) else "accuracy"


def per_label(run: Run | dict) -> dict[str, dict]:
    """Per-label scores of a multi-label run (precision, recall, f1, support, roc_auc, ece, threshold); {} otherwise."""
    return {str(k): v for k, v in ((section(run, "metrics") or {}).get("per_label") or {}).items() if isinstance(v, dict)}


def per_class_or_label(run: Run | dict) -> dict[str, dict]:
    """Per-label scores of a multi-label run, per-class scores of any other."""
    return per_label(run) if is_multi_label(run) else per_class(run)


def bias_classes(run: Run | dict) -> dict[str, dict[str, dict]]:
    """Probe results of every class ({class: {attribute: entry}}) of a per-class probe run; {} otherwise."""
    classes = (section(run, "bias") or {}).get("classes")
    return {str(c): v for c, v in classes.items() if isinstance(v, dict)} if isinstance(classes, dict) else {}


def bias_auc(run: Run | dict) -> dict:
    """The Jigsaw bias AUCs ({label: {group column: {groups, power_mean, p}}}) of a per-class run; {} otherwise."""
    value = (section(run, "bias") or {}).get("bias_auc")
    return value if isinstance(value, dict) else {}


def label_matrices(run: Run) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(true 0/1 matrix, predicted 0/1 matrix, labels) of a multi-label run's predictions.parquet, or None."""
    if not is_multi_label(run) or not run.has_table("predictions"):
        return None
    frame = run.predictions
    names = labels(run)
    wanted = [f"{kind}_{n}" for kind in ("true", "pred") for n in names]
    if not names or any(c not in frame for c in wanted):
        return None
    return (frame[[f"true_{n}" for n in names]].to_numpy(dtype=int), frame[[f"pred_{n}" for n in names]].to_numpy(dtype=int), names)


def bias_attributes(run: Run | dict) -> dict[str, dict]:
    """Probed attributes (gender, race, ...) of the bias section, in the order probed."""
    bias = section(run, "bias") or {}
    found = {
        str(k): v
        for k, v in bias.items()
        if k not in _BIAS_META_KEYS and isinstance(v, dict) and ("gap" in v or "group_means" in v)
    }
    order = ((bias.get("settings") or {}).get("attributes") or []) if isinstance(bias.get("settings"), dict) else []
    ranked = [a for a in order if a in found] + [a for a in found if a not in order]
    return {a: found[a] for a in ranked}


def attribute_entry(run: Run | dict, attribute: str, *, class_: str | None = None) -> dict:
    """The bias entry of ``attribute``: its headline, or that of ``class_`` in a per-class probe run ({} when absent)."""
    if class_ is None:
        return bias_attributes(run).get(attribute) or {}
    entry = bias_classes(run).get(class_, {}).get(attribute)
    return {**entry, "class": class_} if entry else {}


def p_value(entry: dict) -> float | None:
    """The p-value a reader should judge: Holm-corrected when stored, else the raw one."""
    holm = finite(entry.get("p_value_holm"))
    return holm if holm is not None else finite(entry.get("p_value"))


def observed_groups(run: Run | dict) -> dict:
    bias = section(run, "bias") or {}
    value = bias.get("observed_groups")
    return value if isinstance(value, dict) else {}


def gap_groups(entry: dict) -> list[str]:
    """The two groups whose difference is the attribute's ``gap`` (first minus second), as the probes store them."""
    explicit = entry.get("gap_groups")
    if isinstance(explicit, (list, tuple)) and len(explicit) == 2:
        return [str(g) for g in explicit]
    groups = entry.get("groups") or list((entry.get("group_means") or {}).keys())
    return [str(g) for g in groups[:2]]


def group_mean(entry: dict, group: str) -> dict:
    """``{"mean", "ci_low", "ci_high"}`` for a group; CI None when not stored."""
    raw = (entry.get("group_means") or {}).get(group)
    if isinstance(raw, dict):
        mean = finite(raw.get("mean", raw.get("value")))
        return {"mean": mean, "ci_low": finite(raw.get("ci_low")), "ci_high": finite(raw.get("ci_high"))}
    cis = entry.get("group_ci") or entry.get("group_cis") or {}
    ci = cis.get(group) if isinstance(cis, dict) else None
    lo = hi = None
    if isinstance(ci, dict):
        lo, hi = finite(ci.get("ci_low")), finite(ci.get("ci_high"))
    elif isinstance(ci, (list, tuple)) and len(ci) == 2:
        lo, hi = finite(ci[0]), finite(ci[1])
    return {"mean": finite(raw), "ci_low": lo, "ci_high": hi}


def resolve_columns(frame: pd.DataFrame, candidates: dict[str, Iterable[str]]) -> dict[str, str | None]:
    """Map each role to the first candidate column present in ``frame`` (None if none)."""
    return {role: next((c for c in names if c in frame.columns), None) for role, names in candidates.items()}


def probes_table(run: Run, *, class_: str | None = None) -> pd.DataFrame | None:
    """probes.parquet with standard column names, or None when the run has none.

    A per-class probe run scores every sentence once per class (column
    ``target_label``): ``class_`` keeps that class's rows; by default each
    attribute keeps the rows of its headline class.
    """
    if not isinstance(run, Run) or not run.has_table("probes"):
        return None
    frame = run.table("probes")
    if "target_label" in frame.columns:
        if class_ is not None:
            frame = frame[frame["target_label"] == class_]
        else:
            heads = {a: e.get("class") for a, e in bias_attributes(run).items()}
            frame = frame[frame["target_label"] == frame["attribute"].map(heads)]
    cols = resolve_columns(frame, PROBE_COLUMNS)
    if cols["attribute"] is None or cols["group"] is None or cols["score"] is None:
        return None
    out = pd.DataFrame({role: frame[col] for role, col in cols.items() if col is not None})
    if "family" not in out:
        out["family"] = "all"
    if "instance" not in out:
        return None
    out["group"] = out["group"].astype(str)
    out["attribute"] = out["attribute"].astype(str)
    return out


def paired_differences(run: Run, attribute: str, *, class_: str | None = None) -> pd.DataFrame | None:
    """Per matched instance: score of the first gap group minus the second, with both texts.

    Columns: ``family``, ``instance``, ``diff``, ``group_a``, ``group_b``, ``score_a``,
    ``score_b``, ``text_a``, ``text_b``. None when the run has no usable probes table.
    ``class_`` picks a class of a per-class probe run (default: the attribute's headline class).
    """
    probes = probes_table(run, class_=class_)
    entry = attribute_entry(run, attribute, class_=class_) or None
    if probes is None or entry is None:
        return None
    a, b = (gap_groups(entry) + [None, None])[:2]
    if a is None or b is None:
        return None
    rows = probes[(probes["attribute"] == attribute) & probes["group"].isin([a, b])]
    if rows.empty:
        return None
    keys = ["family", "instance"]
    scores = rows.groupby(keys + ["group"], sort=False)["score"].mean().unstack("group")
    if a not in scores or b not in scores:
        return None
    texts = rows.groupby(keys + ["group"], sort=False)["text"].first().unstack("group") if "text" in rows else None
    out = pd.DataFrame({"score_a": scores[a], "score_b": scores[b]}).dropna()
    out["diff"] = out["score_a"] - out["score_b"]
    out["group_a"], out["group_b"] = a, b
    if texts is not None:
        out["text_a"] = texts[a].reindex(out.index)
        out["text_b"] = texts[b].reindex(out.index)
    else:
        out["text_a"] = out["text_b"] = ""
    return out.reset_index()


def worst_pairs(run: Run, attribute: str, *, k: int = 5, class_: str | None = None) -> list[dict]:
    """The ``k`` matched pairs with the largest |difference| (stored ones first)."""
    entry = attribute_entry(run, attribute, class_=class_)
    stored = entry.get("worst_pairs")
    if isinstance(stored, list) and stored:
        pairs = []
        for item in stored[:k]:
            if not isinstance(item, dict):
                continue
            pairs.append({
                "family": item.get("family", ""),
                "text_a": item.get("text_a", item.get("original", item.get("text", ""))),
                "text_b": item.get("text_b", item.get("counterfactual", "")),
                "group_a": item.get("group_a", ""),
                "group_b": item.get("group_b", ""),
                "score_a": finite(item.get("score_a")),
                "score_b": finite(item.get("score_b")),
                "diff": finite(item.get("diff", item.get("difference"))),
            })
        if pairs:
            return pairs
    diffs = paired_differences(run, attribute, class_=class_)
    if diffs is None or diffs.empty:
        return []
    top = diffs.reindex(diffs["diff"].abs().sort_values(ascending=False).index).head(k)
    return [
        {key: (finite(row[key]) if key.startswith(("score", "diff")) else str(row[key]))
         for key in ("family", "text_a", "text_b", "group_a", "group_b", "score_a", "score_b", "diff")}
        for _, row in top.iterrows()
    ]


def group_means_with_ci(run: Run, attribute: str, *, z: float = 1.96, class_: str | None = None) -> list[dict]:
    """Per group: mean score with a CI (stored, else a normal interval over probe instances)."""
    entry = attribute_entry(run, attribute, class_=class_)
    groups = [str(g) for g in (entry.get("groups") or list((entry.get("group_means") or {}).keys()))]
    probes = probes_table(run, class_=class_)
    out = []
    for g in groups:
        gm = group_mean(entry, g)
        source = "stored"
        if gm["ci_low"] is None and probes is not None:
            rows = probes[(probes["attribute"] == attribute) & (probes["group"] == g)]
            per_instance = rows.groupby(["family", "instance"])["score"].mean().to_numpy(dtype=float)
            if per_instance.size >= 2:
                se = per_instance.std(ddof=1) / math.sqrt(per_instance.size)
                mean = gm["mean"] if gm["mean"] is not None else float(per_instance.mean())
                gm = {"mean": mean, "ci_low": mean - z * se, "ci_high": mean + z * se}
                source = "normal approximation over probe instances"
        out.append({"group": g, **gm, "ci_source": source if gm["ci_low"] is not None else "not stored"})
    return out


def attributions_table(run: Run) -> pd.DataFrame | None:
    """attributions.parquet with standard column names, or None."""
    if not isinstance(run, Run) or not run.has_table("attributions"):
        return None
    frame = run.table("attributions")
    cols = resolve_columns(frame, ATTRIBUTION_COLUMNS)
    if cols["words"] is None or cols["scores"] is None:
        return None
    out = pd.DataFrame({role: frame[col] for role, col in cols.items() if col is not None})
    out["words"] = out["words"].map(lambda v: [str(w) for w in (v if v is not None else [])])
    out["scores"] = out["scores"].map(lambda v: [float(s) for s in (v if v is not None else [])])
    return out


def predictions_arrays(run: Run) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(true ids, predicted ids, labels) from predictions.parquet, or None when unusable."""
    if not run.has_table("predictions"):
        return None
    frame = run.predictions
    names = labels(run)
    if "label" in frame and "predicted" in frame and names:
        index = {n: i for i, n in enumerate(names)}
        y = frame["label"].astype(str).map(index)
        p = frame["predicted"].astype(str).map(index)
        if not (y.isna().any() or p.isna().any()):
            return y.to_numpy(dtype=int), p.to_numpy(dtype=int), names
    if "label_id" in frame and "predicted_id" in frame:
        return frame["label_id"].to_numpy(dtype=int), frame["predicted_id"].to_numpy(dtype=int), names
    return None
