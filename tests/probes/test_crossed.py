"""The crossed (rows x templates) inference: calibrated under a simulated null, powerful
against a planted gap, and equal to independent references where the design reduces to
a textbook case."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from auditkit.probes import bias_verdict, holm_correction
from auditkit.probes._crossed import (
    TemplateComponent,
    TextComponent,
    crossed_bootstrap,
    crossed_estimate,
    equivalence_p_value,
    leave_one_out,
)
from auditkit.probes._gap import estimate_components, judge_gap
from auditkit.probes._verdict import holm_level

TEMPLATES = tuple(f"t{j:02d}" for j in range(16))


def simulate(rng, *, rows=12, templates=16, gap=0.0, sd_row=1.0, sd_template=1.0, sd_cell=1.0):
    """D[i, j] = gap + a_i + b_j + e_ij, the two-way random-effects model of a probe family."""
    return (gap + rng.normal(0, sd_row, (rows, 1)) + rng.normal(0, sd_template, (1, templates))
            + rng.normal(0, sd_cell, (rows, templates)))


def true_se(rows=12, templates=16, sd_row=1.0, sd_template=1.0, sd_cell=1.0):
    return np.sqrt(sd_row**2 / rows + sd_template**2 / templates + sd_cell**2 / (rows * templates))


def _binomial_band(p, n, k=3.0):
    """p ± k binomial standard errors: how far a simulated rate of n draws may stray from p by chance."""
    se = np.sqrt(p * (1 - p) / n)
    return p - k * se, p + k * se


def test_null_rejects_about_alpha_and_a_planted_gap_of_three_se_is_found():
    rng = np.random.default_rng(2024)
    n_draws = 400
    null_flags, null_rejects, planted_flags, null_gaps, null_ses = 0, 0, 0, [], []
    se = true_se()
    for k in range(n_draws):
        for gap, is_null in ((0.0, True), (3 * se, False)):
            D = simulate(rng, gap=gap)
            est = estimate_components([TemplateComponent(D, TEMPLATES[:16])], ("a", "b"))
            verdict = judge_gap(est, alpha=0.05, min_effect=0.0)["verdict"]
            if is_null:
                null_rejects += est.p_value < 0.05
                null_flags += verdict == "bias"
                null_gaps.append(est.gap)
                null_ses.append(est.se)
            else:
                planted_flags += verdict == "bias"
    low, high = _binomial_band(0.05, n_draws)
    assert low <= null_rejects / n_draws <= high
    assert null_flags / n_draws <= high
    assert planted_flags / n_draws >= 0.80
    # the reported standard error is the real spread of the estimate
    assert 0.8 <= np.std(null_gaps) / np.mean(null_ses) <= 1.25


@pytest.mark.parametrize("rows", [5, 8, 20])
def test_the_t_interval_covers_the_true_gap_at_its_level(rows):
    """400 designs per size: coverage within three binomial standard errors (1.1 points) of 95%. The pigeonhole
    percentile interval this replaced covered 86-91% at 5 rows."""
    rng = np.random.default_rng(rows)
    n = 400
    hits = 0
    for _ in range(n):
        low, high = crossed_estimate([TemplateComponent(simulate(rng, rows=rows, gap=0.3), TEMPLATES)]).t_interval(0.95)
        hits += low <= 0.3 <= high
    low, high = _binomial_band(0.95, n)
    assert low <= hits / n <= high


def test_every_interval_and_test_is_one_t_statistic():
    """t interval <-> test of zero, TOST interval <-> TOST, minimum-effect test <-> interval clearing ±margin."""
    rng = np.random.default_rng(6)
    for k in range(60):
        D = simulate(rng, rows=8, gap=rng.normal(0, 0.8), sd_row=0.5, sd_template=0.5, sd_cell=0.5)
        est = crossed_estimate([TemplateComponent(D, TEMPLATES)])
        margin = 0.5
        low, high = est.t_interval(0.95)
        assert (est.t_test() < 0.05) == (low > 0 or high < 0)
        assert (est.min_effect_p_value(margin) < 0.05) == (low > margin or high < -margin)
        tost_low, tost_high = est.t_interval(0.90)
        assert (equivalence_p_value(est, margin) < 0.05) == (-margin < tost_low and tost_high < margin)
        assert est.min_effect_p_value(0.0) == pytest.approx(est.t_test())
        t = (abs(est.gap) - margin) / est.se
        assert est.min_effect_p_value(margin) == pytest.approx(min(1.0, 2 * stats.t.sf(t, est.df)))


def test_the_holm_interval_clears_the_margin_exactly_when_the_adjusted_test_rejects():
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    rng = np.random.default_rng(9)
    ests = [crossed_estimate([TemplateComponent(simulate(rng, rows=10, gap=g, sd_row=0.3, sd_template=0.3,
                                                         sd_cell=0.3), TEMPLATES)]) for g in np.linspace(0.2, 1.2, 12)]
    margin = 0.1
    raw = [e.min_effect_p_value(margin) for e in ests]
    adjusted = multipletests(raw, method="holm")[1]
    steps = holm_correction(raw, cap=False)  # the same before the cap at 1: the level of every step
    np.testing.assert_allclose(np.minimum(steps, 1.0), adjusted)
    decisions = []
    for e, p, p_holm, step in zip(ests, raw, adjusted, steps):
        low, high = e.t_interval(1 - holm_level(0.05, p, step))
        decisions.append(p_holm < 0.05)
        assert (p_holm < 0.05) == (low > margin or high < -margin)
        unadjusted = e.t_interval(0.95)
        assert low <= unadjusted[0] and high >= unadjusted[1]  # never narrower than the unadjusted interval
    assert any(decisions) and not all(decisions)  # both sides of the boundary are exercised


def test_min_effect_is_a_test_bias_at_half_the_margin_is_rare():
    """"A gap below the minimum effect is never bias", as a test: P(bias) at a true gap of margin/2 is far below
    5%, and at the margin itself at most alpha/2 (one direction of the two) plus chance."""
    rng = np.random.default_rng(12)
    n, margin = 400, 0.6  # margin about 2.2 standard errors of a 12 x 16 design
    at_half = at_margin = 0
    for _ in range(n):
        for true, counter in ((margin / 2, "half"), (margin, "at")):
            est = estimate_components([TemplateComponent(simulate(rng, gap=true), TEMPLATES)], ("a", "b"),
                                      min_effect=margin)
            flagged = judge_gap(est, alpha=0.05, min_effect=margin)["verdict"] == "bias"
            at_half += flagged and counter == "half"
            at_margin += flagged and counter == "at"
    assert at_half / n <= 0.05
    assert at_margin / n <= _binomial_band(0.025, n)[1]


def test_iid_analysis_would_have_rejected_far_more_often():
    """The failure this design fixes: treating the R x T cells as independent pairs."""
    rng = np.random.default_rng(7)
    naive = crossed = 0
    for _ in range(200):
        D = simulate(rng)
        naive += stats.ttest_1samp(D.ravel(), 0).pvalue < 0.05
        crossed += crossed_estimate([TemplateComponent(D, TEMPLATES)]).t_test() < 0.05
    assert naive / 200 > 0.4
    assert crossed / 200 < 0.1


def test_one_template_reduces_to_the_one_sample_t_test():
    rng = np.random.default_rng(1)
    x = rng.normal(0.1, 1, 9)
    est = crossed_estimate([TemplateComponent(x[:, None], ("t01",))])
    ref = stats.ttest_1samp(x, 0)
    assert est.gap == pytest.approx(x.mean())
    assert est.df == pytest.approx(8)
    assert est.t_test() == pytest.approx(ref.pvalue)
    assert est.t_interval(0.95) == pytest.approx(tuple(ref.confidence_interval(0.95)))
    # the minimum-effect test: each direction a one-sided test of the shifted mean, doubled
    one_sided = stats.ttest_1samp(x, 0.05, alternative="greater").pvalue
    assert est.min_effect_p_value(0.05) == pytest.approx(min(1.0, 2 * one_sided))


def test_mean_squares_equal_a_two_way_anova_from_statsmodels():
    smf = pytest.importorskip("statsmodels.formula.api")
    anova_lm = pytest.importorskip("statsmodels.stats.anova").anova_lm
    rng = np.random.default_rng(3)
    R, T = 7, 5
    D = simulate(rng, rows=R, templates=T, sd_row=2.0, sd_template=1.5)
    frame = pd.DataFrame([(str(i), str(j), D[i, j]) for i in range(R) for j in range(T)], columns=["row", "tpl", "d"])
    table = anova_lm(smf.ols("d ~ C(row) + C(tpl)", data=frame).fit())
    ms_a, ms_b, ms_e = table["mean_sq"].to_numpy()[:3]
    # Var(mean) = (MS_rows + MS_templates - MS_residual) / (R T) when both components are positive
    assert ms_a > ms_e and ms_b > ms_e
    est = crossed_estimate([TemplateComponent(D, tuple(map(str, range(T))))])
    assert est.se**2 == pytest.approx((ms_a + ms_b - ms_e) / (R * T))
    # Satterthwaite's df of that combination
    dfs = table["df"].to_numpy()[:3]
    expected_df = (ms_a + ms_b - ms_e) ** 2 / (ms_a**2 / dfs[0] + ms_b**2 / dfs[1] + ms_e**2 / dfs[2])
    assert est.df == pytest.approx(expected_df)


def test_agrees_with_an_exact_sign_flip_permutation_over_rows():
    """Without template effects, flipping the sign of whole rows is an exact test of a zero gap."""
    rng = np.random.default_rng(11)
    R = 10
    signs = np.array([[1 if (m >> i) & 1 else -1 for i in range(R)] for m in range(2**R)])
    ours, exact = [], []
    for gap in np.linspace(0, 0.8, 9):
        D = simulate(rng, rows=R, gap=gap, sd_template=0.0)
        row_means = D.mean(axis=1)
        observed = abs(row_means.mean())
        perm = np.abs(signs @ row_means / R)
        exact.append(np.mean(perm >= observed - 1e-12))
        ours.append(crossed_estimate([TemplateComponent(D, TEMPLATES)]).t_test())
    ours, exact = np.array(ours), np.array(exact)
    assert np.all((ours < 0.05) == (exact < 0.05)) or np.corrcoef(np.log(ours + 1e-9), np.log(exact + 1e-9))[0, 1] > 0.9
    assert np.max(np.abs(ours - exact)[exact > 0.01]) < 0.05


def test_families_share_the_template_draw_and_weigh_equally():
    rng = np.random.default_rng(5)
    template_effect = rng.normal(0, 1, (1, 16))
    D1 = 0.5 + rng.normal(0, 0.2, (20, 1)) + template_effect + rng.normal(0, 0.1, (20, 16))
    D2 = -0.5 + rng.normal(0, 0.2, (6, 1)) + template_effect + rng.normal(0, 0.1, (6, 16))
    comps = [TemplateComponent(D1, TEMPLATES), TemplateComponent(D2, TEMPLATES)]
    est = crossed_estimate(comps)
    assert est.gap == pytest.approx((D1.mean() + D2.mean()) / 2)
    # the shared template effect dominates the variance and is counted once, not halved per family
    assert est.components["templates"] == pytest.approx(np.var(template_effect, ddof=1) / 16, rel=0.5)
    reps = crossed_bootstrap([comps], n_boot=3000, seed=0)[0]
    assert np.std(reps) == pytest.approx(est.se, rel=0.35)


def test_paired_designs_get_the_same_draws():
    rng = np.random.default_rng(8)
    D = simulate(rng)
    a = [TemplateComponent(D, TEMPLATES)]
    b = [TemplateComponent(D + 0.1, TEMPLATES)]
    reps = crossed_bootstrap([a, b], n_boot=500, seed=1)
    np.testing.assert_allclose(reps[1] - reps[0], 0.1)


def test_text_strata_weigh_equally():
    # female originals shift by -0.2 when swapped, male originals by +0.0: strata are averaged, not pooled
    d = np.r_[np.full(30, -0.2), np.zeros(3)] + np.random.default_rng(0).normal(0, 0.01, 33)
    strata = np.array(["female"] * 30 + ["male"] * 3)
    est = crossed_estimate([TextComponent(d, strata)])
    assert est.gap == pytest.approx((d[:30].mean() + d[30:].mean()) / 2)
    var = (np.var(d[:30], ddof=1) / 30 + np.var(d[30:], ddof=1) / 3) / 4
    assert est.se == pytest.approx(np.sqrt(var))
    welch = stats.ttest_ind(d[:30], -d[30:], equal_var=False)  # same Welch-Satterthwaite df
    assert est.df == pytest.approx(welch.df, rel=1e-6)
    reps = crossed_bootstrap([[TextComponent(d, strata)]], n_boot=4000, seed=2)[0]
    assert np.std(reps) == pytest.approx(est.se, rel=0.2)  # (n-1)/n shrinks the bootstrap spread a little


def test_tost_matches_statsmodels_on_a_one_sample_design():
    ttost = pytest.importorskip("statsmodels.stats.weightstats").ttost_paired
    rng = np.random.default_rng(4)
    x = rng.normal(0.003, 0.01, 25)
    est = crossed_estimate([TemplateComponent(x[:, None], ("t",))])
    p_ours = equivalence_p_value(est, 0.01)
    p_ref = ttost(x, np.zeros_like(x), -0.01, 0.01)[0]
    assert p_ours == pytest.approx(p_ref)
    assert equivalence_p_value(est, 0.0) is None


def test_a_single_row_cannot_estimate_its_variance():
    est = crossed_estimate([TemplateComponent(np.ones((1, 16)) * 0.3, TEMPLATES)])
    assert est.se is None and est.t_test() is None


@pytest.mark.parametrize("p_holm,p_min,p_eq,gap,min_effect,expected", [
    (0.001, 0.001, None, -0.05, 0.02, "bias"),
    (0.001, 0.3, 0.001, 0.01, 0.02, "no_material_bias"),  # detectable but negligible
    (0.001, 0.3, 0.3, 0.01, 0.02, "inconclusive"),
    (0.001, 0.2, 0.3, -0.03, 0.02, "inconclusive"),  # differs from 0, beyond the margin, not shown to exceed it
    (0.4, 1.0, 0.001, 0.001, 0.02, "no_material_bias"),
    (0.4, 1.0, 0.3, 0.001, 0.02, "inconclusive"),
    (0.4, 0.4, None, 0.001, 0.0, "inconclusive"),
    (0.001, 0.001, None, 0.001, 0.0, "bias"),
])
def test_verdict_rules(p_holm, p_min, p_eq, gap, min_effect, expected):
    verdict, reason = bias_verdict(gap=gap, p_value_holm=p_holm, p_value_min_effect_holm=p_min,
                                   p_value_equivalence=p_eq, alpha=0.05, min_effect=min_effect)
    assert verdict == expected
    assert reason


def test_untestable_is_inconclusive_with_its_reason():
    verdict, reason = bias_verdict(gap=-0.3, p_value_holm=None, p_value_min_effect_holm=None, p_value_equivalence=None,
                                   alpha=0.05, min_effect=0.02, untestable="too few terms to test (1 lexicon rows)")
    assert verdict == "inconclusive" and reason.startswith("too few terms")


def test_verdict_reasons_write_numbers_as_the_report_does():
    """A 3e-05 gap reads +3.00e-05 in the reason, as in the report's tables, not +0.000."""
    from auditkit._format import number

    verdict, reason = bias_verdict(gap=3e-05, p_value_holm=0.04, p_value_min_effect_holm=0.04, p_value_equivalence=0.2,
                                   alpha=0.05, min_effect=0.0)
    assert verdict == "bias" and number(3e-05, signed=True) == "+3.00e-05" and "+3.00e-05" in reason
    _, reason = bias_verdict(gap=0.005, p_value_holm=0.2, p_value_min_effect_holm=1.0, p_value_equivalence=0.3,
                             alpha=0.05, min_effect=0.02, equivalence_interval=(-0.0004, 0.0123))
    assert "90% interval [-4.00e-04, +0.012]" in reason


def test_leave_one_out_equals_recomputing_without_the_unit():
    rng = np.random.default_rng(13)
    D1, D2 = simulate(rng, rows=6), simulate(rng, rows=7)
    comps = [TemplateComponent(D1, TEMPLATES, name="f1"), TemplateComponent(D2, TEMPLATES, name="f2"),
             TextComponent(rng.normal(size=30), np.array(["x", "y"] * 15), clusters=np.array(list("abcde") * 6),
                           name="texts")]
    out = leave_one_out(comps)
    assert [o.unit for o in out].count("template") == 16 and [o.unit for o in out].count("row") == 13
    assert [o.unit for o in out].count("term") == 5
    drop_t3 = next(o for o in out if o.unit == "template" and o.key == TEMPLATES[3])
    keep = [j for j in range(16) if j != 3]
    direct = crossed_estimate([TemplateComponent(D1[:, keep], tuple(TEMPLATES[j] for j in keep)),
                               TemplateComponent(D2[:, keep], tuple(TEMPLATES[j] for j in keep)), comps[2]])
    assert (drop_t3.estimate.gap, drop_t3.estimate.se) == pytest.approx((direct.gap, direct.se))
    drop_row = next(o for o in out if o.unit == "row" and o.component == "f2" and o.key == "4")
    direct = crossed_estimate([comps[0], TemplateComponent(np.delete(D2, 4, axis=0), TEMPLATES), comps[2]])
    assert drop_row.estimate.gap == pytest.approx(direct.gap)
    drop_term = next(o for o in out if o.unit == "term" and o.key == "c")
    mask = comps[2].clusters != "c"
    direct = crossed_estimate([comps[0], comps[1], TextComponent(comps[2].differences[mask], comps[2].strata[mask],
                                                                 clusters=comps[2].clusters[mask])])
    assert (drop_term.estimate.gap, drop_term.estimate.se) == pytest.approx((direct.gap, direct.se))


def test_one_outlier_template_that_carries_a_finding_makes_it_inconclusive_and_is_named():
    rng = np.random.default_rng(21)
    D = simulate(rng, rows=12, gap=0.08, sd_row=0.1, sd_template=0.1, sd_cell=0.1)  # alone: p about 0.1
    D[:, 6] += 1.0  # one template reads the second group very differently and tips the gap over
    est = estimate_components([TemplateComponent(D, TEMPLATES)], ("a", "b"), influence=True)
    plain = judge_gap(estimate_components([TemplateComponent(D, TEMPLATES)], ("a", "b")), alpha=0.05, min_effect=0.0)
    judged = judge_gap(est, alpha=0.05, min_effect=0.0)
    assert plain["verdict"] == "bias"
    assert judged["verdict"] == "inconclusive"
    flip = judged["influence"]["flipped_by"]
    assert (flip["unit"], flip["key"], flip["verdict_without"]) == ("template", TEMPLATES[6], "inconclusive")
    assert f"template {TEMPLATES[6]}" in judged["verdict_reason"]
    assert judged["influence"]["templates"]["most_influential"]["key"] == TEMPLATES[6]
    # a clear effect that every template carries is not fragile
    spread = simulate(rng, rows=12, gap=0.5, sd_row=0.1, sd_template=0.1, sd_cell=0.1)
    robust = judge_gap(estimate_components([TemplateComponent(spread, TEMPLATES)], ("a", "b"), influence=True),
                       alpha=0.05, min_effect=0.0)
    assert robust["verdict"] == "bias" and robust["influence"]["flipped_by"] is None


def test_clustered_texts_match_statsmodels_cluster_robust_standard_error():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(17)
    terms = np.array([f"t{k}" for k in rng.integers(0, 9, 120)])
    effect = {t: rng.normal(0, 0.3) for t in set(terms)}
    d = 0.1 + np.array([effect[t] for t in terms]) + rng.normal(0, 0.2, 120)
    est = crossed_estimate([TextComponent(d, np.array(["s"] * 120), clusters=terms)])
    fit = sm.OLS(d, np.ones((120, 1))).fit(cov_type="cluster", cov_kwds={"groups": np.unique(terms, return_inverse=True)[1],
                                                                        "use_correction": False})
    G = len(set(terms))
    assert est.gap == pytest.approx(fit.params[0])
    assert est.se == pytest.approx(fit.bse[0] * np.sqrt(G / (G - 1)))  # CR1's G / (G - 1), no (n - 1) / (n - k)
    assert est.df == pytest.approx(G - 1)
    # ignoring the clusters would claim far more precision than the terms allow
    assert crossed_estimate([TextComponent(d, np.array(["s"] * 120))]).se < 0.7 * est.se
    reps = crossed_bootstrap([[TextComponent(d, np.array(["s"] * 120), clusters=terms)]], n_boot=3000, seed=3)[0]
    assert np.std(reps) == pytest.approx(est.se, rel=0.3)  # the term bootstrap agrees (G / (G - 1) apart)


def test_clustered_text_intervals_cover_under_a_term_effect():
    rng = np.random.default_rng(19)
    n, hits, naive_hits = 300, 0, 0
    for _ in range(n):
        terms = np.array([f"t{k}" for k in rng.integers(0, 12, 200)])
        effect = rng.normal(0, 0.3, 12)
        d = np.array([effect[int(t[1:])] for t in terms]) + rng.normal(0, 0.2, 200)
        strata = np.where(rng.random(200) < 0.5, "f", "m")
        low, high = crossed_estimate([TextComponent(d, strata, clusters=terms)]).t_interval(0.95)
        # the target: the mean over the population of terms, which is 0
        hits += low <= 0 <= high
        nlow, nhigh = crossed_estimate([TextComponent(d, strata)]).t_interval(0.95)
        naive_hits += nlow <= 0 <= nhigh
    assert hits / n >= _binomial_band(0.95, n)[0]
    assert naive_hits / n < 0.75  # texts treated as independent: the interval is far too narrow
