"""Writing files and folders atomically: under a hidden temporary name, then renamed into place.

A reader never sees half a file or half a folder, and a failed or interrupted writer leaves
nothing under the final name. Every writer in Ladera that replaces a file or publishes a folder
goes through here, instead of a hand-written temporary name at each site:

- :func:`atomic_file`: a file, replaced as a whole (the network cache, a batch's ``plan.json``
  and tables, a comparison's ``summary.json``);
- :func:`write_folder`: a new folder (a run, a comparison), never renamed over an existing one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.errors import ScenarioError
from sim.rundir.claims import free_folder, temp_folder


@contextlib.contextmanager
def atomic_file(path: Path | str) -> Iterator[Path]:
    """Yield a hidden temporary path next to ``path`` to write the file at; when the body
    returns, rename it over ``path`` (atomic on one file system); if the body fails, remove it.

    The temporary name is unique to this call and ends with ``path``'s suffix, for writers that
    choose the format by it (matplotlib's ``savefig``).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_folder(
    final: Path, write: Callable[[Path], None], *, taken: str, next_free: bool = False
) -> Path:
    """Write a new folder: ``write`` fills a hidden temporary folder next to ``final`` (named
    by :func:`sim.rundir.claims.temp_folder`), which is then renamed to ``final``.

    The folder is never renamed over an existing one (one may have appeared meanwhile): with
    ``next_free`` it moves on to the first free ``-2``, ``-3``... name, otherwise it is a
    one-line ScenarioError ``"<final>: <taken>"``. If anything fails, the temporary folder is
    removed. Returns where the folder went.
    """
    tmp = temp_folder(final)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        write(tmp)
        return _publish(tmp, final, taken=taken, next_free=next_free)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish(tmp: Path, final: Path, *, taken: str, next_free: bool) -> Path:
    """Rename ``tmp`` to ``final``, never over an existing folder (see :func:`write_folder`)."""
    stem = final.name
    while True:
        if not final.exists():
            try:
                os.rename(tmp, final)  # fails on a non-empty directory: nothing is replaced
                return final
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        if not next_free:
            raise ScenarioError(f"{final}: {taken}")
        final = free_folder(final.parent, stem)


def write_error(exc: OSError, folder: Path) -> OSError:
    """``exc`` (e.g. a full disk while writing a run) as an OSError naming ``folder``.

    Some writers (pyarrow) give no errno and no file name, only ``[errno 28]`` in the text.
    """
    number = exc.errno
    if number is None:
        found = re.search(r"\[errno (\d+)\]", str(exc), flags=re.IGNORECASE)
        number = int(found.group(1)) if found else None
    reason = os.strerror(number) if number else (" ".join(str(exc).split()) or type(exc).__name__)
    return OSError(number or errno.EIO, f"{reason}; nothing was written there (a failed run "
                   "leaves nothing behind)", str(folder))  # fmt: skip
