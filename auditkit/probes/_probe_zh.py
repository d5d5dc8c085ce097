"""Chinese template probes, before the zh probe pack: the crossed test of auditkit's suite on Chinese sentences.

:func:`chinese_template_probes` fills the Chinese templates
(:mod:`auditkit.probes._templates_zh`) with a Chinese lexicon's rows, scores
every distinct sentence once, and tests each attribute's gap with the same
statistics as :func:`~auditkit.probes.run_probes` (crossed rows x templates
estimate, pigeonhole-bootstrap interval, TOST, one Holm correction over the
attributes, the same verdict rule). Before anything is scored it checks that
the model's tokenizer reads the sentences (:func:`check_reads_language`):
a model that maps most of them to ``[UNK]`` would show "no gap" for the
wrong reason.

Wiring these attributes into ``auditkit audit`` (the zh probe pack, the
audit's language choice) is the probe-pack work; this function is what that
wiring will call per attribute, and what ``bench/zh_probes.py`` prints today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from auditkit.errors import ConfigError
from auditkit.models import check_reads_language, token_coverage
from auditkit.probes._designs import paired_frame
from auditkit.probes._stats import holm_correction
from auditkit.probes._suite import GapEstimate, estimate_gap
from auditkit.probes._swap_zh import ChineseLexicon, chinese_lexicon
from auditkit.probes._templates_zh import chinese_template_instances
from auditkit.probes._verdict import bias_verdict

__all__ = ["ChineseProbeResult", "chinese_probe_frame", "chinese_template_probes"]


@dataclass(frozen=True)
class ChineseProbeResult:
    """One attribute's gap on the Chinese templates: the estimate, its Holm p-value and the verdict."""

    attribute: str
    gap_groups: tuple[str, str]
    estimate: GapEstimate
    p_value_holm: float | None
    verdict: str
    verdict_reason: str
    families: tuple[str, ...]
    #: Group -> share of the tokens of its names and phrases that the model's tokenizer does not know: a gap
    #: between a group the model can read and one it reads as [UNK] says little about the group.
    unknown_share_by_group: dict


def _families(lexicon: ChineseLexicon) -> list[str]:
    return (["names"] if lexicon.names else []) + sorted(lexicon.person_phrases)


def chinese_probe_frame(lexicon: ChineseLexicon, families: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per (matched set, group): the design columns of ``probes.parquet`` and the sentence, unscored."""
    rows = []
    for family in families or _families(lexicon):
        for instance_id, template_id, row, word, valence, sentences in chinese_template_instances(lexicon, family):
            for group, text in sentences.items():
                rows.append({"attribute": lexicon.attribute, "family": f"zh_templates_{family}", "template_id": template_id,
                             "instance_id": instance_id, "row": row, "group": group, "text": text, "word": word,
                             "valence": valence, "stratum": None})
    return pd.DataFrame(rows)


def chinese_template_probes(classifier, attributes: Sequence[str] = ("gender", "hukou", "origin", "ethnicity"), *,
                            target_label: str | None = None, lexicons: Sequence[ChineseLexicon] = (),
                            alpha: float = 0.05, min_effect: float = 0.02, n_boot: int = 2000, seed: int = 0,
                            batch_size: int = 64) -> dict[str, ChineseProbeResult]:
    """Probe ``classifier`` with the Chinese templates for each attribute; one Holm correction across them.

    Parameters
    ----------
    classifier : TextClassifier
    attributes : sequence of str
        Built-in Chinese attributes (see :func:`~auditkit.probes._swap_zh.chinese_attributes`).
    target_label : str, optional
        The class whose probability is the score; default: the last class (``positive`` for a
        negative/positive model).
    lexicons : sequence of ChineseLexicon, optional
        Used instead of the built-in lexicon of the same attribute.
    alpha, min_effect, n_boot, seed
        As for :func:`~auditkit.probes.run_probes`.

    Raises
    ------
    ModelError
        When the model's tokenizer maps most tokens of the sentences to its unknown token.
    """
    labels = list(classifier.labels)
    target = labels[-1] if target_label is None else target_label
    if target not in labels:
        raise ConfigError(f"target label {target!r} is not a class of the model ({', '.join(labels)})", parameter="target_label")
    given = {lex.attribute: lex for lex in lexicons}
    lexs = {a: given.get(a) or chinese_lexicon(a) for a in attributes}
    frames = {a: chinese_probe_frame(lexs[a]) for a in attributes}
    texts = list(dict.fromkeys(t for f in frames.values() for t in f["text"]))
    check_reads_language(classifier, texts, "zh")
    probs = classifier.predict_proba(texts, batch_size=batch_size).probabilities[:, labels.index(target)]
    score = dict(zip(texts, probs.tolist()))
    estimates = {}
    for attribute, frame in frames.items():
        lex = lexs[attribute]
        frame = frame.assign(score=frame["text"].map(score))
        a, b = lex.gap
        pairs = paired_frame(frame, a, b)
        estimates[attribute] = ((a, b), estimate_gap(pairs, (a, b), n_boot=n_boot, seed=seed,
                                                     confidence_level=1 - alpha, min_effect=min_effect),
                                tuple(dict.fromkeys(frame["family"])))
    tested = [k for k, (_, est, _) in estimates.items() if est is not None and est.p_value is not None]
    holm = dict(zip(tested, holm_correction([estimates[k][1].p_value for k in tested]))) if tested else {}
    out = {}
    for attribute, (groups, est, families) in estimates.items():
        lex = lexs[attribute]
        verdict, reason = bias_verdict(gap=est.gap, ci_low=est.ci_low, ci_high=est.ci_high,
                                       p_value_holm=holm.get(attribute), p_value_equivalence=est.p_value_equivalence,
                                       alpha=alpha, min_effect=min_effect, untestable=est.untestable)
        fillers = list(lex.names) + [row for rows in lex.person_phrases.values() for row in rows]
        unknown = {g: token_coverage(classifier.tokenizer, [row[g] for row in fillers]).unknown_share for g in lex.groups}
        out[attribute] = ChineseProbeResult(attribute, groups, est, holm.get(attribute), verdict, reason, families, unknown)
    return out
