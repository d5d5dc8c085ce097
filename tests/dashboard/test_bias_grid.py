"""The bias page shows the omnibus of a multi-group attribute and the gender x race grid of a crossed one."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import real_runs
from auditkit.store import read_run


@pytest.fixture(scope="module")
def crossed_run(tmp_path_factory):
    from auditkit.audit import AuditOptions, run_audit
    from auditkit.data import load_dataset
    from auditkit.models import load_classifier
    from auditkit.store import write_run

    root = tmp_path_factory.mktemp("runs")
    clf = load_classifier(str(real_runs.tiny_model_dir(seed=0)))
    data = load_dataset(real_runs.hostile_data(limit=40), text_col="text", label_col="label")
    options = AuditOptions(n_boot=200, probe_n_boot=200, probes=("gender_race", "age"), attributions=0)
    result = run_audit(clf, data, options=options, log=lambda _: None, progress=False)
    write_run(root / "crossed", result.record, result.tables)
    return root


def test_grid_interaction_and_omnibus_are_shown(crossed_run, monkeypatch):
    monkeypatch.setenv("AUDITKIT_RUNS", str(crossed_run))
    at = AppTest.from_file(str(real_runs.Path(__file__).resolve().parents[2] / "dashboard" / "app.py"), default_timeout=90)
    at.session_state["ak_run"] = str(crossed_run / "crossed")
    at.run()
    at.switch_page("app_pages/bias.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # captions are Markdown-escaped (run text is never interpreted): compare without the escapes
    text = " ".join(str(getattr(e, "value", "")) for e in [*at.caption, *at.markdown, *at.subheader]).replace("\\", "")
    record = read_run(crossed_run / "crossed").record["bias"]
    assert "gender × race: group means" in text and record["gender_race"]["intersection"]["interaction_definition"] in text
    assert "All pairs at once" in text and "could not have seen gaps below" in text
    assert any(len(df.value) == 2 and "african_american" in df.value.columns for df in at.dataframe)  # the 2 x 2 grid
    assert "omnibus" in record["age"]

