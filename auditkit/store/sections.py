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
from auditkit.metrics import HEADLINE_METRICS  # noqa: F401  (re-exported for readers: S.HEADLINE_METRICS)
from auditkit.store._run import Run

# bias keys that are not probed attributes
_BIAS_META_KEYS = {"target_label", "observed_groups", "alpha", "min_effect", "settings", "holm", "n_tests"}

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


def probes_table(run: Run) -> pd.DataFrame | None:
    """probes.parquet with standard column names, or None when the run has none."""
    if not isinstance(run, Run) or not run.has_table("probes"):
        return None
    frame = run.table("probes")
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


def paired_differences(run: Run, attribute: str) -> pd.DataFrame | None:
    """Per matched instance: score of the first gap group minus the second, with both texts.

    Columns: ``family``, ``instance``, ``diff``, ``group_a``, ``group_b``, ``score_a``,
    ``score_b``, ``text_a``, ``text_b``. None when the run has no usable probes table.
    """
    probes = probes_table(run)
    entry = bias_attributes(run).get(attribute)
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


def worst_pairs(run: Run, attribute: str, *, k: int = 5) -> list[dict]:
    """The ``k`` matched pairs with the largest |difference| (stored ones first)."""
    entry = bias_attributes(run).get(attribute) or {}
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
    diffs = paired_differences(run, attribute)
    if diffs is None or diffs.empty:
        return []
    top = diffs.reindex(diffs["diff"].abs().sort_values(ascending=False).index).head(k)
    return [
        {key: (finite(row[key]) if key.startswith(("score", "diff")) else str(row[key]))
         for key in ("family", "text_a", "text_b", "group_a", "group_b", "score_a", "score_b", "diff")}
        for _, row in top.iterrows()
    ]


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
