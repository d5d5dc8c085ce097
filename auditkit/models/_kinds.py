"""Which model kind a ``--model`` string names, and loading it: the one place that decides.

Each kind is a :class:`ModelKind` — how its ``--model`` string looks, the
loader, and the options it takes — in :data:`MODEL_KINDS`, tried in order.
:func:`load_model` picks the first kind whose form matches, refuses an
option that belongs to another kind (``candidate_labels`` for an endpoint),
and loads. A new kind is a new entry here, not a branch elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from auditkit.errors import ModelError
from auditkit.models._protocol import Classifier

__all__ = ["ModelKind", "MODEL_KINDS", "load_model", "model_kind"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@dataclass(frozen=True)
class ModelKind:
    """One kind of model ``--model`` can name.

    Attributes
    ----------
    name : str
        ``model.kind`` in the run record.
    form : str
        How ``--model`` is written for it, for help and errors.
    matches : callable
        ``spec -> bool``.
    load : callable
        ``(spec, **options) -> Classifier``.
    options : tuple of str
        The keyword options it takes; any other given option is refused.
    """

    name: str
    form: str
    matches: Callable[[str], bool]
    load: Callable[..., Classifier]
    options: tuple[str, ...]


def _load_transformers(spec, *, trust_remote_code=False, device=None, max_length=None, precision=None):
    from auditkit.models._loading import load_classifier

    return load_classifier(spec, trust_remote_code=bool(trust_remote_code), device=device, max_length=max_length,
                           precision=precision or "fp32")


def _load_endpoint(spec, *, endpoint_format=None, labels=None, multi_label=False, endpoint_concurrency=None,
                   endpoint_timeout=None, endpoint_retries=None, endpoint_auth_env=None, endpoint_auth_header=None):
    from auditkit.models._endpoint import EndpointClassifier

    given = {"concurrency": endpoint_concurrency, "timeout": endpoint_timeout, "retries": endpoint_retries}
    return EndpointClassifier(spec, endpoint_format=endpoint_format or "v2", labels=labels, multi_label=bool(multi_label),
                              auth_env=endpoint_auth_env, auth_header=endpoint_auth_header,
                              **{k: v for k, v in given.items() if v is not None})


def _load_python(spec, *, labels=None, multi_label=False):
    from auditkit.models._python import load_python_model

    return load_python_model(spec, labels=labels, multi_label=bool(multi_label))


def _load_skops(spec, *, labels=None, multi_label=False):
    from auditkit.models._python import PICKLE_REFUSED, PICKLE_SUFFIXES, load_skops_model

    if spec.lower().endswith(PICKLE_SUFFIXES):
        raise ModelError(PICKLE_REFUSED.format(path=spec))
    return load_skops_model(spec, labels=labels, multi_label=bool(multi_label))


def _load_zero_shot(spec, *, candidate_labels=None, hypothesis_template=None, multi_label=False,
                    trust_remote_code=False, device=None, max_length=None):
    from auditkit.models._loading import load_classifier
    from auditkit.models._zero_shot import NO_CANDIDATES, ZERO_SHOT_PREFIX, ZeroShotClassifier

    backbone = spec[len(ZERO_SHOT_PREFIX):]
    if not backbone.strip():
        raise ModelError(f"{spec!r} names no model; write zero-shot:MODEL (an NLI checkpoint directory or Hub id)")
    if not candidate_labels:  # before loading a model that would be of no use
        raise ModelError(NO_CANDIDATES, parameter="candidate_labels")
    nli = load_classifier(backbone, trust_remote_code=bool(trust_remote_code), device=device, max_length=max_length)
    return ZeroShotClassifier(nli, candidate_labels=candidate_labels, hypothesis_template=hypothesis_template,
                              multi_label=bool(multi_label), source=spec)


def _load_onnx(spec, *, max_length=None):
    from auditkit.models._onnx import OnnxClassifier

    return OnnxClassifier(spec, max_length=max_length)


def _is_onnx(spec: str) -> bool:
    from auditkit.models._onnx import is_onnx_model

    return is_onnx_model(spec)


def _is_python_spec(spec: str) -> bool:
    from auditkit.models._python import looks_like_python_spec

    return looks_like_python_spec(spec)


def _is_file_model(spec: str) -> bool:
    from auditkit.models._python import PICKLE_SUFFIXES

    return spec.lower().endswith((".skops",) + PICKLE_SUFFIXES)


#: The kinds, tried in this order (the first whose form matches loads).
MODEL_KINDS: tuple[ModelKind, ...] = (
    ModelKind("endpoint", "http(s)://HOST[:PORT]/v2/models/NAME/infer (or a route taking {\"inputs\": [...]})",
              lambda s: bool(_SCHEME.match(s)), _load_endpoint,
              ("endpoint_format", "labels", "multi_label", "endpoint_concurrency", "endpoint_timeout",
               "endpoint_retries", "endpoint_auth_env", "endpoint_auth_header")),
    ModelKind("zero-shot", "zero-shot:MODEL (an NLI checkpoint) with candidate labels",
              lambda s: s.startswith("zero-shot:"), _load_zero_shot,
              ("candidate_labels", "hypothesis_template", "multi_label", "trust_remote_code", "device", "max_length")),
    ModelKind("skops", "FILE.skops (a fitted scikit-learn model saved with skops)", _is_file_model, _load_skops,
              ("labels", "multi_label")),
    ModelKind("onnx", "a folder holding model.onnx, config.json and the tokenizer (export_onnx), or its model.onnx",
              _is_onnx, _load_onnx, ("max_length",)),
    ModelKind("python", "module:attribute or path/to/file.py:attribute", _is_python_spec, _load_python,
              ("labels", "multi_label")),
    ModelKind("transformers", "a checkpoint directory, a Hub id or minilm", lambda s: True, _load_transformers,
              ("trust_remote_code", "device", "max_length", "precision")),
)


def model_kind(spec: str) -> ModelKind:
    """The kind ``spec`` (a ``--model`` string) names."""
    spec = str(spec)
    return next(kind for kind in MODEL_KINDS if kind.matches(spec))


def load_model(spec: str, **options) -> Classifier:
    """Load whatever ``spec`` names as a :class:`~auditkit.models.Classifier`.

    Parameters
    ----------
    spec : str
        A checkpoint directory, Hub id or ``minilm``; ``http(s)://...``;
        ``module:attribute`` or ``file.py:attribute`` (runs that code);
        ``FILE.skops``; ``zero-shot:MODEL``; an ONNX export folder.
    **options
        Kind options (``device``, ``precision``, ``endpoint_format``,
        ``labels``, ``candidate_labels``...). An option left at None or
        False is not given; a given option the kind does not take is refused.

    Examples
    --------
    >>> clf = load_model("http://127.0.0.1:8080/v2/models/m/infer")  # doctest: +SKIP
    >>> clf.kind, clf.labels                                          # doctest: +SKIP
    ('endpoint', ['negative', 'positive'])
    """
    spec = str(spec)
    if not spec.strip():
        raise ModelError("the model is empty; pass a checkpoint directory, a Hub id, an http(s) URL, "
                         "module:attribute, a .skops file or zero-shot:MODEL", parameter="model")
    kind = model_kind(spec)
    known = {name for k in MODEL_KINDS for name in k.options}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"load_model() got unexpected option(s) {', '.join(unknown)}")
    stray = [name for name, value in options.items()
             if value is not None and value is not False and name not in kind.options]
    if stray:
        takers = [k.name for k in MODEL_KINDS if stray[0] in k.options]
        raise ModelError(f"{stray[0]} applies to {' and '.join(takers)} models, but {_shown(spec)!r} is a {kind.name} "
                         f"model ({kind.form}); drop {stray[0]}", parameter=stray[0])
    return kind.load(spec, **{name: value for name, value in options.items() if name in kind.options})


def _shown(spec: str) -> str:
    """``spec`` as a message may show it (a URL without credentials)."""
    if _SCHEME.match(spec):
        from auditkit.models._endpoint import safe_url_or_scheme

        return safe_url_or_scheme(spec)
    return spec if len(spec) < 200 else spec[:200] + "..."

