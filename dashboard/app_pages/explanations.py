"""Explanations: word heat maps, counterfactual pairs side by side, identity share, top words."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError

from dashboard import _charts, _data, _views as v

PAGE_SIZE = 10

st.title("Explanations")
run = v.pick_run(_data.stored_runs())
if run is None:
    st.stop()
v.run_header(run)
summary = run.record.get("attributions") or {}
if not summary:
    v.not_measured("Attribution", "Re-run `auditkit audit ... --attributions N` (N > 0) to explain predictions.")
    st.stop()

st.caption(v.md(f"Method: {summary.get('method', 'not recorded')}; target: {summary.get('target', 'the predicted class')}."))
faith = summary.get("faithfulness") if isinstance(summary.get("faithfulness"), dict) else {}
cols = st.columns(4)
cols[0].metric("Examples attributed", v.md(summary.get("n_examples", "—")))
cols[1].metric("Identity share", v.number(summary.get("identity_share")),
               help="fraction of total |attribution| on identity words (pronouns, gendered nouns, names, identity terms)")
cols[2].metric("Mean |convergence delta|", v.number(summary.get("mean_abs_convergence_delta"), 4),
               help="integrated-gradients completeness error; small means the maps add up to the prediction")
cols[3].metric("Deletion AOPC", v.number(faith.get("aopc")),
               help="mean drop of the explained probability as the top-scored words are deleted; "
                    "compare with random deletion (higher is more faithful)")
for note in summary.get("notes") or []:
    st.warning(v.md(note))

by_group = summary.get("identity_share_by_group") or {}
rows = []
if isinstance(by_group, dict):
    for key, val in by_group.items():
        if isinstance(val, dict):  # {attribute: {group: share}}
            rows += [{"attribute": key, "group": g, "identity share": v.as_float(x)} for g, x in val.items()]
        else:
            rows.append({"attribute": "", "group": key, "identity share": v.as_float(val)})
if rows:
    with st.expander("Identity share per group", expanded=True):
        v.show_table(pd.DataFrame(rows), key="ak_share_groups",
                     column_config={"identity share": st.column_config.NumberColumn(format="%.3f")})
if faith.get("curve"):
    with st.expander("Faithfulness: deletion curve"):
        v.show_figure(_charts.deletion_curve_figure(faith), key="ak_deletion")

top = summary.get("top_words") or {}
if isinstance(top, dict) and any(top.values()):
    st.subheader("Top words")
    figure_cols = st.columns(min(len(top), 3))
    for i, (label, items) in enumerate(top.items()):
        if isinstance(items, dict):
            pairs = list(items.items())
        else:  # [[word, mean score, count], ...] or [{"word", "score"}, ...]
            pairs = [
                (it.get("word"), it.get("score", it.get("mean"))) if isinstance(it, dict) else tuple(it[:2])
                for it in items or [] if isinstance(it, (dict, list, tuple)) and len(it) >= 2
            ]
        pairs = [(str(w), float(sc)) for w, sc in pairs if w is not None and v.as_float(sc) is not None][:15]
        if pairs:
            with figure_cols[i % len(figure_cols)]:
                v.show_figure(_charts.top_words_figure(str(label), [w for w, _ in pairs], [sc for _, sc in pairs]),
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
is_pair = table["pair_id"].notna() if "pair_id" in table else pd.Series(False, index=table.index)
examples, pair_rows = table[~is_pair], table[is_pair]


def _label(row) -> str:
    parts = []
    for key, name in (("kind", ""), ("target", "explaining "), ("predicted", "predicted "), ("group", "group ")):
        if key in row and pd.notna(row[key]):
            parts.append(f"{name}{row[key]}")
    if "delta" in row and v.as_float(row["delta"]) is not None:
        parts.append(f"delta {row['delta']:+.4f}")
    return " · ".join(parts)


gallery, counterfactual = st.tabs([f"Examples ({len(examples)})", f"Counterfactual pairs ({pair_rows['pair_id'].nunique() if len(pair_rows) else 0})"])
with gallery:
    shown = examples
    if "kind" in shown and shown["kind"].notna().any():
        kinds = sorted(shown["kind"].dropna().astype(str).unique())
        pick = st.multiselect("Selection", kinds, key="ak_expl_kind")
        if pick:
            shown = shown[shown["kind"].astype(str).isin(pick)]
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
        rows = rows.sort_values("side") if "side" in rows else rows
        sides = list(rows.iterrows())[:2]
        columns = st.columns(len(sides))
        for column, (_, row) in zip(columns, sides):
            with column:
                side = row["side"] if "side" in row else ""
                v.show_heatmap(row["words"], row["scores"], label=f"{side} · {_label(row)}")
        if len(sides) == 2:
            (_, a), (_, b) = sides
            if len(a["words"]) == len(b["words"]):
                diff = [sb - sa for sa, sb in zip(a["scores"], b["scores"])]
                v.show_heatmap(b["words"], diff, label="attribution difference (second − first)")
            else:
                total = sum(b["scores"]) - sum(a["scores"])
                st.caption(f"Total attribution difference (second − first): {total:+.3f}")
        st.divider()
