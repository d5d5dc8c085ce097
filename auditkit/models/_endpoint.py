"""A classifier served over HTTP: the Open Inference Protocol v2, or ``{"inputs": [...]}``.

Two request forms (``endpoint_format``):

``v2``
    The Open Inference Protocol (KServe, Triton, Seldon MLServer):
    ``POST .../v2/models/NAME/infer`` with one BYTES input of the texts; the
    answer's first numeric output is read as probabilities of shape
    (texts, labels). The labels come from ``labels=`` or from the model's
    metadata (``GET .../v2/models/NAME``, ``parameters.labels``).
``inputs``
    ``POST URL`` with ``{"inputs": [texts]}``; the answer is one list of
    ``{"label": ..., "score": ...}`` per text, every label scored, as a
    Hugging Face text-classification server (top_k=None) returns.

Batches of ``batch_size`` texts go out ``concurrency`` at a time, each with
a timeout; 429 and 503 answers are retried with exponential backoff
(``Retry-After`` honoured, up to 30 s). The credential — a header value read
from an environment variable, or the user:password of the URL — is sent and
never stored: the run, every message and ``repr`` show the URL without it.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import socket
import ssl
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from auditkit._text import printable
from auditkit.errors import ModelError
from auditkit.models._blackbox import PROBE_TEXTS, BlackBoxClassifier, batch_name, check_probabilities, progress_bar
from auditkit.models._classifier import Predictions

__all__ = ["EndpointClassifier", "ENDPOINT_FORMATS", "safe_url"]

#: ``--endpoint-format`` choices.
ENDPOINT_FORMATS = ("v2", "inputs")
_RETRY_STATUSES = (429, 503)
_MAX_RETRY_AFTER = 30.0
_REDACTED = "REDACTED"

BAD_SCHEME = ("model URL {url!r}: only http:// and https:// endpoints can be audited (got {scheme}://); "
              "a local model is a directory path")
NO_HOST = "model URL {url!r} has no host; write it as http://HOST:PORT/v2/models/NAME/infer"
NO_TOKEN = ("environment variable {var} (endpoint_auth_env) is not set or empty; export it with the credential "
            "the endpoint expects")


def safe_url(url: str) -> str:
    """``url`` without user:password and with every query value replaced by ``REDACTED`` (safe to store and show)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    query = urlencode([(k, _REDACTED) for k, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _check_url(url: str):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is no number or out of range)
    except ValueError as exc:
        raise ModelError(f"model URL {printable(safe_url_or_scheme(url))!r} is malformed ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ModelError(BAD_SCHEME.format(url=safe_url_or_scheme(url), scheme=parts.scheme))
    if not parts.hostname:
        raise ModelError(NO_HOST.format(url=safe_url(url)))
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise ModelError(f"model URL {safe_url(url)!r} holds spaces or control characters; percent-encode them")
    return parts


def safe_url_or_scheme(url: str) -> str:
    """What a message may show of a URL that may not even parse: its safe form, else its scheme only."""
    try:
        return safe_url(url)
    except ValueError:
        return url.split(":", 1)[0] + ":..."


class _Failure(Exception):
    """One batch failed; ``problem`` says how (no URL, no credential), ``parameter`` the option that may fix it."""

    def __init__(self, problem: str, parameter: str | None = None):
        super().__init__(problem)
        self.problem, self.parameter = problem, parameter


class EndpointClassifier(BlackBoxClassifier):
    """A text classifier behind an HTTP endpoint.

    Parameters
    ----------
    url : str
        ``http(s)://HOST[:PORT]/v2/models/NAME/infer`` (``v2``) or the
        route that takes ``{"inputs": [...]}`` (``inputs``).
    endpoint_format : {"v2", "inputs"}, default "v2"
    labels : sequence of str, optional
        Class names in the order of the endpoint's score columns (``v2``) —
        by default read from the model metadata; for ``inputs``, the order
        of the columns (by default the names the endpoint returns, sorted).
    multi_label : bool, default False
        The endpoint scores each label on its own; rows need not sum to 1.
    concurrency : int, default 4
        Requests in flight at once.
    timeout : float, default 30
        Seconds to wait for one answer.
    retries : int, default 3
        Retries of a batch answered 429 or 503, after 0.5, 1, 2... s.
    auth_env : str, optional
        Environment variable holding the credential, sent as
        ``Authorization: Bearer <value>`` (or as ``auth_header: <value>``).
    auth_header : str, optional
        Send the credential under this header, as is, instead.
    backoff : float, default 0.5
        First retry delay in seconds.
    environ : mapping, optional
        Where ``auth_env`` is read (``os.environ``).
    """

    kind = "endpoint"

    def __init__(self, url: str, *, endpoint_format: str = "v2", labels: Sequence[str] | None = None,
                 multi_label: bool = False, concurrency: int = 4, timeout: float = 30.0, retries: int = 3,
                 auth_env: str | None = None, auth_header: str | None = None, backoff: float = 0.5,
                 environ: Mapping[str, str] | None = None):
        parts = _check_url(url)
        if endpoint_format not in ENDPOINT_FORMATS:
            raise ModelError(f"endpoint_format {endpoint_format!r} is unknown; choose one of {', '.join(ENDPOINT_FORMATS)}",
                             parameter="endpoint_format")
        for name, value, low in (("endpoint_concurrency", concurrency, 1), ("endpoint_retries", retries, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ModelError(f"{name} must be a whole number of at least {low}, got {value!r}", parameter=name)
        if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
            raise ModelError(f"endpoint_timeout must be a number of seconds above 0, got {timeout!r}",
                             parameter="endpoint_timeout")
        if auth_header is not None and auth_env is None:
            raise ModelError("endpoint_auth_header names the header of a credential; pass endpoint_auth_env too",
                             parameter=("endpoint_auth_header", "endpoint_auth_env"))
        self.url = safe_url(url)
        self.endpoint_format = endpoint_format
        self.concurrency, self.timeout, self.retries, self.backoff = concurrency, float(timeout), retries, backoff
        self._https = parts.scheme.lower() == "https"
        self._host, self._port = parts.hostname, parts.port
        self._target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        self._secrets: list[str] = []
        if parts.username is not None or parts.password is not None:
            pair = f"{parts.username or ''}:{parts.password or ''}"
            self._headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
            self._secrets += [s for s in (parts.username, parts.password, pair) if s]
        if auth_env is not None:
            value = (environ if environ is not None else os.environ).get(auth_env, "")
            if not value.strip():
                raise ModelError(NO_TOKEN.format(var=auth_env), parameter="endpoint_auth_env")
            if auth_header is not None:
                if not auth_header.replace("-", "").isalnum():
                    raise ModelError(f"endpoint_auth_header {auth_header!r} is not a header name (letters, digits, -)",
                                     parameter="endpoint_auth_header")
                self._headers[auth_header] = value
            else:
                self._headers["Authorization"] = f"Bearer {value}"
            self._secrets.append(value)
        self._local = threading.local()
        self.version: str | None = None
        self._input_name = "text"
        declared = self._metadata() if endpoint_format == "v2" else {}
        if labels is None:
            labels = declared.get("labels")
        if labels is None and endpoint_format == "v2":
            hint = ("" if parts.path.rstrip("/").endswith("/infer") else
                    "; a v2 URL ends in /v2/models/NAME/infer — for a server taking {\"inputs\": [...]}, pass "
                    "endpoint_format inputs")
            raise ModelError(f"endpoint {self.url} does not declare its labels (model metadata parameters.labels); "
                             f"pass labels naming its score columns in order, e.g. negative,positive{hint}",
                             parameter=("labels", "endpoint_format"))
        self._labels_sorted = labels is None
        super().__init__(labels=labels if labels is not None else self._discover_labels(), multi_label=multi_label,
                         source=self.url, name=self.url)
        self.probe_probabilities  # noqa: B018  (reach the server now: a wrong URL fails before the data is read)

    def __repr__(self) -> str:
        return f"EndpointClassifier({self.url!r}, endpoint_format={self.endpoint_format!r})"

    @property
    def where(self) -> str:
        return f"the endpoint ({self.endpoint_format}, up to {self.concurrency} request(s) in flight)"

    def describe(self) -> dict:
        return {"endpoint": {
            "url": self.url,
            "format": self.endpoint_format,
            "version": self.version,
            "labels_sorted": self._labels_sorted,
            "probe_probabilities": [[round(float(v), 6) for v in row] for row in self.probe_probabilities],
        }}

    # -- prediction -------------------------------------------------------

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool | None = None,
                      first_row: int = 0) -> Predictions:
        """Probabilities of ``texts``: batches of ``batch_size`` sent ``concurrency`` at a time, rows in input order.

        The first batch that fails stops the call: one line naming the
        endpoint, the batch and what was wrong (:class:`ModelError`).
        """
        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        starts = list(range(0, len(texts), batch_size))
        bar = progress_bar(len(texts), progress)

        def one(start: int) -> int:
            batch = texts[start:start + batch_size]
            where = batch_name(f"endpoint {self.url}", first_row + start, len(batch))
            try:
                scores = self._scores(batch)
            except _Failure as failure:
                raise ModelError(f"{where}: {self._clean(failure.problem)}", parameter=failure.parameter) from None
            out[start:start + len(batch)] = check_probabilities(scores, n_texts=len(batch), labels=self.labels,
                                                                multi_label=self.multi_label, where=where,
                                                                first_row=first_row + start)
            return len(batch)

        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(starts))), thread_name_prefix="auditkit-endpoint")
        try:
            futures = [pool.submit(one, s) for s in starts]
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                failed = [f for f in futures if f in done and f.exception() is not None]
                if failed:
                    for f in pending:
                        f.cancel()
                    raise failed[0].exception()
                if bar is not None:
                    bar.update(sum(f.result() for f in done))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
        return Predictions(out, 0)

    def _scores(self, batch: list[str]):
        """The score matrix of one batch, as the endpoint's format gives it (checked by the caller)."""
        if self.endpoint_format == "v2":
            body = {"inputs": [{"name": self._input_name, "shape": [len(batch)], "datatype": "BYTES", "data": batch}]}
            answer = self._request("POST", self._target, body)
            return self._v2_scores(answer, len(batch))
        answer = self._request("POST", self._target, {"inputs": batch})
        return self._inputs_scores(answer)

    def _v2_scores(self, answer, n: int):
        if not isinstance(answer, dict) or not isinstance(answer.get("outputs"), list) or not answer["outputs"]:
            raise _Failure("the answer has no 'outputs' list (an Open Inference Protocol v2 infer response has one); "
                           "if the server takes {\"inputs\": [...]}, pass --endpoint-format inputs")
        version = answer.get("model_version")
        if isinstance(version, str) and version:
            self.version = version
        numeric = [o for o in answer["outputs"] if isinstance(o, dict) and str(o.get("datatype", "")).upper().startswith(("FP", "BF"))]
        if not numeric:
            raise _Failure("no output holds floating-point scores (datatype FP32/FP64); the model must return probabilities")
        output = next((o for o in numeric if str(o.get("name", "")).lower() in ("probabilities", "probs", "scores")), numeric[0])
        data, shape = output.get("data"), output.get("shape")
        if not isinstance(data, list) or not isinstance(shape, list) or not all(isinstance(s, int) for s in shape):
            raise _Failure(f"output {str(output.get('name'))!r} lacks a data list or an integer shape")
        try:
            flat = np.asarray(data, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise _Failure(f"output {str(output.get('name'))!r} holds values that are not numbers") from None
        if int(np.prod(shape)) != flat.size:
            raise _Failure(f"output {str(output.get('name'))!r} has shape {shape} but {flat.size} values")
        if len(shape) == 1 and len(self.labels) == 1:
            shape = shape + [1]
        if len(shape) != 2:
            raise _Failure(f"output {str(output.get('name'))!r} has shape {shape}; expected [texts, labels]")
        return flat.reshape(shape)

    def _inputs_scores(self, answer):
        if isinstance(answer, dict) and "error" in answer:
            raise _Failure(f"the endpoint answered an error: {str(answer['error'])[:200]}")
        if not isinstance(answer, list):
            raise _Failure("the answer is not a list with one row of {label, score} per text")
        rows = []
        known = {name: k for k, name in enumerate(self.labels)}
        for i, row in enumerate(answer):
            if isinstance(row, dict):
                raise _Failure("the answer gives one {label, score} per text (the top label only); make the server "
                               "return every label's score (a pipeline with top_k=None)")
            if not isinstance(row, list) or not all(isinstance(x, dict) for x in row):
                raise _Failure(f"row {i + 1} of the answer is not a list of {{label, score}}")
            scores = np.full(len(self.labels), np.nan)
            for item in row:
                label, score = item.get("label"), item.get("score")
                if str(label) not in known:
                    raise _Failure(f"row {i + 1} scores the label {str(label)!r}, which is not one of the model's labels "
                                   f"({', '.join(map(repr, self.labels))})")
                if isinstance(score, bool) or not isinstance(score, (int, float)):
                    raise _Failure(f"row {i + 1} gives {str(label)!r} the score {score!r}, not a number")
                scores[known[str(label)]] = score
            missing = [self.labels[k] for k in np.flatnonzero(np.isnan(scores))]
            if missing and len(row) < len(self.labels):
                raise _Failure(f"row {i + 1} scores no {', '.join(map(repr, missing))}; every label needs a score")
            rows.append(scores)
        return np.array(rows) if rows else np.zeros((0, len(self.labels)))

    def _discover_labels(self) -> list[str]:
        """An ``inputs`` endpoint's label names, from its answer to the probe set (sorted: the answer's order is by score)."""
        where = f"endpoint {self.url}, batch of the probe set"
        try:
            answer = self._request("POST", self._target, {"inputs": list(PROBE_TEXTS)})
        except _Failure as failure:
            raise ModelError(f"{where}: {self._clean(failure.problem)}") from None
        if not isinstance(answer, list) or not answer or not all(isinstance(r, list) for r in answer):
            raise ModelError(f"{where}: the answer is not one list of {{label, score}} per text; check --endpoint-format")
        names = {str(item.get("label")) for row in answer for item in row if isinstance(item, dict)}
        return sorted(names)

    def _metadata(self) -> dict:
        """The v2 model metadata (``GET`` the URL without ``/infer``): declared labels, input name, version."""
        path = self._target.split("?", 1)[0]
        if not path.rstrip("/").endswith("/infer"):
            return {}
        meta_path = path.rstrip("/")[: -len("/infer")]
        try:
            meta = self._request("GET", meta_path, None)
        except _Failure as failure:
            # a server without the metadata route still serves; a refused credential or connection does not
            if failure.problem.startswith("HTTP 4") and not failure.problem.startswith(("HTTP 401", "HTTP 403")):
                return {}
            raise ModelError(f"endpoint {self.url}, model metadata: {self._clean(failure.problem)}",
                             parameter=failure.parameter) from None
        if not isinstance(meta, dict):
            return {}
        out = {}
        params = meta.get("parameters")
        if isinstance(params, dict) and isinstance(params.get("labels"), list):
            out["labels"] = [str(x) for x in params["labels"]]
        inputs = meta.get("inputs")
        if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict) and isinstance(inputs[0].get("name"), str):
            self._input_name = inputs[0]["name"]
        versions = meta.get("versions")
        if isinstance(versions, list) and versions:
            self.version = str(versions[-1])
        return out

    # -- HTTP ---------------------------------------------------------------

    def _connection(self, fresh: bool = False):
        conn = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            if self._https:
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self.timeout,
                                                   context=ssl.create_default_context())
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _request(self, method: str, path: str, body):
        """The parsed JSON answer; :class:`_Failure` on a refused or timed-out connection, an HTTP error after
        the retries, or a body that is not JSON."""
        payload = None if body is None else json.dumps(body).encode()
        attempt = 0
        while True:
            status, reason, headers, data = self._exchange(method, path, payload)
            if status in _RETRY_STATUSES and attempt < self.retries:
                time.sleep(self._delay(attempt, headers.get("Retry-After")))
                attempt += 1
                continue
            if status != 200:
                tried = f" after {attempt} retr{'y' if attempt == 1 else 'ies'}" if attempt else ""
                snippet = printable(data[:200].decode("utf-8", "replace")).strip()
                raise _Failure(f"HTTP {status} {reason}{tried}" + (f" ({snippet})" if snippet else ""))
            try:
                return json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise _Failure(f"the answer is not valid JSON ({str(exc).splitlines()[0][:120]})") from None

    def _exchange(self, method: str, path: str, payload: bytes | None):
        """One request on this thread's connection (reopened once if the server closed a kept-alive one)."""
        for reuse in (True, False):
            conn = self._connection(fresh=not reuse)
            try:
                conn.request(method, path, body=payload, headers=self._headers)
                response = conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._local.conn = None
                return response.status, response.reason, {k: v for k, v in response.getheaders()}, data
            except ConnectionRefusedError:
                conn.close()
                raise _Failure("connection refused — is the server running at that address?") from None
            except (socket.timeout, TimeoutError):
                conn.close()
                self._local.conn = None
                raise _Failure(f"no answer within {self.timeout:g} s; raise endpoint_timeout if the server is only slow",
                               "endpoint_timeout") from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                conn.close()
                self._local.conn = None
                if not reuse:
                    raise _Failure(f"the server closed the connection without answering ({type(exc).__name__})") from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                raise _Failure(f"the request failed ({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''})") from None
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(_MAX_RETRY_AFTER, max(0.0, float(retry_after)))
            except ValueError:
                pass
        return min(_MAX_RETRY_AFTER, self.backoff * 2 ** attempt)

    def _clean(self, text: str) -> str:
        """``text`` with every credential value replaced (a server may echo a header back)."""
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return text
