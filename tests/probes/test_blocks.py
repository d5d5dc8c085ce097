"""Template blocks: each lexicon row meets a quarter of the templates, so four times the templates
cost no more sentences. The block design's test holds its level, its interval covers, it is the
textbook combination of independent crossed designs, and it beats the fully crossed design of the
same cost when templates carry the variance (as they do on real models)."""

import numpy as np
import pytest

from auditkit.errors import ConfigError
from auditkit.probes import run_probes
from auditkit.probes._crossed import TemplateComponent, crossed_bootstrap, crossed_estimate, leave_one_out
from auditkit.probes._designs import attribute_components, family_component, paired_frame
from auditkit.probes._packs import builtin_packs, pack_from_dict
from auditkit.probes._templates import assign_row_blocks


def block_design(rng, *, rows=20, blocks=4, per_block=12, gap=0.0, sd_row=1.0, sd_template=2.0, sd_cell=1.0):
    """rows x (blocks x per_block) matrix, NaN outside each row's block; D = gap + a_i + b_j + e_ij inside."""
    T = blocks * per_block
    D = gap + rng.normal(0, sd_row, (rows, 1)) + rng.normal(0, sd_template, (1, T)) + rng.normal(0, sd_cell, (rows, T))
    row_block = np.arange(rows) % blocks
    col_block = np.arange(T) % blocks
    D[row_block[:, None] != col_block[None, :]] = np.nan
    return D, tuple(f"t{j:03d}" for j in range(T))


def test_a_block_design_is_its_blocks_with_the_family_variances_pooled():
    """The blocks as separate families give the same gap; one family pools its rows' and cells' variance over
    its blocks (its rows are exchangeable), so the standard error agrees and the degrees of freedom grow."""
    rng = np.random.default_rng(0)
    D, templates = block_design(rng, rows=12)
    whole = crossed_estimate([TemplateComponent(D, templates)])
    parts = []
    for b in range(4):
        rows, cols = np.arange(b, 12, 4), np.arange(b, 48, 4)
        parts.append(TemplateComponent(D[np.ix_(rows, cols)], tuple(templates[j] for j in cols)))
    split = crossed_estimate(parts)
    assert whole.gap == pytest.approx(np.nanmean(D)) == pytest.approx(split.gap)
    assert whole.se == pytest.approx(split.se, rel=0.2)
    assert whole.df > split.df
    # a block holding one row is still a random row: its variance comes from the family's other blocks
    lone = D.copy()
    lone[[5, 9]] = np.nan  # block 1 keeps row 1 alone
    comp = TemplateComponent(lone, templates)
    assert sorted(len(rows) for rows, _ in comp.blocks()) == [1, 3, 3, 3]
    est = crossed_estimate([comp])
    assert est.se is not None and est.se > 0


def test_the_block_test_holds_its_level_and_its_interval_covers():
    rng = np.random.default_rng(1)
    rejected, covered = 0, 0
    draws = 1000
    for _ in range(draws):
        D, templates = block_design(rng, rows=12, per_block=8)
        est = crossed_estimate([TemplateComponent(D, templates)])
        rejected += est.t_test() < 0.05
        low, high = est.t_interval(0.95)
        covered += low <= 0.0 <= high
    assert rejected / draws <= 0.05 + 0.02
    assert 0.93 <= covered / draws <= 0.97


def test_blocks_beat_full_crossing_at_the_same_cost_when_templates_carry_the_variance():
    """20 rows x 12 templates fully crossed vs 20 rows in 4 blocks of 12 (48 templates): the same 240 cells."""
    rng = np.random.default_rng(2)
    crossed, blocked = [], []
    for _ in range(300):
        Dc = rng.normal(0, 0.5, (20, 1)) + rng.normal(0, 2.0, (1, 12)) + rng.normal(0, 1.0, (20, 12))
        crossed.append(crossed_estimate([TemplateComponent(Dc, tuple(f"t{j}" for j in range(12)))]).gap)
        Db, templates = block_design(rng, sd_row=0.5)
        blocked.append(crossed_estimate([TemplateComponent(Db, templates)]).gap)
    assert np.std(blocked) < 0.7 * np.std(crossed)


def test_families_share_a_template_set_whole_and_the_bootstrap_agrees_with_the_se():
    rng = np.random.default_rng(3)
    D1, templates = block_design(rng)
    D2, _ = block_design(rng, rows=8)
    comps = [TemplateComponent(D1, templates), TemplateComponent(D2, templates)]
    est = crossed_estimate(comps)
    boot = crossed_bootstrap([comps], n_boot=2000, seed=0)[0]
    assert np.std(boot) == pytest.approx(est.se, rel=0.25)
    # a template set shared in part only cannot share one template draw
    partial = TemplateComponent(D1[:, :6], templates[:6])
    with pytest.raises(ValueError, match="template set"):
        crossed_estimate([TemplateComponent(D1, templates), partial])


def test_leaving_a_template_out_touches_only_its_block():
    D = np.full((8, 8), np.nan)
    for b in range(2):
        D[np.ix_(np.arange(b, 8, 2), np.arange(b, 8, 2))] = float(b)
    D[0, 0] = 8.0  # one odd cell: template t0 in block 0
    comp = TemplateComponent(D, tuple(f"t{j}" for j in range(8)))
    out = {lo.key: lo.estimate.gap for lo in leave_one_out([comp]) if lo.unit == "template"}
    assert max(out, key=lambda k: abs(out[k] - crossed_estimate([comp]).gap)) == "t0"
    assert len(out) == 8


def test_missing_cells_that_are_not_blocks_keep_the_complete_templates():
    rng = np.random.default_rng(4)
    D = rng.normal(size=(6, 5))
    D[2, 3] = np.nan  # one lost sentence: not a block design
    import pandas as pd
    rows = [{"family": "f", "template_id": f"t{j}", "row": i, "word": None, "valence": "neutral", "stratum": None,
             "instance_id": f"{i}/{j}", "a": 0.5 + D[i, j] / 10, "b": 0.5} for i in range(6) for j in range(5)
            if np.isfinite(D[i, j])]
    comp = family_component(pd.DataFrame(rows))
    assert comp.templates == ("t0", "t1", "t2", "t4") and not np.isnan(comp.matrix).any()


def test_rows_sharing_a_name_land_in_one_block_and_small_families_meet_block_zero():
    gender = [{"f": f"F{k}", "m": f"M{k}"} for k in range(8)]
    race = [{"a": f"F{k}", "b": f"F{k + 1}"} for k in range(0, 8, 2)] + [{"a": f"M{k}", "b": f"M{k + 1}"} for k in range(0, 8, 2)]
    small = [{"f": "my aunt", "m": "my uncle"}, {"f": "my niece", "m": "my nephew"}]
    g, r, s = assign_row_blocks([gender, race, small], 2)
    block_of = {p: b for rows, bl in ((gender, g), (race, r)) for row, b in zip(rows, bl) for p in row.values()}
    for rows, bl in ((gender, g), (race, r)):
        for row, b in zip(rows, bl):
            assert all(block_of[p] == b for p in row.values())  # a name meets the same templates in every family
        assert [bl.count(b) for b in (0, 1)] == [4, 4]
    assert s == (0, 0)  # two rows cannot fill two blocks of two
    # names that would leave a family's block empty: that family is dealt row by row
    lopsided = [{"a": f"F{k}", "b": f"X{k}"} for k in (0, 2, 4, 6)]
    assert assign_row_blocks([gender, lopsided], 2)[1] == (0, 1, 0, 1)
    assert assign_row_blocks([gender], 1) == [()]


def test_the_english_pack_is_in_blocks_and_every_row_meets_a_quarter_of_the_templates():
    en = next(p for p in builtin_packs() if p.name == "en")
    names = next(f for f in en.attributes["gender"].families if f.name == "templates_names")
    assert {t.block for t in en.templates} == {0, 1, 2, 3}
    assert sorted(set(names.row_blocks)) == [0, 1, 2, 3]
    assert names.n_template_sentences(("female", "male")) == len(names.rows) * len(en.templates) // 4 * 2


def test_every_block_of_every_built_in_pack_holds_each_valence_and_shape_alike():
    """A row meets only its block's templates, so a block short of a shape or a valence would make rows in it
    meet different kinds of sentence than rows elsewhere: every block holds the same count of each."""
    from collections import Counter

    for pack in builtin_packs():
        blocks = {t.block for t in pack.templates}
        for key in ("valence", "shape"):
            counts = {b: Counter(getattr(t, key) for t in pack.templates if t.block == b) for b in blocks}
            assert len({tuple(sorted(c.items())) for c in counts.values()}) == 1, (pack.name, key, counts)
        kinds = {b: Counter((t.valence, t.shape) for t in pack.templates if t.block == b) for b in blocks}
        assert len({tuple(sorted(c.items(), key=str)) for c in kinds.values()}) == 1, (pack.name, kinds)


def test_the_default_suite_scores_no_more_sentences_for_four_times_the_templates(neutral_classifier):
    report = run_probes(neutral_classifier, attributes=["gender", "race"], n_boot=100)
    t = report.table
    names = t[(t["attribute"] == "gender") & (t["family"] == "templates_names")]
    per_row = names.groupby("row")["template_id"].nunique()
    assert per_row.max() == names["template_id"].nunique() // 4
    comps = attribute_components(paired_frame(t[t["attribute"] == "gender"], "female", "male"))
    assert all(np.isnan(c.matrix).any() for c in comps if hasattr(c, "matrix"))


def test_a_pack_with_more_blocks_than_templates_allow_is_one_clear_error():
    pack = {"format": "auditkit-probe-pack/1", "name": "tiny", "language": "en",
            "templates": {"source": "me", "licence": "CC0-1.0", "blocks": 3,
                          "items": [{"id": f"t{j}", "text": f"{{person}} is here {j}.", "shape": "subject"}
                                    for j in range(5)]},
            "attributes": {"pets": {"groups": ["cat", "dog"], "families": {"templates_nouns": {
                "kind": "templates", "source": "me", "licence": "CC0-1.0",
                "rows": [{"cat": "my cat", "dog": "my dog"}]}}}}}
    with pytest.raises(ConfigError, match="5 templates cannot fill 3 blocks"):
        pack_from_dict(pack, where="tiny.json")
