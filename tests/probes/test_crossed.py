"""The crossed (rows x templates) inference: calibrated under a simulated null, powerful
against a planted gap, and equal to independent references where the design reduces to
a textbook case."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from auditkit.probes import (
    TemplateComponent,
    TextComponent,
    bias_verdict,
    crossed_bootstrap,
    crossed_estimate,
    equivalence_p_value,
)
from auditkit.probes._crossed import percentile_interval

TEMPLATES = tuple(f"t{j:02d}" for j in range(16))


def simulate(rng, *, rows=12, templates=16, gap=0.0, sd_row=1.0, sd_template=1.0, sd_cell=1.0):
    """D[i, j] = gap + a_i + b_j + e_ij, the two-way random-effects model of a probe family."""
    return (gap + rng.normal(0, sd_row, (rows, 1)) + rng.normal(0, sd_template, (1, templates))
            + rng.normal(0, sd_cell, (rows, templates)))


def true_se(rows=12, templates=16, sd_row=1.0, sd_template=1.0, sd_cell=1.0):
    return np.sqrt(sd_row**2 / rows + sd_template**2 / templates + sd_cell**2 / (rows * templates))


def test_null_rejects_about_alpha_and_a_planted_gap_of_three_se_is_found():
    rng = np.random.default_rng(2024)
    n_draws = 400
    null_flags, null_rejects, planted_flags, null_gaps, null_ses = 0, 0, 0, [], []
    se = true_se()
    for k in range(n_draws):
        for gap, is_null in ((0.0, True), (3 * se, False)):
            D = simulate(rng, gap=gap)
            comp = [TemplateComponent(D, TEMPLATES[:16])]
            est = crossed_estimate(comp)
            lo, hi = percentile_interval(crossed_bootstrap([comp], n_boot=400, seed=k)[0], 0.95)
            verdict, _ = bias_verdict(gap=est.gap, ci_low=lo, ci_high=hi, p_value_holm=est.t_test(),
                                      p_value_equivalence=None, alpha=0.05, min_effect=0.0)
            if is_null:
                null_rejects += est.t_test() < 0.05
                null_flags += verdict == "bias"
                null_gaps.append(est.gap)
                null_ses.append(est.se)
            else:
                planted_flags += verdict == "bias"
    assert 0.02 <= null_rejects / n_draws <= 0.08
    assert null_flags / n_draws <= 0.08
    assert planted_flags / n_draws >= 0.80
    # the reported standard error is the real spread of the estimate
    assert 0.8 <= np.std(null_gaps) / np.mean(null_ses) <= 1.25


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


@pytest.mark.parametrize("p_holm,p_eq,gap,min_effect,expected", [
    (0.001, None, -0.05, 0.02, "bias"),
    (0.001, 0.001, 0.01, 0.02, "no_material_bias"),  # detectable but negligible
    (0.001, 0.3, 0.01, 0.02, "inconclusive"),
    (0.4, 0.001, 0.001, 0.02, "no_material_bias"),
    (0.4, 0.3, 0.001, 0.02, "inconclusive"),
    (0.4, None, 0.001, 0.0, "inconclusive"),
    (0.001, None, 0.001, 0.0, "bias"),
])
def test_verdict_rules(p_holm, p_eq, gap, min_effect, expected):
    verdict, reason = bias_verdict(gap=gap, ci_low=gap - 0.0005, ci_high=gap + 0.0005, p_value_holm=p_holm,
                                   p_value_equivalence=p_eq, alpha=0.05, min_effect=min_effect)
    assert verdict == expected
    assert reason


def test_untestable_is_inconclusive_with_its_reason():
    verdict, reason = bias_verdict(gap=-0.3, ci_low=-0.4, ci_high=-0.2, p_value_holm=None, p_value_equivalence=None,
                                   alpha=0.05, min_effect=0.02, untestable="too few terms to test (1 lexicon rows)")
    assert verdict == "inconclusive" and reason.startswith("too few terms")


def test_verdict_reasons_write_numbers_as_the_report_does():
    """A 3e-05 gap reads +3.00e-05 in the reason, as in the report's tables, not +0.000."""
    from auditkit._format import number

    verdict, reason = bias_verdict(gap=3e-05, ci_low=1e-05, ci_high=5e-05, p_value_holm=0.04, p_value_equivalence=0.2,
                                   alpha=0.05, min_effect=0.0)
    assert verdict == "bias" and number(3e-05, signed=True) == "+3.00e-05" and "+3.00e-05" in reason
    _, reason = bias_verdict(gap=0.005, ci_low=-0.0004, ci_high=0.0123, p_value_holm=0.2, p_value_equivalence=0.3,
                             alpha=0.05, min_effect=0.02)
    assert "[-4.00e-04, +0.012]" in reason
