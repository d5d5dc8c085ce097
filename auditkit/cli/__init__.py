"""The ``auditkit`` command line.

Each subcommand lives in its own module ``auditkit.cli._<name>`` with two
functions: ``add_parser(subparsers)`` and ``run(args) -> int``. Errors that
users cause surface as one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import re
import importlib
import os
import signal
import sys
from contextlib import contextmanager

from auditkit._text import printable
from auditkit.errors import AuditkitError

# Order shown in --help.
COMMANDS = ("train", "audit", "runs", "report", "compare", "gate", "export", "probes", "dashboard")


class _Parser(argparse.ArgumentParser):
    """The parser of ``auditkit`` and of each subcommand.

    ``flags`` is this parser's table of Python parameter -> the flag that sets it (``learning_rate`` ->
    ``--learning-rate``), filled as options are added (to the parser or to one of its argument groups), so
    messages can name flags without reading argparse's private state.
    """

    def __init__(self, *args, **kwargs):
        self.flags: dict[str, str] = {}  # before argparse adds --help
        super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        return self._record(super().add_argument(*args, **kwargs))

    def add_argument_group(self, *args, **kwargs):
        group = super().add_argument_group(*args, **kwargs)
        add = group.add_argument
        group.add_argument = lambda *a, **k: self._record(add(*a, **k))
        return group

    def add_mutually_exclusive_group(self, *args, **kwargs):
        group = super().add_mutually_exclusive_group(*args, **kwargs)
        add = group.add_argument
        group.add_argument = lambda *a, **k: self._record(add(*a, **k))
        return group

    def _record(self, action: argparse.Action) -> argparse.Action:
        if action.option_strings and action.dest != "help":
            self.flags[action.dest] = max(action.option_strings, key=len)
        return action

    def error(self, message):  # one line, exit 2, like every other bad input
        self.exit(2, f"auditkit: error: {printable(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from auditkit import __version__

    parser = _Parser(
        prog="auditkit",
        description="Evaluate and bias-audit Hugging Face text classifiers.",
    )
    parser.add_argument("--version", action="version", version=f"auditkit {__version__}")
    parser.commands = {}  # subcommand name -> its parser (each with its own flags table)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    own = {}
    for name in COMMANDS:
        module = importlib.import_module(f"auditkit.cli._{name}")
        sp = module.add_parser(sub)
        parser.commands[name] = sp
        own[sp] = {**sp.flags, **getattr(module, "FLAGS", {})}
        sp.set_defaults(_run=module.run)
    # A message may name another command's parameter (the gate: "re-run the audit with probes ..."):
    # a subcommand's own flags first, then those of the others.
    every = {}
    for flags in reversed(own.values()):
        every.update(flags)
    for sp, flags in own.items():
        sp.set_defaults(_flags={**every, **flags})
    return parser


def _in_flags(exc: AuditkitError, flags: dict[str, str]) -> str:
    """The engine's message with every parameter it names written as the command's flag.

    The engine names its parameters (``epochs must be positive``; ``out '/x' already holds a model; pass
    overwrite to replace it``), as a Python user calls them; on the command line the same error reads
    ``--epochs must be positive`` (``--out '/x' ... pass --overwrite ...``). A name inside a quoted value
    or a path (``'/runs/out'``) is left alone.
    """
    message = str(exc)
    for parameter in getattr(exc, "parameters", ()):
        if parameter in flags:
            message = re.sub(rf"(?<![\w\-/.'\"]){re.escape(parameter)}(?![\w\-/'\"])", flags[parameter], message)
    return message


@contextmanager
def _terminate_as_interrupt():
    """While a command runs, SIGTERM unwinds like Ctrl+C, so staged output is removed on the way out."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _tolerant_streams() -> None:
    """A character stdout/stderr cannot encode (PYTHONIOENCODING=ascii, a C locale without UTF-8 mode) is written
    as a ``\\u`` escape instead of raising UnicodeEncodeError in the middle of the output."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", None) in ("strict", "surrogateescape"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a closed or exotic stream: leave it
                pass


def _quiet_broken_pipe() -> int:
    """The reader of stdout went away (``auditkit runs | head -1``): stop quietly, as a command killed by SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not raise again
    except (OSError, ValueError, AttributeError):
        pass
    return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``auditkit`` console script."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _tolerant_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (already printed)
        return int(exc.code or 0)
    try:
        with _terminate_as_interrupt():
            code = args._run(args)
    except AuditkitError as exc:
        print(f"auditkit: error: {printable(_in_flags(exc, getattr(args, '_flags', {})))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("auditkit: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    try:
        sys.stdout.flush()  # a broken pipe seen only when buffered output is flushed
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except (OSError, ValueError):
        pass
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
