"""Attribution speed: auditkit's integrated gradients vs per-example Captum LIG.

    python bench/attribute.py [MODEL_DIR] [--limit 100] [--tolerance 0.05]

The baseline is LayerIntegratedGradients as transformers-interpret runs it:
one text at a time, 50 Gauss-Legendre steps, all steps in one batch
(internal_batch_size None), on the word embeddings, explaining the softmax
probability of the predicted class with a [CLS] pad... pad [SEP] baseline.
auditkit attributes the same texts, the same way, with adaptive steps and
batching across texts. Both are timed on the same 100 real sentences
(../shared/data/sst2/test.csv, else sample_data/reviews_test.csv) after one
warm-up text each; accuracy is compared by |convergence delta| per example.

MODEL_DIR defaults to models/baseline when it exists, else the MiniLM
backbone with a fresh two-class head.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def load_texts(limit: int) -> tuple[list[str], str]:
    import pandas as pd

    sst2 = SHARED_DATA / "sst2" / "test.csv"
    if sst2.exists():
        frame, column, source = pd.read_csv(sst2), "sentence", str(sst2)
    else:
        source = str(ROOT / "sample_data" / "reviews_test.csv")
        frame, column = pd.read_csv(source), "text"
    return frame[column].astype(str).head(limit).tolist(), source


def load_model(path: str | None):
    from auditkit import load_classifier

    if path is None and (ROOT / "models" / "baseline").exists():
        path = str(ROOT / "models" / "baseline")
    if path is not None:
        return load_classifier(path, device="cpu"), path
    return load_classifier("minilm", num_labels=2, id2label={0: "negative", 1: "positive"}, device="cpu"), "minilm + fresh head"


def per_example_lig(clf, texts: list[str], n_steps: int = 50) -> list[float]:
    """transformers-interpret's recipe, one text at a time; returns the deltas."""
    import torch
    from captum.attr import LayerIntegratedGradients

    tokenizer, model = clf.tokenizer, clf.model
    uses_token_types = "token_type_ids" in tokenizer.model_input_names
    deltas = []
    for text in texts:
        enc = tokenizer(text, return_special_tokens_mask=True, truncation=True, max_length=clf.max_length, return_tensors="pt")
        input_ids = enc["input_ids"]
        ref_ids = torch.where(enc["special_tokens_mask"].bool(), input_ids, torch.full_like(input_ids, tokenizer.pad_token_id))
        mask = torch.ones_like(input_ids)
        extra = {"token_type_ids": torch.zeros_like(input_ids)} if uses_token_types else {}
        with torch.no_grad():
            index = int(model(input_ids=input_ids, attention_mask=mask, **extra).logits.argmax(-1))

        def forward(ids, attention_mask):
            kw = {"token_type_ids": torch.zeros_like(ids)} if uses_token_types else {}
            return torch.softmax(model(input_ids=ids, attention_mask=attention_mask, **kw).logits, dim=-1)[:, index]

        lig = LayerIntegratedGradients(forward, model.get_input_embeddings())
        _, delta = lig.attribute(
            input_ids, baselines=ref_ids, additional_forward_args=(mask,), n_steps=n_steps,
            internal_batch_size=None, return_convergence_delta=True,
        )
        deltas.append(float(delta.abs().max()))
    return deltas


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=None)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true",
                        help="skip the equal-accuracy baseline (per-example LIG with the uniform steps every text needs)")
    args = parser.parse_args()

    from collections import Counter

    import numpy as np
    import torch

    from auditkit.attribution import IntegratedGradients

    texts, source = load_texts(args.limit)
    clf, name = load_model(args.model)
    lengths = [len(ids) for ids in clf.tokenize(texts)[0]]
    print(f"model: {name}; data: {source}; {len(texts)} texts, {np.mean(lengths):.1f} tokens on average (max {max(lengths)})")
    print(f"torch threads: {torch.get_num_threads()}")

    ours = IntegratedGradients(clf, tolerance=args.tolerance)
    ours.attribute(texts[:1], progress=False)  # warm-up
    per_example_lig(clf, texts[:1])

    start = time.perf_counter()
    baseline_deltas = per_example_lig(clf, texts)
    baseline_s = time.perf_counter() - start
    start = time.perf_counter()
    results = ours.attribute(texts, progress=False)
    ours_s = time.perf_counter() - start

    ours_deltas = np.abs([r.convergence_delta for r in results])
    baseline_deltas = np.asarray(baseline_deltas)
    steps = dict(sorted(Counter(r.n_steps for r in results).items()))
    print()
    print(f"{'':<34}{'texts/s':>9}{'max |delta|':>13}{'mean |delta|':>14}{'|delta| > tol':>15}")
    print(f"{'per-example LIG (50 steps)':<34}{len(texts) / baseline_s:>9.2f}{baseline_deltas.max():>13.4f}"
          f"{baseline_deltas.mean():>14.4f}{int((baseline_deltas > args.tolerance).sum()):>15d}")
    print(f"{'auditkit IntegratedGradients':<34}{len(texts) / ours_s:>9.2f}{ours_deltas.max():>13.4f}"
          f"{ours_deltas.mean():>14.4f}{int((ours_deltas > args.tolerance).sum()):>15d}")
    print()
    print(f"steps used by auditkit: {steps} (tolerance {args.tolerance})")
    print(f"speed-up vs the 50-step recipe: {baseline_s / ours_s:.2f}x ({baseline_s:.1f} s -> {ours_s:.1f} s); "
          f"that recipe misses the tolerance on {int((baseline_deltas > args.tolerance).sum())} texts")
    failing = [t for t, d in zip(texts, baseline_deltas) if d > args.tolerance]
    if failing and not args.quick:
        # Equal accuracy: a per-example user must raise n_steps for every text until all pass.
        n_steps = 50
        while failing and n_steps < 1600:
            n_steps *= 2
            failing = [t for t, d in zip(failing, per_example_lig(clf, failing, n_steps)) if d > args.tolerance]
        start = time.perf_counter()
        equal = np.asarray(per_example_lig(clf, texts, n_steps))
        equal_s = time.perf_counter() - start
        print(f"{'per-example LIG (' + str(n_steps) + ' steps)':<34}{len(texts) / equal_s:>9.2f}{equal.max():>13.4f}"
              f"{equal.mean():>14.4f}{int((equal > args.tolerance).sum()):>15d}")
        print(f"speed-up at equal accuracy (every |delta| <= {args.tolerance}): {equal_s / ours_s:.2f}x "
              f"({equal_s:.1f} s -> {ours_s:.1f} s; target >= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
