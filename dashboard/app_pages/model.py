"""Model: metrics with CIs, per-class table, confusion matrix, calibration, group slices, examples."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError

from auditkit.store import sections
from dashboard import _data, _views as v

st.title("Model quality")
run = v.pick_run(_data.stored_runs())
if run is None:
    st.stop()
v.run_header(run)
rec = run.record
metrics = rec.get("metrics") or {}
if not metrics:
    v.not_measured("Model quality", "The run has no metrics section; re-run `auditkit audit`.")
    st.stop()

METRIC_LABELS = {"accuracy": "Accuracy", "macro_precision": "Macro precision", "macro_recall": "Macro recall",
                 "macro_f1": "Macro-F1", "subset_accuracy": "Subset accuracy", "micro_f1": "Micro-F1",
                 "samples_f1": "Samples-F1", "hamming_loss": "Hamming loss"}
boot = metrics.get("bootstrap") or {}
multi = sections.is_multi_label(run)
headline = sections.headline_metrics(run)
cols = st.columns(len(headline))
for col, name in zip(cols, headline):
    entry = v.metric_entry(rec, name)
    col.metric(METRIC_LABELS[name], v.number(entry.get("value")))
    col.caption(f"95% CI {v.ci_text(entry) or 'not computed'}")
cols = st.columns(4)
if not multi:
    cols[0].metric("ROC AUC", v.number(metrics.get("roc_auc")))
    cols[1].metric("ECE", v.number(metrics.get("ece")), help="expected calibration error (lower is better)")
cols[2].metric("Examples", str((rec.get("dataset") or {}).get("n_examples", "—")))
cols[3].metric("Truncated inputs", str((rec.get("dataset") or {}).get("n_truncated", "—")))
if boot:
    st.caption(f"CIs: percentile bootstrap, {boot.get('n_boot', '?')} resamples, seed {boot.get('seed', '?')}.")

kind = "label" if multi else "class"
scores = sections.per_class_or_label(run)
if scores:  # one label (class) at a time: its scores, and its observed-group fairness
    picked = st.selectbox(kind.capitalize(), list(scores), key="ak_model_label")
    cols = st.columns(7 if multi else 4)
    for col, key in zip(cols, ["precision", "recall", "f1", "support"] + (["roc_auc", "ece", "threshold"] if multi else [])):
        value = scores[picked].get(key)
        col.metric(key.replace("_", " ").replace("roc auc", "ROC AUC").replace("ece", "ECE"),
                   str(value) if key == "support" else v.number(value))
    fairness = ((rec.get("bias") or {}).get("observed_groups_by_class") or {}).get(picked)
    if fairness:
        with st.expander(f"Observed-group fairness of {kind} {picked!r}"):
            st.json(fairness, expanded=2)

left, right = st.columns(2)
with left:
    st.subheader("Per label" if multi else "Per class")
    if scores:
        v.show_table(pd.DataFrame([{kind: k, **(val or {})} for k, val in scores.items()]), key="ak_per_class")
    else:
        v.not_measured(f"Per-{kind} metrics", "")
    if not multi:
        v.show_figure(_data.figure(run, "confusion_matrix_figure"), key="ak_cm", missing="Confusion matrix")
with right:
    v.show_figure(_data.figure(run, "metrics_figure"), key="ak_metrics_fig", missing="Metrics")
    if multi:
        v.show_figure(_data.figure(run, "per_class_figure"), key="ak_per_label_fig", missing="Per-label scores")
    else:
        st.subheader("Calibration")
        v.show_figure(_data.figure(run, "reliability_figure"), key="ak_calibration", missing="Calibration")

st.subheader("Observed-group slices")
by_group = metrics.get("by_group") or {}
if not by_group:
    v.not_measured("Slice metrics", "Pass `--group-col COL` to `auditkit audit` when the data has identity columns.")
for column, groups in by_group.items():
    frame = pd.DataFrame([{column: g, **(val or {})} for g, val in (groups or {}).items()])
    v.show_table(frame, key=f"ak_slice_{column}")
    if groups:
        fig_cols = st.columns(2)
        for fig_col, name in zip(fig_cols, (sections.accuracy_metric(run), "macro_f1")):
            with fig_col:
                v.show_figure(_data.figure(run, "group_metrics_figure", column, metric=name), key=f"ak_slice_{column}_{name}",
                              missing=f"{name} by {column}")
    if "small" in frame and frame["small"].any():
        st.caption("Groups marked small have too few examples for stable estimates.")
observed = (rec.get("bias") or {}).get("observed_groups")
if isinstance(observed, dict) and observed:
    with st.expander("Observed-group fairness (demographic parity, equalized odds, subgroup AUCs)"):
        st.json(observed, expanded=2)

st.subheader("Examples")
try:
    preds = _data.run_table(run, "predictions")
except AuditkitError as exc:
    st.error(str(exc))
    preds = None
if preds is None:
    v.not_measured("Per-example predictions", "The run has no predictions.parquet.")
    st.stop()

f1, f2, f3, f4 = st.columns([2, 1, 1, 1])
needle = f1.text_input("Text contains", key="ak_model_search")
true_labels = sorted(preds["label"].astype(str).unique()) if "label" in preds else []
pred_labels = sorted(preds["predicted"].astype(str).unique()) if "predicted" in preds else []
true_pick = f2.multiselect("True label", true_labels, key="ak_model_true")
pred_pick = f3.multiselect("Predicted", pred_labels, key="ak_model_pred")
errors_only = f4.checkbox("Errors only", key="ak_model_errors")

shown = preds
if needle:
    shown = shown[shown["text"].astype(str).str.contains(needle, case=False, regex=False)]
if true_pick:
    shown = shown[shown["label"].astype(str).isin(true_pick)]
if pred_pick:
    shown = shown[shown["predicted"].astype(str).isin(pred_pick)]
if errors_only and "correct" in shown:
    shown = shown[~shown["correct"].astype(bool)]
sort_cols = [c for c in ("correct", "confidence") if c in shown]
if sort_cols:  # errors first, the most confident errors at the top
    shown = shown.sort_values(sort_cols, ascending=[True, False][: len(sort_cols)], kind="stable")
first = [c for c in ("text", "label", "predicted", "correct", "confidence") if c in shown]
shown = shown[first + [c for c in shown.columns if c not in first and c not in ("label_id", "predicted_id")]]
if multi:  # label sets: the picked label's columns first
    lead = [c for c in (f"true_{picked}", f"pred_{picked}", f"prob_{picked}") if c in shown]
    shown = shown[first + lead + [c for c in shown.columns if c not in first and c not in lead]]
st.caption(f"{len(shown)} of {len(preds)} examples, errors first.")
v.show_table(
    shown,
    key="ak_examples",
    column_config={c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="%.3f")
                   for c in shown.columns if c.startswith("prob_") or c == "confidence"},
)
