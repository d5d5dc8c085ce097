"""Bias: per attribute and probe family — group means, paired differences, flip rate, CTF gap, worst pairs."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError

from auditkit.store import sections
from dashboard import _data, _views as v

st.title("Counterfactual bias")
run = v.pick_run(_data.stored_runs())
if run is None:
    st.stop()
v.run_header(run)
bias = run.record.get("bias") or {}
attributes = _data.bias_attributes(run)
if not attributes:
    v.not_measured("Counterfactual bias", "Re-run `auditkit audit ... --probes gender,race` to probe it.")
    st.stop()
by_class = sections.bias_classes(run)
class_ = None
if by_class:  # every class (label) was probed: pick one, or each attribute's headline class
    kind = "label" if sections.is_multi_label(run) else "class"
    headline = f"headline {kind} of each attribute"
    picked = st.selectbox(kind.capitalize(), [headline, *by_class], key="ak_bias_class")
    st.caption(
        f"Score: the model's probability of each {kind} in turn. A headline is the {kind} with the largest |gap| that is a "
        f"finding (else the largest |gap|); Holm correction runs across every {kind} × attribute test."
    )
    v.show_table(pd.DataFrame([{kind: c, "attribute": a, "gap": e.get("gap"), "ci_low": e.get("ci_low"), "ci_high": e.get("ci_high"),
                                "p_value_holm": e.get("p_value_holm"), "significant": e.get("significant"),
                                "flip_rate": e.get("flip_rate")}
                               for c, entries in by_class.items() for a, e in entries.items()]),
                 key="ak_bias_class_table")
    if picked != headline:
        class_ = picked
        attributes = {a: sections.attribute_entry(run, a, class_=class_) for a in by_class[class_]}
if bias.get("target_label") is not None:
    reason = f" ({v.md(bias['target_label_reason'])})" if bias.get("target_label_reason") else ""
    st.caption(
        f"Score: the model's probability of the target label “{v.md(bias['target_label'])}”{reason}. A gap is the first group's "
        "mean minus the second's (gender: female − male; race: african_american − european_american). Significant: "
        "after Holm correction across every test of the run, and above the minimum effect size."
    )

STAT_COLUMNS = ["gap", "ci_low", "ci_high", "p_value", "p_value_holm", "significant", "flip_rate", "ctf_gap", "n_pairs"]

for tab, (attribute, entry) in zip(st.tabs([a.replace("_", " ") for a in attributes]), attributes.items()):
    with tab:
        if entry.get("class") is not None:
            st.caption(f"Class: {v.md(entry['class'])}" + (f" ({v.md(entry['headline_reason'])})" if entry.get("headline_reason") else ""))
        cols = st.columns(5)
        cols[0].metric("Gap", v.number(entry.get("gap"), signed=True), help="mean score difference between the two groups")
        cols[0].caption(f"95% CI {v.ci_text(entry) or 'not computed'}"
                        + (f" · {v.md(entry['gap_definition'])}" if entry.get("gap_definition") else ""))
        p_label, p_text = v.p_value(entry)
        cols[1].metric(p_label, p_text, help="paired t-test across matched probe instances")
        sig = entry.get("significant")
        cols[1].caption("✱ significant" if sig else "not significant" if sig is not None else "significance not computed")
        cols[2].metric("Flip rate", v.number(entry.get("flip_rate")), help="share of pairs whose predicted label changes")
        cols[3].metric("CTF gap", v.number(entry.get("ctf_gap")), help="mean |f(x) − f(x′)| (Garg et al. 2019)")
        cols[4].metric("Pairs", str(entry.get("n_pairs", "—")))

        families = entry.get("families") or {}
        if families:
            st.subheader("By probe family")
            v.show_table(
                pd.DataFrame([{"family": f, **{c: (s or {}).get(c) for c in STAT_COLUMNS}} for f, s in families.items()]),
                key=f"ak_bias_families_{attribute}",
            )

        try:
            view = _data.bias_view(run, attribute, class_=class_)
        except AuditkitError as exc:
            st.error(str(exc))
            continue
        left, right = st.columns(2)
        with left:
            v.show_figure(_data.figure(run, "bias_group_means_figure", attribute, class_=class_), key=f"ak_bias_means_{attribute}",
                          missing="Group means")
            sources = {m.get("ci_source") for m in view["means"]} - {"stored", None}
            if sources:
                st.caption("Error bars: " + "; ".join(sorted(sources)) + ".")
        pairs = view["pairs"]
        with right:
            v.show_figure(_data.figure(run, "paired_differences_figure", attribute, class_=class_), key=f"ak_bias_hist_{attribute}",
                          missing="Distribution of paired differences (needs probes.parquet)")

        st.subheader("Pairs, largest difference first")
        if pairs is None or pairs.empty:
            worst = pd.DataFrame(view["worst"])
            if worst.empty:
                st.info("No pairs stored for this attribute.")
            else:
                v.show_table(worst, key=f"ak_bias_worst_{attribute}")
            continue
        f1, f2, f3 = st.columns([1, 1, 2])
        fam_pick = f1.multiselect("Family", sorted(pairs["family"].astype(str).unique()), key=f"ak_bias_family_{attribute}")
        inst_pick = f2.text_input("Template or word (instance id contains)", key=f"ak_bias_instance_{attribute}")
        word = f3.text_input("Word in either text", key=f"ak_bias_word_{attribute}")
        shown = pairs
        if fam_pick:
            shown = shown[shown["family"].astype(str).isin(fam_pick)]
        if inst_pick:
            shown = shown[shown["instance"].astype(str).str.contains(inst_pick, case=False, regex=False)]
        if word:
            hit = shown["text_a"].astype(str).str.contains(word, case=False, regex=False)
            hit |= shown["text_b"].astype(str).str.contains(word, case=False, regex=False)
            shown = shown[hit]
        shown = shown.reindex(shown["diff"].abs().sort_values(ascending=False).index)
        st.caption(f"{len(shown)} of {len(pairs)} pairs.")
        order = ["diff", "text_a", "score_a", "text_b", "score_b", "family", "instance", "group_a", "group_b"]
        v.show_table(
            shown[[c for c in order if c in shown]].head(500),
            key=f"ak_bias_pairs_{attribute}",
            column_config={"diff": st.column_config.NumberColumn(format="%+.3f"),
                           "score_a": st.column_config.NumberColumn(format="%.3f"),
                           "score_b": st.column_config.NumberColumn(format="%.3f")},
        )

st.divider()
with st.expander("Probe sentences (every scored sentence; filter by attribute, family, template, group, word)"):
    try:
        probes = _data.run_table(run, "probes")
    except AuditkitError as exc:
        probes = None
        st.error(str(exc))
    if probes is None or probes.empty:
        st.info("The run has no probes.parquet.")
    else:
        filters = [c for c in ("target_label", "attribute", "family", "template_id", "group") if c in probes]
        shown = probes
        for column, widget in zip(filters, st.columns(len(filters) + 1)):
            options = sorted(shown[column].dropna().astype(str).unique())
            picked = widget.multiselect(column.replace("_", " "), options, key=f"ak_probe_{column}")
            if picked:
                shown = shown[shown[column].astype(str).isin(picked)]
        needle = st.text_input("Word or text contains", key="ak_probe_text")
        if needle:
            hit = shown["text"].astype(str).str.contains(needle, case=False, regex=False) if "text" in shown else False
            if "word" in shown:
                hit = hit | shown["word"].astype(str).str.contains(needle, case=False, regex=False)
            shown = shown[hit]
        st.caption(f"{len(shown)} of {len(probes)} sentences (first 2,000 shown).")
        v.show_table(shown.head(2000), key="ak_probe_sentences")

observed = bias.get("observed_groups")
if isinstance(observed, dict) and observed:
    with st.expander("Observed-group fairness"):
        st.json(observed, expanded=2)
aucs = sections.bias_auc(run)
if aucs:
    st.subheader("Bias AUCs per label and identity (Jigsaw: subgroup, BPSN, BNSP)")
    label = st.selectbox("Label", list(aucs), key="ak_bias_auc_label")
    for column, entry in aucs[label].items():
        rows = [{column: g, **e} for g, e in entry.get("groups", {}).items()]
        rows.append({column: f"power mean (p = {entry.get('p')})", **entry.get("power_mean", {})})
        v.show_table(pd.DataFrame(rows), key=f"ak_bias_auc_{column}")
    st.caption("BPSN: the identity's negatives against the others' positives (low: texts about the identity look positive); "
               "BNSP: the reverse. Small groups are flagged.")
