"""A real HTTP inference server for tests: a saved checkpoint behind the Open Inference Protocol v2 and ``{"inputs"}``.

    python tests/serve_model.py MODEL_DIR [--fault NAME] [--after K] [--token-env VAR] [--port P]

Binds 127.0.0.1 on a free port, prints ``PORT <n>`` and serves (stdlib
``ThreadingHTTPServer``, one thread per connection) until killed:

- ``GET /v2/models/m`` — model metadata, the labels in ``parameters.labels``;
- ``POST /v2/models/m/infer`` — probabilities, FP32 ``[texts, labels]``;
- ``POST /predict`` — one list of ``{"label", "score"}`` per text, highest first.

``--fault`` makes every answer after the first ``--after`` infer requests
wrong in one way (the tests check auditkit's one-line refusal of each):
malformed-json, wrong-rows, unknown-label, bad-sum, nan, slow, always-503,
503-then-ok (answers 503 with Retry-After 0 that many times, then serves),
die (the process exits: a server killed mid-audit), echo-auth (an error
that echoes the request's Authorization header). ``POST /control`` with
``{"fault": NAME, "after": K}`` switches the fault of a running server (and
restarts the count). With ``--token-env`` a request without
``Authorization: Bearer $VAR`` gets 401.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--fault", default="none")
    parser.add_argument("--after", type=int, default=0, help="infer requests served correctly before the fault")
    parser.add_argument("--token-env", default=None)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from auditkit.models import load_classifier

    classifier = load_classifier(args.model, device="cpu")
    labels = classifier.labels
    token = os.environ.get(args.token_env, "") if args.token_env else None
    lock = threading.Lock()
    state = {"served": 0}

    def predict(texts):
        with lock:  # one forward pass at a time: torch threads are the parallelism
            return classifier.predict_proba(texts, batch_size=max(1, len(texts)), progress=False).probabilities

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet
            pass

        def _send(self, status, body, headers=None):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if token is None:
                return True
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._send(401, {"error": "missing or wrong credential"})
                return False
            return True

        def do_GET(self):
            if not self._authorised():
                return
            if self.path.split("?", 1)[0].rstrip("/") == "/v2/models/m":
                self._send(200, {"name": "m", "versions": ["7"], "platform": "auditkit-test",
                                 "inputs": [{"name": "text", "datatype": "BYTES", "shape": [-1]}],
                                 "outputs": [{"name": "probabilities", "datatype": "FP32", "shape": [-1, len(labels)]}],
                                 "parameters": {"labels": labels}})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/control":  # the tests switch the fault of a running server: one start serves many cases
                control = json.loads(body)
                with lock:
                    args.fault, args.after, state["served"] = control["fault"], control["after"], 0
                return self._send(200, {"fault": args.fault})
            if not self._authorised():
                return
            with lock:
                state["served"] += 1
                number = state["served"]
            faulty = number > args.after and args.fault != "none"
            if faulty and args.fault == "die":
                os._exit(17)
            if faulty and args.fault == "slow":
                time.sleep(5)
            if faulty and args.fault == "always-503":
                return self._send(503, {"error": "overloaded"}, {"Retry-After": "0"})
            if args.fault == "503-then-ok" and number <= args.after:
                return self._send(503, {"error": "overloaded"}, {"Retry-After": "0"})
            if faulty and args.fault == "echo-auth":
                return self._send(500, f"bad request with {self.headers.get('Authorization')}".encode())
            if faulty and args.fault == "malformed-json":
                return self._send(200, b'{"outputs": [')
            request = json.loads(body)
            path = self.path.split("?", 1)[0]
            if path == "/v2/models/m/infer":
                texts = request["inputs"][0]["data"]
            elif path == "/predict":
                texts = request["inputs"]
            else:
                return self._send(404, {"error": "not found"})
            probs = np.asarray(predict(texts), dtype=np.float32)
            faulty = faulty and args.fault != "503-then-ok"
            if faulty and args.fault == "wrong-rows":
                probs = probs[:-1]
            if faulty and args.fault == "bad-sum":
                probs = probs * 0.5
            if faulty and args.fault == "nan":
                probs[0, 0] = np.nan
            names = list(labels)
            if faulty and args.fault == "unknown-label":
                names[-1] = "surprise"
            if path == "/v2/models/m/infer":
                data = [None if np.isnan(v) else float(v) for v in probs.reshape(-1)]
                self._send(200, {"model_name": "m", "model_version": "7",
                                 "outputs": [{"name": "probabilities", "datatype": "FP32",
                                              "shape": list(probs.shape), "data": data}]})
            else:
                rows = [sorted(({"label": n, "score": None if np.isnan(v) else float(v)} for n, v in zip(names, row)),
                               key=lambda d: -(d["score"] or 0)) for row in probs]
                self._send(200, rows)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
