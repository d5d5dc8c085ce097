"""Run the counterfactual probe suite against a classifier and summarise it."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from auditkit._bounds import check_option
from auditkit.errors import ConfigError
from auditkit.models._thresholds import check_thresholds
from auditkit.probes._lexicon import Lexicon, resolve_lexicons
from auditkit.probes._crossed import LeftOut, crossed_estimate
from auditkit.probes._designs import DATASET_FAMILY, attribute_components, paired_frame
from auditkit.probes._gap import CI_KIND, GapEstimate, _json_float, estimate_gap, judge_gap
from auditkit.probes._stats import counterfactual_token_fairness_gap, flip_rate, holm_correction
from auditkit.probes._verdict import BIAS, INCONCLUSIVE, MIN_ROWS, combine_verdicts
from auditkit.probes._swap import dataset_counterfactuals
from auditkit.probes._templates import TEMPLATES, instances_per_row, template_instances
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
    """How many template sentences the probe set of ``lexicons`` holds (rows x template instances x groups),
    counted without building them; ``families`` restricts as in :func:`run_probes`."""
    total = 0
    for lex in lexicons.values():
        for family in probe_families(lex, with_texts=False):
            if families is not None and family not in families:
                continue
            rows = lex.names if family == "templates_names" else lex.person_phrases[family[len("templates_"):]]
            total += len(rows) * instances_per_row() * len(lex.groups)
    return total


def _check_cost(lexicons: dict, families, max_sentences: int | None) -> None:
    """Refuse, before anything is scored, a probe set larger than ``max_sentences`` template sentences, with its cost."""
    if max_sentences is None:
        return
    check_option("max_probe_sentences", max_sentences)
    n = template_sentences(lexicons, families)
    if n > max_sentences:
        hours = n / _SENTENCES_PER_SECOND / 3600
        raise ConfigError(
            f"the probe set holds {n:,} template sentences (lexicon rows x {instances_per_row()} template instances x "
            f"groups), more than max_probe_sentences {max_sentences:,}; scoring them would take about {hours:,.1f} h "
            f"with MiniLM at {_SENTENCES_PER_SECOND} sentences/s (2 CPU cores) — use fewer lexicon rows, or raise "
            "max_probe_sentences", parameter="max_probe_sentences")


def check_probe_options(labels: Sequence[str], *, attributes=("gender", "race"), target_label=None, lexicon_files=(),
                        alpha: float = 0.05, min_effect: float = 0.02, families=None,
                        max_sentences: int | None = MAX_PROBE_SENTENCES) -> None:
    """Raise the :class:`ConfigError` :func:`run_probes` would raise for these options, without scoring anything.

    Call it before slow stages so that a typo in ``--probes`` or
    ``--target-label``, or a lexicon too large to score, fails in a second, not after prediction.
    """
    _check_levels(alpha, min_effect)
    _check_cost(resolve_lexicons(attributes, lexicon_files), families, max_sentences)
    if target_label is not None or len(labels) == 2:  # otherwise every class is probed
        resolve_target_label(labels, target_label)


def _seed_for(seed: int, *parts: str) -> list[int]:
    """A bootstrap seed stable across runs and independent of which tests run."""
    return [int(seed), zlib.crc32("/".join(parts).encode())]


def _build_rows(lexicons: dict, families, texts, swaps: dict) -> list[tuple]:
    """Probe table rows; ``swaps`` receives each attribute's dataset-swap summary."""
    rows = []
    for name, lex in lexicons.items():
        available = probe_families(lex, with_texts=texts is not None)
        wanted = available if families is None else [f for f in families if f in available]
        for family in wanted:
            if family == DATASET_FAMILY:
                cf = dataset_counterfactuals(texts, lex)
                swaps[name] = cf.summary()
                for item in cf.items:
                    stratum = item.mentioned or "mixed"
                    for g in lex.groups:
                        rows.append((name, family, "dataset", f"{name}/{family}/{item.index}", item.index, g,
                                     item.versions[g], item.term, None, stratum))  # word: the swapped term
                continue
            source = lex.names if family == "templates_names" else lex.person_phrases[family[len("templates_"):]]
            for inst, tid, row, word, valence, sentences in template_instances(source, lex.groups, family=f"{name}/{family}"):
                for g in lex.groups:
                    rows.append((name, family, tid, inst, row, g, sentences[g], word, valence, None))
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


def _placebo(frame: pd.DataFrame, groups) -> tuple[float | None, float | None]:
    """Flip rate and CTF gap of swaps WITHIN a group (one name or noun for another of the same group).

    Each lexicon row is compared with the next one (cyclically) in the same
    template and slot word: what any change of person does to the score,
    the baseline against which the between-group numbers read.
    """
    tpl = frame[frame["family"] != DATASET_FAMILY]
    flips, diffs = [], []
    for (_, g), sub in tpl.groupby(["family", "group"], sort=False):
        if g not in groups:
            continue
        keyed = sub.assign(slot=sub["template_id"].astype(str) + "/" + sub["word"].fillna("-").astype(str))
        score = keyed.pivot(index="slot", columns="row", values="score")
        if score.shape[1] < 2:
            continue
        pred = keyed.pivot(index="slot", columns="row", values="predicted_label")
        s, p = score.to_numpy(float), pred.to_numpy()
        diffs.append(np.abs(s - np.roll(s, -1, axis=1)).ravel())
        flips.append((p != np.roll(p, -1, axis=1)).ravel())
    if not diffs:
        return None, None
    return float(np.concatenate(flips).mean()), float(np.concatenate(diffs).mean())


@dataclass
class _Scope:
    """One attribute over one scope (all families, or one): its statistics before Holm."""

    entry: dict
    headline: tuple[str, str]
    estimates: dict  # (a, b) -> GapEstimate


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
    pairs = paired_frame(frame, *headline)
    placebo_flip, placebo_ctf = _placebo(frame_all, groups)
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
    return _Scope(entry=entry, headline=headline, estimates=estimates)


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
            family: "no text mentions this attribute" if family == DATASET_FAMILY else "no rows"
            for family in requested
            if family in probe_families(lex, with_texts=texts is not None) and family not in fams
        }
        if skipped:
            entry["skipped_families"] = skipped
        if DATASET_FAMILY in fams:
            entry["families"][DATASET_FAMILY]["swaps"] = swaps[name]
        entry["worst_pairs"] = _worst_pairs(sub, lex)
        entries[name] = entry
    return entries, scopes, same_test


def _holm(scopes: list, same_test: dict, field_name: str, *, cap: bool = True) -> dict:
    """Holm over one p-value of every pair x scope test: ``(id(scope), pair) -> adjusted``."""
    tested = [(sc, pair) for _, sc in scopes if id(sc) not in same_test
              for pair, est in sc.estimates.items() if getattr(est, field_name) is not None]
    adjusted = holm_correction([getattr(sc.estimates[pair], field_name) for sc, pair in tested], cap=cap)
    holm = {(id(sc), pair): float(p) for (sc, pair), p in zip(tested, adjusted)}
    for alias, target in same_test.items():
        holm.update({(alias, pair): holm[(id(target), pair)] for pair in target.estimates if (id(target), pair) in holm})
    return holm


def _describer(lex: Lexicon):
    """A left-out unit -> (its text, its family): the template's pattern, the lexicon row's phrases, the term."""
    patterns = {t.id: t.text for t in TEMPLATES}

    def describe(lo: LeftOut) -> tuple[str, str | None]:
        if lo.unit == "template":
            return patterns.get(lo.key, lo.key), None
        family = lo.component
        if lo.unit == "term":
            return lo.key, family
        source = lex.names if family == "templates_names" else lex.person_phrases.get(family[len("templates_"):], ())
        row = int(lo.key)
        return (" / ".join(str(source[row][g]) for g in lex.groups) if row < len(source) else lo.key), family
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
    for name, sc in scopes:
        entry = sc.entry
        if "families" in entry:  # an attribute's overall scope: a family's finding makes the attribute's
            fam_verdicts = {f: (e["verdict"], e["verdict_reason"]) for f, e in entry["families"].items()}
            tested = {f for f, e in entry["families"].items() if e["p_value"] is not None}
            entry["verdict"], entry["verdict_reason"] = combine_verdicts((entry["verdict"], entry["verdict_reason"]),
                                                                         fam_verdicts, tested)
    return sum(1 for key in holm if key[0] not in same_test)


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
    lexicons, families, thresholds = _checked_options(labels, attributes, lexicon_files, families, texts, thresholds,
                                                      n_boot=n_boot, alpha=alpha, min_effect=min_effect)
    _check_cost(lexicons, families, max_sentences)
    per_class = target_label is None and (len(labels) > 2 or thresholds is not None)
    if not per_class:
        target_id, reason = resolve_target_label(labels, target_label)
    swaps: dict = {}
    table = _probe_table(lexicons, families, texts, swaps)
    unique = list(dict.fromkeys(table["text"]))
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
    if per_class:
        summary["settings"]["classes"] = list(labels)
    if per_class or thresholds is not None:
        summary["settings"]["flip"] = ("change of the label's thresholded decision" if thresholds is not None
                                       else "change of the predicted class")
    class_scores = pd.DataFrame(scores.probs[scores.pos].astype(float), columns=[f"prob_{label}" for label in labels],
                                index=out_table.index)
    return ProbeReport(summary=summary, table=pd.concat([out_table[TABLE_COLUMNS], class_scores], axis=1).reset_index(drop=True))


def _checked_options(labels, attributes, lexicon_files, families, texts, thresholds, *, n_boot, alpha, min_effect):
    """Validate :func:`run_probes`' options: ``(lexicons, families, thresholds)``, or ConfigError naming the parameter."""
    check_option("n_boot", n_boot, bound="probe_n_boot")  # at least MIN_BOOT resamples for probe intervals
    _check_levels(alpha, min_effect)
    lexicons = resolve_lexicons(attributes, lexicon_files)
    if thresholds is not None:
        thresholds = check_thresholds(labels, thresholds)
    if families is not None:
        families = [str(f).strip() for f in families if str(f).strip()]
        known = sorted({f for lex in lexicons.values() for f in probe_families(lex)})
        unknown = [f for f in families if f not in known]
        if unknown:
            raise ConfigError(f"unknown probe family {unknown[0]!r}; choose from {', '.join(known)}")
        if DATASET_FAMILY in families and texts is None:
            raise ConfigError("the dataset_counterfactual family needs evaluation texts; pass texts or drop that family")
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
        "unit": ("matched set of (lexicon row, template); rows and templates are random; dataset counterfactuals: "
                 "texts in strata, clustered by the swapped term"),
        "test": "crossed random-effects t-test (two-way ANOVA variance of the mean, Satterthwaite df)",
        "interval": ("t interval of the same test: gap ± t(df, 1 - alpha/2) se (ci_low, ci_high); holm_ci_low / "
                     "holm_ci_high at the level Holm's correction tested the gap at; tost_low / tost_high at 1 - 2 alpha"),
        "min_effect_test": ("bias needs |gap| > min_effect: 2 P(T > (|gap| - min_effect) / se), Holm-corrected "
                            "(the t test of a zero gap when min_effect is 0)"),
        "equivalence": "two one-sided tests (TOST) against ±min_effect: the 1 - 2 alpha t interval inside ±min_effect",
        "influence": ("every template, lexicon row and swapped term left out in turn; a verdict that one of them "
                      "changes is inconclusive"),
        "se_bootstrap": ("pigeonhole bootstrap (rows and templates resampled independently; texts within strata, or "
                         "swapped terms): a check on se, not an interval"),
        "family_weights": "equal per family; template slot words averaged within their template",
        "min_rows": MIN_ROWS,
        "correction": "holm" if not per_class else "holm across every class x attribute test (one correction)",
        "n_tests": n_tests,
        "n_sentences": n_sentences,
        "lexicons": {name: lex.source for name, lex in lexicons.items()},
    }
