"""The Model page of a multi-label run: headline metrics, per-label scores, a label picker over the examples."""

import math

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError
from auditkit.store import sections as S

from auditkit_dashboard import _data, _views as v

HEADLINE_NAMES = {"subset_accuracy": "Subset accuracy", "micro_f1": "Micro-F1", "macro_f1": "Macro-F1",
                  "samples_f1": "Samples-F1", "hamming_loss": "Hamming loss"}


def show_model(run, *, page_rows: int) -> None:
    """Everything the Model page shows for a multi-label run (labels and texts shown as text, never Markdown)."""
    rec = run.record
    metrics = rec["metrics"]
    boot = metrics["bootstrap"]
    st.caption("Multi-label model: a sigmoid per label; each label is decided at its threshold.")
    for col, name in zip(st.columns(len(HEADLINE_NAMES)), HEADLINE_NAMES):
        entry = S.metric(rec, name)
        col.metric(HEADLINE_NAMES[name], v.number(entry["value"]),
                   help="lower is better" if name == "hamming_loss" else None)
        col.caption(f"{boot['confidence_level']:.0%} CI {v.ci_text(entry) or 'not computed'}")
    if boot["n_boot"]:
        st.caption(f"CIs: percentile bootstrap over examples, {boot['n_boot']} resamples, seed {boot['seed']}.")

    per_label = S.per_label(rec)
    left, right = st.columns(2)
    with left:
        st.subheader("Per label")
        v.show_table(pd.DataFrame([{"label": k, **val} for k, val in per_label.items()]), key="ak_per_label")
    with right:
        v.show_figure(_data.figure(run, "metrics_figure"), key="ak_metrics_fig", missing="Metrics")
        v.show_figure(_data.figure(run, "per_class_figure"), key="ak_per_label_fig", missing="Per-label scores")

    v.show_slices(run, ("micro_f1", "subset_accuracy"))

    st.subheader("Examples")
    labels = S.labels(rec)
    label = st.selectbox("Label", labels, key="ak_model_label",
                         help="the examples table shows this label's truth, probability and decision")
    scores = per_label[label]
    cols = st.columns(4)
    cols[0].metric("Threshold", v.number(scores["threshold"]))
    cols[1].metric("Recall", v.number(scores["recall"]))
    cols[2].metric("Precision", v.number(scores["precision"]))
    cols[3].metric("ROC AUC", v.number(scores["roc_auc"]))
    try:
        preds = _data.run_table(run, "predictions")
    except AuditkitError as exc:
        v.show_error(exc)
        return
    if preds is None:
        v.not_measured("Per-example predictions", "The run has no predictions.parquet.")
        return
    f1, f2 = st.columns([3, 1])
    needle = f1.text_input("Text contains", key="ak_model_search")
    errors_only = f2.checkbox("Errors on this label only", key="ak_model_errors")
    truth, prob, decided = f"true_{label}", f"prob_{label}", f"pred_{label}"
    shown = preds
    if needle:
        shown = shown[shown["text"].astype(str).str.contains(needle, case=False, regex=False)]
    wrong = shown[truth] != shown[decided]
    if errors_only:
        shown, wrong = shown[wrong], wrong[wrong]
    # this label's errors first, the most confident (farthest from the threshold) at the top
    margin = (shown[prob] - scores["threshold"]).abs()
    shown = shown.assign(_wrong=wrong.to_numpy(), _margin=margin.to_numpy()).sort_values(["_wrong", "_margin"], ascending=False)
    n_pages = max(1, math.ceil(len(shown) / page_rows))
    page = int(st.number_input(f"Page (of {n_pages})", min_value=1, max_value=n_pages, value=1, step=1, key="ak_model_page"))
    window = shown.iloc[(page - 1) * page_rows : page * page_rows]
    first = ["text", truth, decided, prob, "labels", "predicted", "exact_match"]
    window = window[first + [c for c in window.columns if c not in first and not c.startswith("_")]]
    st.caption(f"{len(shown)} of {len(preds)} examples, errors on this label first; page {page} of {n_pages}.")
    v.show_table(window, key="ak_examples",
                 column_config={c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="%.3f")
                                for c in window.columns if c.startswith("prob_")})
