"""Claims on output folders: who is writing which folder now, and what dead writers left.

Results are never overwritten, and two processes never write the same folder: a writer holds a
claim (a locked hidden file next to the folder) while it simulates and writes, and writes under
a hidden temporary name that carries its host, process id and start time, so the temporary
folders of killed writers can be told apart from those of live ones and removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

from sim.errors import ScenarioError

#: Separates the parts of a temporary folder's name: never in a run name or a host name.
_SEP = "@"


def _process_start(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, Linux), ``"0"`` if unknown, ``""``
    if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[19]
    except FileNotFoundError:
        return ""
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return ""
    except OSError:  # another user's process: it exists
        pass
    return "0"


def _host() -> str:
    return re.sub(r"[^\w.-]", "_", socket.gethostname()) or "host"


def owner_tag() -> str:
    """``host@pid@start`` of this process: what names its temporary folders."""
    pid = os.getpid()
    return _SEP.join((_host(), str(pid), _process_start(pid)))


def temp_folder(final: Path) -> Path:
    """The hidden folder a run or a comparison is written in before it is renamed to ``final``
    (:func:`sim.rundir.atomic.write_folder`)."""
    return final.parent / f".tmp-{final.name}{_SEP}{owner_tag()}"


def _dead(tag: str) -> bool:
    """Whether the process of ``host@pid@start`` is gone: only a process of this host can be
    known to be gone; a process id that now belongs to a later process also counts as gone."""
    try:
        host, pid, start = tag.rsplit(_SEP, 2)
        number = int(pid)
    except ValueError:
        return False
    if host != _host():
        return False  # a worker on another host sharing the disk: not ours to judge
    now = _process_start(number)
    return now == "" or (start not in ("", "0") and now not in ("0", start))


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary folders (and unheld claims) left in ``folder`` by dead processes of
    this host (killed while writing); never one of a live process or of another host."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for tmp in folder.glob(f".tmp-*{_SEP}*"):
        if tmp.is_dir() and _dead(tmp.name.split(_SEP, 1)[1]):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    for lock in folder.glob(".*.claim"):
        with contextlib.suppress(OSError), _held(lock) as mine:
            if mine:
                lock.unlink()
                removed.append(lock)
    return removed


@contextlib.contextmanager
def _held(path: Path) -> Iterator[bool]:
    """Try to lock the existing file ``path``: True while this process holds it."""
    import fcntl

    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield _same_file(fd, path)
    finally:
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def claim_path(final: Path) -> Path:
    return final.parent / f".{final.name}.claim"


def claimed(final: Path) -> bool:
    """Whether a live process has claimed ``final`` (is simulating or writing it now)."""
    lock = claim_path(final)
    if not lock.is_file():
        return False
    try:
        with _held(lock) as mine:
            return not mine and lock.exists()
    except OSError:
        return False


@contextlib.contextmanager
def claim(final: Path, busy: str = "") -> Iterator[None]:
    """Hold ``final``'s claim (a locked hidden file next to it) for the duration: a second
    process that claims the same folder gets a one-line ScenarioError at once (``busy``, or
    the message for a run id). The operating system drops the lock when this process dies,
    even by kill, so a claim never goes stale; the file is removed on the way out."""
    import fcntl

    lock = claim_path(final)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            busy = busy or ("another run is writing this run now; allowed: a run id no other "
                            "run uses (choose another `--run-id`)")  # fmt: skip
            raise ScenarioError(f"{final}: {busy}") from None
        if _same_file(fd, lock):
            break
        os.close(fd)  # removed by its last holder meanwhile: claim the new file
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)


def created_folders(folder: Path) -> list[Path]:
    """The folders ``folder.mkdir(parents=True)`` would create, deepest first."""
    out = []
    path = Path(folder).absolute()
    while not path.exists() and path.parent != path:
        out.append(path)
        path = path.parent
    return out


def remove_empty(folders: list[Path]) -> None:
    """Remove each folder (deepest first) if it is empty: what a failed run created."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def claimed_folder(final: Path, *, default_id: bool) -> Iterator[Path]:
    """Claim the run folder ``final`` (:func:`claim`) for the duration and yield it.

    The parent folder is created if needed, and removed again, with any folder created for it,
    if the body fails; temporary folders of dead writers in it are removed. With
    ``default_id``, a name claimed by another run moves on to the next free suffix; otherwise
    it is a one-line ScenarioError.
    """
    made = created_folders(final.parent)
    final.parent.mkdir(parents=True, exist_ok=True)
    stem = final.name
    try:
        with contextlib.ExitStack() as stack:
            while True:
                try:
                    stack.enter_context(claim(final))
                    break
                except ScenarioError:
                    if not default_id:
                        raise
                    final = free_folder(final.parent, stem)
            remove_stale(final.parent)
            yield final
    except BaseException:
        remove_empty(made)
        raise


def free_folder(parent: Path, stem: str) -> Path:
    """``parent/stem``, or ``parent/stem-2``, ``-3``... the first that does not exist (and that
    no run is writing now)."""
    path = parent / stem
    k = 2
    while path.exists() or claimed(path):
        path = parent / f"{stem}-{k}"
        k += 1
    return path
