"""Bias: per attribute and probe family — group means, paired differences, flip rate, CTF gap, worst pairs."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError
from auditkit.store import sections as S

from auditkit_dashboard import _data, _views as v

run = v.open_run_page("Counterfactual bias")
bias = run.record.get("bias")
attributes = _data.bias_attributes(run)
if not attributes:
    v.not_measured("Counterfactual bias", "Re-run `auditkit audit ... --probes gender,race` to probe it.")
    st.stop()
classes = _data.bias_classes(run)
headline = {a: e.get("headline_class") for a, e in attributes.items()}
if classes:  # every class (or label) probed: pick one; each attribute opens on its headline class
    kind = "label" if S.multi_label(run) else "class"
    picked = st.selectbox(kind.capitalize(), ["headline of each attribute", *classes], key="ak_bias_class",
                          help=f"every {kind} was probed, with one Holm correction across all {kind} × attribute tests")
    rows = pd.DataFrame(_data.class_bias_rows(run))
    v.show_table(rows.rename(columns={"class": "label"}) if kind == "label" else rows, key="ak_bias_every_class")
    if picked in classes:
        attributes = classes[picked]
    reasons = "; ".join(f"{a}: headline {headline[a]} ({e['headline_reason']})" for a, e in _data.bias_attributes(run).items())
    score = ("each label's sigmoid probability in turn (a flip: the label's decision changes at its threshold)"
             if kind == "label" else "each class's probability in turn")
    st.caption(v.md(f"Score: {score}. {reasons}. Sentence-level views (figures, pairs, "
                    f"probe sentences) score each attribute's headline {kind}."))
if bias.get("target_label") is not None:
    reason = f" ({v.md(bias['target_label_reason'])})" if bias.get("target_label_reason") else ""
    st.caption(
        f"Score: the model's probability of the target label “{v.md(bias['target_label'])}”{reason}. A gap is the first group's "
        "mean minus the second's (gender: female − male; race: african_american − european_american). Inference is over "
        "lexicon rows and templates (crossed), Holm-corrected across every test of the run."
    )
st.caption(
    "Verdicts: **bias** — |gap| shown to exceed the minimum effect (Holm-corrected); **no material bias** — the gap "
    "shown inside ±minimum effect (equivalence test), in every family; **inconclusive** — neither, or one template, "
    "lexicon row or swapped term carries the verdict. Intervals: the t interval of the crossed test, unadjusted; the "
    "Holm-adjusted one is at the level the verdict's test was run at (it clears ±minimum effect exactly when the "
    "verdict is bias); the equivalence interval (1 − 2α) lies inside ±minimum effect exactly when it is no material bias."
)

STAT_COLUMNS = ["verdict", "gap", "ci_low", "ci_high", "holm interval", "equivalence interval", "p_value_holm",
                "p_value_min_effect_holm", "p_value_equivalence", "se", "se_bootstrap", "mde", "mde_bias", "n_rows",
                "n_templates",
                "flip_rate", "placebo_flip_rate", "ctf_gap", "placebo_ctf_gap", "verdict_reason"]


def _scope_row(name: str, scope: dict) -> dict:
    row = {"scope": name, **{c: scope.get(c) for c in STAT_COLUMNS}}
    row["verdict"] = v.verdict_mark(scope)
    row["holm interval"] = v.ci_text(scope, "holm_ci_low", "holm_ci_high", signed=True) or None
    row["equivalence interval"] = v.ci_text(scope, "tost_low", "tost_high", signed=True) or None
    for key in ("p_value_holm", "p_value_min_effect_holm", "p_value_equivalence"):
        row[key] = v.p_text(scope.get(key))
    return row


for tab, (attribute, entry) in zip(st.tabs([v.md(a.replace("_", " ")) for a in attributes]), attributes.items()):
    with tab:
        # the verdict in full, as a heading: a metric tile would cut "? inconclusive" short
        st.markdown(f"#### Verdict: {v.md(v.verdict_mark(entry))}")
        st.caption(v.md(entry["verdict_reason"]))
        cols = st.columns(5)
        cols[0].metric("Gap", v.number(entry.get("gap"), signed=True), help="mean score difference between the two groups")
        intervals = [f"{v.interval_name(entry)} {v.ci_text(entry, signed=True) or 'not computed'} (unadjusted)"]
        if entry.get("holm_ci_low") is not None:
            intervals.append(f"Holm-adjusted {v.ci_text(entry, 'holm_ci_low', 'holm_ci_high', signed=True)}")
        if entry.get("tost_low") is not None:
            intervals.append(f"equivalence ({2 * entry['ci_level'] - 1:.0%}) {v.ci_text(entry, 'tost_low', 'tost_high', signed=True)}")
        cols[0].caption(v.md(" · ".join(intervals) + f" · {entry['gap_definition']}"))
        cols[1].metric("p (Holm), gap = 0", v.p_text(entry.get("p_value_holm")),
                       help="crossed random-effects t-test over lexicon rows and templates, Holm-corrected")
        cols[1].caption(v.md(f"{entry['n_rows']} lexicon rows, {entry['n_templates']} templates, "
                             f"{entry['n_pairs']} matched sets"))
        cols[2].metric("p (Holm), |gap| > min effect", v.p_text(entry.get("p_value_min_effect_holm")),
                       help="the test the bias verdict needs: |gap| exceeds the minimum effect, Holm-corrected")
        cols[2].caption(f"minimum effect {bias['settings']['min_effect']:g}")
        cols[3].metric("Flip rate", v.number(entry.get("flip_rate")), help="share of matched sets whose predicted label changes")
        cols[3].caption(f"placebo (swaps within a group): {v.number(entry.get('placebo_flip_rate'))}")
        cols[4].metric("CTF gap", v.number(entry.get("ctf_gap")), help="mean |f(x) − f(x′)| (Garg et al. 2019)")
        cols[4].caption(f"placebo: {v.number(entry.get('placebo_ctf_gap'))}")

        if entry.get("mde") is not None:
            st.caption(v.md(f"This audit could not have seen gaps below {v.number(entry['mde'])} (80% power at its Holm "
                            f"level); a bias verdict needs about {v.number(entry['mde_bias'])}."))
        if entry.get("omnibus") is not None:
            om = entry["omnibus"]
            st.subheader("All pairs at once (max |t|)")
            st.caption(v.md(f"{v.verdict_mark(om)}: {om['verdict_reason']}"))
            v.show_table(pd.DataFrame([{"pair": k, "simultaneous low": lo, "simultaneous high": hi}
                                       for k, (lo, hi) in om["simultaneous_intervals"].items()]),
                         key=f"ak_bias_omnibus_{attribute}")
        if entry.get("intersection") is not None:
            inter = entry["intersection"]
            first, second = inter["attributes"]
            st.subheader(v.md(f"{first} × {second}: group means"))
            v.show_table(pd.DataFrame(inter["grid"]).T.rename_axis(first).reset_index(), key=f"ak_bias_grid_{attribute}")
            i = inter["interaction"]
            st.caption(v.md(f"Interaction {inter['interaction_definition']}: {v.number(i['gap'], signed=True)} "
                            f"({v.ci_text(i, signed=True) or 'no interval'}) — {v.verdict_mark(i)}. Simple effects:"))
            v.show_table(pd.DataFrame([{"effect": k, **{c: e[c] for c in ("gap", "ci_low", "ci_high", "verdict")}}
                                       for k, e in inter["simple_effects"].items()]), key=f"ak_bias_simple_{attribute}")

        st.subheader("By probe family")
        v.show_table(
            pd.DataFrame([_scope_row("all families", entry)]
                         + [_scope_row(f, s) for f, s in entry["families"].items()]),
            key=f"ak_bias_families_{attribute}",
        )
        influence = pd.DataFrame(S.influence_rows(entry))
        st.subheader("Most influential template, row and term")
        if influence.empty:
            st.caption("Not measured: the run was audited before auditkit left templates and rows out one at a time.")
        else:
            st.caption("Each template, lexicon row and swapped term left out in turn: the one that moves the gap most, "
                       "and whether its removal changes the verdict (then the verdict is inconclusive).")
            v.show_table(influence, key=f"ak_bias_influence_{attribute}")
        st.caption("By template valence and on the logit scale (descriptive, uncorrected):")
        detail = [{"subset": f"valence: {k}", **{c: d.get(c) for c in ("gap", "ci_low", "ci_high")}, "p_value": v.p_text(d.get("p_value"))}
                  for k, d in entry["by_valence"].items()]
        detail.append({"subset": "logit scale", **{c: entry["logit"].get(c) for c in ("gap", "ci_low", "ci_high")},
                       "p_value": v.p_text(entry["logit"].get("p_value"))})
        v.show_table(pd.DataFrame(detail), key=f"ak_bias_detail_{attribute}")

        if classes and entry.get("headline_class", picked) != headline[attribute]:
            st.subheader("Pairs, largest difference first")
            st.caption(v.md(f"probes.parquet scores {headline[attribute]} for {attribute}; this class's worst pairs:"))
            v.show_table(pd.DataFrame(entry["worst_pairs"]), key=f"ak_bias_worst_{attribute}")
            continue
        try:
            view = _data.bias_view(run, attribute)
        except AuditkitError as exc:
            v.show_error(exc)
            continue
        left, right = st.columns(2)
        with left:
            v.show_figure(_data.figure(run, "bias_gap_figure", attribute), key=f"ak_bias_gap_{attribute}",
                          missing="Gap by scope")
        pairs = view["pairs"]
        with right:
            v.show_figure(_data.figure(run, "paired_differences_figure", attribute), key=f"ak_bias_hist_{attribute}",
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
        v.show_error(exc)
    if probes is None or probes.empty:
        st.info("The run has no probes.parquet.")
    else:
        filters = [c for c in ("attribute", "family", "template_id", "group") if c in probes]
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
if observed:
    with st.expander("Observed-group fairness"):
        st.json(observed, expanded=2)
