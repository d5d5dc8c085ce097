"""The run contract (auditkit/store/schema.py): documents generated from it, runs checked against it."""

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.errors import RunStoreError
from auditkit.probes._lexicon import RESERVED_NAMES
from auditkit.store import SCHEMA_VERSION, read_run, write_run
from auditkit.store import schema as S
from real_runs import audit_run

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("contract")
    return audit_run(root / "full"), audit_run(root / "bare", probes=False, attributions=False)


@pytest.fixture(scope="module")
def published():
    schema = json.loads((DOCS / "run.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_docs_are_generated_from_the_schema():
    assert (DOCS / "run.schema.json").read_text(encoding="utf-8") == S.json_schema_text(), "run make schema"
    arch = (DOCS / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert arch == S.architecture_with_contract(arch), "run make schema"
    for name in ("RunRecord", "BiasScope", "Attributions", "ObservedGroups", "predictions.parquet", "attributions.parquet"):
        assert name in arch


def test_real_runs_match_the_published_json_schema(runs, published):
    for run in runs:
        record = json.loads((run / "run.json").read_text(encoding="utf-8"))
        published.validate(record)  # an independent validator (jsonschema) agrees with ours
        S.validate_record(record)
    full = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    assert {"bias", "attributions"} <= set(full)


def _mutations():
    def version(value):
        return lambda r: r.__setitem__("schema_version", value)

    def calibration_bin(r):
        r["metrics"]["calibration"]["bins"][0] = "0.5"

    def unknown_key(r):
        r["metrics"]["accuracy"]["significant"] = True

    def missing_key(r):
        del r["metrics"]["accuracy"]["ci_low"]

    def bad_verdict(r):
        r["bias"]["gender"]["verdict"] = "maybe"

    def bool_as_count(r):
        r["dataset"]["n_examples"] = True

    def top_word_shape(r):
        cls = next(iter(r["attributions"]["top_words"]))
        r["attributions"]["top_words"][cls] = [["word", 0.1]]

    return {"version_string": (version("2"), "schema_version"), "version_null": (version(None), "schema_version"),
            "calibration_bin_string": (calibration_bin, "metrics.calibration.bins[0]"),
            "unknown_key": (unknown_key, "metrics.accuracy.significant"), "missing_key": (missing_key, "metrics.accuracy.ci_low"),
            "bad_verdict": (bad_verdict, "bias.gender.verdict"), "bool_as_count": (bool_as_count, "dataset.n_examples"),
            "top_word_shape": (top_word_shape, "attributions.top_words")}


@pytest.mark.parametrize("case", sorted(_mutations()))
def test_both_validators_reject_a_malformed_record(runs, published, case):
    mutate, where = _mutations()[case]
    record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    mutate(record)
    with pytest.raises(S.SchemaError) as found:
        S.validate_record(record)
    assert found.value.path.startswith(where)
    assert not published.is_valid(record)


@pytest.mark.parametrize("case", ["version_string", "version_null", "calibration_bin_string"])
def test_a_malformed_run_is_refused_in_one_line_and_the_others_still_list(runs, tmp_path, capsys, case):
    """Issue 11 item 2: one bad run.json is rejected on its own; it takes nothing else down."""
    import shutil

    mutate, where = _mutations()[case]
    good = shutil.copytree(runs[1], tmp_path / "runs" / "good")
    bad = shutil.copytree(runs[1], tmp_path / "runs" / "bad")
    record = json.loads((bad / "run.json").read_text(encoding="utf-8"))
    mutate(record)
    (bad / "run.json").write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(RunStoreError):
        read_run(bad)
    for argv in (["report", bad, "--out", tmp_path / "r.html"], ["gate", bad], ["compare", good, bad]):
        if argv[0] == "gate":
            argv += ["--policy", tmp_path / "p.toml"]
            (tmp_path / "p.toml").write_text("[checks.min_accuracy]\nthreshold = 0.1\n")
        assert main([str(a) for a in argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("auditkit: error: ") and "\n" not in err and "Traceback" not in err
        assert where.split("[")[0] in err and "re-run the audit" in err
    assert not (tmp_path / "r.html").exists()
    assert main(["runs", str(tmp_path / "runs")]) == 0
    out, err = capsys.readouterr()
    assert "good" in out and "bad" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditkit: warning: skipped ") and str(bad) in lines[0]


def test_write_run_refuses_a_record_or_table_off_the_contract(runs, tmp_path):
    run = read_run(runs[1])
    record = {k: v for k, v in run.record.items() if k not in ("run_id", "created_at", "schema_version")}
    extra = copy.deepcopy(record)
    extra["model"]["intended_use"] = "anything"
    with pytest.raises(RunStoreError, match=r"model\.intended_use: unknown key"):
        write_run(tmp_path / "a", extra, {"predictions": run.predictions})
    with pytest.raises(RunStoreError, match=r"predictions\.parquet: columns missing \['confidence'\]"):
        write_run(tmp_path / "b", record, {"predictions": run.predictions.drop(columns="confidence")})
    with pytest.raises(RunStoreError, match=r"predictions\.parquet: missing"):
        write_run(tmp_path / "c", record, {})
    assert list(tmp_path.iterdir()) == []


def test_a_table_off_the_contract_is_refused_when_read(runs, tmp_path):
    import shutil

    path = shutil.copytree(runs[0], tmp_path / "run")
    probes = pd.read_parquet(path / "probes.parquet").rename(columns={"score": "probability"})
    probes.to_parquet(path / "probes.parquet", index=False)
    record = json.loads((path / "run.json").read_text(encoding="utf-8"))  # the hash made to match: the columns are checked too
    record["tables"]["probes"]["sha256"] = hashlib.sha256((path / "probes.parquet").read_bytes()).hexdigest()
    (path / "run.json").write_text(json.dumps(record), encoding="utf-8")
    run = read_run(path)
    with pytest.raises(RunStoreError, match=r"probes\.parquet.*does not match the run contract: columns missing \['score'\]"):
        run.table("probes")


#: What the crossed t intervals added to every gap test, every bias scope, the bias settings and observed-group
#: bootstraps.
SCHEMA_3_TEST_KEYS = ("ci_kind", "tost_low", "tost_high", "holm_ci_low", "holm_ci_high", "se_bootstrap",
                      "p_value_min_effect", "p_value_min_effect_holm")
SCHEMA_3_SETTINGS = ("min_effect_test", "influence", "se_bootstrap")


def _as_schema_2(record):
    """A schema-2 record as auditkit wrote it before this contract: no t-interval kind, minimum-effect test,
    equivalence / Holm intervals, bootstrap check of se, influence, or interval method of observed groups."""
    old = copy.deepcopy(record)
    old["schema_version"] = 2
    bias = old["bias"]
    for key in SCHEMA_3_SETTINGS:
        bias["settings"].pop(key)
    for observed in (bias.get("observed_groups") or {}).values():
        observed["bootstrap"].pop("method")
    for name in bias["settings"]["attributes"]:
        for scope in [bias[name], *bias[name]["families"].values()]:
            scope.pop("influence")
            for test in [scope, *(scope.get("pairs") or {}).values()]:
                for key in SCHEMA_3_TEST_KEYS:
                    test.pop(key)
    return old


def _as_schema_1(record):
    """A schema-1 record as auditkit 0.1 wrote it: ``significant`` in place of the verdict fields."""
    old = _as_schema_2(record)
    old["schema_version"] = 1
    del old["tables"]
    settings = old["bias"]["settings"]
    new_keys = ("verdict", "verdict_reason", "ci_level", "se", "df", "p_value_equivalence", "n_rows", "n_templates",
                "placebo_flip_rate", "placebo_ctf_gap", "by_valence", "logit", "families_combined", "note", "n_texts_swapped")
    for key in ("equivalence", "interval", "unit", "family_weights", "min_rows"):
        settings.pop(key)
    del old["options"]["probe_n_boot"]
    for name in settings["attributes"]:
        for scope in [old["bias"][name], *old["bias"][name]["families"].values()]:
            scope["significant"] = (scope["p_value_holm"] or 1) < settings["alpha"] and abs(scope["gap"]) >= settings["min_effect"]
            scope["p_value_wilcoxon"] = scope["p_value"]
            for key in new_keys:
                scope.pop(key, None)
    return old


def test_schema_1_runs_are_migrated(runs, tmp_path, published):
    import shutil

    path = shutil.copytree(runs[0], tmp_path / "old")
    record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    old = _as_schema_1(record)
    old["bias"]["gender"]["significant"] = True  # one material finding, so both verdicts are seen
    (path / "run.json").write_text(json.dumps(old), encoding="utf-8")
    migrated = read_run(path).record
    published.validate(migrated)
    assert migrated["schema_version"] == S.SCHEMA_VERSION and migrated["tables"] is None
    gender, race = migrated["bias"]["gender"], migrated["bias"]["race"]
    assert gender["verdict"] == "bias" and race["verdict"] == "inconclusive"
    assert "significant" not in gender and gender["ci_level"] == old["bias"]["settings"]["confidence_level"]
    assert gender["p_value_equivalence"] is None and gender["by_valence"] == {} and "p_value_wilcoxon" not in gender
    assert migrated["options"]["probe_n_boot"] == old["options"]["n_boot"]
    assert read_run(path).table("probes").equals(pd.read_parquet(path / "probes.parquet"))  # older tables still read
    newer = dict(old, schema_version=S.SCHEMA_VERSION + 1)
    (path / "run.json").write_text(json.dumps(newer), encoding="utf-8")
    with pytest.raises(RunStoreError, match="newer than this auditkit reads"):
        read_run(path)


def test_schema_2_runs_read_as_checkpoint_runs(runs, tmp_path, published):
    """Schema 2 runs audited Hugging Face checkpoints only: model.kind and attributions.approach are derived."""
    import shutil

    path = shutil.copytree(runs[0], tmp_path / "v2")
    record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    old = copy.deepcopy(record)
    old["schema_version"] = 2
    del old["model"]["kind"], old["attributions"]["approach"]
    (path / "run.json").write_text(json.dumps(old), encoding="utf-8")
    migrated = read_run(path).record
    published.validate(migrated)
    assert migrated["model"]["kind"] == "transformers"
    assert migrated["attributions"]["approach"] == ("perturbation" if old["attributions"]["method"] == "occlusion"
                                                    else "gradient")
    assert {k: v for k, v in migrated.items() if k != "schema_version"} == {k: v for k, v in record.items()
                                                                           if k != "schema_version"}


def test_schema_2_runs_read_their_new_statistics_as_not_measured(runs, tmp_path, published):
    """Nothing a schema-2 audit did not compute is guessed: its intervals say they are pigeonhole percentile
    intervals, its verdicts are kept as written, and the statistics added since are null / "not measured"."""
    import shutil

    path = shutil.copytree(runs[0], tmp_path / "old")
    record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    old = _as_schema_2(record)
    probes = pd.read_parquet(path / "probes.parquet")
    probes.drop(columns=[c for c in probes if c.startswith("prob_")]).to_parquet(path / "probes.parquet", index=False)
    (path / "run.json").write_text(json.dumps(old), encoding="utf-8")
    run = read_run(path)
    migrated = run.record
    published.validate(migrated)
    gender = migrated["bias"]["gender"]
    assert gender["ci_kind"] == "pigeonhole_percentile" and gender["influence"] is None
    assert all(gender[k] is None for k in SCHEMA_3_TEST_KEYS if k != "ci_kind")
    assert (gender["verdict"], gender["ci_low"]) == (record["bias"]["gender"]["verdict"], record["bias"]["gender"]["ci_low"])
    assert all(migrated["bias"]["settings"][k].startswith("not measured") for k in SCHEMA_3_SETTINGS)
    assert run.written_version == 2 and "prob_" not in " ".join(run.table("probes").columns)


def test_the_bias_section_and_the_lexicons_reserve_the_same_names():
    assert set(S.Bias.__annotations__) == set(RESERVED_NAMES)
