"""The bad-input corpus: every case in ``tests/corpus/*.toml`` through the command line.

Each case is data: the files it writes (a scenario, an experiment, an edited copy of the mini
city bundle...), the ``python -m sim`` arguments, the exit code and the words its one-line
message must contain. The test asserts that code and those words, that no traceback is printed,
and that nothing is left under the results folder or in the network cache (the cache-repair
cases, which must rewrite the entry, excepted).

Format (``tests/corpus/<kind>.toml``, one ``[[case]]`` table each)::

    [[case]]
    id = "nan-vot-factor"                 # unique in its file
    files = { "s.toml" = "..." }          # written in the case's own folder
    bundle = true                         # copy tests/data/mini_city to ./mini_city first
    edit = [["mini_city/city.toml", "old", "new"]]   # replace text in a file of the folder
    env = { LADERA_MAX_DAYS = "5" }       # extra environment
    cache = "truncate"                    # cache-repair case: damage a private cache's entry
    argv = ["run", "s.toml"]              # run in the case's folder
    exit = 2                              # default 2
    words = ["s.toml", "`choice.vot_factor`", "finite"]

Text may use ``{data}`` (tests/data), ``{mini}`` (the mini city's city.toml), ``{root}`` (the
repository) and ``{case}`` (the case's folder). The results folder is ``./results``, the
default. The test data tree is allowed by ``LADERA_ALLOW`` (conftest), as a user would allow it.

Cases run in forked children of one warm interpreter (``tests/cli_server.py``), each exactly
``python -m sim ARGS``, so the corpus takes seconds, not minutes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent
CORPUS = HERE / "corpus"
KINDS = ("scenario", "experiment", "bundle", "cli", "cache")
NOTES = ("ladera: warning", "ladera: note")


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for kind in KINDS:
        with (CORPUS / f"{kind}.toml").open("rb") as fh:
            for case in tomllib.load(fh)["case"]:
                cases.append({**case, "kind": kind})
    ids = [(c["kind"], c["id"]) for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique within a kind"
    return cases


CASES = load_cases()


class Server:
    """``tests/cli_server.py``: runs ``python -m sim`` cases in forked children."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "cli_server.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"
        self.count = 0

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> dict:
        """Run one case; a case still running after ``timeout`` seconds is killed (code -9)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.count += 1
        out, err = cwd / ".stdout", cwd / ".stderr"
        request = {"id": self.count, "argv": argv, "cwd": str(cwd), "env": env,
                   "stdout": str(out), "stderr": str(err), "timeout": timeout}  # fmt: skip
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        while answer["id"] != self.count:  # the late answer of a case the test gave up on
            answer = json.loads(self.proc.stdout.readline())
        answer.update(
            stdout=out.read_text(errors="replace"), stderr=err.read_text(errors="replace")
        )
        out.unlink()
        err.unlink()
        return answer

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture(scope="module")
def warm_cache(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A network cache holding the mini city, shared by the cases (which must not change it),
    and the name of its entry."""
    cache = tmp_path_factory.mktemp("corpus-cache")
    env = {**os.environ, "LADERA_CACHE_DIR": str(cache)}
    folder = tmp_path_factory.mktemp("warm")
    answer = server.run(["network", "info", "--city", str(DATA / "mini_city" / "city.toml")],
                        folder, env)  # fmt: skip
    assert answer["code"] == 0, answer["stderr"]
    (entry,) = (cache / "networks").glob("*.npz")
    return cache, entry.name


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (hidden ones too): size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if not p.is_dir()}  # fmt: skip


def fill(text: str, case_dir: Path) -> str:
    return (text.replace("{data}", str(DATA)).replace("{mini}", str(DATA / "mini_city" / "city.toml"))
            .replace("{root}", str(ROOT)).replace("{case}", str(case_dir)))  # fmt: skip


def damage(entry: Path, how: str) -> None:
    if how == "truncate":
        with entry.open("r+b") as fh:
            fh.truncate(entry.stat().st_size // 3)
    elif how == "empty":
        entry.write_bytes(b"")
    elif how == "garbage":
        entry.write_bytes(os.urandom(4096))
    elif how == "wrong-arrays":  # a valid .npz that is not a network
        import numpy as np

        with entry.open("wb") as fh:
            np.savez(fh, x=np.zeros(3))
    elif how != "none":
        raise AssertionError(f"unknown damage {how!r}")


def setup_case(case: dict[str, Any], folder: Path) -> None:
    if case.get("bundle"):
        shutil.copytree(DATA / "mini_city", folder / "mini_city")
    for name, text in case.get("files", {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            path.write_text(fill(text, folder))
        else:  # an array of byte values: a file that is not text
            path.write_bytes(bytes(text))
    for name, old, new in case.get("edit", []):
        path = folder / name
        before = path.read_text()
        assert old in before, f"{case['id']}: {old!r} is not in {name}"
        path.write_text(before.replace(old, fill(new, folder)))


@pytest.mark.timeout(180)  # more than the server's 60 s a case: its answer always comes
@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}:{c['id']}" for c in CASES])
def test_bad_input(
    case: dict[str, Any], server: Server, warm_cache: tuple[Path, str], tmp_path: Path
):
    folder = tmp_path / "case"
    folder.mkdir()
    setup_case(case, folder)
    cache, entry_name = warm_cache
    if "cache" in case:  # a private copy of the entry: this case must repair it
        cache = tmp_path / "cache"
        (cache / "networks").mkdir(parents=True)
        shutil.copy2(warm_cache[0] / "networks" / entry_name, cache / "networks")
        damage(cache / "networks" / entry_name, case["cache"])
    before = snapshot(cache)
    env = {**os.environ, "LADERA_CACHE_DIR": str(cache)}
    env.update({k: fill(v, folder) for k, v in case.get("env", {}).items()})
    answer = server.run([fill(a, folder) for a in case["argv"]], folder, env)

    shown = answer["stdout"] + answer["stderr"]
    assert "Traceback" not in shown, shown
    assert answer["code"] == case.get("exit", 2), shown
    lines = answer["stderr"].strip().splitlines()
    if case.get("exit", 2) != 0:
        errors = [ln for ln in lines if not ln.startswith(NOTES)]
        assert len(errors) == 1, answer["stderr"]
        message = errors[0]
        assert message.startswith("ladera: error: "), message
    else:
        message = next((ln for ln in shown.splitlines() if all(w in ln for w in case["words"])), "")
    for word in case["words"]:
        assert fill(word, folder) in message, f"{word!r} not in {message!r}"

    results = folder / "results"
    assert not results.exists() or not any(results.iterdir()), sorted(results.rglob("*"))
    if "cache" in case:
        assert zipfile.is_zipfile(cache / "networks" / entry_name)  # rebuilt and written again
    else:
        assert snapshot(cache) == before


def test_the_corpus_is_large_and_covers_every_kind():
    counts = {kind: sum(c["kind"] == kind for c in CASES) for kind in KINDS}
    assert sum(counts.values()) >= 100, counts
    assert all(n >= 4 for n in counts.values()), counts
