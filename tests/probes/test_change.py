"""The test of "|gap| grew" between two runs on one probe set: an intersection-union test that holds its level
where the old interval of |B| - |A| did not (a noisier model B looked worse by chance), and finds real growth.

The gate's rule (``auditkit.gate``, ``no_regression[bias:...]``): a regression is a |gap| change whose p-value
is below alpha (after Holm across attributes and classes; one attribute here) in the direction "grew".
"""

import numpy as np
import pytest
from scipy import stats

from auditkit.probes._crossed import TemplateComponent, crossed_estimate
from auditkit.probes._change import abs_change_test

T = 16
TEMPLATES = tuple(f"t{j:02d}" for j in range(T))


def _effects(rng, n, rows, sd):
    """n draws of a rows x templates design's noise: row, template and cell effects of SD ``sd`` each."""
    return (rng.normal(0, sd, (n, rows, 1)) + rng.normal(0, sd, (n, 1, T)) + rng.normal(0, sd, (n, rows, T)))


def _gate_regressions(A, B, alpha=0.05):
    """Share of draws the gate calls a regression, and share the signed crossed t-test finds B - A > 0."""
    regress = signed = 0
    for a, b in zip(A, B):
        difference = crossed_estimate([TemplateComponent(b - a, TEMPLATES)])
        total = crossed_estimate([TemplateComponent(b + a, TEMPLATES)])
        p, direction = abs_change_test(difference, total)
        regress += p < alpha and direction == "grew"
        signed += difference.t_test() < alpha and difference.gap > 0
    return regress / len(A), signed / len(A)


@pytest.mark.parametrize("rows", [5, 8, 20])
def test_a_noisier_model_with_the_same_zero_gap_is_not_a_regression(rows):
    """Both gaps 0, B = A's effects plus twice as much noise of its own (B noisier), 300 draws: the gate's size
    is at most alpha/2 = 2.5% by construction; the tolerance is three binomial standard errors at 2.5%
    (sqrt(0.025 x 0.975 / 300) = 0.9 points)."""
    rng = np.random.default_rng(rows)
    n = 300
    A = _effects(rng, n, rows, 0.005)
    B = A + _effects(rng, n, rows, 0.01)
    regressions, _ = _gate_regressions(A, B)
    assert regressions <= 0.025 + 3 * np.sqrt(0.025 * 0.975 / n)


def test_a_true_growth_from_0_to_0_02_is_found_at_20_rows():
    """A's gap 0, B's 0.02 (same noise as above), 300 draws: found in at least 90% (the binomial standard error
    at 90% is 1.7 points; the rate measured is about 99%)."""
    rng = np.random.default_rng(20)
    n = 300
    A = _effects(rng, n, 20, 0.005)
    B = A + _effects(rng, n, 20, 0.01) + 0.02
    regressions, signed = _gate_regressions(A, B)
    assert regressions >= 0.90
    assert signed >= regressions  # the signed test of B - A is the easier question


def test_shrinking_towards_zero_is_not_growth():
    rng = np.random.default_rng(5)
    A = _effects(rng, 200, 12, 0.005) + 0.03
    B = A + _effects(rng, 200, 12, 0.005) - 0.02  # 0.03 -> 0.01
    regressions, _ = _gate_regressions(A, B)
    assert regressions == 0.0
    p, direction = abs_change_test(crossed_estimate([TemplateComponent(B[0] - A[0], TEMPLATES)]),
                                   crossed_estimate([TemplateComponent(B[0] + A[0], TEMPLATES)]))
    assert direction == "shrank" and p < 0.05


def test_the_intersection_union_p_value_from_two_independent_t_tests():
    """With one template the crossed tests are one-sample t-tests (scipy); growth needs B - A and B + A of one sign,
    each direction of each region Bonferroni-split four ways."""
    rng = np.random.default_rng(8)
    a = rng.normal(0.0, 0.01, 15)
    b = a + rng.normal(0.012, 0.01, 15)
    difference = crossed_estimate([TemplateComponent((b - a)[:, None], ("t",))])
    total = crossed_estimate([TemplateComponent((b + a)[:, None], ("t",))])
    p, direction = abs_change_test(difference, total)
    up = [stats.ttest_1samp(x, 0, alternative="greater").pvalue for x in (b - a, b + a)]
    down = [stats.ttest_1samp(x, 0, alternative="less").pvalue for x in (b - a, b + a)]
    grew = min(max(up), max(down))
    shrank = min(max(down[0], up[1]), max(up[0], down[1]))
    assert direction == ("grew" if grew < shrank else "shrank")
    assert p == pytest.approx(min(1.0, 4 * min(grew, shrank)))
