"""Run the counterfactual probe suite against a classifier and summarise it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit.errors import ConfigError
from auditkit.probes._lexicon import Lexicon, resolve_lexicons
from auditkit.probes._stats import (
    counterfactual_token_fairness_gap,
    flip_rate,
    holm_correction,
    paired_gap_test,
)
from auditkit.probes._swap import counterfactual_versions
from auditkit.probes._templates import template_instances

__all__ = ["ProbeReport", "run_probes", "check_probe_options", "probe_families", "resolve_target_label", "DATASET_FAMILY"]

DATASET_FAMILY = "dataset_counterfactual"
N_WORST_PAIRS = 5
TABLE_COLUMNS = [
    "attribute", "family", "template_id", "instance_id", "group", "text",
    "word", "valence", "score", "predicted_label",
]


@dataclass
class ProbeReport:
    """Result of :func:`run_probes`.

    Attributes
    ----------
    summary : dict
        The ``bias`` section of run.json (without ``observed_groups``):
        ``target_label``, ``target_label_reason``, ``settings`` and one entry
        per attribute.
    table : pandas.DataFrame
        One row per scored sentence (for probes.parquet).
    """

    summary: dict
    table: pd.DataFrame = field(repr=False)

    @property
    def attributes(self) -> list[str]:
        """Attributes probed, in order."""
        return list(self.summary.get("settings", {}).get("attributes", []))


def probe_families(lexicon: Lexicon, *, with_texts: bool = True) -> list[str]:
    """Probe families available for a lexicon, in run order."""
    out = []
    if lexicon.names:
        out.append("templates_names")
    out += [f"templates_{suffix}" for suffix in lexicon.person_phrases]
    if with_texts and (lexicon.terms or lexicon.names or lexicon.extra_names):
        out.append(DATASET_FAMILY)
    return out


def resolve_target_label(labels: Sequence[str], target_label=None) -> tuple[int, str]:
    """Return (label id, reason) for the probe score ``P(target label)``.

    ``target_label`` may be a label name or an id (int or digit string);
    ``None`` picks the last label of a binary model.
    """
    labels = [str(label) for label in labels]
    known = ", ".join(repr(label) for label in labels)
    if target_label is None:
        if len(labels) == 2:
            return 1, f"default for a binary model: the last label (id 1, {labels[1]!r})"
        raise ConfigError(f"the model has {len(labels)} labels, so no default target label; pass --target-label with one of {known}")
    name = str(target_label).strip()
    if name in labels:
        return labels.index(name), "given"
    lowered = [label.lower() for label in labels]
    if lowered.count(name.lower()) == 1:
        return lowered.index(name.lower()), "given"
    if name.lstrip("-").isdigit():
        i = int(name)
        if 0 <= i < len(labels):
            return i, "given (as a label id)"
    raise ConfigError(f"target label {name!r} is not a label of the model; pass one of {known} or an id 0..{len(labels) - 1}")


def check_probe_options(labels: Sequence[str], *, attributes=("gender", "race"), target_label=None, lexicon_files=(), alpha: float = 0.05, min_effect: float = 0.02) -> None:
    """Raise the :class:`ConfigError` :func:`run_probes` would raise for these options, without scoring anything.

    Call it before slow stages so that a typo in ``--probes`` or
    ``--target-label`` fails in a second, not after prediction.
    """
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}; e.g. --alpha 0.05")
    if min_effect < 0:
        raise ConfigError(f"minimum effect must be 0 or more, got {min_effect}; e.g. --min-effect 0.02")
    resolve_lexicons(attributes, lexicon_files)
    resolve_target_label(labels, target_label)


def _seed_for(seed: int, *parts: str) -> list[int]:
    """A bootstrap seed stable across runs and independent of which tests run."""
    return [int(seed), zlib.crc32("/".join(parts).encode())]


def _json_float(x):
    x = float(x)
    return x if np.isfinite(x) else None


def _build_rows(lexicons: dict, families, texts) -> list[tuple]:
    rows = []
    for name, lex in lexicons.items():
        available = probe_families(lex, with_texts=texts is not None)
        wanted = available if families is None else [f for f in families if f in available]
        for family in wanted:
            if family == DATASET_FAMILY:
                seen = set()
                for i, text in enumerate(texts):
                    text = str(text)
                    if text in seen:
                        continue
                    seen.add(text)
                    versions = counterfactual_versions(text, lex)
                    if versions is None:
                        continue
                    for g in lex.groups:
                        rows.append((name, family, "dataset", f"{name}/{family}/{i}", g, versions[g], None, None))
                continue
            source = lex.names if family == "templates_names" else lex.person_phrases[family[len("templates_"):]]
            for inst, tid, word, valence, sentences in template_instances(source, lex.groups, family=f"{name}/{family}"):
                for g in lex.groups:
                    rows.append((name, family, tid, inst, g, sentences[g], word, valence))
    return rows


def _scope_stats(frame: pd.DataFrame, lex: Lexicon, *, key: tuple, n_boot: int, seed: int, confidence_level: float) -> tuple[dict, list]:
    """Statistics of one attribute over one scope (all families or one)."""
    groups = list(lex.groups)
    scores = frame.pivot(index="instance_id", columns="group", values="score").reindex(columns=groups)
    complete = scores.dropna()
    preds = frame.pivot(index="instance_id", columns="group", values="predicted_label").reindex(columns=groups)
    preds = preds.loc[complete.index]
    means = {g: _json_float(complete[g].mean()) for g in groups}
    tests = []
    pair_stats = {}
    pair_list = [lex.gap] + [p for p in combinations(groups, 2) if set(p) != set(lex.gap)] if len(groups) > 2 else [lex.gap]
    for a, b in pair_list:
        res = paired_gap_test(
            complete[a].to_numpy(), complete[b].to_numpy(),
            n_boot=n_boot, seed=_seed_for(seed, *key, a, b), confidence_level=confidence_level,
        )
        pair_stats[(a, b)] = res
        tests.append((key, (a, b), res))
    if len(groups) > 2:
        hi = max(groups, key=lambda g: complete[g].mean())
        lo = min(groups, key=lambda g: complete[g].mean())
        if hi == lo:  # every group mean ties: report the lexicon's own pair
            hi, lo = lex.gap
        if (hi, lo) in pair_stats:
            head = dict(pair_stats[(hi, lo)])
        else:
            head = {**pair_stats[(lo, hi)]}
            head["gap"], head["ci_low"], head["ci_high"] = -head["gap"], -head["ci_high"], -head["ci_low"]
        gap_pair = (hi, lo)
    else:
        head = dict(pair_stats[lex.gap])
        gap_pair = lex.gap
    out = {
        "groups": groups,
        "gap_groups": list(gap_pair),  # gap = mean of the first minus mean of the second
        "gap_definition": f"{gap_pair[0]} - {gap_pair[1]}" if len(groups) == 2 else f"max - min of group means ({gap_pair[0]} - {gap_pair[1]})",
        "group_means": means,
        "gap": _json_float(head["gap"]),
        "ci_low": _json_float(head["ci_low"]),
        "ci_high": _json_float(head["ci_high"]),
        "p_value": head["p_value"],
        "p_value_wilcoxon": head["p_value_wilcoxon"],
        "p_value_holm": None,  # filled after the run-wide correction
        "significant": False,
        "flip_rate": _json_float(flip_rate(preds.to_numpy())),
        "ctf_gap": _json_float(counterfactual_token_fairness_gap(complete.to_numpy())),
        "n_pairs": int(len(complete)),
        "_gap_pair": gap_pair,
        "_pair_stats": pair_stats,
    }
    return out, tests


def _worst_pairs(frame: pd.DataFrame, lex: Lexicon, k: int = N_WORST_PAIRS) -> list[dict]:
    wide = frame.pivot(index="instance_id", columns="group", values=["score", "text"])
    meta = frame.drop_duplicates("instance_id").set_index("instance_id")[["family", "template_id"]]
    candidates = []
    pairs = [lex.gap] + [p for p in combinations(lex.groups, 2) if set(p) != set(lex.gap)]
    for a, b in pairs:
        sa, sb = wide[("score", a)], wide[("score", b)]
        diff = (sa - sb).dropna()
        for inst in diff.abs().sort_values(ascending=False, kind="stable").index[:k]:
            candidates.append({
                "family": meta.at[inst, "family"],
                "template_id": meta.at[inst, "template_id"],
                "instance_id": inst,
                "group_a": a,
                "group_b": b,
                "text_a": wide.at[inst, ("text", a)],
                "text_b": wide.at[inst, ("text", b)],
                "score_a": float(sa[inst]),
                "score_b": float(sb[inst]),
                "difference": float(diff[inst]),
            })
    candidates.sort(key=lambda c: -abs(c["difference"]))
    return candidates[:k]


def run_probes(
    classifier,
    *,
    attributes: Sequence[str] = ("gender", "race"),
    texts: Sequence[str] | None = None,
    target_label=None,
    families: Sequence[str] | None = None,
    lexicon_files: Sequence = (),
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    min_effect: float = 0.02,
    batch_size: int = 64,
    progress: bool | None = None,
) -> ProbeReport:
    """Score counterfactual probe sentences and test for group gaps.

    Every matched set (a template instantiation, or a user text and its
    identity-swapped versions) is scored once per group; the gap of an
    attribute is the mean paired difference ``score(gap[0]) - score(gap[1])``
    (gender: female - male; race: african_american - european_american), the
    score being the probability of the target label.

    Parameters
    ----------
    classifier : TextClassifier
        Anything with ``labels`` and ``predict_proba(texts, batch_size=, progress=)``.
    attributes : sequence of str, default ("gender", "race")
    texts : sequence of str, optional
        Evaluation texts for the ``dataset_counterfactual`` family; ``None``
        runs the template families only.
    target_label : str or int, optional
        Label whose probability is the score; default: the last label of a
        binary model.
    families : sequence of str, optional
        Restrict to these families (``templates_names``, ``templates_nouns``,
        ``templates_identity_terms``, ``dataset_counterfactual``, or
        ``templates_<key>`` of a user lexicon).
    lexicon_files : sequence of path or Lexicon, optional
        User lexicons; one for an attribute that is built in replaces it.
    n_boot : int, default 1000
    seed : int, default 0
    alpha : float, default 0.05
        Level of the Holm-corrected tests.
    min_effect : float, default 0.02
        A gap smaller than this in absolute value is never significant.
    batch_size : int, default 64
    progress : bool, optional
        Progress bar while scoring; default: when stderr is a terminal.

    Returns
    -------
    ProbeReport

    Raises
    ------
    ConfigError
        Unknown attribute or family, bad lexicon, unknown target label, bad
        alpha/min_effect, or an attribute whose probe set yields no pairs.
    """
    labels = list(classifier.labels)
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1, got {n_boot}")
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}; e.g. --alpha 0.05")
    if min_effect < 0:
        raise ConfigError(f"minimum effect must be 0 or more, got {min_effect}; e.g. --min-effect 0.02")
    lexicons = resolve_lexicons(attributes, lexicon_files)
    target_id, reason = resolve_target_label(labels, target_label)
    if families is not None:
        families = [str(f).strip() for f in families if str(f).strip()]
        known = sorted({f for lex in lexicons.values() for f in probe_families(lex)})
        unknown = [f for f in families if f not in known]
        if unknown:
            raise ConfigError(f"unknown probe family {unknown[0]!r}; choose from {', '.join(known)}")
        if DATASET_FAMILY in families and texts is None:
            raise ConfigError("the dataset_counterfactual family needs evaluation texts; pass texts or drop that family")

    rows = _build_rows(lexicons, families, texts)
    table = pd.DataFrame(rows, columns=[c for c in TABLE_COLUMNS if c not in ("score", "predicted_label")])
    for name, lex in lexicons.items():
        if not (table["attribute"] == name).any():
            raise ConfigError(
                f"the probe set for attribute {name!r} yields no matched pairs (families: "
                f"{', '.join(families) if families is not None else ', '.join(probe_families(lex, with_texts=texts is not None))}); "
                "add template families or texts that mention the attribute"
            )

    unique = list(dict.fromkeys(table["text"]))
    probs = classifier.predict_proba(unique, batch_size=batch_size, progress=progress).probabilities
    index = {t: i for i, t in enumerate(unique)}
    pos = table["text"].map(index).to_numpy()
    table["score"] = probs[pos, target_id].astype(float)
    table["predicted_label"] = [labels[i] for i in probs.argmax(axis=1)[pos]]

    summary: dict = {"target_label": labels[target_id], "target_label_reason": reason}
    all_tests = []  # (scope dict, pair, result) in a fixed order
    for name, lex in lexicons.items():
        sub = table[table["attribute"] == name]
        overall, tests = _scope_stats(sub, lex, key=(name, "all"), n_boot=n_boot, seed=seed, confidence_level=1 - alpha)
        all_tests += [(overall, pair, res) for _, pair, res in tests]
        fams = {}
        skipped = {}
        for family in dict.fromkeys(sub["family"]):
            fsub = sub[sub["family"] == family]
            fstats, ftests = _scope_stats(fsub, lex, key=(name, family), n_boot=n_boot, seed=seed, confidence_level=1 - alpha)
            all_tests += [(fstats, pair, res) for _, pair, res in ftests]
            fams[family] = fstats
        requested = families if families is not None else probe_families(lex, with_texts=texts is not None)
        for family in requested:
            if family in probe_families(lex, with_texts=texts is not None) and family not in fams:
                skipped[family] = "no text mentions this attribute" if family == DATASET_FAMILY else "no rows"
        overall["families"] = fams
        if skipped:
            overall["skipped_families"] = skipped
        overall["worst_pairs"] = _worst_pairs(sub, lex)
        summary[name] = overall

    adjusted = holm_correction([res["p_value"] for _, _, res in all_tests])
    for (scope, pair, res), p_adj in zip(all_tests, adjusted):
        res["p_value_holm"] = float(p_adj)
        res["significant"] = bool(p_adj < alpha and abs(res["gap"]) >= min_effect)
    for name, lex in lexicons.items():
        for scope in [summary[name], *summary[name]["families"].values()]:
            _finish_scope(scope, lex)

    summary["settings"] = {
        "attributes": list(lexicons),
        "families": {name: list(summary[name]["families"]) for name in lexicons},
        "alpha": alpha,
        "min_effect": min_effect,
        "n_boot": n_boot,
        "seed": seed,
        "confidence_level": 1 - alpha,
        "test": "paired t-test (Wilcoxon signed-rank also reported)",
        "correction": "holm",
        "n_tests": len(all_tests),
        "n_sentences": len(unique),
        "lexicons": {name: lex.source for name, lex in lexicons.items()},
    }
    return ProbeReport(summary=summary, table=table[TABLE_COLUMNS].reset_index(drop=True))


def _finish_scope(scope: dict, lex: Lexicon) -> None:
    """Move the corrected results into the scope's public fields."""
    pair_stats = scope.pop("_pair_stats")
    gap_pair = scope.pop("_gap_pair")
    key = gap_pair if gap_pair in pair_stats else (gap_pair[1], gap_pair[0])
    head = pair_stats[key]
    scope["p_value_holm"] = head["p_value_holm"]
    scope["significant"] = head["significant"]
    if len(lex.groups) > 2:
        scope["pairs"] = {
            f"{a}-{b}": {
                "gap": _json_float(r["gap"]), "ci_low": _json_float(r["ci_low"]), "ci_high": _json_float(r["ci_high"]),
                "p_value": r["p_value"], "p_value_wilcoxon": r["p_value_wilcoxon"], "p_value_holm": r["p_value_holm"],
                "significant": r["significant"], "n_pairs": r["n_pairs"],
            }
            for (a, b), r in pair_stats.items()
        }
