"""What-if: type a sentence; each chosen model's prediction, a word heat map, and gender/race variants."""

import pandas as pd
import streamlit as st

from auditkit.errors import AuditkitError
from auditkit.probes._suite import resolve_target_label

from auditkit_dashboard import _charts, _data, _views as v, _whatif

st.title("What-if")
runs = _data.stored_runs()
choices = _data.model_choices(runs)
if not choices:
    v.empty_state()
    st.stop()

local = [s for s in choices if _data.is_local_model(s)]
models = st.multiselect(
    "Models (the ones behind the stored runs)", list(choices), default=(local or list(choices))[:1],
    format_func=lambda s: f"{v.clip(choices[s], 60)} ({v.clip(s, 60)})", key="ak_whatif_models",
)
text = st.text_input("Sentence", value="My sister said the service was wonderful.", key="ak_whatif_text",
                     help="press Enter to score")
if not models or not text.strip():
    st.info("Pick a model and type a sentence.")
    st.stop()

variants = _whatif.counterfactual_variants(text)
if not variants:
    st.caption("No gender or race mention to swap in this sentence; try a pronoun, a gendered noun or a first name.")

target_by_source = {}
for run in runs:  # the target label the run's bias probes used, for the variants' score
    source = (run.record.get("model") or {}).get("source")
    target = (run.record.get("bias") or {}).get("target_label")
    if source and target is not None:
        target_by_source.setdefault(source, str(target))

for source in models:
    st.subheader(v.md(v.clip(choices[source])))
    try:
        labels = _data.load_model(source).labels
    except AuditkitError as exc:
        st.error(v.md(f"Cannot load {source}: {exc}"))
        continue
    try:  # the probes' own rule: the stored target label, else the last label of a binary model
        target, _ = resolve_target_label(labels, target_by_source.get(source))
    except AuditkitError:  # a multi-class model whose runs stored no target: explain the first class
        target = 0
    result = _data.whatif_scores(source, tuple([text] + [item["text"] for item in variants]), target)
    probs = result["probabilities"]
    original = probs[0]
    predicted = labels[int(original.argmax())]

    left, right = st.columns([1, 2])
    with left:
        st.metric("Prediction", v.md(predicted), help=v.md(f"P({predicted}) = {v.number(original.max())}"))
        v.show_figure(_charts.probabilities_figure(labels, [float(p) for p in original], "Class probabilities"),
                      key=f"ak_whatif_probs_{source}")
    with right:
        st.caption(v.md(f"Word heat map toward “{labels[target]}” ({result['method']}).") + " " + v.HEATMAP_LEGEND)
        v.show_heatmap(result["words"], result["scores"])
        if variants:
            rows = pd.DataFrame(
                {
                    "attribute": [item["attribute"] for item in variants],
                    "group": [item["group"] for item in variants],
                    "variant": [item["text"] for item in variants],
                    f"P({labels[target]})": [float(p[target]) for p in probs[1:]],
                    "change": [float(p[target] - original[target]) for p in probs[1:]],
                    "predicted": [labels[int(p.argmax())] for p in probs[1:]],
                }
            )
            v.show_table(rows, key=f"ak_whatif_variants_{source}",
                         column_config={"change": st.column_config.NumberColumn(format="%+.3f"),
                                        f"P({labels[target]})": st.column_config.NumberColumn(format="%.3f")})
            v.show_figure(
                _charts.variants_figure([f"{a}:{g}" for a, g in zip(rows["attribute"], rows["group"])],
                                        rows[f"P({labels[target]})"].tolist(), float(original[target]), labels[target]),
                key=f"ak_whatif_variants_fig_{source}",
            )
