"""A TF-IDF + logistic regression baseline: what a transformer has to beat.

    python examples/tfidf_lr.py --data sample_data/reviews_train.csv --out models/tfidf-lr.skops
    auditkit audit --model models/tfidf-lr.skops --data sample_data/reviews_test.csv --out runs/tfidf-lr

Trains a scikit-learn pipeline (word 1-2-gram TF-IDF, L2 logistic
regression) on a CSV with ``text`` and ``label`` columns and saves it with
skops (no pickle). ``auditkit audit`` can also take the pipeline straight
from this file, which trains it on import — that runs this file's code, as
any ``module:attribute`` model does:

    auditkit audit --model examples/tfidf_lr.py:PIPELINE --data sample_data/reviews_test.csv --out runs/tfidf-lr
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TRAIN = Path(__file__).resolve().parents[1] / "sample_data" / "reviews_train.csv"


def train(data: str | Path = TRAIN, *, text_col: str = "text", label_col: str = "label", seed: int = 0):
    """The fitted pipeline (``predict_proba`` and ``classes_``, as auditkit's module:attribute kind takes it)."""
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    frame = pd.read_csv(data)
    pipeline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                             LogisticRegression(C=4.0, max_iter=2000, random_state=seed))
    return pipeline.fit(frame[text_col].astype(str).tolist(), frame[label_col].astype(str).tolist())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(TRAIN))
    parser.add_argument("--out", required=True, help="the .skops file to write")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    args = parser.parse_args(argv)
    import skops.io as sio

    pipeline = train(args.data, text_col=args.text_col, label_col=args.label_col)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(out.name + ".tmp")
    sio.dump(pipeline, staging)
    staging.replace(out)
    print(f"saved {out} (classes: {', '.join(map(str, pipeline.classes_))})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
else:  # imported as module:attribute — train on the sample data (a second or so)
    PIPELINE = train()
