"""A classifier that is a Python object: a scikit-learn model, a ``module:attribute``, a skops file.

``module:attribute`` names an object with ``predict_proba`` and ``classes_``
(a scikit-learn ``Pipeline``), or a callable texts -> probabilities, in an
importable module or a ``.py`` file. Importing it runs that code: auditkit
does so only when a person names it on the command line (``--model``) or in
a Python call — never because a stored run or a config file says so.

A fitted scikit-learn model saved with ``skops.io.dump`` (a ``.skops``
file) is loaded with skops, which refuses types it does not trust; a pickle
(``.pkl``, ``.joblib``) is refused, since loading one can run any code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Callable, Sequence

from auditkit._fs import PATH_PROBLEMS, path_kind
from auditkit.errors import ModelError
from auditkit.models._blackbox import BlackBoxClassifier

__all__ = ["PythonClassifier", "load_python_model", "load_skops_model", "looks_like_python_spec", "PICKLE_SUFFIXES"]

#: Files that are pickles under another name: refused.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pck", ".sav")
_IDENTIFIER = r"[A-Za-z_]\w*"
_SPEC = re.compile(rf"^(?P<module>.+):(?P<attribute>{_IDENTIFIER}(?:\.{_IDENTIFIER})*)$")
_DOTTED = re.compile(rf"^{_IDENTIFIER}(?:\.{_IDENTIFIER})*$")

NO_PROBA = ("{source} is neither callable nor has predict_proba; name an object with predict_proba and classes_ "
            "(a fitted scikit-learn pipeline) or a function texts -> probabilities")
NO_LABELS = ("{source} does not say its classes (no classes_ attribute); pass labels (--labels) naming its "
             "probability columns in order")
PICKLE_REFUSED = ("{path!r} is a pickle; loading one can run any code, so auditkit refuses it — save the model with "
                  "skops.io.dump(model, 'model.skops') and pass that file")


def looks_like_python_spec(spec: str) -> bool:
    """Whether ``spec`` has the form ``module:attribute`` or ``path/to/file.py:attribute``."""
    match = _SPEC.match(spec)
    if not match:
        return False
    module = match["module"]
    return module.endswith(".py") or bool(_DOTTED.match(module))


class PythonClassifier(BlackBoxClassifier):
    """A Python object as a classifier.

    Parameters
    ----------
    model : object
        With ``predict_proba(texts)`` (and ``classes_`` unless ``labels`` is
        given), or a callable ``texts -> probabilities``.
    source : str
        What to record as its source (``module:attribute``, a file).
    labels : sequence of str, optional
        Class names in column order; by default ``model.classes_``.
    multi_label : bool, default False
        Each label is scored on its own (rows need not sum to 1).
    kind : str, default "python"
    """

    kind = "python"

    def __init__(self, model, *, source: str, labels: Sequence[str] | None = None, multi_label: bool = False,
                 kind: str = "python", name: str | None = None):
        predict: Callable | None = getattr(model, "predict_proba", None)
        if predict is None and callable(model) and not isinstance(model, type):
            predict = model
        if not callable(predict):
            raise ModelError(NO_PROBA.format(source=source))
        if labels is None:
            classes = getattr(model, "classes_", None)
            if classes is None:
                classes = getattr(model, "labels", None)
            if classes is None or isinstance(classes, (str, bytes)):
                raise ModelError(NO_LABELS.format(source=source), parameter="labels")
            try:
                labels = [str(c) for c in classes]
            except TypeError:
                raise ModelError(NO_LABELS.format(source=source), parameter="labels") from None
        self.kind = kind
        self._predict = predict
        self._extra_fingerprint = b""
        super().__init__(labels=labels, multi_label=multi_label, source=source, name=name)

    def _score(self, texts: list[str], *, where: str):
        try:
            return self._predict(texts)
        except Exception as exc:  # the user's code: any failure is one line naming the batch
            text = str(exc).strip().splitlines()
            raise ModelError(f"{where}: the model raised {type(exc).__name__}"
                             + (f": {text[0][:200]}" if text else "")) from None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = self._behaviour_hash(self._extra_fingerprint)
        return self._fingerprint


def load_python_model(spec: str, *, labels: Sequence[str] | None = None, multi_label: bool = False) -> PythonClassifier:
    """Import ``module:attribute`` (or ``file.py:attribute``) and wrap it as a classifier.

    This runs the module's code: call it only on code you trust, named by a person.
    """
    match = _SPEC.match(spec)
    if not match:
        raise ModelError(f"{spec!r} is not module:attribute; write e.g. mypackage.models:pipeline or "
                         "path/to/model.py:pipeline")
    module_name, attribute = match["module"], match["attribute"]
    extra = b""
    if module_name.endswith(".py"):
        path = Path(module_name).expanduser()
        kind = path_kind(path)
        if kind != "file":
            problem = "does not exist" if kind == "missing" else PATH_PROBLEMS.get(kind, "is not a regular file")
            raise ModelError(f"Python file {module_name!r} {problem}; check the path before the ':'")
        extra = path.read_bytes()
        unique = "auditkit_user_model_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
        module_spec = importlib.util.spec_from_file_location(unique, path)
        if module_spec is None or module_spec.loader is None:
            raise ModelError(f"cannot import {module_name!r} as a Python module")
        module = importlib.util.module_from_spec(module_spec)
        _run_user_code(lambda: module_spec.loader.exec_module(module), module_name)
    else:
        module = _run_user_code(lambda: importlib.import_module(module_name), module_name, attribute=attribute)
    target = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ModelError(f"{module_name!r} has no attribute {attribute!r}; check the name after the ':'")
        target = getattr(target, part)
    classifier = PythonClassifier(target, source=spec, labels=labels, multi_label=multi_label)
    classifier._extra_fingerprint = extra
    return classifier


def _run_user_code(action, what: str, *, attribute: str = ""):
    """``action()`` (an import: user code runs); any failure as one line naming ``what``."""
    try:
        return action()
    except ModuleNotFoundError as exc:
        if exc.name and (what == exc.name or what.startswith(exc.name + ".")):
            raise ModelError(f"no importable module {what!r}; install it, or name its file as "
                             f"path/to/{what.rsplit('.', 1)[-1]}.py:{attribute}") from None
        raise ModelError(f"importing {what!r} failed: ModuleNotFoundError: {exc}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a syntax error or SystemExit in user code too: one line, no traceback
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise ModelError(f"importing {what!r} failed: {type(exc).__name__}" + (f": {first}" if first else "")) from None


def load_skops_model(path: str, *, labels: Sequence[str] | None = None, multi_label: bool = False) -> PythonClassifier:
    """Load a fitted scikit-learn model saved with ``skops.io.dump``, refusing types skops does not trust."""
    file = Path(path).expanduser()
    kind = path_kind(file)
    if kind != "file":
        problem = "does not exist" if kind == "missing" else PATH_PROBLEMS.get(kind, "is not a regular file")
        raise ModelError(f"skops file {path!r} {problem}")
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError("a .skops model needs the skops package; pip install 'auditkit[sklearn]'") from None
    try:
        untrusted = sio.get_untrusted_types(file=str(file))
    except Exception as exc:
        raise ModelError(f"{path!r} is not a skops file ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:120]}); "
                         "save the model with skops.io.dump") from None
    if untrusted:
        shown = ", ".join(untrusted[:6]) + (" ..." if len(untrusted) > 6 else "")
        raise ModelError(f"{path!r} holds types skops does not trust by default ({shown}); auditkit loads only trusted "
                         "types — review the file, load it yourself with skops.io.load(path, trusted=[...]) in a module, "
                         "and audit that module as module:attribute")
    try:
        model = sio.load(str(file))
    except Exception as exc:
        raise ModelError(f"cannot load {path!r} with skops ({type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:120]})") from None
    classifier = PythonClassifier(model, source=str(path), labels=labels, multi_label=multi_label, kind="skops",
                                  name=file.stem)
    classifier._extra_fingerprint = file.read_bytes()
    return classifier
