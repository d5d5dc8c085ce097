"""Compare: two or more runs side by side, with the compare engine's paired tests."""

import streamlit as st

from auditkit.report.figures import comparison_metrics_figure

from auditkit_dashboard import _charts, _data, _views as v

st.title("Compare runs")
runs = _data.stored_runs()
if not runs:
    v.empty_state()
    st.stop()
if len(runs) < 2:
    st.info("Comparison needs at least two runs; only one is stored. Audit another model or dataset into the runs folder.")
    st.stop()

labels = {str(r.path): v.run_label(r) for r in runs}
by_path = {str(r.path): r for r in runs}
if "ak_compare" in st.session_state:
    remembered = [p for p in st.session_state["ak_compare"] if p in labels]
else:  # first visit: the two newest runs, the older one as the reference
    remembered = list(labels)[:2][::-1]
st.session_state["ak_compare_picker"] = remembered

def _picked() -> None:
    st.session_state["ak_compare"] = st.session_state["ak_compare_picker"]


picked = st.multiselect("Runs (the first is the reference)", list(labels), format_func=labels.get,
                        key="ak_compare_picker", on_change=_picked)
if len(picked) < 2:
    st.info("Pick at least two runs.")
    st.stop()

with st.spinner("Comparing (paired tests)…"):
    result = _data.compare([by_path[p] for p in picked])
if not result["available"]:
    st.warning(f"Paired comparison unavailable: {v.md(result['detail'])}")
    st.stop()
cmp = result["comparison"]

st.subheader("What changed")
for line in cmp.summary_lines:
    st.text("• " + line)
for pair in cmp.pairs:
    if pair.get("mcnemar"):
        m = pair["mcnemar"]
        st.caption(v.md(
            f"{pair['run']} vs {pair['reference']}: McNemar table — only {pair['reference']} right: {m['a_only_correct']}, "
            f"only {pair['run']} right: {m['b_only_correct']}, p = {v.p_text(m['p_value'])}"
        ))
    for label, m in (pair.get("mcnemar_labels") or {}).items():  # multi-label runs: one test per label, Holm across labels
        st.caption(v.md(
            f"{pair['run']} vs {pair['reference']} on {label}: McNemar table — only {pair['reference']} right: "
            f"{m['a_only_correct']}, only {pair['run']} right: {m['b_only_correct']}, p (Holm across labels) = "
            f"{v.p_text(m['p_value_holm'])}"
        ))

st.subheader("Metrics")
metrics = cmp.metrics.copy()
value_wide = metrics.pivot_table(index="metric", columns="run", values="value", aggfunc="first", sort=False)[cmp.runs]


def _test_text(row) -> str:
    if row.get("p_value") is not None and row["p_value"] == row["p_value"]:
        text = f"{row['test']} p={v.p_text(row['p_value'])}"
    elif row.get("diff_ci_low") is not None and row["diff_ci_low"] == row["diff_ci_low"]:
        text = f"{row['test']} CI [{v.number(row['diff_ci_low'], signed=True)}, {v.number(row['diff_ci_high'], signed=True)}]"
    else:
        return "not tested"
    return ("✱ " if row.get("significant") is True else "ns · ") + text


side_by_side = value_wide.copy()
for other in cmp.runs[1:]:
    part = metrics[metrics["run"] == other].set_index("metric")
    side_by_side[f"Δ {other}"] = part["diff"].reindex(side_by_side.index).astype(float)
    side_by_side[f"test {other}"] = [_test_text(part.loc[m]) if m in part.index else "" for m in side_by_side.index]
st.caption(f"Values per run; Δ = run − {v.md(cmp.runs[0])}; ✱ significant at α = {cmp.alpha} (paired tests only when the runs share a dataset).")
v.show_table(
    side_by_side.reset_index(),
    key="ak_compare_wide",
    column_config={c: st.column_config.NumberColumn(format="%+.3f" if c.startswith("Δ") else "%.3f")
                   for c in side_by_side.columns if not c.startswith("test")},
)
with st.expander("All numbers (long format)"):
    v.show_table(
        metrics[[c for c in ("metric", "run", "value", "ci_low", "ci_high", "diff", "test", "p_value", "diff_ci_low",
                             "diff_ci_high", "significant") if c in metrics]],
        key="ak_compare_metrics",
    )
headline = [m for m in ("accuracy", "macro_precision", "macro_recall", "macro_f1") if m in value_wide.index]
left, right = st.columns(2)
with left:
    v.show_figure(comparison_metrics_figure(cmp), key="ak_compare_bars", missing="Metrics")
with right:
    profile = value_wide.loc[headline + [m for m in value_wide.index if m.startswith("recall[")]].astype(float)
    if len(profile) >= 3 and profile.notna().all().all():
        v.show_figure(_charts.radar_figure(profile, list(profile.index), cmp.runs), key="ak_compare_radar")

st.subheader("Bias gaps")
if cmp.bias.empty:
    v.not_measured("Bias", "None of these runs was audited with probes.")
else:
    st.caption("Δ gap: the signed change with the t interval of its crossed test (diff_ci_low, diff_ci_high). Whether "
               "|gap| grew or shrank is its own test (abs_diff_p_value_holm, abs_diff_direction): an intersection-union "
               "test on the changes of B − A and B + A, Holm-corrected across every attribute and class; the gate "
               "reads it. Per-class runs: one row per class.")
    v.show_table(cmp.bias.dropna(axis=1, how="all"), key="ak_compare_bias")
    gaps = cmp.bias.pivot_table(index="attribute", columns="run", values="gap", aggfunc="first")
    gaps = gaps[[r for r in cmp.runs if r in gaps.columns]]
    v.show_figure(_charts.grouped_bars_figure(gaps, list(gaps.index), list(gaps.columns), title="Bias gap by run"),
                  key="ak_compare_gaps")

st.subheader("Identity share")
share = cmp.identity_share
if share["identity_share"].notna().any():
    v.show_table(share, key="ak_compare_share")
else:
    v.not_measured("Identity share", "None of these runs was audited with attributions.")
