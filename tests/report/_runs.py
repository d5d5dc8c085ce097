"""Synthetic run directories that follow the run.json contract (issues 2-4).

Records are derived from generated predictions with scikit-learn so the
numbers are internally consistent; texts include hostile HTML so every
renderer's escaping is exercised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.metrics import observed_group_fairness
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from auditkit.store import write_run

HOSTILE_SCRIPT = "<script>alert('xss')</script>"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_CLOSE = "</script><script>alert(2)</script>"

_WORDS = ["the", "waiter", "was", "great", "awful", "my", "sister", "loved", "it", "food", "Jamal", "Emily"]


def make_predictions(n=200, *, labels=("negative", "positive"), seed=0, accuracy=0.85, flip_from=None):
    """predictions.parquet frame; ``flip_from`` (a frame) reuses its texts/labels and re-draws errors."""
    rng = np.random.default_rng(seed)
    k = len(labels)
    if flip_from is None:
        y = rng.integers(0, k, n)
        texts = [" ".join(rng.choice(_WORDS, size=rng.integers(4, 12))) for _ in range(n)]
        texts[0] = f"Great food {HOSTILE_SCRIPT} really"
        texts[1] = f"My sister said {HOSTILE_IMG} was awful"
        texts[2] = f"odd {HOSTILE_CLOSE} text"
        groups = rng.choice(["female", "male", "unknown"], size=n)
    else:
        y = flip_from["label_id"].to_numpy()
        texts = list(flip_from["text"])
        groups = flip_from["gender"].to_numpy()
        n = len(y)
    correct = rng.random(n) < accuracy
    pred = np.where(correct, y, (y + rng.integers(1, k, n)) % k) if k > 1 else y
    conf = np.where(correct, rng.uniform(0.6, 0.99, n), rng.uniform(0.5, 0.8, n))
    probs = np.zeros((n, k))
    probs[np.arange(n), pred] = conf
    for j in range(k):
        probs[:, j] += np.where(np.arange(k)[j] == pred, 0, (1 - conf) / max(k - 1, 1))
    frame = pd.DataFrame({
        "text": texts, "label": [labels[i] for i in y], "label_id": y,
        "predicted": [labels[i] for i in pred], "predicted_id": pred,
    })
    for j, lab in enumerate(labels):
        frame[f"prob_{lab}"] = probs[:, j]
    frame["confidence"] = probs.max(axis=1)
    frame["correct"] = frame["label_id"] == frame["predicted_id"]
    frame["gender"] = groups
    return frame


def _metric_block(value, rng):
    half = 0.02 + 0.03 * rng.random()
    return {"value": float(value), "ci_low": float(value - half), "ci_high": float(min(1.0, value + half))}


def make_record(pred: pd.DataFrame, *, labels=("negative", "positive"), name="tiny", fingerprint="data-fp-1", seed=0):
    rng = np.random.default_rng(seed + 100)
    y, p = pred["label_id"].to_numpy(), pred["predicted_id"].to_numpy()
    ids = list(range(len(labels)))
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=ids, zero_division=0)
    metrics = {
        "accuracy": _metric_block(accuracy_score(y, p), rng),
        "macro_precision": _metric_block(prec.mean(), rng),
        "macro_recall": _metric_block(rec.mean(), rng),
        "macro_f1": _metric_block(f1_score(y, p, labels=ids, average="macro", zero_division=0), rng),
        "per_class": {lab: {"precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]), "support": int(sup[i])}
                      for i, lab in enumerate(labels)},
        "confusion_matrix": {"labels": list(labels), "matrix": confusion_matrix(y, p, labels=ids).tolist()},
        "roc_auc": 0.91, "ece": 0.043,
        "calibration": {"n_bins": 5, "bins": [
            {"lower": i / 5, "upper": (i + 1) / 5, "count": c, "confidence": conf, "accuracy": acc}
            for i, (c, conf, acc) in enumerate([(0, None, None), (0, None, None), (40, 0.55, 0.5), (70, 0.71, 0.74), (90, 0.9, 0.93)])]},
        "bootstrap": {"n_boot": 1000, "seed": 0, "confidence_level": 0.95},
        "by_group": {"gender": {
            g: {"n": int((pred["gender"] == g).sum()), "small": g == "unknown", "accuracy": 0.8, "macro_precision": 0.8,
                "macro_recall": 0.79, "macro_f1": 0.78, "roc_auc": None, "ece": 0.05}
            for g in ("female", "male", "unknown")}},
    }
    return {
        "model": {"name": name, "source": f"models/{name}", "fingerprint": f"fp-{name}", "labels": list(labels)},
        "dataset": {"source": "sample_data/reviews_test.csv", "n_examples": len(pred), "fingerprint": fingerprint,
                    "text_col": "text", "label_col": "label", "group_cols": ["gender"], "n_truncated": 0},
        "metrics": metrics,
        "timings": {"predict": 1.2, "metrics": 0.4},
    }


def make_probes(*, gap_gender=0.04, gap_race=0.01, n_instances=60, seed=0):
    """probes.parquet frame and the matching bias section."""
    rng = np.random.default_rng(seed)
    rows = []
    bias = {"target_label": "positive"}
    spec = {"gender": (("female", "male"), gap_gender, ("She", "He")),
            "race": (("african_american", "european_american"), gap_race, ("Lakisha", "Katie"))}
    for attr, (groups, gap, names) in spec.items():
        base = rng.uniform(0.3, 0.8, n_instances)
        diffs = []
        for i in range(n_instances):
            family = "templates" if i < n_instances // 2 else "dataset_counterfactuals"
            # instance 0 (the one with hostile text) is the worst pair, so reports must show it
            sa = float(np.clip(base[i] + gap / 2 + rng.normal(0, 0.03) + (0.3 if i == 0 else 0.0), 0, 1))
            sb = float(np.clip(base[i] - gap / 2 + rng.normal(0, 0.03), 0, 1))
            diffs.append(sa - sb)
            suffix = f" {HOSTILE_IMG}" if i == 0 else ""
            for g, s, nm in ((groups[0], sa, names[0]), (groups[1], sb, names[1])):
                rows.append({"attribute": attr, "family": family, "template_id": f"t{(i % 30) // 6:02d}",
                             "instance_id": f"{attr}-{i}", "row": i % 6, "group": g,
                             "text": f"{nm} felt happy today{suffix}", "word": None, "valence": "neutral",
                             "stratum": None, "score": s,
                             "predicted_label": "positive" if s >= 0.5 else "negative"})
        d = np.array(diffs)
        means = {groups[0]: float(np.mean([r["score"] for r in rows if r["attribute"] == attr and r["group"] == groups[0]])),
                 groups[1]: float(np.mean([r["score"] for r in rows if r["attribute"] == attr and r["group"] == groups[1]]))}
        half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
        found = abs(gap) > 0.02
        entry = {"groups": list(groups), "gap_groups": list(groups), "gap_definition": f"{groups[0]} - {groups[1]}",
                 "group_means": means, "gap": float(d.mean()),
                 "ci_low": float(d.mean() - half), "ci_high": float(d.mean() + half), "ci_level": 0.95,
                 "se": float(half / 1.96), "df": 5.0, "p_value": 1e-6 if found else 0.4,
                 "p_value_holm": 4e-6 if found else 1.0, "p_value_equivalence": 0.5 if found else 0.01,
                 "verdict": "bias" if found else "no_material_bias",
                 "verdict_reason": "a planted gap" if found else "inside ±0.02",
                 "n_rows": 6, "n_templates": 5,
                 "flip_rate": 0.05 if found else 0.01, "ctf_gap": float(np.abs(d).mean()),
                 "placebo_flip_rate": 0.01, "placebo_ctf_gap": 0.02,
                 "by_valence": {"neutral": {"gap": float(d.mean()), "ci_low": float(d.mean() - half),
                                            "ci_high": float(d.mean() + half), "p_value": 0.01, "n_rows": 6, "n_templates": 5}},
                 "logit": {"gap": float(d.mean()) * 4, "ci_low": float(d.mean() - half) * 4,
                           "ci_high": float(d.mean() + half) * 4, "p_value": 0.01},
                 "n_pairs": n_instances}
        entry["families"] = {"templates": dict(entry), "dataset_counterfactuals": dict(entry)}
        bias[attr] = entry
    bias["settings"] = {"attributes": ["gender", "race"], "alpha": 0.05, "min_effect": 0.02, "n_boot": 2000, "seed": 0,
                        "confidence_level": 0.95, "correction": "holm"}
    y = rng.integers(0, 2, 138)
    pred = np.where(rng.random(138) < 0.85, y, 1 - y)
    groups = np.array(["female"] * 70 + ["male"] * 68)
    bias["observed_groups"] = {"gender": observed_group_fairness(  # the real producer on synthetic predictions
        y, pred, sensitive_features=groups, y_score=np.clip(pred * 0.8 + rng.random(138) * 0.2, 0, 1), pos_label=1,
        min_group_size=30, n_boot=200, seed=seed)}
    return pd.DataFrame(rows), bias


def make_attributions(pred: pd.DataFrame, *, identity_share=0.12):
    rows = []
    for i in range(4):
        words = str(pred["text"].iloc[i]).split()
        rows.append({"text": pred["text"].iloc[i], "target": pred["predicted"].iloc[i], "words": words,
                     "word_scores": [float(np.sin(j + i)) for j in range(len(words))], "convergence_delta": 0.01,
                     "pair_id": None, "side": None})
    for side, text in (("a", f"She loved it {HOSTILE_SCRIPT}"), ("b", f"He loved it {HOSTILE_SCRIPT}")):
        words = text.split()
        rows.append({"text": text, "target": "positive", "words": words,
                     "word_scores": [0.6 if side == "a" else 0.2] + [0.1] * (len(words) - 1),
                     "convergence_delta": 0.02, "pair_id": "gender-0", "side": side})
    section = {"method": "layer_integrated_gradients", "n_examples": len(rows), "n_steps_used": {"16": 5, "64": 1},
               "mean_abs_convergence_delta": 0.013, "identity_share": identity_share,
               "identity_share_by_group": {"female": identity_share + 0.01, "male": identity_share - 0.01},
               "faithfulness": {"aopc": 0.21, "n_examples": 6},
               "top_words": {"positive": [["great", 0.4], ["loved", 0.3]], "negative": [["awful", 0.5]]}}
    return pd.DataFrame(rows), section


def build_run(out, *, name="baseline", seed=0, accuracy=0.85, with_bias=True, with_attributions=True,
              fingerprint="data-fp-1", gap_gender=0.04, gap_race=0.01, identity_share=0.12, base_predictions=None,
              labels=("negative", "positive")):
    """Write a complete synthetic run at ``out`` and return its path."""
    pred = make_predictions(labels=labels, seed=seed, accuracy=accuracy, flip_from=base_predictions)
    record = make_record(pred, labels=labels, name=name, fingerprint=fingerprint, seed=seed)
    tables = {"predictions": pred}
    if with_bias:
        probes, bias = make_probes(gap_gender=gap_gender, gap_race=gap_race, seed=seed)
        record["bias"] = bias
        tables["probes"] = probes
    if with_attributions:
        attr, section = make_attributions(pred, identity_share=identity_share)
        record["attributions"] = section
        tables["attributions"] = attr
    return write_run(out, record, tables)
