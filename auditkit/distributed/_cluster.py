"""Import Ray and connect to a cluster (or start a local one), failing fast with one line."""

from __future__ import annotations

import logging
import socket

from auditkit.errors import ConfigError

DISTRIBUTED_EXTRA_MISSING = (
    "the Ray engine needs Ray Data, which is not installed; install the optional extra: "
    "pip install -e '.[distributed]' (or pip install 'ray[data]')"
)
_PROBE_TIMEOUT_S = 3.0


def import_ray():
    """Return the ``ray`` module, or raise :class:`ConfigError` naming the ``[distributed]`` extra."""
    try:
        import ray
        import ray.data  # noqa: F401  (ray without the [data] extra lacks its dependencies)
    except ImportError:
        raise ConfigError(DISTRIBUTED_EXTRA_MISSING) from None
    _quiet_console(logging.getLogger("ray.data"))
    return ray


def _quiet_console(logger: logging.Logger) -> None:
    """Ray Data's INFO lines (execution plans, timings) stay in its session log, off the terminal.

    auditkit prints its own progress per stage; Ray's warnings and errors still reach the terminal.
    """
    for handler in logger.handlers:
        on_terminal = isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
        if on_terminal and handler.level < logging.WARNING:
            handler.setLevel(logging.WARNING)


def ordered_context(*, progress: bool = False):
    """Ray Data's context set for auditkit: rows keep their order (results are matched by position)."""
    ray = import_ray()
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = progress
    if not progress:  # off on purpose (auditkit shows its own): spare the user Ray's one-time note about it
        from ray.util.debug import log_once

        log_once("ray_data_progress_manager_disabled")
    return context


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port`` or ``ray://host:port``; None for ``auto`` and the like."""
    rest = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return None
    return host.strip("[]"), int(port)


# An HTTP/2 client's connection preface and an empty SETTINGS frame (RFC 9113, section 3.4): a gRPC server (Ray's GCS,
# Ray client server) answers with its own SETTINGS frame; anything else (an HTTP/1 server, a database) does not.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
_SETTINGS_FRAME = 0x04


def _not_grpc(target: tuple[str, int]) -> str | None:
    """Why ``target`` cannot be a Ray head (None when it answers as a gRPC server would), within a few seconds.

    Ray's own client retries an address that does not speak its protocol for minutes, writing its C++ log to the
    terminal; one exchange of HTTP/2 prefaces tells in a moment.
    """
    try:
        sock = socket.create_connection(target, timeout=_PROBE_TIMEOUT_S)
    except socket.timeout:
        return f"no answer within {_PROBE_TIMEOUT_S:g} s"
    except OSError as exc:
        return exc.strerror or str(exc)
    try:
        with sock:
            sock.settimeout(_PROBE_TIMEOUT_S)
            sock.sendall(_HTTP2_PREFACE)
            head = b""
            while len(head) < 9:
                chunk = sock.recv(9 - len(head))
                if not chunk:
                    break
                head += chunk
    except socket.timeout:
        return "it accepts connections but does not answer as a Ray head node"
    except OSError as exc:
        return exc.strerror or str(exc)
    if len(head) < 9 or head[3] != _SETTINGS_FRAME:
        return "something listens there, but not a Ray head node (no gRPC server)"
    return None


def connect(address: str | None = None, *, num_cpus: int | None = None) -> dict:
    """Connect to the Ray cluster at ``address``, or start a local Ray when it is None.

    Parameters
    ----------
    address : str, optional
        ``auto`` (the cluster ``ray start`` started on this machine),
        ``HOST:PORT`` of a head node's GCS, or ``ray://HOST:PORT`` (Ray
        client). A host that does not answer is reported within seconds.
    num_cpus : int, optional
        CPUs for a local Ray (default: all of this machine's).

    Returns
    -------
    dict
        The cluster's resources, e.g. ``{"CPU": 8.0, "GPU": 1.0}``.

    Raises
    ------
    ConfigError
        Ray missing, or no cluster at ``address``; one line, with the fix.
    """
    ray = import_ray()
    fix = "start one with `ray start --head` (then connect with address auto) or give the head node's HOST:PORT as address"
    if address is not None:
        target = _host_port(address)
        if target is None and address != "auto":
            raise ConfigError(f"address {address!r} names no Ray cluster; write auto, HOST:PORT or ray://HOST:PORT",
                              parameter="address")
        if target is not None:
            problem = _not_grpc(target)
            if problem:
                raise ConfigError(f"cannot reach a Ray cluster at {address!r} ({problem}); {fix}", parameter="address")
    if ray.is_initialized():
        return dict(ray.cluster_resources())
    kwargs = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if address == "auto" and "Could not find any running Ray instance" in first:
            first = "no Ray runs on this machine"  # Ray's own wording names its CLI's flags, not auditkit's
        where = f"at {address!r}" if address else "on this machine"
        raise ConfigError(f"cannot connect to a Ray cluster {where} ({first}); {fix}", parameter="address") from None
    return dict(ray.cluster_resources())
