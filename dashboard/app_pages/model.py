"""Model: metrics with CIs, per-class table, confusion matrix, calibration, group slices, examples."""

import math

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError
from auditkit.store import sections as S

from auditkit_dashboard import _data, _multilabel, _views as v

#: Examples shown per page of the examples table.
PAGE_ROWS = 100

run = v.open_run_page("Model quality")
if S.multi_label(run):
    _multilabel.show_model(run, page_rows=PAGE_ROWS)
    st.stop()
rec = run.record
metrics = rec["metrics"]
boot = metrics["bootstrap"]
cols = st.columns(4)
for col, (name, label) in zip(cols, [("accuracy", "Accuracy"), ("macro_precision", "Macro precision"),
                                      ("macro_recall", "Macro recall"), ("macro_f1", "Macro-F1")]):
    entry = metrics[name]
    col.metric(label, v.number(entry["value"]))
    col.caption(f"{boot['confidence_level']:.0%} CI {v.ci_text(entry) or 'not computed'}")
cols = st.columns(4)
cols[0].metric("ROC AUC", v.number(metrics["roc_auc"]))
cols[1].metric("ECE", v.number(metrics["ece"]), help="expected calibration error (lower is better)")
cols[2].metric("Examples", str(rec["dataset"]["n_examples"]))
cols[3].metric("Truncated inputs", str(rec["dataset"]["n_truncated"]))
if boot["n_boot"]:
    st.caption(f"CIs: percentile bootstrap, {boot['n_boot']} resamples, seed {boot['seed']}.")

left, right = st.columns(2)
with left:
    st.subheader("Per class")
    v.show_table(pd.DataFrame([{"class": k, **val} for k, val in metrics["per_class"].items()]), key="ak_per_class")
    v.show_figure(_data.figure(run, "confusion_matrix_figure"), key="ak_cm", missing="Confusion matrix")
with right:
    v.show_figure(_data.figure(run, "metrics_figure"), key="ak_metrics_fig", missing="Metrics")
    st.subheader("Calibration")
    v.show_figure(_data.figure(run, "reliability_figure"), key="ak_calibration", missing="Calibration")

v.show_slices(run, ("accuracy", "macro_f1"))
observed = (rec.get("bias") or {}).get("observed_groups")
if observed:
    with st.expander("Observed-group fairness (demographic parity, equalized odds, subgroup AUCs)"):
        st.json(observed, expanded=2)

st.subheader("Examples")
try:
    preds = _data.run_table(run, "predictions")
except AuditkitError as exc:
    v.show_error(exc)
    preds = None
if preds is None:
    v.not_measured("Per-example predictions", "The run has no predictions.parquet.")
    st.stop()

f1, f2, f3, f4 = st.columns([2, 1, 1, 1])
needle = f1.text_input("Text contains", key="ak_model_search")
# the model's classes from run.json: no pass over a million rows to list them
classes = sorted(str(c) for c in (rec.get("model") or {}).get("labels", []))
true_labels = classes if "label" in preds else []
pred_labels = classes if "predicted" in preds else []
true_pick = f2.multiselect("True label", true_labels, key="ak_model_true")
pred_pick = f3.multiselect("Predicted", pred_labels, key="ak_model_pred")
errors_only = f4.checkbox("Errors only", key="ak_model_errors")

shown = preds
filtered = bool(needle or true_pick or pred_pick or errors_only)
if needle:
    shown = shown[shown["text"].astype(str).str.contains(needle, case=False, regex=False)]
if true_pick:
    shown = shown[shown["label"].isin(true_pick)]
if pred_pick:
    shown = shown[shown["predicted"].isin(pred_pick)]
if errors_only and "correct" in shown:
    shown = shown[~shown["correct"].astype(bool)]
# errors first, the most confident errors at the top; sort positions only, then take one page of rows,
# so a million-row run sends PAGE_ROWS rows to the browser, never the table
order = _data.errors_first(shown) if filtered else _data.predictions_order(run)
n_pages = max(1, math.ceil(len(shown) / PAGE_ROWS))
page = int(st.number_input(f"Page (of {n_pages})", min_value=1, max_value=n_pages, value=1, step=1, key="ak_model_page"))
window = shown.iloc[order[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]]
first = [c for c in ("text", "label", "predicted", "correct", "confidence") if c in window]
window = window[first + [c for c in window.columns if c not in first and c not in ("label_id", "predicted_id")]]
st.caption(f"{len(shown)} of {len(preds)} examples, errors first; page {page} of {n_pages}, {PAGE_ROWS} rows a page.")
v.show_table(
    window,
    key="ak_examples",
    column_config={c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="%.3f")
                   for c in window.columns if c.startswith("prob_") or c == "confidence"},
)
