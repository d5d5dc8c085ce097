"""Fixtures of the end-to-end flows: open a dashboard page on a stored run with AppTest."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_page(monkeypatch):
    """``app_page(runs_root, run_name, "app_pages/model.py")`` -> the AppTest after the page ran without an exception."""
    from streamlit.testing.v1 import AppTest

    def open_page(runs: Path, run: str, page: str) -> AppTest:
        monkeypatch.setenv("AUDITKIT_RUNS", str(runs))
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
        at.session_state["ak_run"] = str(runs / run)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


@pytest.fixture
def cli(capsys):
    """``cli("audit", ...)`` -> (exit status, stdout, stderr) of the auditkit command line."""
    from auditkit.cli import main

    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory):
    """A tiny random BERT saved as a model directory: the backbone the flows fine-tune."""
    from tiny_models import build_tiny_classifier

    base = tmp_path_factory.mktemp("tiny-base") / "tiny"
    clf = build_tiny_classifier()
    clf.model.save_pretrained(base)
    clf.tokenizer.save_pretrained(base)
    return base


@pytest.fixture(scope="module")
def trained_and_audited(tmp_path_factory, tiny_base):
    """``trained_and_audited(name, train_args, audit_args)`` -> the folder holding ``models/<name>`` and ``runs/{a,b}``.

    The tiny base is fine-tuned for one epoch on 160 texts, then audited twice on 100 texts: run a as is, run b
    reading only the first 8 tokens of each text (the same data, so the two runs pair in compare).
    """
    from auditkit.cli import main

    def build(name: str, train_args: tuple, audit_args: tuple) -> Path:
        root = tmp_path_factory.mktemp(name)
        model = root / "models" / name
        assert main([str(a) for a in ("train", *train_args, "--base", tiny_base, "--epochs", "1", "--batch-size", "16",
                                      "--limit", "160", "--learning-rate", "1e-3", "--out", model)]) == 0
        for run, extra in (("a", ()), ("b", ("--max-length", "8"))):
            assert main([str(a) for a in ("audit", "--model", model, *audit_args, "--limit", "100", "--n-boot", "100",
                                          "--probes", "gender", "--attributions", "2", *extra,
                                          "--out", root / "runs" / run)]) == 0
        return root

    return build

