"""Real SST-2 sentences (../shared/data, skipped cleanly when absent) through the real backbone."""

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score

from auditkit import load_classifier, load_dataset
from auditkit.metrics import evaluate_predictions

pytestmark = pytest.mark.integration


def test_minilm_predictions_equal_plain_transformers_on_sst2(shared_data):
    data = load_dataset(shared_data / "sst2" / "dev.csv", text_col="sentence", limit=200)
    torch.manual_seed(0)
    clf = load_classifier("minilm", num_labels=2, id2label={0: "negative", 1: "positive"})
    ours = clf.predict_proba(data.texts, batch_size=32).probabilities
    # plain transformers: input order, padded to the longest text of each batch of 16
    expected = []
    with torch.inference_mode():
        for start in range(0, len(data.texts), 16):
            enc = clf.tokenizer(data.texts[start:start + 16], padding=True, truncation=True, return_tensors="pt")
            expected.append(torch.softmax(clf.model(**enc).logits, -1).numpy())
    np.testing.assert_allclose(ours, np.vstack(expected), atol=1e-5)
    y = np.asarray(data.labels)
    metrics = evaluate_predictions(y, ours, label_names=clf.labels, n_boot=100)
    assert metrics["accuracy"]["value"] == pytest.approx(accuracy_score(y, ours.argmax(1)))
    assert metrics["macro_f1"]["value"] == pytest.approx(f1_score(y, ours.argmax(1), average="macro"))
