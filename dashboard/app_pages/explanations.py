"""Explanations: word heat maps, counterfactual pairs side by side, identity share, top words."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError

from auditkit_dashboard import _charts, _data, _views as v

PAGE_SIZE = 10

run = v.open_run_page("Explanations")
summary = run.record.get("attributions")
if summary is None:
    v.not_measured("Attribution", "Re-run `auditkit audit ... --attributions N` (N > 0) to explain predictions.")
    st.stop()

st.caption(v.md(f"Method: {summary['method']} ({summary['approach']}: "
                + ("through the model's input embeddings" if summary["approach"] == "gradient"
                   else "words removed and the model asked again") + f"); target: {summary['target']}."))
faith = summary["faithfulness"] or {}
cols = st.columns(4)
cols[0].metric("Examples attributed", str(summary["n_examples"]))
cols[1].metric("Identity share", v.number(summary["identity_share"]),
               help="fraction of total |attribution| on identity words (pronouns, gendered nouns, names, identity terms)")
cols[2].metric("Mean |convergence delta|", v.number(summary["mean_abs_convergence_delta"], 4),
               help="integrated-gradients completeness error; small means the maps add up to the prediction")
cols[3].metric("Deletion AOPC", v.number(faith.get("aopc")),
               help="mean drop of the explained probability as the top-scored words are deleted; "
                    "compare with random deletion (higher is more faithful)")
for note in summary["notes"]:
    st.warning(v.md(note))

rows = [{"attribute": attribute, "group": g, "identity share": share}
        for attribute, groups in (summary["identity_share_by_group"] or {}).items() for g, share in groups.items()]
if rows:
    with st.expander("Identity share per group", expanded=True):
        v.show_table(pd.DataFrame(rows), key="ak_share_groups",
                     column_config={"identity share": st.column_config.NumberColumn(format="%.3f")})
if faith.get("curve"):
    with st.expander("Faithfulness: deletion curve"):
        v.show_figure(_charts.deletion_curve_figure(faith), key="ak_deletion")

top = summary["top_words"]  # {class: [[word, mean score, count], ...]}
if any(top.values()):
    st.subheader("Top words")
    figure_cols = st.columns(min(len(top), 3))
    for i, (label, items) in enumerate(top.items()):
        if items:
            with figure_cols[i % len(figure_cols)]:
                v.show_figure(_charts.top_words_figure(label, [w for w, _, _ in items[:15]], [m for _, m, _ in items[:15]]),
                              key=f"ak_top_{i}")

try:
    table = _data.attributions(run)
except AuditkitError as exc:
    v.show_error(exc)
    st.stop()
if table is None or table.empty:
    v.not_measured("Per-example attribution", "The run has no attributions.parquet.")
    st.stop()

st.caption(v.HEATMAP_LEGEND)
is_pair = table["pair_id"].notna()
examples, pair_rows = table[~is_pair], table[is_pair]


def _label(row) -> str:
    parts = [row["kind"], f"explaining {row['target']}"]
    if pd.notna(row["group"]):
        parts.append(f"group {row['group']}")
    if v.as_float(row["convergence_delta"]) is not None:
        parts.append(f"delta {v.number(row['convergence_delta'], digits=4, signed=True)}")
    return " · ".join(parts)


gallery, counterfactual = st.tabs([f"Examples ({len(examples)})", f"Counterfactual pairs ({pair_rows['pair_id'].nunique() if len(pair_rows) else 0})"])
with gallery:
    shown = examples
    pick = st.multiselect("Selection", sorted(shown["kind"].unique()), key="ak_expl_kind")
    if pick:
        shown = shown[shown["kind"].isin(pick)]
    word = st.text_input("Word in text", key="ak_expl_word")
    if word:
        shown = shown[shown["words"].map(lambda ws: any(word.lower() in w.lower() for w in ws))]
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = st.number_input("Page", min_value=1, max_value=pages, value=1, key="ak_expl_page") if pages > 1 else 1
    if shown.empty:
        st.info("No attributed examples match.")
    for _, row in shown.iloc[(page - 1) * PAGE_SIZE : page * PAGE_SIZE].iterrows():
        v.show_heatmap(row["words"], row["scores"], label=_label(row))

with counterfactual:
    if pair_rows.empty:
        st.info("No counterfactual pairs were attributed in this run (they come from the bias probes' largest gaps).")
    for pair_id, rows in list(pair_rows.groupby("pair_id", sort=False))[:PAGE_SIZE]:
        a = rows[rows["side"] == "high"].iloc[0]  # the side with the higher probe score first
        b = rows[rows["side"] == "low"].iloc[0]
        for column, row in zip(st.columns(2), (a, b)):
            with column:
                v.show_heatmap(row["words"], row["scores"], label=f"{row['side']} · {_label(row)}")
        if len(a["words"]) == len(b["words"]):
            diff = [sb - sa for sa, sb in zip(a["scores"], b["scores"])]
            v.show_heatmap(b["words"], diff, label="attribution difference (second − first)")
        else:
            total = sum(b["scores"]) - sum(a["scores"])
            st.caption(f"Total attribution difference (second − first): {v.number(total, signed=True)}")
        st.divider()
