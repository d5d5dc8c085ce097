"""Log stored runs to MLflow: one MLflow run per auditkit run, found again by its run id.

Params name the model, the data and the audit options; metrics carry the
headline scores with their interval bounds, per-class recall, each bias
attribute's gap with its interval, flip rate and CTF gap, the identity share
and the ECE; tags carry the auditkit run id, each bias verdict and, with a
policy, the gate verdict; artifacts are run.json, the Parquet tables and the
HTML report. Exporting a run again finds the MLflow run tagged with its id
and only refreshes the tags, so nothing is duplicated.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import tempfile
from pathlib import Path
from typing import Iterable
from urllib.parse import urlparse

from auditkit._fs import PATH_PROBLEMS, check_can_write, path_kind
from auditkit.errors import ConfigError, RunStoreError
from auditkit.store import RUN_FILE, Run, read_run
from auditkit.store import sections as S

__all__ = ["MLFLOW_EXTRA", "DEFAULT_EXPERIMENT", "RUN_ID_TAG", "check_tracking_uri", "export_mlflow", "mlflow_values"]

MLFLOW_EXTRA = "pip install -e '.[mlflow]'"
MISSING_MLFLOW = f"MLflow export needs the optional mlflow package; install the extra with: {MLFLOW_EXTRA}"
DEFAULT_EXPERIMENT = "auditkit"
RUN_ID_TAG = "auditkit.run_id"
_CONNECT_TIMEOUT = 3.0
#: Database stores MLflow takes besides SQLite, with their servers' default ports.
_DB_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}
_SQLITE_HEADER = b"SQLite format 3\x00"
_BAD_KEY_CHARS = re.compile(r"[^A-Za-z0-9_\-. /:]")
_PARAM_MAX = 500  # MLflow stores longer values, but a param is a label, not a document


def _require_mlflow() -> None:
    """Fail (one line naming the extra) when mlflow is not installed, without paying for its slow import."""
    if importlib.util.find_spec("mlflow") is None:
        raise ConfigError(MISSING_MLFLOW)


def _import_mlflow():
    try:
        import mlflow  # noqa: F401
        from mlflow import MlflowClient
    except ImportError:
        raise ConfigError(MISSING_MLFLOW) from None
    return MlflowClient


def _key(*parts) -> str:
    """An MLflow metric/param/tag key from run values (class and group names may hold any character)."""
    return ".".join(_BAD_KEY_CHARS.sub("_", str(p)) for p in parts)


def _redacted(uri: str) -> str:
    """``uri`` for a message: a password in it is shown as ***."""
    parsed = urlparse(uri)
    if parsed.password:
        return uri.replace(f":{parsed.password}@", ":***@", 1)
    return uri


def _writable_folder(folder: Path, uri: str) -> None:
    """Refuse a local store folder that cannot be written; nothing is created (MLflow makes it when it logs)."""
    try:
        check_can_write(folder, parameter="tracking_uri")
    except RunStoreError as exc:
        raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r}: {exc}", parameter="tracking_uri") from None


def _reachable(host: str, port: int, uri: str, what: str) -> None:
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise ConfigError(f"cannot reach the MLflow {what} {_redacted(uri)!r} ({exc.strerror or exc}); "
                          "start it, or pass tracking_uri with a reachable server or a local path", parameter="tracking_uri") from None


def _check_database(uri: str, parsed) -> None:
    """A postgresql/mysql/mssql store: its server answers, and SQLAlchemy has the driver the URI names."""
    if parsed.hostname:
        try:
            port = parsed.port
        except ValueError:
            port = None
        _reachable(parsed.hostname, port or _DB_PORTS[parsed.scheme.split("+")[0]], uri, "database server")
    try:
        from sqlalchemy.engine import make_url

        make_url(uri).get_dialect().import_dbapi()
    except ImportError as exc:
        raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r} needs a database driver that is not installed "
                          f"({getattr(exc, 'name', None) or exc}); install it, or pass tracking_uri sqlite:///PATH/mlflow.db",
                          parameter="tracking_uri") from None
    except Exception as exc:  # sqlalchemy's own errors for a URI it cannot parse
        raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r} is not a database URL SQLAlchemy reads ({type(exc).__name__}); "
                          "write it as DIALECT://USER:PASSWORD@HOST:PORT/DATABASE", parameter="tracking_uri") from None


def _check_sqlite(uri: str) -> None:
    """``sqlite:///RELATIVE.db`` or ``sqlite:////ABSOLUTE.db`` (or in memory); an existing file must be a database."""
    if uri in ("sqlite://", "sqlite:///:memory:"):
        return
    if not uri.startswith("sqlite:///") or uri == "sqlite:///":
        raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r} names no database file; write sqlite:///RELATIVE/PATH.db or "
                          "sqlite:////ABSOLUTE/PATH.db (three or four slashes)", parameter="tracking_uri")
    path = Path(uri[len("sqlite:///"):])
    kind = path_kind(path)
    if kind == "file":
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r}: cannot read {str(path)!r} ({exc.strerror or exc})",
                              parameter="tracking_uri") from None
        if head and head != _SQLITE_HEADER:
            raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r}: {str(path)!r} is not an SQLite database; pass a new file "
                              "name or an MLflow database", parameter="tracking_uri")
        if not os.access(path, os.W_OK):
            raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r}: {str(path)!r} is read-only for this user",
                              parameter="tracking_uri")
    elif kind == "missing":
        _writable_folder(path.absolute().parent, uri)
    else:
        what = "is a directory" if kind == "directory" else PATH_PROBLEMS[kind]
        raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r}: {str(path)!r} {what}, not an SQLite database file",
                          parameter="tracking_uri")


def _file_store_refused() -> bool:
    """Whether this MLflow refuses its old file store (3.13 and later, unless MLFLOW_ALLOW_FILE_STORE is true)."""
    from importlib.metadata import PackageNotFoundError, version

    if os.environ.get("MLFLOW_ALLOW_FILE_STORE", "").strip().lower() in ("true", "1"):
        return False
    try:
        major, minor = (int(part) for part in re.findall(r"\d+", version("mlflow"))[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (3, 13)


def check_tracking_uri(uri: str | None) -> str:
    """Resolve ``uri`` (None: ``MLFLOW_TRACKING_URI``, else MLflow's default) and fail fast when it cannot be used.

    A server that does not answer within a few seconds (an ``http(s)://``
    tracking server or a postgresql/mysql/mssql database), a database URI
    whose driver is missing, an ``sqlite:`` URI that names no file or names
    a file that is not a database, a local store whose folder cannot be
    written, or the old file store of an MLflow that refuses it, raises
    :class:`ConfigError` (one line) before anything is logged or created;
    MLflow's own client would retry for minutes or fail with a traceback.
    """
    _require_mlflow()
    if uri is None:
        import mlflow

        uri = mlflow.get_tracking_uri()
    uri = str(uri)
    parsed = urlparse(uri)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        try:
            port = parsed.port
        except ValueError:
            raise ConfigError(f"MLflow tracking URI {_redacted(uri)!r} has a port that is not a number", parameter="tracking_uri") from None
        _reachable(parsed.hostname or "", port or (443 if scheme == "https" else 80), uri, "tracking server")
    elif scheme.split("+")[0] in _DB_PORTS:
        _check_database(uri, parsed)
    elif scheme == "sqlite":
        _check_sqlite(uri)
    elif scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        if _file_store_refused():
            raise ConfigError(f"MLflow refuses the file store {_redacted(uri)!r} (maintenance mode since MLflow 3.13); pass "
                              "tracking_uri sqlite:///PATH/mlflow.db, or set MLFLOW_ALLOW_FILE_STORE=true",
                              parameter="tracking_uri")
        _writable_folder(Path(parsed.path if scheme == "file" else uri).absolute(), uri)
    return uri


def mlflow_values(run: Run) -> tuple[dict, dict, dict]:
    """(params, metrics, tags) of a stored run, as they are logged to MLflow."""
    record = run.record
    model, ds = record.get("model") or {}, record.get("dataset") or {}
    params = {
        "model.name": model.get("name"), "model.source": model.get("source"),
        "model.fingerprint": model.get("fingerprint"), "model.labels": ",".join(map(str, model.get("labels") or [])),
        "dataset.source": ds.get("source"), "dataset.fingerprint": ds.get("fingerprint"),
        "dataset.n_examples": ds.get("n_examples"), "dataset.group_cols": ",".join(map(str, ds.get("group_cols") or [])),
    }
    for name, value in (record.get("options") or {}).items():
        params[_key("options", name)] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value
    bias = S.section(run, "bias")
    if bias is not None:
        params["bias.target_label"] = bias.get("target_label")
    params = {_key(k): str(v)[:_PARAM_MAX] for k, v in params.items() if v is not None and v != ""}

    metrics: dict[str, float] = {}

    def put(key, value):
        value = S.finite(value)
        if value is not None:
            metrics[key] = value

    for name in S.headline_metrics(run):
        m = S.metric(run, name)
        put(name, m["value"])
        put(f"{name}.ci_low", m["ci_low"])
        put(f"{name}.ci_high", m["ci_high"])
    section = S.section(run, "metrics") or {}
    put("roc_auc", section.get("roc_auc"))
    put("ece", section.get("ece"))
    for label, scores in (S.per_label(run) if S.multi_label(run) else S.per_class(run)).items():
        put(_key("recall", label), scores.get("recall"))
    tags = {"mlflow.runName": run.name, RUN_ID_TAG: run.run_id, "auditkit.created_at": str(record.get("created_at"))}
    for attr, entry in S.bias_attributes(run).items():
        scopes = [(("bias", attr), entry)]
        scopes += [(("bias", attr, fam), f) for fam, f in (entry.get("families") or {}).items() if isinstance(f, dict)]
        for parts, e in scopes:
            for stat in ("gap", "ci_low", "ci_high", "p_value_holm", "p_value_equivalence", "flip_rate", "ctf_gap",
                         "placebo_flip_rate"):
                put(_key(*parts, stat), e.get(stat))
            if e.get("verdict") is not None:
                tags[_key(*parts, "verdict")] = str(e["verdict"])
    att = S.section(run, "attributions")
    if att is not None:
        put("identity_share", att.get("identity_share"))
    return params, metrics, {k: v for k, v in tags.items() if v is not None}


def _artifacts(run: Run, folder: Path) -> list[Path]:
    """run.json, the Parquet tables and a freshly rendered report.html."""
    from auditkit.report import render_report

    files = [run.path / RUN_FILE] + sorted(run.path.glob("*.parquet"))
    report = folder / "report.html"
    report.write_text(render_report(run, format="html"), encoding="utf-8")
    return files + [report]


def _artifact_location(uri: str) -> str | None:
    """Artifacts of a local SQLite store go beside the database, not into the current folder (MLflow's default)."""
    if uri.startswith("sqlite:///") and uri[len("sqlite:///"):] not in ("", ":memory:"):
        return (Path(uri[len("sqlite:///"):]).absolute().parent / "mlartifacts").as_uri()
    return None


def _existing(client, experiment_id: str, run: Run):
    found = client.search_runs([experiment_id], filter_string=f"tags.`{RUN_ID_TAG}` = '{run.run_id}'",
                               max_results=10)
    complete = [r for r in found if r.info.status == "FINISHED"]
    for stale in (r for r in found if r.info.status != "FINISHED"):  # an export killed half-way: start again
        client.delete_run(stale.info.run_id)
    return complete[0] if complete else None


def _export_one(client, experiment_id: str, run: Run, extra_tags: dict) -> str:
    from mlflow.entities import Metric, Param, RunTag

    params, metrics, tags = mlflow_values(run)
    tags.update(extra_tags)
    existing = _existing(client, experiment_id, run)
    if existing is not None:  # idempotent: the numbers of a stored run never change, only tags (a new gate) may
        client.log_batch(existing.info.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])
        return existing.info.run_id
    created = client.create_run(experiment_id, tags={RUN_ID_TAG: run.run_id}, run_name=run.name)
    run_id = created.info.run_id
    try:
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, created.info.start_time, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, str(v)) for k, v in tags.items()],
        )
        with tempfile.TemporaryDirectory(prefix="auditkit-mlflow-") as tmp:
            for path in _artifacts(run, Path(tmp)):
                client.log_artifact(run_id, str(path))
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status="FINISHED")
    return run_id


def export_mlflow(runs: Iterable, *, tracking_uri: str | None = None, experiment: str = DEFAULT_EXPERIMENT,
                  policy=None, baseline=None) -> list[str]:
    """Log stored runs to MLflow, one MLflow run each; return their MLflow run ids.

    Parameters
    ----------
    runs : iterable of Run or path
    tracking_uri : str, optional
        Where to log: a local folder or ``file:`` URI, ``sqlite:///PATH``, or
        an ``http(s)://`` tracking server. Default: ``MLFLOW_TRACKING_URI``,
        else MLflow's own default.
    experiment : str, default "auditkit"
        MLflow experiment, created when missing.
    policy : Policy, dict or path, optional
        Evaluate the release gate and tag each run with its verdict.
    baseline : Run or path, optional
        Baseline for the policy's ``no_regression`` check.

    Raises
    ------
    ConfigError
        mlflow is not installed, or the tracking URI cannot be reached.
    RunStoreError
        A run is missing or malformed, or MLflow refuses what is logged.
    """
    _require_mlflow()
    runs = [r if isinstance(r, Run) else read_run(r) for r in runs]
    uri = check_tracking_uri(tracking_uri)  # before importing mlflow, which takes seconds
    client_class = _import_mlflow()
    gate_tags = {}
    if policy is not None:
        from auditkit.gate import evaluate_gate

        for run in runs:
            result = evaluate_gate(run, policy, baseline=baseline)
            gate_tags[run.run_id] = {"auditkit.gate.verdict": "passed" if result.passed else "failed",
                                     "auditkit.gate.policy": str(result.to_dict().get("policy")),
                                     "auditkit.gate.failed_checks": ",".join(c.name for c in result.failures) or "none"}
    from mlflow.exceptions import MlflowException

    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # pragma: no cover - sqlalchemy comes with mlflow
        SQLAlchemyError = MlflowException
    try:
        client = client_class(tracking_uri=uri)
        found = client.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found is not None else client.create_experiment(
            experiment, artifact_location=_artifact_location(uri))
        return [_export_one(client, experiment_id, run, gate_tags.get(run.run_id, {})) for run in runs]
    except MlflowException as exc:
        message = " ".join(str(getattr(exc, "message", exc)).split())
        if "filesystem tracking backend" in message:
            raise ConfigError(f"MLflow refuses the file store {_redacted(uri)!r} (maintenance mode since MLflow 3.13); pass "
                              "tracking_uri sqlite:///PATH/mlflow.db, or set MLFLOW_ALLOW_FILE_STORE=true",
                              parameter="tracking_uri") from None
        raise RunStoreError(f"MLflow at {_redacted(uri)!r} refused the export: {message[:200]}") from None
    except SQLAlchemyError as exc:  # a database store that fails under MLflow (locked, corrupt, refused login)
        message = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise RunStoreError(f"MLflow's database at {_redacted(uri)!r} failed: {message[:200]}; check the tracking URI",
                            parameter="tracking_uri") from None
