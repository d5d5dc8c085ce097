"""Overview: one row per stored run, sortable; pick runs to open or compare."""

import pandas as pd
import streamlit as st

from auditkit.store import sections
from dashboard import _data, _views as v

st.title("Audited models")
runs = _data.stored_runs()
if not runs:
    v.empty_state()
    st.stop()


def _row(run) -> dict:
    rec = run.record
    bias = rec.get("bias") or {}
    # a multi-label run's accuracy is its subset accuracy (every label right)
    acc, f1 = v.metric_entry(rec, sections.accuracy_metric(run)), v.metric_entry(rec, "macro_f1")
    gate = _data.gate_verdict(run)
    row = {
        "run": run.name,
        "model": (rec.get("model") or {}).get("name"),
        "dataset": str((rec.get("dataset") or {}).get("source", "")).replace("\\", "/").rsplit("/", 1)[-1],
        "n": (rec.get("dataset") or {}).get("n_examples"),
        "gate": gate["status"],
        "accuracy": v.as_float(acc.get("value")),
        "accuracy 95% CI": v.ci_text(acc),
        "macro-F1": v.as_float(f1.get("value")),
        "macro-F1 95% CI": v.ci_text(f1),
    }
    for attribute in v.BIAS_ATTRIBUTES:
        section = bias.get(attribute) if isinstance(bias.get(attribute), dict) else {}
        row[f"{attribute} gap"] = v.as_float(section.get("gap"))
        row[f"{attribute} significance"] = v.significance_mark(section) or "not measured"
    row["identity share"] = v.as_float((rec.get("attributions") or {}).get("identity_share"))
    row["created"] = rec.get("created_at")
    return row


table = pd.DataFrame([_row(r) for r in runs])
fmt = st.column_config.NumberColumn
v.show_table(
    table,
    column_config={
        "accuracy": fmt(format="%.3f"),
        "macro-F1": fmt(format="%.3f"),
        "gender gap": fmt(format="%+.3f", help="female − male mean target-label probability on counterfactual probes"),
        "race gap": fmt(format="%+.3f", help="african_american − european_american mean target-label probability"),
        "identity share": fmt(format="%.3f", help="fraction of |attribution| on identity words"),
        "gate": st.column_config.TextColumn(help="verdict of the example policy (auditkit/gate/default_policy.toml)"),
    },
    key="ak_overview_table",
)
st.caption(
    "Click a column header to sort. ✱ marks a gap significant after Holm correction (ns: not significant); "
    "None / “not measured”: that stage was not run. Gate: the example policy's verdict (details below)."
)

policy = _data.default_policy_path()
with st.expander(f"Gate details ({policy.name if policy else 'no policy'})"):
    if policy is None:
        st.text("No example policy found; gate a run with: auditkit gate RUN --policy POLICY.toml")
    for run in runs:
        gate = _data.gate_verdict(run)
        st.text(f"{run.name}: {gate['status']}" + (f" — {gate['detail']}" if gate.get("detail") else ""))
        if gate.get("checks"):
            checks = pd.DataFrame(gate["checks"])
            v.show_table(checks[[c for c in ("name", "passed", "observed", "threshold", "detail", "skipped") if c in checks]],
                         key=f"ak_gate_{run.path}")

st.subheader("Open or compare")
labels = {str(r.path): v.run_label(r) for r in runs}
picked = st.multiselect("Runs", list(labels), format_func=labels.get, key="ak_pick", placeholder="Choose one run to open, two or more to compare")
left, right = st.columns(2)
if left.button("Open in Model page", disabled=len(picked) != 1, key="ak_open"):
    st.session_state["ak_run"] = picked[0]
    st.switch_page("app_pages/model.py")
if right.button("Compare", disabled=len(picked) < 2, key="ak_compare_go"):
    st.session_state["ak_compare"] = list(picked)
    st.switch_page("app_pages/compare.py")
