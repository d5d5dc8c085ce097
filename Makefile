# auditkit — set up, test, demo.  Every target creates .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.auditkit-installed
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

# Demo settings (override on the command line: make demo EPOCHS=3 PORT=8600)
EPOCHS ?= 2
LR     ?= 1e-4
PORT   ?= 8501
TRAIN  := sample_data/reviews_train.csv
TEST   := sample_data/reviews_test.csv
POLICY := policy.example.toml

.PHONY: setup test test-fast smoke docs schema demo demo-runs demo-emotion demo-emotion-runs dashboard bench clean

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "auditkit needs Python 3.11 or newer, $(PYTHON) is " + sys.version.split()[0] + "; run make with PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU wheel of torch first: a bare "torch" requirement can pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,distributed,mlflow,sklearn,openvino]'
	touch $(STAMP)

setup: $(STAMP)

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not integration and not browser"

# Build the sdist and the wheel, install the wheel (not editable) in a fresh venv outside the checkout, and run
# train -> audit -> report -> gate -> dashboard health check from there (CI runs it after make test)
smoke: setup
	bash .ci/smoke_wheel.sh

# Regenerate docs/run.schema.json and the run contract in docs/ARCHITECTURE.md from auditkit/store/schema.py
schema: setup
	$(BIN)/python -c "from auditkit.store.schema import write_docs; write_docs()"

# --- the demo: two fine-tuned models, two audited runs, two gate verdicts, one dashboard ---
models/baseline/training.json: $(STAMP) $(TRAIN)
	@echo "== [train] fine-tuning the embedded MiniLM on $(TRAIN) -> models/baseline"
	$(BIN)/auditkit train --data $(TRAIN) --base minilm --epochs $(EPOCHS) --learning-rate $(LR) --out models/baseline --overwrite

models/augmented/training.json: $(STAMP) $(TRAIN)
	@echo "== [train] fine-tuning with counterfactual augmentation (mitigated) -> models/augmented"
	$(BIN)/auditkit train --data $(TRAIN) --base minilm --epochs $(EPOCHS) --learning-rate $(LR) --augment counterfactual --out models/augmented --overwrite

# a TF-IDF + logistic regression baseline (scikit-learn, saved with skops): what the transformer has to beat
models/tfidf-lr.skops: $(STAMP) $(TRAIN) examples/tfidf_lr.py
	@echo "== [train] TF-IDF + logistic regression on $(TRAIN) -> models/tfidf-lr.skops"
	$(BIN)/python examples/tfidf_lr.py --data $(TRAIN) --out models/tfidf-lr.skops

runs/tfidf-lr/run.json: models/tfidf-lr.skops
	@echo "== [audit] models/tfidf-lr.skops on $(TEST): the same audit, word-perturbation attributions -> runs/tfidf-lr"
	$(BIN)/auditkit audit --model models/tfidf-lr.skops --data $(TEST) --group-col gender_mention --out runs/tfidf-lr --overwrite

runs/%/run.json: models/%/training.json
	@echo "== [audit] models/$* on $(TEST): metrics, bias probes, attributions -> runs/$*"
	$(BIN)/auditkit audit --model models/$* --data $(TEST) --group-col gender_mention --out runs/$* --overwrite

demo-runs: runs/baseline/run.json runs/augmented/run.json runs/tfidf-lr/run.json
	@echo "== [gate] the runs against $(POLICY) (the augmented one and the TF-IDF baseline also against the baseline)"
	@$(BIN)/auditkit gate runs/baseline --policy $(POLICY) || echo "== gate: runs/baseline does not pass (exit $$?); the failing checks are above"
	@$(BIN)/auditkit gate runs/augmented --policy $(POLICY) --baseline runs/baseline || echo "== gate: runs/augmented does not pass (exit $$?); the failing checks are above"
	@$(BIN)/auditkit gate runs/tfidf-lr --policy $(POLICY) --baseline runs/baseline || echo "== gate: runs/tfidf-lr does not pass (exit $$?); the failing checks are above"

demo: demo-runs
	@echo "== [compare] augmented and the TF-IDF + LR baseline vs baseline"
	$(BIN)/auditkit compare runs/baseline runs/augmented runs/tfidf-lr
	@echo "== [dashboard] http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(BIN)/auditkit dashboard --runs runs --port $(PORT)

# --- the emotion demo: a 4-class model trained on data where anger co-occurs with women (sample_data/emotion) ---
EMO_TRAIN := sample_data/emotion/emotion_train.csv
EMO_TEST  := sample_data/emotion/emotion_test.csv

models/emotion/training.json: $(STAMP) $(EMO_TRAIN)
	@echo "== [train] fine-tuning the embedded MiniLM on $(EMO_TRAIN) (anger, fear, joy, sadness) -> models/emotion"
	$(BIN)/auditkit train --data $(EMO_TRAIN) --base minilm --epochs $(EPOCHS) --learning-rate $(LR) --out models/emotion --overwrite

runs/emotion/run.json: models/emotion/training.json
	@echo "== [audit] models/emotion on $(EMO_TEST): metrics, every class probed for gender and race (one Holm correction), attributions -> runs/emotion"
	$(BIN)/auditkit audit --model models/emotion --data $(EMO_TEST) --group-col gender_mention --out runs/emotion --overwrite

demo-emotion-runs: runs/emotion/run.json
	@echo "== [gate] runs/emotion against $(POLICY)"
	@$(BIN)/auditkit gate runs/emotion --policy $(POLICY) || echo "== gate: runs/emotion does not pass (exit $$?); the failing checks are above"

demo-emotion: demo-emotion-runs
	@echo "== [report] runs/emotion -> runs/emotion/report.md"
	$(BIN)/auditkit report runs/emotion --format md --out runs/emotion/report.md
	@echo "== [dashboard] http://127.0.0.1:$(PORT) — open runs/emotion; the Bias page has a class picker (Ctrl-C to stop)"
	$(BIN)/auditkit dashboard --runs runs --port $(PORT)

dashboard: setup
	$(BIN)/auditkit dashboard --runs runs --port $(PORT)

bench: setup
	$(BIN)/python bench/predict.py
	$(BIN)/python bench/probes.py models/baseline
	$(BIN)/python bench/attribute.py models/baseline
	$(BIN)/python bench/endpoint.py --model models/baseline

clean:
	rm -rf models runs reports test-artifacts .pytest_cache
