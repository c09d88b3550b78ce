"""Errors Ladera raises on purpose.

Every error a user can cause by bad input is a :class:`LaderaError`; the CLI prints it as one
line and exits with code 2 (code 1 for :class:`BatchRunsFailed`). Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations


class LaderaError(Exception):
    """Base class of the errors a user can cause and fix."""


class ScenarioError(ValueError, LaderaError):
    """A scenario, city or experiment file holds a value Ladera cannot use."""


class DataError(ValueError, LaderaError):
    """An input data file is missing, unreadable or inconsistent."""


class NetworkNotAvailableError(LaderaError):
    """A city's street network is not on disk and must be fetched first."""


class MissingExtraError(LaderaError):
    """A command needs an optional dependency group (``pip install -e ".[dask]"``)."""

    def __init__(self, command: str, extra: str, module: str | None = None) -> None:
        missing = f" (no module `{module}`)" if module else ""
        super().__init__(f"`{command}` needs the `{extra}` extra{missing}: install it with "
                         f'`python -m pip install -e ".[{extra}]"`')  # fmt: skip


class BatchRunsFailed(LaderaError):
    """Some runs of a batch failed; the others are written and summarised (exit code 1)."""


def where(path: object, field: str | None = None) -> str:
    """Return ``"path: field"``, the prefix of every one-line error message."""
    return f"{path}: {field}" if field else f"{path}"
