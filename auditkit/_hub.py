"""Tell quickly whether the Hugging Face Hub can be reached.

transformers and datasets retry for half a minute before giving up on an
unreachable Hub; a short socket probe lets auditkit say so at once.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

_DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_offline_reason(timeout: float = 3.0) -> str | None:
    """Return why the Hub is unreachable, or ``None`` when it answers."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return "HF_HUB_OFFLINE is set"
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", _DEFAULT_ENDPOINT))
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (443 if endpoint.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port} ({exc.strerror or exc})"
