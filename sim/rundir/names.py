"""Names of output folders, and the checks made before any work starts.

Run ids, scenario names, comparison ids and experiment names become folder names: each must be
safe as one path part. Every output folder is checked writable before a simulation starts, so a
bad ``--results`` fails in a second instead of after the whole run.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
import time
from pathlib import Path

from sim.errors import ScenarioError

#: Folder names under the results root that Ladera itself writes.
RESERVED = ("compare", "batch", "bench")
_NAME = re.compile(r"[\w-][\w.-]*")


def check_name(value: str, what: str, *, reserved: bool = False) -> str:
    """``value`` unchanged if it is safe as one folder name, else a one-line ScenarioError.

    Parameters
    ----------
    value
        A scenario name, run id, comparison id or experiment name.
    what
        How the error names it, e.g. ``"`name`"`` or ``"`--run-id`"``.
    reserved
        Also refuse the names of Ladera's own folders under the results root.
    """
    allowed = "letters, digits, `_`, `-` and `.` (not first)"
    if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > 200:
        raise ScenarioError(f"{what} is {value!r}; allowed: {allowed}, at most 200 characters")
    if reserved and value.lower() in RESERVED:
        raise ScenarioError(f"{what} is {value!r}, which names a folder Ladera writes under the "
                            f"results root; choose another (not {', '.join(RESERVED)})")  # fmt: skip
    return value


def check_writable(folder: Path | str) -> None:
    """Raise the ``OSError`` writing into ``folder`` would raise, now, without creating it.

    Finds the nearest existing ancestor; it must be a directory in which a file can be created
    (a hidden probe file is created and removed at once).
    """
    probe = Path(folder).absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(probe))
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".ladera-write-check-")
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror or str(exc), str(probe)) from None
    os.close(fd)
    os.unlink(name)


def timestamp() -> str:
    """The time part of default run and comparison ids: ``20240131-142501``."""
    return time.strftime("%Y%m%d-%H%M%S")
