"""Sums that do not depend on BLAS's threads (sim.numeric): the same bits in a process whose
BLAS runs one thread (as in a Dask worker) and in one that runs as many as it likes."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from sim.numeric import dot, matvec, vecmat

SCRIPT = """
import numpy as np
from sim.numeric import dot, matvec, vecmat
rng = np.random.default_rng(3)
a, b = rng.random(300_000), rng.random(300_000)
m = rng.random((400, 2_000))
print(repr(dot(a, b)), repr(float(matvec(m, a[:2_000]).sum())), repr(float(vecmat(a[:400], m).sum())))
"""


def _run(threads: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    if threads is not None:
        env.update(OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return out.stdout


def test_sums_are_the_same_whatever_blas_threads():
    assert _run("1") == _run(None) == _run("2")


def test_they_are_the_products_they_name():
    rng = np.random.default_rng(0)
    a, m = rng.random(50), rng.random((7, 50))
    assert dot(a, a) == np.float64(np.sum(a * a))
    np.testing.assert_allclose(dot(a, a), a @ a, rtol=1e-14)
    np.testing.assert_allclose(matvec(m, a), m @ a, rtol=1e-14)
    np.testing.assert_allclose(vecmat(a[:7], m), a[:7] @ m, rtol=1e-14)
