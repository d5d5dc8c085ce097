"""Readers for the sections of a stored run.

Report, compare, gate and the dashboard read run records through these helpers. Records are
validated against the run contract (:mod:`auditkit.store.schema`) when read, so the helpers
read the contract's keys and nothing else; the only absences are the optional sections (a run
audited without probes or attributions), which read as ``None`` — "not measured".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from auditkit.errors import RunStoreError
# re-exported for readers: S.HEADLINE_METRICS, S.MULTILABEL_HEADLINE_METRICS
from auditkit.metrics import HEADLINE_METRICS
from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS
from auditkit.store._run import Run
from auditkit.store.schema import is_multi_label


def finite(value) -> float | None:
    """``value`` as a float, or None when missing / not a finite number (table cells may be NaN)."""
    if value is None or isinstance(value, bool):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _record(run: Run | dict) -> dict:
    return run.record if isinstance(run, Run) else run


def section(run: Run | dict, name: str) -> dict | None:
    """The ``name`` section of a run record, or None when the audit skipped it (bias, attributions)."""
    return _record(run).get(name)


def require_section(run: Run, name: str, *, needed_by: str) -> dict:
    """The ``name`` section, or a one-line :class:`RunStoreError` naming what needs it."""
    value = section(run, name)
    if value is None:
        how, parameter = {
            "bias": ("re-run the audit with probes gender,race", "probes"),
            "attributions": ("re-run the audit with attributions N (N > 0)", "attributions"),
        }.get(name, ("re-run the audit", None))
        raise RunStoreError(
            f"run {run.name!r} has no {name!r} section, which {needed_by} needs; {how}, or drop that check",
            parameter=parameter,
        )
    return value


def metric(run: Run | dict, name: str) -> dict:
    """``{"value", "ci_low", "ci_high"}`` of a headline metric."""
    return dict(_record(run)["metrics"][name])


def not_pretrained(run: Run | dict) -> bool:
    """Whether the run's model says it was trained from random weights (``model.pretrained`` is false)."""
    return (_record(run).get("model") or {}).get("pretrained") is False


def multi_label(run: Run | dict) -> bool:
    """Whether the run audited a multi-label model (metrics are a ``MultiLabelMetrics``)."""
    return is_multi_label(_record(run))


def headline_metrics(run: Run | dict) -> tuple[str, ...]:
    """The headline metric names of the run's task, in display order (all are ``Interval`` entries)."""
    return MULTILABEL_HEADLINE_METRICS if multi_label(run) else HEADLINE_METRICS


def per_label(run: Run | dict) -> dict[str, dict]:
    """A multi-label run's per-label scores (precision, recall, f1, support, roc_auc, ece, threshold)."""
    return _record(run)["metrics"]["per_label"]


def labels(run: Run | dict) -> list[str]:
    """The model's class names, in id order."""
    return list(_record(run)["model"]["labels"])


def per_class(run: Run | dict) -> dict[str, dict]:
    return _record(run)["metrics"]["per_class"]


def bias_attributes(run: Run | dict) -> dict[str, dict]:
    """Probed attributes (gender, race, ...) of the bias section, in the order probed; {} without probes."""
    bias = section(run, "bias")
    if bias is None or "settings" not in bias:  # no probes: the section holds observed groups only
        return {}
    return {name: bias[name] for name in bias["settings"]["attributes"]}


def bias_classes(run: Run | dict) -> dict[str, dict[str, dict]]:
    """A per-class run's ``{class: {attribute: entry}}`` (every class or label probed); {} otherwise."""
    bias = section(run, "bias")
    return {} if bias is None else bias.get("classes", {})


def scored_class(run: Run | dict, attribute: str) -> str | None:
    """The class whose probability the run's probe sentences of ``attribute`` hold (probes.parquet ``score``).

    A per-class run's headline class of that attribute, else the run's one target label.
    """
    bias = section(run, "bias") or {}
    return bias.get(attribute, {}).get("headline_class") or bias.get("target_label")


def class_bias_rows(run: Run | dict) -> list[dict]:
    """One row per class x attribute of a per-class run: the verdict and the numbers it rests on."""
    return [
        {"class": cls, "attribute": attr, "gap": finite(e["gap"]), "ci_low": finite(e["ci_low"]),
         "ci_high": finite(e["ci_high"]), "p_value_holm": finite(e["p_value_holm"]), "verdict": e["verdict"],
         "verdict_reason": e["verdict_reason"], "flip_rate": finite(e["flip_rate"])}
        for cls, attrs in bias_classes(run).items() for attr, e in attrs.items()
    ]


def influence_rows(entry: dict) -> list[dict]:
    """An attribute's and each family's most influential template, lexicon row and swapped term, one row each.

    ``scope``, ``unit``, ``key``, ``text``, ``gap``, ``gap_without``, ``gap_min``, ``gap_max`` (the range of the
    leave-one-out gaps of that kind of unit), ``verdict_without`` and ``carries`` (its removal changes the
    verdict, which is therefore inconclusive). Empty for a run audited before influence was measured.
    """
    rows = []
    for scope, scoped in [("all families", entry), *entry["families"].items()]:
        influence = scoped["influence"]
        if influence is None:
            continue
        for kind in ("templates", "rows", "terms"):
            summary = influence[kind]
            if summary is None:
                continue
            unit = summary["most_influential"]
            flipped = influence["flipped_by"]
            rows.append({"scope": scope, "unit": unit["unit"], "key": unit["key"], "text": unit["text"],
                         "family": unit["family"], "gap": finite(scoped["gap"]), "gap_without": unit["gap_without"],
                         "gap_min": summary["gap_min"], "gap_max": summary["gap_max"],
                         "verdict_without": unit["verdict_without"],
                         "carries": flipped is not None and (flipped["unit"], flipped["key"]) == (unit["unit"], unit["key"])})
    return rows


def p_value(entry: dict) -> float:
    """The p-value a reader judges: Holm-corrected across every test of the run."""
    return entry["p_value_holm"]


def observed_groups(run: Run | dict) -> dict:
    return (section(run, "bias") or {}).get("observed_groups") or {}


def gap_groups(entry: dict) -> list[str]:
    """The two groups whose difference is the attribute's ``gap`` (first minus second)."""
    return list(entry["gap_groups"])


def group_means(run: Run | dict, attribute: str) -> list[dict]:
    """``[{"group", "mean"}]`` in the lexicon's group order (the probes store no per-group interval)."""
    entry = bias_attributes(run)[attribute]
    return [{"group": g, "mean": entry["group_means"][g]} for g in entry["groups"]]


def probes_table(run: Run) -> pd.DataFrame | None:
    """probes.parquet, or None when the run has none."""
    return run.table("probes") if run.has_table("probes") else None


def paired_differences(run: Run, attribute: str) -> pd.DataFrame | None:
    """Per matched instance: score of the first gap group minus the second, with both texts.

    Columns: ``family``, ``instance``, ``diff``, ``group_a``, ``group_b``, ``score_a``,
    ``score_b``, ``text_a``, ``text_b``. None when the run has no probes table.
    """
    probes = probes_table(run)
    entry = bias_attributes(run).get(attribute)
    if probes is None or entry is None:
        return None
    a, b = gap_groups(entry)
    rows = probes[(probes["attribute"] == attribute) & probes["group"].isin([a, b])]
    keys = ["family", "instance_id", "group"]
    scores = rows.pivot_table(index=keys[:2], columns="group", values="score", aggfunc="mean", sort=False)
    texts = rows.drop_duplicates(keys).set_index(keys)["text"].unstack("group")
    out = pd.DataFrame({"score_a": scores[a], "score_b": scores[b]}).dropna()
    out["diff"] = out["score_a"] - out["score_b"]
    out["group_a"], out["group_b"] = a, b
    out["text_a"] = texts[a].reindex(out.index)
    out["text_b"] = texts[b].reindex(out.index)
    return out.reset_index().rename(columns={"instance_id": "instance"})


def worst_pairs(run: Run, attribute: str, *, k: int = 5) -> list[dict]:
    """The ``k`` stored matched pairs with the largest |difference| (``WorstPair`` records)."""
    return list(bias_attributes(run)[attribute]["worst_pairs"][:k])


def attributions_table(run: Run) -> pd.DataFrame | None:
    """attributions.parquet (words and scores as Python lists), or None when the run has none."""
    if not run.has_table("attributions"):
        return None
    out = run.table("attributions").copy()
    out["words"] = out["words"].map(lambda v: [str(w) for w in v])
    out["scores"] = out["scores"].map(lambda v: [float(s) for s in v])
    return out


def predictions_arrays(run: Run) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(true ids, predicted ids, labels) from predictions.parquet."""
    frame = run.predictions
    return frame["label_id"].to_numpy(dtype=int), frame["predicted_id"].to_numpy(dtype=int), labels(run)


def multilabel_arrays(run: Run) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(true 0/1 matrix, decided 0/1 matrix, labels) from a multi-label run's predictions.parquet."""
    frame, names = run.predictions, labels(run)
    return (frame[[f"true_{k}" for k in names]].to_numpy(dtype=int), frame[[f"pred_{k}" for k in names]].to_numpy(dtype=int),
            names)
