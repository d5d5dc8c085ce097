"""Minimum detectable gaps: the test they describe finds them 80 % of the time, and runs store and show them."""

import numpy as np
import pytest
from scipy import stats

from auditkit.probes import run_probes
from auditkit.probes._power import minimum_detectable_gap


@pytest.mark.parametrize("df,n_tests,margin", [(6.0, 1, 0.0), (20.0, 8, 0.0), (40.0, 8, 0.02), (3.0, 2, 0.01)])
def test_the_mde_is_found_80_percent_of_the_time(df, n_tests, margin):
    """Simulate the t statistic of a true gap at the MDE (estimate and variance drawn independently, the variance
    as a scaled chi-square on df): the test at alpha / n_tests rejects in about 80 % of draws, and a gap half as
    large far less often."""
    se, alpha = 0.004, 0.05
    mde = minimum_detectable_gap(se, df, alpha=alpha, n_tests=n_tests, margin=margin)
    rng = np.random.default_rng(0)
    critical = stats.t.ppf(1 - alpha / (2 * n_tests), df)

    def rejected(delta, n=40_000):
        gap = rng.normal(delta, se, n)
        se_hat = se * np.sqrt(rng.chisquare(df, n) / df)
        return np.mean((np.abs(gap) - margin) / se_hat > critical)

    assert rejected(mde) == pytest.approx(0.8, abs=0.015)
    assert rejected(margin + (mde - margin) / 2) < 0.5
    assert minimum_detectable_gap(se, df, alpha=alpha, n_tests=2 * n_tests, margin=margin) > mde  # stricter Holm


def test_untestable_has_no_mde():
    assert minimum_detectable_gap(None, None, alpha=0.05) is None


def test_every_tested_scope_stores_its_mde_and_the_report_says_it(tiny_classifier):
    report = run_probes(tiny_classifier, attributes=["gender", "race"], n_boot=100, min_effect=0.02)
    n_tests = report.summary["settings"]["n_tests"]
    for attr in ("gender", "race"):
        entry = report.summary[attr]
        for scope in [entry, *entry["families"].values()]:
            if scope["se"] is None:
                assert scope["mde"] is None
                continue
            expected = minimum_detectable_gap(scope["se"], scope["df"], alpha=0.05, n_tests=n_tests)
            assert scope["mde"] == pytest.approx(expected) and scope["mde_bias"] > scope["mde"] + 0.019
    from auditkit.report._build import _gap_highlight

    line = _gap_highlight("gender", report.summary["gender"])
    assert "could not have seen gaps below" in line
