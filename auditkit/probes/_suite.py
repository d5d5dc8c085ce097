"""Run the counterfactual probe suite against a classifier and summarise it."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit._language import detect_language, resolve_language
from auditkit._bounds import check_option
from auditkit.errors import ConfigError
from auditkit.models._coverage import check_reads_language
from auditkit.models._thresholds import check_thresholds
from auditkit.probes._lexicon import Lexicon
from auditkit.probes._packs import DEFAULT_LANGUAGE, resolve_lexicons
from auditkit.probes._crossed import LeftOut, crossed_estimate
from auditkit.probes._designs import attribute_components, paired_frame
from auditkit.probes._families import DATASET_FAMILY
from auditkit.probes._gap import CI_KIND, GapEstimate, _json_float, estimate_gap, judge_gap
from auditkit.probes._intersection import grid_of, interaction_pairs
from auditkit.probes._omnibus import max_t_omnibus
from auditkit.probes._power import POWER, minimum_detectable_gap
from auditkit.probes._stats import counterfactual_token_fairness_gap, flip_rate, holm_correction
from auditkit.probes._verdict import BIAS, INCONCLUSIVE, MIN_ROWS, NO_MATERIAL_BIAS, combine_verdicts
from auditkit.models import Classifier

__all__ = ["ProbeReport", "run_probes", "check_probe_options", "probe_families", "resolve_target_label", "DATASET_FAMILY"]

N_WORST_PAIRS = 5
PLURAL = {"class": "classes", "label": "labels"}
MIN_BOOT = 100
TABLE_COLUMNS = [
    "attribute", "family", "template_id", "instance_id", "row", "group", "text",
    "word", "valence", "stratum", "score", "predicted_label",
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
        One row per scored sentence (for probes.parquet), with every
        class's probability (``prob_<label>``) beside the score.
    """

    summary: dict
    table: pd.DataFrame = field(repr=False)

    @property
    def attributes(self) -> list[str]:
        """Attributes probed, in order."""
        return list(self.summary.get("settings", {}).get("attributes", []))


def probe_families(lexicon: Lexicon, *, with_texts: bool = True) -> list[str]:
    """Probe families available for a lexicon, in run order."""
    return [f.name for f in lexicon.families if with_texts or not f.needs_texts]


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
        raise ConfigError(f"the model has {len(labels)} labels, so no default target label; pass target_label with one of {known}",
                          parameter="target_label")
    name = str(target_label).strip()
    if name in labels:
        return labels.index(name), "given"
    lowered = [label.lower() for label in labels]
    if lowered.count(name.lower()) == 1:
        return lowered.index(name.lower()), "given"
    if re.fullmatch(r"-?[0-9]+", name):  # ASCII digits only: "²".isdigit() holds, but int("²") fails
        i = int(name)
        if 0 <= i < len(labels):
            return i, "given (as a label id)"
    raise ConfigError(f"target label {name!r} is not a label of the model; pass one of {known} or an id 0..{len(labels) - 1}")


def _check_levels(alpha: float, min_effect: float) -> None:
    check_option("alpha", alpha)
    check_option("min_effect", min_effect)  # a bounded range: see auditkit._bounds


#: Default cap on the template sentences one audit scores (``max_sentences``): 30 times the built-in lexicons' ~6,500,
#: about 7 minutes of MiniLM at the ~450 sentences/s it predicts on 2 AMD EPYC cores.
MAX_PROBE_SENTENCES = 200_000
_SENTENCES_PER_SECOND = 450  # MiniLM on 2 AMD EPYC cores (the measured rate the cost estimate quotes)


def template_sentences(lexicons: dict, families=None) -> int:
    """How many template sentences the probe set of ``lexicons`` holds (rows x templates x groups),
    counted without building them; ``families`` restricts as in :func:`run_probes`."""
    return sum(family.n_template_sentences(lex.groups) for lex in lexicons.values() for family in lex.families
               if families is None or family.name in families)


def _check_cost(lexicons: dict, families, max_sentences: int | None) -> None:
    """Refuse, before anything is scored, a probe set larger than ``max_sentences`` template sentences, with its cost."""
    if max_sentences is None:
        return
    check_option("max_probe_sentences", max_sentences)
    n = template_sentences(lexicons, families)
    if n > max_sentences:
        hours = n / _SENTENCES_PER_SECOND / 3600
        raise ConfigError(
            f"the probe set holds {n:,} template sentences (lexicon rows x templates x groups), "
            f"more than max_probe_sentences {max_sentences:,}; scoring them would take about {hours:,.1f} h "
            f"with MiniLM at {_SENTENCES_PER_SECOND} sentences/s (2 CPU cores) — use fewer lexicon rows, or raise "
            "max_probe_sentences", parameter="max_probe_sentences")


def check_probe_options(labels: Sequence[str], *, attributes=("gender", "race"), target_label=None, lexicon_files=(),
                        alpha: float = 0.05, min_effect: float = 0.02, families=None,
                        max_sentences: int | None = MAX_PROBE_SENTENCES, language: str = DEFAULT_LANGUAGE,
                        classifier=None) -> None:
    """Raise the error :func:`run_probes` would raise for these options, without scoring anything.

    Call it before slow stages so that a typo in ``--probes`` or
    ``--target-label``, a lexicon too large to score, or (given the model's
    ``tokenizer``) template sentences the model cannot read fail in a second,
    not after prediction.
    """
    _check_levels(alpha, min_effect)
    lexicons = resolve_lexicons(attributes, lexicon_files, language=language)
    _check_cost(lexicons, families, max_sentences)
    if getattr(classifier, "tokenizer", None) is not None and language != DEFAULT_LANGUAGE:
        templates = _probe_table(lexicons, families, None, {})
        check_reads_language(classifier, list(dict.fromkeys(templates["text"])), language)
    if target_label is not None or len(labels) == 2:  # otherwise every class is probed
        resolve_target_label(labels, target_label)


def _seed_for(seed: int, *parts: str) -> list[int]:
    """A bootstrap seed stable across runs and independent of which tests run."""
    return [int(seed), zlib.crc32("/".join(parts).encode())]


def _build_rows(lexicons: dict, families, texts, swaps: dict) -> list[tuple]:
    """Probe table rows; ``swaps`` receives each attribute's dataset-swap summary."""
    rows = []
    for name, lex in lexicons.items():
        for family in lex.families:
            if (family.needs_texts and texts is None) or (families is not None and family.name not in families):
                continue
            family_rows, summary = family.table_rows(lex, texts=texts)
            rows += family_rows
            if summary is not None:
                swaps[name] = summary
    return rows


def _group_means(frame: pd.DataFrame, groups) -> dict:
    """Each group's mean score, weighted like the gap (so gap = difference of two of them)."""
    out = {}
    for g in groups:
        other = next(o for o in groups if o != g)
        pairs = paired_frame(frame, g, other).assign(b=0.0)
        comps = attribute_components(pairs)
        out[g] = _json_float(crossed_estimate(comps).gap) if comps else None
    return out


def _placebo(frame: pd.DataFrame, lex: Lexicon) -> tuple[float | None, float | None]:
    """Flip rate and CTF gap of swaps WITHIN a group (one name or noun for another of the same group).

    A between-group matched set has one member per group; its placebo has as
    many members, all of one group: each lexicon row with the next ones
    (cyclically) in the same template and slot word, among the rows that
    template meets (its template block). So for any number of
    groups the placebo is the same kind of set with the group held fixed: what
    any change of person does to the prediction, the baseline against which
    the between-group flip rate reads (the gate judges the excess over it).
    """
    tpl = frame[frame["family"].isin([f.name for f in lex.families if f.compares_rows])]
    flips, diffs = [], []
    for (_, g), sub in tpl.groupby(["family", "group"], sort=False):
        if g not in lex.groups:
            continue
        keyed = sub.assign(slot=sub["template_id"].astype(str) + "/" + sub["word"].fillna("-").astype(str))
        score = keyed.pivot(index="slot", columns="row", values="score")
        preds = keyed.pivot(index="slot", columns="row", values="predicted_label").to_numpy()
        scores = score.to_numpy(float)
        observed = ~np.isnan(scores)
        for pattern in np.unique(observed, axis=0):  # a template block: the rows its templates meet
            cols = np.flatnonzero(pattern)
            n_rows = len(cols)
            if n_rows < 2:
                continue
            slots = (observed == pattern).all(axis=1)
            k = min(len(lex.groups), n_rows)
            window = (np.arange(n_rows)[:, None] + np.arange(k)[None, :]) % n_rows  # row r with the k - 1 after it
            pred = preds[np.ix_(slots, cols)][:, window]
            s = scores[np.ix_(slots, cols)][:, window]  # (slots, sets, members)
            flips.append(np.any(pred != pred[..., :1], axis=-1).ravel())
            diffs.append(np.concatenate([np.abs(s[..., i] - s[..., j]).ravel() for i, j in combinations(range(k), 2)]))
    if not diffs:
        return None, None
    return float(np.concatenate(flips).mean()), float(np.concatenate(diffs).mean())


@dataclass
class _Scope:
    """One attribute over one scope (all families, or one): its statistics before Holm."""

    entry: dict
    headline: tuple[str, str]
    estimates: dict  # (a, b) -> GapEstimate
    omnibus: object = None  # Omnibus of 3+ groups, or None
    grid: object = None  # the 2 x 2 Grid of a crossed attribute, or None
    interaction: GapEstimate | None = None  # its interaction contrast

    def tests(self) -> dict:
        """Every test of the scope, as Holm counts them: each pair, the omnibus and the interaction contrast."""
        extra = {"omnibus": self.omnibus, "interaction": self.interaction}
        return {**self.estimates, **{k: v for k, v in extra.items() if v is not None}}


def _testable_families(frame: pd.DataFrame) -> list[str]:
    """Families with enough lexicon rows (or texts) to be tested; all of them when none has."""
    n_rows = frame.groupby("family", sort=False)["row"].nunique()
    ok = [f for f, n in n_rows.items() if n >= MIN_ROWS]
    return ok or list(n_rows.index)


def _scope_stats(frame: pd.DataFrame, lex: Lexicon, *, key: tuple, n_boot: int, seed: int, alpha: float,
                 min_effect: float) -> _Scope:
    """Statistics of one attribute over one scope (all families or one).

    The gap, its interval and tests combine the families that can be tested
    (at least MIN_ROWS rows), with equal weights; flip rates, CTF gaps and
    worst pairs describe every family of the scope.
    """
    groups = list(lex.groups)
    scores = frame.pivot(index="instance_id", columns="group", values="score").reindex(columns=groups)
    complete = scores.dropna()
    preds = frame.pivot(index="instance_id", columns="group", values="predicted_label").reindex(columns=groups)
    preds = preds.loc[complete.index]
    combined = _testable_families(frame)
    all_families = list(dict.fromkeys(frame["family"]))
    frame_all, frame = frame, frame[frame["family"].isin(combined)]
    means = _group_means(frame, groups)
    pair_list = [lex.gap] + [p for p in combinations(groups, 2) if set(p) != set(lex.gap)] if len(groups) > 2 else [lex.gap]
    if len(groups) > 2:
        known = {g: m for g, m in means.items() if m is not None}
        hi, lo = max(known, key=known.get), min(known, key=known.get)
        headline = lex.gap if hi == lo else (hi, lo)  # every group mean ties: the lexicon's own pair
    else:
        headline = lex.gap
    estimates = {}
    for a, b in pair_list:
        estimates[(a, b)] = estimate_gap(
            paired_frame(frame, a, b), (a, b), n_boot=n_boot, seed=_seed_for(seed, *key, a, b),
            confidence_level=1 - alpha, min_effect=min_effect, influence={a, b} == set(headline),
        )
    head = estimates[headline] if headline in estimates else estimates[headline[::-1]].reversed()
    omnibus = max_t_omnibus(estimates, groups, alpha=alpha, min_effect=min_effect,
                            seed=_seed_for(seed, *key, "omnibus")) if len(groups) > 2 else None
    grid = grid_of(groups, lex.crosses)
    interaction = None if grid is None else estimate_gap(
        interaction_pairs(frame, grid), grid.levels[1], n_boot=n_boot, seed=_seed_for(seed, *key, "interaction"),
        confidence_level=1 - alpha, min_effect=min_effect)
    pairs = paired_frame(frame, *headline)
    placebo_flip, placebo_ctf = _placebo(frame_all, lex)
    if len(all_families) > 1 and combined != all_families:
        left_out = [f for f in all_families if f not in combined]
        note = f"left out of the combined gap (fewer than {MIN_ROWS} rows): {', '.join(left_out)}"
    else:
        note = None
    entry = {
        "groups": groups,
        "gap_groups": list(headline),  # gap = mean of the first minus mean of the second
        "gap_definition": f"{headline[0]} - {headline[1]}" if len(groups) == 2 else f"max - min of group means ({headline[0]} - {headline[1]})",
        "group_means": means,
        "families_combined": combined,
        **head.as_dict(),
        "ci_level": 1 - alpha,
        "ci_kind": CI_KIND,
        # filled after the run-wide correction:
        "p_value_holm": None, "p_value_min_effect_holm": None, "holm_ci_low": None, "holm_ci_high": None,
        "verdict": None,
        "verdict_reason": None,
        "influence": None,
        "flip_rate": _json_float(flip_rate(preds.to_numpy())),
        "ctf_gap": _json_float(counterfactual_token_fairness_gap(complete.to_numpy())),
        "placebo_flip_rate": _json_float(placebo_flip),
        "placebo_ctf_gap": _json_float(placebo_ctf),
        "by_valence": {},
        "logit": None,
    }
    if note:
        entry["note"] = note
    for valence in ("positive", "negative", "neutral"):  # descriptive subsets: no bootstrap check
        v = estimate_gap(pairs, headline, valence=valence, n_boot=0, confidence_level=1 - alpha)
        if v is not None:
            entry["by_valence"][valence] = {k: v.as_dict()[k] for k in ("gap", "ci_low", "ci_high", "p_value", "n_rows", "n_templates")}
    lg = estimate_gap(pairs, headline, scale="logit", n_boot=0, confidence_level=1 - alpha)
    entry["logit"] = {k: lg.as_dict()[k] for k in ("gap", "ci_low", "ci_high", "p_value")}
    return _Scope(entry=entry, headline=headline, estimates=estimates, omnibus=omnibus, grid=grid,
                  interaction=interaction)


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


def _attribute_scopes(table: pd.DataFrame, lexicons: dict, *, key: tuple, families, texts, swaps: dict, n_boot: int,
                      seed: int, alpha: float, min_effect: float) -> tuple[dict, list, dict]:
    """Every attribute's entry (before Holm), its scopes in a fixed order, and the scopes that are another's test.

    ``key`` prefixes the bootstrap seeds (the class of a per-class run; empty for one target label).
    """
    entries: dict = {}
    scopes: list[tuple[str, _Scope]] = []  # (attribute, scope) in a fixed order
    same_test: dict[int, _Scope] = {}  # an attribute resting on one family IS that family's test: count it once
    for name, lex in lexicons.items():
        sub = table[table["attribute"] == name]
        overall = _scope_stats(sub, lex, key=(*key, name, "all"), n_boot=n_boot, seed=seed, alpha=alpha,
                               min_effect=min_effect)
        scopes.append((name, overall))
        fams = {}
        for family in dict.fromkeys(sub["family"]):
            fscope = _scope_stats(sub[sub["family"] == family], lex, key=(*key, name, family), n_boot=n_boot,
                                  seed=seed, alpha=alpha, min_effect=min_effect)
            scopes.append((name, fscope))
            fams[family] = fscope
        combined = overall.entry["families_combined"]
        if len(combined) == 1:
            same_test[id(overall)] = fams[combined[0]]
        entry = overall.entry
        entry["families"] = {f: sc.entry for f, sc in fams.items()}
        requested = families if families is not None else probe_families(lex, with_texts=texts is not None)
        skipped = {
            family.name: family.empty_reason
            for family in lex.families
            if family.name in requested and family.name in probe_families(lex, with_texts=texts is not None)
            and family.name not in fams
        }
        if skipped:
            entry["skipped_families"] = skipped
        for family in lex.families:
            if family.needs_texts and family.name in fams:
                entry["families"][family.name]["swaps"] = swaps[name]
        entry["worst_pairs"] = _worst_pairs(sub, lex)
        entries[name] = entry
    return entries, scopes, same_test


def _holm(scopes: list, same_test: dict, field_name: str, *, cap: bool = True) -> dict:
    """Holm over one p-value of every pair x scope test: ``(id(scope), pair) -> adjusted``."""
    tested = [(sc, pair) for _, sc in scopes if id(sc) not in same_test
              for pair, est in sc.tests().items() if getattr(est, field_name) is not None]
    adjusted = holm_correction([getattr(sc.tests()[pair], field_name) for sc, pair in tested], cap=cap)
    holm = {(id(sc), pair): float(p) for (sc, pair), p in zip(tested, adjusted)}
    for alias, target in same_test.items():
        holm.update({(alias, pair): holm[(id(target), pair)] for pair in target.tests() if (id(target), pair) in holm})
    return holm


def _describer(lex: Lexicon):
    """A left-out unit -> (its text, its family): the template's pattern, or the family's own words for its unit
    (a lexicon row's phrases, a swapped term)."""
    def describe(lo: LeftOut) -> tuple[str, str | None]:
        if lo.unit == "template":
            texts = (f.template_text(lo.key) for f in lex.families)
            return next((t for t in texts if t is not None), lo.key), None
        return lex.family(lo.component).describe_row(lo.key, lex.groups), lo.component
    return describe


def _correct_and_judge(scopes: list, same_test: dict, lexicons: dict, *, alpha: float, min_effect: float) -> int:
    """One Holm correction over every pair x scope test in ``scopes`` (for a zero gap, and for the minimum
    effect), then every verdict, each checked for one template, row or term that carries it; returns the
    test count."""
    holm, holm_min = _holm(scopes, same_test, "p_value"), _holm(scopes, same_test, "p_value_min_effect")
    steps = _holm(scopes, same_test, "p_value_min_effect", cap=False)
    for name, sc in scopes:
        stored = sc.headline if sc.headline in sc.estimates else sc.headline[::-1]
        est = sc.estimates[stored]
        if stored != sc.headline:
            est = est.reversed()
        sc.entry.update(judge_gap(est, alpha=alpha, min_effect=min_effect, p_value_holm=holm.get((id(sc), stored)),
                                  p_value_min_effect_holm=holm_min.get((id(sc), stored)),
                                  holm_step=steps.get((id(sc), stored)), describe=_describer(lexicons[name])))
        if len(lexicons[name].groups) > 2:
            sc.entry["pairs"] = {}
            for (a, b), e in sc.estimates.items():
                judged = judge_gap(replace(e, left_out=()), alpha=alpha, min_effect=min_effect,
                                   p_value_holm=holm.get((id(sc), (a, b))),
                                   p_value_min_effect_holm=holm_min.get((id(sc), (a, b))),
                                   holm_step=steps.get((id(sc), (a, b))))
                del judged["influence"]  # kept for the headline pair only (the scope's own influence)
                sc.entry["pairs"][f"{a}-{b}"] = {**e.as_dict(), "ci_kind": CI_KIND, **judged}
    for _, sc in scopes:
        if sc.omnibus is not None:
            sc.entry["omnibus"] = _judge_omnibus(sc.omnibus, p_value_holm=holm.get((id(sc), "omnibus")),
                                                 p_value_min_effect_holm=holm_min.get((id(sc), "omnibus")),
                                                 alpha=alpha, min_effect=min_effect)
            _omnibus_headline(sc.entry)
    for name, sc in scopes:
        entry = sc.entry
        if "families" in entry:  # an attribute's overall scope: a family's finding makes the attribute's
            fam_verdicts = {f: (e["verdict"], e["verdict_reason"]) for f, e in entry["families"].items()}
            tested = {f for f, e in entry["families"].items() if e["p_value"] is not None}
            entry["verdict"], entry["verdict_reason"] = combine_verdicts((entry["verdict"], entry["verdict_reason"]),
                                                                         fam_verdicts, tested)
    for _, sc in scopes:
        if sc.grid is not None and sc.interaction is not None:
            sc.entry["intersection"] = _intersection_entry(
                sc, judge_gap(sc.interaction, alpha=alpha, min_effect=min_effect,
                              p_value_holm=holm.get((id(sc), "interaction")),
                              p_value_min_effect_holm=holm_min.get((id(sc), "interaction")),
                              holm_step=steps.get((id(sc), "interaction"))))
    n_tests = sum(1 for key in holm if key[0] not in same_test)
    for _, sc in scopes:
        interaction = (sc.entry.get("intersection") or {}).get("interaction")
        for test in [sc.entry, *(sc.entry.get("pairs") or {}).values(), *([interaction] if interaction else [])]:
            _set_mde(test, alpha=alpha, min_effect=min_effect, n_tests=n_tests)
    return n_tests


def _intersection_entry(sc: "_Scope", judged: dict) -> dict:
    """The 2 x 2 grid of group means, the simple effects (pairs of the scope) and the judged interaction."""
    grid, means = sc.grid, sc.entry["group_means"]
    (a1, a2), (b1, b2) = grid.levels
    simple = {}
    for name, (x, y) in grid.simple_effects().items():
        stored = (x, y) if (x, y) in sc.estimates else (y, x)
        test = sc.entry["pairs"][f"{stored[0]}-{stored[1]}"]
        sign = 1 if stored == (x, y) else -1
        simple[name] = {"groups": [x, y], "gap": None if test["gap"] is None else sign * test["gap"],
                        "ci_low": None if test["ci_low"] is None else (test["ci_low"] if sign > 0 else -test["ci_high"]),
                        "ci_high": None if test["ci_high"] is None else (test["ci_high"] if sign > 0 else -test["ci_low"]),
                        "p_value_holm": test["p_value_holm"], "verdict": test["verdict"]}
    interaction = {**sc.interaction.as_dict(), "ci_kind": CI_KIND, **judged}
    del interaction["influence"]
    return {
        "attributes": list(grid.attributes), "levels": {grid.attributes[0]: [a1, a2], grid.attributes[1]: [b1, b2]},
        "grid": {a: {b: means.get(grid.cell[(a, b)]) for b in (b1, b2)} for a in (a1, a2)},
        "cells": {a: {b: grid.cell[(a, b)] for b in (b1, b2)} for a in (a1, a2)},
        "simple_effects": simple,
        "interaction_definition": grid.definition(),
        "interaction": interaction,
    }


def _omnibus_headline(entry: dict) -> None:
    """A scope of 3+ groups takes its verdict from the omnibus, not from its headline pair alone.

    The headline pair is the one with the largest gap in the data; testing it
    as if it had been named in advance would find "bias" among equal groups
    more often than alpha (the winner's curse). The omnibus max-|t| test
    allows for that choice, so it sets the verdict -- unless one template,
    row or term carries the headline pair's verdict, which stays inconclusive.
    """
    omnibus = entry["omnibus"]
    if (entry.get("influence") or {}).get("flipped_by") and entry["verdict"] == INCONCLUSIVE:
        return
    entry["verdict"] = omnibus["verdict"]
    entry["verdict_reason"] = f"omnibus over every pair of groups: {omnibus['verdict_reason']}"


def _judge_omnibus(omnibus, *, p_value_holm: float, p_value_min_effect_holm: float, alpha: float,
                   min_effect: float) -> dict:
    """The omnibus entry of a scope with its verdict, by the rule every gap has."""
    out = {**omnibus.as_dict(), "p_value_holm": p_value_holm, "p_value_min_effect_holm": p_value_min_effect_holm}
    largest = f"{omnibus.largest} (|t| = {omnibus.t_max:.2f})"
    if p_value_min_effect_holm < alpha:
        beyond = f"beyond ±{min_effect:g}" if min_effect > 0 else "away from 0"
        out["verdict"], out["verdict_reason"] = BIAS, (
            f"some pair of groups is shown {beyond}: largest {largest}, Holm p = {p_value_min_effect_holm:.3g} < "
            f"{alpha:g}")
    elif omnibus.inside_min_effect:
        out["verdict"], out["verdict_reason"] = NO_MATERIAL_BIAS, (
            f"every pair's simultaneous {1 - 2 * alpha:.0%} interval lies inside ±{min_effect:g}")
    else:
        out["verdict"], out["verdict_reason"] = INCONCLUSIVE, (
            f"no pair is shown beyond ±{min_effect:g} (Holm p = {p_value_min_effect_holm:.3g}), nor every pair "
            f"inside it; largest {largest}")
    return out


def _set_mde(test: dict, *, alpha: float, min_effect: float, n_tests: int) -> None:
    """A test's minimum detectable gaps (of a zero gap, and of the bias verdict) from its own se and df."""
    test["mde"] = _json_float(minimum_detectable_gap(test["se"], test["df"], alpha=alpha, n_tests=n_tests))
    test["mde_bias"] = _json_float(minimum_detectable_gap(test["se"], test["df"], alpha=alpha, n_tests=n_tests,
                                                          margin=min_effect))


def _headline_class(entries: dict[str, dict], *, kind: str) -> tuple[str, str]:
    """The class (or label) whose entry heads an attribute.

    The largest |gap| among the classes with a bias finding; else among the
    inconclusive ones (an attribute reads "no material bias" only when every
    class does); else overall.
    """
    def largest(pool):
        return max(pool, key=lambda c: -1.0 if entries[c]["gap"] is None else abs(entries[c]["gap"]))
    findings = [c for c, e in entries.items() if e["verdict"] == BIAS]
    if findings:
        return largest(findings), f"the {kind} with the largest |gap| among the {PLURAL[kind]} with a bias finding"
    open_ = [c for c, e in entries.items() if e["verdict"] == INCONCLUSIVE]
    if open_:
        return largest(open_), (f"the {kind} with the largest |gap| among the inconclusive {PLURAL[kind]}; "
                                f"no {kind} shows bias")
    return largest(list(entries)), f"the {kind} with the largest |gap|; every {kind} shows no material bias"


def run_probes(
    classifier: Classifier,
    *,
    attributes: Sequence[str] = ("gender", "race"),
    texts: Sequence[str] | None = None,
    target_label=None,
    families: Sequence[str] | None = None,
    thresholds: Sequence[float] | None = None,
    lexicon_files: Sequence = (),
    n_boot: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    min_effect: float = 0.02,
    batch_size: int = 64,
    progress: bool | None = None,
    max_sentences: int | None = MAX_PROBE_SENTENCES,
    language: str | None = None,
) -> ProbeReport:
    """Score counterfactual probe sentences and test for group gaps.

    Every matched set (a template instantiation, or a user text and its
    identity-swapped versions) is scored once per group; the gap of an
    attribute is the mean paired difference ``score(gap[0]) - score(gap[1])``
    (gender: female - male; race: african_american - european_american), the
    score being the probability of the target label. The unit of inference is
    the (lexicon row, template) cell: rows and templates are both random, so
    the test is a crossed random-effects t-test and the interval a pigeonhole
    bootstrap (see :mod:`auditkit.probes._crossed`); families weigh equally in
    an attribute's result. Each scope gets a verdict: ``bias``,
    ``no_material_bias`` or ``inconclusive`` (see :mod:`auditkit.probes._verdict`).

    Parameters
    ----------
    classifier : Classifier
        Anything with ``labels`` and ``predict_proba(texts, batch_size=, progress=)``.
    attributes : sequence of str, default ("gender", "race")
    texts : sequence of str, optional
        Evaluation texts for the ``dataset_counterfactual`` family; ``None``
        runs the template families only.
    target_label : str or int, optional
        Label whose probability is the score; default: the last label of a
        binary model, and every class of a multi-class model (or every label
        of a multi-label one), each summarised on its own (``classes``).
    thresholds : sequence of float, optional
        A multi-label model's decision threshold per label (its scores are
        sigmoids): a flip is then a change of that label's decision, not of
        the argmax.
    families : sequence of str, optional
        Restrict to these families (``templates_names``, ``templates_nouns``,
        ``templates_identity_terms``, ``dataset_counterfactual``, or
        ``templates_<key>`` of a user lexicon).
    lexicon_files : sequence of path or Lexicon, optional
        User lexicons; one for an attribute that is built in replaces it.
    n_boot : int, default 2000
        Pigeonhole-bootstrap resamples of every interval (at least 100).
    seed : int, default 0
    alpha : float, default 0.05
        Level of the Holm-corrected tests.
    min_effect : float, default 0.02
        The smallest gap that matters: a smaller one is never "bias", and
        "no material bias" means the gap is shown to lie inside ±min_effect.
    batch_size : int, default 64
    progress : bool, optional
        Progress bar while scoring; default: when stderr is a terminal.
    max_sentences : int or None, default 200000
        Refuse a probe set with more template sentences than this (the error
        says how many and how long they would take); None: no cap.
    language : str, optional
        The language of the texts probed (``"en"``, ``"zh"``): only packs of
        that language are used (the user's own packs always are). Default:
        detected from ``texts`` (the share of Han characters), else ``"en"``.

    Returns
    -------
    ProbeReport
        With several classes probed, ``summary["classes"]`` holds
        ``{class: {attribute: entry}}``; every class x attribute x scope test
        is in ONE Holm correction before any verdict, and ``summary[attribute]``
        is the entry of its headline class (``headline_class``): the largest
        |gap| among classes with a ``bias`` verdict, else the largest |gap|
        (``headline_reason`` says which). ``probes.parquet`` rows then score
        their attribute's headline class.

    Raises
    ------
    ConfigError
        Unknown attribute or family, bad lexicon, unknown target label, bad
        alpha/min_effect, or an attribute whose probe set yields no pairs.
    """
    labels = list(classifier.labels)
    language = resolve_language(language, texts) if texts else resolve_language(language or DEFAULT_LANGUAGE)
    lexicons, families, thresholds = _checked_options(labels, attributes, lexicon_files, families, texts, thresholds,
                                                      n_boot=n_boot, alpha=alpha, min_effect=min_effect,
                                                      language=language)
    _check_cost(lexicons, families, max_sentences)
    per_class = target_label is None and (len(labels) > 2 or thresholds is not None)
    if not per_class:
        target_id, reason = resolve_target_label(labels, target_label)
    swaps: dict = {}
    table = _probe_table(lexicons, families, texts, swaps)
    unique = list(dict.fromkeys(table["text"]))
    if getattr(classifier, "tokenizer", None) is not None:
        # A model that cannot read the probe sentences would show "no gap" for the wrong reason.
        check_reads_language(classifier, unique, detect_language(unique).language)
    probs = classifier.predict_proba(unique, batch_size=batch_size, progress=progress).probabilities
    scores = _ClassScores(table, unique, probs, labels, thresholds)

    opts = dict(families=families, texts=texts, swaps=swaps, n_boot=n_boot, seed=seed, alpha=alpha, min_effect=min_effect)
    if not per_class:
        entries, scopes, same_test = _attribute_scopes(scores.of(target_id), lexicons, key=(), **opts)
        n_tests = _correct_and_judge(scopes, same_test, lexicons, alpha=alpha, min_effect=min_effect)
        summary: dict = {"target_label": labels[target_id], "target_label_reason": reason, **entries}
        out_table = scores.of(target_id)
    else:
        summary, out_table, n_tests = _per_class_summary(scores, lexicons, opts, alpha=alpha, min_effect=min_effect)

    summary["settings"] = _settings(lexicons, summary, alpha=alpha, min_effect=min_effect, n_boot=n_boot, seed=seed,
                                    n_tests=n_tests, n_sentences=len(unique), per_class=per_class)
    summary["settings"]["language"] = language
    if per_class:
        summary["settings"]["classes"] = list(labels)
    if per_class or thresholds is not None:
        summary["settings"]["flip"] = ("change of the label's thresholded decision" if thresholds is not None
                                       else "change of the predicted class")
    class_scores = pd.DataFrame(scores.probs[scores.pos].astype(float), columns=[f"prob_{label}" for label in labels],
                                index=out_table.index)
    return ProbeReport(summary=summary, table=pd.concat([out_table[TABLE_COLUMNS], class_scores], axis=1).reset_index(drop=True))


def _checked_options(labels, attributes, lexicon_files, families, texts, thresholds, *, n_boot, alpha, min_effect,
                     language=DEFAULT_LANGUAGE):
    """Validate :func:`run_probes`' options: ``(lexicons, families, thresholds)``, or ConfigError naming the parameter."""
    check_option("n_boot", n_boot, bound="probe_n_boot")  # at least MIN_BOOT resamples for probe intervals
    _check_levels(alpha, min_effect)
    lexicons = resolve_lexicons(attributes, lexicon_files, language=language)
    if thresholds is not None:
        thresholds = check_thresholds(labels, thresholds)
    if families is not None:
        families = [str(f).strip() for f in families if str(f).strip()]
        known = sorted({f for lex in lexicons.values() for f in probe_families(lex)})
        unknown = [f for f in families if f not in known]
        if unknown:
            raise ConfigError(f"unknown probe family {unknown[0]!r}; choose from {', '.join(known)}")
        needs_texts = [f.name for lex in lexicons.values() for f in lex.families if f.needs_texts and f.name in families]
        if needs_texts and texts is None:
            raise ConfigError(f"the {needs_texts[0]} family needs evaluation texts; pass texts or drop that family")
    return lexicons, families, thresholds


def _probe_table(lexicons, families, texts, swaps: dict) -> pd.DataFrame:
    """Every probe sentence with its attribute, family, group and matched set (not yet scored)."""
    rows = _build_rows(lexicons, families, texts, swaps)
    table = pd.DataFrame(rows, columns=[c for c in TABLE_COLUMNS if c not in ("score", "predicted_label")])
    for name, lex in lexicons.items():
        if not (table["attribute"] == name).any():
            raise ConfigError(
                f"the probe set for attribute {name!r} yields no matched pairs (families: "
                f"{', '.join(families) if families is not None else ', '.join(probe_families(lex, with_texts=texts is not None))}); "
                "add template families or texts that mention the attribute"
            )
    return table


class _ClassScores:
    """The probe table scored once; :meth:`of` gives it with one class's probability as the score."""

    def __init__(self, table: pd.DataFrame, unique: list[str], probs: np.ndarray, labels: list[str], thresholds):
        self.table, self.labels, self.thresholds = table, labels, thresholds
        self.pos = table["text"].map({t: i for i, t in enumerate(unique)}).to_numpy()
        self.probs = probs
        self.argmax = [labels[i] for i in probs.argmax(axis=1)[self.pos]]

    def of(self, k: int) -> pd.DataFrame:
        """The probe rows with class ``k``'s probability as the score and what a flip means as predicted_label."""
        out = self.table.assign(score=self.probs[self.pos, k].astype(float))
        if self.thresholds is None:
            out["predicted_label"] = self.argmax
        else:  # multi-label: a flip is a change of this label's own decision
            label = self.labels[k]
            out["predicted_label"] = np.where(out["score"].to_numpy() >= self.thresholds[k], label, f"not {label}")
        return out


def _per_class_summary(scores: _ClassScores, lexicons, opts: dict, *, alpha: float, min_effect: float):
    """Every class x attribute probed, ONE Holm over all their tests; each attribute headed by its headline class.

    Returns ``(summary, probes table, number of tests)``.
    """
    labels = scores.labels
    per: dict[str, dict] = {}
    scopes, same_test = [], {}
    for k, label in enumerate(labels):
        entries, class_scopes, class_same = _attribute_scopes(scores.of(k), lexicons, key=(label,), **opts)
        per[label] = entries
        scopes += class_scopes
        same_test.update(class_same)
    n_tests = _correct_and_judge(scopes, same_test, lexicons, alpha=alpha, min_effect=min_effect)  # ONE Holm
    kind = "label" if scores.thresholds is not None else "class"
    summary = {"target_label": None, "target_label_reason": f"every {kind} probed; each attribute's headline names its {kind}"}
    # probes.parquet keeps one row per sentence: each attribute's rows score its headline class
    out_table = scores.table.assign(score=0.0, predicted_label="")
    for name in lexicons:
        head, why = _headline_class({c: per[c][name] for c in per}, kind=kind)
        summary[name] = {**per[head][name], "headline_class": head, "headline_reason": why}
        rows = scores.table["attribute"] == name
        out_table.loc[rows, ["score", "predicted_label"]] = scores.of(labels.index(head)).loc[rows, ["score", "predicted_label"]]
    summary["classes"] = per
    return summary, out_table, n_tests


def _settings(lexicons, summary: dict, *, alpha, min_effect, n_boot, seed, n_tests, n_sentences, per_class) -> dict:
    """The ``bias.settings`` record: what was run and how it was tested."""
    return {
        "attributes": list(lexicons),
        "families": {name: list(summary[name]["families"]) for name in lexicons},
        "alpha": alpha,
        "min_effect": min_effect,
        "n_boot": n_boot,
        "seed": seed,
        "confidence_level": 1 - alpha,
        "unit": ("matched set of (lexicon row, template); rows and templates are random; in a language with template "
                 "blocks each row meets its block's templates (a block design: the template part of the variance "
                 "falls with every template); dataset counterfactuals: texts in strata, clustered by the swapped term"),
        "test": ("crossed random-effects t-test (two-way ANOVA variance of the mean per template block, one template "
                 "draw per template set, Satterthwaite df)"),
        "interval": ("t interval of the same test: gap ± t(df, 1 - alpha/2) se (ci_low, ci_high); holm_ci_low / "
                     "holm_ci_high at the level Holm's correction tested the gap at; tost_low / tost_high at 1 - 2 alpha"),
        "min_effect_test": ("bias needs |gap| > min_effect: 2 P(T > (|gap| - min_effect) / se), Holm-corrected "
                            "(the t test of a zero gap when min_effect is 0)"),
        "equivalence": "two one-sided tests (TOST) against ±min_effect: the 1 - 2 alpha t interval inside ±min_effect",
        "influence": ("every template, lexicon row and swapped term left out in turn; a verdict that one of them "
                      "changes is inconclusive"),
        "se_bootstrap": ("pigeonhole bootstrap (rows and templates resampled independently; texts within strata, or "
                         "swapped terms): a check on se, not an interval"),
        "omnibus": ("3+ groups: max |t| over every pair, its null a multivariate t whose correlation follows from "
                    "the pair variances; simultaneous intervals gap ± c se; in the same Holm family, same verdict rule"),
        "intersection": ("four groups crossing two attributes: the 2 x 2 grid of group means, simple effects (pairs), "
                         "and the interaction contrast per matched set by the crossed t test, in the same Holm family"),
        "power": (f"mde: the |gap| the t test of a zero gap finds with {POWER:.0%} power at Holm's strictest level "
                  "alpha / n_tests, from the scope's own se and df (noncentral t); mde_bias: the same for the bias "
                  "verdict's test (|gap| > min_effect)"),
        "family_weights": "equal per family; template slot words averaged within their template",
        "min_rows": MIN_ROWS,
        "correction": "holm" if not per_class else "holm across every class x attribute test (one correction)",
        "n_tests": n_tests,
        "n_sentences": n_sentences,
        "lexicons": {name: lex.source for name, lex in lexicons.items()},
    }
