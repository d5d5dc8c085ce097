"""Overview: one row per stored run, sortable; pick runs to open or compare."""

import pandas as pd
import streamlit as st

from auditkit.store import sections as S

from auditkit_dashboard import _data, _views as v

st.title("Audited models")
runs = _data.stored_runs()
if not runs:
    v.empty_state()
    st.stop()


def _row(run) -> dict:
    rec = run.record
    # a multi-label run has no accuracy (its subset accuracy is on the Model page); macro-F1 is in both kinds
    acc = None if S.multi_label(rec) else S.metric(rec, "accuracy")
    f1 = S.metric(rec, "macro_f1")
    probed = S.bias_attributes(rec)
    gate = _data.gate_verdict(run)
    row = {
        "run": v.clip(run.name),
        "model": v.clip(rec["model"]["name"]),
        "dataset": v.clip(rec["dataset"]["source"].replace("\\", "/").rsplit("/", 1)[-1]),
        "n": rec["dataset"]["n_examples"],
        "gate": gate["status"],
        "accuracy": None if acc is None else acc["value"],
        "accuracy CI": "multi-label: see Model" if acc is None else v.ci_text(acc),
        "macro-F1": f1["value"],
        "macro-F1 CI": v.ci_text(f1),
    }
    for attribute in v.BIAS_ATTRIBUTES:
        section = probed.get(attribute)
        row[f"{attribute} gap"] = None if section is None else section["gap"]
        row[f"{attribute} verdict"] = "not measured" if section is None else v.verdict_mark(section)
    attributions = S.section(rec, "attributions")
    row["identity share"] = None if attributions is None else attributions["identity_share"]
    row["created"] = rec["created_at"]
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
    "Click a column header to sort. Verdicts: ✱ bias (Holm-corrected crossed test, above the minimum effect); "
    "no material bias (the gap is shown to lie inside ±min-effect); ? inconclusive (neither, e.g. too few terms); "
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
