"""Start ``tests/serve_model.py`` in a subprocess on 127.0.0.1 and stop it by its pid (importable as ``served``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

SERVER = Path(__file__).resolve().parent / "serve_model.py"


def save_tiny_model(out: Path, *, seed: int = 0) -> Path:
    """A tiny random classifier (tests/tiny_models.py) saved as a checkpoint folder, for a server to load."""
    from tiny_models import build_tiny_classifier

    clf = build_tiny_classifier(seed=seed)
    clf.model.save_pretrained(out)
    clf.tokenizer.save_pretrained(out)
    return out


class Server:
    """A running test server: ``base`` (http://127.0.0.1:PORT), ``v2`` (its OIP infer URL), ``inputs``, ``pid``."""

    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.port, self.pid = proc, port, proc.pid
        self.base = f"http://127.0.0.1:{port}"
        self.v2 = f"{self.base}/v2/models/m/infer"
        self.inputs = f"{self.base}/predict"

    def fault(self, name: str, *, after: int = 0) -> "Server":
        """Switch the running server to ``name`` after ``after`` more infer requests (``none``: serve well)."""
        import json
        import urllib.request

        request = urllib.request.Request(f"{self.base}/control", data=json.dumps({"fault": name, "after": after}).encode(),
                                         method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
        return self

    def stop(self) -> None:
        """Kill the server by its pid and reap it."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


@contextmanager
def serve(model_dir, *, fault: str = "none", after: int = 0, token_env: str | None = None, env: dict | None = None,
          port: int = 0, threads: int = 1):
    """A server for ``model_dir`` (a saved checkpoint) with ``fault`` after ``after`` infer requests."""
    args = [sys.executable, str(SERVER), str(model_dir), "--fault", fault, "--after", str(after), "--port", str(port),
            "--threads", str(threads)]
    if token_env:
        args += ["--token-env", token_env]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **(env or {})}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        line = proc.stdout.readline()  # blocks until the server is listening (or has died)
        if not line.startswith("PORT "):
            proc.wait(timeout=30)
            raise RuntimeError(f"the test server did not start: {line!r} {proc.stderr.read()[-2000:]}")
        server = Server(proc, int(line.split()[1]))
        yield server
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
