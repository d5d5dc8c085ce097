"""Run ``auditkit`` and stop, deterministically, inside one audit stage — for the fault test.

    python _pause_at.py STAGE auditkit-args...

When the audit enters STAGE this prints ``PAUSED <stage>`` on stdout and
waits for a signal; the test then kills the process there. Stages: predict,
metrics, probes, attributions, write (inside the staging folder, tables
written, run.json not yet), swap (the old run moved into the staging folder, the
new one not yet in place; needs --overwrite). Only this test helper patches anything.
"""

from __future__ import annotations

import os
import signal
import sys
import time


def _pause(stage: str) -> None:
    print(f"PAUSED {stage}", flush=True)
    while True:  # the test kills us here; a handled signal (SIGTERM) unwinds from inside this loop
        signal.pause()
        time.sleep(0.01)


def _pausing(stage: str, fn):
    def wrapper(*args, **kwargs):
        _pause(stage)
        return fn(*args, **kwargs)

    return wrapper


def install(stage: str) -> None:
    import auditkit.attribution
    import auditkit.audit._runner as runner
    import auditkit.models._classifier as classifier
    import auditkit.probes
    import auditkit.store._run as store

    if stage == "predict":
        classifier.TextClassifier.predict_proba = _pausing(stage, classifier.TextClassifier.predict_proba)
    elif stage == "metrics":
        runner.evaluate_predictions = _pausing(stage, runner.evaluate_predictions)
    elif stage == "probes":
        auditkit.probes.run_probes = _pausing(stage, auditkit.probes.run_probes)
    elif stage == "attributions":
        auditkit.attribution.audit_attributions = _pausing(stage, auditkit.attribution.audit_attributions)
    elif stage == "write":
        store.to_jsonable = _pausing(stage, store.to_jsonable)
    elif stage == "swap":
        rename = os.rename

        def pausing_rename(src, dst):
            rename(src, dst)
            if os.path.basename(os.fspath(dst)) == "old":  # the replaced run, moved into the staging folder
                _pause(stage)

        os.rename = pausing_rename
    else:
        raise SystemExit(f"unknown stage {stage!r}")


if __name__ == "__main__":
    install(sys.argv[1])
    from auditkit.cli import main

    sys.exit(main(sys.argv[2:]))
