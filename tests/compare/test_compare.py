import json

import numpy as np
import pytest
from sklearn.metrics import f1_score, recall_score
from statsmodels.stats.contingency_tables import mcnemar

from real_runs import MULTILABEL_LABELS, audit_run, multilabel_run
from auditkit.cli import main
from auditkit.compare import compare_runs
from auditkit.compare._compare import mcnemar_exact, paired_bootstrap, paired_multilabel_bootstrap
from auditkit.metrics._multilabel import MULTILABEL_HEADLINE_METRICS, multilabel_scores
from auditkit.compare._compare import NOT_PAIRED_FINGERPRINT, NOT_PAIRED_PRECISION
from auditkit.errors import ConfigError
from auditkit.store import read_run


@pytest.fixture
def paired_runs(tmp_path):
    """The same data audited with two models: an untrained tiny model (reference) and it fitted to the data."""
    a = audit_run(tmp_path / "baseline")
    b = audit_run(tmp_path / "augmented", trained=True)
    return a, b


@pytest.fixture
def multilabel_pair(tmp_path):
    """One multi-label model audited twice on the same rows: A predicts 'toxic' on every text, B on none."""
    return (multilabel_run(tmp_path / "always", thresholds={"toxic": 0.01}),
            multilabel_run(tmp_path / "never", thresholds={"toxic": 0.99}))


@pytest.mark.parametrize("seed", range(6))
def test_mcnemar_equals_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 300))
    a = rng.random(n) < rng.uniform(0.5, 0.95)
    b = np.where(rng.random(n) < 0.8, a, ~a)
    res = mcnemar_exact(a, b)
    expected = mcnemar(np.array(res["table"]), exact=True)
    assert res["p_value"] == pytest.approx(expected.pvalue, rel=1e-12, abs=1e-15)
    assert res["statistic"] == expected.statistic


def test_mcnemar_without_discordant_pairs():
    same = np.array([True, False, True])
    res = mcnemar_exact(same, same)
    assert res["p_value"] == pytest.approx(mcnemar(np.array(res["table"]), exact=True).pvalue) == 1.0


def test_compare_pairs_runs_on_the_same_dataset(paired_runs):
    a, b = paired_runs
    cmp = compare_runs([a, b], n_boot=500)
    pair = cmp.pairs[0]
    assert pair["paired"] and pair["note"] is None
    pa, pb = read_run(a).predictions, read_run(b).predictions
    table = [[int((pa.correct & pb.correct).sum()), int((pa.correct & ~pb.correct).sum())],
             [int((~pa.correct & pb.correct).sum()), int((~pa.correct & ~pb.correct).sum())]]
    assert pair["mcnemar"]["table"] == table
    acc = cmp.metrics[(cmp.metrics.metric == "accuracy") & (cmp.metrics.run == "augmented")].iloc[0]
    assert acc.p_value == pytest.approx(mcnemar(np.array(table), exact=True).pvalue)
    f1 = cmp.metrics[(cmp.metrics.metric == "macro_f1") & (cmp.metrics.run == "augmented")].iloc[0]
    assert f1["test"] == "paired bootstrap" and f1["diff_ci_low"] < f1["diff"] < f1["diff_ci_high"]
    assert any("accuracy improved" in s for s in cmp.summary_lines)
    gaps = [abs(read_run(r).record["bias"]["gender"]["gap"]) for r in (a, b)]
    change = "shrank" if gaps[1] < gaps[0] else "grew"
    assert any(f"gender gap {change}" in s for s in cmp.summary_lines)
    json.dumps(cmp.to_dict(), allow_nan=False)


def test_paired_bootstrap_point_estimates_match_sklearn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 150)
    pa = np.where(rng.random(150) < 0.7, y, rng.integers(0, 3, 150))
    pb = np.where(rng.random(150) < 0.8, y, rng.integers(0, 3, 150))
    res = paired_bootstrap(y, pa, pb, 3, n_boot=200, seed=0)
    expected = f1_score(y, pb, average="macro", labels=[0, 1, 2]) - f1_score(y, pa, average="macro", labels=[0, 1, 2])
    assert res["macro_f1"]["diff"] == pytest.approx(expected)
    rec = recall_score(y, pb, average=None, labels=[0, 1, 2]) - recall_score(y, pa, average=None, labels=[0, 1, 2])
    assert [r["diff"] for r in res["recall"]] == pytest.approx(list(rec))
    again = paired_bootstrap(y, pa, pb, 3, n_boot=200, seed=0)
    assert again == res  # seeded


def test_paired_bootstrap_resamples_score_like_scikit_learn_on_their_rows():
    """Each resample is a multiset of (y, A, B) rows: its differences are scikit-learn's on those rows."""
    from auditkit.metrics._bootstrap import resample_counts

    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 200)
    pa = np.where(rng.random(200) < 0.6, y, rng.integers(0, 3, 200))
    pb = np.where(rng.random(200) < 0.8, y, rng.integers(0, 3, 200))
    codes = (y * 3 + pa) * 3 + pb
    counts = resample_counts(codes, n_cells=27, n_boot=400, seed=0)
    diffs = []
    for row in counts:
        cells = np.repeat(np.arange(27), row)
        t, a, b = cells // 9, (cells // 3) % 3, cells % 3
        diffs.append(f1_score(t, b, average="macro", labels=[0, 1, 2], zero_division=0)
                     - f1_score(t, a, average="macro", labels=[0, 1, 2], zero_division=0))
    res = paired_bootstrap(y, pa, pb, 3, n_boot=400, seed=0)
    assert res["macro_f1"]["ci_low"] == pytest.approx(np.quantile(diffs, 0.025), abs=1e-12)
    assert res["macro_f1"]["ci_high"] == pytest.approx(np.quantile(diffs, 0.975), abs=1e-12)


def test_paired_bootstrap_of_a_million_rows_is_fast_enough_to_run_in_a_test():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1_000_000)
    pa = np.where(rng.random(y.size) < 0.8, y, 1 - y)
    pb = np.where(rng.random(y.size) < 0.9, y, 1 - y)
    res = paired_bootstrap(y, pa, pb, 2, n_boot=1000, seed=0)
    assert res["macro_f1"]["significant"] and res["macro_f1"]["ci_low"] > 0.05


def _multilabel_decisions(seed: int, n: int = 150, k: int = 4):
    """Truth and two models' decisions, with empty rows and a label never present."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, k)) < rng.uniform(0.1, 0.5, k)).astype(int)
    y[:, -1] = 0
    y[rng.random(n) < 0.2] = 0
    pa = np.where(rng.random((n, k)) < 0.7, y, 1 - y)
    pb = np.where(rng.random((n, k)) < 0.85, y, 1 - y)
    return y, pa, pb


def test_paired_multilabel_bootstrap_resamples_score_like_scikit_learn_on_their_rows():
    """Each resample is a multiset of (y, A, B) rows: its differences are scikit-learn's on those rows."""
    from auditkit.metrics._multilabel_resample import multilabel_patterns
    from auditkit.metrics._bootstrap import resample_counts

    y, pa, pb = _multilabel_decisions(5)
    res = paired_multilabel_bootstrap(y, pa, pb, n_boot=300, seed=2)
    for name in MULTILABEL_HEADLINE_METRICS:
        assert res[name]["diff"] == pytest.approx(multilabel_scores(y, pb)[name] - multilabel_scores(y, pa)[name], abs=1e-12)
    rec = recall_score(y, pb, average=None, zero_division=0) - recall_score(y, pa, average=None, zero_division=0)
    assert [r["diff"] for r in res["recall"][:-1]] == pytest.approx(list(rec[:-1]), abs=1e-12)
    assert res["recall"][-1] == {"diff": None, "ci_low": None, "ci_high": None, "significant": None, "p_value": None}  # never present
    codes, truth, [da, db] = multilabel_patterns(y, pa, pb)
    diffs = {name: [] for name in ("macro_f1", "samples_f1")}
    for row in resample_counts(codes, n_cells=len(truth), n_boot=300, seed=2):
        t, a, b = (np.repeat(m, row, axis=0) for m in (truth, da, db))
        for name in diffs:
            diffs[name].append(multilabel_scores(t, b)[name] - multilabel_scores(t, a)[name])
    for name, values in diffs.items():
        assert res[name]["ci_low"] == pytest.approx(np.quantile(values, 0.025), abs=1e-12), name
        assert res[name]["ci_high"] == pytest.approx(np.quantile(values, 0.975), abs=1e-12), name
    assert paired_multilabel_bootstrap(y, pa, pb, n_boot=300, seed=2) == res  # seeded


def test_multilabel_runs_get_paired_bootstrap_intervals(multilabel_pair):
    a, b = multilabel_pair
    cmp = compare_runs([a, b], n_boot=1000)
    rows = cmp.metrics[cmp.metrics.run == "never"].set_index("metric")
    stored = [read_run(r).record["metrics"] for r in (a, b)]
    for name in MULTILABEL_HEADLINE_METRICS:
        row = rows.loc[name]
        assert row["test"] == "paired bootstrap" and row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"], name
        assert row["diff"] == pytest.approx(stored[1][name]["value"] - stored[0][name]["value"], abs=1e-12)
    # B drops the one label A got right on every toxic text: macro-F1 falls by that label's F1 over 4 labels
    drop = -stored[0]["per_label"]["toxic"]["f1"] / len(MULTILABEL_LABELS)
    macro = rows.loc["macro_f1"]
    assert macro["diff"] == pytest.approx(drop) and macro["diff_ci_high"] < 0 and macro["significant"]
    toxic = rows.loc["recall[toxic]"]
    assert toxic["test"] == "paired bootstrap, Holm across classes" and toxic["diff"] == -1.0 and toxic["significant"]
    # each label's recall p-value is the paired bootstrap's, Holm-corrected across the labels
    from auditkit.compare._compare import bootstrap_p_value
    from auditkit.store import sections

    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    (y, pa, _), (_, pb, _) = sections.multilabel_arrays(read_run(a)), sections.multilabel_arrays(read_run(b))
    raw = [r["p_value"] for r in paired_multilabel_bootstrap(y, pa, pb, n_boot=1000, seed=0)["recall"]]
    defined = [k for k, p in enumerate(raw) if p is not None]
    expected = multipletests([raw[k] for k in defined], method="holm")[1]
    assert [rows.loc[f"recall[{MULTILABEL_LABELS[k]}]"]["p_value"] for k in defined] == pytest.approx(list(expected))
    assert bootstrap_p_value([0.1, 0.2, -0.1, 0.3]) == pytest.approx(2 * 2 / 5)
    assert rows.loc["label_accuracy[toxic]"]["test"] == "McNemar exact, Holm across labels"  # still there
    assert any(line.startswith("never: macro-F1 worsened") and "— significant (paired bootstrap" in line
               for line in cmp.summary_lines), cmp.summary_lines
    json.dumps(cmp.to_dict(), allow_nan=False)


def test_identical_multilabel_runs_differ_by_an_interval_at_zero(multilabel_pair, tmp_path):
    a, _ = multilabel_pair
    again = multilabel_run(tmp_path / "again", thresholds={"toxic": 0.01})  # the same decisions, another run
    cmp = compare_runs([a, again], n_boot=200)
    rows = cmp.metrics[(cmp.metrics.run != cmp.runs[0]) & (cmp.metrics.test == "paired bootstrap")]
    assert set(MULTILABEL_HEADLINE_METRICS) <= set(rows.metric)
    tested = rows[rows.diff_ci_low.notna()]
    assert (tested.diff_ci_low == 0).all() and (tested.diff_ci_high == 0).all() and not tested.significant.any()


def test_runs_of_different_precision_are_not_pair_tested_and_compare_says_why(paired_runs):
    import json as _json

    a, b = paired_runs
    record = _json.loads((b / "run.json").read_text())
    record["model"]["precision"] = "int8"
    (b / "run.json").write_text(_json.dumps(record))
    cmp = compare_runs([a, b], n_boot=100)
    assert not cmp.pairs[0]["paired"]
    assert cmp.pairs[0]["note"] == NOT_PAIRED_PRECISION.format(a="fp32", b="int8")
    assert cmp.metrics[cmp.metrics.run == "augmented"]["diff"].notna().all()  # still side by side


def test_different_datasets_are_not_pair_tested(tmp_path):
    a = audit_run(tmp_path / "a", probes=False, attributions=False)
    b = audit_run(tmp_path / "b", seed=1, limit=50, probes=False, attributions=False)
    cmp = compare_runs([a, b], n_boot=200)
    assert not cmp.pairs[0]["paired"] and cmp.pairs[0]["note"] == NOT_PAIRED_FINGERPRINT
    rows = cmp.metrics[cmp.metrics.run == "b"]
    assert rows["diff"].notna().all()  # still side by side
    assert rows["p_value"].isna().all() and rows["diff_ci_low"].isna().all()
    assert any("different datasets" in s for s in cmp.summary_lines)


def test_missing_sections_compare_side_by_side(tmp_path):
    a = audit_run(tmp_path / "a")
    b = audit_run(tmp_path / "b", seed=1, probes=False, attributions=False)
    cmp = compare_runs([a, b], n_boot=200)
    assert any("probe was not run" in s for s in cmp.summary_lines)
    assert cmp.identity_share.iloc[1].isna()["identity_share"]
    assert cmp.to_dict()["identity_share"][1]["identity_share"] is None


def test_compare_needs_two_runs(tmp_path):
    with pytest.raises(ConfigError, match="at least two runs"):
        compare_runs([audit_run(tmp_path / "a", probes=False, attributions=False)])


def test_compare_cli(paired_runs, tmp_path, capsys):
    a, b = paired_runs
    assert main(["compare", str(a), str(b), "--n-boot", "200"]) == 0
    assert "McNemar exact p" in capsys.readouterr().out
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"cmp.{fmt}"
        assert main(["compare", str(a), str(b), "--n-boot", "200", "--format", fmt, "--out", str(out)]) == 0
        assert out.exists()
    assert "<!DOCTYPE html>" in (tmp_path / "cmp.html").read_text()
    assert main(["compare", str(a)]) == 2
    assert "at least two runs" in capsys.readouterr().err
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2



def test_bias_significance_column_agrees_with_the_summary(paired_runs):
    comparison = compare_runs(list(paired_runs))
    rows = comparison.bias[comparison.bias["run"] == comparison.runs[1]]
    assert len(rows)
    for _, row in rows.iterrows():
        line = next(l for l in comparison.summary_lines if f"the {row['attribute']} gap" in l)
        said_significant = "— significant" in line
        assert bool(row["diff_significant"]) == said_significant, (row.to_dict(), line)


def _designs(probes, attribute, groups, families):
    """Per family, from the stored sentence scores: a (rows x templates) matrix of group differences
    (slot words averaged) or the dataset texts' differences with their strata; built with pandas only."""
    a, b = groups
    rows = probes[probes.attribute == attribute]
    out = []
    for family in families:
        sub = rows[rows.family == family]
        wide = sub.pivot_table(index="instance_id", columns="group", values="score")
        d = (wide[a] - wide[b]).rename("d").to_frame().join(sub.drop_duplicates("instance_id").set_index("instance_id"))
        if family == "dataset_counterfactual":
            d = d.sort_values("row")
            out.append(("texts", d["d"].to_numpy(), d["stratum"].astype(str).to_numpy(), d["word"].astype(str).to_numpy()))
        else:
            out.append(("cells", d.pivot_table(index="row", columns="template_id", values="d", aggfunc="mean").to_numpy()))
    return out


def _pigeonhole_replicates(designs_a, designs_b, *, n_boot, seed):
    """Owen's pigeonhole bootstrap written out replicate by replicate: lexicon rows drawn per family and template
    block, each block's templates drawn once and shared by the families, swapped terms drawn with their texts (strata of 2+ texts weigh equally), families
    weigh equally; one draw serves both runs. Returns the two runs' gaps per replicate."""
    rng = np.random.default_rng(seed)
    reps = np.zeros((2, n_boot))
    for r in range(n_boot):
        drawn_cols = {}  # template block (its columns) -> this replicate's draw, shared by every family
        for (kind, *da), (_, *db) in zip(designs_a, designs_b):
            if kind == "cells":  # rows crossed with their template block's templates (NaN elsewhere)
                seen = ~np.isnan(da[0])
                blocks = {}
                for i in range(seen.shape[0]):
                    blocks.setdefault(seen[i].tobytes(), []).append(i)
                sums, cells = [0.0, 0.0], 0
                for members in blocks.values():
                    cols_in = np.flatnonzero(seen[members[0]])
                    cols = drawn_cols.setdefault(tuple(cols_in), cols_in[rng.integers(0, cols_in.size, cols_in.size)])
                    rows = np.array(members)[rng.integers(0, len(members), len(members))]
                    for k, m in enumerate((da[0], db[0])):
                        sums[k] += m[np.ix_(rows, cols)].sum()
                    cells += rows.size * cols.size
                values = [v / cells for v in sums]
            else:  # swapped terms drawn with all their texts; strata of 2+ texts weigh equally
                strata = [s for s in dict.fromkeys(da[1].tolist()) if (da[1] == s).sum() >= 2]
                terms = np.unique(da[2])
                drawn = rng.choice(terms, terms.size)
                counts = np.array([np.sum(drawn == t) for t in da[2]], dtype=float)
                values, used = [0.0, 0.0], 0
                for s in strata:
                    w = counts * (da[1] == s)
                    if w.sum() == 0:
                        continue
                    used += 1
                    values[0] += (w * da[0]).sum() / w.sum()
                    values[1] += (w * db[0]).sum() / w.sum()
                values = [v / max(used, 1) for v in values]
            reps[0, r] += values[0] / len(designs_a)
            reps[1, r] += values[1] / len(designs_b)
    return reps


def test_bias_change_equals_the_crossed_tests_of_an_independently_built_design(paired_runs):
    """The signed change and the |gap| test, recomputed from probes.parquet with the designs built by pandas alone
    (B - A and B + A per family), agree with compare's; the change's standard error agrees with a pigeonhole
    bootstrap written out replicate by replicate (shared draws for both runs) within its Monte Carlo and
    (R - 1) / R differences."""
    from auditkit.probes._crossed import TemplateComponent, TextComponent, crossed_estimate
    from auditkit.probes._change import abs_change_test

    a, b = paired_runs
    cmp = compare_runs([a, b], n_boot=200)
    ra, rb = read_run(a), read_run(b)
    rows = cmp.bias[cmp.bias.run == "augmented"]
    for attribute in ("gender", "race"):
        entry = ra.record["bias"][attribute]
        groups, families = entry["gap_groups"], entry["families_combined"]
        da = _designs(ra.table("probes"), attribute, groups, families)
        db = _designs(rb.table("probes"), attribute, groups, families)

        def combined(sign):
            comps = []
            for (kind, *x), (_, *y) in zip(da, db):
                if kind == "cells":
                    comps.append(TemplateComponent(y[0] + sign * x[0], tuple(map(str, range(x[0].shape[1])))))
                else:
                    comps.append(TextComponent(y[0] + sign * x[0], x[1], clusters=x[2]))
            return crossed_estimate(comps)

        difference, total = combined(-1.0), combined(+1.0)
        row = rows[rows.attribute == attribute].iloc[0]
        assert row["diff"] == pytest.approx(rb.record["bias"][attribute]["gap"] - entry["gap"], abs=1e-12)
        assert row["diff"] == pytest.approx(difference.gap, abs=1e-12)
        assert (row["diff_ci_low"], row["diff_ci_high"]) == pytest.approx(difference.t_interval(0.95))
        assert row["diff_p_value"] == pytest.approx(difference.t_test())
        p, direction = abs_change_test(difference, total)
        assert row["abs_diff_p_value"] == pytest.approx(p) and row["abs_diff_direction"] == direction
        reps = _pigeonhole_replicates(da, db, n_boot=1000, seed=12345)
        assert np.std(reps[1] - reps[0]) == pytest.approx(difference.se, rel=0.35)
    # Holm across the attributes (one class here)
    holm = pytest.importorskip("statsmodels.stats.multitest").multipletests(rows["abs_diff_p_value"], method="holm")[1]
    np.testing.assert_allclose(rows["abs_diff_p_value_holm"], holm)


def test_every_class_of_a_per_class_run_is_compared(tmp_path):
    """Two per-label audits of one multi-label model (thresholds differ, scores do not): each label x attribute
    gets its own row and |gap| test, the p-values Holm-corrected across all of them, and none moved."""
    from real_runs import TOXICITY, tiny_multilabel_model_dir
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier
    from auditkit.store import write_run

    clf = load_classifier(str(tiny_multilabel_model_dir()))
    data = load_dataset(TOXICITY, text_col="text", label_col=list(MULTILABEL_LABELS), limit=40, multi_label=True)
    runs = []
    for name, threshold in (("a", 0.5), ("b", 0.3)):
        options = AuditOptions(n_boot=0, probes=("gender",), probe_n_boot=100, attributions=0)
        result = run_audit(clf, data, options=options, log=lambda _: None, progress=False,
                           thresholds={label: threshold for label in MULTILABEL_LABELS})
        runs.append(write_run(tmp_path / name, result.record, result.tables))
    cmp = compare_runs(runs)
    rows = cmp.bias[cmp.bias.run == "b"]
    assert sorted(rows["class"]) == sorted(MULTILABEL_LABELS) and (rows["attribute"] == "gender").all()
    assert rows["diff"].abs().max() < 1e-12 and not rows["diff_significant"].any()
    assert rows["abs_diff_p_value_holm"].notna().all()
    assert (cmp.bias[cmp.bias.run == "a"]["class"].sort_values().tolist() == sorted(MULTILABEL_LABELS))
