"""The one exception family of auditkit.

Every error a user can cause (a missing file, an unknown column, a label the
model does not know...) is raised as a subclass of :class:`AuditkitError`
with a one-line message that says what was wrong and how to fix it. The CLI
prints that line and exits with status 2.
"""

__all__ = [
    "AuditkitError",
    "DataError",
    "ModelError",
    "LabelMismatchError",
    "ConfigError",
    "RunStoreError",
]


class AuditkitError(Exception):
    """Base class of every error auditkit raises for bad input.

    ``parameter`` names the option(s) at fault as the Python API spells them (``"n_boot"``, or a tuple
    such as ``("out", "overwrite")`` when the message names several); the message uses those names, and
    the CLI writes each as its subcommand's flag instead (``--n-boot``, ``--out``, ``--overwrite``).
    """

    def __init__(self, message: str, *, parameter: str | tuple[str, ...] | None = None):
        super().__init__(message)
        self.parameter = parameter

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameter names the message uses (empty when it names none)."""
        if self.parameter is None:
            return ()
        return (self.parameter,) if isinstance(self.parameter, str) else tuple(self.parameter)


class DataError(AuditkitError, ValueError):
    """A dataset could not be read or does not have what was asked of it."""


class ModelError(AuditkitError, ValueError):
    """A model could not be loaded or used as a text classifier."""


class LabelMismatchError(AuditkitError, ValueError):
    """Dataset labels cannot be matched to the model's labels."""


class ConfigError(AuditkitError, ValueError):
    """An option, policy or lexicon file is invalid."""


class RunStoreError(AuditkitError, ValueError):
    """A run directory is missing, malformed or would be overwritten."""
